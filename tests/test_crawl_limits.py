"""What a hostile or slow portal can cost: one URL, or one portal's bounded share of the night, never the run.

Real servers on 127.0.0.1; names that resolve elsewhere are answered by a patched resolver and never connected.
"""

import json
import socket
import threading
import time

import pytest
from test_hostile_portal import Server

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import Portal, crawl_portal
from nianbao.extractors.http import (
    MAX_WAIT,
    STOP,
    HostPolicy,
    HostRegistry,
    PoliteSession,
    blocked_address,
    check_delay,
    gate_file_name,
)


@pytest.fixture(autouse=True)
def _no_stop():
    STOP.clear()
    yield
    STOP.clear()


def _in_time(fn, seconds: float):
    """fn() run in a thread; fails the test when it has not returned within ``seconds``."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), f"still running after {seconds} s"
    return box.get("value")


# -- the per-host gate ---------------------------------------------------------------------------------------

def test_a_254_character_host_gets_a_short_safe_gate_file(tmp_path):
    host = ".".join(["a" * 63] * 3 + ["b" * 56]) + ".gov.cn"
    assert len(host) > 250
    name = gate_file_name(host + ":8080")
    assert len(name.encode()) < 100 and "/" not in name
    assert gate_file_name(host) != gate_file_name(host + ":8080")  # distinct hosts keep distinct gates
    gate = HostRegistry(shared_dir=tmp_path).gate(host, HostPolicy(0.0, 1))
    for _ in range(3):  # a slot taken is given back each time
        _in_time(lambda: gate.__enter__() and gate.__exit__(None, None, None), 5)


@pytest.mark.parametrize("stored", ["inf", "nan", "-inf", "1e300", "garbage", "in 1e7 s"])
def test_a_gate_file_from_a_stopped_or_broken_run_does_not_block_the_next_crawl(tmp_path, stored):
    hosts = HostRegistry(shared_dir=tmp_path)
    stored = str(time.time() + 1e7) if stored == "in 1e7 s" else stored  # (ids the same in every test process)
    (tmp_path / gate_file_name("portal.gov.cn")).write_text(stored)
    gate = hosts.gate("portal.gov.cn", HostPolicy(0.0, 1))
    started = time.monotonic()
    _in_time(lambda: gate.__enter__() and gate.__exit__(None, None, None), 5)
    assert time.monotonic() - started < 2


def test_a_gate_whose_file_cannot_be_opened_falls_back_and_gives_its_slot_back(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the gate directory should be")
    gate = HostRegistry(shared_dir=blocker).gate("portal.gov.cn", HostPolicy(0.0, 1))
    for _ in range(3):
        _in_time(lambda: gate.__enter__() and gate.__exit__(None, None, None), 5)


def test_a_signal_ends_a_wait_at_the_gate_at_once():
    gate = HostRegistry().gate("slow.gov.cn", HostPolicy(MAX_WAIT, 2))
    gate.__enter__()
    gate.__exit__(None, None, None)
    threading.Timer(0.3, STOP.set).start()
    started = time.monotonic()
    _in_time(lambda: gate.__enter__() and gate.__exit__(None, None, None), 5)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("bad", ["1e7", "inf", "nan", "-1", "soon"])
def test_a_delay_over_the_cap_is_refused_in_one_line(bad):
    with pytest.raises(ValueError, match="delay"):
        check_delay(bad)
    assert check_delay("2.5") == 2.5


def test_the_cli_refuses_a_delay_that_would_hold_a_host_for_days(tmp_path, capsys):
    from nianbao.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["crawl", "--portal", "http://127.0.0.1:9/", "--publisher", "x", "--adcode", "110000",
              "--out", str(tmp_path), "--delay", "1e7"])
    assert exit_.value.code == 2
    assert "delay" in capsys.readouterr().err


# -- slow servers ------------------------------------------------------------------------------------------

class DripServer:
    """Accepts connections and sends a response's headers one byte every ``interval`` seconds, forever."""

    def __init__(self, interval: float = 0.2):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.interval, self.connections, self.closed = interval, 0, False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn):
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100000:
                conn.sendall(bytes([byte]))
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.closed = True
        self.sock.close()


