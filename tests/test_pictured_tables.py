"""A report page whose statistics tables are pictures (pasted scans): the crawler fetches the page's pictures
and the pipeline reads them by OCR into the page's report."""

import io
import math
import re

import pytest

from nianbao.extractors import discovery, ocr
from nianbao.extractors.crawler import FetchedReport, Portal
from nianbao.flows.pipeline import parse_fetched
from nianbao.sample_portal.pages import Report, parsed_cells, render
from nianbao.sample_portal.pdfs import render_pdf
from nianbao.sample_portal.scans import scan


def test_pictures_are_candidates_only_on_pages_without_tables():
    page = '<html><body><p>一、总体情况</p><img src="/u/t1.png"><img src="logo.gif"><img src="t2.JPG?x=1">' \
           '<img src="/u/t1.png"></body></html>'
    assert [link.url for link in discovery.table_images(page, "http://a.gov.cn/r/1.html")] == \
        ["http://a.gov.cn/u/t1.png", "http://a.gov.cn/r/t2.JPG?x=1"]
    assert discovery.table_images(page.replace("<p>", "<table><tr><td>x</td></tr></table><p>"), "http://a.gov.cn/") == []


@pytest.mark.skipif(not ocr.available(), reason="the OCR extra is not installed: pip install 'nianbao[ocr]'")
def test_a_page_with_its_tables_as_pictures_is_read_with_them():
    rep = Report(2022, seed=11).fill()
    html = re.sub(r"<table.*?</table>", '<p><img src="t.png"></p>', render(rep), flags=re.S)
    pdf, _ = render_pdf(rep, 11)
    pictures = []
    for image in scan(pdf, 200, 0.6, 5, 3):
        buf = io.BytesIO()
        image.save(buf, "PNG")
        pictures.append(("http://a.gov.cn/t.png", buf.getvalue(), "image/png"))
    fetched = FetchedReport("http://a.gov.cn/r.html", "", html.encode("utf-8"), "text/html; charset=utf-8", None,
                            "sha", pictures)
    p = parse_fetched(fetched, Portal("zhangye", "张掖市人民政府", "620700", "http://a.gov.cn/"))
    assert p.report["year"] == 2022 and p.report["publisher"] == "张掖市人民政府"
    assert "tables read by OCR from 2 picture(s) in the page" in p.report["warnings"]
    got = parsed_cells(p)
    want = {k: v for k, v in rep.cells().items() if k[0] in ("a", "b")}  # sections 二 and 三
    right = sum(1 for k, v in want.items() if got.get(k) is not None and math.isclose(got[k], v))
    assert right >= 0.95 * len(want)
