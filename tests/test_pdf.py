"""PDF reports with a text layer: tables rebuilt from ruling lines, in varied export styles; bad PDFs refused."""

import io
import math
import os
import shutil
import subprocess
import sys

import pytest

from nianbao.extractors.page import NotAReportError
from nianbao.sample_portal.pages import Report, parsed_cells
from nianbao.sample_portal.pdfs import render_pdf
from nianbao.transforms.report import parse_report


@pytest.mark.parametrize("seed", range(10))
def test_generated_pdfs_read_completely(seed):
    year = (2019, 2020, 2021, 2022, 2023, 2024)[seed % 6]
    rep = Report(year, seed=100 + seed).fill()
    data, style = render_pdf(rep, seed)
    p = parse_report(data, "file:///r.pdf")
    got, want = parsed_cells(p), rep.cells()
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) is None or not math.isclose(got[k], v)}
    assert not bad, (style, list(bad.items())[:5])
    assert set(got) == set(want), style
    assert p.report["year"] == year and p.report["publisher"] == "张掖市人民政府"
    assert p.report["era"] == ("2021" if year >= 2021 else "2019")
    assert p.report["title"] == f"张掖市人民政府{year}年政府信息公开工作年度报告"  # wrapped or not
    body = "\n".join(s["text"] for s in p.sections)
    assert "政务公开\n" not in body and "- 2 -" not in body and "第2页" not in body  # running lines dropped


@pytest.mark.parametrize("seed", range(8))
def test_a_table_continued_on_a_new_page_with_its_group_cells_blank(seed):
    """Word leaves the merged group column blank where a table goes on after a page break; each row still
    prints its own label, so every row is read, with or without the header printed again."""
    rep = Report((2019, 2021, 2022, 2024)[seed % 4], seed=200 + seed).fill()
    data, style = render_pdf(rep, seed, page_break_in_table=True, blank_group_on_new_page=True)
    p = parse_report(data, "file:///r.pdf")
    got, want = parsed_cells(p), rep.cells()
    bad = {k: (got.get(k), v) for k, v in want.items() if got.get(k) is None or not math.isclose(got[k], v)}
    assert not bad, (style, list(bad.items())[:5])
    assert p.report["checks_failed"] == 0


def _pdf(build) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, **build.get("kw", {}))
    for _ in range(build.get("pages", 1)):
        c.drawString(72, 720, build.get("text", ""))
        c.showPage()
    c.save()
    return buf.getvalue()


