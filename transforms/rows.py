"""Rows of statistics tables, gathered per section from all of a page's grids.

A section's table may be cut over several <table> elements (page breaks that
repeat the header) or share one <table> with the next section; so the unit of
work is the row, tagged with the section it belongs to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extractors.tables import Grid
from nianbao.transforms.normalize import norm
from nianbao.transforms.numbers import parse_value
from nianbao.transforms.vocabulary import match

# compiled at import, not at a crawl worker's first page
_YEAR = re.compile(r"(20\d\d)年")
_LABEL_AFTER_BLANK = re.compile(r"^(?:[(（]?[一二三四五六七八九十\d]{1,2}[)）、.．]|.{4,})")
_NOTE = re.compile(r"^[(（]?(?:注|说明|备注)")

SECTIONS = ("active_disclosure", "applications", "reviews_litigation")

_ROW_SIGNS = {
    "active_disclosure": ("第二十条", "信息内容", "规章", "规范性文件", "行政许可", "行政处罚", "行政强制",
                          "事业性收费", "集中采购", "对外管理服务"),
    "applications": ("申请人情况", "自然人", "本年新收", "上年结转", "予以公开", "办理结果", "勾稽关系",
                     "结转下年", "法人或其他组织", "国家秘密", "不予处理", "无法提供"),
    "reviews_litigation": ("结果维持", "结果纠正", "行政复议", "行政诉讼", "复议后起诉", "直接起诉", "尚未审结"),
}
# A section is known by its words, whatever its number: pages that drop 一、总体情况 call 三 "二、".
_HEADING_SECTION = (
    (re.compile(r"^(?:[二2][、.．]?|[一三][、.．]).{0,6}主动公开"), "active_disclosure"),
    (re.compile(r"^(?:[三3][、.．]?|[二四][、.．]).{0,6}(收到和处理|依申请)"), "applications"),
    (re.compile(r"^(?:[四4][、.．]?|[三五][、.．]).{0,20}(行政复议|行政诉讼)"), "reviews_litigation"),
    # 五、 六、 end the tables; "5." is a row label of 三 (5.要求行政机关确认…) printed on a line of its own
    (re.compile(r"^(?:[五六七][、.．]|[5-7]、)"), None),
)
LEGACY_TABLE_SIGNS = ("指标名称", "计量单位", "历年累计")


@dataclass
class Row:
    logical: list[str]  # each source cell once
    expanded: list[str]  # merged cells repeated
    origin: list[int]  # source cell of each expanded cell
    grid_no: int
    row_no: int = 0  # the row's place in its grid
    ends_page: bool = False  # the page's last row, nothing after it: a fragment may cut it short

    def split(self) -> tuple[list[str], list[str]]:
        """Leading label cells and the value cells after them (logical view). Blank cells before a label
        belong to the labels: a table continued on a new page leaves the merged group column
        (三、本年度办理结果) blank in front of the row's own label."""
        i = 0
        for j, cell in enumerate(self.logical):
            if not cell.strip():
                continue
            if parse_value(cell).ok or (j > i and not _LABEL_AFTER_BLANK.match(norm(cell))):
                break  # (a short note after a blank, 不适用, is a value cell)
            i = j + 1
        return self.logical[:i], self.logical[i:]

    @property
    def has_numbers(self) -> bool:
        """Whether any cell after the labels holds a number (a header row has only labels and blanks)."""
        return any(v.strip() and parse_value(v).ok for v in self.split()[1])

    def expanded_values(self) -> list[str]:
        """Value cells with merged cells repeated: one number spanning several columns."""
        labels, _ = self.split()
        label_origins = set()
        for _text, o in zip(self.expanded, self.origin, strict=False):
            if len(label_origins) == len(labels) and o not in label_origins:
                break
            label_origins.add(o)
        return [t for t, o in zip(self.expanded, self.origin, strict=False) if o not in label_origins]


def trim_blanks(cells: list[str], keep: int = 0) -> list[str]:
    """Drop blank cells at the end (pipe-dump padding, ghost columns) while more than ``keep`` remain."""
    out = list(cells)
    while len(out) > keep and not out[-1].strip():
        out.pop()
    return out


def heading_section(text: str) -> str | None | bool:
    """Section a narrative heading opens; False when the text is no heading."""
    t = norm(text)[:40]
    for rx, sec in _HEADING_SECTION:
        if rx.match(t):
            return sec
    return False


