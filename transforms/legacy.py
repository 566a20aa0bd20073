"""Figures of legacy reports (2008-2018): statistics tables and narrative.

A figure is taken only when the report states it for its own year: cumulative
totals (累计), previous years, percentages and shares are refused. Where a
table and the narrative disagree, the table wins and a warning says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nianbao.extractors.page import FOLDED_HEADING
from nianbao.transforms.normalize import label as norm_label
from nianbao.transforms.normalize import norm
from nianbao.transforms.numbers import parse_value
from nianbao.transforms.vocabulary import match

# compiled at import, not at a crawl worker's first page
# a sentence ends at its stop, at a line break, and before a section heading a one-line report runs on into
_SENTENCE_END = re.compile(r"(?<=[。；;！!])|\n|" + FOLDED_HEADING.pattern)
_DASH_UNIT = re.compile(r"[-—–－/]+")

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


# Header words of the column holding this year's figures, and of columns that hold something else.
_THIS_YEAR_HEAD = re.compile(r"本年|本期|统计数|数量|数值|数据|合计|总数|情况")
_OTHER_HEAD = re.compile(r"累计|上年|去年|上一年|增减|增长|%|％|比|单位|指标|名称|项目|内容|备注|说明|序号")
_HEAD_WORDS = re.compile(r"指标|项目|名称|内容|单位|本年|上年|统计数|累计|(?:19|20)\d\d年")
# Rows whose figure is never one of the legacy metrics even when their words suggest one: cumulative totals,
# complaints, the "already proactive" answer category, spending (专项经费), fee reductions, staff and bodies.
_TABLE_ROW_SKIP = re.compile(r"累计|举报|投诉|已主动公开范围|专项经费|经费|减免|人员|机构|培训|会议|查阅点|通过不同渠道"
                             r"|公报公开|网站公开|微博|微信|新闻发布|回应|解读|当面申请|传真申请|网络申请|信函申请|电子邮件申请"
                             r"|按时办结|延期办结")
_LABEL_HEAD = re.compile(r"指标|项目|名称|内容|事项")
_NOTE = re.compile(r"[（(][^（()）]*[）)]")  # (不同渠道和方式公开相同信息计1条): a note, not the label
_SCALE = (("亿", 1e8), ("万", 1e4))


def _header_row(grid) -> int | None:
    """The row naming the columns: among the first four, one of header words and no plain figures."""
    for r, row in enumerate(grid.cells[:4]):
        cells = [norm(c) for c in row]
        words = sum(1 for c in cells if _HEAD_WORDS.search(c))
        figures = sum(1 for c in cells if re.fullmatch(r"[\d.,]+", c))
        if words >= 1 and figures == 0 and len([c for c in cells if c]) >= 2:
            return r
    return None


def _this_year_column(head: list[str], year: int | None) -> int | None:
    """This year's column: named by the year, else 本年/统计数/数量, never a cumulative, earlier-year or
    change column (tables print 2011年 | 2012年 | 增减 as often as 本年度 | 上年度)."""
    years = [int(m.group(1)) if (m := re.search(r"((?:19|20)\d\d)年", h)) else None for h in head]
    if year is not None:
        named = [i for i, (h, y) in enumerate(zip(head, years, strict=True)) if y == year and "累计" not in h]
        if named:
            return named[0]
    plain = [i for i, h in enumerate(head) if i > 0 and not _OTHER_HEAD.search(h) and years[i] is None]
    for i in plain:
        if _THIS_YEAR_HEAD.search(head[i]):
            return i
    if any(y is not None for y in years):  # only other years' columns: this year is not in the table
        return None
    return plain[0] if plain else None


def _scale(unit: str) -> float:
    for word, factor in _SCALE:
        if unit.startswith(word) or f"（{word}" in unit or f"({word}" in unit or f"单位{word}" in unit:
            return factor
    return 1.0


def read_legacy_table(grid, year: int | None = None) -> list[dict]:
    """A legacy statistics table (统计指标 | 单位 | 统计数, 指标名称 | 计量单位 | 2011年度 | 历年累计,
    本年度 | 上年度, 2011年 | 2012年 | 增减): this year's column, scaled by each row's unit (万元 → yuan)."""
    h = _header_row(grid)
    if h is None:
        return []
    head = [norm(c) for c in grid.cells[h]]
    col = _this_year_column(head, year)
    if col is None:
        return []
    unit_col = next((i for i, c in enumerate(head) if "单位" in c and i != col), None)
    # the labels' column: the one headed 指标/项目/名称 (a 序号 column may come first), else the first
    label_col = next((i for i, c in enumerate(head) if _LABEL_HEAD.search(c) and i not in (col, unit_col)), 0)
    table_scale = _scale(grid.context + "".join(head))
    out = []
    for row in grid.cells[h + 1:]:
        if col >= len(row) or label_col >= len(row) or not row[label_col].strip():
            continue
        full = norm_label(re.sub(r"^其中[:：]?", "", norm_label(row[label_col])))
        name = _NOTE.sub("", full)
        if _TABLE_ROW_SKIP.search(name):
            continue
        unit = norm(row[unit_col]) if unit_col is not None and unit_col < len(row) else ""
        if unit and _DASH_UNIT.fullmatch(unit):  # a section row (一、主动公开情况 | — | —), not a figure
            continue
        code = match(name, "legacy_metrics", "metric", fuzzy=False)
        v = parse_value(row[col])
        if not (code and v.ok and v.value is not None):
            continue
        factor = _scale(unit) if unit else _scale(full) if re.search(r"[（(][万亿]", full) else table_scale
        value = v.value if re.search(r"[万亿]", row[col]) else v.value * factor
        out.append(_metric(code, "", " | ".join(c for c in row if c), round(value, 6), "table"))
    return out


_SKIP = re.compile(r"历年|以来|同比|上年|去年|上一年|比例|占[^，。,]{0,6}%|截至|截止|至今")
# 累计 is cumulative only beside words of a span longer than the year (截至…年底, 以来); "全年累计主动公开…12条"
# in a sentence about this year is the year's own total.
_CUMULATIVE_SPAN = re.compile(r"截至|截止|以来|至今|历年|年底|年末|底[,，]")
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


_HINTS = {"proactive_items": ("公开",), "applications_received": ("申请", "依申请"),
          "applications_answered": ("答复", "办结", "回复"), "granted": ("公开",), "partially_granted": ("部分公开",),
          "withheld": ("不予", "不同意"), "fees_yuan": ("费",), "administrative_reviews": ("复议",),
          "lawsuits": ("诉讼",), "consultations": ("咨询",)}


PHRASES = [
    Phrase("proactive_items", re.compile(
        r"主动公开(?:了)?(?:各类|各种|各项)?(?:政府)?(?:信息|文件)(?:的)?(?:共计|共|总计|合计|达到?|总数|数量)?(?:为|达|有)?约?"
        + NUM + _UNIT), not_after_qizhong=True),
    # wider: 主动公开政府工作信息、动态755多条; 全年共公开信息253条
    Phrase("proactive_items", re.compile(
        r"公开[^，。；,;:：]{0,14}?(?:信息|文件|动态)(?:的)?(?:共计|共|总计|合计|达到?)?(?:为|达|有)?约?" + NUM + _UNIT),
        forbid=re.compile(r"申请|不予|部分|咨询|复议|诉讼|网站公开"), not_after_qizhong=True),
    Phrase("applications_received", re.compile(
        r"(?:受理|收到|接到|接收)(?:了)?[^，。；,;:：]{0,24}?申请(?:共计|共|总计|合计|总数)?(?:为)?" + NUM + _UNIT),
        forbid=re.compile(r"复议|诉讼|审批|许可|信访|举报|投诉|咨询"), not_after_qizhong=True),
    Phrase("applications_received", re.compile(r"信息公开申请(?:共计|共|总计|合计|总数)?(?:为)?" + NUM + _UNIT),
           forbid=re.compile(r"复议|诉讼")),
    Phrase("applications_received", re.compile(
        r"(?:受理|收到|接到)?[^，。；,;]{0,12}?依申请公开(?:政府信息)?(?:申请|件|数量|数|条数)(?:共计|共|总数)?(?:为|是)?"
        + NUM + _UNIT), forbid=re.compile(r"复议|诉讼|答复|办结"), not_after_qizhong=True),
    # 依申请公开系统共收到1宗信息
    Phrase("applications_received", re.compile(
        r"依申请公开[^，。；,;]{0,12}?(?:共计|共)?(?:受理|收到|接到)(?:了)?[^，。；,;\d]{0,6}?" + NUM + _UNIT),
        forbid=re.compile(r"复议|诉讼|答复|办结|咨询")),
    Phrase("applications_answered", re.compile(
        r"(?:已|均已|全部|共)?(?:按时|按期|依法)?(?:答复|办结|回复)(?:了)?(?:申请)?(?:共计|共)?" + NUM + _UNIT),
        sentence_forbid=re.compile(r"审批|事项|信访|投诉|举报|热线|12345|留言|信件|诉求|办件|建议|提案|来信|来访")),
    Phrase("granted", re.compile(r"(?<!部分)(?<!不)(?:同意|予以|准予)公开(?:的|答复)?(?:有|为|共|达)?" + NUM + _UNIT)),
    Phrase("partially_granted", re.compile(r"(?:同意|予以)?部分公开(?:的|答复)?(?:有|为|共)?" + NUM + _UNIT)),
    Phrase("withheld", re.compile(r"(?:不予公开|不同意公开|不予以公开)(?:的|答复)?(?:有|为|共)?" + NUM + _UNIT)),
    Phrase("fees_yuan", re.compile(r"收取[^，。；,;]{0,12}?费(?:用)?(?:共计|共|合计|总计)?(?:为)?" + NUM + r"元")),
    Phrase("administrative_reviews", re.compile(r"行政复议(?:案件|案|申请)?(?:数|数量)?(?:共计|共)?(?:为|是)?" + NUM + _UNIT)),
    Phrase("lawsuits", re.compile(r"行政诉讼(?:案件|案)?(?:数|数量)?(?:共计|共)?(?:为|是)?" + NUM + _UNIT)),
    # 行政诉讼方面，法院判决驳回诉讼请求1件，原告撤诉1件，共计2件: the total stated after its parts
    Phrase("administrative_reviews", re.compile(r"行政复议[^。；;]{0,40}?(?:共计|合计|总计)" + NUM + _UNIT),
           forbid=re.compile(r"诉讼")),
    Phrase("lawsuits", re.compile(r"行政诉讼[^。；;]{0,40}?(?:共计|合计|总计)" + NUM + _UNIT), forbid=re.compile(r"复议")),
    Phrase("consultations", re.compile(r"咨询[^，。；,;]{0,16}?" + NUM + r"(?:余|多)?(?:人次|次|件|人)"),
           forbid=_NOT_DISCLOSURE),
    Phrase("consultations", re.compile(NUM + r"(?:余|多)?人次[^，。；,;]{0,24}?咨询"), forbid=_NOT_DISCLOSURE),
]
ZERO_PHRASES = [
    Phrase("applications_received", re.compile(r"(?:未|没有|无)(?:任何)?(?:收到|受理|接到|发生|接收)[^，。；,;]{0,20}申请"),
           forbid=re.compile(r"复议|诉讼|咨询")),
    # 全年没有公民、法人和其他组织提出政府信息公开申请
    Phrase("applications_received", re.compile(r"(?:未|没有|无)(?:任何)?[^，。；,;\d]{0,24}?(?:政府信息公开|信息公开)申请"),
           forbid=re.compile(r"复议|诉讼|咨询")),
    # 没有依申请公开信息的情况; 沒有申請公開…的情況; 全年无依申请公开事项
    Phrase("applications_received", re.compile(r"(?:未|没有|无)(?:任何)?(?:发生)?(?:依)?申请公开"),
           forbid=re.compile(r"复议|诉讼|咨询")),
    Phrase("withheld", re.compile(r"(?:未|没有|无)(?:任何|发生|出现)?[^，。；,;\d]{0,24}?不予(?:以)?公开"),
           forbid=re.compile(r"复议|诉讼")),
    Phrase("consultations", re.compile(r"(?:未|没有)(?:收到|接到|接受|受理)[^。；;，,\d]{0,30}?咨询"),
           forbid=_NOT_DISCLOSURE),
    # 未收取任何费用, 没有向申请人收取复印…等任何费用, 均没有收取费用, 未发生…的收费及减免, 没有任何…收费项目
    Phrase("fees_yuan", re.compile(r"(?:未|没有|不(?!予)|无)(?:任何)?(?:向[^。；;，,]{0,16}?)?(?:发生|产生)?[^。；;，,\d]{0,30}?"
                                   r"(?:收取|收费)(?!标准)")),
    Phrase("fees_yuan", re.compile(r"收取[^。；;\d]{0,10}?费用?(?:为|是)(?:零|0)(?![\d.])")),
    Phrase("administrative_reviews", re.compile(r"(?:未|没有|无一例|无一起|无任何)[^。；;，,\d]{0,30}?(?:行政)?复议")),
    Phrase("lawsuits", re.compile(r"(?:未|没有|无一例|无一起|无任何)[^。；;，,\d]{0,40}?(?:行政)?诉讼")),
    Phrase("administrative_reviews", re.compile(r"行政复议[^。；;\d]{0,30}?(?:均为|都为|均是|皆为)(?:0|零)(?!\d)")),
    Phrase("lawsuits", re.compile(r"行政诉讼[^。；;\d]{0,30}?(?:均为|都为|均是|皆为)(?:0|零)(?!\d)")),
    # a section that answers its heading with one word: "…行政复议、提起行政诉讼的情况：无。"
    Phrase("administrative_reviews", re.compile(r"行政复议[^。；;\d]{0,30}情况[:：]?\s*无[。；;]?$")),
    Phrase("lawsuits", re.compile(r"行政诉讼[^。；;\d]{0,30}情况[:：]?\s*无[。；;]?$")),
]
# 同意公开、同意部分公开、不予公开的分别为3件、1件、0件: names and figures paired in order.
_LIST = re.compile(r"((?:[^，。；,;、]{2,16}、)+[^，。；,;、]{2,16}?)(?:的|申请)?分别(?:为|是|有)?"
                   r"((?:" + NUM + r"(?:余|多)?[件条个次项]?[、,，和及]?){2,})")


def _listed(sentence: str) -> list[tuple[str, float]]:
    out = []
    for m in _LIST.finditer(sentence):
        names = m.group(1).split("、")
        values = [cn_number(v) for v in re.findall(NUM, m.group(2))]
        if len(names) != len(values) or None in values:
            continue
        for name, value in zip(names, values, strict=True):
            code = match(re.sub(r"^(?:其中|另外|此外)", "", name), "legacy_metrics", "metric", fuzzy=False)
            if code:
                out.append((code, value))
    return out


_HAS_FIGURE = re.compile(NUM + r"(?:余|多)?(?:[件条个宗次份项篇起元]|人次)")
_MAY_STATE = re.compile(r"(?:公开|申请|复议|诉讼|咨询|费)")


def _other_year(sentence: str, year: int | None) -> bool:
    """A sentence about another year (and not also about this one) states no figure of this report."""
    if not year:
        return False
    years = {int(y) for y in re.findall(r"((?:19|20)\d\d)年", sentence)}
    return bool(years) and year not in years


def _total_stated_before_qizhong(sentence: str, at: int, metric: str) -> bool:
    """The figure at ``at`` follows 其中 and the words before 其中 already state this metric: it is a part
    (各乡镇…) of that total. After a total of something else (发布各类信息8632条，其中…公开信息399条) it is
    the metric's own figure."""
    cut = sentence.rfind("其中", 0, at)
    if cut < 0:
        return False
    before = sentence[:cut]
    return any(m for ph in PHRASES if ph.metric == metric for m in ph.pattern.finditer(before)
               if not (ph.forbid and ph.forbid.search(m.group(0))))


