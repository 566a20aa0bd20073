"""The registry grows itself: from one root (the national portal's list of provincial governments), walk the
link directories governments publish (政府网站导航, 地方政府, 区县政府, 部门网站, 乡镇街道) down to every site that
can be reached, and name each one: publisher, level, region code, parent, home page and where it was learned.

No per-site code: a link is a government site when its text names a government or a department (甘州区,
甘州区人民政府, 张掖市教育局, 市教育局 under 张掖市, 龙渠乡) and is short and no document title; a page of the
site is a directory when its link text says so. Sites are read breadth-first, level by level, politely
(one PoliteSession: robots, per-host spacing, size and time limits), and bounded in sites and pages.
A site that redirects to another host is marked moved, one that cannot be read unreachable: marked, never
dropped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from nianbao.extractors import discovery
from nianbao.extractors.decode import DecodeError, decode_bytes
from nianbao.extractors.http import PoliteSession, _is_ip
from nianbao.store.fs import LocalStorage
from nianbao.transforms.metadata import is_township
from nianbao.transforms.normalize import norm
from nianbao.transforms.regions import Region, is_name_of, lookup, region_in_name

DIRECTORY_WORDS = re.compile(r"网站导航|政府网站|地方政府|区县政府|县区政府|县市区政府|市县政府|市州政府|各市州|各区县|部门网站|"
                             r"政府部门|部门导航|乡镇街道|镇街|乡镇政府|街道办事处网站|相关链接|友情链接")
SITE_SUFFIX = re.compile(r"(?:门户网站|门户网|网站|门户)$")
GOVERNMENT = re.compile(r"(?:人民政府|政府)$")
DEPARTMENT = re.compile(r"(?:局|委员会|委|厅|办公室|办公厅|中心|署|管委会|管理委员会)$")
TOWNSHIP = re.compile(r"(?:镇|乡|街道|街道办事处|办事处)(?:人民政府)?$")
NOT_A_SITE = re.compile(r"关于|通知|公告|报告|年报|意见|办法|规定|决定|工作|新闻|首页|政务公开|信息公开|登录|邮箱|地图")
LEVEL_BELOW = {None: "province", "national": "province", "province": "prefecture", "prefecture": "county",
               "county": "township"}

MAX_SITES = 5000
WORKERS = 32  # sites fetched at once: each waits on its host's delay, and most sites are on hosts of their own
MAX_DEPTH = 4  # national -> province -> prefecture -> county -> township
DIRECTORY_PAGES = 3  # directory pages read on one site, besides its home page


@dataclass
class Site:
    id: str
    publisher: str
    adcode: str | None
    level: str  # national, province, prefecture, county, township, department
    home: str
    parent: str | None  # id of the site that linked it
    learned_from: str  # the page where its link was read
    status: str = "ok"  # ok, moved, unreachable
    note: str = ""
    depth: int = 0
    link: str = ""  # the URL it was linked by (its home differs once it moved)
    children: list[str] = field(default_factory=list)


def site_key(url: str) -> str:
    """One site per host and directory: jyj.zhangye.gov.cn and www.zhangye.gov.cn/jyj/ are two sites."""
    parts = urlsplit(url)
    path = re.sub(r"/(?:index|default|main)\.\w+$", "/", parts.path or "/")
    path = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


def name_site(text: str, parent: Site | None) -> tuple[str, Region | None, str] | None:
    """(publisher, region, level) of a link that names a government or department; None for any other link.
    甘州区 -> 甘州区人民政府; 北京 -> 北京市人民政府; 市教育局 under 张掖市 -> 张掖市教育局; 龙渠乡 -> 龙渠乡人民政府 in its
    county (a township has no code of its own)."""
    t = re.sub(r"政府网$", "政府", SITE_SUFFIX.sub("", norm(text)))  # 张掖市政府网, 甘肃省人民政府门户网站
    if not 2 <= len(t) <= 24 or NOT_A_SITE.search(t) or DIRECTORY_WORDS.search(t) or re.search(r"\d|[A-Za-z]", t):
        return None
    parent_place = _place_of(parent)
    context = parent.publisher if parent else ""
    hint = parent.adcode if parent else None  # of the places named 鼓楼区, the one under the linking site
    if (TOWNSHIP.search(t) and region_in_name(t, context, hint) is None) or is_township(t):
        name = t if t.endswith(("人民政府", "办事处")) else t + ("办事处" if t.endswith("街道") else "人民政府")
        return name, parent_place, "township"
    if DEPARTMENT.search(t):
        if t[0] in "省市县区州旗盟" and parent_place is not None and parent_place.name.endswith(t[0]):
            t = parent_place.name + t[1:]  # 市教育局 under 张掖市
        region = region_in_name(t, context, hint) or parent_place
        return (t, region, "department") if region is not None else None
    bare = GOVERNMENT.sub("", t)
    region = region_in_name(bare, context, hint)
    if region is None or not is_name_of(bare, region):
        return None  # a name that is not a whole place: 某某公司, 中国政府网
    return region.name + "人民政府", region, region.level


def _place_of(site: Site | None) -> Region | None:
    return lookup(site.adcode) if site is not None and site.adcode else None


def site_id(level: str, adcode: str | None, home: str, taken: set[str]) -> str:
    """The region code for a province's, prefecture's or county's own site (when free), else code-and-hash of
    the home page (departments and townships share their government's code)."""
    if adcode and level in ("province", "prefecture", "county") and adcode not in taken:
        return adcode
    return f"{adcode or 'x'}-{hashlib.sha1(home.encode()).hexdigest()[:8]}"


class Directory:
    """One walk from a root. ``sites`` keeps every site met, in the order found."""

    def __init__(self, session: PoliteSession, root: str, *, max_sites: int = MAX_SITES, max_depth: int = MAX_DEPTH,
                 workers: int = WORKERS):
        self.session = session
        self.root = root
        self.max_sites = max_sites
        self.max_depth = max_depth
        self.workers = workers
        self.sites: dict[str, Site] = {}
        # links to private addresses are followed only when the root itself is one (a test farm)
        host = (urlsplit(root).hostname or "").lower()
        self.private_ok = _is_ip(host) or host == "localhost"
        self.refused: list[str] = []

    def walk(self) -> list[Site]:
        root = Site("root", "", None, "national", self.root, None, "(root)", link=self.root)
        self.session.allow_portal(self.root)
        self.sites[site_key(self.root)] = root
        level = [root]
        while level:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                found = list(pool.map(self._read_site, level))
            level = []
            for site, links in found:
                for link, learned_from in links:
                    child = self._add(site, link, learned_from)
                    if child is not None and child.depth <= self.max_depth:
                        level.append(child)
        return list(self.sites.values())

    def _add(self, parent: Site, link: discovery.Link, learned_from: str) -> Site | None:
        named = name_site(link.text, parent if parent.level != "national" else None)
        key = site_key(link.url)
        if named is None or key in self.sites or len(self.sites) >= self.max_sites:
            return None
        if not self._allowed(link.url):
            self.refused.append(link.url)
            return None
        publisher, region, level = named
        taken = {s.id for s in self.sites.values()}
        child = Site(site_id(level, region.adcode if region else None, key, taken), publisher,
                     region.adcode if region else None, level, link.url, parent.id, learned_from,
                     depth=parent.depth + 1, link=link.url)
        self.sites[key] = child
        parent.children.append(child.id)
        return child

    def _allowed(self, url: str) -> bool:
        """A discovered URL may be an address (IP, localhost) only when the root is one (a test farm); then
        the session is told so (it refuses private addresses no operator typed)."""
        host = (urlsplit(url).hostname or "").lower()
        if not (_is_ip(host) or host == "localhost"):
            return True
        if self.private_ok:
            self.session.allow_portal(url)
        return self.private_ok

    def _read_site(self, site: Site) -> tuple[Site, list[tuple[discovery.Link, str]]]:
        """The site's home page and its directory pages: every link that may name a government site."""
        page = self._page(site, site.home, home=True)
        if page is None:
            return site, []
        text, url, links = page
        if site.level == "national" and not site.publisher:
            site.publisher = _title(text) or urlsplit(url).netloc
        out = [(link, url) for link in links]
        here = urlsplit(url).netloc.lower()
        directories = [link.url for link in links if DIRECTORY_WORDS.search(norm(link.text))
                       and urlsplit(link.url).netloc.lower() == here]
        for durl in list(dict.fromkeys(directories))[:DIRECTORY_PAGES]:
            more = self._page(site, durl, home=False)
            if more is not None:
                out += [(link, more[1]) for link in more[2]]
        return site, out

    def _page(self, site: Site, url: str, home: bool) -> tuple[str, str, list[discovery.Link]] | None:
        try:
            resp = self.session.fetch(url)
            if home and resp.outcome == "off_site" and resp.url != url and self._allowed(resp.url):
                # the site moved to another domain (the crawler never follows such a redirect): its new home
                site.status, site.note, site.home = "moved", f"redirects to {resp.url}", resp.url
                resp = self.session.fetch(resp.url)
        except Exception as exc:  # one site's malformed answer costs that site
            resp, error = None, f"{type(exc).__name__}: {exc}"
        else:
            error = "" if resp.outcome == "ok" else f"{resp.outcome} {resp.status or ''} {resp.detail}".strip()
        if error:
            if home:
                site.status, site.note = "unreachable", error[:200]
            return None
        if home and site_key(resp.url).split(":", 1)[1] != site_key(url).split(":", 1)[1]:  # (https is no move)
            site.status, site.note = "moved", f"redirects to {resp.url}"
            site.home = resp.url
        try:
            text = decode_bytes(resp.body, resp.content_type)
        except DecodeError:
            return None
        return text, resp.url, discovery.links(text, resp.url)


def _title(text: str) -> str:
    m = re.search(r"<title[^>]*>([^<]{1,80})</title>", text, re.I)
    return norm(m.group(1)) if m else ""


def registry_rows(sites: list[Site]) -> list[dict]:
    """The sites as registry rows (data/portals.csv's columns, then the walk's): the entry is the home page,
    where the crawler finds the 年报 column itself. The root, and sites whose place is unknown, are
    listed disabled."""
    rows = []
    for s in sites:
        enabled = s.level != "national" and s.adcode is not None and s.status != "unreachable"
        why = "" if enabled else "the root" if s.level == "national" else "place unknown" if s.adcode is None else ""
        notes = "; ".join(x for x in (f"discovered from {s.learned_from}", why, s.note) if x)
        rows.append({"id": s.id, "publisher": s.publisher, "adcode": s.adcode or "", "entry_url": s.home,
                     "delay": "", "max_connections": "", "encoding": "", "enabled": "true" if enabled else "false",
                     "verified": "no", "notes": notes,
                     "level": s.level, "parent": s.parent or "", "home": s.home, "linked_as": s.link,
                     "learned_from": s.learned_from, "status": s.status})
    return rows


def write_registry(rows: list[dict], path: str | Path) -> None:
    """The rows as a registry CSV at ``path``, written atomically: an interrupted walk leaves an earlier file
    whole."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path = Path(path).resolve()
    LocalStorage(path.parent).write(path.name, text.getvalue().encode("utf-8"))
