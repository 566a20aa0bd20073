"""The Parquet store: the only writer of the datasets.

Layout: <root>/<dataset>/year=<year>/region=<province>/part-<n>.parquet. A
write costs the size of its batch, not of the store:

* a report's rows always live in exactly one part file of their partition;
* rows of reports new to a partition go into one new part file;
* a report stored before is replaced inside the file that holds it (that file
  is rewritten, atomically), so it is never in two files, nor in none;
* each partition's ``_manifest.json`` lists its files (rows, sha256, bytes and
  the report ids each holds), so a write finds a report's file without
  reading the partition's data;
* a partition of more than MAX_FILES files is compacted: its smaller files are
  merged (geometrically, so each row is rewritten O(log n) times), and
  ``compact`` merges every partition into one ``part-0.parquet``, sorted, so
  the same rows give byte-identical files however they were written.

Every file is written to a temporary name, fsynced and renamed, so readers
(pandas, pyarrow, DuckDB, polars globbing ``*.parquet``) see each report's
rows once at every moment. A compaction builds the partition's new directory
beside the data (``.staging``) and exchanges it with the live one in one
atomic rename (Linux renameat2), so even merging files never shows a row
twice. Writers on one store serialise on a lock file. Files carry no write
time, so a rerun of the same input changes nothing.

A crash cannot leave a manifest wrong for good: before writing, a writer
records the partitions it is about to change in ``_pending.json``; the next
writer (or ``store verify --repair``) rebuilds just those manifests from their
files, and finishes or undoes a compaction's swap that was cut short.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from nianbao.store.fs import StorageError, storage
from nianbao.store.keys import check_adcode, check_year
from nianbao.store.schemas import (
    DATASETS,
    DICTIONARY_COLUMNS,
    LOG_DATASETS,
    SCHEMA_VERSION,
    SCHEMAS,
    SORT_KEYS,
    UNKNOWN_REGION,
)

MANIFEST = "_manifest.json"  # one per partition directory
PENDING = "_pending.json"  # one per store: the partitions a writer is changing
STAGING = ".staging"  # compacted partitions are built here, then swapped in
MAX_FILES = 16  # a partition with more part files than this is compacted by the next write
_PART = re.compile(r"part-(\d+)\.parquet")
_PDIR = re.compile(r"[a-z_]+/year=[0-9]{4}/region=[0-9]{6}")  # a partition directory, as partition_dir names it


class StoreError(RuntimeError):
    """The store cannot be read or written (the message names the file and what to do)."""


def partition_dir(dataset: str, year: int, region: str | None) -> str:
    year = check_year(year, "partition year")
    region = check_adcode(region, "partition region") if region else UNKNOWN_REGION
    return f"{dataset}/year={year}/region={region}"


@contextmanager
def store_lock(root: str | Path):
    """One writer at a time per store (other writers wait)."""
    with storage(root).lock():
        yield


def _conform(table: pa.Table, dataset: str) -> pa.Table:
    """The dataset's columns, in its order and types (a cast only where they differ: it costs a call a column)."""
    schema = SCHEMAS[dataset]
    table = table.select(schema.names)
    return table if table.schema.equals(schema) else table.cast(schema)


def _file_bytes(table: pa.Table, dataset: str, presorted: bool = False) -> bytes:
    """Serialise one part file deterministically (rows in SORT_KEYS order, fixed options, no timestamps).
    ``presorted``: the rows are in that order already."""
    table = _conform(table, dataset)
    if table.num_rows and not presorted:
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[dataset]])
    table = table.replace_schema_metadata({"nianbao.schema_version": SCHEMA_VERSION, "nianbao.dataset": dataset})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=sorted(DICTIONARY_COLUMNS & set(table.column_names)),
                   write_statistics=True, row_group_size=1_000_000, store_schema=False)
    return sink.getvalue().to_pybytes()


