"""A report page (HTML or text) to a Page: metadata hints and the report body
as an ordered list of blocks (paragraph text or a table Grid).

lxml is used directly rather than BeautifulSoup: building a soup tree alone
costs more than pandas.read_html's whole run on a typical 64 KB page.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

import lxml.etree

from nianbao.extractors.cell_stream import is_figure, looks_like_stream, stream_grids
from nianbao.extractors.tables import Grid, cell_text, html_table_to_grid, is_pipe_row, pipe_lines_to_grid
from nianbao.extractors.text_tables import SECTION_HEADING, SpacedTable


class NotAReportError(ValueError):
    """The input is readable but holds no annual report."""


class UnsupportedFormat(NotAReportError):
    """A report in a form this version cannot read (a scan, an image, an old .doc): typed apart in the crawl."""


@dataclass
class Block:
    text: str = ""
    grid: Grid | None = None


@dataclass
class Page:
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)  # lower-cased meta names and labelled fields
    chrome: str = ""  # text around the report body: breadcrumbs, info boxes, footer
    blocks: list[Block] = field(default_factory=list)

    @property
    def body_text(self) -> str:
        return "\n".join(b.text for b in self.blocks if b.grid is None)

    @property
    def grids(self) -> list[Grid]:
        return [b.grid for b in self.blocks if b.grid is not None]


_BLOCK_TAGS = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr",
               "section", "article", "header", "footer", "dd", "dt", "center", "blockquote", "pre"}
_DROP_TAGS = ("script", "style", "noscript", "template", "iframe", "select", "button", "textarea")
_CONTAINER_HINTS = ("trs_editor", "custom_unionstyle", "zoom", "article", "content", "detail",
                    "zwnr", "main-txt", "textbox", "view")

# The report's own section headings: the strongest sign of where its body is.
HEADING_RE = re.compile(
    r"^\s*[（(]?\s*([一二三四五六七八九十])\s*[）)]?\s*[、.．，,:：\s]\s*"
    r"(总体情况|概述|概况|基本情况|主动公开|收到和处理|依申请|政府信息公开行政复议|因政府信息公开|行政复议"
    r"|政府信息公开的?收费|存在的?主要问题|存在问题|主要问题|其他需要报告|其他事项|人员和?|咨询|不予公开)"
)
# Relative to one body: `//body//text()` over a page pasted together from many documents (one body each)
# makes libxml2 merge node-sets quadratically; each top-level body is asked in turn instead.
_HEADING_TEXTS_IN = lxml.etree.XPath(
    "descendant::text()[string-length(normalize-space(.)) > 2 and "
    "contains('一二三四五六七八九十(（', substring(normalize-space(.), 1, 1))]"
)
_FIELD_RE = re.compile(
    r"(发布机构|发文机关|来源|信息来源|发布时间|发布日期|成文日期|发文日期|时间|标题|主办单位|主办)"
    r"\s*[:：]\s*([^\s|]{1,60}(?:\s\d{1,2}:\d{2})?)"
)


_PARSER = lxml.etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)


def text_of(el) -> str:
    return "".join(el.itertext())


def parse_html(text: str) -> Page:
    # Plain lxml.etree elements: lxml.html's per-element class lookup costs more than the parse.
    try:
        doc = lxml.etree.fromstring(text.encode("utf-8"), _PARSER)
    except (lxml.etree.ParserError, lxml.etree.XMLSyntaxError, ValueError) as exc:
        raise NotAReportError(f"not an HTML page ({exc})") from None
    if doc is None:
        raise NotAReportError("not an HTML page (no elements)")
    lxml.etree.strip_elements(doc, *_DROP_TAGS, with_tail=False)
    page = Page()
    for m in doc.iter("meta"):
        name = (m.get("name") or m.get("property") or "").strip().lower()
        if name and m.get("content"):
            page.meta.setdefault(name, cell_text(m.get("content")))
    t = doc.find(".//title")
    page.title = _pick_title(doc, page.meta, cell_text(text_of(t)) if t is not None else "")
    container = _find_container(doc)
    page.blocks = _blocks(container)
    page.chrome = _chrome_text(doc, container)
    for key, value in _FIELD_RE.findall(page.chrome):
        page.meta.setdefault("field:" + key, value)
    return page


def parse_text(text: str) -> Page:
    """A text dump: 'key: value' header lines, pipe tables, paragraphs."""
    page = Page()
    lines = text.replace("｜", "|").replace("│", "|").splitlines()  # full-width and box-drawing bars are pipes too
    # a page break inside a table; a flipbook's "Page 9 - 2020年报_审计局" keeps its title part
    lines = [_RUNNING_TITLE.sub("", ln) for ln in lines]
    lines = [ln for ln in lines if not PAGE_FOOTER.match(ln.strip())]
    lines = _cells_as_pipe_lines(_rejoin_wrapped_pipes([part for line in lines for part in _unfold(line)]))
    pipe: list[str] = []
    spaced = SpacedTable()
    context = ""

    def flush_pipe() -> None:
        nonlocal pipe
        if pipe:
            grids = stream_grids(pipe) if looks_like_stream(pipe) else [pipe_lines_to_grid(pipe)]
            for i, g in enumerate(grids):
                g.context = context if i == 0 else ""  # the text before a stream captions its first table only
                page.blocks.append(Block(grid=g))
            pipe = []

    def flush_spaced() -> None:
        nonlocal spaced
        g = spaced.grid()
        if g is not None:
            g.context = context
            page.blocks.append(Block(grid=g))
        else:  # header-like lines that no numbers followed: plain text after all
            page.blocks.extend(Block(text=cell_text(" ".join(r))) for r in spaced.rows)
        if spaced.carry:
            page.blocks.append(Block(text=cell_text("".join(spaced.carry))))
        spaced = SpacedTable()

    for line in lines:
        s = line.strip()
        if not s:
            continue
        prose, s = _prose_before_pipes(s)
        if prose:  # paragraphs the dump ran into a table row's cells: text (unfolded at its headings), then the row
            flush_pipe()
            flush_spaced()
            page.blocks += [Block(text=cell_text(part)) for part in _unfold(prose)]
            context = page.blocks[-1].text
            if not s.strip("| "):
                continue
        if is_pipe_row(s) and len(s) < 2000:
            flush_spaced()
            pipe.append(s)
            continue
        flush_pipe()
        if spaced.take(s):
            continue
        flush_spaced()
        m = _FIELD_LINE.match(s)
        if m and len(page.blocks) < 3:
            key = _TRADITIONAL_KEYS.get(m.group(1), m.group(1))
            page.meta.setdefault("field:" + key, m.group(2).strip())
            if key == "标题":
                page.title = m.group(2).strip()
            continue
        if set(s) <= set("=-—_ ") or s.startswith("页面链接"):
            continue
        page.blocks.append(Block(text=cell_text(s)))
        context = cell_text(s)
    flush_pipe()
    flush_spaced()
    if not page.title:
        page.title = _title_of([b.text for b in page.blocks[:6] if b.grid is None])
    return page


_FIELD_LINE = re.compile(r"^(标题|发布时间|發布時間|发布日期|发布机构|發布機構|信息来源|信息來源|来源|來源|文号|栏目"
                         r"|原文链接|URL)\s*[:：]\s*(.*)$")
_TRADITIONAL_KEYS = {"發布時間": "发布时间", "發布機構": "发布机构", "信息來源": "信息来源", "來源": "来源"}
_YEAR_AFTER = re.compile(r"[（(]\s*(?:19|20)\d\d\s*年度?\s*[)）]$")
_WRAPPED_TITLE_HEAD = re.compile(r"^(?:(?:19|20)\d\d年|年度|年报|报告|信息公开|政府信息|工作)")


def _title_of(lines: list[str]) -> str:
    """A dump's title: the first short line ending 报告, joined to the line before it when the title was
    wrapped (西咸新区底张街道办事处2023年度政府 / 信息公开工作年度报告; 某镇 / 2008年…报告). Markdown's # and the spaces
    a converter put around figures (某县人民政府 2025 年 政府…) are dropped."""
    texts = [re.sub(r"\s+", "", re.sub(r"^#+", "", t)) for t in lines]
    for i, t in enumerate(texts):
        if not (_YEAR_AFTER.sub("", t).endswith("报告") and len(t) < 80):  # …年度报告（2021年度）
            continue
        before = texts[i - 1] if i else ""
        if before and _WRAPPED_TITLE_HEAD.match(t) and len(before) < 40 and not re.search(r"[。：:，,；;]|报告$", before):
            return before + t
        return t
    return ""


# Page footers a dump keeps between rows: — 4 —, - 12 -, 第3页, Page8-… (a lone number is a cell, not a footer;
# the PDF reader, which sees positions, also drops lone numbers at a page's edge)
PAGE_FOOTER = re.compile(r"^(?:[-—–－]+\s*\d{1,3}\s*[-—–－]+|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
                          r"|Page\s*\d{1,3}\b.{0,40})$", re.I)
_RUNNING_TITLE = re.compile(r"^\s*Page\s*\d{1,3}\s*[-—–]\s*(?=\S*(?:年报|报告))", re.I)
FOLDED_HEADING = re.compile(r"\s+(?=[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）])")


def _unfold(line: str) -> list[str]:
    """A whole report stored on one line (a text dump that lost its line breaks): break it before each
    section heading (' 一、', ' (二)') so the title, headings and paragraphs are blocks again."""
    if len(line) < 300 or "|" in line:
        return [line]
    parts = FOLDED_HEADING.split(line)
    return parts if len(parts) >= 3 else [line]


_SENTENCES_THEN_CELLS = re.compile(r"^(.{40,}。)([^。|]*\|.*)$")


def _prose_before_pipes(line: str) -> tuple[str, str]:
    """(paragraph, rest) of a line whose first cell is prose of whole sentences (a report on one line that
    ends in a table's first cells: "…咨询。…申诉。 附表:… |"); ("", line) for any other line."""
    if "|" not in line or "。" not in line.split("|", 1)[0]:
        return "", line
    m = _SENTENCES_THEN_CELLS.match(line)
    return (m.group(1), m.group(2).strip()) if m else ("", line)


def _rejoin_wrapped_pipes(lines: list[str]) -> list[str]:
    """A cell whose closing pipe a dump wrapped onto the next line (`0` then a line of `|`), as the last
    cell of each row of a one-cell-per-line table often is: put the pipe back on the cell's line, which
    is where the reader of such tables looks for it."""
    out: list[str] = []
    for line in lines:
        s = line.strip()
        if s == "|" and out and (prev := out[-1].strip()) and "|" not in prev and len(prev) <= 40:
            out[-1] = prev + " |"
            continue
        out.append(line)
    return out


def _cells_as_pipe_lines(lines: list[str]) -> list[str]:
    """A table dumped one cell per line with blank lines between cells and no pipes at all: mark its cells
    with a trailing pipe, so the one-cell-per-line reader rebuilds it. A run counts as such a table when it
    has at least eight short lines, a third of them figures; section headings and long lines end a run."""
    out: list[str] = []
    run: list[int] = []  # indexes into out of the current run's lines

    def close() -> None:
        figures = sum(1 for i in run if is_figure(out[i].strip()))
        if len(run) >= 8 and figures * 3 >= len(run):
            for i in run:
                out[i] = out[i].strip() + " |"
        run.clear()

    for line in lines:
        s = line.strip()
        if not s:
            out.append(line)
            continue
        if len(s) <= 40 and "|" not in s and not SECTION_HEADING.match(s) and not s.endswith(("。", "；")):
            run.append(len(out))
        else:
            close()
        out.append(line)
    close()
    return out


def looks_like_html(text: str) -> bool:
    head = text[:2048].lower()
    return "<html" in head or "<!doctype" in head or "<table" in text[:200000].lower() or "<body" in head \
        or "<div" in head or "<p" in head


def _pick_title(doc, meta: dict[str, str], html_title: str) -> str:
    for key in ("articletitle", "title", "dc.title"):
        if meta.get(key) and "报告" in meta[key]:
            return meta[key]
    for xp in ("//h1", "//*[contains(@class,'title')]", "//h2", "//h3"):
        for el in doc.xpath(xp)[:20]:
            t = cell_text(text_of(el))
            if 4 <= len(t) <= 120 and "报告" in t:
                return t
    return meta.get("articletitle") or html_title


def _heading_texts(doc) -> list:
    bodies = [b for b in doc.iter("body") if not any(a.tag == "body" for a in b.iterancestors())]
    return [s for b in bodies for s in _HEADING_TEXTS_IN(b)]


def _find_container(doc):
    """The element holding the report: the smallest one with the most section headings."""
    counts: dict = {}  # element -> numbers of the section headings inside it
    for s in _heading_texts(doc):  # text nodes that may open a heading, found by libxml2, not a Python loop
        m = HEADING_RE.match(s)
        if not m:
            continue
        anc = s.getparent() if s.is_text else s.getparent().getparent()
        number = m.group(1)
        while anc is not None:
            found = counts.setdefault(anc, set())
            if number in found:  # so every ancestor above has it too: linear however deep the nesting
                break
            found.add(number)
            anc = anc.getparent()
    body = doc.find("body") if doc.find("body") is not None else doc
    if counts:
        best = max(len(v) for v in counts.values())
        if best >= 2:
            stats_tables = _report_tables(body)
            cands = [el for el, v in counts.items() if len(v) == best]
            if len(cands) <= 64:  # the usual page: a chain of nested candidates, the deepest asked first
                cands.sort(key=lambda el: -_depth(el))
                return next((el for el in cands if len(el.xpath(".//table")) >= stats_tables), cands[-1])
            # many nested candidates (pages pasted together): number the tree once, count tables by bisection
            order, ends, tables = _preorder(doc)
            cands.sort(key=lambda el: -order.get(el, -1))  # deepest (latest in document order among nested) first
            for el in cands:
                start = order.get(el)
                if start is not None and bisect.bisect_right(tables, ends[start]) - bisect.bisect_left(tables, start) \
                        >= stats_tables:
                    return el
            return cands[-1]
    for hint in _CONTAINER_HINTS:
        found = doc.xpath(
            f"//*[contains(translate(@class,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{hint}') "
            f"or contains(translate(@id,'ABCDEFGHIJKLMNOPQRSTUVWXYZ','abcdefghijklmnopqrstuvwxyz'),'{hint}')]"
        )
        found = [f for f in found if len(text_of(f)) > 200]
        if found:
            return max(found, key=lambda f: len(text_of(f)))
    return body


def _report_tables(body) -> int:
    """Tables that look like statistics (not layout tables around the page)."""
    n = 0
    for t in body.xpath(".//table"):
        txt = text_of(t)
        if any(k in txt for k in ("第二十条", "自然人", "行政复议", "指标名称", "信息内容")) and not t.xpath(".//table"):
            n += 1
    return n


def _depth(el) -> int:
    return sum(1 for _ in el.iterancestors())


def _preorder(root) -> tuple[dict, list[int], list[int]]:
    """Document-order numbers of every element under ``root``, each element's last descendant's number, and
    the numbers of the tables: subtree questions (how many tables inside?) become two bisections."""
    order: dict = {}
    ends: list[int] = []
    tables: list[int] = []
    stack: list[int] = []
    for event, el in lxml.etree.iterwalk(root, events=("start", "end")):
        if event == "start":
            n = len(ends)
            order[el] = n
            ends.append(n)
            stack.append(n)
            if el.tag == "table":
                tables.append(n)
        else:
            n = stack.pop()
            ends[n] = len(ends) - 1
    return order, ends, tables


def _blocks(container) -> list[Block]:
    blocks: list[Block] = []
    buf: list[str] = []

    def flush() -> None:
        text = cell_text("".join(buf))
        buf.clear()
        if text:
            blocks.append(Block(text=text))

    walker = lxml.etree.iterwalk(container, events=("start", "end"))
    for event, el in walker:
        if not isinstance(el.tag, str):
            continue
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag == "table" and el is not container:
                flush()
                grid = html_table_to_grid(el)
                if grid.cells:
                    grid.context = _last_text(blocks)
                    blocks.append(Block(grid=grid))
                walker.skip_subtree()
                continue
            if tag in _BLOCK_TAGS:
                flush()
            if el.text:
                buf.append(el.text)
        else:
            if tag in _BLOCK_TAGS or tag == "table":
                flush()
            if el.tail and el is not container:
                buf.append(el.tail)
    flush()
    return blocks


def _last_text(blocks: list[Block]) -> str:
    for b in reversed(blocks):
        if b.grid is None:
            return b.text
        return ""
    return ""


def _chrome_text(doc, container) -> str:
    """Page text outside the report body (info boxes, breadcrumbs, footer)."""
    body = doc.find("body")
    if body is None:
        return ""
    outside = cell_text(" ".join(body.itertext())).replace(cell_text(" ".join(container.itertext())), " | ", 1)
    return outside[:20000]
