"""Re-parse every archived report with the current parser, with no network.

What a user runs after a parser fix. The report datasets are rebuilt in a
scratch directory beside the store and swapped in one dataset at a time
(a directory rename), so readers never see a half-rebuilt dataset; the
fetch log and the archive are left as they are.
"""

from __future__ import annotations

from pathlib import Path

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import load_registry
from nianbao.extractors.page import NotAReportError
from nianbao.flows.pipeline import archive_root
from nianbao.store.from_reports import write_reports
from nianbao.store.fs import storage
from nianbao.store.schemas import REPORT_DATASETS
from nianbao.transforms.report import PARSER_VERSION, parse_report


def reprocess(out: str, registry: str | Path | None = None, parser_version: str | None = None,
              archive: str | Path | None = None) -> dict:
    """Returns {"reports": n, "failed": n, "skipped": bool, "parser_version": v}."""
    out = str(out)
    if parser_version is not None and parser_version == _stored_version(out):
        return {"reports": 0, "failed": 0, "skipped": True, "parser_version": parser_version}
    defaults = {p.id: p for p in load_registry(registry)} if registry else {}
    parsed, failed = [], 0
    for shard in sorted(p.parent for p in archive_root(out, archive).glob("*/index.sqlite")):
        failed += _parse_shard(Archive(shard), defaults, parsed)
    _swap_in(out, parsed)
    return {"reports": len(parsed), "failed": failed, "skipped": False, "parser_version": PARSER_VERSION}


def _parse_shard(archive: Archive, defaults: dict, parsed: list) -> int:
    """Parse a shard's reports into ``parsed``; returns how many could not be read."""
    failed = 0
    try:
        for doc in archive.documents("report"):
            if doc.final_url != doc.url:  # a redirecting URL: the report is parsed at its final URL
                continue
            portal = defaults.get(doc.portal_id)
            try:
                p = parse_report(archive.body(doc.sha256), doc.url, doc.first_fetched_at, content_type=doc.content_type,
                                 default_publisher=portal.publisher if portal else None,
                                 default_adcode=portal.adcode if portal else None)
            except NotAReportError:
                failed += 1
                continue
            if p.report["year"] is None:
                failed += 1
                continue
            parsed.append(p)
    finally:
        archive.close()
    return failed


def _swap_in(out: str, parsed: list) -> None:
    """Build the report datasets in a scratch area of the store, then move each into place."""
    store = storage(out)
    scratch = ".reprocess"
    store.delete_dir(scratch)
    if parsed:
        write_reports(f"{out.rstrip('/')}/{scratch}", parsed)
    with store.lock():
        for dataset in REPORT_DATASETS:
            store.move_dir(dataset, f".old-{dataset}")
            store.move_dir(f"{scratch}/{dataset}", dataset)
            store.delete_dir(f".old-{dataset}")
    store.delete_dir(scratch)


def _stored_version(out: str) -> str | None:
    from nianbao.store.read import read_dataset

    versions = set(read_dataset(out, "reports")["parser_version"])
    return versions.pop() if len(versions) == 1 else None