def _read_file(store, rel: str, dataset: str) -> pa.Table:
    data = store.read(rel)
    if data is None:
        return SCHEMAS[dataset].empty_table()
    try:
        return pq.read_table(pa.BufferReader(data), schema=SCHEMAS[dataset])
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(f"{store.path(rel)}: not a readable Parquet file ({str(exc).splitlines()[0][:120]}); "
                         "restore it from a backup, or delete it and run `nianbao reprocess`") from None


def _entry(data: bytes, table: pa.Table | None, dataset: str) -> dict:
    """A part file's manifest entry; report datasets also list the report ids the file holds."""
    entry = {"rows": pq.read_metadata(pa.BufferReader(data)).num_rows if table is None else table.num_rows,
             "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    if dataset not in LOG_DATASETS:
        if table is None:
            table = pq.read_table(pa.BufferReader(data), columns=["report_id"])
        entry["reports"] = sorted(set(table.column("report_id").drop_null().to_pylist()))
    return entry


def _part_names(store, pdir: str) -> list[str]:
    return sorted((rel.rsplit("/", 1)[1] for rel in store.glob(f"{pdir}/part-*.parquet")
                   if _PART.fullmatch(rel.rsplit("/", 1)[1])), key=_part_number)


def _part_number(name: str) -> int:
    return int(_PART.fullmatch(name).group(1))


def _scan_partition(store, dataset: str, pdir: str) -> dict:
    """A partition's manifest rebuilt from its files (the truth: each was written whole)."""
    files = {}
    for name in _part_names(store, pdir):
        data = store.read(f"{pdir}/{name}")
        try:
            files[name] = _entry(data or b"", None, dataset)
        except (pa.ArrowException, OSError):
            raise StoreError(f"{store.path(f'{pdir}/{name}')}: not a readable Parquet file; restore it from a "
                             "backup, or delete it and run `nianbao store verify --repair`") from None
    return {"dataset": dataset, "schema_version": SCHEMA_VERSION, "files": files}


def load_partition(store, dataset: str, pdir: str) -> tuple[dict, bool]:
    """A partition's manifest, and whether it was rebuilt from the files (it was missing, unreadable or
    listed other files) and so needs saving."""
    data = store.read(f"{pdir}/{MANIFEST}")
    if data is None and not store.is_dir(pdir):  # a new partition (most of a first fold's)
        return {"dataset": dataset, "schema_version": SCHEMA_VERSION, "files": {}}, False
    if data:
        try:
            manifest = json.loads(data)
            if sorted(manifest["files"], key=_part_number) == _part_names(store, pdir):
                return manifest, False
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    manifest = _scan_partition(store, dataset, pdir)
    return manifest, bool(manifest["files"])


def _manifest_bytes(manifest: dict) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, indent=0, sort_keys=True).encode("utf-8")


def _partition_dirs(store, dataset: str) -> list[str]:
    found = {rel.rsplit("/", 1)[0] for rel in store.glob(f"{dataset}/year=*/region=*/part-*.parquet")}
    found |= {rel.rsplit("/", 1)[0] for rel in store.glob(f"{dataset}/year=*/region=*/{MANIFEST}")}
    return sorted(found)


def _recover(store) -> list[str]:
    """Finish what a crashed writer left: a compaction's swap cut short, manifests of partitions it was
    changing. Returns what was done."""
    done = []
    for manifest_rel in store.glob(f"{STAGING}/*/year=*/region=*/{MANIFEST}"):
        staged = manifest_rel.rsplit("/", 1)[0]
        live = staged[len(STAGING) + 1:]
        if not store.is_dir(live):  # cut between the two renames of a non-atomic swap: the new one goes in
            store.swap_dir(staged, live)
            done.append(f"{live}: finished an interrupted compaction")
    store.delete_dir(STAGING)
    data = store.read(PENDING)
    if data is not None:
        try:
            pending = json.loads(data)
        except ValueError:
            pending = None
        if not isinstance(pending, list) or not all(isinstance(p, str) and _PDIR.fullmatch(p) for p in pending):
            # not what a writer writes (damaged or edited): every partition is checked instead, and no entry
            # of it is used as a path, so ../../x can neither create nor delete a manifest outside the store
            pending = [d for ds_ in DATASETS for d in _partition_dirs(store, ds_)]
        for pdir in pending:
            dataset = pdir.split("/", 1)[0]
            if dataset in DATASETS and _rescan(store, dataset, pdir)[0]:
                done.append(f"{pdir}: manifest rebuilt from its files")
        store.remove(PENDING)
    return done


