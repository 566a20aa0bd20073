"""`nianbao parse PATH... --out DIR`: parse files, directories and URLs into a store."""

from __future__ import annotations

import sys
from pathlib import Path

from nianbao.extractors.page import NotAReportError
from nianbao.store.from_reports import UnstorableReport, write_reports

PAGE_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml", ".jhtml", ".txt"}


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


def parse_paths_to_store(inputs: list[str], out: str, args) -> int:
    from nianbao.flows.cli import InputError, parse_one

    parsed, failed = [], 0
    for item in expand_inputs(inputs):
        try:
            p = parse_one(item, args)
            if p.report["year"] is None:
                raise UnstorableReport("the report year is unknown (pass --year)")
            parsed.append(p)
        except (InputError, NotAReportError, UnstorableReport) as exc:
            failed += 1
            msg = str(exc) if str(exc).startswith(item) else f"{item}: {exc}"
            print(f"nianbao parse: {msg}", file=sys.stderr)
    if parsed:
        stats = write_reports(out, parsed)
        written = sum(s["written"] for s in stats.values())
        print(f"stored {len(parsed)} report(s) in {out} ({written} partition file(s) written), {failed} failed")
    else:
        print(f"nothing stored in {out}: {failed} input(s) failed", file=sys.stderr)
    return 1 if failed else 0