_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]{1,3}|\d{1,2})[、.．]")
_SUBHEADING = re.compile(r"^\s*[(（][一二三四五六七八九十\d]{1,3}[)）]")
# Applications context: a sentence in the 依申请公开 section may state its figures without the word 申请
# (2010年共受理177件; 已办结十三件).
_APPLICATIONS_HEADING = re.compile(r"依申请|申请公开")
_NOT_APPLICATIONS = re.compile(r"复议|诉讼|咨询|信访|投诉|举报|留言|信箱|热线|12345|审批|事项|办件|来信|来访|建议|提案")
_IN_SECTION = [
    Phrase("applications_received", re.compile(r"(?:共|共计|全年|全年共|累计)?(?:受理|收到|接到|接收)(?:了)?(?:各类)?"
                                               r"(?:共计|共)?" + NUM + _UNIT)),
    Phrase("applications_answered", re.compile(r"(?:已|均已|全部|共)?(?:按时|按期|依法)?(?:答复|办结|回复)(?:了)?"
                                               r"(?:共计|共)?" + NUM + _UNIT)),
]
# Under a heading about inquiries (咨询处理情况, 接受咨询服务情况), what the site received is the inquiries' count
# (共收到"县长信箱"留言76条).
_CONSULTATION_HEADING = re.compile(r"咨询")
_IN_CONSULTATIONS = [Phrase("consultations", re.compile(r"(?:收到|接到|接受|受理)[^，。；,;\d]{0,20}?" + NUM +
                                                        r"(?:余|多)?(?:人次|次|条|件|个)"), forbid=_NOT_DISCLOSURE)]
