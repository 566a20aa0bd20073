"""Re-parse every archived report with the current parser, with no network.

What a user runs after a parser fix. The report datasets are rebuilt in a
scratch directory beside the store and swapped in one dataset at a time
(a directory rename), so readers never see a half-rebuilt dataset; the
fetch log and the archive are left as they are.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from extractors.archive import Archive
from extractors.crawler import load_registry
from extractors.page import NotAReportError
from flows.pipeline import ARCHIVE_DIR
from store.from_reports import write_reports
from store.parquet_store import store_lock
from store.schemas import REPORT_DATASETS
from transforms.report import PARSER_VERSION, parse_report


def reprocess(out: str | Path, registry: str | Path | None = None, parser_version: str | None = None) -> dict:
    """Returns {"reports": n, "failed": n, "skipped": bool}."""
    out = Path(out)
    if parser_version is not None and parser_version == _stored_version(out):
        return {"reports": 0, "failed": 0, "skipped": True, "parser_version": parser_version}
    defaults = {p.id: p for p in load_registry(registry)} if registry else {}
    archive = Archive(out / ARCHIVE_DIR)
    parsed, failed = [], 0
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
    scratch = out / ".reprocess"
    shutil.rmtree(scratch, ignore_errors=True)
    if parsed:
        write_reports(scratch, parsed)
    with store_lock(out):
        for dataset in REPORT_DATASETS:
            old, new = out / dataset, scratch / dataset
            if old.exists():
                old.rename(out / f".old-{dataset}")
            if new.exists():
                new.rename(old)
            shutil.rmtree(out / f".old-{dataset}", ignore_errors=True)
    shutil.rmtree(scratch, ignore_errors=True)
    return {"reports": len(parsed), "failed": failed, "skipped": False, "parser_version": PARSER_VERSION}


def _stored_version(out: Path) -> str | None:
    from store.read import read_dataset

    if not (out / "reports").exists():
        return None
    versions = set(read_dataset(out, "reports")["parser_version"])
    return versions.pop() if len(versions) == 1 else None
