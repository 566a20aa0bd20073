"""Reading listing pages with no per-site code: report links, decoys, pagination.

Every function here takes a page's text and URL and returns links; nothing
fetches. The CMS families seen on government portals are covered by their
markup, not by site: plain 下一页/尾页 links and index_N.html, TRS
createPageHTML(n, …) scripts, Hanweb <script type="text/xml"> recordsets with
dataproxy.jsp for later pages, and JSON list APIs named in the page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.etree

from nianbao.transforms.normalize import arabic_years, norm

_PARSER = lxml.etree.HTMLParser(encoding="utf-8", remove_comments=True)


@dataclass(frozen=True)
class Link:
    url: str
    text: str


@dataclass(frozen=True)
class ReportLink:
    url: str
    title: str
    year: int | None


REPORT_TITLE = re.compile(
    r"((?:19|20)\d\d|二〇..)\s*年?度?.{0,30}?(?:政府)?(?:信息公开|政务公开)?(?:工作)?(?:年度)?(?:报告|年报)"
)
DECOY = re.compile(
    r"网站工作年度报表|网站年度报表|年度报表|(?:编制|编写|报送|发布|做好|开展).{0,20}(?:年度报告|年报).{0,10}(?:工作)?的?通知|"
    r"关于.{0,30}(?:年度报告|年报).{0,10}通知|^关于(?:做好|开展|报送|编制|加强|进一步|组织)|工作要点|报告格式|格式文本|模板|填报说明|统计(?:调查)?制度|解读|图解|评估报告|"
    r"第三方评估|考核|述职|预算|决算|审计"
)
COLUMN_WORDS = re.compile(r"政府信息公开(?:工作)?年(?:度报告|报)|信息公开年报|公开年报|年度报告|年报")
COLUMN_PATH = re.compile(r"zfxxgknb|xxgknb|gknb|zwgknb|ndbg|nianbao|/nb/|_nb|ndgzbg", re.I)
NEXT_WORDS = ("下一页", "下页", "后一页", "尾页", "末页", "最后一页", ">>", "›", "»")
ATTACHMENT = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|ofd)(?:$|\?)", re.I)


def parse(text: str):
    try:
        return lxml.etree.fromstring(text.encode("utf-8"), _PARSER)
    except (lxml.etree.XMLSyntaxError, ValueError):
        return None


def links(text: str, base: str) -> list[Link]:
    """Every <a href> of a page (absolute, fragment dropped), in document order."""
    doc = parse(text)
    if doc is None:
        return []
    out = []
    base_el = doc.find(".//base")
    if base_el is not None and base_el.get("href"):
        base = urljoin(base, base_el.get("href"))
    for a in doc.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
            continue
        text_ = re.sub(r"\s+", " ", "".join(a.itertext())).strip() or (a.get("title") or "").strip()
        if a.get("title") and len(a.get("title")) > len(text_):
            text_ = a.get("title").strip()  # listings truncate titles; the title attribute has it whole
        out.append(Link(urljoin(base, href).split("#")[0], text_))
    return out


TABLE_IMAGE = re.compile(r"\.(png|jpe?g)(?:$|\?)", re.I)


def table_images(text: str, base: str, limit: int = 12) -> list[Link]:
    """The JPEG/PNG pictures of a report page that has no <table>: its statistics tables may be pictures (a
    scan pasted into the page). In document order, at most ``limit``."""
    if re.search(r"<table", text, re.I):
        return []
    doc = parse(text)
    if doc is None:
        return []
    base_el = doc.find(".//base")
    if base_el is not None and base_el.get("href"):
        base = urljoin(base, base_el.get("href"))
    out = []
    for img in doc.iter("img"):
        src = (img.get("src") or "").strip()
        url = urljoin(base, src).split("#")[0] if src and not src.startswith("data:") else ""
        if url and TABLE_IMAGE.search(urlsplit(url).path + "?") and url not in {link.url for link in out}:
            out.append(Link(url, (img.get("alt") or "").strip()))
    return out[:limit]


def report_year_of(title: str) -> int | None:
    t = arabic_years(norm(title))
    m = REPORT_TITLE.search(t)
    if not m:
        return None
    y = arabic_years(m.group(1) + "年")[:-1] if not m.group(1).isdigit() else m.group(1)
    return int(y) if y.isdigit() else None


def classify_title(title: str) -> str:
    """'report', 'decoy' (looks like one, is not) or 'other'."""
    t = norm(title)
    truncated = re.search(r"(?:\.{2,}|…+)$", t)  # listings cut long titles: "…2023年政府信息公开工作年..."
    if truncated and re.search(r"信息公开|政务公开", t) and report_year_of(t + "报告") is not None \
            and not DECOY.search(t):
        return "report"
    if not re.search(r"年度?报[告表]|年报|信息公开.{0,6}报告", t):
        return "other"
    if DECOY.search(t):
        return "decoy"
    if "报表" in t:
        return "other"
    if report_year_of(t) is None:
        return "other"
    if not re.search(r"信息公开|政务公开|年度报告|年报", t):
        return "other"
    return "report"


def report_links(page_links: list[Link]) -> tuple[list[ReportLink], list[Link]]:
    """Report links of a listing, and the decoys refused."""
    reports, decoys, seen = [], [], set()
    for link in page_links:
        kind = classify_title(link.text)
        if kind == "report" and link.url not in seen:
            seen.add(link.url)
            reports.append(ReportLink(link.url, link.text, report_year_of(link.text)))
        elif kind == "decoy":
            decoys.append(link)
    return reports, decoys


# The disclosure section a government's home page links to, inside which the 年报 column sits: (政府)信息公开 or
# 政务公开, as a 专栏 or 目录 or bare; 公开目录; (法定)主动公开(内容).
SECTION_WORDS = re.compile(r"^(?:(?:政府)?(?:信息|政务)公开(?:专栏|目录)?|公开目录|(?:法定)?主动公开(?:内容)?)$")
SECTION_PATH = re.compile(r"/(?:xxgk|zwgk|zfxxgk|gkml|fdzdgknr|xxgkml|zfxxgkzl)(?:/|$|_|\.)", re.I)
NOT_SECTION = re.compile(r"指南|制度|申请|规定|意见箱|留言")


def column_candidates(page_links: list[Link]) -> list[Link]:
    """Links that look like the annual-report column (best first), then links into the disclosure section
    that holds it (政府信息公开, 政务公开, 法定主动公开内容 …), for a walk that starts at a home page."""
    scored = []
    for i, link in enumerate(page_links):
        t = norm(link.text)
        score = 0
        if COLUMN_WORDS.search(t) and len(t) <= 16:
            score += 3 if "信息公开" in t or t in ("年报", "年度报告") else 2
        if COLUMN_PATH.search(urlsplit(link.url).path):
            score += 2
        if report_year_of(t) is not None:  # a single report, not the column
            score -= 3
        if score <= 0 and not NOT_SECTION.search(t) and (SECTION_WORDS.match(t) or (
                len(t) <= 12 and "公开" in t and SECTION_PATH.search(urlsplit(link.url).path))):
            score = 1 + (SECTION_PATH.search(urlsplit(link.url).path) is not None) * 0.5
        if score > 0:
            scored.append((-score, i, link))
    return [link for _, _, link in sorted(scored)]


def is_section_link(link: Link) -> bool:
    """A link into the disclosure section, not to the 年报 column itself."""
    return not COLUMN_WORDS.search(norm(link.text)) and not COLUMN_PATH.search(urlsplit(link.url).path)


def next_pages(text: str, url: str, page_links: list[Link]) -> list[str]:
    """Further listing pages this page names, by any of the CMS conventions."""
    out: list[str] = []
    for link in page_links:
        t = link.text.strip()
        if t in NEXT_WORDS or any(w in t for w in NEXT_WORDS[:6]):
            out.append(link.url)
        elif re.fullmatch(r"\d{1,3}", t) and _same_dir(link.url, url):
            out.append(link.url)
    out += trs_pages(text, url)
    out += hanweb_pages(text, url)
    out += json_apis(text, url)
    return list(dict.fromkeys(u for u in out if u != url))


def _same_dir(a: str, b: str) -> bool:
    return urlsplit(a).path.rsplit("/", 1)[0] == urlsplit(b).path.rsplit("/", 1)[0]


_CREATE_PAGE = re.compile(r"createPageHTML\(\s*['\"]?(\w+)['\"]?\s*,\s*['\"]?(\w+)['\"]?\s*,\s*['\"]([^'\"]+)['\"]\s*,"
                          r"\s*['\"]([^'\"]+)['\"]")


def trs_pages(text: str, url: str) -> list[str]:
    """TRS WCM: createPageHTML(total, current, "index", "html") means index.html, index_1.html … index_{n-1}.html.

    The total is a number or a variable set earlier in the script (var countPage = 12).
    """
    m = _CREATE_PAGE.search(text)
    if not m:
        return []
    total = m.group(1)
    if not total.isdigit():
        v = re.search(rf"\b{re.escape(total[:100])}\s*=\s*['\"]?(\d{{1,9}})\b", text)
        if not v:
            return []
        total = v.group(1)
    name, ext = m.group(3), m.group(4)
    count = int(total) if len(total) <= 9 else MAX_PAGES  # a 10,000-digit "total" is a hostile page, not a count
    pages = [f"{name}.{ext}"] + [f"{name}_{i}.{ext}" for i in range(1, min(count, MAX_PAGES))]
    return [urljoin(url, p) for p in pages]


MAX_PAGES = 500  # listing pages built from one page's paging script or reply

_XML_TYPE = re.compile(r"type\s*=\s*['\"]?text/xml", re.I)


def script_spans(text: str) -> list[tuple[int, int, int]]:
    """(start, body start, body end) of every <script>, found with str.find: linear on any input, where a
    regex with .*? rescans to the end of the page for every unclosed tag."""
    lower = text.lower()
    out, pos = [], 0
    while (start := lower.find("<script", pos)) != -1:
        tag_end = lower.find(">", start)
        if tag_end == -1:
            break
        close = lower.find("</script", tag_end)
        out.append((start, tag_end + 1, close if close != -1 else len(text)))
        if close == -1:
            break
        pos = close + 8
    return out


def scripts(text: str) -> list[tuple[str, str]]:
    """(opening tag, body) of every <script>."""
    return [(text[s:b], text[b:e]) for s, b, e in script_spans(text)]


def _hanweb_blocks(text: str) -> list[str]:
    return [body for tag, body in scripts(text) if _XML_TYPE.search(tag)]


def _cdata(block: str) -> list[str]:
    out, pos = [], 0
    while (start := block.find("<![CDATA[", pos)) != -1:
        end = block.find("]]>", start + 9)
        if end == -1:
            break
        out.append(block[start + 9:end])
        pos = end + 3
    return out


def hanweb_records(text: str, base: str) -> list[Link]:
    """Links inside Hanweb <script type="text/xml"> recordsets (CDATA <li> items) or dataproxy XML replies."""
    out = []
    blocks = _hanweb_blocks(text) or ([text] if "<recordset" in text else [])
    for block in blocks:
        for cdata in _cdata(block):
            out += links(f"<html><body>{cdata}</body></html>", base)
    return out


POST_MARK = "#post"  # a page URL to request with POST, its query sent as a form (fragments never reach servers)
_POSTS = re.compile(r"\b(?:ajaxType|type|method)\s*[:=]\s*['\"]post['\"]", re.I)


def hanweb_pages(text: str, url: str) -> list[str]:
    """Later Hanweb pages: dataproxy.jsp with startrecord/endrecord, from totalrecord and perpage."""
    block = "".join(_hanweb_blocks(text))
    if not block:
        return []
    m_total = re.search(r"<totalrecord>\s*(\d+)", block)
    m_per = re.search(r"<perpage>\s*(\d+)", block) or re.search(r"perpage[=:]\s*['\"]?(\d+)", text)
    m_proxy = re.search(r"['\"]([^'\"]*dataproxy\.jsp[^'\"]*)['\"]", text)
    if not (m_total and m_proxy):
        return []
    total = min(int(m_total.group(1)[:12]), 10**9)
    per = max(1, min(int(m_per.group(1)[:6]), 1000)) if m_per else 15
    proxy = urlsplit(urljoin(url, unescape(m_proxy.group(1))))
    params = dict(parse_qsl(proxy.query))
    shown = len(re.findall(r"<record>", block))
    post = POST_MARK if _POSTS.search(text) else ""  # the jpage config says the proxy is called with POST
    pages = []
    for start in range(shown + 1, total + 1, per * 3):
        if len(pages) >= MAX_PAGES:  # totalrecord=10^9 must not build millions of URLs
            break
        q = dict(params, startrecord=str(start), endrecord=str(min(total, start + per * 3 - 1)), perpage=str(per))
        pages.append(urlunsplit((proxy.scheme, proxy.netloc, proxy.path, urlencode(q), "")) + post)
    return pages


_QUOTED = re.compile(r"['\"]([^'\"\s]{2,2000})['\"]")  # one scan of each quoted string: linear in the page
_API_SHAPE = re.compile(r"/api/|[?&](?:page|pageNo|pageIndex)=\d")


def _api_like(s: str) -> bool:
    """A quoted string that names a list API: a URL or root path ending .json, or with /api/ or a page number."""
    return s.startswith(("http://", "https://", "/")) and (s.endswith(".json") or _API_SHAPE.search(s) is not None)



# A list widget's inline config: {url: "/api/list", pageParam: "pn", sizeParam: "ps", pageSize: 10}
_CONFIG_URL = re.compile(r"\b(?:url|api|apiUrl|listUrl|dataUrl)\s*[:=]\s*['\"]([^'\"\s]{1,300})['\"]")
_PAGE_PARAM = re.compile(r"\bpage(?:Param|Key|Name)\s*[:=]\s*['\"](\w{1,30})['\"]")
_SIZE_PARAM = re.compile(r"\bsize(?:Param|Key|Name)\s*[:=]\s*['\"](\w{1,30})['\"]")
_PAGE_SIZE = re.compile(r"\b(?:pageSize|perPage|limit|rows)\s*[:=]\s*['\"]?(\d{1,4})\b")


def json_apis(text: str, url: str) -> list[str]:
    """List APIs a page names in its scripts or data attributes (data-api, listUrl …); an API whose config
    names its page and size parameters is asked for page 1 with them, so its replies can be paged on."""
    if "<" in text[:200] or not text.lstrip().startswith(("{", "[")):
        found = [q for q in (m.group(1) for m in _QUOTED.finditer(text)) if _api_like(q) and "dataproxy" not in q]
        found = [f for f in found if not ATTACHMENT.search(f) and not f.endswith((".js", ".css"))]
        out = [urljoin(url, unescape(f)) for f in found]
        page, api = _PAGE_PARAM.search(text), _CONFIG_URL.search(text)
        if page and api and not ATTACHMENT.search(api.group(1)) and not api.group(1).endswith((".js", ".css", ".html")):
            parts = urlsplit(urljoin(url, unescape(api.group(1))))
            q = dict(parse_qsl(parts.query), **{page.group(1): "1"})
            size, per = _SIZE_PARAM.search(text), _PAGE_SIZE.search(text)
            if size:
                q[size.group(1)] = per.group(1) if per else "20"
            out.insert(0, urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(q), "")))
        return list(dict.fromkeys(out))
    return []


_PAGE_KEY = re.compile(r"^(?:page|pageNo|pageIndex|pageNum|pageNumber|page_no|pageno|pn|p|curPage|currentPage|"
                       r"current|pageindex)$", re.I)
_SIZE_KEY = re.compile(r"^(?:size|pageSize|page_size|pagesize|ps|rows|limit|perPage|per_page)$", re.I)


def json_links(text: str, base: str) -> tuple[list[Link], list[str]]:
    """Items and further pages of a JSON list API reply."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: a reply nested thousands deep
        return [], []
    items: list[Link] = []
    stack = [data]  # iterative: nesting depth costs no recursion
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            title = next((node[k] for k in ("title", "docTitle", "name", "DOCTITLE", "TITLE") if
                          isinstance(node.get(k), str)), None)
            href = next((node[k] for k in ("url", "link", "href", "docUrl", "DOCPUBURL", "URL") if
                         isinstance(node.get(k), str)), None)
            if title and href:
                items.append(Link(urljoin(base, href), title))
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return items, _json_pages(data, base, len(items))


