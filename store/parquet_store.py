"""The Parquet store: the only writer of the datasets.

Layout: <root>/<dataset>/year=<year>/region=<province>/part-0.parquet, one file
per partition. A write replaces exactly the rows of the reports in the batch
(upsert by report_id) in the partitions those reports touch; every other file
is left alone. Each partition is written to a temporary file in its own
directory, fsynced and renamed over the old one, so a reader (or a crash)
sees the old file or the new one, never half of one. Writers on one store
serialise on a lock file. Rows are sorted and files carry no write time, so
the same input gives byte-identical files and a rerun changes nothing.
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

from nianbao.store.fs import storage
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


class StoreError(RuntimeError):
    """The store cannot be written or does not match its manifest."""


def partition_rel(dataset: str, year: int, region: str | None) -> str:
    return f"{dataset}/year={int(year)}/region={region or UNKNOWN_REGION}/{PART}"


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
    return pq.read_table(pa.BufferReader(data), schema=SCHEMAS[dataset])


def load_manifest(root: str | Path, dataset: str) -> dict:
    data = storage(root).read(f"{dataset}/{MANIFEST}")
    if data:
        return json.loads(data)
    return {"dataset": dataset, "schema_version": SCHEMA_VERSION, "partitions": {}}


def _save_manifest(store, dataset: str, manifest: dict) -> None:
    manifest["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    manifest["rows"] = sum(p["rows"] for p in manifest["partitions"].values())
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")
    store.write(f"{dataset}/{MANIFEST}", data)


def upsert(root: str | Path, dataset: str, batches: dict[tuple[int, str | None], pa.Table],
           replace_ids: dict[tuple[int, str | None], Iterable[str]] | None = None) -> dict:
    """Write the rows of each (year, region) partition in ``batches``.

    Rows already stored whose report_id is in that partition's ``replace_ids``
    (default: the ids in the batch) are dropped first, so re-parsing a report
    replaces all its rows, even those the new parse no longer produces.
    Returns {"written": n_files, "unchanged": n_files}.
    """
    if dataset not in DATASETS:
        raise StoreError(f"unknown dataset {dataset!r}")
    store = storage(root)
    stats = {"written": 0, "unchanged": 0}
    with store.lock():
        manifest = load_manifest(root, dataset)
        changed = False
        for (year, region), new in sorted(batches.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            path = partition_rel(dataset, year, region)
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
            rel = path.split("/", 1)[1]
            entry = manifest["partitions"].get(rel)
            if entry and entry["sha256"] == digest and store.exists(path):
                stats["unchanged"] += 1
                continue
            store.write(path, data)
            manifest["partitions"][rel] = {"rows": merged.num_rows, "sha256": digest, "bytes": len(data)}
            stats["written"] += 1
            changed = True
        if changed:
            _save_manifest(store, dataset, manifest)
    return stats


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
        manifest = load_manifest(root, dataset)
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
            rows = pq.read_metadata(pa.BufferReader(data)).num_rows
            if rows != entry["rows"]:
                problems.append(f"{dataset}/{rel}: {rows} rows, manifest says {entry['rows']}")
    return problems


def datasets_summary(root: str | Path) -> list[dict]:
    out = []
    for dataset in DATASETS:
        m = load_manifest(root, dataset)
        if m["partitions"]:
            out.append({"dataset": dataset, "partitions": len(m["partitions"]), "rows": m.get("rows", 0),
                        "bytes": sum(p["bytes"] for p in m["partitions"].values()), "updated_at": m.get("updated_at")})
    return out
