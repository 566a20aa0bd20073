"""`make bench`: cold parse time, each page parsed once in a fresh process (as in a crawl), against
pandas.read_html parsing the same page once in a fresh process. Imports are not timed, first calls are:
label maps, compiled patterns and caches all start empty, as they do for a crawl worker's first pages."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHILD = r"""
import io, json, sys, time
import pandas as pd
from nianbao.transforms.report import parse_report
data = open(sys.argv[1], "rb").read()
t = time.perf_counter()
if sys.argv[2] == "nianbao":
    try:
        parse_report(data, "file:///bench")
    except Exception:
        pass
else:
    try:
        pd.read_html(io.StringIO(data.decode("utf-8", "replace")))
    except Exception:
        pass
print(json.dumps(time.perf_counter() - t))
"""


def pages() -> list[Path]:
    """Real pages, real pages as they circulate, and the other generator's pages (Traditional mirrors, text
    dumps, legacy narrative and damaged tables in the proportions they come in)."""
    fixtures = ROOT / "tests" / "fixtures"
    return sorted(p for d in ("real", "real_wild", "exam/cases") for p in (fixtures / d).iterdir()
                  if p.suffix in (".html", ".txt") and not p.name.endswith(".gold.json") and p.name != "README.md")


def cold(path: Path, tool: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), tool], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Every page once in each tool. read_html reads a text dump too (and finds no table): the baseline is
    the time a crawl worker would spend on the page with pandas alone."""
    rows = []
    for p in pages():
        n, r = cold(p, "nianbao"), cold(p, "read_html")
        rows.append((p, n, r))
        print(f"cold {p.parent.name[:9]:9} {p.name:34} nianbao {n * 1000:7.1f} ms  read_html {r * 1000:7.1f} ms  "
              f"ratio {n / r:6.2f}")
    for kind in (".html", ".txt"):
        part = [(n, r) for p, n, r in rows if p.suffix == kind]
        print(f"\ncold parse, {kind[1:]} ({len(part)} pages): total nianbao/read_html "
              f"{sum(n for n, _ in part) / sum(r for _, r in part):.2f}, median page "
              f"{statistics.median(n / r for n, r in part):.2f}")
    total_n, total_r = sum(n for _, n, _ in rows), sum(r for *_, r in rows)
    print(f"cold parse, all {len(rows)} pages: total {total_n:.2f} s against {total_r:.2f} s, "
          f"ratio {total_n / total_r:.2f}")
    worst = sorted(rows, key=lambda x: x[1] - x[2], reverse=True)[:3]
    print("most time over read_html: " + ", ".join(f"{p.name} (+{(n - r) * 1000:.0f} ms)" for p, n, r in worst))


if __name__ == "__main__":
    main()
