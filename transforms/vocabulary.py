"""The canonical codes (vocabulary.csv, the contract's copy) and the era label
maps (label_maps.csv) that tie published labels to them.

Format drift is data: a new spelling seen on a portal is a new keyword in
label_maps.csv, not new code. Matching takes the longest keyword contained in
the normalised label; a label that contains none is compared to the full
labels by similarity, so a one-character typo still finds its code.
"""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from nianbao.transforms.normalize import label as norm_label

HERE = Path(__file__).parent
TYPO_RATIO = 0.8


@dataclass(frozen=True)
class Code:
    table: str
    dimension: str
    code: str
    eras: tuple[str, ...]
    group: str
    keywords: tuple[str, ...]


@lru_cache(maxsize=1)
def vocabulary() -> list[dict[str, str]]:
    with open(HERE / "vocabulary.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@lru_cache(maxsize=1)
def label_maps() -> list[Code]:
    out = []
    with open(HERE / "label_maps.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append(Code(r["table"], r["dimension"], r["code"], tuple(r["eras"].split("|")),
                            r["group"], tuple(norm_label(k) for k in r["keywords"].split(";"))))
    return out


@cache
def codes(table: str, dimension: str) -> tuple[Code, ...]:
    return tuple(c for c in label_maps() if c.table == table and c.dimension == dimension)


def code_order(table: str, dimension: str, era: str | None = None) -> list[str]:
    return [c.code for c in codes(table, dimension) if era is None or era in c.eras]


def match(text: str, table: str, dimension: str, group: str | None = None, fuzzy: bool = True) -> str | None:
    """The code whose keyword best matches ``text`` (longest keyword wins).

    ``group`` limits matching to codes of that group plus ungrouped ones, so a
    bare 其他 under (六)其他处理 means other_other, not the applicant column.
    """
    return _match(norm_label(text), table, dimension, group, fuzzy)


def _allowed(table: str, dimension: str, group: str | None) -> list[Code]:
    """Codes a label under ``group`` may mean: that group's and the ungrouped ones; with no group, all but
    a group's bare 其他 (which means something only under its group label)."""
    return [c for c in codes(table, dimension)
            if not c.group or (c.group == group if group is not None else c.keywords != ("其他",))]


@lru_cache(maxsize=65536)
def _match(t: str, table: str, dimension: str, group: str | None, fuzzy: bool) -> str | None:
    if not t:
        return None
    best, best_len = None, 0
    for c in _allowed(table, dimension, group):
        for k in c.keywords:
            if k and k in t and len(k) > best_len:
                best, best_len = c.code, len(k)
    if best or not fuzzy or len(t) < 3:
        return best
    one_off = {c.code for c in _allowed(table, dimension, group) for k in c.keywords if len(k) >= 3 and _one_off(k, t)}
    if len(one_off) == 1:  # an OCR-style misreading (予以公升, 不予处埋, 自然入): one character, one label only
        return one_off.pop()
    if len(t) < 4:
        return None
    scored = []
    for c in _allowed(table, dimension, group):
        full = c.keywords[0]
        if len(full) < 4:
            continue
        ratio = difflib.SequenceMatcher(None, t, full).ratio()
        if ratio >= TYPO_RATIO:
            scored.append((ratio, c.code))
    return max(scored)[1] if scored else None


def _one_off(keyword: str, text: str) -> bool:
    """``text`` holds ``keyword`` with exactly one character misread."""
    n = len(keyword)
    for i in range(len(text) - n + 1):
        window = text[i:i + n]
        if sum(a != b for a, b in zip(window, keyword, strict=True)) == 1:
            return True
    return False


def find_all(text: str, table: str, dimension: str, group: str | None = None) -> list[str]:
    """Every code named in ``text``, in reading order: a header cell that ran several labels together
    ("结果纠正其他结果", as text from a PDF gives it) names each of them."""
    t = norm_label(text)
    hits: list[tuple[int, int, str]] = []
    for c in _allowed(table, dimension, group):
        for k in c.keywords:
            start = t.find(k) if k else -1
            while start >= 0:
                hits.append((start, -len(k), c.code))
                start = t.find(k, start + 1)
    out, end = [], -1
    for start, neg_len, code in sorted(hits):
        if start >= end:  # longest keyword at each position, no overlaps
            out.append(code)
            end = start - neg_len
    return out


def group_of(text: str) -> str | None:
    """Which outcome group a label heads: (三)不予公开, (四)无法提供, (五)不予处理, (六)其他处理."""
    t = norm_label(text)
    for key, grp in (("不予公开", "withheld"), ("无法提供", "unavailable"), ("不予处理", "not_processed"),
                     ("其他处理", "other")):
        if key in t:
            return grp
    return None
