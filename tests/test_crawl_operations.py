"""Crawling as an operator runs it: one politeness budget per host, true outcomes, bounded responses."""

import socket
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import Portal, crawl_portal
from nianbao.extractors.discovery import classify_title, report_year_of
from nianbao.extractors.http import HostRegistry, PoliteSession
from nianbao.flows.pipeline import process_portal
from nianbao.sample_portal.server import SamplePortal, registry_rows
from nianbao.sample_portal.site import expected_reports


def test_portals_on_one_host_share_one_budget():
    """Four portals on one host, crawled at once with a session each (as portal tasks run): the server sees
    its requests spaced by the delay, and robots.txt once."""
    delay = 0.25
    hosts = HostRegistry()
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        portals = [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=delay)
                   for r in registry_rows(sp.url)]

        def run(p):
            return process_portal(p, tmp, session=PoliteSession(delay=delay, backoff=0.05, hosts=hosts))

        with ThreadPoolExecutor(4) as pool:
            outcomes = list(pool.map(run, portals))
        times = sorted(r.at for r in sp.log)
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        assert min(gaps) >= delay * 0.9, sorted(gaps)[:5]
        assert [r.path for r in sp.log].count("/robots.txt") == 1
        found = {p.report["source_url"].replace(sp.url, "") for o in outcomes for p in o.parsed}
        assert found == {r["path"] for r in expected_reports()}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_host_is_unreachable_not_robots_disallowed():
    url = f"http://127.0.0.1:{_closed_port()}/gknb/index.html"
    with tempfile.TemporaryDirectory() as tmp:
        res = crawl_portal(Portal("gone", "某县人民政府", "620725", url, delay=0),
                           PoliteSession(delay=0, retries=1, backoff=0.01, hosts=HostRegistry()), Archive(tmp))
    outcomes = {r["outcome"] for r in res.log if r["url"] == url}
    assert "unreachable" in outcomes and "robots_disallowed" not in outcomes
    assert res.error and "unreachable" in res.error


class _Drip(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(200):
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.05)


def test_a_dripping_server_is_cut_off_at_the_deadline():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/slow.html"
        s = PoliteSession(delay=0, retries=0, deadline=1.0, timeout=(2, 2), hosts=HostRegistry())
        s.allow_portal(url)
        started = time.monotonic()
        r = s.fetch(url)
        assert r.outcome == "timeout" and "within 1 s" in r.detail
        assert time.monotonic() - started < 5
    finally:
        server.shutdown()
        server.server_close()


def test_titles_with_circle_zeros_are_reports():
    for title in ("二○一○年政府信息公开工作年度报告", "某县二〇一二年政府信息公开年报", "二零一五年度政府信息公开工作报告"):
        assert classify_title(title) == "report", title
    assert report_year_of("二○一○年政府信息公开工作年度报告") == 2010


def test_a_short_legacy_report_mentioning_revocation_is_not_a_soft_404():
    from nianbao.extractors.discovery import is_soft_404

    report = ("<html><body><h1>某局2012年政府信息公开工作年度报告</h1><p>全年主动公开政府信息35条。未收到政府信息公开申请。"
              "因政府信息公开申请行政复议1件，已撤销。</p></body></html>")
    assert not is_soft_404(report)
    assert is_soft_404("<html><body><p>对不起，该信息已撤销或页面不存在。</p></body></html>")


def test_waits_beyond_the_cap_defer_the_url_and_budgets_bound_a_portal():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        sp.site["/robots.txt"].body = b"User-agent: *\nCrawl-delay: 3600\n"
        s = PoliteSession(delay=0, hosts=HostRegistry())
        s.allow_portal(sp.url + "/")
        started = time.monotonic()
        r = s.fetch(sp.url + "/static/xxgk/index.html")
        assert r.outcome == "deferred" and "Crawl-delay" in r.detail and time.monotonic() - started < 5
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        row = registry_rows(sp.url)[0]
        portal = Portal(row["id"], row["publisher"], row["adcode"], row["entry_url"], delay=0, max_requests=4)
        res = crawl_portal(portal, PoliteSession(delay=0, hosts=HostRegistry()), Archive(tmp))
        assert len([r for r in sp.log if r.path != "/robots.txt"]) == 4
        assert any(r["outcome"] == "deferred" for r in res.log)


def _fetch_pages(base: str, shared: str, delay: float, n: int) -> None:
    from nianbao.extractors.http import PoliteSession, hosts_sharing

    s = PoliteSession(delay=delay, hosts=hosts_sharing(shared))
    s.allow_portal(base + "/")
    for _ in range(n):
        s.fetch(base + "/static/xxgk/index.html")


def test_processes_sharing_a_directory_share_one_budget_per_host(tmp_path):
    """Dask workers are processes (or machines): the per-host spacing holds across them through the archive's
    disk, which they all mount."""
    import multiprocessing

    delay = 0.2
    with SamplePortal() as sp:
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=_fetch_pages, args=(sp.url, str(tmp_path / "_hosts"), delay, 5)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(120)
        times = sorted(r.at for r in sp.log if r.path != "/robots.txt")
        assert len(times) == 15
        gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
        # spacing is kept where requests start; the server logs arrivals, which a descheduled process can skew
        # by some tens of ms on a loaded machine (without the shared gate the gaps are ~0)
        assert min(gaps) >= delay * 0.7, sorted(gaps)[:4]
        assert times[-1] - times[0] >= 14 * delay * 0.95
