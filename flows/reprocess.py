"""Re-parse every archived report with the current parser, with no network.

What a user runs after a parser fix. It never loses a report:
- a missing or empty archive is an error (unless --allow-empty), not an empty store;
- a stored report whose bytes are not in the archive, or no longer parse, is
  kept as it is (counted as "kept");
- the report datasets are rebuilt in a scratch directory beside the store,
  verified against their manifests, and only then swapped in, one dataset at a
  time (a directory rename). A swap cut short is finished or undone by the next
  reprocess or `nianbao store verify --repair`;
- writers go on while it rebuilds (a crawl's fold, `parse --out`): under the
  store's lock, just before the swap, every report committed since reprocess
  read the store is carried into the rebuilt datasets, so none is lost. Two
  reprocesses of one store do not run at once.
The fetch log and the archive are left as they are.
"""

from __future__ import annotations

import fcntl
import json
import threading
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from nianbao.extractors import discovery
from nianbao.extractors.archive import LOCAL_SHARD, Archive, check_parse_options
from nianbao.extractors.crawler import FetchedReport, load_registry
from nianbao.extractors.decode import DecodeError, decode_bytes
from nianbao.flows import parse_pool
from nianbao.flows.pipeline import archive_root, parse_fetched, stored_reports
from nianbao.store import report_log
from nianbao.store.from_reports import BatchWriter, partition_of
from nianbao.store.fs import is_uri, storage
from nianbao.store.parquet_store import StoreError, compact, finish_interrupted_swaps, upsert, verify
from nianbao.store.read import dataset as open_dataset
from nianbao.store.schemas import REPORT_DATASETS, SCHEMAS
from nianbao.transforms.report import PARSER_VERSION, ParsedReport, parse_report

SCRATCH = ".reprocess"
# Where `parse --out` kept a file's options before the archive had parse_options: read only in the local
# shard, which only `nianbao parse` writes (the id "local" is reserved), never in a crawled portal's.
_OLD_OPTIONS = "x-nianbao-options"
_OBJECT_REPROCESS = threading.Lock()


class ReprocessError(RuntimeError):
    """Reprocess cannot run safely (the message names the input); the store is unchanged."""


def reprocess(out: str, registry: str | Path | None = None, parser_version: str | None = None,
              archive: str | Path | None = None, allow_empty: bool = False) -> dict:
    """Returns {"reports": rebuilt, "kept": kept as they were, "failed": unreadable now, "skipped": bool,
    "parser_version": v}."""
    out = str(out)
    with _only_reprocess(out):
        return _reprocess(out, registry, parser_version, archive, allow_empty)


