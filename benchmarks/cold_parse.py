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
    fixtures = ROOT / "tests" / "fixtures"
    return sorted(p for d in ("real", "real_wild") for p in (fixtures / d).iterdir()
                  if p.suffix in (".html", ".txt") and not p.name.endswith(".gold.json") and p.name != "README.md")


def cold(path: Path, tool: str) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), tool], capture_output=True, text=True, cwd=ROOT,
                         timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    html = [p for p in pages() if p.suffix == ".html"]  # read_html needs tables in HTML to compare against
    ratios = []
    for p in html:
        n, r = cold(p, "nianbao"), cold(p, "read_html")
        ratios.append(n / r)
        print(f"cold {p.name:40} nianbao {n * 1000:7.1f} ms  read_html {r * 1000:7.1f} ms  ratio {n / r:5.2f}")
    text_times = [cold(p, "nianbao") for p in pages() if p.suffix == ".txt"]
    print(f"\ncold parse, median ratio nianbao/read_html over {len(html)} HTML pages: {statistics.median(ratios):.2f}; "
          f"text dumps (no read_html baseline): median {statistics.median(text_times) * 1000:.1f} ms over "
          f"{len(text_times)} pages")


if __name__ == "__main__":
    main()
