"""The Parquet store: the only writer of the datasets.

Layout: <root>/<dataset>/year=<year>/region=<province>/part-0.parquet, one file
per partition. A write replaces exactly the rows of the reports in the batch
(upsert by report_id) in the partitions those reports touch; every other file
is left alone. Each partition is written to a temporary file in its own
directory, fsynced and renamed over the old one, so a reader (or a crash)
sees the old file or the new one, never half of one. Writers on one store
serialise on a lock file. Rows are sorted and files carry no write time, so
the same input gives byte-identical files and a rerun changes nothing.

A crash between a part file's rename and the manifest's write cannot leave the
manifest wrong for good: before writing, a writer records the partitions it is
about to replace in ``_pending.json``; the next writer (or ``store verify
--repair``) re-reads just those files into the manifest.
"""

from __future__ import annotations

import hashlib
import json
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
    SCHEMA_VERSION,
    SCHEMAS,
    SORT_KEYS,
    UNKNOWN_REGION,
)

PART = "part-0.parquet"
MANIFEST = "_manifest.json"
PENDING = "_pending.json"


class StoreError(RuntimeError):
    """The store cannot be read or written (the message names the file and what to do)."""


def partition_rel(dataset: str, year: int, region: str | None) -> str:
    year = check_year(year, "partition year")
    region = check_adcode(region, "partition region") if region else UNKNOWN_REGION
    return f"{dataset}/year={year}/region={region}/{PART}"


@contextmanager
def store_lock(root: str | Path):
    """One writer at a time per store (other writers wait)."""
    with storage(root).lock():
        yield


def _file_bytes(table: pa.Table, dataset: str) -> bytes:
    """Serialise one partition deterministically (sorted rows, fixed options, no timestamps)."""
    table = table.select(SCHEMAS[dataset].names).cast(SCHEMAS[dataset])
    if table.num_rows:
        table = table.sort_by([(k, "ascending") for k in SORT_KEYS[dataset]])
    table = table.replace_schema_metadata({"nianbao.schema_version": SCHEMA_VERSION, "nianbao.dataset": dataset})
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", use_dictionary=sorted(DICTIONARY_COLUMNS & set(table.column_names)),
                   write_statistics=True, row_group_size=1_000_000, store_schema=False)
    return sink.getvalue().to_pybytes()


def read_partition(store, rel: str, dataset: str) -> pa.Table:
    data = store.read(rel)
    if data is None:
        return SCHEMAS[dataset].empty_table()
    try:
        return pq.read_table(pa.BufferReader(data), schema=SCHEMAS[dataset])
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(f"{store.path(rel)}: not a readable Parquet file ({str(exc).splitlines()[0][:120]}); "
                         "restore it from a backup, or delete it and run `nianbao reprocess`") from None


def empty_manifest(dataset: str) -> dict:
    return {"dataset": dataset, "schema_version": SCHEMA_VERSION, "partitions": {}}


def load_manifest(root: str | Path, dataset: str) -> dict:
    store = storage(root)
    data = store.read(f"{dataset}/{MANIFEST}")
    if not data:
        return empty_manifest(dataset)
    try:
        manifest = json.loads(data)
        manifest["partitions"]  # noqa: B018 (the one key every manifest has)
        return manifest
    except (ValueError, KeyError, TypeError):
        raise StoreError(f"{store.path(f'{dataset}/{MANIFEST}')}: not a readable manifest; "
                         "run `nianbao store verify --repair`") from None


