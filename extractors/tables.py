"""Tables to grids of cell strings.

A Grid keeps two views of a table because real pages need both: the expanded
view (a merged cell's text repeated in every position it spans, so a column
index means the same thing on every row) and the logical view (each source
cell once, in reading order), which survives Word's "ghost" header colspans
that do not line up with the data cells below them.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

MAX_COLSPAN = 60
MAX_ROWSPAN = 120
MAX_COLUMNS = 200
MAX_SPAN_CELLS = 50_000  # expansion budget per table: real report tables use a few hundred

_WS = re.compile(r"\s+")


@dataclass
class Grid:
    """A table as rows of cell strings plus which source cell each came from."""

    cells: list[list[str]]
    origin: list[list[int]] = field(default_factory=list)
    context: str = ""  # the text just before the table (a heading or a note)

    def __post_init__(self) -> None:
        if not self.origin:  # no spans: every cell is its own source
            n = 0
            self.origin = []
            for row in self.cells:
                self.origin.append(list(range(n, n + len(row))))
                n += len(row)

    def logical(self, r: int) -> list[str]:
        """Row ``r`` with each source cell once (spans collapsed)."""
        out, last = [], None
        for text, o in zip(self.cells[r], self.origin[r], strict=False):
            if o != last:
                out.append(text)
            last = o
        return out

    def __len__(self) -> int:
        return len(self.cells)


def cell_text(raw: str) -> str:
    """Collapse whitespace (including &nbsp;) of a cell's text to single spaces."""
    return _WS.sub(" ", raw.replace("\u3000", " ")).strip()


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> Grid:
    """Expand (text, rowspan, colspan) rows into a rectangular Grid.

    Spans are clamped (a Word table once said rowspan=9999) to what the table
    can hold, so hostile markup costs no more than the rows it really has.
    """
    n_rows = len(rows)
    pending: dict[tuple[int, int], tuple[str, int]] = {}  # (row, col) -> (text, origin)
    cells: list[list[str]] = []
    origin: list[list[int]] = []
    next_id = 0
    budget = MAX_SPAN_CELLS
    for r, row in enumerate(rows):
        out_t: list[str] = []
        out_o: list[int] = []
        c = 0
        for cell in [*row, None]:
            while (r, c) in pending:  # cells merged down from rows above come first
                t, o = pending.pop((r, c))
                out_t.append(t)
                out_o.append(o)
                c += 1
            if cell is None or c >= MAX_COLUMNS:
                break
            text, rowspan, colspan = cell
            colspan = max(1, min(colspan, MAX_COLSPAN, MAX_COLUMNS - c))
            rowspan = max(1, min(rowspan, MAX_ROWSPAN, n_rows - r))
            if colspan * rowspan > budget:  # hostile markup: stop expanding, keep the text
                colspan = rowspan = 1
            budget -= colspan * rowspan
            oid = next_id
            next_id += 1
            for dc in range(colspan):
                out_t.append(text)
                out_o.append(oid)
                for dr in range(1, rowspan):
                    pending[(r + dr, c + dc)] = (text, oid)
            c += colspan
        cells.append(out_t)
        origin.append(out_o)
        for key in [k for k in pending if k[0] == r]:  # spans past a short row
            del pending[key]
    return without_ghost_columns(rectangular(cells, origin, next_id))


# A cell that is a figure, annotated or not (26, 0件, 26（含转办2件）, 0*, ２６), or a blank's mark (—, /, 无)
_FIGURE = re.compile(r"^[-+−－]?\d[\d,]*(?:\.\d+)?\s*(?:万|亿)?(?:件|元|条|个|项|人次|次)?[*※]?"
                     r"(?:[(（][^()（）]{0,20}[)）])?$|^[—–\-/／无]$")  # 3（含转办2件）: a figure with its note


def is_figure(cell: str) -> bool:
    return bool(_FIGURE.match(unicodedata.normalize("NFKC", cell).replace(" ", "")))


def without_ghost_columns(grid: Grid) -> Grid:
    """The grid without Word's ghost columns: a column in which no row has a cell of its own that says
    anything (its cells are blank, or parts of labels merged across it), in a table that has a header. Its
    blank cells would shift a row's values against the header; dropping it only narrows the spans across
    it. A data column always has a label of its own in the header, so none is lost; in a table without a
    header (a page's continuation) a blank column is blank cells, and is kept."""
    if not any(any(row) and not any(is_figure(c) for c in row) for row in grid.cells):
        return grid
    width = len(grid.cells[0]) if grid.cells else 0
    columns_left = [Counter(o) for o in grid.origin]  # per row: how many kept columns each cell still covers
    ghosts: set[int] = set()
    for c in range(width):
        # every cell with text here is merged across columns that stay: dropping c loses no cell
        if all(left[o[c]] > 1 for row, o, left in zip(grid.cells, grid.origin, columns_left, strict=True)
               if row[c]):  # (cells arrive stripped: an empty string is a blank cell)
            ghosts.add(c)
            for o, left in zip(grid.origin, columns_left, strict=True):
                left[o[c]] -= 1
    if not ghosts or len(ghosts) == width:
        return grid
    keep = [c for c in range(width) if c not in ghosts]
    return Grid([[row[c] for c in keep] for row in grid.cells], [[o[c] for c in keep] for o in grid.origin],
                grid.context)


def rectangular(cells: list[list[str]], origin: list[list[int]], next_id: int) -> Grid:
    """Pad short rows with empty cells (each its own source, numbered from ``next_id``) into a Grid."""
    width = max((len(r) for r in cells), default=0)
    for t, o in zip(cells, origin, strict=True):
        while len(t) < width:
            t.append("")
            o.append(next_id)
            next_id += 1
    return Grid(cells, origin)


def _span(value: str | None) -> int:
    if value is None:
        return 1
    if value.isdigit():
        return int(value)
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else 1


def html_table_to_grid(table) -> Grid:
    """An lxml <table> element to a Grid; nested tables become cell text."""
    rows = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        row = [(cell_text("".join(td.itertext())), _span(td.get("rowspan")), _span(td.get("colspan")))
               for td in tr if td.tag in ("td", "th")]
        if row:
            rows.append(row)
    return expand_spans(rows)


_SEPARATOR_ROW = re.compile(r"^[\s|:\-]+$")


def is_pipe_row(line: str) -> bool:
    return "|" in line and not line.strip().startswith("http")


def pipe_lines_to_grid(lines: list[str]) -> Grid:
    """Pipe text ("a | b |||") to a Grid.

    Pipe dumps drop rowspans, so labels and headers shift left; the section
    readers cope with that. Padding cells a dump adds at the end of a row are
    kept here (a blank last cell can be a real blank value) and trimmed there.
    """
    rows = []
    for line in lines:
        if _SEPARATOR_ROW.match(line):
            continue
        parts = [cell_text(p) for p in line.split("|")]
        if line.lstrip().startswith("|") and parts and not parts[0]:
            parts = parts[1:]
        if line.rstrip().endswith("|") and parts and not parts[-1]:
            parts = parts[:-1]
        rows.append(parts[:MAX_COLUMNS])
    return Grid(rows)
