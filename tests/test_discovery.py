"""Listing-page reading: titles, decoys, pagination conventions."""
import json

import pytest

from nianbao.extractors.discovery import (
    classify_title,
    hanweb_pages,
    hanweb_records,
    json_links,
    links,
    next_pages,
    report_year_of,
    trs_pages,
)


@pytest.mark.parametrize("title,kind", [
    ("张掖市人民政府2023年政府信息公开工作年度报告", "report"),
    ("2023年度政府信息公开工作报告", "report"),
    ("甘州区2021年政府信息公开年报", "report"),
    ("二〇一九年度政府信息公开工作年度报告", "report"),
    ("张掖市2020年政府网站工作年度报表", "decoy"),
    ("关于做好2020年政府信息公开工作年度报告编制发布工作的通知", "decoy"),
    ("2022年政府信息公开工作年度报告格式说明", "decoy"),
    ("《2023年政府信息公开工作年度报告》解读", "decoy"),
    ("2021年政务公开工作要点", "other"),
    ("张掖市人民政府2023年政府信息公开工作年...", "report"),  # a listing cut the title
    ("关于做好2023年政府信息公开工作年度报告编...", "decoy"),
    ("关于召开全市政务公开工作会议的通知", "other"),
])
def test_titles(title, kind):
    assert classify_title(title) == kind


def test_years_in_titles():
    assert report_year_of("二〇一九年度政府信息公开工作年度报告") == 2019
    assert report_year_of("张掖市2008年政府信息公开工作年度报告") == 2008


def test_trs_paging_with_a_variable():
    page = ('<script>var currentPage = 0;\nvar countPage = 3//共多少页\n'
            'createPageHTML(countPage, currentPage, "index", "html");</script>')
    assert trs_pages(page, "http://x.gov.cn/gknb/index.html") == [
        "http://x.gov.cn/gknb/index.html", "http://x.gov.cn/gknb/index_1.html", "http://x.gov.cn/gknb/index_2.html"]
    assert trs_pages('createPageHTML(2, 0, "index", "shtml")', "http://x.gov.cn/a/") == [
        "http://x.gov.cn/a/index.shtml", "http://x.gov.cn/a/index_1.shtml"]


def test_hanweb_recordset_and_dataproxy():
    page = ('<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1'
            '&appid=1&webid=2&path=/&columnid=77&unitid=88&permissiontype=0"></a>]]></nextgroup><recordset>'
            '<record><![CDATA[<li><a href="/art/2024/3/1/art_77_1.html" '
            'title="某县2023年政府信息公开工作年度报告">某县2023年…</a></li>]]></record>'
            '</recordset><totalrecord>31</totalrecord><perpage>10</perpage></datastore></script>')
    recs = hanweb_records(page, "http://x.gov.cn/col/col77/index.html")
    assert [(r.url, r.text) for r in recs if r.text] == [
        ("http://x.gov.cn/art/2024/3/1/art_77_1.html", "某县2023年政府信息公开工作年度报告")]
    pages = hanweb_pages(page, "http://x.gov.cn/col/col77/index.html")
    assert pages and all("columnid=77" in p and "startrecord=" in p for p in pages)
    assert "startrecord=2" in pages[0]


def test_next_links_and_json_api():
    html = ('<a href="index_1.html">下一页</a><a href="index_5.html">尾页</a><a href="/other/x.html">其他</a>'
            '<div data-api="/api/list.json?page=1"></div>')
    got = next_pages(html, "http://x.gov.cn/gknb/index.html", links(html, "http://x.gov.cn/gknb/index.html"))
    assert "http://x.gov.cn/gknb/index_1.html" in got and "http://x.gov.cn/gknb/index_5.html" in got
    assert "http://x.gov.cn/api/list.json?page=1" in got
    items, more = json_links('{"data": {"totalPages": 3, "list": [{"title": "t", "url": "/a.html"}]}}',
                             "http://x.gov.cn/api/list.json?page=1")
    assert items[0].url == "http://x.gov.cn/a.html"
    assert more == ["http://x.gov.cn/api/list.json?page=2", "http://x.gov.cn/api/list.json?page=3"]


def test_a_list_api_paged_by_the_parameters_its_config_names():
    from nianbao.extractors.discovery import json_apis, json_links

    page = ('<html><body><div id="list"></div><script>new NewsList({url: "/api/gknb/list", pageParam: "pn", '
            'sizeParam: "ps", pageSize: 5, method: "GET"});</script></body></html>')
    first = json_apis(page, "http://www.a.gov.cn/gknb/index.html")[0]
    assert first == "http://www.a.gov.cn/api/gknb/list?pn=1&ps=5"
    reply = json.dumps({"code": 0, "data": {"total": 12, "rows": [
        {"title": f"{y}年政府信息公开工作年度报告", "url": f"/gknb/{y}.html"} for y in range(2020, 2025)]}})
    items, pages = json_links(reply, first)
    assert len(items) == 5
    assert pages == ["http://www.a.gov.cn/api/gknb/list?pn=2&ps=5", "http://www.a.gov.cn/api/gknb/list?pn=3&ps=5"]
    huge = json.dumps({"total": 10**12, "rows": []})
    assert len(json_links(huge, first)[1]) <= 500


def _reply(rows, **fields) -> str:
    return json.dumps({"code": 0, "data": {**fields, "records": [{"title": t, "url": u} for t, u in rows]}})


ROWS = [(f"2019年政府信息公开工作年度报告{i}", f"/r{i}.html") for i in range(5)]


@pytest.mark.parametrize("url, fields, want", [
    # page numbers from 1, a record count, the size asked for
    ("http://x.gov.cn/api/list?pageNo=1&pageSize=5", {"totalCount": 12}, ["pageNo=2", "pageNo=3"]),
    # pages counted from 0: page 0 first, the last page is pages - 1
    ("http://x.gov.cn/api/list?page=0&size=5", {"totalPage": 3}, ["page=1", "page=2"]),
    ("http://x.gov.cn/api/list?current=1&size=5", {"recordsTotal": 11}, ["current=2", "current=3"]),
    # offsets: offset/limit and start/rows
    ("http://x.gov.cn/api/list?offset=0&limit=5", {"total": 12}, ["offset=5", "offset=10"]),
    ("http://x.gov.cn/api/list?start=0&rows=5", {"count": 7}, ["start=5"]),
    # no total: the next page only, while pages hold items
    ("http://x.gov.cn/api/list?pageIndex=2&pageSize=5", {}, ["pageIndex=3"]),
    ("http://x.gov.cn/api/list?offset=10&limit=5", {}, ["offset=15"]),
    # the URL names no page; the reply says which page it is and how many records there are
    ("http://x.gov.cn/api/list", {"pageNo": 1, "total": 12}, ["pageNo=2", "pageNo=3"]),
])
def test_list_apis_are_paged_however_they_count(url, fields, want):
    items, pages = json_links(_reply(ROWS, **fields), url)
    assert [i.url for i in items] == [f"http://x.gov.cn/r{i}.html" for i in range(5)]
    from urllib.parse import parse_qsl, urlsplit

    asked = dict(parse_qsl(urlsplit(url).query))
    assert [dict(parse_qsl(urlsplit(p).query)) for p in pages] == [dict(asked, **dict([w.split("=")])) for w in want]


def test_an_empty_page_without_a_total_ends_the_walk():
    assert json_links(_reply([]), "http://x.gov.cn/api/list?page=4&size=5")[1] == []