# 在已答复的177件申请中: the answered count stated as the subject of the breakdown that follows.
_ANSWERED_SUBJECT = re.compile(r"(?:已|共)(?:答复|办结)(?:了)?的" + NUM + r"件(?:申请)?中")
# A figure of a part, a channel or a topic, not the year's total: 重点领域信息32条, 微博微信公开信息2148条.
_PART = re.compile(r"重点领域|其中|网站|微博|微信|公众号|政务公开栏|公开栏|报纸|电视|广播|公报|动态|预决算|财政|渠道|类信息")


@dataclass
class Candidate:
    metric: str
    value: float
    rank: int  # lower is surer: an explicit list, then each metric's phrases in order, then parts, then zeros
    position: int
    sentence: str
    refused: str = ""  # why this figure is not the metric's at all (cumulative, a part after 其中 …)

    def why_not(self) -> str:
        if self.refused:
            return self.refused
        if self.rank >= 100:
            return "a statement of zero, where a figure is stated"
        return "a part, channel or topic" if self.rank % 20 >= 10 else "a less certain wording"


def _candidates(body: str, year: int | None) -> list[Candidate]:
    """Every figure a metric could take, with the sentence that states it and how sure the reading is."""
    out: list[Candidate] = []
    major = heading = ""  # the section heading (一、…) and, under it, the sub-heading ((二)…) the sentence is in
    sentences = _SENTENCE_END.split(norm(body))
    if sentences and not re.search(r"[。；;！!）)]\s*$", sentences[-1]):
        sentences.pop()  # a fragment's last words, cut off mid-sentence (…等任何费): no figure without its phrase
    for position, sentence in enumerate(sentences):
        if not sentence:
            continue
        if _HEADING.match(sentence):
            major = heading = sentence[:40]
        elif _SUBHEADING.match(sentence):
            heading = major + sentence[:40]
        in_applications = bool(_APPLICATIONS_HEADING.search(heading)) and not _NOT_APPLICATIONS.search(sentence)
        in_consultations = bool(_CONSULTATION_HEADING.search(heading)) and not _NOT_DISCLOSURE.search(sentence)
        if (not _MAY_STATE.search(sentence) and not in_applications and not in_consultations) or \
                _other_year(sentence, year):
            continue
        if "分别" in sentence:
            out += [Candidate(code, value, -1, position, sentence) for code, value in _listed(sentence)]
        counted = _HAS_FIGURE.search(sentence)
        if counted:
            out += _stated(sentence, position, PHRASES, 0)
            if in_applications:
                out += _stated(sentence, position, _IN_SECTION, 20)
            if in_consultations:
                out += _stated(sentence, position, _IN_CONSULTATIONS, 20)
            for m in _ANSWERED_SUBJECT.finditer(sentence):
                if (value := cn_number(m.group(1))) is not None:
                    out.append(Candidate("applications_answered", value, 0, position, sentence))
        for rank, ph in enumerate(ZERO_PHRASES):
            if any(h in sentence for h in ph.hints):
                m = ph.pattern.search(sentence)
                # the words right after count too: 未发生申请行政复议 is about reviews, not applications
                if m and not (ph.forbid and ph.forbid.search(sentence[m.start():m.end() + 8])):
                    out.append(Candidate(ph.metric, 0.0, 100 + rank, position, sentence))
    return out