def row_section(cells: list[str]) -> str | None:
    joined = norm("".join(cells))
    scores = {s: sum(1 for k in signs if k in joined) for s, signs in _ROW_SIGNS.items()}
    best = max(scores, key=scores.get)
    return best if scores[best] else None


def is_legacy_grid(grid: Grid) -> bool:
    head = norm("".join("".join(r) for r in grid.cells[:3]))
    return sum(1 for k in LEGACY_TABLE_SIGNS if k in head) >= 2


def rows_by_section(blocks, year: int | None) -> tuple[dict[str, list[Row]], list[str]]:
    """Assign every row of every statistics grid to section 二, 三 or 四."""
    out: dict[str, list[Row]] = {s: [] for s in SECTIONS}
    warnings: list[str] = []
    current: str | None = None
    grid_no = 0
    loose_text: list[str] = []  # text lines since the last table: a label a converter pulled out of its row
    for block in blocks:
        if block.grid is None:
            sec = heading_section(block.text)
            if sec is not False:
                current = sec
            loose_text = (loose_text + [block.text])[-2:]
            continue
        grid = block.grid
        grid_no += 1
        label, loose_text = "".join(loose_text), []
        if is_legacy_grid(grid):
            continue
        first = 0
        if year and _quotes_other_year(grid.context, year):
            first = _restart(grid)
            if first is None:
                warnings.append(f"table {grid_no} skipped: its caption refers to another year ({grid.context[:40]})")
                continue
            warnings.append(f"table {grid_no}: its first {first} rows skipped, their caption refers to another year "
                            f"({grid.context[:40]}); the rows after, which begin the table again, are read")
        sec = current
        for r in range(first, len(grid.cells)):
            logical = grid.logical(r)
            if not any(c.strip() for c in logical):
                continue
            if r == 0 and sec == "applications" and _unlabelled(logical) and _outcome_label(label):
                # "（二）部分公开（区分处理的，只计这一情" / "形，不计其他情形）" printed above a row of bare figures
                logical, cells, origin = [label, *logical], [label, *grid.cells[r]], [-1, *grid.origin[r]]
                out[sec].append(Row(logical, cells, origin, grid_no, r))
                warnings.append(f"三: the row under '{label[:20]}' took that text as its label")
                continue
            hinted = row_section(logical)
            if hinted:
                sec = hinted
            if sec:
                out[sec].append(Row(logical, grid.cells[r], grid.origin[r], grid_no, r))
        current = sec
    last = [row for rows in out.values() for row in rows if row.grid_no == grid_no]
    if blocks and blocks[-1].grid is not None and last:
        max(last, key=lambda row: row.row_no).ends_page = True
    return out, warnings


def _restart(grid: Grid) -> int | None:
    """Where a table captioned as another year's begins again (a text dump runs last year's table and this
    year's together): the first row after its figures that repeats one of its header rows, or its first
    labelled row."""
    labels = [norm(grid.logical(r)[0]) if grid.logical(r) else "" for r in range(len(grid.cells))]
    numbered = [r for r in range(len(grid.cells)) if any(parse_value(c).ok and c.strip() for c in grid.logical(r)[1:])]
    if not numbered:
        return None
    opening = {lab for lab in labels[:numbered[0]] + [labels[numbered[0]]] if lab}
    return next((r for r in range(numbered[0] + 1, len(labels)) if labels[r] in opening), None)


def _unlabelled(cells: list[str]) -> bool:
    return bool(cells) and parse_value(cells[0]).ok and bool(cells[0].strip())


def _outcome_label(text: str) -> bool:
    return bool(text) and len(text) <= 60 and match(text, "applications", "outcome", fuzzy=False) is not None


def _quotes_other_year(context: str, year: int) -> bool:
    """Whether the text before a table captions it as another year's (附：2021年度…情况). A note that only
    mentions last year (注：含上年度结转案件) or a long paragraph is not a caption."""
    t = norm(context)
    if not t or len(t) > 60 or _NOTE.match(t) or "结转" in t:
        return False
    years = {int(y) for y in _YEAR.findall(t)}
    if str(year) + "年" in t:
        return False
    return bool(years and all(y < year for y in years)) or any(k in t for k in ("上年度", "上一年度", "去年"))
