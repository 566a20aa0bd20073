"""Parsed reports to partitioned Arrow tables: written now (write_reports) or logged and folded in large
groups (log_reports, BatchWriter)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from nianbao.store import report_log
from nianbao.store.keys import InvalidKey, check_adcode, check_year
from nianbao.store.report_log import LogBatch
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
    """One dataset's rows of several reports, built column by column (no dict per row).

    Built with the system allocator: a night builds these in each portal's own thread as the portal ends,
    and Arrow's default allocator (mimalloc) keeps freed memory per thread, so hundreds of portal threads
    held about 120 MB more at 450 portals in flight (benchmarks.national_bench)."""
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
    pool = pa.system_memory_pool()
    return pa.Table.from_arrays([pa.array(cols[f.name], type=f.type, memory_pool=pool) for f in schema],
                                schema=schema)


def log_batch(parsed_reports: list) -> LogBatch:
    """A batch of ParsedReports as the store's log holds it: grouped by partition, each report's rows of every
    report dataset. A report given twice: the last wins. Refused (UnstorableReport) before anything is written
    when a report cannot name its partition."""
    latest = {p.report["report_id"]: p for p in parsed_reports}
    keyed = sorted(((partition_of(p.report), i, p) for i, p in enumerate(latest.values())),
                   key=lambda k: (k[0][0], k[0][1] or "", k[1]))
    reports = [p for _, _, p in keyed]
    entries = [(p.report["report_id"], year, region,
                tuple(1 if d == "reports" else len(getattr(p, d)) for d in REPORT_DATASETS))
               for (year, region), _, p in keyed]
    return LogBatch(entries, {d: columns_of(reports, d) for d in REPORT_DATASETS})


def write_reports(root: str | Path, parsed_reports: list) -> dict[str, dict]:
    """Upsert a batch of ParsedReports into every report dataset of the store at ``root`` now (with whatever
    the store's log holds, folded first)."""
    return report_log.fold(root, log_batch(parsed_reports) if parsed_reports else None)


def log_reports(root: str | Path, parsed_reports: list) -> None:
    """Log a batch of ParsedReports (durable at once); readers see them after the next fold."""
    report_log.append(root, log_batch(parsed_reports))


# A write costs about one file per (dataset, partition) it touches, whatever its size, so the log is folded
# into the partitions in large groups; a group is read back from the log as Arrow tables, far smaller than
# the parsed reports (~65 KB each) a run would otherwise hold (memory bench: 571 MB peak at 10k, 599 at 50k).
FOLD_REPORTS = 10_000
LOG_REPORTS = 500  # parsed reports held in memory before they are logged


class BatchWriter:
    """Parsed reports logged LOG_REPORTS at a time and folded into the partitions FOLD_REPORTS at a time, so
    memory stays flat however many a run parses, and a killed run's logged reports are folded by the next
    write."""

    def __init__(self, root: str | Path, log_size: int = LOG_REPORTS, fold_size: int = FOLD_REPORTS):
        self.root, self.log_size, self.fold_size = root, log_size, fold_size
        self.pending: list = []
        self.logged = 0  # reports logged since the last fold
        self.stored = 0  # reports folded so far
        self.files = 0  # partition files written so far

    def add(self, parsed) -> None:
        self.pending.append(parsed)
        if len(self.pending) >= self.log_size:
            self._log()
            if self.logged >= self.fold_size:
                self.flush()

    def _log(self) -> None:
        if self.pending:
            log_reports(self.root, self.pending)
            self.logged += len(self.pending)
            self.pending = []

    def flush(self) -> None:
        """Fold everything added so far into the partitions."""
        if self.pending or self.logged:
            batch = log_batch(self.pending) if self.pending else None
            self.files += sum(s["written"] for s in report_log.fold(self.root, batch).values())
            self.stored += self.logged + len(self.pending)
            self.logged, self.pending = 0, []
