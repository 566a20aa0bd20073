"""A synthetic country on loopback: government sites on many hosts (127.0.0.N), linked the way real ones are.

A national root lists the provinces by short name (北京, 甘肃 …); each government's home page links its
disclosure section (政务公开 -> 政府信息公开年报 -> one report) and a directory page of the governments below it
(市州政府, 区县政府, 乡镇街道, in the words governments use), and a block of its departments' sites
(部门网站: 市教育局 …). Places are real, from the region table, so codes can be checked. Some sites are down
(404), some moved to another host (301), some hosts slow to answer. A column lists its reports the way one of
the CMS families does (LISTINGS): one page, pages linked by 下一页, a TRS paging script, or a JSON list API;
the paged ones hold two years' reports, a page each. For the registry walk's tests and `make bench`.
"""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from nianbao.sample_portal.pages import Report, render
from nianbao.transforms.regions import regions, short_name

DIRECTORY_WORDS = {"province": ["市州政府", "各市州", "地方政府"], "prefecture": ["区县政府", "县区政府", "各区县"],
                   "county": ["乡镇街道", "镇街", "乡镇政府"]}
DEPARTMENTS = ["教育局", "财政局", "民政局", "自然资源局", "生态环境局", "卫生健康委员会"]
LISTINGS = ("plain", "paged", "trs", "json")  # how a column lists its reports: the sites take them in turn


@dataclass
class FarmSite:
    publisher: str
    adcode: str
    level: str
    host: str
    path: str  # /s17/
    children: list[FarmSite] = field(default_factory=list)
    departments: list[FarmSite] = field(default_factory=list)
    link_text: str = ""
    state: str = "ok"  # ok, down, moved
    moved_to: tuple[str, str] | None = None  # (host, path)
    listing: str = "plain"  # one of LISTINGS

    @property
    def years(self) -> list[int]:
        """The report years its column lists, newest first."""
        return [2023] if self.listing == "plain" else [2023, 2022]


