"""Arrow schemas of the contract's datasets (docs/DATA_CONTRACT.md).

`year` and `region` are the hive partition keys: they live in the directory
names (year=2020/region=620000), not inside the files, because pyarrow (and so
pandas) refuses a dataset whose files repeat a partition column.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "2"  # 2: derived totals marked in active_disclosure, applications, reviews_litigation
PARTITION_KEYS = ("year", "region")
UNKNOWN_REGION = "000000"  # publisher's province not known (no adcode)

_S = pa.string()
_KEY = [("report_id", _S), ("adcode", _S)]

SCHEMAS: dict[str, pa.Schema] = {
    "reports": pa.schema(_KEY + [
        ("region_name", _S), ("province_name", _S), ("admin_level", _S), ("publisher", _S), ("publisher_id", _S),
        ("publisher_kind", _S), ("title", _S),
        ("source_url", _S), ("document_url", _S), ("source_kind", _S),
        ("published_date", pa.date32()), ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("era", _S), ("content_sha256", _S), ("n_tables", pa.int16()), ("checks_failed", pa.int16()),
        ("spam_suspected", pa.bool_()), ("warnings", pa.list_(_S)), ("parser_version", _S),
    ]),
    "active_disclosure": pa.schema(_KEY + [("item", _S), ("measure", _S), ("value", pa.float64()), ("unit", _S),
                                           ("raw", _S), ("derived", pa.bool_())]),
    "applications": pa.schema(_KEY + [("outcome", _S), ("applicant", _S), ("value", pa.float64()), ("raw", _S),
                                      ("derived", pa.bool_())]),
    "reviews_litigation": pa.schema(_KEY + [("proceeding", _S), ("outcome", _S), ("value", pa.float64()),
                                            ("raw", _S), ("derived", pa.bool_())]),
    "legacy_metrics": pa.schema(_KEY + [("metric", _S), ("value", pa.float64()), ("unit", _S), ("evidence", _S)]),
    "sections": pa.schema(_KEY + [("section_no", pa.int16()), ("heading", _S), ("text", _S)]),
    "checks": pa.schema(_KEY + [("check", _S), ("subject", _S), ("expected", pa.float64()), ("actual", pa.float64()),
                                ("passed", pa.bool_())]),
    "series": pa.schema(_KEY + [("metric", _S), ("value", pa.float64()), ("source", _S), ("era", _S)]),
    "fetch_log": pa.schema(_KEY + [
        ("portal_id", _S), ("url", _S), ("kind", _S), ("outcome", _S), ("status", pa.int16()),
        ("fetched_at", pa.timestamp("us", tz="UTC")), ("content_sha256", _S), ("bytes", pa.int64()),
        ("elapsed_ms", pa.int32()), ("detail", _S),
    ]),
    # One row per portal per run (report_id is null): what an operator reads to see how each run went.
    "portal_runs": pa.schema(_KEY + [
        ("portal_id", _S), ("started_at", pa.timestamp("us", tz="UTC")), ("finished_at", pa.timestamp("us", tz="UTC")),
        ("requests", pa.int32()), ("bytes", pa.int64()), ("reports_new", pa.int32()), ("reports_changed", pa.int32()),
        ("reports_unchanged", pa.int32()), ("failures", _S), ("error", _S),
    ]),
}

# Sort keys: rows are written in this order so the same input gives the same bytes.
SORT_KEYS: dict[str, list[str]] = {
    "reports": ["report_id"],
    "active_disclosure": ["report_id", "item", "measure"],
    "applications": ["report_id", "outcome", "applicant"],
    "reviews_litigation": ["report_id", "proceeding", "outcome"],
    "legacy_metrics": ["report_id", "metric"],
    "sections": ["report_id", "section_no"],
    "checks": ["report_id", "check", "subject"],
    "series": ["report_id", "metric"],
    "fetch_log": ["portal_id", "url", "fetched_at"],
    "portal_runs": ["portal_id", "started_at"],
}

# Columns whose values repeat across rows: dictionary-encoded on disk.
DICTIONARY_COLUMNS = {"report_id", "adcode", "item", "measure", "unit", "outcome", "applicant", "proceeding",
                      "metric", "check", "subject", "era", "admin_level", "publisher_kind", "region_name",
                      "parser_version", "portal_id", "kind"}

DATASETS = tuple(SCHEMAS)
LOG_DATASETS = ("fetch_log", "portal_runs")  # append-only records of crawling, not of reports
REPORT_DATASETS = tuple(d for d in DATASETS if d not in LOG_DATASETS)
