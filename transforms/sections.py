"""The narrative: sections 一 … 六 (or more in legacy reports) with their headings."""

from __future__ import annotations

import re

_NUMS = "一二三四五六七八九十"
_HEADING = re.compile(
    r"(?:^|(?<=[\s。；]))([一二三四五六七八九十])\s*[、.．]\s*([^\s，,。；:：]{2,40}?)(?=\s|$|[。；（(\[…])", re.M
)


def split_sections(body: str) -> list[dict]:
    """Top-level headings in order 一, 二, 三 …; sub-headings (（一）, 1.) stay in the text."""
    found = []
    expect = 0
    for m in _HEADING.finditer(body):
        n = _NUMS.index(m.group(1))
        if n == expect:
            found.append((n + 1, m))
            expect = n + 1
    out = []
    for k, (no, m) in enumerate(found):
        end = found[k + 1][1].start() if k + 1 < len(found) else len(body)
        heading = f"{m.group(1)}、{m.group(2)}"
        out.append({"section_no": no, "heading": heading, "text": body[m.end():end].strip()})
    return out