def _entry(data: bytes) -> dict:
    return {"rows": pq.read_metadata(pa.BufferReader(data)).num_rows, "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data)}


def _finish_pending(store, dataset: str, manifest: dict) -> list[str]:
    """Bring the manifest entries of partitions a crashed writer was replacing in line with their files."""
    data = store.read(f"{dataset}/{PENDING}")
    if data is None:
        return []
    changed = []
    for rel in json.loads(data):
        body = store.read(f"{dataset}/{rel}")
        entry = _entry(body) if body is not None else None
        if manifest["partitions"].get(rel) != entry:
            changed.append(f"{dataset}/{rel}")
            if entry is None:
                manifest["partitions"].pop(rel, None)
            else:
                manifest["partitions"][rel] = entry
    if changed:
        _save_manifest(store, dataset, manifest)
    store.remove(f"{dataset}/{PENDING}")
    return changed


def _save_manifest(store, dataset: str, manifest: dict) -> None:
    manifest["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    manifest["rows"] = sum(p["rows"] for p in manifest["partitions"].values())
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.write(f"{dataset}/{MANIFEST}", data)


Batches = dict[tuple[int, str | None], pa.Table]


def upsert(root: str | Path, dataset: str, batches: Batches,
           replace_ids: dict[tuple[int, str | None], Iterable[str]] | None = None) -> dict:
    """Write the rows of each (year, region) partition in ``batches``.

    Rows already stored whose report_id is in that partition's ``replace_ids``
    (default: the ids in the batch) are dropped first, so re-parsing a report
    replaces all its rows, even those the new parse no longer produces.
    Returns {"written": n_files, "unchanged": n_files}.
    """
    return upsert_many(root, {dataset: (batches, replace_ids)})[dataset]


def upsert_many(root: str | Path, work: dict[str, tuple[Batches, dict | None]]) -> dict[str, dict]:
    """Upsert several datasets under one lock, in two phases: every partition touched is read, merged and
    serialised first, and only then is any file written. So a store file that cannot be read stops the
    write before anything changed, rather than halfway through the datasets."""
    for dataset in work:
        if dataset not in DATASETS:
            raise StoreError(f"unknown dataset {dataset!r}")
    store = storage(root)
    paths = {d: {key: partition_rel(d, *key) for key in batches} for d, (batches, _) in work.items()}  # keys checked
    stats = {d: {"written": 0, "unchanged": 0} for d in work}
    try:
        with store.lock():
            plans = {}
            for dataset, (batches, replace_ids) in work.items():
                manifest = load_manifest(root, dataset)
                _finish_pending(store, dataset, manifest)
                plans[dataset] = (manifest, _plan(store, dataset, batches, replace_ids, paths[dataset], manifest,
                                                  stats[dataset]))
            for dataset, (manifest, files) in plans.items():
                _commit(store, dataset, manifest, files)
                stats[dataset]["written"] = len(files)
    except StorageError as exc:
        raise StoreError(str(exc)) from None
    return stats


def _plan(store, dataset: str, batches: Batches, replace_ids, paths: dict, manifest: dict,
          stats: dict) -> list[tuple[str, bytes, dict]]:
    """The files to write for one dataset: (path, bytes, manifest entry); reads every partition it touches."""
    files = []
    for (year, region), new in sorted(batches.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        path = paths[(year, region)]
        old = read_partition(store, path, dataset)
        ids = set(replace_ids[(year, region)]) if replace_ids is not None else \
            set(new.column("report_id").to_pylist())
        replaced = pc.is_in(old.column("report_id"), pa.array(sorted(ids), pa.string()))
        new = new.select(SCHEMAS[dataset].names).cast(SCHEMAS[dataset])
        if old.num_rows and _same_rows(old.filter(replaced), new, dataset):
            stats["unchanged"] += 1  # a rerun: the stored rows are these rows, nothing to rewrite
            continue
        merged = pa.concat_tables([old.filter(pc.invert(replaced)), new])
        if merged.num_rows == 0 and old.num_rows == 0:
            continue
        data = _file_bytes(merged, dataset)
        digest = hashlib.sha256(data).hexdigest()
        entry = manifest["partitions"].get(path.split("/", 1)[1])
        if entry and entry["sha256"] == digest and store.exists(path):
            stats["unchanged"] += 1
            continue
        files.append((path, data, {"rows": merged.num_rows, "sha256": digest, "bytes": len(data)}))
    return files


def _commit(store, dataset: str, manifest: dict, files: list[tuple[str, bytes, dict]]) -> None:
    """Write the planned files, journalled in _pending.json until the manifest that lists them is saved."""
    if not files:
        return
    store.write(f"{dataset}/{PENDING}", json.dumps(sorted(p.split("/", 1)[1] for p, _, _ in files)).encode())
    for path, data, entry in files:
        store.write(path, data)
        manifest["partitions"][path.split("/", 1)[1]] = entry
    _save_manifest(store, dataset, manifest)
    store.remove(f"{dataset}/{PENDING}")


def _same_rows(a: pa.Table, b: pa.Table, dataset: str) -> bool:
    if a.num_rows != b.num_rows:
        return False
    keys = [(k, "ascending") for k in SORT_KEYS[dataset]]
    return a.sort_by(keys).equals(b.sort_by(keys)) if a.num_rows else True


def verify(root: str | Path) -> list[str]:
    """Problems found comparing files with the manifests (empty when the store is sound)."""
    store = storage(root)
    problems = []
    for dataset in DATASETS:
        try:
            manifest = load_manifest(root, dataset)
        except StoreError as exc:
            problems.append(str(exc))
            continue
        listed = set(manifest["partitions"])
        on_disk = {rel.split("/", 1)[1] for rel in store.glob(f"{dataset}/year=*/region=*/{PART}")}
        for rel in sorted(on_disk - listed):
            problems.append(f"{dataset}/{rel}: file not in the manifest")
        for rel in sorted(listed - on_disk):
            problems.append(f"{dataset}/{rel}: in the manifest but missing")
        for rel in sorted(listed & on_disk):
            entry = manifest["partitions"][rel]
            data = store.read(f"{dataset}/{rel}") or b""
            if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                problems.append(f"{dataset}/{rel}: content differs from the manifest")
                continue
            try:
                rows = pq.read_metadata(pa.BufferReader(data)).num_rows
            except (pa.ArrowException, OSError):
                problems.append(f"{dataset}/{rel}: not a readable Parquet file")
                continue
            if rows != entry["rows"]:
                problems.append(f"{dataset}/{rel}: {rows} rows, manifest says {entry['rows']}")
    return problems


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
    """Rebuild every manifest from the files on disk; returns what changed.

    For a crash between a file's rename and its manifest's write: the files are
    the truth (each was written whole). A file that is not readable Parquet is
    not taken into the manifest, and is reported for restoring.
    """
    store = storage(root)
    changes = finish_interrupted_swaps(root)
    with store.lock():
        for dataset in DATASETS:
            try:
                old = load_manifest(root, dataset)
            except StoreError:
                old = empty_manifest(dataset)
                changes.append(f"{dataset}/{MANIFEST}: unreadable, rebuilt")
            new = empty_manifest(dataset)
            for path in store.glob(f"{dataset}/year=*/region=*/{PART}"):
                rel = path.split("/", 1)[1]
                try:
                    new["partitions"][rel] = _entry(store.read(path) or b"")
                except (pa.ArrowException, OSError):
                    changes.append(f"{dataset}/{rel}: not readable Parquet, left out; restore it or delete it")
            for rel in sorted(set(old["partitions"]) | set(new["partitions"])):
                before, after = old["partitions"].get(rel), new["partitions"].get(rel)
                if before != after:
                    what = "added" if before is None else "removed (file missing)" if after is None else "updated"
                    changes.append(f"{dataset}/{rel}: {what}")
            if new["partitions"] != old["partitions"] or store.exists(f"{dataset}/{PENDING}"):
                if new["partitions"] or old["partitions"]:
                    _save_manifest(store, dataset, new)
                store.remove(f"{dataset}/{PENDING}")
    return changes


def datasets_summary(root: str | Path) -> list[dict]:
    out = []
    for dataset in DATASETS:
        m = load_manifest(root, dataset)
        if m["partitions"]:
            out.append({"dataset": dataset, "partitions": len(m["partitions"]), "rows": m.get("rows", 0),
                        "bytes": sum(p["bytes"] for p in m["partitions"].values()), "updated_at": m.get("updated_at")})
    return out