def _report_pdf_without_unicode_map(encrypted_cid: bool) -> bytes:
    """A two-line report whose font maps no character to Unicode: reportlab's RC4-encrypted CID font (pdfminer
    loses its map; only a machine's own CJK font can draw it), or the embedded font with its ToUnicode map
    taken out (drawn from its own glyphs anywhere)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    from nianbao.sample_portal.pdfs import FALLBACK_FONT, FONT, _font

    _font()
    if encrypted_cid and FALLBACK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    st = ParagraphStyle("b", fontName=FALLBACK_FONT if encrypted_cid else FONT, fontSize=11, leading=16)
    buf = io.BytesIO()
    encrypt = StandardEncryption("", ownerPassword="owner", canPrint=1) if encrypted_cid else None
    SimpleDocTemplate(buf, pagesize=A4, encrypt=encrypt).build(
        [Paragraph("某县2015年政府信息公开工作年度报告", st), Paragraph("2015年，全年主动公开政府信息120条。", st)])
    data = buf.getvalue()
    return data if encrypted_cid else data.replace(b"/ToUnicode", b"/ToUnicodX")  # same length: offsets hold


def test_fonts_without_a_unicode_map_are_read_by_ocr_or_refused_in_one_line(monkeypatch):
    """Text that reads as (cid:…) is never parsed as garbage: OCR reads the rendered pages, and without the
    OCR extra the file is refused in one line; an RC4-encrypted file opens with no password asked."""
    from nianbao.extractors import ocr

    unmapped = _report_pdf_without_unicode_map(encrypted_cid=False)
    if ocr.available():
        p = parse_report(unmapped, "file:///e.pdf")
        assert p.report["source_kind"] == "pdf_ocr" and p.report["year"] == 2015 and p.report["era"] == "legacy"
        assert p.report["publisher"] == "某县人民政府" or "某县" in (p.report["publisher"] or "")
    monkeypatch.setattr(ocr, "available", lambda: False)
    for data in (unmapped, _report_pdf_without_unicode_map(encrypted_cid=True)):
        with pytest.raises(NotAReportError, match="Unicode"):
            parse_report(data, "file:///e.pdf")


@pytest.mark.parametrize("name,build,needle", [
    ("locked", {"kw": {"encrypt": "secret"}, "text": "x"}, "password"),
    ("blank", {"pages": 3}, "scanned"),
    ("long", {"pages": 80, "text": "x"}, "80 pages"),
])
def test_bad_pdfs_are_one_line_errors(tmp_path, name, build, needle):
    data = _pdf(build)
    with pytest.raises(NotAReportError, match=needle):
        parse_report(data, "file:///x.pdf")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(path), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr, r.stderr


def test_a_truncated_pdf_and_the_page_limit_option(tmp_path):
    rep = Report(2021, seed=7).fill()
    data, _ = render_pdf(rep, 7)
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(cut), "--json"], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(data)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(whole), "--json", "--max-pages", "1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--max-pages" in r.stderr
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(whole), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("head,needle", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x00" * 600, "JPEG image"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 600, "PNG image"),
])
def test_broken_images_are_one_line_errors(tmp_path, head, needle):
    path = tmp_path / "report.bin"
    path.write_bytes(head)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(path), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def test_an_old_word_file_without_a_converter_is_a_typed_refusal_naming_what_to_install(tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(OLE2 + b"\x00" * 600)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(path), "--json"], capture_output=True,
                       text=True, timeout=120, env={**os.environ, "PATH": str(tmp_path)})  # no antiword, no catdoc
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "install antiword" in r.stderr and "convert it to .docx" in r.stderr


def test_an_old_word_file_is_read_through_the_converter_on_the_path(tmp_path, monkeypatch):
    """The converter's text (antiword prints tables as pipe rows) is read as a text page, marked doc. The
    stand-in converter prints what antiword prints for a 2010 county report."""
    fake = tmp_path / "antiword"
    fake.write_text("#!/bin/sh\ncat <<'EOF'\n某县2010年政府信息公开工作年度报告\n\n一、概述\n"
                    "2010年，全县主动公开政府信息1,234条。\n二、依申请公开情况\n全年共受理政府信息公开申请56件。\nEOF\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    p = parse_report(OLE2 + b"\x00" * 600, "file:///r.doc")
    assert p.report["source_kind"] == "doc" and p.report["year"] == 2010 and p.report["era"] == "legacy"
    legacy = {m["metric"]: m["value"] for m in p.legacy_metrics}
    assert legacy["proactive_items"] == 1234 and legacy["applications_received"] == 56


def test_a_converter_printing_without_end_is_stopped_at_the_output_cap(tmp_path, monkeypatch):
    from nianbao.extractors import doc

    fake = tmp_path / "antiword"
    # yes runs as the script's child: stopping the converter must stop it too (ulimit: the disk is safe anyway)
    fake.write_text("#!/bin/sh\nulimit -f 20000\nyes 'a line of a converter gone wrong, again and again'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setattr(doc, "MAX_TEXT", 2_000_000)
    with pytest.raises(NotAReportError, match="more than 2,000,000 bytes"):
        doc.doc_text(OLE2 + b"\x00" * 600)
    from pathlib import Path

    def running() -> list[str]:
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if b"gone wrong" in cmdline.read_bytes():
                    found.append(cmdline.parent.name)
            except OSError:
                pass
        return found

    assert running() == []  # the converter's child was stopped with it


@pytest.mark.skipif(not shutil.which("antiword"), reason="antiword is not installed (apt install antiword)")
def test_a_damaged_word_file_is_one_line_from_the_real_converter(tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(OLE2 + b"\x00" * 600)
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(path), "--json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "antiword" in r.stderr, r.stderr