class Farm:
    """Start with ``with Farm(...) as farm:``; ``farm.root`` is the national root's URL, ``farm.sites`` every
    site, ``farm.reachable()`` those the root reaches (what a complete walk finds)."""

    def __init__(self, provinces: int = 2, prefectures: int = 2, counties: int = 2, townships: int = 2,
                 departments: int = 2, hosts: int = 8, seed: int = 0, down: float = 0.05, moved: float = 0.05,
                 slow: float = 0.05, latency: float = 0.3):
        self.rnd = random.Random(seed)
        self.host_names = [f"127.0.0.{2 + i}" for i in range(hosts)]
        self.slow_hosts = set(self.rnd.sample(self.host_names, round(hosts * slow)))  # each answer after `latency`
        self.latency = latency
        self.pages: dict[tuple[str, str], tuple[int, bytes, str]] = {}  # (host, path) -> (status, body, location)
        self.sites: list[FarmSite] = []
        self.n_departments, self.n_townships = departments, townships
        self.down, self.moved = down, moved
        tree = self._tree(provinces, prefectures, counties)
        self._servers: dict[str, ThreadingHTTPServer] = {}
        self.ports: dict[str, int] = {}
        self.tree = tree
        self.requests = 0
        self.per_host: dict[str, int] = {}  # requests each host served
        self._lock = threading.Lock()

    # -- the country ----------------------------------------------------------------------------------------
    def _tree(self, provinces: int, prefectures: int, counties: int) -> list[FarmSite]:
        by_level: dict[str, list] = {"province": [], "prefecture": [], "county": []}
        for r in regions().values():
            if r.status == "current" and r.level in by_level and not r.adcode.startswith(("71", "81", "82", "99")):
                by_level[r.level].append(r)
        out = []
        for p in self.rnd.sample([r for r in by_level["province"] if not r.adcode.startswith(("11", "12", "31", "50"))],
                                 provinces):
            prov = self._site(p.name + "人民政府", p.adcode, "province", short_name(p.name))
            cities = [r for r in by_level["prefecture"] if r.adcode[:2] == p.adcode[:2]]
            for c in self.rnd.sample(cities, min(prefectures, len(cities))):
                city = self._site(c.name + "人民政府", c.adcode, "prefecture", c.name)
                prov.children.append(city)
                towns = [r for r in by_level["county"] if r.adcode[:4] == c.adcode[:4]]
                for t in self.rnd.sample(towns, min(counties, len(towns))):
                    county = self._site(t.name + "人民政府", t.adcode, "county", self.rnd.choice([t.name, t.name + "人民政府"]))
                    city.children.append(county)
                    for k in range(self.n_townships):
                        name = f"{'东西南北'[k % 4]}{'河山湖岭'[k // 4 % 4]}{'乡镇'[k % 2]}"
                        county.children.append(self._site(name + "人民政府", t.adcode, "township", name))
            out.append(prov)
        return out

    def _site(self, publisher: str, adcode: str, level: str, link_text: str) -> FarmSite:
        site = self._new_site(publisher, adcode, level, link_text)
        if level in ("province", "prefecture", "county"):
            place = publisher.removesuffix("人民政府")
            for dept in self.rnd.sample(DEPARTMENTS, self.n_departments):
                word = place[-1] + dept if self.rnd.random() < 0.5 else place + dept  # 市教育局 or 张掖市教育局
                site.departments.append(self._new_site(place + dept, adcode, "department", word))
        roll = self.rnd.random()
        if roll < self.down:
            site.state = "down"
        elif roll < self.down + self.moved:
            site.state = "moved"
            site.moved_to = (self.rnd.choice(self.host_names), f"/new{len(self.sites)}/")
        return site

    def _new_site(self, publisher: str, adcode: str, level: str, link_text: str) -> FarmSite:
        """A site on a random host, at a path of its own, its column in the next of LISTINGS."""
        n = len(self.sites)
        site = FarmSite(publisher, adcode, level, self.rnd.choice(self.host_names), f"/s{n}/", link_text=link_text,
                        listing=LISTINGS[n % len(LISTINGS)])
        self.sites.append(site)
        return site

    def expected_reports(self) -> int:
        """Reports a complete crawl of the reachable sites stores."""
        return sum(len(s.years) for s in self.reachable() if s.state != "down")

    def reachable(self) -> list[FarmSite]:
        """The sites a complete walk from the root finds: all but those below a site that is down."""
        out, queue = [], list(self.tree)
        while queue:
            site = queue.pop(0)
            out.append(site)
            if site.state != "down":
                queue += site.departments + site.children
        return out

    # -- pages ----------------------------------------------------------------------------------------------
    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.ports[host]}{path}"

    def site_url(self, site: FarmSite) -> str:
        return self.url(site.host, site.path)

    def _build_pages(self) -> None:
        root_links = "".join(f'<a href="{self.site_url(p)}">{p.link_text}</a> ' for p in self.tree)
        self._page(self.host_names[0], "/", "中国政府网", f"<div>地方政府：{root_links}</div>"
                   '<a href="https://www.example.org/">友情链接</a>')
        for site in self.sites:
            self._site_pages(site)

    def _page(self, host: str, path: str, title: str, body: str) -> None:
        html = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>{body}'
                f'<div class="footer">主办：{title}</div></body></html>')
        self.pages[(host, path)] = (200, html.encode(), "")

    def _site_pages(self, site: FarmSite) -> None:
        host, path = site.moved_to or (site.host, site.path)
        if site.state == "moved":
            self.pages[(site.host, site.path)] = (301, b"", self.url(host, path))
        if site.state == "down":
            return  # no page: 404
        nav = [f'<a href="{path}zwgk/">政务公开</a>', '<a href="/news/">新闻中心</a>']
        if site.children:
            word = self.rnd.choice(DIRECTORY_WORDS[site.level])
            nav.append(f'<a href="{path}dir/">{word}</a>')
            links = "".join(f'<li><a href="{self.site_url(c)}">{c.link_text}</a></li>' for c in site.children)
            self._page(host, path + "dir/", site.publisher, f"<ul>{links}</ul>")
        depts = "".join(f'<a href="{self.site_url(d)}">{d.link_text}</a> ' for d in site.departments)
        block = f"<div>部门网站：{depts}</div>" if depts else ""
        self._page(host, path, site.publisher, f'<div class="nav">{" ".join(nav)}</div>{block}')
        self._page(host, path + "zwgk/", "政务公开", f'<a href="{path}zwgk/nb/">政府信息公开年报</a>')
        column = path + "zwgk/nb/"
        items = []
        for y in site.years:
            items.append((f"{column}{y}.html", f"{site.publisher}{y}年政府信息公开工作年度报告"))
            self.pages[(host, f"{column}{y}.html")] = (
                200, render(Report(y, site.publisher, seed=len(site.path) + y).fill()).encode(), "")
        self._column(host, column, site.listing, items)

    def _column(self, host: str, column: str, listing: str, reports: list[tuple[str, str]]) -> None:
        """The column's listing pages of its (url, title) reports, one report a page unless plain."""
        name = "政府信息公开年报"
        items = [f'<li><a href="{url}">{title}</a></li>' for url, title in reports]
        if listing == "plain":
            self._page(host, column, name, f"<ul>{''.join(items)}</ul>")
        elif listing == "paged":
            for n, item in enumerate(items):
                more = f'<div class="page"><a href="page_{n + 2}.html">下一页</a></div>' if n + 1 < len(items) else ""
                self._page(host, column if n == 0 else f"{column}page_{n + 1}.html", name, f"<ul>{item}</ul>{more}")
        elif listing == "trs":
            for n, item in enumerate(items):
                script = f'<script>createPageHTML({len(items)}, {n}, "index", "html");</script>'
                self._page(host, column if n == 0 else f"{column}index_{n}.html", name, f"<ul>{item}</ul>{script}")
        else:  # a JSON list API the page's script calls, paged from 1, its total in totalPages
            api = f"{column}api/list.json"
            for n, (url, title) in enumerate(reports):
                data = {"code": 0, "data": {"totalPages": len(reports), "list": [{"title": title, "url": url}]}}
                self.pages[(host, f"{api}?page={n + 1}")] = (200, json.dumps(data, ensure_ascii=False).encode(), "")
            self._page(host, column, name, f'<div id="list" data-api="{api}?page=1"></div>'
                                           f'<script>loadList("{api}?page=1");</script>')

    # -- serving --------------------------------------------------------------------------------------------
    def __enter__(self) -> Farm:
        farm = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the standard library's name)
                host = self.server.server_address[0]
                with farm._lock:
                    farm.requests += 1
                    farm.per_host[host] = farm.per_host.get(host, 0) + 1
                if host in farm.slow_hosts:
                    time.sleep(farm.latency)
                status, body, location = farm.pages.get((host, self.path)) or farm.pages.get(
                    (host, self.path.split("?")[0]), (404, b"not found", ""))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        for host in self.host_names:
            server = ThreadingHTTPServer((host, 0), Handler)
            server.daemon_threads = True
            self._servers[host] = server
            self.ports[host] = server.server_address[1]
            threading.Thread(target=server.serve_forever, daemon=True).start()
        self._build_pages()
        self.root = self.url(self.host_names[0], "/")
        return self

    def __exit__(self, *exc) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