def _fetch_dripped(drip: DripServer, during=None, **session):
    """(response, seconds) of one fetch from a dripping server, ``during()`` started beside it; the server
    is closed after."""
    try:
        s = PoliteSession(delay=0, respect_robots=False, **session)
        s.allow_portal(drip.url + "/")
        if during is not None:
            during()
        started = time.monotonic()
        r = _in_time(lambda: s.fetch(drip.url + "/report.html"), 15)
        return r, time.monotonic() - started
    finally:
        drip.close()


def test_a_server_dripping_its_headers_is_cut_off_at_the_deadline_and_not_retried_past_it():
    r, took = _fetch_dripped(DripServer(), backoff=0.01, retries=3, deadline=2.0)
    assert r.outcome == "timeout" and "within 2 s" in r.detail
    assert took < 4  # one URL costs its deadline, whatever the retries


def test_a_portal_stops_at_its_deadline_and_says_what_it_left(tmp_path):
    many = "".join(f'<li><a href="/r{i}.html">2020年政府信息公开工作年度报告{i}</a></li>' for i in range(40))
    routes = {"/robots.txt": (200, {}, b""), "/": (200, {}, f"<ul>{many}</ul>".encode())}
    routes.update({f"/r{i}.html": (200, {}, b"<p>x</p>") for i in range(40)})
    server = Server("127.0.0.1", routes)
    try:
        portal = Portal("slow", "某县人民政府", "110101", server.url + "/", delay=0.2, max_seconds=1.5)
        archive = Archive(tmp_path / "a")
        started = time.monotonic()
        res = crawl_portal(portal, PoliteSession(delay=0.2, respect_robots=False), archive)
        assert time.monotonic() - started < 5
        left = [r for r in res.log if r["kind"] == "portal" and r["outcome"] == "deferred"]
        assert len(left) == 1 and "1.5 s for this run are spent" in left[0]["detail"]
        fetched = [r for r in res.log if r["kind"] == "report"]
        assert 1 <= len(fetched) < 40
        assert f"{40 - len(fetched)} URL(s) left" in left[0]["detail"]
    finally:
        server.close()


def test_a_link_farm_costs_its_budget_and_one_row_not_a_row_per_link(tmp_path):
    links = "".join(f'<li><a href="/r{i}.html">2020年政府信息公开工作年度报告{i}</a></li>' for i in range(20000))
    routes = {"/robots.txt": (200, {}, b""), "/": (200, {}, f"<ul>{links}</ul>".encode())}
    server = Server("127.0.0.1", routes)
    try:
        portal = Portal("farm", "某县人民政府", "110101", server.url + "/", max_requests=25)
        res = crawl_portal(portal, PoliteSession(delay=0, respect_robots=False), Archive(tmp_path / "a"))
        assert len(server.hits) == 25
        assert len(res.log) <= 30
        left = [r for r in res.log if r["outcome"] == "deferred"]
        assert len(left) == 1 and "budget of 25 requests" in left[0]["detail"]
    finally:
        server.close()


# -- addresses ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("address", ["::127.0.0.1", "::10.0.0.1", "::169.254.169.254", "::"])
def test_ipv4_compatible_ipv6_forms_of_private_addresses_are_blocked(address):
    assert blocked_address(address)


