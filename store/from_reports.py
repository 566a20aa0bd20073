"""Parsed reports to partitioned Arrow tables, and the batch upsert of reports."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from store.parquet_store import upsert
from store.schemas import REPORT_DATASETS, SCHEMAS


class UnstorableReport(ValueError):
    """A parsed report that lacks what its partition needs (its year)."""


def partition_of(report: dict) -> tuple[int, str | None]:
    if report.get("year") is None:
        raise UnstorableReport("the report year is unknown (pass --year)")
    return int(report["year"]), report.get("region")


def rows_of(parsed, dataset: str) -> list[dict]:
    rep = parsed.report
    if dataset == "reports":
        return [rep]
    key = {"report_id": rep["report_id"], "adcode": rep["adcode"]}
    if dataset == "series":
        key["era"] = rep["era"]
    return [{**key, **row} for row in getattr(parsed, dataset)]


def write_reports(root: str | Path, parsed_reports: list) -> dict[str, dict]:
    """Upsert a batch of ParsedReports into every report dataset of the store at ``root``."""
    latest = {p.report["report_id"]: p for p in parsed_reports}  # the same report twice: the last wins
    by_partition: dict[tuple[int, str | None], list] = {}
    for p in latest.values():
        by_partition.setdefault(partition_of(p.report), []).append(p)
    stats = {}
    for dataset in REPORT_DATASETS:
        schema = SCHEMAS[dataset]
        batches = {}
        for part, reports in by_partition.items():
            rows = [r for p in reports for r in rows_of(p, dataset)]
            batches[part] = pa.Table.from_pylist([{k: r.get(k) for k in schema.names} for r in rows], schema=schema)
        ids_by_part = {part: [p.report["report_id"] for p in reports] for part, reports in by_partition.items()}
        stats[dataset] = upsert(root, dataset, batches, replace_ids=ids_by_part)
    return stats
