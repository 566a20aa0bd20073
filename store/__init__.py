"""The Parquet store (the only writer of nianbao's datasets) and its readers."""