def _rescan(store, dataset: str, pdir: str) -> tuple[bool, bytes | None]:
    """Rebuild a partition's manifest from its files and save it if it differs from the stored one (removed
    when no file is left). Returns (whether it changed, the stored manifest's bytes before)."""
    manifest = _scan_partition(store, dataset, pdir)
    fresh, old = _manifest_bytes(manifest), store.read(f"{pdir}/{MANIFEST}")
    if old == fresh:
        return False, old
    if manifest["files"]:
        store.write(f"{pdir}/{MANIFEST}", fresh)
    else:
        store.remove(f"{pdir}/{MANIFEST}")
    return True, old


Batches = dict[tuple[int, str | None], pa.Table]
WorkItems = dict[str, tuple[Batches, dict | None]] | Iterable[tuple[str, tuple[Batches, dict | None]]]


def upsert(root: str | Path, dataset: str, batches: Batches,
           replace_ids: dict[tuple[int, str | None], Iterable[str]] | None = None) -> dict:
    """Write the rows of each (year, region) partition in ``batches``.

    Rows already stored whose report_id is in that partition's ``replace_ids``
    (default: the ids in the batch) are dropped first, so re-parsing a report
    replaces all its rows, even those the new parse no longer produces. Log
    datasets pass empty ``replace_ids``: their rows are only appended.
    Returns {"written": n_files, "unchanged": n_files}.
    """
    return upsert_many(root, {dataset: (batches, replace_ids)})[dataset]


def upsert_many(root: str | Path, work: dict[str, tuple[Batches, dict | None]]) -> dict[str, dict]:
    """Upsert several datasets under one lock (see upsert_locked)."""
    store = storage(root)
    try:
        with store.lock():
            return upsert_locked(store, work)
    except StorageError as exc:
        raise StoreError(str(exc)) from None


def upsert_locked(store, work: WorkItems, presorted: bool = False) -> dict[str, dict]:
    """Upsert several datasets, the store's lock held, in two phases: every file touched is read, merged and
    serialised first, and only then is any file written. So a store file that cannot be read stops the
    write before anything changed, rather than halfway through the datasets. ``work``: {dataset: (batches,
    replace_ids)}, or such pairs from a generator: each dataset's rows are let go once its files are
    serialised, so a generator's datasets are held one at a time. ``presorted``: each batch's rows are in
    SORT_KEYS order (a fold's are), so a new part file needs no sort of its own."""
    stats: dict[str, dict] = {}
    _recover(store)
    plans: list[_Plan] = []
    for dataset, (batches, replace_ids) in work.items() if isinstance(work, dict) else work:
        stats[dataset] = _plan_dataset(store, dataset, batches, replace_ids, presorted, plans)
        del batches  # (a generator makes the next dataset's rows while this name still holds these)
    _commit(store, plans)
    return stats


def _plan_dataset(store, dataset: str, batches: Batches, replace_ids: dict | None, presorted: bool,
                  plans: list) -> dict:
    """Plan one dataset's partitions (adding the changed ones to ``plans``); its counts of files written and
    unchanged."""
    if dataset not in DATASETS:
        raise StoreError(f"unknown dataset {dataset!r}")
    dirs = {key: partition_dir(dataset, *key) for key in batches}  # every key checked before any is planned
    stats = {"written": 0, "unchanged": 0}
    for key in sorted(batches, key=lambda k: (k[0], k[1] or "")):
        new = batches[key]
        ids = replace_ids[key] if replace_ids is not None else new.column("report_id").to_pylist()
        plan = _plan(store, dataset, dirs[key], new, set(ids), presorted)
        stats["written"] += len(plan.writes)
        stats["unchanged"] += plan.unchanged
        if plan.changed:
            plans.append(plan)
    return stats