@contextmanager
def _only_reprocess(out: str):
    """One reprocess of a store at a time (they share the scratch directory); a second one is refused."""
    if is_uri(out):  # an object store: one per process (its writers' lock is per process too)
        with _OBJECT_REPROCESS:
            yield
        return
    Path(out).mkdir(parents=True, exist_ok=True)
    with open(Path(out) / ".reprocess.lock", "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReprocessError(f"{out}: another reprocess of this store is running; the store is unchanged") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _reprocess(out: str, registry, parser_version, archive, allow_empty) -> dict:
    finish_interrupted_swaps(out, REPORT_DATASETS)
    report_log.fold(out)  # a killed crawl's logged reports, before what is stored is read and rebuilt
    if parser_version is not None and _parser_versions(out) == {parser_version}:
        return {"reports": 0, "kept": 0, "failed": 0, "skipped": True, "parser_version": parser_version}
    stored = stored_reports(out)
    shards = archive_shards(out, archive, allow_empty)
    defaults = {p.id: p for p in load_registry(registry)} if registry else {}
    store = storage(out)
    scratch = f"{out.rstrip('/')}/{SCRATCH}"
    store.delete_dir(SCRATCH)
    batches = BatchWriter(scratch)  # bounded batches: memory stays flat however large the archive
    rebuilt_shas: set[str] = set()
    rebuilt_ids: set[str] = set()
    failed = 0
    try:
        for shard in shards:
            for parsed in _parse_shard(Archive(shard), defaults):
                if parsed is None:
                    failed += 1
                    continue
                batches.add(parsed)
                rebuilt_shas.add(parsed.report["content_sha256"])
                rebuilt_ids.add(parsed.report["report_id"])
        batches.flush()
    except BaseException:
        store.delete_dir(SCRATCH)
        raise
    kept = sorted({rid for rid, sha in stored.items() if sha not in rebuilt_shas and rid not in rebuilt_ids})
    if rebuilt_ids:
        _rebuild(out, kept, len(rebuilt_ids) + len(kept), stored)
    else:
        store.delete_dir(SCRATCH)
    return {"reports": len(rebuilt_ids), "kept": len(kept), "failed": failed, "skipped": False,
            "parser_version": PARSER_VERSION}


def archive_shards(out: str, archive: str | Path | None = None, allow_empty: bool = False) -> list[Path]:
    """The archive's shards; ReprocessError when it holds no report to rebuild from (unless allow_empty)."""
    root = Path(archive_root(out, archive))
    shards = sorted(p.parent for p in root.glob("*/index.sqlite")) if root.is_dir() else []
    documents = 0
    for shard in shards:
        a = Archive(shard)
        try:
            documents += len(a.documents("report"))
        finally:
            a.close()
    if documents == 0 and not allow_empty:
        where = "does not exist" if not root.exists() else "holds no archived reports"
        raise ReprocessError(f"{root}: the archive {where}, so nothing can be rebuilt; the store is unchanged "
                             "(give --archive DIR, or --allow-empty to keep every stored report as it is)")
    return shards


def _parse_shard(archive: Archive, defaults: dict):
    """Each archived report of a shard, parsed in the parse workers (bounded in time and memory, since the
    archive holds what servers sent); None for one that cannot be read now, which is then kept as stored."""
    unreadable: list[str] = []

    def jobs():
        for doc in archive.documents("report"):
            if doc.final_url != doc.url:  # a redirecting URL: the report is parsed at its final URL
                continue
            try:
                yield (_job(archive, doc, defaults.get(doc.portal_id)),)
            except Exception:  # an edited options row, a body missing from objects/: that report only
                unreadable.append(doc.url)

    try:
        for _, future in parse_pool.in_order(_parse_job, jobs()):
            try:
                p = future.result()
                partition_of(p.report)
            except Exception:  # not a report now, unstorable, over a parse limit or a parser bug: kept as stored
                yield None
                continue
            yield p
        for _ in unreadable + archive.problems:  # index rows edited or damaged: those reports are kept as stored
            yield None
    finally:
        archive.close()


def _job(archive: Archive, doc, portal) -> tuple:
    """What a worker needs to parse one archived report, read from the archive here."""
    options = archive.parse_options(doc.url)  # never a stored response header: a server sent those
    if not options and doc.portal_id == LOCAL_SHARD:  # `parse --out` before parse_options existed
        options = check_parse_options(json.loads(archive.latest_headers(doc.url).get(_OLD_OPTIONS, "{}")))
    if options:  # a file given to `nianbao parse --out`, with the options it was given
        return ("file", archive.body(doc.sha256), doc.url, doc.first_fetched_at, doc.content_type, options)
    return ("page", _fetched(archive, doc), portal)  # as the crawl read it: the page, or the file it links to


def _parse_job(job: tuple) -> ParsedReport:
    if job[0] == "file":
        _, body, url, fetched_at, content_type, options = job
        return parse_report(body, url, fetched_at, content_type=content_type, **options)
    return parse_fetched(job[1], job[2])


def _fetched(archive: Archive, doc) -> FetchedReport:
    """An archived report page with the archived files it links (附件), as the crawler handed it over."""
    body = archive.body(doc.sha256)
    attachments = []
    try:
        text = decode_bytes(body, doc.content_type)
    except DecodeError:
        text = ""
    for link in discovery.attachments(discovery.links(text, doc.url)) if text else []:
        att = archive.document(link.url)
        if att is not None:
            attachments.append((att.final_url, archive.body(att.sha256), att.content_type))
    return FetchedReport(doc.url, "", body, doc.content_type, doc.first_fetched_at, doc.sha256, attachments)


def _rebuild(out: str, kept: list[str], expected_reports: int, stored: dict[str, str]) -> None:
    """Add the kept rows to the rebuilt datasets in scratch, compact and verify them, then swap them in;
    ``stored`` is what the store held when reprocess read it."""
    store = storage(out)
    scratch = f"{out.rstrip('/')}/{SCRATCH}"
    try:
        if kept:
            _copy_reports(out, scratch, kept)
        _finish_scratch(scratch, expected_reports)
    except BaseException:
        store.delete_dir(SCRATCH)
        raise
    with store.lock():
        try:  # what writers committed since reprocess read the store goes in too, as they wrote it
            meanwhile = sorted(rid for rid, sha in stored_reports(out).items() if stored.get(rid) != sha)
            if meanwhile:
                rebuilt = set(stored_reports(scratch))
                _copy_reports(out, scratch, meanwhile)
                _finish_scratch(scratch, len(rebuilt | set(meanwhile)))
        except BaseException:
            store.delete_dir(SCRATCH)
            raise
        for name in REPORT_DATASETS:
            store.move_dir(name, f".old-{name}")
            store.move_dir(f"{SCRATCH}/{name}", name)
            store.delete_dir(f".old-{name}")
    store.delete_dir(SCRATCH)


def _finish_scratch(scratch: str, expected_reports: int) -> None:
    """Compact the rebuilt datasets (one sorted file per partition: the same archive, the same bytes) and
    check them before they may replace the store's."""
    compact(scratch, REPORT_DATASETS)
    problems = verify(scratch)
    n_reports = sum(1 for _ in open_dataset(scratch, "reports").to_table(columns=["report_id"]).column(0))
    if problems or n_reports != expected_reports:
        raise StoreError(f"{scratch}: the rebuilt datasets do not verify ({'; '.join(problems[:3]) or n_reports}"
                         f" reports, {expected_reports} expected); the store is unchanged")


def _copy_reports(src: str, dst: str, report_ids: list[str]) -> None:
    """Copy every row of these reports, in every report dataset, from one store to another, replacing
    whatever ``dst`` held of them in their partitions (also in a dataset where ``src`` has no row of them)."""
    wanted = pa.array(report_ids, pa.string())
    reports = open_dataset(src, "reports").to_table(filter=pc.field("report_id").isin(wanted),
                                                     columns=["report_id", "year", "region"])
    parts: dict[tuple[int, str], list[str]] = {}
    for rid, year, region in zip(*(reports.column(c).to_pylist() for c in ("report_id", "year", "region")),
                                 strict=True):
        parts.setdefault((year, region), []).append(rid)
    for name in REPORT_DATASETS:
        try:
            table = open_dataset(src, name).to_table(filter=pc.field("report_id").isin(wanted))
        except FileNotFoundError:
            table = None
        batches: dict[tuple[int, str], pa.Table] = {}
        for (year, region) in parts:
            if table is None:
                batches[(year, region)] = SCHEMAS[name].empty_table()
                continue
            mask = pc.and_(pc.equal(table.column("year"), year), pc.equal(table.column("region"), region))
            batches[(year, region)] = table.filter(mask).drop_columns(["year", "region"])
        if batches:
            upsert(dst, name, batches, replace_ids=parts)


def _parser_versions(out: str) -> set[str]:
    """The parser versions that made the stored reports."""
    return set(open_dataset(out, "reports").to_table(columns=["parser_version"]).column(0).to_pylist())
