"""Tables flattened to one cell per line, as text extractors dump web pages.

A Word table copied out of a web page often arrives as one cell per line:
`行政许可 |` then `2416 |`, span fillers and blank cells as lone pipes (`|||`,
`|`), or, with no pipes at all, cells separated by blank lines. The rows are
gone; the cells are all still there, in reading order.

Rows come back in one of two ways:
- by width, when the table shows it: the fillers of merged cells (`|||`) end
  their row, so the table's width is the smallest one at which every filler run
  ends a row, no row is all blanks and no row opens with a figure unless it is
  all figures;
- by labels otherwise: a cell of text that follows a figure opens a new row,
  and the labels before the first figure make one header row.
"""

from __future__ import annotations

import re

from nianbao.extractors.tables import Grid, cell_text, is_figure

_PIPES_ONLY = re.compile(r"^\|+$")
_TABLE_START = re.compile(r"^第二十条|^申请人情况|^（?\(?本列数据|^行政复议$|^信息内容$")


_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")


def cells_of(line: str) -> list[str]:
    """The cells a dumped line holds: 'X |' is one, '|' one blank, '| 25 |' a blank and 25, '|||' three blanks.
    Spaces between Chinese characters (Word's justified 商 业 企 业) are dropped."""
    parts = line.strip().split("|")
    if line.rstrip().endswith("|"):
        parts = parts[:-1]
    return [_CJK_GAP.sub("", cell_text(p)) for p in parts]


def looks_like_stream(lines: list[str]) -> bool:
    """Mostly one cell per line, with at least a few figures: not a pipe table with whole rows per line."""
    if len(lines) < 6:
        return False
    filled = [sum(1 for c in cells_of(ln) if c) for ln in lines]
    single = sum(1 for n in filled if n <= 1)
    pairs = sum(1 for n in filled if n <= 2)
    figures = sum(1 for ln in lines for c in cells_of(ln) if c and is_figure(c))
    # mostly one cell per line; or a row's first two cells on a line and the rest one per line
    return figures >= 2 and (single >= 0.6 * len(lines) or (pairs >= 0.85 * len(lines) and single >= 0.2 * len(lines)))


def stream_grids(lines: list[str]) -> list[Grid]:
    """The tables of a run of one-cell-per-line lines (one grid per 第二十条 block or table)."""
    stream: list[tuple[str, bool]] = []  # (cell, the last cell of a run of fillers)
    for line in lines:
        cells = cells_of(line)
        fillers = bool(_PIPES_ONLY.match(line.strip()))
        stream += [(c, fillers and j == len(cells) - 1) for j, c in enumerate(cells)]
    tables: list[list[tuple[str, bool]]] = []
    for cell, ends in stream:
        if not tables or (_TABLE_START.match(cell) and _opens_new_table(tables[-1], cell)):
            tables.append([])
        tables[-1].append((cell, ends))
    return [g for g in (_grid(t) for t in tables) if g is not None]


def _opens_new_table(current: list[tuple[str, bool]], cell: str) -> bool:
    """A 第二十条 cell always opens a table; the other openers only once the current one holds figures."""
    return cell.startswith("第二十条") or any(is_figure(c) for c, _ in current if c)


def _grid(cells: list[tuple[str, bool]]) -> Grid | None:
    if not any(is_figure(c) for c, _ in cells if c):
        return None
    ends = [i + 1 for i, (_, e) in enumerate(cells) if e]
    plain = [c for c, _ in cells]
    if ends:
        for width in range(2, min(len(plain), 60) + 1):
            if len(plain) % width == 0 and all(e % width == 0 for e in ends):
                rows = _by_width(plain, width)
                if rows is not None:
                    return Grid(rows)
    return Grid(_by_labels(plain))


def _by_width(cells: list[str], width: int) -> list[list[str]] | None:
    rows = [cells[i:i + width] for i in range(0, len(cells), width)]
    for row in rows:
        if not any(row):
            return None
        if row[0] and is_figure(row[0]) and not all(is_figure(c) for c in row if c):
            return None
    return rows


_COLUMN_WORD = re.compile(r"^(?:总计|合计|尚未审结|其他结果|结果纠正|结果维持)$")
_CHILD = re.compile(r"企业|机构|公益|^其他")  # the columns under 法人或其他组织


def _by_labels(cells: list[str]) -> list[list[str]]:
    rows: list[list[str]] = []
    current: list[str] = []
    seen_figure = False
    for c in cells:
        if not c and not current:
            continue  # fillers before a row's first cell
        # a label opens a new row after a row's figures, or (below the header) after a row of blanks alone:
        # 2.其他法律行政法规禁止公开 | then seven lone pipes, then 3.危及…
        if c and not is_figure(c) and current and (any(is_figure(x) for x in current) or
                                                   (seen_figure and not current[-1] and current[0])):
            rows.append(current)
            current = []
        current.append(c)
        seen_figure = seen_figure or is_figure(c)
    if current:
        rows.append(current)
    # Before the first figure, header cells and the first row's labels run together: the header is every
    # cell but the labels directly before the figures (a row label is the last text before its numbers).
    if rows and not seen_figure:
        return rows
    first = rows[0] if rows else []
    k = next((i for i, c in enumerate(first) if is_figure(c)), len(first))
    if k > 1 and _COLUMN_WORD.match(first[k - 1]):  # 四's one row of figures has no label of its own
        rows[0:1] = [first[:k], first[k:]]
    elif k > 1:
        header = [c for c in first[:k - 1] if c]
        width = len(first) - k + 2
        rows[0:1] = [_rejoin_wrapped(_expand_group(header, width), width), first[k - 1:]]
    return rows


def _rejoin_wrapped(header: list[str], width: int) -> list[str]:
    """Header labels wrapped over lines (本年新 / 制作数量) rejoined until the header is as wide as the rows:
    a caption (第二十条第（一）项) goes first, then the shortest neighbouring pair is joined, repeatedly."""
    if len(header) > width and header[0].startswith("第二十条"):
        header = header[1:]
    while len(header) > width and len(header) > 2:
        i = min(range(1, len(header) - 1), key=lambda j: len(header[j]) + len(header[j + 1]))
        header = header[:i] + [header[i] + header[i + 1]] + header[i + 2:]
    return header


def _expand_group(header: list[str], width: int) -> list[str]:
    """A two-level header flattened to one line (自然人 | 法人或其他组织 | 总计 | 商业企业 | … | 其他): put the
    group's columns where the group stands, so the header is as wide as the rows (label + figures)."""
    g = next((i for i, c in enumerate(header) if "法人或其他组织" in c), None)
    if g is None or len(header) <= width:
        return header
    children = [c for c in header[g + 1:] if _CHILD.search(c)]
    others = [c for c in header[g + 1:] if not _CHILD.search(c)]
    return header[:g] + children + others
