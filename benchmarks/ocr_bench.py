"""`make bench` (OCR part): scanned reports never seen by the tests, read by OCR.

Each held-out report is exported as a PDF in one of the sample styles, then
scanned: rendered at 150, 200 or 300 dpi, turned by up to 1.5 degrees and
speckled with noise, and saved as an image-only PDF. Prints the share of
table cells read right, whether year, era and publisher are right, pages
per second beside the text-layer PDF of the same reports, and the time
against the baseline measured in the same run: one plain RapidOCR pass
(its default detection, angle classifier and recogniser) over the same
pages rendered as nianbao renders them.
`--scans 40` runs the issue's bar (about 15 minutes on two cores).
"""

from __future__ import annotations

import argparse
import math
import random
import time
from functools import lru_cache

from nianbao.extractors import ocr
from nianbao.sample_portal.pages import Report, parsed_cells
from nianbao.sample_portal.pdfs import render_pdf
from nianbao.sample_portal.scans import as_pdf, scan
from nianbao.transforms.report import parse_report


def plain_pass(scanned: bytes) -> float:
    """Seconds for one plain RapidOCR pass over the scanned PDF's pages, rendered at ocr.DPI as nianbao
    renders them (the baseline: what reading the pages costs before any table is rebuilt)."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    engine = _plain_engine()
    t = time.perf_counter()
    pdf = pdfium.PdfDocument(scanned)
    for page in pdf:
        gray = np.asarray(page.render(scale=ocr.DPI / 72, grayscale=True).to_pil().convert("L"))
        engine(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
    pdf.close()
    return time.perf_counter() - t


@lru_cache(maxsize=1)
def _plain_engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=6)
    args = ap.parse_args()
    if not ocr.available():
        print(f"OCR: skipped ({ocr.INSTALL_HINT})")
        return
    rng = random.Random(2026)
    right = total = fields_right = pages = 0
    t_ocr = t_text = t_plain = 0.0
    for i in range(args.scans):
        year = 2019 + i % 6
        rep = Report(year, seed=9000 + i).fill()
        pdf, _ = render_pdf(rep, 9000 + i)
        dpi = (150, 200, 300)[i % 3]
        images = scan(pdf, dpi, rng.uniform(-1.5, 1.5), rng.uniform(4, 10), i)
        scanned = as_pdf(images, dpi)
        t = time.perf_counter()
        text_layer = parse_report(pdf, "held-out.pdf")
        t_text += time.perf_counter() - t
        t = time.perf_counter()
        p = parse_report(scanned, "held-out-scan.pdf")
        t_ocr += time.perf_counter() - t
        t_plain += plain_pass(scanned)
        pages += len(images)
        want, got = parsed_cells(text_layer), parsed_cells(p)
        ok = sum(1 for k, v in want.items() if got.get(k) is not None and math.isclose(got[k], v))
        right, total = right + ok, total + len(want)
        fields = (p.report["year"], p.report["era"], p.report["publisher"]) == \
            (year, "2021" if year >= 2021 else "2019", "张掖市人民政府")
        fields_right += fields
        print(f"  scan {i:2} {dpi} dpi {len(images)} pages: {ok}/{len(want)} cells, fields {'ok' if fields else 'WRONG'}")
    print(f"OCR: {args.scans} held-out scans (150/200/300 dpi, turned, noisy): {right}/{total} cells "
          f"({right / total:.1%}), year/era/publisher right on {fields_right}/{args.scans}; "
          f"{pages / t_ocr:.2f} pages/s by OCR against {pages / t_text:.1f} pages/s from the text layer "
          f"(ratio {t_ocr / t_text:.0f}x); {t_ocr / pages:.1f} s a page against {t_plain / pages:.1f} s for one plain "
          f"RapidOCR pass over the same pages: ratio {t_ocr / t_plain:.2f}")


if __name__ == "__main__":
    main()
