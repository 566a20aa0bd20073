"""Score the parser against hand-read gold: cells and report fields, per page and overall.

`python -m benchmarks.gold_score [DIR]` (default: tests/fixtures/real_wild). A cell
is right when the parser gives the gold's value for the gold's key; extra cells
the gold does not have are counted separately (a fragment's gold holds only
what it prints).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from nianbao.extractors.page import NotAReportError
from nianbao.transforms.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
KEYS = {"active_disclosure": ("item", "measure"), "applications": ("outcome", "applicant"),
        "reviews_litigation": ("proceeding", "outcome"), "legacy_metrics": ("metric",)}
FIELDS = ("year", "era", "publisher", "adcode", "region", "spam_suspected", "checks_failed")


def options(args: list[str]) -> dict:
    out = {}
    for flag, value in zip(args[::2], args[1::2], strict=False):
        key = flag.lstrip("-")
        out[key] = int(value) if key == "year" else value
    return out


def score_page(page: Path, gold: dict) -> dict:
    try:
        parsed = parse_report(page.read_bytes(), page.as_uri(), **options(gold.get("args", [])))
    except NotAReportError as exc:
        parsed, error = None, str(exc)
    else:
        error = None
    out = {"page": page.name, "error": error, "cells": 0, "right": 0, "extra": 0, "fields": 0, "fields_right": 0,
           "misses": []}
    for dataset, keys in KEYS.items():
        want = {tuple(r[k] for k in keys): r["value"] for r in gold.get(dataset, [])}
        got = {tuple(r[k] for k in keys): r["value"] for r in getattr(parsed, dataset)} if parsed else {}
        for k, v in want.items():
            out["cells"] += 1
            if k in got and got[k] is not None and math.isclose(got[k], v, rel_tol=1e-9, abs_tol=1e-6):
                out["right"] += 1
            else:
                out["misses"].append(f"{dataset}{k}: {got.get(k)} != {v}")
        if want or dataset != "legacy_metrics":
            out["extra"] += len(set(got) - set(want))
    for f in FIELDS:
        if f in gold.get("report", {}):
            out["fields"] += 1
            have = parsed.report.get(f) if parsed else None
            if have == gold["report"][f]:
                out["fields_right"] += 1
            else:
                out["misses"].append(f"field {f}: {have!r} != {gold['report'][f]!r}")
    return out


def main(folder: str | None = None, verbose: bool = True) -> dict:
    folder_path = (Path(folder) if folder else ROOT / "tests" / "fixtures" / "real_wild").resolve()
    totals = {"cells": 0, "right": 0, "fields": 0, "fields_right": 0, "extra": 0}
    for g in sorted(folder_path.glob("*.gold.json")):
        stem = g.name.removesuffix(".gold.json")
        page = next(p for p in folder_path.glob(stem + ".*") if not p.name.endswith(".gold.json"))
        s = score_page(page, json.loads(g.read_text(encoding="utf-8")))
        for k in totals:
            totals[k] += s[k]
        if verbose:
            print(f"{s['page']:40} cells {s['right']:4}/{s['cells']:<4} fields {s['fields_right']}/{s['fields']}"
                  f" extra {s['extra']}{'  ERROR ' + s['error'] if s['error'] else ''}")
            for m in s["misses"][:8]:
                print(f"    {m}")
    print(f"\nall: cells {totals['right']}/{totals['cells']} ({totals['right'] / max(1, totals['cells']):.1%}), "
          f"fields {totals['fields_right']}/{totals['fields']} ({totals['fields_right'] / max(1, totals['fields']):.1%})")
    return totals


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