_PAGE_TOTAL_KEYS = ("totalPages", "totalPage", "pageCount", "pages", "total_pages", "pageTotal")
_COUNT_KEYS = ("total", "totalCount", "totalRecord", "totalRecords", "recordCount", "recordsTotal", "count",
               "totalElements", "totalNum", "totalSize")
_OFFSET_KEY = re.compile(r"^(?:offset|start|startIndex|from|skip)$", re.I)


def _json_pages(data, base: str, n_items: int) -> list[str]:
    """The further pages of a list API, from how the URL asks for this one: a page number (counted from 0 or
    1) or an offset, with a page size. With a total (of pages or of records) every page up to it; without
    one, the next page only, while pages hold items (the walk stops at the first empty or repeated page)."""
    parts = urlsplit(base)
    q = dict(parse_qsl(parts.query))

    def asking(key: str, value: int) -> str:
        return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(dict(q, **{key: str(value)})), ""))

    size_key = next((k for k in q if _SIZE_KEY.match(k) and q[k].isdigit() and int(q[k]) > 0), None)
    size = int(q[size_key]) if size_key else n_items  # the size asked for, else this page's
    count = _find_int(data, _COUNT_KEYS)
    key = next((k for k in q if _PAGE_KEY.match(k) and q[k].isdigit()), None)
    if key is None and not any(_OFFSET_KEY.match(k) for k in q):
        # the URL names no page, but the reply says which page it is ({"pageNo": 1, "total": 40, …}): that name
        key, current = _page_field(data) or (None, None)
        if key is not None:
            q[key] = str(current)
    if key:
        current = int(q[key])
        pages = _find_int(data, _PAGE_TOTAL_KEYS) or (-(-count // size) if count and size else None)
        if pages is None:
            return [asking(key, current + 1)] if n_items else []
        last = pages - 1 if current == 0 else pages  # an API that counts from 0 asks for page 0 first
        return [asking(key, n) for n in range(current + 1, min(last, current + MAX_PAGES) + 1)]
    offset_key = next((k for k in q if _OFFSET_KEY.match(k) and q[k].isdigit()), None)
    if offset_key and size:
        start = int(q[offset_key])
        if count is None:
            return [asking(offset_key, start + size)] if n_items else []
        return [asking(offset_key, o) for o in range(start + size, min(count, start + size * MAX_PAGES), size)]
    return []


def _page_field(node) -> tuple[str, int] | None:
    """(name, value) of the field a list API's reply numbers its page with, breadth first."""
    queue = [node]
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            for k, v in node.items():
                if _PAGE_KEY.match(k) and k not in ("p", "pages") and isinstance(v, int) and not isinstance(v, bool) \
                        and 0 <= v < 10**6:
                    return k, v
            queue.extend(v for v in node.values() if isinstance(v, dict))
    return None


def _find_int(node, keys) -> int | None:
    """The first of ``keys`` holding an int, breadth first (iterative, so nesting depth is harmless)."""
    queue = [node]
    while queue:
        node = queue.pop(0)
        if isinstance(node, dict):
            for k in keys:
                if isinstance(node.get(k), int) and not isinstance(node[k], bool):
                    return node[k]
            queue.extend(v for v in node.values() if isinstance(v, dict))
    return None


def attachments(page_links: list[Link]) -> list[Link]:
    return [link for link in page_links if ATTACHMENT.search(urlsplit(link.url).path + "?")]


SOFT_404 = re.compile(
    r"页面不存在|页面未找到|找不到(?:该|您要访问的)?页面|您访问的页面不存在|404\s*Not Found|文章不存在|信息不存在|已删除|已撤销"
)


def is_soft_404(text: str) -> bool:
    """An error page served with 200. Judged only for pages that do not read as a report: a short legacy
    report that mentions 已撤销 (a review outcome) is still a report."""
    body = re.sub(r"<[^<>]*>", " ", text[:20000])
    return bool(SOFT_404.search(body)) and len(re.sub(r"\s+", "", body)) < 3000 and not reads_like_report(body)


def reads_like_report(text: str) -> bool:
    """Every annual report speaks of proactive disclosure and of applications; an error page does neither."""
    t = norm(text[:200000])
    return "主动公开" in t and bool(re.search(r"依申请|申请公开|公开申请|收到.{0,20}申请|受理.{0,20}申请", t))


def is_js_challenge(status: int | None, text: str) -> bool:
    """An anti-bot page: HTTP 412/403 or a near-empty page of obfuscated script."""
    if status in (412, 521):
        return True
    head = text[:200000]
    spans = script_spans(head)
    script_chars = sum(e - b for _, b, e in spans)
    if script_chars <= 2000:
        return False  # before the visible text is counted: most pages have little script
    cuts = [0] + [i for s, _, e in spans for i in (s, e)] + [len(head)]
    outside = " ".join(head[cuts[i]:cuts[i + 1]] for i in range(0, len(cuts), 2))
    visible = len(re.sub(r"\s+", "", re.sub(r"<[^<>]*>", "", outside)))
    return visible < 200
