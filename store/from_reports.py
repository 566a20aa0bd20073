"""Parsed reports to partitioned Arrow tables, and the batch upsert of reports."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from nianbao.store.keys import InvalidKey, check_adcode, check_year
from nianbao.store.parquet_store import upsert_many
from nianbao.store.schemas import REPORT_DATASETS, SCHEMAS


class UnstorableReport(ValueError):
    """A parsed report that lacks what its partition needs (its year)."""


def partition_of(report: dict) -> tuple[int, str | None]:
    """(year, province adcode): where the report's rows go; refused when either cannot name a folder."""
    if report.get("year") is None:
        raise UnstorableReport("the report year is unknown (pass --year)")
    try:
        year = check_year(report["year"], "report year")
        region = check_adcode(report["region"], "report region") if report.get("region") else None
    except InvalidKey as exc:
        raise UnstorableReport(str(exc)) from None
    return year, region


def columns_of(reports: list, dataset: str) -> pa.Table:
    """One dataset's rows of several reports, built column by column (no dict per row)."""
    schema = SCHEMAS[dataset]
    cols: dict[str, list] = {name: [] for name in schema.names}
    for p in reports:
        rep = p.report
        rows = [rep] if dataset == "reports" else getattr(p, dataset)
        keys = {"report_id": rep["report_id"], "adcode": rep["adcode"], "era": rep["era"]}  # era: for series
        for name in schema.names:
            if dataset != "reports" and name in keys:
                cols[name].extend([keys[name]] * len(rows))
            else:
                cols[name].extend(r.get(name) for r in rows)
    return pa.table(cols, schema=schema)


def write_reports(root: str | Path, parsed_reports: list) -> dict[str, dict]:
    """Upsert a batch of ParsedReports into every report dataset of the store at ``root``."""
    latest = {p.report["report_id"]: p for p in parsed_reports}  # the same report twice: the last wins
    by_partition: dict[tuple[int, str | None], list] = {}
    for p in latest.values():
        by_partition.setdefault(partition_of(p.report), []).append(p)
    ids_by_part = {part: [p.report["report_id"] for p in reports] for part, reports in by_partition.items()}
    work = {dataset: ({part: columns_of(reports, dataset) for part, reports in by_partition.items()}, ids_by_part)
            for dataset in REPORT_DATASETS}
    return upsert_many(root, work)


# Parsed reports gathered before one store write. A write costs about one file per (dataset, partition) it
# touches, whatever its size, so larger writes cost less per report; 2,000 parsed reports hold ~130 MB.
COMMIT_REPORTS = 2000


class BatchWriter:
    """Parsed reports stored ``size`` at a time, so memory stays flat however many a run parses."""

    def __init__(self, root: str | Path, size: int = COMMIT_REPORTS):
        self.root, self.size = root, size
        self.pending: list = []
        self.stored = 0  # reports written so far
        self.files = 0  # partition files written so far

    def add(self, parsed) -> None:
        self.pending.append(parsed)
        if len(self.pending) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.files += sum(s["written"] for s in write_reports(self.root, self.pending).values())
            self.stored += len(self.pending)
            self.pending = []
