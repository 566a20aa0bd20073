"""The bundled sample portals, built from data/sample_portal/site.json.

Four portals in the styles real government sites use (TRS with
createPageHTML paging and GBK pages; Hanweb with CDATA recordsets and a
dataproxy.jsp endpoint; a plain static site with 下一页 links reached from
its 信息公开 home; a JSON list API), about thirty reports from 2008 to 2024
in the layouts the parser handles, and the traps a crawler meets: decoys,
an attachment, a robots.txt Disallow, a 500-then-OK page, a slow page, a
redirect, a soft 404, a 412 challenge and an off-site link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from nianbao.data import data_file
from nianbao.sample_portal.pages import LegacyReport, Report, render, render_legacy

SPEC = data_file("sample_portal/site.json")


@dataclass
class Resource:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    behaviour: str = ""  # "", fail_once, slow, challenge, redirect:<path>


def report_title(publisher: str, year: int) -> str:
    return f"{publisher}{year}年政府信息公开工作年度报告"


def report_page(entry: dict) -> str:
    year, publisher, seed = entry["year"], entry["publisher"], entry.get("seed", entry["year"])
    if year <= 2018:
        return render_legacy(LegacyReport(year, publisher, seed).fill())
    damage = {k: v for k, v in entry.get("layout", {}).items()}
    return render(Report(year, publisher, seed).fill(), **damage)


def expected_reports(spec: dict | None = None) -> list[dict]:
    """Every report a crawler should find (what tests and the demo compare against)."""
    spec = spec or load_spec()
    return [r for p in spec["portals"] for r in p["reports"] if not r.get("trap")]


def load_spec() -> dict:
    return json.loads(SPEC.read_text(encoding="utf-8"))


def _li(href: str, title: str, date: str) -> str:
    return f'<li><a href="{href}" title="{title}" target="_blank">{title}</a><span>{date}</span></li>'


def _listing_html(title: str, items: list[str], extra: str = "", encoding: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{encoding}"><title>{title}</title></head><body>'
            f'<div class="nav"><a href="/">首页</a> &gt; 政务公开 &gt; {title}</div>'
            f'<ul class="list">{"".join(items)}</ul>{extra}</body></html>')


def build_site(spec: dict | None = None) -> dict[str, Resource]:
    spec = spec or load_spec()
    site: dict[str, Resource] = {"/robots.txt": Resource(spec["robots"].encode(), "text/plain")}
    for portal in spec["portals"]:
        style = portal["style"]
        entries = []  # (href, title, date) in listing order, newest first
        for r in portal["reports"]:
            path = r["path"]
            title = r.get("title") or report_title(r["publisher"], r["year"])
            entries.append((path, title, r.get("date", f"{r['year'] + 1}-01-28")))
            trap = r.get("trap", "")
            if trap == "offsite" or trap == "robots":
                if trap == "robots":
                    site[path] = Resource(report_page(r).encode())
                continue
            if trap == "soft404":
                site[path] = Resource("<html><body><p>对不起，您访问的页面不存在或已删除！</p></body></html>".encode())
                continue
            if trap == "challenge":
                script = "var _0x" + "a1b2c3" * 600 + ";eval(function(p,a,c,k,e,d){return p});"
                site[path] = Resource(f"<html><head><script>{script}</script></head><body></body></html>".encode(),
                                      status=412, behaviour="challenge")
                continue
            if trap == "decoy":
                site[path] = Resource(f"<html><body><h1>{title}</h1><p>各单位：请按要求报送。</p></body></html>".encode())
                continue
            html = report_page(r)
            if r.get("attachment"):
                att = r["attachment"]
                html = html.replace("</body>", f'<p>附件：<a href="{att}">年度报告（PDF版）</a></p></body>')
                site[att] = Resource(b"%PDF-1.4\n% nianbao sample attachment\n%%EOF\n", "application/pdf")
            encoding = portal.get("encoding", "utf-8")
            if encoding != "utf-8":
                html = html.replace('<meta charset="utf-8">', f'<meta charset="{encoding}">')
            body = html.encode("gb18030" if encoding in ("gb2312", "gbk") else encoding)
            ctype = "text/html" if encoding != "utf-8" else "text/html; charset=utf-8"  # GBK pages declare in <meta>
            if r.get("redirect_from"):
                site[r["redirect_from"]] = Resource(b"", status=301, behaviour="redirect:" + path)
                entries[-1] = (r["redirect_from"], title, entries[-1][2])
            site[path] = Resource(body, ctype, behaviour=r.get("behaviour", ""))
        for d in portal.get("decoys", []):
            entries.insert(d.get("position", 0), (d["path"], d["title"], d.get("date", "2021-03-01")))
            site[d["path"]] = Resource(f"<html><body><h1>{d['title']}</h1><p>各单位：请按要求执行。</p></body></html>"
                                       .encode())
        _add_listings(site, portal, style, entries)
    return site


def _add_listings(site: dict[str, Resource], portal: dict, style: str, entries: list[tuple[str, str, str]]) -> None:
    per = portal.get("per_page", 5)
    pages = [entries[i:i + per] for i in range(0, len(entries), per)]
    base = portal["column"].rsplit("/", 1)[0]
    name = portal["column_name"]
    if style == "trs":
        for n, chunk in enumerate(pages):
            script = f'<script>createPageHTML({len(pages)}, {n}, "index", "html");</script>'
            path = f"{base}/index.html" if n == 0 else f"{base}/index_{n}.html"
            html = _listing_html(name, [_li(*e) for e in chunk], script, "gb2312")
            site[path] = Resource(html.encode("gb18030"), "text/html")
    elif style == "hanweb":
        first, rest = pages[0], [e for chunk in pages[1:] for e in chunk]
        records = "".join(f"<record><![CDATA[{_li(*e)}]]></record>" for e in first)
        proxy = (f"/module/web/jpage/dataproxy.jsp?columnid={portal['columnid']}&unitid=1&webid=1&path=/"
                 "&appid=1&col=1&permissiontype=0")
        xml = (f'<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>'
               f"<recordset>{records}</recordset><totalrecord>{len(entries)}</totalrecord>"
               f"<perpage>{per}</perpage></datastore></script>"
               f'<script>var dataproxy = "{proxy}"; var jpage = {{proxyUrl: dataproxy, ajaxType: "POST"}};</script>')
        site[portal["column"]] = Resource(_listing_html(name, [], xml).encode())
        site["hanweb-proxy:" + str(portal["columnid"])] = Resource(json.dumps(
            [list(e) for e in first + rest], ensure_ascii=False).encode(), "application/json", behaviour="dataproxy")
    elif style == "static":
        for n, chunk in enumerate(pages):
            path = f"{base}/index.html" if n == 0 else f"{base}/page_{n + 1}.html"
            nav = ""
            if n + 1 < len(pages):
                nav = f'<div class="page"><a href="page_{n + 2}.html">下一页</a> <a href="page_{len(pages)}.html">尾页</a></div>'
            site[path] = Resource(_listing_html(name, [_li(*e) for e in chunk], nav).encode())
        home = portal["home"]
        site[home] = Resource(_listing_html("政府信息公开", [
            '<li><a href="zc/index.html">政策文件</a></li>', '<li><a href="zn/index.html">政府信息公开指南</a></li>',
            f'<li><a href="{portal["column"]}">{name}</a></li>', '<li><a href="ml/index.html">政府信息公开目录</a></li>',
        ]).encode())
    elif style == "json":
        api = portal["api"]
        for n, chunk in enumerate(pages):
            data = {"code": 0, "data": {"totalPages": len(pages), "list": [
                {"title": t, "url": h, "publishTime": d} for h, t, d in chunk]}}
            site[f"{api}?page={n + 1}"] = Resource(json.dumps(data, ensure_ascii=False).encode(), "application/json")
        site[portal["column"]] = Resource(_listing_html(
            name, [], f'<div id="list" data-api="{api}?page=1"></div><script>loadList("{api}?page=1");</script>')
            .encode())
