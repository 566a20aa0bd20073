"""A hostile portal on 127.0.0.1 and a canary on 127.0.0.2: nothing reaches the canary, bad responses cost one URL."""

import json
import socket
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import FIXTURES

from nianbao.extractors import discovery
from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import Portal, crawl_portal
from nianbao.extractors.http import PoliteSession, UnsafeURL, blocked_address, normalise_url

REPORT = (FIXTURES / "real" / "pingtan_2025.html").read_bytes()
TITLE = "平潭综合实验区2025年政府信息公开工作年度报告"


class Server:
    """A tiny server: path -> (status, headers, body); records every request it gets."""

    def __init__(self, host: str, routes: dict):
        self.routes, self.hits = routes, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                outer.hits.append(self.path)
                status, headers, body = outer.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _loopback2_available() -> bool:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.2", 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _loopback2_available(), reason="127.0.0.2 cannot be bound on this machine")


@pytest.fixture
def canary():
    c = Server("127.0.0.2", {})
    yield c
    c.close()


def _html(items: list[tuple[str, str]], extra: str = "") -> bytes:
    lis = "".join(f'<li><a href="{href}">{title}</a></li>' for href, title in items)
    return f"<html><body><h1>政府信息公开年报</h1><ul>{lis}</ul>{extra}</body></html>".encode()


def test_hostile_portal_reaches_no_canary_and_each_bad_response_costs_one_url(canary):
    c = canary.url
    routes: dict = {}
    portal = Server("127.0.0.1", routes)
    p = portal.url
    hostname_port = p.split("//", 1)[1]
    deep = "[" * 5000 + "]" * 5000
    routes.update({
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/gknb/index.html": (200, {"Content-Type": "text/html; charset=utf-8"}, _html([
            (f"{c}/direct.html", "2019年政府信息公开工作年度报告"),
            (f"{c}\\@{hostname_port}/mismatch.html", "2020年政府信息公开工作年度报告"),
            ("/redirect-out.html", "2021年政府信息公开工作年度报告"),
            ("/redirect-mapped.html", "2018年政府信息公开工作年度报告"),
            (f"http://user:secret@{hostname_port}/creds.html", "2017年政府信息公开工作年度报告"),
            ("/bad-length.html", "2022年政府信息公开工作年度报告"),
            ("/good.html", TITLE),
        ], extra='<script>createPageHTML(' + "9" * 20000 + ', 0, "index", "html");</script>'
                 '<script>var api = "/api/list.json?page=1";</script>')),
        "/redirect-out.html": (302, {"Location": f"{c}/stolen"}, b""),
        "/redirect-mapped.html": (302, {"Location": f"http://[::ffff:127.0.0.2]:{c.rsplit(':', 1)[1]}/x"}, b""),
        "/bad-length.html": (200, {"Content-Type": "text/html", "Content-Length": "abc"}, REPORT),
        "/good.html": (200, {"Content-Type": "text/html; charset=utf-8"}, REPORT),
        "/api/list.json?page=1": (200, {"Content-Type": "application/json"}, deep.encode()),
    })
    try:
        with tempfile.TemporaryDirectory() as tmp:
            res = crawl_portal(Portal("hostile", "平潭综合实验区管委会", "350128", p + "/gknb/index.html", delay=0),
                               PoliteSession(delay=0, backoff=0.01, timeout=(2, 2)), Archive(tmp))
    finally:
        portal.close()
    assert canary.hits == []
    assert res.error is None
    # a malformed Content-Length is ignored (the body is capped as it is read); the good report after it is fetched
    assert sorted(r.url for r in res.new) == [p + "/bad-length.html", p + "/good.html"]
    rows = {r["url"]: r for r in res.log}
    assert rows[p + "/redirect-out.html"]["outcome"] == "off_site"
    assert "redirect leaves" in rows[p + "/redirect-out.html"]["detail"]
    assert rows[p + "/redirect-mapped.html"]["outcome"] == "off_site"
    assert not [u for u in rows if "secret" in u or "secret" in (rows[u]["detail"] or "")]


