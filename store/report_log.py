"""The store's write-ahead log of report batches, folded into the partitions in large groups.

A batch of reports touches one part file per (dataset, partition), so writing
each portal's few reports straight into the partitions creates files by the
thousand. Instead a batch is appended here as one file (durable at once), and
``fold`` writes every logged batch into the partitions in one upsert, so many
small batches cost about what one large write does.

Layout: <root>/_log/<seq>.batch. Readers never see the log (pyarrow skips
names starting with ``_``, and a ``*.parquet`` glob does not match it): logged
reports appear when folded. A batch file is a JSON header line (its reports,
in partition order, with their row counts per dataset) then one Arrow IPC
stream per dataset. Files are written atomically and removed only after the
fold that holds them is committed, so a crash between the two folds them
again, which changes nothing (an unchanged report rewrites no file). Where a
report is logged twice, the later batch wins.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from nianbao.store.fs import StorageError, storage
from nianbao.store.keys import check_adcode, check_year
from nianbao.store.parquet_store import StoreError, upsert_locked
from nianbao.store.schemas import REPORT_DATASETS, SCHEMAS, SORT_KEYS

LOG_DIR = "_log"
UNREADABLE_DIR = "_log_unreadable"  # batches that cannot be folded are moved here, out of every write's way
_BATCH = re.compile(r"[0-9]{12}\.batch")  # the only names append writes; anything else in _log is not read
_LAST = f"{LOG_DIR}/last"  # the number of the newest batch, written with it, so an append need not list the log
_VERSION = 1


@dataclass
class LogBatch:
    """Reports of one batch, grouped by partition: ``reports`` lists (report_id, year, region, rows per
    dataset) in the order of the rows in ``tables``. A batch read for a fold keeps no tables but where each
    dataset's stream lies in its file (``spans``: {dataset: (start, length)}, ``source``: (store, name)),
    and reads one when asked: a fold holds one dataset of the log at a time."""

    reports: list[tuple[str, int, str | None, tuple[int, ...]]]
    tables: dict[str, pa.Table]
    spans: dict[str, tuple[int, int]] | None = None
    source: tuple | None = None

    def table(self, dataset: str) -> pa.Table:
        if dataset in self.tables:
            return self.tables[dataset]
        store, name = self.source
        try:
            return _stream(store.read_range(name, *self.spans[dataset]))
        except (OSError, pa.ArrowException) as exc:  # it was read whole a moment ago, under the same lock
            raise StorageError(f"{store.path(name)}: cannot read it again ({str(exc)[:100]})") from None


def _stream(data) -> pa.Table:
    """One dataset's Arrow IPC stream, as a table over ``data`` (not copied)."""
    return pa.ipc.open_stream(pa.BufferReader(data)).read_all()


def encode(batch: LogBatch) -> bytes:
    streams = []
    for name in REPORT_DATASETS:
        sink = pa.BufferOutputStream(pa.system_memory_pool())  # encoded in portal threads: see columns_of
        with pa.ipc.new_stream(sink, SCHEMAS[name]) as writer:
            writer.write_table(batch.tables[name])
        streams.append(sink.getvalue().to_pybytes())
    header = {"version": _VERSION, "datasets": list(REPORT_DATASETS), "lengths": [len(s) for s in streams],
              "reports": [list(r[:3]) + [list(r[3])] for r in batch.reports]}
    return json.dumps(header, ensure_ascii=False).encode() + b"\n" + b"".join(streams)


def decode(data: bytes, name: str) -> LogBatch:
    try:
        line, _, body = data.partition(b"\n")
        header = json.loads(line)
        if header.get("version") != _VERSION or header.get("datasets") != list(REPORT_DATASETS):
            raise ValueError(f"written by another nianbao (log version {header.get('version')})")
        tables, spans, at = {}, {}, 0
        for dataset, length in zip(REPORT_DATASETS, header["lengths"], strict=True):
            tables[dataset] = _stream(body[at:at + length])
            spans[dataset] = (len(line) + 1 + at, length)
            at += length
        reports = [(r[0], r[1], r[2], tuple(r[3])) for r in header["reports"]]
        _check(reports, tables)
    except (ValueError, KeyError, TypeError, IndexError, OSError, pa.ArrowException) as exc:  # Arrow: OSError too
        raise StoreError(f"{name}: unreadable store log batch ({str(exc)[:100]}); fold it with the nianbao "
                         "that wrote it, or delete it and run `nianbao reprocess`") from None
    return LogBatch(reports, tables, spans)


def _check(reports: list, tables: dict[str, pa.Table]) -> None:
    """A batch's header agrees with its tables and names only partitions that can exist (the file could
    have been edited: a year or region from it becomes a directory name)."""
    totals = [0] * len(REPORT_DATASETS)
    for rid, year, region, counts in reports:
        if not isinstance(rid, str) or not rid or not isinstance(year, int):
            raise ValueError(f"report {str(rid)[:40]!r}, year {year!r}: not a logged report")
        check_year(year)
        if region is not None:
            check_adcode(region)
        if len(counts) != len(REPORT_DATASETS) or not all(isinstance(n, int) and n >= 0 for n in counts):
            raise ValueError(f"report {rid[:40]!r}: row counts {counts!r}")
        totals = [t + n for t, n in zip(totals, counts, strict=True)]
    if totals != [tables[d].num_rows for d in REPORT_DATASETS]:
        raise ValueError("its row counts do not match its tables")


def _names(store) -> list[str]:
    return sorted(n for n in store.glob(f"{LOG_DIR}/*.batch") if _BATCH.fullmatch(n.rsplit("/", 1)[1]))