class _Plan:
    """What one partition's write will do: part files to write (name -> bytes) and to delete, and the
    partition's manifest after it. ``rebuild``: the partition is compacted, so it is built in staging
    and swapped in whole."""

    def __init__(self, dataset: str, pdir: str, manifest: dict, rescanned: bool = False):
        self.dataset, self.pdir, self.manifest = dataset, pdir, manifest
        self.writes: dict[str, bytes] = {}
        self.deletes: list[str] = []
        self.unchanged = 0
        self.rebuild = False
        self.rescanned = rescanned  # the manifest was rebuilt from the files: save it even if no file changes

    @property
    def changed(self) -> bool:
        return bool(self.writes or self.deletes or self.rescanned)


def _plan(store, dataset: str, pdir: str, new: pa.Table, ids: set[str], presorted: bool = False) -> _Plan:
    """Read what one partition's write needs (only the files holding replaced reports) and plan it."""
    manifest, rescanned = load_partition(store, dataset, pdir)
    files = manifest["files"]
    plan = _Plan(dataset, pdir, manifest, rescanned)
    new = _conform(new, dataset)
    holder = {rid: name for name, entry in files.items() for rid in entry.get("reports", ())}
    stored = {rid for rid in ids if rid in holder}
    tables: dict[str, pa.Table] = {}
    for name in sorted({holder[rid] for rid in stored}, key=_part_number):
        old = _read_file(store, f"{pdir}/{name}", dataset)
        mine = pa.array(sorted(stored & set(files[name]["reports"])), pa.string())
        replaced = pc.is_in(old.column("report_id"), mine)
        incoming = new.filter(pc.is_in(new.column("report_id"), mine))
        if _same_rows(old.filter(replaced), incoming, dataset):
            plan.unchanged += 1  # a rerun: the stored rows are these rows, nothing to rewrite
            tables[name] = old
            continue
        merged = pa.concat_tables([old.filter(pc.invert(replaced)), incoming])
        if merged.num_rows:
            tables[name] = merged
            plan.writes[name] = _file_bytes(merged, dataset)
        else:
            plan.deletes.append(name)
    fresh = new.filter(pc.invert(pc.is_in(new.column("report_id"), pa.array(sorted(stored), pa.string())))) \
        if stored else new
    if fresh.num_rows:
        name = f"part-{max(map(_part_number, files), default=-1) + 1}.parquet"
        tables[name] = fresh
        plan.writes[name] = _file_bytes(fresh, dataset, presorted)
    for name in plan.deletes:
        del files[name]
    for name, data in plan.writes.items():
        files[name] = _entry(data, tables[name], dataset)
    if len(files) > MAX_FILES:
        _plan_compaction(store, plan, tables, full=False)
    return plan


def _plan_compaction(store, plan: _Plan, tables: dict[str, pa.Table], full: bool) -> None:
    """Merge part files of plan's partition (all of them when ``full``, else the smaller ones: the largest
    file is kept while it holds more rows than all the smaller ones together). Every file in the merge is
    read, from ``tables`` (this write's versions) or from disk."""
    files = plan.manifest["files"]
    merge = sorted(files, key=lambda n: (-files[n]["rows"], _part_number(n)))
    while not full and len(merge) > 1 and files[merge[0]]["rows"] > sum(files[n]["rows"] for n in merge[1:]):
        merge.pop(0)
    if len(merge) < 2 and not (full and merge and merge != ["part-0.parquet"]):
        return
    parts = [tables[n] if n in tables else _read_file(store, f"{plan.pdir}/{n}", plan.dataset) for n in merge]
    merged = pa.concat_tables(parts)
    kept = [n for n in files if n not in merge]
    name = "part-0.parquet" if not kept else f"part-{max(map(_part_number, files)) + 1}.parquet"
    for n in merge:
        plan.writes.pop(n, None)
        del files[n]
    plan.writes[name] = _file_bytes(merged, plan.dataset)
    files[name] = _entry(plan.writes[name], merged, plan.dataset)
    plan.deletes = []
    plan.rebuild = True


