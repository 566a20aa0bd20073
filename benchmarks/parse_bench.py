"""`make bench`: parse speed against pandas.read_html on the same pages, in the same run.

read_html only finds grids; nianbao does far more per page, yet should cost
no more time. Printed as ratios so a noisy shared machine still gives a
comparable figure.
"""

from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

from nianbao.sample_portal.pages import Report, render  # noqa: E402
from nianbao.transforms.report import parse_report  # noqa: E402


def pages() -> list[tuple[str, bytes]]:
    real = sorted((ROOT / "tests" / "fixtures" / "real").glob("*.html"))
    out = [(p.name, p.read_bytes()) for p in real]
    out += [(f"generated_{y}.html", render(Report(y, seed=y).fill()).encode("utf-8")) for y in (2020, 2023)]
    return out


def best_of(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(rounds: int = 15) -> None:
    print(f"{'page':40} {'KB':>6} {'nianbao ms':>11} {'read_html ms':>13} {'ratio':>6}")
    tot_n = tot_r = 0.0
    for name, data in pages():
        text = data.decode("utf-8", "replace")
        t_n = best_of(lambda d=data, n=name: parse_report(d, n), rounds)
        t_r = best_of(lambda t=text: pd.read_html(io.StringIO(t)), rounds)
        tot_n += t_n
        tot_r += t_r
        print(f"{name:40} {len(data) / 1024:6.0f} {t_n * 1000:11.2f} {t_r * 1000:13.2f} {t_n / t_r:6.2f}")
    print(f"\nall pages: nianbao {len(pages()) / tot_n:.0f} pages/s, read_html {len(pages()) / tot_r:.0f} pages/s; "
          f"time ratio nianbao/read_html = {tot_n / tot_r:.2f} (below 1 is faster)")
    pdf_bench()


def pdf_bench(n: int = 6) -> None:
    """Reports per second from PDFs with a text layer, beside the HTML figure above (same reports)."""
    from nianbao.sample_portal.pdfs import render_pdf

    reports = [Report(2019 + i % 6, seed=i).fill() for i in range(n)]
    pdfs = [render_pdf(rep, i)[0] for i, rep in enumerate(reports)]
    html = [render(rep).encode("utf-8") for rep in reports]
    t_pdf = sum(best_of(lambda d=d: parse_report(d, "bench.pdf"), 3) for d in pdfs)
    t_html = sum(best_of(lambda d=d: parse_report(d, "bench.html"), 3) for d in html)
    import io

    import pdfplumber

    pages = 0
    for d in pdfs:
        with pdfplumber.open(io.BytesIO(d)) as pdf:
            pages += len(pdf.pages)
    print(f"PDF: {n / t_pdf:.1f} reports/s ({pages / t_pdf:.1f} PDF pages/s) against {n / t_html:.0f} reports/s from "
          f"the same reports as HTML (ratio {t_pdf / t_html:.1f}x); OCR: see the OCR bench below")


if __name__ == "__main__":
    main()
