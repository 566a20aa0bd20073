"""`nianbao parse PATH... --out DIR`: parse files, directories and URLs into a store.

The bytes read are archived (<out>/_archive/local/, or --archive), with the
options given (in the archive's own parse_options table, never among a
response's headers), so a store filled this way can be reprocessed later like
a crawled one.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

from nianbao.extractors.archive import LOCAL_SHARD, Archive
from nianbao.extractors.http import Response, redact
from nianbao.extractors.page import NotAReportError
from nianbao.flows import parse_pool
from nianbao.flows.parse_pool import ParseLimitError
from nianbao.flows.pipeline import archive_root
from nianbao.store.from_reports import BatchWriter, UnstorableReport, partition_of

PAGE_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".jhtml", ".txt", ".docx", ".pdf"}


def expand_inputs(inputs: list[str]) -> list[str]:
    """Files and URLs as given; directories walked for report pages (sorted, so runs repeat)."""
    out = []
    for item in inputs:
        p = Path(item)
        if p.is_dir():
            out += [str(f) for f in sorted(p.rglob("*")) if f.is_file() and f.suffix.lower() in PAGE_SUFFIXES]
        else:
            out.append(item)
    return out


def _options(args) -> dict:
    return {k: v for k, v in (("publisher", args.publisher), ("adcode", args.adcode), ("year", args.year)) if v}


def parse_paths_to_store(inputs: list[str], out: str, args) -> int:
    from nianbao.extractors.inputs import InputError, read_input
    from nianbao.transforms.report import parse_report

    try:
        archive = Archive(Path(archive_root(out, getattr(args, "archive", None))) / LOCAL_SHARD)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    batches, failed = BatchWriter(out), 0  # bounded batches: memory does not grow with the inputs
    try:
        for item in expand_inputs(inputs):
            try:
                data, url, fetched_at, ctype = read_input(item)
                p = parse_pool.submit(partial(parse_report, content_type=ctype, max_pages=getattr(args, "max_pages", None),
                                              **_options(args)), data, url, fetched_at).result()
                partition_of(p.report)  # a year or region that cannot be stored fails this input only
                archive.record(Response(url, url, "ok", 200, {"content-type": ctype or ""}, data, fetched_at),
                               LOCAL_SHARD, "report")
                archive.set_parse_options(url, _options(args))
                batches.add(p)
            except (InputError, NotAReportError, UnstorableReport, ValueError, ParseLimitError) as exc:
                failed += 1
                name = redact(item)  # a password in a URL is never printed
                msg = str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
                print(f"nianbao parse: {msg}", file=sys.stderr)
    finally:
        archive.close()
    batches.flush()
    if batches.stored:
        print(f"stored {batches.stored} report(s) in {out} ({batches.files} partition file(s) written), {failed} failed")
    else:
        print(f"nothing stored in {out}: {failed} input(s) failed", file=sys.stderr)
    return 1 if failed else 0