def _commit(store, plans: list[_Plan]) -> None:
    """Write the planned files, journalled in _pending.json until every manifest that lists them is saved.
    The part files of every partition go down in one write_many (one sync), each manifest after its files."""
    if not plans:
        return
    store.write(PENDING, json.dumps(sorted(p.pdir for p in plans)).encode())
    files: dict[str, bytes] = {}
    for plan in plans:
        if not plan.rebuild:
            files.update((f"{plan.pdir}/{name}", data) for name, data in plan.writes.items())
    for plan in plans:
        if not plan.rebuild and plan.manifest["files"]:
            files[f"{plan.pdir}/{MANIFEST}"] = _manifest_bytes(plan.manifest)
    store.write_many(files)
    for plan in plans:
        if plan.rebuild:
            _swap_in(store, plan)
            continue
        for name in plan.deletes:
            store.remove(f"{plan.pdir}/{name}")
        if not plan.manifest["files"]:
            store.remove(f"{plan.pdir}/{MANIFEST}")
    if any(p.rebuild for p in plans):
        store.delete_dir(STAGING)
    store.remove(PENDING)


def _swap_in(store, plan: _Plan) -> None:
    """A compacted partition: built whole in staging (unchanged files linked, not copied), then swapped
    for the live directory, so readers list either every old file or every new one."""
    staged = f"{STAGING}/{plan.pdir}"
    store.delete_dir(staged)
    for name in plan.manifest["files"]:
        if name not in plan.writes:
            store.link(f"{plan.pdir}/{name}", f"{staged}/{name}")
    store.write_many({**{f"{staged}/{name}": data for name, data in plan.writes.items()},
                      f"{staged}/{MANIFEST}": _manifest_bytes(plan.manifest)})
    store.swap_dir(staged, plan.pdir)
    store.delete_dir(staged)


def _same_rows(a: pa.Table, b: pa.Table, dataset: str) -> bool:
    if a.num_rows != b.num_rows:
        return False
    keys = [(k, "ascending") for k in SORT_KEYS[dataset]]
    return a.sort_by(keys).equals(b.sort_by(keys)) if a.num_rows else True


def compact(root: str | Path, datasets: Iterable[str] = DATASETS) -> dict[str, int]:
    """Merge every partition's part files into one ``part-0.parquet``; returns partitions compacted per
    dataset. Deterministic: the same rows give the same bytes however many writes made them."""
    store = storage(root)
    done = {}
    try:
        with store.lock():
            _recover(store)
            for dataset in datasets:
                done[dataset] = 0
                for pdir in _partition_dirs(store, dataset):
                    plan = _Plan(dataset, pdir, *load_partition(store, dataset, pdir))
                    _plan_compaction(store, plan, {}, full=True)
                    if plan.rebuild:
                        store.write(PENDING, json.dumps([pdir]).encode())
                        _swap_in(store, plan)
                        store.remove(PENDING)
                        done[dataset] += 1
            store.delete_dir(STAGING)
    except StorageError as exc:
        raise StoreError(str(exc)) from None
    return done


def verify(root: str | Path) -> list[str]:
    """Problems found comparing files with the manifests (empty when the store is sound)."""
    store = storage(root)
    problems = []
    for dataset in DATASETS:
        for pdir in _partition_dirs(store, dataset):
            data = store.read(f"{pdir}/{MANIFEST}")
            try:
                listed = json.loads(data)["files"] if data else {}
            except (ValueError, KeyError, TypeError):
                problems.append(f"{pdir}/{MANIFEST}: not a readable manifest; run `nianbao store verify --repair`")
                continue
            on_disk = set(_part_names(store, pdir))
            for name in sorted(on_disk - set(listed)):
                problems.append(f"{pdir}/{name}: file not in the manifest")
            for name in sorted(set(listed) - on_disk):
                problems.append(f"{pdir}/{name}: in the manifest but missing")
            holders: dict[str, str] = {}
            for name in sorted(on_disk & set(listed), key=_part_number):
                problems += _verify_file(store, dataset, f"{pdir}/{name}", listed[name])
                for rid in listed[name].get("reports", ()):
                    if rid in holders:
                        problems.append(f"{pdir}: report {rid} is in both {holders[rid]} and {name}")
                    holders[rid] = name
    if store.exists(PENDING):
        problems.append(f"{PENDING}: a write was cut short; the next write (or `store verify --repair`) repairs it")
    for rel in _leftover_temporaries(store):
        problems.append(f"{rel}: a temporary file a killed writer left; `store verify --repair` removes it")
    return problems