def test_dns_rebinding_connects_to_the_checked_address(canary, monkeypatch):
    """The name resolves to the portal once, then to the canary: the connection keeps the checked address."""
    portal = Server("127.0.0.1", {"/robots.txt": (200, {}, b""), "/a.html": (200, {}, b"portal")})
    port = portal.url.rsplit(":", 1)[1]
    answers = iter(["127.0.0.1"] + ["127.0.0.2"] * 50)
    real = socket.getaddrinfo

    def rebinding(host, *args, **kw):
        if host == "rebind.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 0))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    monkeypatch.setattr("urllib3.util.connection.socket.getaddrinfo", rebinding)
    # a host name is never allowed a private address, so 127.0.0.1 stands in for a public one here
    monkeypatch.setattr("nianbao.extractors.http.blocked_address", lambda address: address != "127.0.0.1")
    try:
        s = PoliteSession(delay=0, backoff=0.01)
        s.allow_portal(f"http://rebind.test:{port}/")
        r = s.fetch(f"http://rebind.test:{port}/a.html")
        assert r.ok and r.body == b"portal"
        assert canary.hits == []
    finally:
        portal.close()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000\\@www.example.gov.cn/x",
    "http://www.example.gov.cn#@127.0.0.1/x",
    "http://user:pw@www.example.gov.cn/x",
    "http://www.example.gov.cn /x",
    "gopher://www.example.gov.cn/",
])
def test_urls_read_differently_or_carrying_secrets_are_refused_or_normalised(url):
    try:
        out = normalise_url(url)
    except UnsafeURL:
        return
    # normalised: both parsers now agree on the host, which the address check then judges
    from urllib.parse import urlsplit

    from urllib3.util import parse_url
    assert urlsplit(out).hostname == parse_url(out).host


@pytest.mark.parametrize("address,blocked", [
    ("127.0.0.2", True), ("10.1.2.3", True), ("100.100.100.200", True), ("100.64.0.1", True),
    ("192.0.0.8", True), ("169.254.169.254", True), ("::1", True), ("::ffff:127.0.0.1", True),
    ("fd00::1", True), ("224.0.0.1", True), ("0.0.0.0", True), ("2002:7f00:1::", True),
    ("202.96.128.86", False), ("2400:3200::1", False),
])
def test_special_purpose_addresses_are_blocked(address, blocked):
    assert blocked_address(address) is blocked


def test_robots_txt_is_read_up_to_512_kb(canary):
    big = b"User-agent: *\nDisallow: /private/\n" + b"# filler\n" * (2 * 1024 * 1024)
    portal = Server("127.0.0.1", {"/robots.txt": (200, {}, big), "/private/a.html": (200, {}, b"x"),
                                  "/open.html": (200, {}, b"y")})
    try:
        s = PoliteSession(delay=0)
        s.allow_portal(portal.url + "/")
        assert s.fetch(portal.url + "/private/a.html").outcome == "robots_disallowed"
        assert s.fetch(portal.url + "/open.html").ok
    finally:
        portal.close()


def test_paging_scripts_and_replies_are_bounded():
    huge = '<script>createPageHTML(' + "9" * 50000 + ', 0, "index", "html");</script>'
    assert len(discovery.trs_pages(huge, "http://a.gov.cn/gknb/index.html")) == discovery.MAX_PAGES
    hanweb = ('<script type="text/xml"><datastore><totalrecord>1000000000</totalrecord><perpage>15</perpage>'
              '</datastore></script><script>var u="/module/web/jpage/dataproxy.jsp?col=1";</script>')
    assert len(discovery.hanweb_pages(hanweb, "http://a.gov.cn/col/index.html")) <= discovery.MAX_PAGES
    nested = json.dumps({"data": {"list": [{"title": "x", "url": "/a"}]}, "totalPages": 10**12})
    items, pages = discovery.json_links(nested, "http://a.gov.cn/api?page=1")
    assert len(pages) <= discovery.MAX_PAGES and items[0].url == "http://a.gov.cn/a"
    assert discovery.json_links("[" * 100000 + "]" * 100000, "http://a.gov.cn/api") == ([], [])
