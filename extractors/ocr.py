"""Scanned reports (PDFs without a text layer, JPEG/PNG images) to a Page, by OCR.

RapidOCR (PaddleOCR's Chinese models run on onnxruntime) ships its models inside
the wheel, so nothing is downloaded at run time. It is the optional extra
``nianbao[ocr]``: without it a scan is an ``UnsupportedFormat`` naming the
extra. Pages are rendered with pypdfium2 (already installed with pdfplumber).

A table is rebuilt from its ruling lines, as for PDFs with text: OpenCV finds
the horizontal and vertical lines, every white region they enclose is a cell
(a merged cell is one larger region), and each recognised text box goes to
the cell holding its centre, so blank cells stay cells. Pages are deskewed
first (by the median angle of their long lines). Cells the page-wide pass
read badly are read again from a tight crop of their own marks: a lone "1" or
"/" too thin for the text detector (its lean tells which), a dash read as 一,
a minus sign the detector dropped, a repeated digit the decoder merged ("77"
read as "7"), and digits misread as letters (O for 0, l for 1). A row of
figures whose parts do not add up to its total has its figures read again
one by one, and the one other reading that makes the row add up is kept
(with a warning saying so). The lines outside tables and
the grids then go through the PDF reader's page assembly (titles, running
footers, wrapped paragraphs), so downstream is shared.
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache

from nianbao.extractors.page import NotAReportError, Page, UnsupportedFormat
from nianbao.extractors.tables import Grid, cell_text, rectangular

DPI = 200  # scans are rendered at this resolution: enough for 10.5 pt CJK text, and OCR time grows with pixels
MAX_PIXELS = 40_000_000  # an image larger than this (a decompression bomb, or not a page) is refused
MAX_ASPECT = 10  # a page is about 1.4 times as tall as wide; a strip 10 times longer is no page (and OCR crashes)
MAX_CELLS = 2000  # a national table has about 300 cells; a picture ruled into thousands is no report table
MAX_PICTURES = 12  # pictures of one page read for its tables (a report's tables fill a few)
# The page-wide pass pads each text box to this width (at the recogniser's 48 px height) where RapidOCR pads
# to 320: most boxes are figures one or two characters wide, and padding them to 320 px doubled the
# recogniser's time. Re-reads of a cell's marks keep 320: a lone dash read narrow comes out as "1".
PAGE_REC_WIDTH = 160
INSTALL_HINT = "install the OCR extra: pip install 'nianbao[ocr]'"
_DIGITS = re.compile(r"[\dOoIlSs|,，.\s]+")
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZERO_MARKS = {"/", "—", "-", "－", "无"}
_DASHES = {"一", "二", "—", "–", "-", "－", "_", "——", "一一", "～", "~"}  # a lone dash, misread


def available() -> bool:
    try:
        import cv2  # noqa: F401
        import rapidocr_onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def require(what: str) -> None:
    if not available():
        raise UnsupportedFormat(f"{what}: reading it needs OCR; {INSTALL_HINT}")


_ENGINE_LOCK = threading.Lock()  # one OCR call at a time: recognise() sets the recogniser's width for its pass


@lru_cache(maxsize=1)
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def parse_scanned_pdf(data: bytes, max_pages: int) -> Page:
    """A PDF whose pages are pictures: each page rendered and read."""
    require("a scanned PDF (no text layer)")
    import numpy as np
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise NotAReportError(f"not a readable PDF ({exc})") from None
    try:
        if len(pdf) > max_pages:
            raise NotAReportError(f"{len(pdf)} pages, over the limit of {max_pages} pages (raise it with --max-pages)")
        pages, notes = [], []
        for page in pdf:
            width, height = page.get_size()
            if max(width, height) > MAX_ASPECT * max(1.0, min(width, height)):
                raise NotAReportError(f"a scanned PDF page of {width:.0f}x{height:.0f} points is a strip, not a page")
            scale = min(DPI / 72, (MAX_PIXELS / max(width * height, 1)) ** 0.5)
            pages.append(read_page(np.asarray(page.render(scale=scale, grayscale=True).to_pil().convert("L")),
                                   notes))
    finally:
        pdf.close()
    return _assemble(pages, "the scanned PDF", notes)


def parse_image(data: bytes, kind: str = "PNG") -> Page:
    """A JPEG or PNG picture of a report page."""
    require(f"a {kind} image")
    import cv2
    import numpy as np
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise NotAReportError(f"a {kind} image of {im.width}x{im.height} pixels, over the {MAX_PIXELS:,} "
                                      "a page can be")
            if max(im.width, im.height) > MAX_ASPECT * max(1, min(im.width, im.height)):
                raise NotAReportError(f"a {kind} image of {im.width}x{im.height} pixels is a strip, not a page")
            gray = np.asarray(im.convert("L"))
    except NotAReportError:
        raise
    except Exception as exc:  # PIL raises many kinds for a broken or bomb image
        raise NotAReportError(f"not a readable {kind} image ({type(exc).__name__})") from None
    if min(gray.shape) < 200:
        raise NotAReportError(f"a {kind} image of {gray.shape[1]}x{gray.shape[0]} pixels is too small to be a "
                              "report page")
    if gray.shape[1] > 3000:  # a photo or a 400-dpi scan: OCR at about DPI
        f = 2480 / gray.shape[1]
        gray = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    notes: list[str] = []
    return _assemble([read_page(gray, notes)], f"the {kind} image", notes)


def _assemble(pages, what: str, notes: list[str]) -> Page:
    from nianbao.extractors.pdf import assemble_pages

    page = assemble_pages(pages)
    if not page.blocks:
        raise NotAReportError(f"OCR found no text in {what} (blank, or not a report page)")
    if notes:
        page.meta["x-notes"] = "\n".join(notes)
    return page


def read_page(gray, notes: list[str] | None = None) -> tuple[list[dict], list[tuple[float, Grid]]]:
    """(text lines outside tables, [(top, grid)]) of one page image, as the PDF reader gives them; what was
    decided between readings is added to ``notes``."""
    notes = [] if notes is None else notes
    gray = deskew(gray)
    rules = ruling_lines(gray)
    tables = find_tables(rules)  # first: a picture ruled into thousands of cells is refused before OCR runs
    boxes = recognise(gray)
    unruled = gray.copy()
    unruled[rules > 0] = 255  # cells re-read from this: a rule's stub in a crop reads as "1"
    grids, used = [], set()
    for cells, (x0, y0, x1, y1) in tables:
        inside = [i for i, b in enumerate(boxes) if x0 <= b["cx"] <= x1 and y0 <= b["cy"] <= y1]
        used.update(inside)
        grids.append((float(y0), _grid(cells, [boxes[i] for i in inside], unruled, notes)))
    lines = _lines([b for i, b in enumerate(boxes) if i not in used], gray.shape[1])
    return lines, grids


def recognise(gray) -> list[dict]:
    """OCR text boxes: text, bounds, centre."""
    import cv2

    engine = _engine()
    with _ENGINE_LOCK:  # (the width read inside it: read outside, another pass's narrow one could be kept)
        shape = engine.text_rec.rec_image_shape
        engine.text_rec.rec_image_shape = [*shape[:2], PAGE_REC_WIDTH]
        try:
            result, _ = engine(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR))
        finally:
            engine.text_rec.rec_image_shape = shape
    out = []
    for quad, text, score in result or []:
        xs, ys = [p[0] for p in quad], [p[1] for p in quad]
        text = cell_text(text)
        if text:
            out.append({"text": text, "x0": min(xs), "x1": max(xs), "top": min(ys), "bottom": max(ys),
                        "cx": (min(xs) + max(xs)) / 2, "cy": (min(ys) + max(ys)) / 2, "score": float(score)})
    return out


def deskew(gray, limit: float = 5.0):
    """The page turned upright by its skew angle (see skew_angle); a page with no long lines as it is."""
    import cv2

    angle = skew_angle(gray, limit)
    if angle is None or abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    return cv2.warpAffine(gray, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h),
                          flags=cv2.INTER_LINEAR, borderValue=255)


def skew_angle(gray, limit: float = 5.0) -> float | None:
    """The page's skew in degrees (positive: its lines fall to the right), the median angle of its strongest
    near-horizontal lines (table rules, underlines, lines of text); None for a page with none."""
    import cv2
    import numpy as np

    # found at half the resolution, by the standard Hough transform over angles within ``limit`` of
    # horizontal only (0.02 degree steps): 40 ms a page, where a probabilistic one over every angle took
    # 0.8 s and came out up to 0.2 degrees off on turned scans
    half = gray.shape[1] > 1000
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if half else gray
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 13 if half else 25, 15)
    lines = cv2.HoughLines(ink, 1, np.pi / 9000, threshold=small.shape[1] // 3,
                           min_theta=np.pi / 2 - np.radians(limit), max_theta=np.pi / 2 + np.radians(limit))
    if lines is None or not len(lines):  # (OpenCV gives None or an empty array)
        return None
    return float(np.median(np.degrees(lines[:20, 0, 1]) - 90))  # the 20 lines with most ink: the longest


def ruling_lines(gray):
    """A mask of the page's long horizontal and vertical lines (slightly thickened)."""
    import cv2
    import numpy as np

    h, w = gray.shape
    ink = cv2.adaptiveThreshold(gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (max(20, w // 40), 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, max(15, h // 80))))
    return cv2.dilate(horizontal | vertical, np.ones((3, 3), np.uint8))


def find_tables(rules) -> list[tuple[list[tuple[int, int, int, int]], tuple[int, int, int, int]]]:
    """Each ruled table as (cell rectangles, table bounds): the white regions its lines enclose."""
    import cv2

    h, w = rules.shape
    tables = []
    n, _, stats, _ = cv2.connectedComponentsWithStats(rules, connectivity=8)
    for i in range(1, n):
        x, y, tw, th, _ = stats[i]
        if tw < w * 0.3 or th < 30:
            continue
        region = rules[y:y + th, x:x + tw]
        m, _, cstats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(region), connectivity=4)
        cells = []
        for j in range(1, m):
            cx, cy, cw, ch, area = cstats[j]
            touches_edge = cx == 0 or cy == 0 or cx + cw >= tw or cy + ch >= th
            if cw >= 8 and ch >= 8 and not touches_edge and area >= 0.5 * cw * ch:
                cells.append((int(x + cx), int(y + cy), int(x + cx + cw), int(y + cy + ch)))
        if len(cells) > MAX_CELLS:
            raise NotAReportError(f"a picture ruled into {len(cells):,} cells (a report table has a few hundred)")
        if len(cells) >= 4:
            tables.append((cells, (int(x), int(y), int(x + tw), int(y + th))))
    return sorted(tables, key=lambda t: t[1][1])


def _cuts(values: list[float], tolerance: float) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _grid(cells: list[tuple[int, int, int, int]], boxes: list[dict], gray, notes: list[str]) -> Grid:
    """Cell rectangles and the text boxes inside them as a Grid: a merged cell covers every grid position
    whose centre it holds, with one origin."""
    # a cell's edge and its neighbour's lie a ruling line's width apart: cluster them as one cut
    span = max(c[2] for c in cells) - min(c[0] for c in cells)
    xs = _cuts([c[0] for c in cells] + [c[2] for c in cells], max(8.0, span * 0.008))
    ys = _cuts([c[1] for c in cells] + [c[3] for c in cells], 8.0)
    col_mid = [(a + b) / 2 for a, b in zip(xs, xs[1:], strict=False)]
    row_mid = [(a + b) / 2 for a, b in zip(ys, ys[1:], strict=False)]
    texts = {k: [] for k in range(len(cells))}
    for b in boxes:
        k = next((k for k, (x0, y0, x1, y1) in enumerate(cells) if x0 <= b["cx"] <= x1 and y0 <= b["cy"] <= y1), None)
        if k is not None:
            texts[k].append(b)
    content = {k: _cell_text(v) for k, v in texts.items()}
    heights = sorted(b["bottom"] - b["top"] for b in boxes)
    line_height = heights[len(heights) // 2] if heights else 20.0
    content.update(_read_again(gray, cells, texts, content, line_height))
    for k, text in content.items():
        if text in ("1", "/") and (crop := _mark_crop(gray, cells[k], line_height)) is not None:
            content[k] = "/" if _slanted(crop) else "1"  # one stroke: its lean decides, not the recogniser
    content.update(_recount_digits(gray, cells, content, line_height))
    for k, text in content.items():
        if _FIGURE.fullmatch(text) and texts[k] and _minus_before(gray, cells[k], texts[k], line_height):
            content[k] = "-" + text  # 本年增/减 figures: the detector drops a lone minus sign
    rows, origin = [], []
    for r, cy in enumerate(row_mid):
        row_t, row_o = [], []
        for c, cx in enumerate(col_mid):
            k = next((k for k, (x0, y0, x1, y1) in enumerate(cells) if x0 <= cx <= x1 and y0 <= cy <= y1), None)
            row_t.append(content[k] if k is not None else "")
            row_o.append(k if k is not None else len(cells) + r * len(col_mid) + c)
        if any(o < len(cells) for o in row_o):
            rows.append(row_t)
            origin.append(row_o)
    for row_t, row_o in zip(rows, origin, strict=True):
        _choose_by_total(row_t, row_o, lambda ks: _reread_figures(gray, cells, ks, line_height), notes)
    return rectangular(rows, origin, len(cells) + len(row_mid) * len(col_mid))


def _choose_by_total(row: list[str], owners: list[int], alternatives, notes: list[str]) -> None:
    """A row of figures ending in its total whose parts do not add up: each figure is read again from its own
    marks (``alternatives(owner ids)`` gives the other readings), and when exactly one changed cell makes the
    parts add up to the total, that reading is kept and said in ``notes``."""
    values = [(i, o) for i, (t, o) in enumerate(zip(row, owners, strict=True))
              if _FIGURE.fullmatch(t) or t in _ZERO_MARKS]
    unique = list(dict.fromkeys(o for _, o in values))
    if len(unique) < 3:
        return
    first = {o: next(row[i] for i, oo in values if oo == o) for o in unique}

    def holds(readings: dict[int, str]) -> bool:
        figures = [0.0 if readings[o] in _ZERO_MARKS else float(readings[o].replace(",", "")) for o in unique]
        return abs(sum(figures[:-1]) - figures[-1]) < 1e-6

    if holds(first):
        return
    others = alternatives([o for o in unique if first[o] not in _ZERO_MARKS])
    fixes = [(o, t) for o, t in others.items() if t != first[o] and holds({**first, o: t})]
    if len(fixes) != 1:
        return
    owner, text = fixes[0]
    for i, o in values:
        if o == owner:
            row[i] = text
    notes.append(f"OCR read a cell as {first[owner]} or {text}; {text} makes its row add up to its total")


def _read_again(gray, cells, texts: dict[int, list[dict]], content: dict[int, str], line_height: float
                ) -> dict[int, str]:
    """Cells the page-wide pass read badly, recognised again from a tight crop of their marks: a cell with
    a mark but no text (a lone "1" or "/" is too thin for the text detector), a short cell that is neither
    a figure nor words ("m" for 3), or a figure read with low confidence. The crop's reading is kept when
    it is a figure (or a zero mark) and, for a figure already read, when it is more confident. A stroke
    read as "1" or "/" is one or the other by its lean."""
    todo = []
    for k, cell in enumerate(cells):
        text, score = content[k], min((b.get("score", 1.0) for b in texts[k]), default=0.0)
        if text in _ZERO_MARKS or _CJK.search(text) or (_FIGURE.fullmatch(text) and score >= 0.9):
            continue
        crop = _mark_crop(gray, cell, line_height)
        if crop is not None:
            todo.append((k, crop, text, score))
    out = {}
    found = _recognise([crop for _, crop, _, _ in todo])
    for (k, crop, before, score), (text, new_score) in zip(todo, found, strict=True):
        if text in ("1", "/", "l", "I", "|") or (not text and _one_stroke(crop)):
            text, new_score = ("/" if _slanted(crop) else "1"), max(new_score, 0.5)  # its lean decides
        if new_score >= 0.5 and (_FIGURE.fullmatch(text) or text in _ZERO_MARKS) and \
                (not _FIGURE.fullmatch(before) or new_score > score):
            out[k] = text
    return out


def _reread_figures(gray, cells, keys: list[int], line_height: float) -> dict[int, str]:
    """Each of these cells' marks recognised again on their own: the figures read."""
    crops = {k: crop for k in keys if (crop := _mark_crop(gray, cells[k], line_height)) is not None}
    read = {k: text for k, (text, _) in zip(crops, _recognise(list(crops.values())), strict=True)}
    return {k: text for k, text in read.items() if _FIGURE.fullmatch(text)}


def _mark_crop(gray, cell: tuple[int, int, int, int], line_height: float):
    """The marks of a cell, cropped tight and padded white for the recogniser; None for a blank cell."""
    x0, y0, x1, y1 = cell
    box = _marks(gray[y0:y1, x0:x1], line_height)
    return None if box is None else _padded(gray[y0 + box[1]:y0 + box[3], x0 + box[0]:x0 + box[2]], line_height)


def _padded(img, line_height: float):
    import cv2

    pad = max(4, int(line_height * 0.3))
    return cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=255)


def _recognise(crops: list) -> list[tuple[str, float]]:
    """Each crop recognised as one line (the recogniser alone, no detection), cleaned: (text, confidence)."""
    import cv2

    if not crops:
        return []
    with _ENGINE_LOCK:
        found = _engine().text_rec([cv2.cvtColor(c, cv2.COLOR_GRAY2BGR) for c in crops])[0]
    return [(_clean(cell_text(text)), float(score)) for text, score in found]


def _marks(cell, line_height: float) -> tuple[int, int, int, int] | None:
    """The bounds of the marks inside a cell image: dark components clear of the cell's edges (where the
    stubs of its ruling lines lie) and at least a third of a text line tall, or else a lone dash; None for a
    blank cell."""
    import cv2
    import numpy as np

    h, w = cell.shape
    if h < 6 or w < 6:
        return None
    n, _, stats, _ = cv2.connectedComponentsWithStats((cell < 160).astype(np.uint8), connectivity=8)
    edge = 3
    found = [stats[i] for i in range(1, n) if stats[i][1] >= edge and stats[i][0] >= edge and
             stats[i][0] + stats[i][2] <= w - edge and stats[i][1] + stats[i][3] <= h - edge and
             stats[i][3] >= line_height / 3]
    if not found:  # a dash alone (a zero printed as —): flat, clear of the edges, away from the rules
        dashes = [stats[i] for i in range(1, n) if stats[i][0] >= edge + 2 and stats[i][1] >= edge + 2 and
                  stats[i][0] + stats[i][2] <= w - edge - 2 and stats[i][1] + stats[i][3] <= h - edge - 2 and
                  stats[i][2] >= line_height * 0.3 and stats[i][2] >= 3 * stats[i][3]]
        if len(dashes) != 1:
            return None
        x, y, dw, dh = (int(v) for v in dashes[0][:4])
        return x, max(0, y - int(line_height / 3)), x + dw, min(h, y + dh + int(line_height / 3))
    top, bottom = min(s[1] for s in found), max(s[1] + s[3] for s in found)
    found += [stats[i] for i in range(1, n) if stats[i][0] >= edge and stats[i][0] + stats[i][2] <= w - edge and
              top <= stats[i][1] + stats[i][3] / 2 <= bottom and stats[i][4] >= 3]  # a minus sign, a decimal point
    return (min(s[0] for s in found), top, max(s[0] + s[2] for s in found), bottom)


def _recount_digits(gray, cells, content: dict[int, str], line_height: float) -> dict[int, str]:
    """Figures with fewer digits than their cell has digit-sized marks, read again one mark at a time: the
    recogniser's decoding merges a repeated digit ("77" read as "7"). The new reading is kept when every
    mark reads as one digit and the old reading is part of it."""
    import cv2
    import numpy as np

    todo = []
    for k, text in content.items():
        if not re.fullmatch(r"\d{1,6}", text):
            continue
        x0, y0, x1, y1 = cells[k]
        img = gray[y0 + 2:y1 - 1, x0 + 2:x1 - 1]
        n, _, stats, _ = cv2.connectedComponentsWithStats((img < 160).astype(np.uint8), connectivity=8)
        tall = [s for s in stats[1:] if s[3] >= line_height * 0.4 and s[0] > 0 and s[0] + s[2] < img.shape[1]]
        tallest = max((s[3] for s in tall), default=0)
        marks = sorted((s for s in tall if s[3] >= tallest * 0.6), key=lambda s: s[0])
        parts = [(int(x), int(y), int(w), int(h)) for x, y, w, h, _ in marks]
        if len(parts) <= len(text) or len(parts) > 6:
            continue
        todo.append((k, [_padded(img[y:y + h, x:x + w], line_height) for x, y, w, h in parts]))
    found = iter(_recognise([c for _, crops in todo for c in crops]))
    out = {}
    for k, crops in todo:
        read = [t for t, _ in (next(found) for _ in crops)]
        if all(re.fullmatch(r"\d", r) for r in read) and content[k] in "".join(read):
            out[k] = "".join(read)
    return out


def _minus_before(gray, cell: tuple[int, int, int, int], boxes: list[dict], line_height: float) -> bool:
    """Whether the leftmost mark in a cell is a short flat dash at the figure's mid-height: a minus sign."""
    import cv2
    import numpy as np

    x0, y0, x1, y1 = cell
    img = gray[y0 + 2:y1 - 1, x0 + 2:x1 - 1]
    if img.size == 0:
        return False
    n, _, stats, _ = cv2.connectedComponentsWithStats((img < 160).astype(np.uint8), connectivity=8)
    marks = sorted((s for s in stats[1:] if s[4] >= 3), key=lambda s: s[0])
    if len(marks) < 2:
        return False
    dash, rest = marks[0], marks[1:]
    top = min(s[1] for s in rest)
    bottom = max(s[1] + s[3] for s in rest)
    mid = dash[1] + dash[3] / 2
    return (dash[2] >= 2 * dash[3] and dash[3] <= max(3, line_height * 0.15) and dash[2] <= line_height * 0.8
            and dash[0] + dash[2] <= min(s[0] for s in rest) and top + (bottom - top) * 0.3 <= mid
            <= top + (bottom - top) * 0.75)


def _one_stroke(crop) -> bool:
    """A single mark much taller than wide (a "1" or a "/" the recogniser returned nothing for)."""
    import cv2
    import numpy as np

    dark = crop < (int(crop.min()) + 255) // 2
    n, _, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    marks = [s for s in stats[1:] if s[4] >= 4]
    return len(marks) == 1 and marks[0][2] <= marks[0][3] * 0.45


def _slanted(crop) -> bool:
    """Whether a cell's one stroke (its largest mark) leans like "/" rather than standing like "1"."""
    import cv2
    import numpy as np

    dark = crop < (int(crop.min()) + 255) // 2  # relative to the stroke: faint scans have grey strokes
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark.astype(np.uint8), connectivity=8)
    if n < 2:
        return False
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    ys, xs = np.nonzero(labels == biggest)
    if len(ys) < 8 or ys.max() - ys.min() < 6:
        return False
    return float(np.polyfit(ys.astype(float), xs.astype(float), 1)[0]) < -0.15


def _cell_text(boxes: list[dict]) -> str:
    """A cell's text boxes in reading order, cleaned."""
    return _clean("".join(b["text"] for b in _reading_order(boxes)))


def _clean(text: str) -> str:
    """A figure's letter-like misreadings put right; a lone dash (read as 一, the character one) a dash."""
    text = _as_figure(text)
    return "—" if text in _DASHES else text


def _as_figure(text: str) -> str:
    """A figure's letter-like misreadings put right (1O5 -> 105); any other text as it is."""
    if _DIGITS.fullmatch(text) and any(ch.isdigit() for ch in text) or text in ("O", "o"):
        return text.translate(str.maketrans("OoIl|，Ss", "00111,55")).replace(" ", "")
    return text


def _reading_order(boxes: list[dict]) -> list[dict]:
    return [b for line in _group_lines(boxes) for b in sorted(line, key=lambda b: b["x0"])]


def _group_lines(boxes: list[dict]) -> list[list[dict]]:
    lines: list[list[dict]] = []
    for b in sorted(boxes, key=lambda b: b["cy"]):
        if lines and abs(b["cy"] - lines[-1][-1]["cy"]) < (b["bottom"] - b["top"]) * 0.5:
            lines[-1].append(b)
        else:
            lines.append([b])
    return lines


def _lines(boxes: list[dict], width: int) -> list[dict]:
    """Text outside tables as the PDF reader's lines: boxes on one baseline joined left to right."""
    out = []
    for line in _group_lines(boxes):
        line.sort(key=lambda b: b["x0"])
        out.append({"text": "".join(b["text"] for b in line), "top": min(b["top"] for b in line),
                    "x0": line[0]["x0"], "x1": line[-1]["x1"], "width": width,
                    "size": sorted(b["bottom"] - b["top"] for b in line)[len(line) // 2]})
    return out
