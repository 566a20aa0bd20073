"""Word .docx reports (often the attachment a portal links instead of an HTML page) to a Page.

A .docx is a zip whose word/document.xml holds paragraphs and tables in
reading order; merged cells are w:gridSpan (columns) and w:vMerge (rows:
"restart" opens a merged cell, a bare w:vMerge continues the one above).
Read with lxml directly: nothing else is needed for text and tables.
"""

from __future__ import annotations

import io
import zipfile
import zlib

import lxml.etree

from nianbao.extractors.page import Block, NotAReportError, Page
from nianbao.extractors.tables import MAX_SPAN_CELLS, Grid, cell_text, rectangular

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_XML_BYTES = 50 * 1024 * 1024


def is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        return "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return False


def parse_docx(data: bytes) -> Page:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        info = archive.getinfo("word/document.xml")
        if info.file_size > MAX_XML_BYTES:  # a zip bomb is not a report
            raise NotAReportError(f"word/document.xml is {info.file_size} bytes unpacked")
        with archive.open(info) as fh:  # the header's size may lie: cap the bytes actually inflated
            xml = fh.read(MAX_XML_BYTES + 1)
        if len(xml) > MAX_XML_BYTES:
            raise NotAReportError(f"word/document.xml inflates past {MAX_XML_BYTES} bytes")
        root = lxml.etree.fromstring(xml, lxml.etree.XMLParser(resolve_entities=False, huge_tree=False))
    except (zipfile.BadZipFile, KeyError, lxml.etree.XMLSyntaxError, EOFError, zlib.error) as exc:
        raise NotAReportError(f"not a readable .docx ({exc})") from None
    body = root.find(f"{W}body")
    page = Page()
    if body is None:
        return page
    for el in body:
        if el.tag == f"{W}p":
            text = _text(el)
            if text:
                page.blocks.append(Block(text=text))
        elif el.tag == f"{W}tbl":
            grid = _table(el)
            if grid.cells:
                grid.context = next((b.text for b in reversed(page.blocks) if b.grid is None), "")
                page.blocks.append(Block(grid=grid))
    for b in page.blocks[:6]:  # the first short line ending in 报告 is the title
        if b.grid is None and len(b.text) < 80 and b.text.endswith("报告"):
            page.title = b.text
            break
    return page


def _text(el) -> str:
    parts = []
    for node in el.iter(f"{W}t", f"{W}tab", f"{W}br"):
        parts.append((node.text or "") if node.tag == f"{W}t" else " ")
    return cell_text("".join(parts))


def _table(tbl) -> Grid:
    """Rows of (text, colspan, vMerge state) expanded into a Grid with merged cells repeated."""
    cells: list[list[str]] = []
    origin: list[list[int]] = []
    next_id = 0
    budget = MAX_SPAN_CELLS
    for tr in tbl.iter(f"{W}tr"):
        if _owner(tr) is not tbl:
            continue
        row_t: list[str] = []
        row_o: list[int] = []
        for tc in tr.findall(f"{W}tc"):
            props = tc.find(f"{W}tcPr")
            span_el = props.find(f"{W}gridSpan") if props is not None else None
            span = int(span_el.get(f"{W}val", "1")) if span_el is not None else 1
            span = max(1, min(span, 60, budget))
            budget -= span
            merge = props.find(f"{W}vMerge") if props is not None else None
            continues = merge is not None and merge.get(f"{W}val", "continue") != "restart"
            col = len(row_t)
            above = cells[-1] if cells else []
            if continues and col < len(above):  # the merged cell above reaches down into this row
                text, oid = above[col], origin[-1][col]
            else:
                text, oid = "".join(_text(p) for p in tc.iter(f"{W}p")), next_id  # a label split over paragraphs
                next_id += 1
            row_t += [cell_text(text)] * span
            row_o += [oid] * span
        cells.append(row_t)
        origin.append(row_o)
    return rectangular(cells, origin, next_id)


def _owner(el):
    p = el.getparent()
    while p is not None and p.tag != f"{W}tbl":
        p = p.getparent()
    return p
