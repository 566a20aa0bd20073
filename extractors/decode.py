"""Bytes to text for report pages.

Government portals mislabel their encodings often: GBK bytes declared utf-8,
utf-8 declared gb2312, GB2312 declarations over GBK-only characters. So a
declaration is only trusted when the bytes actually decode under it; strict
UTF-8 is tried first (valid UTF-8 is almost never GBK by accident), then the
declarations, and GB18030 (a superset of GB2312 and GBK) last.

Two damages decode "cleanly" into mojibake and are caught here: a page pasted
together from UTF-8 and GBK parts (decoded line by line, with a note), and
Big5 bytes with no declaration (GB18030 accepts most of them; the reading
that holds more of a report's everyday words wins, with a note).
"""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)

# A GB2312 or GBK declaration is decoded as GB18030: same bytes, more characters.
_WIDEN = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
          "cp936": "gb18030", "hz-gb-2312": "gb18030"}


class DecodeError(ValueError):
    """The bytes are not text in any encoding a Chinese portal uses."""


def _normalise(name: str) -> str | None:
    name = name.strip().lower()
    name = _WIDEN.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(data: bytes, content_type: str | None = None) -> list[str]:
    """Charsets the response claims, HTTP header first, then <meta>."""
    found = []
    if content_type:
        m = _HTTP_CHARSET.search(content_type)
        if m:
            found.append(m.group(1))
    m = _META_CHARSET.search(data[:4096])
    if m:
        found.append(m.group(1).decode("ascii", "replace"))
    return [c for c in (_normalise(f) for f in found) if c]


def decode_bytes(data: bytes, content_type: str | None = None) -> str:
    """Return the text of ``data``; raise DecodeError for binary garbage."""
    return decode_with_notes(data, content_type)[0]


def decode_with_notes(data: bytes, content_type: str | None = None) -> tuple[str, list[str]]:
    """(text, notes): notes say when the bytes were not what they declared (for the report's warnings)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace"), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace"), []
    if b"\x00" in data[:2048]:
        raise DecodeError("binary data (NUL bytes), not a text page")
    # Valid UTF-8 with non-ASCII bytes is almost never GBK by accident, so it
    # outranks any declaration; a declaration then beats the GB18030 default.
    declared = declared_charsets(data, content_type)
    for enc in dict.fromkeys(["utf-8"] + declared + ["gb18030"]):
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if enc != "utf-8" and _looks_like_mojibake(text):
            continue
        if enc == "gb18030" and "big5" not in declared:
            mixed = _mixed_utf8(data)
            if mixed is not None:
                return mixed, [MIXED_NOTE]
            big5 = _big5_instead(data, text)
            if big5 is not None:
                return big5, ["undeclared Big5 bytes; decoded as Big5"]
        return text, []
    mixed = _mixed_utf8(data)
    if mixed is not None:
        return mixed, [MIXED_NOTE]
    # Nothing decodes cleanly: a few bad bytes in an otherwise GB page are common.
    text = data.decode("gb18030", "replace")
    if text.count("\ufffd") > max(16, len(text) // 50):
        raise DecodeError("bytes do not decode as UTF-8 or GB18030")
    return text, ["bytes that decode in no encoding were replaced"]


MIXED_NOTE = "the page mixes UTF-8 and GBK parts; decoded line by line"


def _mixed_utf8(data: bytes) -> str | None:
    """Line-by-line decoding when some lines are valid non-ASCII UTF-8 and others are not (a pasted page)."""
    lines = data.split(b"\n")
    out, utf8_lines, other_lines = [], 0, 0
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
            utf8_lines += not line.isascii()
        except UnicodeDecodeError:
            out.append(line.decode("gb18030", "replace"))
            other_lines += 1
    return "\n".join(out) if utf8_lines and other_lines else None


# Words every report prints, in both scripts: the decoding that yields more of them is the right one.
_REPORT_WORDS = re.compile("政府|信息|公开|公開|資訊|申请|申請|年度|报告|報告|行政|工作|情况|情況|数量|數量|"
                           "本机关|本機關|办理|辦理")


def _big5_instead(data: bytes, gb_text: str) -> str | None:
    try:
        big5 = data.decode("big5hkscs")
    except UnicodeDecodeError:
        return None
    return big5 if len(_REPORT_WORDS.findall(big5)) > 2 * len(_REPORT_WORDS.findall(gb_text)) + 2 else None


def _looks_like_mojibake(text: str) -> bool:
    """UTF-8 bytes read as a single-byte charset give runs of Latin-1 letters."""
    sample = text[:4000]
    latin = sum(1 for ch in sample if "\u00c0" <= ch <= "\u00ff")
    return latin > 20 and latin > len(sample) // 20
