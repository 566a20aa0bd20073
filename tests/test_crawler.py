"""The crawler against the sample portals on 127.0.0.1 (a real HTTP server)."""

import tempfile

import pytest

from nianbao.extractors.archive import Archive
from nianbao.extractors.crawler import Portal, crawl_portal, load_registry
from nianbao.extractors.discovery import classify_title
from nianbao.extractors.http import USER_AGENT, PoliteSession
from nianbao.sample_portal.server import SamplePortal, registry_rows
from nianbao.sample_portal.site import expected_reports, load_spec

DELAY = 0.1


def portals(base: str) -> list[Portal]:
    return [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=DELAY) for r in registry_rows(base)]


@pytest.fixture(scope="module")
def crawled():
    """One full crawl and a second one of the unchanged site, sharing an archive."""
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        archive = Archive(tmp)
        session = PoliteSession(delay=DELAY, backoff=0.05)
        first = [crawl_portal(p, session, archive) for p in portals(sp.url)]
        n_first = len(sp.log)
        session2 = PoliteSession(delay=DELAY, backoff=0.05)
        second = [crawl_portal(p, session2, archive) for p in portals(sp.url)]
        yield {"sp": sp, "first": first, "second": second, "log1": sp.log[:n_first], "log2": sp.log[n_first:],
               "archive": archive, "tmp": tmp}
        archive.close()


def _paths(results, base):
    return {r.url.replace(base, "") for res in results for r in res.new}


def test_every_report_found_and_no_decoy(crawled):
    found = _paths(crawled["first"], crawled["sp"].url)
    assert found == {r["path"] for r in expected_reports()}


def test_decoys_are_refused_and_logged(crawled):
    decoys = {d["title"] for p in load_spec()["portals"] for d in p.get("decoys", [])}
    logged = {row["detail"] for res in crawled["first"] for row in res.log if row["outcome"] == "not_a_report"}
    for title in decoys:
        assert any(title[:20] in d for d in logged), title
    assert classify_title("2021年政务公开工作要点") == "other"
    assert classify_title("山丹县2022年政府信息公开工作年度报告") == "report"


def test_failures_are_typed(crawled):
    rows = {row["url"].replace(crawled["sp"].url, ""): row for res in crawled["first"] for row in res.log}
    assert rows["/static/private/2022.html"]["outcome"] == "robots_disallowed"
    assert rows["http://offsite.example.com/sd/2016.html"]["outcome"] == "off_site"
    assert rows["/static/xxgk/gknb/2012/report.html"]["outcome"] == "soft_404"
    assert rows["/hanweb/art/2016/3/30/art_3079_150.html"]["outcome"] == "js_challenge"
    assert rows["/static/xxgk/gknb/2023/report.pdf"]["kind"] == "attachment"
    assert rows["/static/xxgk/gknb/2023/report.pdf"]["outcome"] == "ok"


def test_robots_obeyed_from_the_servers_side(crawled):
    assert not [r for r in crawled["log1"] + crawled["log2"] if r.path.startswith("/static/private/")]