def _stated(sentence: str, position: int, phrases: list[Phrase], base: int) -> list[Candidate]:
    """The figures these phrases find in one sentence, each ranked by its phrase's place among the metric's."""
    out = []
    order: dict[str, int] = {}
    for ph in phrases:
        rank = base + order.setdefault(ph.metric, 0)
        order[ph.metric] += 1
        if not any(h in sentence for h in ph.hints) and base == 0:
            continue
        if (ph.needs and not ph.needs.search(sentence)) or (ph.sentence_forbid and ph.sentence_forbid.search(sentence)):
            continue
        for m in ph.pattern.finditer(sentence):
            value = cn_number(m.group(1))
            if value is None or (ph.forbid and ph.forbid.search(m.group(0))):
                continue
            refused = _refusal(sentence, m, ph)
            part = ph.metric == "proactive_items" and _PART.search(sentence[max(0, m.start() - 8):m.end()])
            out.append(Candidate(ph.metric, value, rank + (10 if part else 0), position, sentence, refused))
            if not refused:
                break
    return out


def _refusal(sentence: str, m: re.Match, ph: Phrase) -> str:
    """Why the figure a phrase matched is not this year's figure of its metric ("" when it is)."""
    window = sentence[max(0, m.start() - 12):m.end()]
    if _SKIP.search(window) or sentence[m.end():].startswith("%"):
        return "a cumulative, another year's, or a share"
    if "累计" in window and _CUMULATIVE_SPAN.search(sentence):
        return "cumulative over more than the year"
    if ph.not_after_qizhong and _total_stated_before_qizhong(sentence, m.start(), ph.metric):
        return "a part after 其中, its total stated before"
    if sentence[max(0, m.start(1) - 1):m.start(1)] in ("数", "几", "上", "近") and not m.group(1)[0].isdigit():
        return "a vague amount"  # 数百人次, 几十件 (依申请公开数12件 is a figure)
    return ""