@pytest.mark.parametrize("resolves_to", ["10.0.0.5", "100.100.100.200", "169.254.169.254", "127.0.0.1"])
def test_a_registry_host_whose_name_points_at_a_private_address_is_not_crawled(monkeypatch, resolves_to):
    real = socket.getaddrinfo

    def resolver(host, *args, **kw):
        if host == "portal.example.gov.cn":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (resolves_to, 0))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    s = PoliteSession(delay=0, respect_robots=False, retries=0)
    s.allow_portal("http://portal.example.gov.cn/xxgk/ndbg/")
    r = s.fetch("http://portal.example.gov.cn/xxgk/ndbg/")
    assert r.outcome == "off_site" and "non-public address" in r.detail


def test_a_portal_named_by_its_private_address_is_still_crawled():
    server = Server("127.0.0.1", {"/a.html": (200, {}, b"portal")})
    try:
        s = PoliteSession(delay=0, respect_robots=False)
        s.allow_portal(server.url + "/")
        assert s.fetch(server.url + "/a.html").body == b"portal"
    finally:
        server.close()


def test_a_signal_cuts_a_request_in_flight_at_once():
    from nianbao.extractors.http import stop_requests

    r, took = _fetch_dripped(DripServer(interval=1.0), lambda: threading.Timer(0.5, stop_requests).start(),
                             retries=3, deadline=100.0)
    assert r.outcome == "cancelled" and took < 5