def test_rate_limit_from_the_servers_side(crawled):
    # The client spaces request starts exactly; arrival times at the server add a little scheduling jitter.
    times = sorted(r.at for r in crawled["log1"])
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= DELAY - 0.03, min(gaps)
    assert sorted(gaps)[len(gaps) // 2] >= DELAY * 0.98


def test_user_agent_names_the_project(crawled):
    assert {r.headers["user-agent"] for r in crawled["log1"]} == {USER_AGENT}


def test_500_then_ok_is_retried(crawled):
    hits = [r.status for r in crawled["log1"] if r.path == "/hanweb/art/2024/3/30/art_3079_102.html"]
    assert hits == [500, 200]


def test_second_crawl_is_conditional_and_downloads_nothing(crawled):
    log2 = crawled["log2"]
    assert log2, "the second crawl made no requests at all"
    assert not [r for r in log2 if r.status == 200], [r.path for r in log2 if r.status == 200]
    pages = [r for r in log2 if r.status == 304]
    assert all("if-none-match" in r.headers for r in pages)
    assert sum(len(res.new) for res in crawled["second"]) == 0
    assert sum(res.unchanged for res in crawled["second"]) == len(expected_reports())


def test_archive_holds_every_response(crawled):
    archive = crawled["archive"]
    assert len(archive.documents("report")) >= len(expected_reports())
    doc = archive.document(crawled["sp"].url + "/trs/zwgk/zfxxgknb/202503/t20250330_1001.html")
    assert archive.body(doc.sha256).startswith(b"<!DOCTYPE html>")
    assert archive.count("not_modified") > 0


def test_changed_report_is_picked_up():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        archive = Archive(tmp)
        portal = portals(sp.url)[3]  # gaotai: small
        crawl_portal(portal, PoliteSession(delay=0.01), archive)
        path = "/api/gtx/art/2022.html"
        sp.change(path, sp.site[path].body.replace(b"<p>\xe6\x97\xa0\xe3\x80\x82</p>", b"<p>updated</p>"))
        again = crawl_portal(portal, PoliteSession(delay=0.01), archive)
        assert [r.url.replace(sp.url, "") for r in again.new] == [path]
        assert again.unchanged == 3
        archive.close()


def test_since_bounds_the_walk():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        archive = Archive(tmp)
        res = crawl_portal(portals(sp.url)[0], PoliteSession(delay=0.01), archive, since=2021)
        years = sorted(int(r.url.split("/")[-1][1:5]) - 1 for r in res.new)
        assert years == [2021, 2022, 2023, 2024]
        archive.close()


def test_private_addresses_refused_unless_the_portal_is_there():
    with SamplePortal() as sp:
        s = PoliteSession(delay=0)
        r = s.fetch(sp.url + "/robots.txt")
        assert r.outcome == "off_site" and "private" in r.detail
        assert sp.log == []
        s.allow_portal(sp.url + "/static/xxgk/index.html")
        assert s.fetch(sp.url + "/static/xxgk/index.html").outcome == "ok"
        assert s.fetch("file:///etc/passwd").outcome == "off_site"


def test_registry_seed_is_valid():
    reg = load_registry("data/portals.csv")
    provinces = {p.adcode for p in reg if p.adcode.endswith("0000")}
    assert len(provinces) == 31
    assert all(p.entry_url.startswith(("http://", "https://")) for p in reg)
    import csv
    spam = {r["host"] for r in csv.DictReader(open("data/spam_mirrors_seen.csv", encoding="utf-8"))}
    from urllib.parse import urlsplit
    assert not [p for p in reg if urlsplit(p.entry_url).netloc in spam]


def test_crawl_delay_in_robots_slows_the_host():
    with SamplePortal() as sp:
        sp.site["/robots.txt"].body = b"User-agent: *\nCrawl-delay: 0.3\nDisallow: /static/private/\n"
        s = PoliteSession(delay=0.0)
        s.allow_portal(sp.url + "/")
        for path in ("/static/xxgk/index.html", "/static/xxgk/gknb/index.html", "/api/gtx/gknb.html"):
            assert s.fetch(sp.url + path).ok
        times = [r.at for r in sp.log if r.path != "/robots.txt"]
        assert min(b - a for a, b in zip(times, times[1:], strict=False)) >= 0.27


def test_home_with_a_latest_box_still_walks_the_whole_column():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        home = sp.site["/static/xxgk/index.html"]
        latest = '<li><a href="/static/xxgk/gknb/2024/report.html">山丹县人民政府2024年政府信息公开工作年度报告</a></li>'
        home.body = home.body.replace(b"</ul>", latest.encode() + b"</ul>")
        res = crawl_portal(portals(sp.url)[2], PoliteSession(delay=0.01), Archive(tmp))
        wanted = {r["path"] for r in expected_reports() if r["publisher"] == "山丹县人民政府"}
        assert {r.url.replace(sp.url, "") for r in res.new} == wanted


def test_an_unreachable_portal_is_a_recorded_failure():
    with SamplePortal() as sp, tempfile.TemporaryDirectory() as tmp:
        bad = Portal("gone", "某县人民政府", "620725", sp.url + "/no/such/column/", delay=0.01)
        res = crawl_portal(bad, PoliteSession(delay=0.01), Archive(tmp))
        assert res.error and "http_4xx" in res.error
        assert [r["outcome"] for r in res.log if r["url"] == bad.entry_url] == ["http_4xx", "not_a_report"]


def test_hanweb_dataproxy_is_called_with_post_as_its_config_says(crawled):
    calls = [r for r in crawled["log1"] if "dataproxy.jsp" in r.path]
    assert calls and all(r.method == "POST" and r.status == 200 for r in calls)
