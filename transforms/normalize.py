"""Label normalisation: make two spellings of one label compare equal.

Real tables spell labels with full-width characters, Traditional characters
(mirror sites), spaces between characters, zero-width characters, quotes and
ordinals; none of that changes what a label means.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

_T2S = opencc.OpenCC("t2s")


def _traditional_chars() -> frozenset[str]:
    """Characters t2s changes that Simplified text never uses. Text holding none of them is already
    Simplified, so the pure-Python converter (the costliest step of a parse) is skipped for it. Left out:
    the few that are Simplified characters too (乾 of 乾安县, 於), which t2s would change all the same."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    with open(path, encoding="utf-8") as f:
        entries = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    return frozenset(char for char, targets in entries if char not in targets.split())


_TRADITIONAL = _traditional_chars()
# Place names t2s would change although they are written so in Simplified too: put back after converting.
_PLACES_KEPT = {"干安县": "乾安县", "干县": "乾县"}
# The only t2s phrases made of characters outside TSCharacters (沈船 → 沉船): applied directly.
_PHRASES_WITHOUT_TRADITIONAL = {"沈船": "沉船", "沈默": "沉默"}
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad]+")
_QUOTES = re.compile(r"[\"'“”‘’「」『』〝〞]")
_ORDINAL = re.compile(
    r"^(?:[(（]?[一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+[、.．]|[(（]?\d{1,2}[)）]|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十]+[项部分]?)"
)


SAMPLE = 30000  # characters looked at to tell a page's script: a mirror is Traditional (or spammed) throughout


def traditional_count(text: str) -> int:
    """How many distinct Traditional characters the start of the text holds (a C-level set intersection)."""
    return len(_TRADITIONAL.intersection(text[:SAMPLE]))


def to_simplified(text: str) -> str:
    if _TRADITIONAL.isdisjoint(text):  # a C-level scan that stops at the first Traditional character
        if "沈" in text:
            for trad, simp in _PHRASES_WITHOUT_TRADITIONAL.items():
                text = text.replace(trad, simp)
        return text
    out = _T2S.convert(text)
    if "干" in out and "乾" in text:
        for changed, name in _PLACES_KEPT.items():
            out = out.replace(changed, name)
    return out


@lru_cache(maxsize=65536)
def norm(text: str) -> str:
    """Compact comparable form: NFKC, Simplified, no spaces/zero-width/quotes, ASCII brackets."""
    t = unicodedata.normalize("NFKC", text or "")
    t = _INVISIBLE.sub("", t)
    t = _QUOTES.sub("", t)
    t = to_simplified(t).replace("谘", "咨")  # a variant OpenCC keeps
    return t.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")


@lru_cache(maxsize=65536)
def label(text: str) -> str:
    """norm() without leading ordinals such as (一) 1. 1、 三、 (repeated)."""
    t = norm(text)
    while True:
        s = _ORDINAL.sub("", t, count=1)
        if s == t:
            return t
        t = s


_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"
# 規(guī)章: a syllable in brackets right after a CJK character. With a tone mark it is pinyin for sure;
# without one (de, men) only on a page that already has many toned ones.
_PINYIN_TONED = re.compile(rf"(?<=[\u4e00-\u9fff])[(（][a-z{_TONED}]*[{_TONED}][a-z{_TONED}]*[)）]")
_TONED_CHARS = frozenset(_TONED)
_PINYIN_PLAIN = re.compile(r"(?<=[\u4e00-\u9fff])[(（][a-z]{1,6}[)）]")


def strip_pinyin(text: str) -> tuple[str, int]:
    """(text without inserted pinyin, how many were removed); a page needs at least 5 to count as spammed."""
    if _TONED_CHARS.isdisjoint(text[:SAMPLE]):  # a spammed mirror shows it early; most pages have no tone mark
        return text, 0
    toned = len(_PINYIN_TONED.findall(text))
    if toned < 5:
        return text, 0
    text, n1 = _PINYIN_TONED.subn("", text)
    text, n2 = _PINYIN_PLAIN.subn("", text)
    return text, n1 + n2


_YEAR_DIGITS = {"〇": "0", "零": "0", "○": "0", "◯": "0", "Ｏ": "0", "O": "0", "o": "0", "一": "1", "二": "2", "三": "3",
                "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_YEAR_CN = re.compile(r"([二〇○◯零一三四五六七八九Ｏ]{4})年")


def arabic_years(text: str) -> str:
    """二〇一〇年, 二○一○年 (a circle for the zero), 二零一零年 -> 2010年: the one numeral table for years that
    discovery and the parser share."""
    return _YEAR_CN.sub(lambda m: "".join(_YEAR_DIGITS.get(c, c) for c in m.group(1)) + "年", text)
