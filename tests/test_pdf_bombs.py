"""Hostile PDFs cost one report, on time: page trees claiming or holding too many pages are refused before
they are walked, and a stream that inflates past the memory cap is stopped in its worker."""

import zlib

import pytest
from conftest import pdf_of

from nianbao.extractors.page import NotAReportError
from nianbao.extractors.pdf import parse_pdf
from nianbao.flows import parse_pool
from nianbao.flows.parse_pool import ParseLimitError
from nianbao.transforms.report import parse_report


def pdf(pages: int, count: int, content: bytes = b"") -> bytes:
    """A PDF of ``pages`` page objects whose page tree claims ``count``; each page draws ``content``
    (a FlateDecode stream) when given."""
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(content) + content + b"\nendstream"]
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"] * pages
    return pdf_of(objects)


def test_a_pdf_claiming_a_million_pages_is_refused_before_its_tree_is_walked():
    with pytest.raises(NotAReportError, match="1,000,000 pages, over the limit of 60"):
        parse_pdf(pdf(20000, 1_000_000, zlib.compress(b"BT ET")))


def test_a_page_tree_holding_more_pages_than_it_claims_is_counted_only_to_the_limit():
    with pytest.raises(NotAReportError, match="at least 61 pages"):
        parse_pdf(pdf(500, 1, zlib.compress(b"BT ET")))


@pytest.fixture
def one_worker(monkeypatch):
    parse_pool.shutdown()
    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "1")
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY_MB", "400")
    monkeypatch.setenv("NIANBAO_PARSE_SECONDS", "60")
    yield
    parse_pool.shutdown()


def test_a_stream_inflating_past_the_memory_cap_costs_one_report_in_its_worker(one_worker):
    bomb = pdf(1, 1, zlib.compress(b"q " * (600 * 1024 * 1024 // 2), 1))
    assert len(bomb) < 3_000_000
    with pytest.raises(ParseLimitError):
        parse_pool.submit(parse_report, bomb, "http://www.example.gov.cn/bomb.pdf").result()
    ok = parse_pool.submit(parse_report, b"<html><body><p>not a report</p></body></html>", "u")  # the next one
    with pytest.raises(NotAReportError):
        ok.result()