def unreadable(root: str | Path) -> list[str]:
    """Batches moved aside because they could not be folded (their reports come back with `nianbao reprocess`)."""
    return sorted(storage(root).glob(f"{UNREADABLE_DIR}/*"))


def _read_batches(store, names: list[str]) -> tuple[list[LogBatch], list[str]]:
    """The logged batches that can be read (each checked whole, then kept as where its datasets lie in its
    file), and their names. One that cannot is moved to _log_unreadable with a one-line warning naming it:
    a damaged file must not stop every later write."""
    batches, read = [], []
    for name in names:
        data = store.read(name)
        try:
            batch = decode(data or b"", store.path(name))
            batches.append(LogBatch(batch.reports, {}, batch.spans, (store, name)))
            read.append(name)
        except StoreError as exc:
            store.write(f"{UNREADABLE_DIR}/{name.rsplit('/', 1)[1]}", data or b"")
            store.remove(name)
            print(f"nianbao: warning: {exc}; moved to {store.path(UNREADABLE_DIR)}", file=sys.stderr)
    return batches, read


def append(root: str | Path, batch: LogBatch) -> None:
    """Log one batch: written atomically and synced before this returns, visible to readers after a fold."""
    append_encoded(root, [encode(batch)])


def append_encoded(root: str | Path, batches: list[bytes]) -> None:
    """Log batches already encoded (``encode``, done where the reports were parsed: a flow run only writes
    bytes), in the order given, so a later one wins over an earlier: all written in one write, at one
    sync's cost, before this returns."""
    if not batches:
        return
    store = storage(root)
    try:
        with store.lock():
            seq = _next_number(store)
            files = {_name(seq + i): data for i, data in enumerate(batches)}
            store.write_many({**files, _LAST: str(seq + len(batches) - 1).encode()})  # renamed in this order
    except StorageError as exc:
        raise StoreError(str(exc)) from None


def _name(seq: int) -> str:
    return f"{LOG_DIR}/{seq:012d}.batch"


def _next_number(store) -> int:
    """One above the newest logged batch. ``_log/last`` names it, so a log of thousands of batches is not
    listed at every append (that made a night's appends quadratic). It is listed when ``last`` is missing
    or behind: a crash between a batch's rename and its own, or a log written by an older nianbao. Batch
    numbers only grow while the log holds any (a fold removes the oldest first, and the directory with
    ``last`` only when it is empty), so a batch always sorts after every batch logged before it."""
    last = (store.read(_LAST) or b"").strip()
    if last.isdigit() and not store.exists(_name(int(last) + 1)):
        return int(last) + 1
    names = _names(store)
    return int(names[-1].rsplit("/", 1)[1].split(".")[0]) + 1 if names else 1  # names are 12 digits


def logged(root: str | Path) -> int:
    """How many batches wait in the log."""
    return len(_names(storage(root)))


def fold(root: str | Path, batch: LogBatch | None = None) -> dict[str, dict]:
    """Write every logged batch, then ``batch`` (if given), into the partitions in one upsert; then
    empty the log. Returns the upsert's per-dataset counts of files written and reports unchanged."""
    store = storage(root)
    try:
        with store.lock():
            batches, names = _read_batches(store, _names(store))
            batches += [batch] if batch else []
            stats = upsert_locked(store, _work(batches), presorted=True) if batches else {}
            for name in names:  # oldest first: a crash here leaves the newest batches, so refolding them
                store.remove(name)  # can never put an older version of a report back
            if store.is_dir(LOG_DIR):
                store.delete_dir(LOG_DIR)  # empty now (but for a killed append's temporary file)
    except StorageError as exc:
        raise StoreError(str(exc)) from None
    return stats


def _work(batches: list[LogBatch]) -> Iterator[tuple[str, tuple[dict, dict]]]:
    """The upsert's work, one dataset at a time: (dataset, ({partition: rows}, {partition: report ids})),
    each report's rows taken from the last batch that holds it. Each dataset's rows are sorted by
    partition, then as the partition's files are, with one take over all batches (not a slice per
    report: a fold of 10,000 reports made 80,000), then cut into partitions without copying. That sorted
    copy is let go before the next dataset's is made: a fold holds the log and one dataset's copy."""
    last: dict[str, int] = {}
    for i, b in enumerate(batches):
        for rid, *_ in b.reports:
            last[rid] = i
    ids: dict[tuple, list[str]] = {}
    for i, b in enumerate(batches):
        for rid, year, region, _ in b.reports:
            if last[rid] == i:
                ids.setdefault((year, region), []).append(rid)
    number = {part: n for n, part in enumerate(ids)}
    # each report's partition number, -1 where a later batch logs it again
    report_part = [np.array([number[(y, r)] if last[rid] == i else -1 for rid, y, r, _ in b.reports], np.int64)
                   for i, b in enumerate(batches)]
    for d, dataset in enumerate(REPORT_DATASETS):
        # each row's partition number, in the batches' row order
        row_part = np.concatenate([np.repeat(parts_of, [c[d] for *_, c in b.reports])
                                   for parts_of, b in zip(report_part, batches, strict=True)])
        rows = pa.concat_tables([b.table(dataset) for b in batches]).append_column("_part", pa.array(row_part))
        keys = [("_part", "ascending")] + [(k, "ascending") for k in SORT_KEYS[dataset]]
        order = pc.sort_indices(rows, sort_keys=keys)[int((row_part < 0).sum()):]  # the dropped rows sort first
        rows = rows.drop_columns(["_part"]).take(order)  # sorted as a part file is: most need no sort of their own
        counts = np.bincount(row_part[row_part >= 0], minlength=len(number))
        starts = np.cumsum(counts) - counts
        parts = {part: rows.slice(starts[n], counts[n]) for part, n in number.items()}
        yield dataset, (parts, ids)
        del rows, parts