def test_a_hostile_portal_costs_one_url_or_one_report_each_and_the_good_report_is_read(tmp_path, monkeypatch):
    """A dripping report, a report whose attachment is a PDF bomb, the same page at two URLs and a good report,
    crawled and parsed as the flows do: each bad one costs itself, on time, and the good one is stored."""
    import zlib

    from conftest import FIXTURES, pdf_of

    from nianbao.flows import parse_pool
    from nianbao.flows.pipeline import process_portal

    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "1")
    monkeypatch.setenv("NIANBAO_PARSE_MEMORY_MB", "400")
    parse_pool.shutdown()
    good = (FIXTURES / "real" / "pingtan_2025.html").read_bytes()
    bomb = pdf_of([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                   b"<< /Length 0 /Filter /FlateDecode >>\nstream\n" + zlib.compress(b"q " * 300_000_000, 1) +
                   b"\nendstream",
                   b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>"])
    drip = DripServer()
    drip_url = drip.url + "/drip.html"
    titles = {"/good.html": 2025, "/mirror.html": 2025, "/bomb.html": 2021}
    links = "".join(f'<li><a href="{u}">{y}年政府信息公开工作年度报告</a></li>' for u, y in titles.items())
    links += f'<li><a href="{drip_url}">2022年政府信息公开工作年度报告</a></li>'
    server = Server("127.0.0.1", {
        "/robots.txt": (200, {}, b""), "/": (200, {}, f"<ul>{links}</ul>".encode()),
        "/good.html": (200, {"Content-Type": "text/html; charset=utf-8"}, good),
        "/mirror.html": (200, {"Content-Type": "text/html; charset=utf-8"}, good),
        "/bomb.html": (200, {"Content-Type": "text/html; charset=utf-8"},
                       '<h1>2021年政府信息公开工作年度报告</h1><p>附件：<a href="/bomb.pdf">年报.pdf</a></p>'.encode()),
        "/bomb.pdf": (200, {"Content-Type": "application/pdf"}, bomb),
    })
    try:
        portal = Portal("hostile", "平潭综合实验区管委会", "350128", server.url + "/")
        session = PoliteSession(delay=0, retries=2, backoff=0.01, deadline=2.0)
        outcome = _in_time(lambda: process_portal(portal, tmp_path / "archive", session=session), 120)
    finally:
        server.close()
        drip.close()
        parse_pool.shutdown()
    rows = {r["url"].rsplit("/", 1)[1]: r for r in outcome.log if r["kind"] == "report"}
    assert rows["drip.html"]["outcome"] in ("timeout", "unreachable")  # its robots.txt drips first
    assert rows["bomb.html"]["outcome"] == "parse_error" and "ParseLimitError" in rows["bomb.html"]["detail"]
    assert {rows["good.html"]["outcome"], rows["mirror.html"]["outcome"]} == {"ok", "duplicate"}
    assert [p.report["publisher"] for p in outcome.parsed] == ["平潭综合实验区管委会"]


def _api_portal(pages: dict[str, list[int]], total: dict | None) -> tuple[dict, str]:
    """Routes of a column whose list is filled by a JSON API; ``pages`` maps each query the API answers to the
    report numbers it lists, the first being the one the column page names."""
    routes = {"/robots.txt": (200, {}, b"")}
    first = next(iter(pages))
    routes["/ndbg/"] = (200, {}, f'<h1>政府信息公开年报</h1><div id="list" data-api="/api/list?{first}"></div>'.encode())
    for query, numbers in pages.items():
        rows = [{"title": f"{2010 + n}年政府信息公开工作年度报告", "url": f"/ndbg/r{n}.html"} for n in numbers]
        routes[f"/api/list?{query}"] = (200, {"Content-Type": "application/json"},
                                        json.dumps({"data": {**(total or {}), "list": rows}}).encode())
    for n in range(15):
        routes[f"/ndbg/r{n}.html"] = (200, {}, b"<p>x</p>")
    return routes, first


@pytest.mark.parametrize("pages, total", [
    ({"page=0&size=5": [0, 1, 2, 3, 4], "page=1&size=5": [5, 6, 7, 8, 9], "page=2&size=5": [10, 11, 12, 13, 14]},
     {"totalPages": 3}),
    ({"offset=0&limit=5": [0, 1, 2, 3, 4], "offset=5&limit=5": [5, 6, 7, 8, 9],
      "offset=10&limit=5": [10, 11, 12, 13, 14]}, {"recordsTotal": 15}),
    ({"pageNo=1&pageSize=5": [0, 1, 2, 3, 4], "pageNo=2&pageSize=5": [5, 6, 7, 8, 9],
      "pageNo=3&pageSize=5": [10, 11, 12, 13, 14], "pageNo=4&pageSize=5": []}, None),  # no total: until empty
])
def test_a_json_list_api_is_walked_to_its_last_page(tmp_path, pages, total):
    routes, _ = _api_portal(pages, total)
    server = Server("127.0.0.1", routes)
    try:
        portal = Portal("api", "某县人民政府", "110101", server.url + "/ndbg/")
        res = crawl_portal(portal, PoliteSession(delay=0, respect_robots=False), Archive(tmp_path / "a"))
        assert sorted(r.url for r in res.new) == sorted(f"{server.url}/ndbg/r{n}.html" for n in range(15))
    finally:
        server.close()


def test_an_api_that_ignores_the_page_asked_for_is_not_walked_300_times(tmp_path):
    routes, _ = _api_portal({"pageIndex=1&pageSize=5": [0, 1, 2, 3, 4]}, None)
    same = routes["/api/list?pageIndex=1&pageSize=5"]
    for n in range(2, 400):
        routes[f"/api/list?pageIndex={n}&pageSize=5"] = same
    server = Server("127.0.0.1", routes)
    try:
        portal = Portal("api", "某县人民政府", "110101", server.url + "/ndbg/")
        res = crawl_portal(portal, PoliteSession(delay=0, respect_robots=False), Archive(tmp_path / "a"))
        assert len(res.new) == 5
        assert sum(1 for h in server.hits if h.startswith("/api/")) <= 3
    finally:
        server.close()


class BodyDripServer(DripServer):
    """Sends whole headers at once, then its body (no length given) a byte at a time, without end."""

    def _drip(self, conn):
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
            while True:
                conn.sendall(b"a")
                time.sleep(self.interval)
        except OSError:
            pass
        finally:
            conn.close()


def test_a_body_cut_off_at_the_deadline_is_a_timeout_never_a_truncated_page():
    r, _ = _fetch_dripped(BodyDripServer(interval=0.2), retries=0, deadline=1.5)
    assert r.outcome == "timeout" and r.body == b""
