"""Report PDFs with known values, laid out as Word/WPS exports are: for the PDF reader's tests and benchmark.

The report's own tables (from the HTML page generator) are drawn with ruling
lines and merged cells; the text is set in WenQuanYi Micro Hei, embedded in the
PDF (from the paperang-p2-fonts-cjk package, a dev dependency), so the PDFs read
and render the same on every machine, with or without a CJK font installed.
Without that package the text falls back to Adobe's STSong-Light CID font,
which reportlab references without embedding and which a renderer can draw
only with a CJK font of the machine's.

Styles vary what real exports vary: the title wrapped over two centred lines,
page footers ("- 3 -", "第3页"), a running header, zero cells printed as "0",
"/", "—" or left blank, and tables that break across pages with or without
their header rows repeated, the merged group cell (三、本年度办理结果) printed
again on the new page or left blank there.
"""

from __future__ import annotations

import io
import random

from nianbao.sample_portal.pages import Report, render

FONT = "WenQuanYiMicroHei"
FALLBACK_FONT = "STSong-Light"
BLANK_FORMS = ("0", "/", "—", "", "无")


def _font() -> None:
    """Register FONT: the embedded TrueType font when its package is installed, else the CID fallback under
    the same name."""
    from reportlab.pdfbase import pdfmetrics

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    try:
        from pathlib import Path

        import paperang_p2_fonts_cjk
        from reportlab.pdfbase.ttfonts import TTFont

        path = Path(paperang_p2_fonts_cjk.__file__).parent / "fonts" / "wqy-microhei.ttc"
        pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    except ImportError:
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        font = UnicodeCIDFont(FALLBACK_FONT)
        font.name = font.fontName = FONT
        pdfmetrics.registerFont(font)


def render_pdf(rep: Report, seed: int = 0, **force) -> tuple[bytes, dict]:
    """(PDF bytes, the style drawn): the report's paragraphs and its three tables, in one of several styles
    (``force`` sets some of them: page_break_in_table=True)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from nianbao.extractors.page import parse_html

    _font()
    rng = random.Random(seed)
    style = {"zero": rng.choice(BLANK_FORMS), "footer": rng.choice(["- {n} -", "第{n}页", "— {n} —"]),
             "header": rng.random() < 0.5, "repeat_header": rng.random() < 0.5, "wrap_title": rng.random() < 0.6,
             "page_break_in_table": rng.random() < 0.5, "blank_group_on_new_page": rng.random() < 0.5}
    style.update(force)
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=17, wordWrap="CJK")
    big = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=26, alignment=1, wordWrap="CJK")
    title = f"{rep.publisher}{rep.year}年政府信息公开工作年度报告"
    flow = []
    if style["wrap_title"]:
        flow += [Paragraph(title[:len(title) - 6], big), Paragraph(title[len(title) - 6:], big)]
    else:
        flow.append(Paragraph(title, big))
    flow += [Spacer(1, 8), Paragraph(f"本报告由{rep.publisher}办公室编制。本报告所列数据的统计期限自{rep.year}年1月1日起至"
                                     f"{rep.year}年12月31日止。", body),
             Paragraph("一、总体情况", body), Paragraph(f"{rep.year}年，我市认真贯彻落实《中华人民共和国政府信息公开条例》，"
                                                  "扎实推进政务公开各项工作，主动公开、依申请公开和政府信息管理持续加强。", body)]
    heads = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
    grids = [b.grid for b in parse_html(render(rep)).blocks if b.grid is not None]
    for head, grid in zip(heads, grids, strict=False):
        flow += [Paragraph(head, body), Spacer(1, 4)]
        if style["page_break_in_table"] and head.startswith("三") and len(grid.cells) > 8:
            # the table continues on the next page, its header rows printed again or not
            cut = rng.randint(5, len(grid.cells) - 3)
            first, rest = _rows(grid, 0, cut), _rows(grid, cut, len(grid.cells))
            if style["blank_group_on_new_page"]:  # Word leaves a merged group cell blank where it goes on
                above = {o for row in first.origin for o in row}
                rest.cells = [["" if o in above else t for t, o in zip(row, o_row, strict=True)]
                              for row, o_row in zip(rest.cells, rest.origin, strict=True)]
            if style["repeat_header"]:
                rest = _rows(grid, 0, _header_rows(grid), rest)
            flow += [_table(first, style, Table, TableStyle, colors), PageBreak(),
                     _table(rest, style, Table, TableStyle, colors)]
        else:
            flow.append(_table(grid, style, Table, TableStyle, colors))
    flow += [Paragraph("五、存在的主要问题及改进情况", body), Paragraph("工作仍有不足，下一步将持续改进。", body),
             Paragraph("六、其他需要报告的事项", body), Paragraph("无。", body)]

    def decorate(canvas, doc):
        canvas.saveState()
        canvas.setFont(FONT, 9)
        canvas.drawCentredString(A4[0] / 2, 28, style["footer"].format(n=doc.page))
        if style["header"]:
            canvas.drawString(72, A4[1] - 40, f"{rep.publisher}政务公开")
        canvas.restoreState()

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, title=title).build(flow, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue(), style


def _header_rows(grid) -> int:
    return next((r for r, row in enumerate(grid.cells) if any(ch.isdigit() for ch in "".join(row[1:]))), 1)


def _rows(grid, start: int, stop: int, then=None):
    """Rows start..stop of a grid (followed by ``then``'s rows) as a grid of their own."""
    from nianbao.extractors.tables import Grid

    cells, origin = grid.cells[start:stop], grid.origin[start:stop]
    if then is not None:
        offset = 1 + max(o for row in origin for o in row)  # the repeated header rows are cells of their own
        cells = cells + then.cells
        origin = origin + [[o + offset for o in row] for row in then.origin]
    return Grid([list(r) for r in cells], [list(r) for r in origin])


def _table(grid, style, Table, TableStyle, colors):
    """A grid drawn with its merged cells (one SPAN per origin) and ruling lines."""
    rows, spans, seen = [], [], {}
    for r, (cells, origins) in enumerate(zip(grid.cells, grid.origin, strict=True)):
        row = []
        for c, (text, oid) in enumerate(zip(cells, origins, strict=True)):
            if oid in seen:
                row.append("")
                continue
            seen[oid] = (r, c)
            row.append(style["zero"] if text == "0" else text)
        rows.append(row)
    for oid, (r0, c0) in seen.items():
        cover = [(r, c) for r, o_row in enumerate(grid.origin) for c, o in enumerate(o_row) if o == oid]
        r1, c1 = max(r for r, _ in cover), max(c for _, c in cover)
        if (r1, c1) != (r0, c0):
            spans.append(("SPAN", (c0, r0), (c1, r1)))
    header_rows = _header_rows(grid)
    n = len(rows[0])
    # label columns (no figure below the header) share 55% of the width, figure columns the rest
    labels = [c for c in range(n) if not any(_figure(row[c]) for row in grid.cells[header_rows:])] or [0]
    lab_w, val_w = 470 * 0.55 / len(labels), 470 * 0.45 / max(1, n - len(labels))
    widths = [lab_w if c in labels else val_w for c in range(n)]
    cells = [[_wrap(t) for t in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=header_rows if style["repeat_header"] else 0)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.5), ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE"), *spans]))
    return table


def _figure(text: str) -> bool:
    return bool(text) and text.replace(".", "").replace("-", "").replace("+", "").isdigit()


def _wrap(text: str):
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph

    return Paragraph(text, ParagraphStyle("cell", fontName=FONT, fontSize=6.5, leading=8, wordWrap="CJK"))
