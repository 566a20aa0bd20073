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

# OpenCC's own C++ converter (the official binding): a 277 KB Traditional page converts in milliseconds.
_T2S = opencc.OpenCC("t2s")
_DATA = Path(__file__).parent


def _changed_characters() -> frozenset[str]:
    """Every character t2s changes on its own, found by converting them all once (6 ms)."""
    chars = [chr(i) for r in ((0x3400, 0xA000), (0xF900, 0xFB00), (0x20000, 0x2FA20)) for i in range(*r)]
    return frozenset(a for a, b in zip(chars, _T2S.convert("\n".join(chars)).split("\n"), strict=True) if a != b)


# Text holding none of these is already Simplified, and conversion is skipped: the characters t2s changes, and
# the ones it changes only inside phrases (答覆 -> 答复, 藉口, 瞭解, 沈默, 衹得: found by converting OpenCC's
# TSPhrases list with this converter).
_CONVERTED = _changed_characters() | frozenset("覆藉瞭沈衹")
# A page is in Traditional characters when it holds many of these: characters t2s changes that Simplified text
# never uses (OpenCC's TSCharacters, less the few that are Simplified too: 乾 of 乾安县, 於, 沈). Data, so what
# counts as a Traditional page does not move with the converter's version.
_TRADITIONAL = frozenset((_DATA / "traditional_characters.txt").read_text(encoding="utf-8").strip())
# Place names t2s would change although they are written so in Simplified too: put back after converting.
_PLACES_KEPT = {"干安县": "乾安县", "干县": "乾县"}
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
    if _CONVERTED.isdisjoint(text):  # a C-level scan that stops at the first character to convert
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
