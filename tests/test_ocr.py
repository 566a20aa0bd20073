"""Scanned reports: PDFs of page images and JPEG/PNG pictures read by OCR, at several resolutions, with
noise and a small rotation; pictures that are not reports, and bombs, refused in one line."""

import io
import math
import subprocess
import sys
import zlib

import pytest
from conftest import pdf_of

from nianbao.extractors import ocr
from nianbao.extractors.page import NotAReportError, UnsupportedFormat
from nianbao.sample_portal.pages import Report, parsed_cells
from nianbao.sample_portal.pdfs import render_pdf
from nianbao.sample_portal.scans import as_pdf, scan
from nianbao.transforms.report import parse_report

needs_ocr = pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed: pip install 'nianbao[ocr]'")


def share_right(p, rep) -> float:
    got, want = parsed_cells(p), rep.cells()
    return sum(1 for k, v in want.items() if got.get(k) is not None and math.isclose(got[k], v)) / len(want)


@needs_ocr
def test_a_scanned_pdf_reads_its_tables_and_fields():
    rep = Report(2022, seed=103).fill()
    pdf, _ = render_pdf(rep, 3)
    p = parse_report(as_pdf(scan(pdf, 200, 0.8, 6, 1), 200), "file:///scan.pdf")
    assert p.report["source_kind"] == "pdf_ocr"
    assert (p.report["year"], p.report["era"], p.report["publisher"]) == (2022, "2021", "张掖市人民政府")
    assert share_right(p, rep) >= 0.95


@needs_ocr
@pytest.mark.parametrize("seed", range(6))
def test_a_turned_page_s_skew_is_found_to_within_a_twentieth_of_a_degree(seed):
    """Scans of report pages in several styles, resolutions and turns: the angle that deskew undoes is the
    turn (PIL turns counter-clockwise, so the page's lines then rise to the right: a negative skew)."""
    import random

    import numpy as np

    rng = random.Random(seed)
    pdf, _ = render_pdf(Report(2019 + seed, seed=300 + seed).fill(), seed)
    for page in range(2):
        turn, dpi = rng.uniform(-2.5, 2.5), rng.choice([150, 200, 300])
        gray = np.asarray(scan(pdf, dpi, turn, rng.uniform(4, 10), seed)[page])
        assert abs(ocr.skew_angle(gray) + turn) < 0.05, (turn, dpi)
    assert ocr.skew_angle(np.full((2339, 1654), 255, np.uint8)) is None  # a blank page: nothing to turn


def first_page(pdf: bytes) -> bytes:
    import pypdfium2 as pdfium

    src, out = pdfium.PdfDocument(pdf), pdfium.PdfDocument.new()
    out.import_pages(src, [0])
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()


@needs_ocr
@pytest.mark.parametrize("dpi,angle,fmt,share", [(150, -1.2, "PNG", 0.9), (300, 0.5, "JPEG", 0.97)])
def test_a_picture_of_a_page_is_read(dpi, angle, fmt, share):
    """The picture reads as the same page's text layer does (the oracle: the text-layer reader is exact)."""
    rep = Report(2020, seed=7).fill()
    pdf, _ = render_pdf(rep, 5)
    page_one = parse_report(first_page(pdf), "file:///page.pdf", publisher="张掖市人民政府")
    want = parsed_cells(page_one)
    assert len(want) >= 20
    picture = scan(pdf, dpi, angle, 8, 2)[0]
    buf = io.BytesIO()
    picture.save(buf, fmt, quality=85) if fmt == "JPEG" else picture.save(buf, fmt)
    p = parse_report(buf.getvalue(), f"file:///page.{fmt.lower()}", publisher="张掖市人民政府")
    assert p.report["source_kind"] == "image_ocr" and p.report["year"] == 2020
    got = parsed_cells(p)
    # 150 dpi is the floor: digits that touch ("77") are read as one
    assert sum(1 for k, v in want.items() if got.get(k) is not None and math.isclose(got[k], v)) >= share * len(want)


@needs_ocr
def test_a_picture_of_a_cat_is_one_line(tmp_path):
    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:600, 0:800]
    cat = ((np.sin(xx / 40) + np.cos(yy / 55)) * 60 + 128).astype(np.uint8)  # smooth fur, no text
    path = tmp_path / "cat.png"
    Image.fromarray(cat).save(path)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(path), "--json"], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and str(path) in r.stderr, r.stderr


def _pdf_with_image(width: int, height: int) -> bytes:
    """A one-page PDF whose only content is an image XObject of the given size (its data left short)."""
    data = zlib.compress(b"\x00" * 1000)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 5 0 R >> >> "
               b"/Contents 4 0 R >>"]
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
                   b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (width, height, len(data))
                   + data + b"\nendstream")
    return pdf_of(objects)


def test_a_pdf_bomb_is_refused_before_anything_is_rendered():
    with pytest.raises(NotAReportError, match="not a scanned report page"):
        parse_report(_pdf_with_image(40_000, 40_000), "file:///bomb.pdf")


def test_without_the_ocr_extra_a_scan_is_a_typed_refusal_naming_it(monkeypatch):
    monkeypatch.setattr(ocr, "available", lambda: False)
    with pytest.raises(UnsupportedFormat, match=r"nianbao\[ocr\]"):
        parse_report(_pdf_with_image(1654, 2339), "file:///scan.pdf")
    with pytest.raises(UnsupportedFormat, match=r"PNG image: reading it needs OCR"):
        parse_report(b"\x89PNG\r\n\x1a\n" + b"\x00" * 600, "file:///page.png")


@needs_ocr
def test_digits_misread_as_letters_are_put_right_in_table_cells():
    assert ocr._as_figure("1O") == "10" and ocr._as_figure("l,2O5") == "1,205" and ocr._as_figure("1S") == "15"
    assert ocr._as_figure("行政许可") == "行政许可" and ocr._as_figure("1s") == "15"


def _png(array) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(array).save(buf, "PNG", optimize=True)
    return buf.getvalue()


@needs_ocr
def test_a_small_png_ruled_into_thousands_of_cells_is_refused_not_read_for_minutes():
    import numpy as np

    grid = np.full((2400, 2400), 255, np.uint8)
    grid[::20, :] = 0
    grid[:, ::20] = 0  # 120 x 120 cells
    data = _png(grid)
    assert len(data) < 60_000
    with pytest.raises(NotAReportError, match="cells"):
        ocr.parse_image(data)


@needs_ocr
@pytest.mark.parametrize("shape", [(30000, 400), (300, 12000)])
def test_a_very_tall_or_wide_picture_is_refused_before_ocr(shape):
    import numpy as np

    with pytest.raises(NotAReportError, match="strip"):
        ocr.parse_image(_png(np.full(shape, 255, np.uint8)))


def test_a_page_with_more_pictures_than_the_cap_reads_only_the_first(monkeypatch):
    read = []
    monkeypatch.setattr(ocr, "parse_image", lambda data, kind="PNG": read.append(data) or (_ for _ in ()).throw(
        NotAReportError("no text")))
    from nianbao.extractors.page import Page
    from nianbao.transforms.report import _add_pictured_tables

    warnings: list[str] = []
    _add_pictured_tables(Page(), [bytes([i]) for i in range(40)], warnings)
    assert len(read) == ocr.MAX_PICTURES and "only the first 12" in warnings[0]
