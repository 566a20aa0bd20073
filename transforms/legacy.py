"""Figures of legacy reports (2008-2018): statistics tables and narrative.

A figure is taken only when the report states it for its own year: cumulative
totals (累计), previous years, percentages and shares are refused. Where a
table and the narrative disagree, the table wins and a warning says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.transforms.normalize import label as norm_label
from nianbao.transforms.normalize import norm
from nianbao.transforms.numbers import parse_value
from nianbao.transforms.rows import LEGACY_TABLE_SIGNS
from nianbao.transforms.vocabulary import match

UNITS = {"fees_yuan": "yuan", "consultations": "person_times"}
_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
NUM = r"(\d[\d,]*(?:\.\d+)?万?|[零〇一二两三四五六七八九十百千万]+)"


def cn_number(text: str) -> float | None:
    """'1.25万' -> 12500; '一千二百' -> 1200; '五' -> 5; '十二' -> 12."""
    t = text.replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(万?)", t)
    if m:
        return float(m.group(1)) * (1e4 if m.group(2) else 1)
    total, section, digit = 0, 0, None
    for ch in t:
        if ch in _CN:
            digit = _CN[ch]
        elif ch in _CN_UNIT:
            section += (digit if digit is not None else 1) * _CN_UNIT[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    value = total + section + (digit or 0)
    return float(value) if t else None


def _metric(m: str, unit: str, evidence: str, value: float, source: str) -> dict:
    return {"metric": m, "value": value, "unit": UNITS.get(m, "count"), "evidence": evidence, "source": source}


def read_legacy_table(grid) -> list[dict]:
    """A 指标名称 | 计量单位 | 本年度 | 历年累计 table: the current-year column."""
    head = [norm(c) for c in grid.cells[0]]
    col = next((i for i, h in enumerate(head) if ("本年" in h or re.search(r"20\d\d年", h)) and "累计" not in h), None)
    if col is None:
        col = next((i for i, h in enumerate(head) if i > 0 and "累计" not in h and "单位" not in h and "指标" not in h),
                   None)
    if col is None:
        return []
    out = []
    for r in range(1, len(grid.cells)):
        row = grid.cells[r]
        if col >= len(row):
            continue
        name = norm_label(row[0])
        name = re.sub(r"^其中[:：]?", "", name)
        name = norm_label(name)
        if "举报" in name or "累计" in name:
            continue
        code = match(name, "legacy_metrics", "metric", fuzzy=False)
        v = parse_value(row[col])
        if code and v.ok and v.value is not None:
            out.append(_metric(code, "", " | ".join(row), v.value, "table"))
    return out


_SKIP = re.compile(r"累计|历年|以来|同比|上年|去年|上一年|比例|占[^，。,]{0,6}%")
_UNIT = r"(?:余|多)?[件条个宗次份项篇起]"
_NOT_DISCLOSURE = re.compile(r"投诉|热线|12345|便民服务|信访")  # hotline and complaint figures


@dataclass(frozen=True)
class Phrase:
    """One way reports state a figure: the pattern, and words that must (not) be near it."""

    metric: str
    pattern: re.Pattern
    forbid: re.Pattern | None = None  # words in the matched span that make it another figure
    needs: re.Pattern | None = None  # words the sentence must contain
    sentence_forbid: re.Pattern | None = None  # words that make the whole sentence about something else
    not_after_qizhong: bool = False  # a sub-unit's figure ("其中，各乡镇…") when the total is stated

    @property
    def hints(self) -> tuple[str, ...]:
        """Words one of which the sentence must hold: a cheap test before the regular expression."""
        return _HINTS[self.metric]


_HINTS = {"proactive_items": ("主动公开",), "applications_received": ("申请", "依申请"),
          "applications_answered": ("答复", "办结", "回复"), "granted": ("公开",), "partially_granted": ("部分公开",),
          "withheld": ("不予", "不同意"), "fees_yuan": ("费",), "administrative_reviews": ("复议",),
          "lawsuits": ("诉讼",), "consultations": ("咨询",)}


PHRASES = [
    Phrase("proactive_items", re.compile(
        r"主动公开(?:了)?(?:各类|各种|各项)?(?:政府)?(?:信息|文件)(?:共计|共|总计|合计|达到?|总数|数量)?(?:为|达)?约?"
        + NUM + _UNIT), not_after_qizhong=True),
    Phrase("applications_received", re.compile(
        r"(?:受理|收到|接到|接收)(?:了)?[^，。；,;:：]{0,24}?申请(?:共计|共|总计|合计|总数)?(?:为)?" + NUM + _UNIT),
        forbid=re.compile(r"复议|诉讼|审批|许可|信访|举报|投诉|咨询"), not_after_qizhong=True),
    Phrase("applications_received", re.compile(r"信息公开申请(?:共计|共|总计|合计|总数)?(?:为)?" + NUM + _UNIT),
           forbid=re.compile(r"复议|诉讼")),
    Phrase("applications_received", re.compile(
        r"(?:受理|收到|接到)?[^，。；,;]{0,12}?依申请公开(?:政府信息)?(?:申请|件)(?:共计|共|总数)?(?:为)?" + NUM + _UNIT),
        forbid=re.compile(r"复议|诉讼|答复|办结"), not_after_qizhong=True),
    Phrase("applications_answered", re.compile(
        r"(?:已|均已|全部|共)?(?:按时|按期|依法)?(?:答复|办结|回复)(?:了)?(?:申请)?(?:共计|共)?" + NUM + _UNIT),
        sentence_forbid=re.compile(r"审批|事项|信访|投诉|举报|热线|12345|留言|信件|诉求|办件|建议|提案|来信|来访")),
    Phrase("granted", re.compile(r"(?<!部分)(?<!不)(?:同意|予以|准予)公开(?:的|答复)?(?:有|为|共|达)?" + NUM + _UNIT)),
    Phrase("partially_granted", re.compile(r"(?:同意|予以)?部分公开(?:的|答复)?(?:有|为|共)?" + NUM + _UNIT)),
    Phrase("withheld", re.compile(r"(?:不予公开|不同意公开|不予以公开)(?:的|答复)?(?:有|为|共)?" + NUM + _UNIT)),
    Phrase("fees_yuan", re.compile(r"收取[^，。；,;]{0,12}?费(?:用)?(?:共计|共|合计|总计)?(?:为)?" + NUM + r"元")),
    Phrase("administrative_reviews", re.compile(r"行政复议(?:案件|申请)?(?:共计|共)?(?:为)?" + NUM + _UNIT)),
    Phrase("lawsuits", re.compile(r"行政诉讼(?:案件)?(?:共计|共)?(?:为)?" + NUM + _UNIT)),
    Phrase("consultations", re.compile(r"咨询[^，。；,;]{0,16}?" + NUM + r"(?:余|多)?(?:人次|次|件|人)"),
           forbid=_NOT_DISCLOSURE),
    Phrase("consultations", re.compile(NUM + r"(?:余|多)?人次[^，。；,;]{0,24}?咨询"), forbid=_NOT_DISCLOSURE),
]
ZERO_PHRASES = [
    Phrase("applications_received", re.compile(r"(?:未|没有|无)(?:收到|受理|接到|发生|接收)[^，。；,;]{0,20}申请"),
           forbid=re.compile(r"复议|诉讼")),
    Phrase("fees_yuan", re.compile(r"(?:未|没有|不)收取任何(?:费用|费)")),
    Phrase("administrative_reviews", re.compile(r"(?:未|没有)[^。；;，,\d]{0,30}?行政复议")),
    Phrase("lawsuits", re.compile(r"(?:未|没有)[^。；;，,\d]{0,40}?行政诉讼")),
    Phrase("administrative_reviews", re.compile(r"行政复议[^。；;\d]{0,30}?(?:均为|都为|均是|皆为)(?:0|零)(?!\d)")),
    Phrase("lawsuits", re.compile(r"行政诉讼[^。；;\d]{0,30}?(?:均为|都为|均是|皆为)(?:0|零)(?!\d)")),
    # a section that answers its heading with one word: "…行政复议、提起行政诉讼的情况：无。"
    Phrase("administrative_reviews", re.compile(r"行政复议[^。；;\d]{0,30}情况[:：]?\s*无[。；;]?$")),
    Phrase("lawsuits", re.compile(r"行政诉讼[^。；;\d]{0,30}情况[:：]?\s*无[。；;]?$")),
]
_MAY_STATE = re.compile(r"(?:公开|申请|复议|诉讼|咨询|费)")


def _other_year(sentence: str, year: int | None) -> bool:
    """A sentence about another year (and not also about this one) states no figure of this report."""
    if not year:
        return False
    years = {int(y) for y in re.findall(r"((?:19|20)\d\d)年", sentence)}
    return bool(years) and year not in years


def read_narrative(body: str, year: int | None) -> list[dict]:
    out: dict[str, dict] = {}
    for sentence in re.split(r"(?<=[。；;！!])|\n", norm(body)):
        if not sentence or not _MAY_STATE.search(sentence) or _other_year(sentence, year):
            continue
        for ph in PHRASES:
            if ph.metric in out or not any(h in sentence for h in ph.hints):
                continue
            if ph.needs and not ph.needs.search(sentence):
                continue
            if ph.sentence_forbid and ph.sentence_forbid.search(sentence):
                continue
            for m in ph.pattern.finditer(sentence):
                if ph.forbid and ph.forbid.search(m.group(0)):
                    continue
                if _SKIP.search(sentence[max(0, m.start() - 12):m.end()]) or sentence[m.end():].startswith("%"):
                    continue
                if ph.not_after_qizhong and "其中" in sentence[:m.start()]:
                    continue
                value = cn_number(m.group(1))
                if value is not None:
                    out[ph.metric] = _metric(ph.metric, "", sentence.strip(), value, "narrative")
                    break
        for ph in ZERO_PHRASES:
            if ph.metric not in out and any(h in sentence for h in ph.hints):
                m = ph.pattern.search(sentence)
                if m and not (ph.forbid and ph.forbid.search(m.group(0))):
                    out[ph.metric] = _metric(ph.metric, "", sentence.strip(), 0.0, "narrative")
    return list(out.values())


def read_legacy(blocks, body: str, year: int | None) -> list[dict]:
    """Table figures first; narrative figures fill the gaps, disagreements become warnings."""
    table: dict[str, dict] = {}
    for b in blocks:
        g = b.grid
        if g is not None and g.cells and sum(k in norm("".join(g.cells[0])) for k in LEGACY_TABLE_SIGNS) >= 2:
            for m in read_legacy_table(g):
                table.setdefault(m["metric"], m)
    out = dict(table)
    for m in read_narrative(body, year):
        t = table.get(m["metric"])
        if t is None:
            out[m["metric"]] = m
        elif t["value"] != m["value"]:
            t["warning"] = f"{m['metric']}: table says {t['value']:g}, narrative says {m['value']:g}"
    return list(out.values())
