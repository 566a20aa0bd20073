"""Reading the store with the right types.

Plain hive readers infer the partition keys from directory names (pandas
shows year and region as categoricals of int32, DuckDB and polars as
integers). These helpers declare them instead: year int16, region a string.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds

from nianbao.store.fs import is_uri, storage
from nianbao.store.schemas import DATASETS, SCHEMAS

PARTITIONING = ds.partitioning(pa.schema([("year", pa.int16()), ("region", pa.string())]), flavor="hive")


def dataset(root: str | Path, name: str) -> ds.Dataset:
    """A dataset of a local or object-store root, with typed partition keys."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; the datasets are {', '.join(DATASETS)}")
    store = storage(root)
    schema = pa.schema(list(SCHEMAS[name]) + [pa.field("year", pa.int16()), pa.field("region", pa.string())])
    files = [store.path(rel) for rel in store.glob(f"{name}/year=*/region=*/*.parquet")]
    return ds.dataset(files, filesystem=store.filesystem, format="parquet", schema=schema,
                      partitioning=PARTITIONING, partition_base_dir=store.path(name))


def read_dataset(root: str | Path, name: str, filter=None):
    """A dataset as a pandas DataFrame (year int16, codes as strings)."""
    return dataset(root, name).to_table(filter=filter).to_pandas()


def duckdb_connection(root: str | Path):
    """A DuckDB connection with one view per dataset present in the store."""
    import duckdb

    if is_uri(root):
        raise ValueError(f"{root}: nianbao sql reads local stores (DuckDB's httpfs extension is not bundled); "
                         "copy the store locally or read it with store.read.read_dataset")
    con = duckdb.connect()
    for name in DATASETS:
        if (Path(root) / name).exists() and any((Path(root) / name).glob("year=*/region=*/*.parquet")):
            glob = str(Path(root) / name / "**" / "*.parquet").replace("'", "''")
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true, "
                        "hive_types = {'year': 'SMALLINT', 'region': 'VARCHAR'})")
    return con
