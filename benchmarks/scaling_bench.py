"""`make bench`: parse time against input size, up to the 20 MB input cap, for the inputs that were quadratic.

Each row prints seconds and seconds per MB relative to the smallest size of its
kind (the "growth" column): about 1.0 everywhere means linear; a quadratic stage
would double it with every doubling of the input.
"""

from __future__ import annotations

import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

from nianbao.extractors import discovery  # noqa: E402
from nianbao.extractors.page import NotAReportError  # noqa: E402
from nianbao.transforms.report import parse_report  # noqa: E402

REAL = ROOT / "tests" / "fixtures" / "real"
SMALL_DOC = ("<html><head><title>2020年某县政府信息公开工作年度报告</title></head><body>"
             "<h1>某县2020年政府信息公开工作年度报告</h1>"
             "<p>一、总体情况</p><p>本机关收到申请5件。</p><p>二、主动公开政府信息情况</p><table><tr><td>信息内容</td>"
             "<td>本年新制作数量</td></tr><tr><td>规章</td><td>1</td></tr></table><p>三、收到和处理政府信息公开申请情况</p>"
             "</body></html>").encode()


def rows_table(n: int) -> bytes:
    rows = "".join(f"<tr><td>行政许可{i}</td><td>{i}</td><td>{i}</td></tr>" for i in range(n))
    return f"<html><body><h1>2020年政府信息公开工作年度报告</h1><table>{rows}</table></body></html>".encode()


def timed(fn) -> float:
    t = time.perf_counter()
    try:
        fn()
    except NotAReportError:
        pass
    return time.perf_counter() - t


def curve(name: str, make, sizes) -> None:
    base = None
    for size in sizes:
        data = make(size)
        secs = timed(lambda d=data: parse_report(d, "file:///bench"))
        per_mb = secs / (len(data) / 2**20)
        base = base or per_mb
        print(f"{name:28} {len(data) / 2**20:7.2f} MB {secs:8.2f} s {per_mb:8.3f} s/MB  growth {per_mb / base:5.2f}")


def main() -> None:
    print("parse time against input size (growth ≈ 1.0 means linear)")
    pingtan = (REAL / "pingtan_2025.html").read_bytes()
    shanghai = (REAL / "sh_bgt_2019.html").read_bytes()
    curve("real page repeated", lambda n: pingtan * n, (10, 40, 80, 170))
    curve("Word-pasted page repeated", lambda n: shanghai * n, (70, 280, 1250))
    curve("small documents concatenated", lambda n: SMALL_DOC * n, (250, 1000, 4000))
    curve("one table, many rows", rows_table, (10_000, 40_000, 100_000))
    print("\nlisting scans on hostile 100 KB-1 MB pages (seconds)")
    for n in (12_500, 50_000, 125_000):
        text = "<script>" * n
        t = time.perf_counter()
        discovery.is_js_challenge(200, text)
        discovery.hanweb_records('<script type="text/xml">' * (n // 2), "http://a.gov.cn/")
        print(f"unclosed <script> x{n:<7} {len(text) / 2**20:6.2f} MB {time.perf_counter() - t:8.3f} s")


if __name__ == "__main__":
    main()
