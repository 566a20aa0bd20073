"""Cell text to numbers in canonical units.

Published cells carry units (25.11万件, 13.02亿元), footnote marks (25*),
notes (3（含转办2件）), stray spaces inside numbers and blanks written as
无, —, －, / . A cell is read as the first number it states; a cell that
states none and is not a blank mark is null (the caller records a warning).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# compiled at import, not at a crawl worker's first page
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?:\D|$))")
_DASHES = re.compile(r"[-—–/\\.。]+")
_SPACES = re.compile(r"[\s\u200b-\u200f\ufeff]+")
_PLAIN_UNIT = re.compile(r"单位[:：]?\s*(?:元|件|条|个|项)(?![\u4e00-\u9fff])|\(\s*(?:元|件)\s*\)")
_UNIT_STATED = re.compile(r"单位[:：]\s*(万亿|亿|万|千)")
_UNIT_IN_BRACKETS = re.compile(r"\((?:单位[:：]?)?\s*(万亿|亿|万|千)?\s*(元|件|条|个|项)?\s*\)")

BLANK_MARKS = {"", "无", "-", "—", "——", "–", "－", "/", "／", "\\", "0", "空", "...", "…", "——/", "/-"}
_UNIT_MULT = {"万": 1e4, "亿": 1e8, "千": 1e3, "百": 1e2}
_NUMBER = re.compile(r"^(?:约|共|计)?([+-]?)(\d+(?:\.\d+)?)(万亿|亿|万|千|百)?(元|件|条|个|项|人次|次|宗|份|例|起)?")
# What may follow a number in a cell: a note in brackets, footnote marks, "more than".
_TAIL = re.compile(r"^(?:[(\[].*|[*※#△▲]+.*|余|多|左右|以上|余件|多件)?$")


@dataclass(frozen=True)
class Value:
    value: float | None
    ok: bool  # False: the cell holds text that is not a number (value is None)


def unit_multiplier(header: str) -> float:
    """Multiplier a column header implies: 处理决定数量（万件） -> 1e4; 金额（单位：万元） -> 1e4."""
    h = unicodedata.normalize("NFKC", header or "")
    m = _UNIT_IN_BRACKETS.search(h)
    if m and m.group(1):
        return 1e12 if m.group(1) == "万亿" else _UNIT_MULT[m.group(1)]
    m = _UNIT_STATED.search(h)
    if m:
        return 1e12 if m.group(1) == "万亿" else _UNIT_MULT[m.group(1)]
    return 1.0


def states_plain_unit(header: str) -> bool:
    """Whether a header names its unit without a multiplier: 本年收费金额（单位：元）, 金额（元）."""
    h = unicodedata.normalize("NFKC", header or "")
    return bool(_PLAIN_UNIT.search(h))


@lru_cache(maxsize=65536)
def parse_value(raw: str, multiplier: float = 1.0) -> Value:
    """Parse one cell; ``multiplier`` is the unit a header gave (a unit in the cell wins)."""
    t = unicodedata.normalize("NFKC", raw or "")
    t = _SPACES.sub("", t)
    t = t.replace("−", "-").replace("﹣", "-").replace("，", ",")
    t = t.strip("*※#△▲★☆^`'\"“”")
    if t in BLANK_MARKS or _DASHES.fullmatch(t):
        return Value(0.0, True)
    t = _THOUSANDS.sub("", t)  # thousands separators
    m = _NUMBER.match(t)
    if not m or not _TAIL.match(t[m.end():]):
        return Value(None, False)
    sign, digits, scale, _unit = m.groups()
    value = float(digits)
    if scale:
        value *= 1e12 if scale == "万亿" else _UNIT_MULT[scale]
    else:
        value *= multiplier
    if sign == "-":
        value = -value
    return Value(round(value, 6) if value != int(value) else value, True)
