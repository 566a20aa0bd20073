"""Tables in text extracted from PDF reports: numbers separated by spaces, labels broken over lines.

PDF text keeps a table's rows but loses its cells: "一、本年新收政府信息公开申请数量 3001 53 0 0 61 4 3119",
labels wrapped onto several lines ("（三）不" / "予公开"), one character per line for merged
labels ("三、" "本" "年" "度" …) and page numbers ("- 4 -") in between. A row is a line that ends
in numbers; the short lines before it are its label's beginning; header lines stay rows of their own.
"""

from __future__ import annotations

import re

from nianbao.extractors.tables import Grid

# a figure as PDF text prints it: 25, 1,029, 13.02亿元, 0件, 25*, 3（含转办2件） (a note without spaces)
_NUM = r"[-−－]?\d[\d,]*(?:\.\d+)?(?:万|亿)?(?:件|元|条|个|项)?[*※]?(?:[（(][^()（）\s]{1,20}[)）])?"
_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")
NUMERIC_ROW = re.compile(rf"^(.*?)\s*((?:{_NUM}\s+)*{_NUM})$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
PAGE_NUMBER = re.compile(r"^[-—–]?\s*\d{1,3}\s*[-—–]?$|^第\s*\d+\s*页")
_BARE_NUMBER = re.compile(r"^\d[\d,]*$")
_NOTE = re.compile(r"^[（(](?:其中|含|包括)[^）)]*[）)]$")  # （其中修订 16 件）: the rest of a multi-line cell
# The report's own section headings end a table; row labels such as 一、本年新收… do not.
SECTION_HEADING = re.compile(
    r"^[一二三四五六七八九十]\s*、\s*(?:总体情况|概述|概况|基本情况|主动公开|收到和处理|依申请|因政府信息公开|"
    r"政府信息公开(?:的)?行政复议|行政复议|存在的?主要问题|存在问题|主要问题|其他需要报告|其他事项)"
)
TABLE_WORDS = ("信息内容", "第二十条", "申请人情况", "勾稽关系", "自然人", "法人或其他组织", "商业企业", "科研机构",
               "社会公益", "法律服务", "结果维持", "结果纠正", "其他结果", "尚未审结", "未经复议", "复议后起诉", "行政复议",
               "行政诉讼", "总计")


def numeric_row(line: str) -> tuple[str, list[str]] | None:
    """(label, numbers) for a line ending in space-separated numbers; None for any other line."""
    m = NUMERIC_ROW.match(line.translate(_FULL_WIDTH_DIGITS))
    if not m:
        return None
    label, numbers = m.group(1).strip(), m.group(2).split()
    if label and not _CJK.search(label):
        return None
    if not label and len(numbers) < 3:  # a lone number is a page number or a date, not a row
        return None
    if label and len(numbers) == 1 and (re.search(r"[。，,；;>›»/]$|\d{4}年$", label) or "。" in label):
        return None  # a sentence, or a breadcrumb (首页 > 年报 > 2020), that happens to end in a number
    return label, numbers


_ORDINAL = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、．])")


def _continues_header(line: str) -> bool:
    """The rest of a wrapped header ("科研机" / "构"), not the start of a row label (一、… （三）… 1.…)."""
    return not _ORDINAL.match(line)


class SpacedTable:
    """Collects the rows of one table from consecutive lines; .take(line) says whether the line was used."""

    def __init__(self):
        self.rows: list[list[str]] = []
        self.carry: list[str] = []

    @property
    def open(self) -> bool:
        return bool(self.rows)

    def take(self, line: str) -> bool:
        if self.open and _NOTE.match(line) and self.rows[-1][:1] == [""] and len(self.rows[-1]) == 2:
            self.rows[-1][1] += line  # "22" then "（其中修订 16 件）": one cell printed over two lines
            return True
        if self.open and _BARE_NUMBER.match(line) and not self.carry and (len(self.rows[-1]) == 1 or
                                                                           self.rows[-1][0] == ""):
            # A number alone under a header line (or under another such number): a multi-line cell a converter
            # pulled out of its row (the section reader decides where it belongs); a page number prints
            # between rows, not under a header.
            self.rows.append(["", line])
            return True
        if PAGE_NUMBER.match(line):
            return self.open
        found = numeric_row(line)
        if found is not None:
            label = "".join(self.carry) + found[0]  # a label wrapped onto earlier lines starts there
            self.carry = []
            self.rows.append([label, *found[1]] if label else found[1])
            return True
        if SECTION_HEADING.match(line) or "。" in line or len(line) > 60 or re.search(r"[:：]$", line):
            return False  # a heading, a sentence, or a caption (本年度情况：) ends the table
        if any(w in line for w in TABLE_WORDS):
            self.rows.append([line])  # a header line: a row of its own, for the section readers
            return True
        if self.rows and len(self.rows[-1]) == 1 and not self.carry and _continues_header(line):
            self.rows[-1][0] += line  # a header's words broken over lines ("科研机" / "构")
            return True
        if self.open or self.carry:
            self.carry.append(line)  # the beginning of the next row's label
            return True
        return False

    def grid(self) -> Grid | None:
        if not any(len(r) > 1 for r in self.rows):
            return None
        width = max(len(r) for r in self.rows)
        return Grid([r + [""] * (width - len(r)) for r in self.rows])