def _leftover_temporaries(store) -> list[str]:
    """Partial files (.tmp-*.partial) older than an hour in the partitions: a writer killed mid-write left
    them (a live writer renames its own within seconds). Readers never see them; they only take space."""
    old = time.time() - 3600
    return [rel for dataset in DATASETS for rel in store.glob(f"{dataset}/year=*/region=*/.tmp-*.partial")
            if (store.mtime(rel) or old) < old]


def _verify_file(store, dataset: str, rel: str, entry: dict) -> list[str]:
    data = store.read(rel) or b""
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        return [f"{rel}: content differs from the manifest"]
    try:
        rows = pq.read_metadata(pa.BufferReader(data)).num_rows
    except (pa.ArrowException, OSError):
        return [f"{rel}: not a readable Parquet file"]
    return [] if rows == entry["rows"] else [f"{rel}: {rows} rows, manifest says {entry['rows']}"]


def finish_interrupted_swaps(root: str | Path, datasets=DATASETS) -> list[str]:
    """A dataset swap (reprocess) cut short: put the old dataset back where the new one never arrived,
    and drop the old copy where it did. Returns what was done."""
    store = storage(root)
    done = []
    for name in datasets:
        if not store.exists(f".old-{name}"):
            continue
        if store.exists(name):
            store.delete_dir(f".old-{name}")
            done.append(f"{name}: finished an interrupted swap")
        else:
            store.move_dir(f".old-{name}", name)
            done.append(f"{name}: restored the dataset an interrupted swap had moved aside")
    return done


def repair(root: str | Path) -> list[str]:
    """Rebuild every partition manifest from the files on disk; returns what changed.

    For a crash between a file's rename and its manifest's write: the files are
    the truth (each was written whole). A file that is not readable Parquet is
    reported for restoring, and its partition's manifest left as it was.
    """
    store = storage(root)
    changes = finish_interrupted_swaps(root)
    with store.lock():
        changes += _recover(store)
        for rel in _leftover_temporaries(store):
            store.remove(rel)
            changes.append(f"{rel}: removed (a killed writer's temporary file)")
        for dataset in DATASETS:
            if store.exists(f"{dataset}/_manifest.json"):  # the one-file-per-partition layout's manifest
                store.remove(f"{dataset}/_manifest.json")
                changes.append(f"{dataset}/_manifest.json: replaced by one manifest per partition")
            for pdir in _partition_dirs(store, dataset):
                try:
                    changed, old = _rescan(store, dataset, pdir)
                except StoreError as exc:
                    changes.append(str(exc))
                    continue
                if not changed:
                    continue
                try:
                    before = json.loads(old)["files"] if old else None
                except (ValueError, KeyError, TypeError):
                    before = None
                what = "rebuilt (unreadable)" if old and before is None else "added" if old is None else "updated"
                changes.append(f"{pdir}/{MANIFEST}: {what}")
    return changes


def datasets_summary(root: str | Path) -> list[dict]:
    store = storage(root)
    out = []
    for dataset in DATASETS:
        dirs = _partition_dirs(store, dataset)
        if not dirs:
            continue
        manifests = [load_partition(store, dataset, d)[0] for d in dirs]
        entries = [e for m in manifests for e in m["files"].values()]
        stamps = [t for d in dirs if (t := store.mtime(f"{d}/{MANIFEST}")) is not None]
        out.append({"dataset": dataset, "partitions": len(dirs), "files": len(entries),
                    "rows": sum(e["rows"] for e in entries), "bytes": sum(e["bytes"] for e in entries),
                    "updated_at": datetime.fromtimestamp(max(stamps), UTC).isoformat(timespec="seconds")
                    if stamps else None})
    return out
