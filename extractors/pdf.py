"""PDF reports with a text layer (exported from Word or WPS) to a Page: tables from ruling lines, text in lines.

pdfplumber (on pdfminer.six) gives every character with its position and the
ruling lines of the page, so a table is rebuilt from its own grid rather than
from flattened text: merged cells keep their span (each grid position the cell
covers gets its text and one origin, as HTML spans do), and blank cells stay
cells. Text outside the tables is read line by line and rejoined into
paragraphs; running headers, footers and page numbers (`- 3 -`) are dropped;
a title centred in a larger font over two lines is one title. A table that
continues on the next page is simply the next grid: the section readers join
tables already.

Bounds: a page limit the caller can raise (a PDF of hundreds of pages is not an
annual report, and each page costs time), and pdfminer never renders images,
so huge embedded images cost nothing. A PDF with no usable text layer (a scan,
or fonts with no Unicode map) goes to OCR (extractors/ocr.py) when the extra
is installed, unless its images are far larger than any scanned page.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from statistics import median

from nianbao.extractors.page import PAGE_FOOTER, Block, NotAReportError, Page, UnsupportedFormat
from nianbao.extractors.tables import Grid, cell_text, rectangular

MAX_PAGES = 60
MAX_IMAGE_PIXELS = 150_000_000  # a scanned A4 page at 600 dpi is 35 M pixels; far larger is a bomb, not a page
_PAGE_NUMBER = re.compile(r"^\d{1,3}(?:\s*/\s*\d{1,3})?$")  # besides the footers a text dump keeps: 3, 3/10
_OPENS_BLOCK = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[.、．]|附件|附表)")
_ENDS_BLOCK = re.compile(r"[。：:；;！!？?]$")


def is_pdf(data: bytes) -> bool:
    return b"%PDF-" in data[:1024]


def parse_pdf(data: bytes, max_pages: int = MAX_PAGES) -> Page:
    """Raises NotAReportError (one line) for a PDF that needs a password, is broken, is over the page
    limit, or has no text layer (a scan)."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many kinds for a broken file; pdfplumber wraps some of them
        cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise NotAReportError("an encrypted PDF that needs a password") from None
        raise NotAReportError(f"not a readable PDF ({type(cause).__name__})") from None
    with pdf:
        try:
            n = _page_count(pdf.doc, max_pages)  # before pdfplumber loads every page of a tree of millions
            if n > max_pages:
                at_least = "at least " if n == max_pages + 1 else ""  # counted no further
                raise NotAReportError(f"{at_least}{n:,} pages, over the limit of {max_pages} pages (raise it with "
                                      "--max-pages)")
            pages = [_read_page(p) for p in pdf.pages]
            largest_image = max((i["srcsize"][0] * i["srcsize"][1] for p in pdf.pages for i in p.images), default=0)
        except NotAReportError:
            raise
        except Exception as exc:  # a damaged page stream: the file is not readable as a whole
            cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
            raise NotAReportError(f"not a readable PDF ({type(cause).__name__})") from None
    text = "".join(ln["text"] for lines, _ in pages for ln in lines)
    if not any(lines or grids for lines, grids in pages) or text.count("(cid:") * 8 > len(text) * 0.3:
        if largest_image > MAX_IMAGE_PIXELS:
            raise NotAReportError(f"a PDF holding an image of {largest_image:,} pixels (over {MAX_IMAGE_PIXELS:,}): "
                                  "not a scanned report page")
        return _by_ocr(data, max_pages, "a scanned PDF (no text layer)" if not text else
                       "the PDF's fonts map no characters to Unicode (text reads as (cid:…))")
    return assemble_pages(pages)


def _page_count(doc, limit: int) -> int:
    """The document's pages, counted no further than limit + 1: a page tree may claim (/Count) or hold
    millions, and walking it all costs minutes and gigabytes."""
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdftypes import resolve1

    try:
        claimed = resolve1(resolve1(doc.catalog.get("Pages")).get("Count"))
    except (AttributeError, TypeError):
        claimed = None
    if isinstance(claimed, int) and claimed > limit:
        return claimed
    n = 0
    for _ in PDFPage.create_pages(doc):
        n += 1
        if n > limit:
            break
    return n


def _by_ocr(data: bytes, max_pages: int, why: str) -> Page:
    """A PDF with no usable text layer, read by OCR (when the extra is installed); marked pdf_ocr."""
    from nianbao.extractors import ocr

    if not ocr.available():
        raise UnsupportedFormat(f"{why}: reading it needs OCR; {ocr.INSTALL_HINT}")
    page = ocr.parse_scanned_pdf(data, max_pages)
    page.meta["x-source-kind"] = "pdf_ocr"
    return page