def read_narrative(body: str, year: int | None) -> list[dict]:
    """Each metric's figure: of every candidate the report states, the surest (an explicit figure before a
    zero statement, a total before a part or a channel), the first among equals. The candidates not taken
    are listed with it (``rejected``), so a reader can see what else the report said."""
    best: dict[str, Candidate] = {}
    others: dict[str, list[Candidate]] = {}
    for c in _candidates(body, year):
        if c.refused:
            others.setdefault(c.metric, []).append(c)
            continue
        held = best.get(c.metric)
        if held is None or (c.rank, c.position) < (held.rank, held.position):
            if held is not None:
                others.setdefault(c.metric, []).append(held)
            best[c.metric] = c
        else:
            others.setdefault(c.metric, []).append(c)
    out = []
    for metric, c in best.items():
        m = _metric(metric, "", c.sentence.strip(), c.value, "narrative")
        rejected: dict[tuple, Candidate] = {}  # one line per figure and sentence, however many phrases found it
        for o in others.get(metric, []):
            if o.value != c.value:
                rejected.setdefault((o.value, o.position), o)
        rejected = list(rejected.values())
        if rejected:
            m["rejected"] = "; ".join(f"not {o.value:g} ({o.why_not()}: {o.sentence.strip()[:40]})"
                                      for o in rejected[:4])
        out.append(m)
    return out


def read_legacy(blocks, body: str, year: int | None) -> list[dict]:
    """Table figures first; narrative figures fill the gaps, disagreements become warnings."""
    table: dict[str, dict] = {}
    for b in blocks:
        if b.grid is not None and b.grid.cells:
            for m in read_legacy_table(b.grid, year):
                table.setdefault(m["metric"], m)
    out = dict(table)
    for m in read_narrative(body, year):
        t = table.get(m["metric"])
        if t is None:
            out[m["metric"]] = m
        elif t["value"] != m["value"]:
            t["warning"] = f"{m['metric']}: table says {t['value']:g}, narrative says {m['value']:g}"
    return list(out.values())
