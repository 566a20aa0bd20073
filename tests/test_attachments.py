"""Reports published only as attachments: crawled politely, archived, parsed and stored like pages."""

import math
import tempfile

from test_hostile_portal import Server

from nianbao.extractors.crawler import Portal
from nianbao.extractors.http import HostRegistry, PoliteSession
from nianbao.flows.pipeline import process_portal
from nianbao.sample_portal.pages import Report
from nianbao.sample_portal.pdfs import render_pdf


def _listing(items):
    lis = "".join(f'<li><a href="{h}">{t}</a></li>' for h, t in items)
    return f"<html><body><h2>政府信息公开年报</h2><ul>{lis}</ul></body></html>".encode()


def test_a_portal_whose_reports_are_attachments():
    rep22, rep23 = Report(2022, seed=5).fill(), Report(2023, seed=6).fill()
    pdf22, _ = render_pdf(rep22, 5)
    pdf23, _ = render_pdf(rep23, 6)
    link_page = ('<html><head><title>张掖市人民政府2022年政府信息公开工作年度报告</title></head><body>'
                 '<h1>张掖市人民政府2022年政府信息公开工作年度报告</h1>'
                 '<p>附件：<a href="/files/2022nb.pdf">张掖市2022年年报.pdf</a></p></body></html>').encode()
    routes = {
        "/robots.txt": (200, {}, b"User-agent: *\nAllow: /\n"),
        "/gknb/index.html": (200, {"Content-Type": "text/html; charset=utf-8"}, _listing([
            ("/gknb/2022.html", "张掖市人民政府2022年政府信息公开工作年度报告"),
            ("/files/2023nb.pdf", "张掖市人民政府2023年政府信息公开工作年度报告")])),
        "/gknb/2022.html": (200, {"Content-Type": "text/html; charset=utf-8"}, link_page),
        "/files/2022nb.pdf": (200, {"Content-Type": "application/pdf"}, pdf22),
        "/files/2023nb.pdf": (200, {"Content-Type": "application/pdf"}, pdf23),
    }
    server = Server("127.0.0.1", routes)
    try:
        portal = Portal("zy", "张掖市人民政府", "620700", server.url + "/gknb/index.html", delay=0)
        with tempfile.TemporaryDirectory() as tmp:
            hosts = HostRegistry()
            out = process_portal(portal, tmp, session=PoliteSession(delay=0, hosts=hosts))
            assert out.error is None
            by_year = {p.report["year"]: p for p in out.parsed}
            assert set(by_year) == {2022, 2023}
            r22, r23 = by_year[2022].report, by_year[2023].report
            assert (r22["source_url"], r22["document_url"], r22["source_kind"]) == \
                (server.url + "/gknb/2022.html", server.url + "/files/2022nb.pdf", "pdf")
            assert r23["source_url"] == r23["document_url"] == server.url + "/files/2023nb.pdf"
            for p, rep in ((by_year[2022], rep22), (by_year[2023], rep23)):
                got = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
                assert all(math.isclose(got[k], v) for k, v in rep.applications.items())
            stored = {p.report["content_sha256"] for p in out.parsed}
            hits = len(server.hits)
            again = process_portal(portal, tmp, session=PoliteSession(delay=0, hosts=hosts), stored_shas=stored)
            assert again.parsed == [] and again.unchanged == 2  # nothing re-parsed, nothing re-downloaded whole
            assert len(server.hits) > hits
    finally:
        server.close()


def test_reprocess_reads_attachments_from_the_archive(tmp_path):
    from nianbao.flows.pipeline import store_outcomes
    from nianbao.flows.reprocess import reprocess
    from nianbao.store.read import read_dataset

    rep = Report(2021, seed=8).fill()
    pdf, _ = render_pdf(rep, 8)
    page = ('<html><body><h1>张掖市人民政府2021年政府信息公开工作年度报告</h1>'
            '<p>附件：<a href="/f/2021.pdf">2021年报.pdf</a></p></body></html>').encode()
    server = Server("127.0.0.1", {"/robots.txt": (200, {}, b""),
                                  "/gknb/index.html": (200, {"Content-Type": "text/html; charset=utf-8"},
                                                       _listing([("/gknb/2021.html",
                                                                  "张掖市人民政府2021年政府信息公开工作年度报告")])),
                                  "/gknb/2021.html": (200, {"Content-Type": "text/html; charset=utf-8"}, page),
                                  "/f/2021.pdf": (200, {"Content-Type": "application/pdf"}, pdf)})
    try:
        portal = Portal("zy", "张掖市人民政府", "620700", server.url + "/gknb/index.html", delay=0)
        out = tmp_path / "store"
        o = process_portal(portal, out / "_archive", session=PoliteSession(delay=0, hosts=HostRegistry()))
        store_outcomes(out, [o], {"zy": portal}, 0.0, {})
    finally:
        server.close()
    before = read_dataset(out, "applications")
    result = reprocess(str(out))  # no network: the server is gone
    assert (result["reports"], result["kept"]) == (1, 0)
    after = read_dataset(out, "applications")
    assert len(after) == len(before) == len(rep.applications)
    assert read_dataset(out, "reports").document_url.item().endswith("/f/2021.pdf")