def _read_page(page) -> tuple[list[dict], list[tuple[float, Grid]]]:
    """(text lines outside tables, [(top, grid)]) of one page."""
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj) -> bool:
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)

    text = page.filter(outside) if boxes else page
    lines = []
    for ln in text.extract_text_lines(keep_blank_chars=False):
        s = cell_text(ln["text"])
        if s:
            sizes = [c.get("size", 0) for c in ln.get("chars", [])]
            lines.append({"text": s, "top": ln["top"], "x0": ln["x0"], "x1": ln["x1"],
                          "size": median(sizes) if sizes else 0, "width": page.width})
    return lines, [(t.bbox[1], _grid(t)) for t in tables]


def _grid(table) -> Grid:
    """A pdfplumber table as a Grid: every position a merged cell covers holds its text and its origin."""
    rows = table.rows
    extracted = table.extract()
    xs = _centres([[r.cells[c] for r in rows] for c in range(max(len(r.cells) for r in rows))], 0, 2)
    ys = _centres([r.cells for r in rows], 1, 3)
    owners: dict[tuple, tuple[str, int]] = {}
    for r, row in enumerate(rows):
        for c, box in enumerate(row.cells):
            if box is not None and box not in owners:
                text = extracted[r][c] if r < len(extracted) and c < len(extracted[r]) else ""
                owners[box] = (cell_text(text or ""), len(owners))
    cells, origin = [], []
    for r in range(len(rows)):
        row_t, row_o = [], []
        for c in range(len(xs)):
            box = rows[r].cells[c] if c < len(rows[r].cells) else None
            if box is None:  # covered by a merged cell: the one whose box holds this position's centre
                box = next((b for b in owners if b[0] <= xs[c] <= b[2] and b[1] <= ys[r] <= b[3]), None)
            text, oid = owners[box] if box is not None else ("", len(owners) + r * len(xs) + c)
            row_t.append(text)
            row_o.append(oid)
        cells.append(row_t)
        origin.append(row_o)
    return rectangular(cells, origin, len(owners) + len(rows) * len(xs))


def _centres(groups, lo: int, hi: int) -> list[float]:
    """The centre of each column (or row), from its narrowest box: a merged cell is wider than its column."""
    out = []
    for boxes in groups:
        sized = [b for b in boxes if b is not None]
        box = min(sized, key=lambda b: b[hi] - b[lo]) if sized else None
        out.append((box[lo] + box[hi]) / 2 if box else (out[-1] + 1 if out else 0.0))
    return out


def assemble_pages(pages: list[tuple[list[dict], list[tuple[float, Grid]]]]) -> Page:
    """Per-page (lines, grids), from the text layer or from OCR, as one Page."""
    running = _running_lines([lines for lines, _ in pages])
    body_size = median([ln["size"] for lines, _ in pages for ln in lines] or [0])
    page = Page()
    title: list[str] = []
    for number, (lines, grids) in enumerate(pages):
        items = [(ln["top"], ln, None) for ln in lines if ln["text"] not in running and
                 not PAGE_FOOTER.match(ln["text"]) and not _PAGE_NUMBER.match(ln["text"])]
        items += [(top, None, g) for top, g in grids]
        items.sort(key=lambda item: item[0])
        wide = False
        for i, (_, ln, grid) in enumerate(items):
            if grid is not None:
                grid.context = next((b.text for b in reversed(page.blocks) if b.grid is None), "")
                page.blocks.append(Block(grid=grid))
                wide = False
                continue
            if number == 0 and i == len(title) and not page.blocks and ln["size"] > body_size * 1.1:
                title.append(ln["text"])  # the title: the first lines, set larger than the body
                continue
            if title and not page.title:
                page.title = "".join(title)
                page.blocks.append(Block(text=page.title))
            wide = _add_line(page, ln, wide)
    if title and not page.title:
        page.title = "".join(title)
        page.blocks.insert(0, Block(text=page.title))
    return page


def _add_line(page: Page, ln: dict, previous_wide: bool) -> bool:
    """Rejoin a paragraph wrapped over lines: a line continues the block before it when that one ran to the
    margin, did not finish a sentence, and this line opens no heading. Returns whether this line is wide."""
    last = page.blocks[-1] if page.blocks else None
    if previous_wide and last is not None and last.grid is None and not _OPENS_BLOCK.match(ln["text"]) \
            and not _ENDS_BLOCK.search(last.text):
        last.text += ln["text"]
    else:
        page.blocks.append(Block(text=ln["text"]))
    return ln["x1"] >= ln["width"] * 0.75


def _running_lines(pages: list[list[dict]]) -> set[str]:
    """Running headers and footers: the same text as a page's first or last line on most pages."""
    if len(pages) < 2:
        return set()
    edges = Counter(t for lines in pages if lines for t in {lines[0]["text"], lines[-1]["text"]})
    return {t for t, n in edges.items() if n >= max(2, (len(pages) + 1) // 2) and not _OPENS_BLOCK.match(t)}
