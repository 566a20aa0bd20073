"""Generate report pages with known values, clean or with the damage real portals do.

Each damage option reproduces one thing seen on real pages, so a test can
assert that the parser still reads every value (and invents none).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from nianbao.transforms.vocabulary import code_order

APPLICANT_LABELS = {
    "natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
    "public_interest_org": "社会公益组织", "legal_service_org": "法律服务机构", "other_org": "其他", "total": "总计",
}
OUTCOME_ROWS_2021 = [
    ("received", ["一、本年新收政府信息公开申请数量"]),
    ("carried_over", ["二、上年结转政府信息公开申请数量"]),
    ("granted", ["三、本年度办理结果", "（一）予以公开"]),
    ("partially_granted", ["三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"]),
    ("withheld_state_secret", ["三、本年度办理结果", "（三）不予公开", "1.属于国家秘密"]),
    ("withheld_prohibited_by_law", ["三、本年度办理结果", "（三）不予公开", "2.其他法律行政法规禁止公开"]),
    ("withheld_safety_stability", ["三、本年度办理结果", "（三）不予公开", "3.危及“三安全一稳定”"]),
    ("withheld_third_party", ["三、本年度办理结果", "（三）不予公开", "4.保护第三方合法权益"]),
    ("withheld_internal_affairs", ["三、本年度办理结果", "（三）不予公开", "5.属于三类内部事务信息"]),
    ("withheld_process_information", ["三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息"]),
    ("withheld_enforcement_file", ["三、本年度办理结果", "（三）不予公开", "7.属于行政执法案卷"]),
    ("withheld_query_matter", ["三、本年度办理结果", "（三）不予公开", "8.属于行政查询事项"]),
    ("unavailable_not_held", ["三、本年度办理结果", "（四）无法提供", "1.本机关不掌握相关政府信息"]),
    ("unavailable_needs_creation", ["三、本年度办理结果", "（四）无法提供", "2.没有现成信息需要另行制作"]),
    ("unavailable_unclear", ["三、本年度办理结果", "（四）无法提供", "3.补正后申请内容仍不明确"]),
    ("not_processed_petition", ["三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请"]),
    ("not_processed_repeated", ["三、本年度办理结果", "（五）不予处理", "2.重复申请"]),
    ("not_processed_publication", ["三、本年度办理结果", "（五）不予处理", "3.要求提供公开出版物"]),
    ("not_processed_excessive", ["三、本年度办理结果", "（五）不予处理", "4.无正当理由大量反复申请"]),
    ("not_processed_confirmation", ["三、本年度办理结果", "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"]),
    ("other_no_correction", ["三、本年度办理结果", "（六）其他处理",
                             "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"]),
    ("other_unpaid_fee", ["三、本年度办理结果", "（六）其他处理",
                          "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"]),
    ("other_other", ["三、本年度办理结果", "（六）其他处理", "3.其他"]),
    ("total_handled", ["三、本年度办理结果", "（七）总计"]),
    ("carried_forward", ["四、结转下年度继续办理"]),
]
OUTCOME_ROWS_2019 = [r for r in OUTCOME_ROWS_2021 if not r[0].startswith("other_")]
OUTCOME_ROWS_2019.insert(20, ("other", ["三、本年度办理结果", "（六）其他处理"]))
ACTIVE_2021 = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"],
     [("rules", "规章"), ("normative_documents", "行政规范性文件")], ["issued", "repealed", "in_force"]),
    ("第二十条第（五）项", ["本年处理决定数量"], [("administrative_licensing", "行政许可")], ["decisions"]),
    ("第二十条第（六）项", ["本年处理决定数量"],
     [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")], ["decisions"]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], [("administrative_fees", "行政事业性收费")], ["fee_amount"]),
]
ACTIVE_2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"],
     [("rules", "规章"), ("normative_documents", "规范性文件")], ["newly_made", "newly_published", "total_published"]),
    ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("administrative_licensing", "行政许可"), ("other_external_services", "其他对外管理服务事项")],
     ["previous_year_items", "change", "decisions"]),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"],
     [("administrative_penalty", "行政处罚"), ("administrative_coercion", "行政强制")],
     ["previous_year_items", "change", "decisions"]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], [("administrative_fees", "行政事业性收费")],
     ["previous_year_items", "change"]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], [("centralized_procurement", "政府集中采购")],
     ["procurement_items", "procurement_amount"]),
]
PROCEEDINGS = code_order("reviews_litigation", "proceeding")
REVIEW_OUTCOMES = code_order("reviews_litigation", "outcome")


@dataclass
class Report:
    """Known values of one report; render() writes them as a page."""

    year: int
    publisher: str = "张掖市人民政府"
    seed: int = 0
    active: dict = field(default_factory=dict)  # (item, measure) -> number (canonical units)
    applications: dict = field(default_factory=dict)  # (outcome, applicant) -> int
    reviews: dict = field(default_factory=dict)  # (proceeding, outcome) -> int

    @property
    def era(self) -> str:
        return "2021" if self.year >= 2021 else "2019"

    def fill(self) -> Report:
        """Random but consistent values (totals add up)."""
        rnd = random.Random(self.seed)
        for _, _, items, measures in (ACTIVE_2021 if self.era == "2021" else ACTIVE_2019):
            for item, _ in items:
                for m in measures:
                    v = rnd.randint(0, 400)
                    if m == "change":
                        v = rnd.randint(-30, 30)
                    if m == "fee_amount":
                        v = rnd.randint(0, 99999) * 100.0  # whole 0.01 万元
                    self.active[(item, m)] = v
        rows = OUTCOME_ROWS_2021 if self.era == "2021" else OUTCOME_ROWS_2019
        detail = [o for o, _ in rows if o not in ("received", "carried_over", "total_handled", "carried_forward")]
        six = [a for a in APPLICANT_LABELS if a != "total"]
        for a in six:
            for o in detail:
                self.applications[(o, a)] = rnd.choice([0, 0, 0, 1, 2, 5, 17, 130])
            handled = sum(self.applications[(o, a)] for o in detail)
            carried_forward = rnd.randint(0, 5)
            carried_over = rnd.randint(0, min(5, handled + carried_forward))
            self.applications[("total_handled", a)] = handled
            self.applications[("carried_over", a)] = carried_over
            self.applications[("carried_forward", a)] = carried_forward
            self.applications[("received", a)] = handled + carried_forward - carried_over
        for o, _ in rows:
            self.applications[(o, "total")] = sum(self.applications[(o, a)] for a in six)
        self._fill_reviews(rnd)
        return self

    def cells(self) -> dict:
        """Every table cell, keyed as parsed_cells() keys a parse: ("a", item, measure), ("b", outcome,
        applicant), ("c", proceeding, outcome)."""
        out = {("a",) + k: v for k, v in self.active.items()}
        out.update({("b",) + k: v for k, v in self.applications.items()})
        out.update({("c",) + k: v for k, v in self.reviews.items()})
        return out

    def zero_rows(self, outcomes: list[str]) -> Report:
        """Make some detail rows all zero (and keep the balance: received shrinks with them)."""
        for (o, a), v in list(self.applications.items()):
            if o in outcomes and v:
                self.applications[(o, a)] = 0
                self.applications[("total_handled", a)] -= v
                self.applications[("received", a)] -= v
        return self

    def _fill_reviews(self, rnd: random.Random) -> None:
        for p in PROCEEDINGS:
            parts = [rnd.choice([0, 0, 1, 3]) for _ in range(4)]
            for o, v in zip(REVIEW_OUTCOMES[:4], parts, strict=False):
                self.reviews[(p, o)] = v
            self.reviews[(p, "total")] = sum(parts)


def parsed_cells(parsed) -> dict:
    """A ParsedReport's table cells, keyed as Report.cells() keys the values it was made from."""
    out = {("a", r["item"], r["measure"]): r["value"] for r in parsed.active_disclosure}
    out.update({("b", r["outcome"], r["applicant"]): r["value"] for r in parsed.applications})
    out.update({("c", r["proceeding"], r["outcome"]): r["value"] for r in parsed.reviews_litigation})
    return out


def _td(text, rowspan=1, colspan=1, style="") -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f'<td{attrs}{style}><p class="MsoNormal"><span>{text}</span><o:p></o:p></p></td>'


def _fmt(v) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def active_table(rep: Report, ghost: bool = False) -> str:
    out = ['<table border="1" class="MsoNormalTable">']
    for title, heads, items, measures in (ACTIVE_2021 if rep.era == "2021" else ACTIVE_2019):
        width = 4
        out.append("<tr>" + _td(title, colspan=width) + "</tr>")
        if ghost and len(heads) == 3:  # Word's header colspan that the data cells do not follow
            out.append("<tr>" + _td("信息内容") + _td(heads[0]) + _td(heads[1], colspan=2) + _td(heads[2]) + "</tr>")
        else:
            out.append("<tr>" + _td("信息内容") + "".join(_td(h, colspan=(width - 1) if len(heads) == 1 else 1)
                                                           for h in heads) + "</tr>")
        for item, lab in items:
            vals = [rep.active[(item, m)] for m in measures]
            vals = [_fmt(v / 1e4) if m == "fee_amount" else _fmt(v) for m, v in zip(measures, vals, strict=False)]
            if ghost and len(vals) == 3:
                cells = _td(vals[0], colspan=2) + _td(vals[1]) + _td(vals[2])
            else:
                cells = "".join(_td(v, colspan=(width - 1) if len(vals) == 1 else 1) for v in vals)
            out.append("<tr>" + _td(lab) + cells + "</tr>")
    out.append("</table>")
    return "\n".join(out)


CORNERS = {"note": "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "blank": "", "label": "项目"}


def applications_header(order: list[str], corner: str = "note") -> list[str]:
    """The three header rows; ``corner`` is what the merged top-left cell prints (pages differ)."""
    orgs = [a for a in order if a not in ("natural_person", "total")]
    top, sub = [], []
    for a in order:
        if a in ("natural_person", "total"):
            top.append(_td(APPLICANT_LABELS[a], rowspan=2))
        elif a == orgs[0]:
            top.append(_td("法人或其他组织", colspan=len(orgs)))
    sub = [_td(APPLICANT_LABELS[a]) for a in order if a in orgs]
    return [
        "<tr>" + _td(CORNERS[corner], rowspan=3, colspan=3)
        + _td("申请人情况", colspan=7) + "</tr>",
        "<tr>" + "".join(top) + "</tr>",
        "<tr>" + "".join(sub) + "</tr>",
    ]


def applications_table(rep: Report, order: list[str] | None = None, omit_zero_rows: bool = False,
                       split_at: int | None = None, shuffle_rows: bool = False, corner: str = "note",
                       ghost_at: int | None = None) -> str:
    """Section 三's table. ``ghost_at``: an empty cell Word adds at that value position in every data row
    (the header does not have it)."""
    order = order or list(APPLICANT_LABELS)
    rows = OUTCOME_ROWS_2021 if rep.era == "2021" else OUTCOME_ROWS_2019
    header = applications_header(order, corner)
    printed = [(o, labels) for o, labels in rows
               if not (omit_zero_rows and len(labels) == 3 and not any(rep.applications[(o, a)] for a in order))]
    if shuffle_rows:
        random.Random(rep.seed).shuffle(printed)
    body = []
    for i, (outcome, labels) in enumerate(printed):
        cells = []
        for depth, lab in enumerate(labels):
            last = depth == len(labels) - 1
            if not last and i and printed[i - 1][1][:depth + 1] == labels[:depth + 1]:
                continue  # merged into the cell above (rowspan), as Word prints the group labels
            span = 1
            while not last and i + span < len(printed) and printed[i + span][1][:depth + 1] == labels[:depth + 1]:
                span += 1
            cells.append(_td(lab, rowspan=span, colspan=4 - len(labels) if last else 1))
        vals = [_fmt(rep.applications[(outcome, a)]) for a in order]
        if ghost_at is not None:
            vals.insert(ghost_at, "")
        body.append("<tr>" + "".join(cells) + "".join(_td(v) for v in vals) + "</tr>")
    if split_at:
        return ("<table border='1'>" + "".join(header + body[:split_at]) + "</table>\n<p></p>\n"
                + "<table border='1'>" + "".join(header + body[split_at:]) + "</table>")
    return "<table border='1'>" + "".join(header + body) + "</table>"


def reviews_table(rep: Report, vertical: bool = False) -> str:
    names = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}
    if vertical:
        rows = ["<tr>" + _td("") + "".join(_td(names[o]) for o in REVIEW_OUTCOMES) + "</tr>"]
        labels = {"administrative_review": "行政复议", "litigation_direct": "行政诉讼（未经复议直接起诉）",
                  "litigation_after_review": "行政诉讼（复议后起诉）"}
        for p in PROCEEDINGS:
            rows.append("<tr>" + _td(labels[p]) + "".join(_td(rep.reviews[(p, o)]) for o in REVIEW_OUTCOMES)
                        + "</tr>")
        return "<table border='1'>" + "".join(rows) + "</table>"
    head = [
        "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>",
        "<tr>" + "".join(_td(names[o], rowspan=2) for o in REVIEW_OUTCOMES)
        + _td("未经复议直接起诉", colspan=5) + _td("复议后起诉", colspan=5) + "</tr>",
        "<tr>" + "".join(_td(names[o]) for o in REVIEW_OUTCOMES) * 2 + "</tr>",
    ]
    data = "<tr>" + "".join(_td(rep.reviews[(p, o)]) for p in PROCEEDINGS for o in REVIEW_OUTCOMES) + "</tr>"
    return "<table border='1'>" + "".join(head) + data + "</table>"


def render(rep: Report, *, ghost=False, order=None, omit_zero_rows=False, split_at=None, shuffle_rows=False,
           vertical_reviews=False, container="TRS_Editor", extra_before="", corner="note", ghost_at=None) -> str:
    title = f"{rep.publisher}{rep.year}年政府信息公开工作年度报告"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}_门户网站</title>
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="{rep.year + 1}-01-28 09:00">
<style>.x{{color:red}}</style><script>var a = "<table><tr><td>1</td></tr></table>";</script></head>
<body><div class="nav">首页 &gt; 政务公开 &gt; 政府信息公开年报</div>
<div class="{container}">
<p>本报告由{rep.publisher}办公室编制。统计时间为{rep.year}年1月1日至{rep.year}年12月31日。</p>
<p>一、总体情况</p><p>{rep.year}年，我市扎实推进政务公开工作。</p>
<p>二、主动公开政府信息情况</p>{extra_before}{active_table(rep, ghost=ghost)}
<p>三、收到和处理政府信息公开申请情况</p>
{applications_table(rep, order=order, omit_zero_rows=omit_zero_rows, split_at=split_at, shuffle_rows=shuffle_rows,
                    corner=corner, ghost_at=ghost_at)}
<p>四、政府信息公开行政复议、行政诉讼情况</p>{reviews_table(rep, vertical=vertical_reviews)}
<p>五、存在的主要问题及改进情况</p><p>问题仍然存在。</p>
<p>六、其他需要报告的事项</p><p>无。</p>
</div><div class="footer">主办单位：{rep.publisher}办公室</div></body></html>"""


@dataclass
class LegacyReport:
    """Known figures of a 2008-2018 narrative report; render_legacy() writes them as sentences."""

    year: int
    publisher: str = "张掖市人民政府"
    seed: int = 0
    figures: dict = field(default_factory=dict)

    def fill(self) -> LegacyReport:
        rnd = random.Random(self.seed)
        received = rnd.randint(0, 60)
        granted = rnd.randint(0, received)
        partial = rnd.randint(0, received - granted)
        self.figures = {"proactive_items": rnd.randint(100, 9000), "applications_received": received,
                        "applications_answered": received, "granted": granted, "partially_granted": partial,
                        "withheld": received - granted - partial, "fees_yuan": 0,
                        "administrative_reviews": rnd.choice([0, 0, 1, 2]), "lawsuits": 0}
        return self


def render_legacy(rep: LegacyReport) -> str:
    f = rep.figures
    reviews = (f"全年发生因政府信息公开引起的行政复议{f['administrative_reviews']}件，未发生行政诉讼。"
               if f["administrative_reviews"] else "全年未发生因政府信息公开引起的行政复议和行政诉讼。")
    title = f"{rep.publisher}{rep.year}年政府信息公开工作年度报告"
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head><body>
<div class="content"><h1>{title}</h1>
<p>本报告根据《中华人民共和国政府信息公开条例》要求，由{rep.publisher}办公室编制。本报告中所列数据的统计期限自{rep.year}年1月1日起至{rep.year}年12月31日止。</p>
<p>一、概述</p><p>{rep.year}年，我市认真贯彻落实《条例》。截至{rep.year}年底，累计主动公开政府信息{f['proactive_items'] * 7}条。</p>
<p>二、主动公开政府信息情况</p><p>{rep.year}年，全市共主动公开政府信息{f['proactive_items']}条，其中政策法规类信息占31.5%。</p>
<p>三、依申请公开政府信息情况</p><p>{rep.year - 1}年共受理申请{f['applications_received'] + 7}件。{rep.year}年共受理政府信息公开申请{f['applications_received']}件，已答复{f['applications_answered']}件，其中同意公开{f['granted']}件，同意部分公开{f['partially_granted']}件，不予公开{f['withheld']}件。</p>
<p>四、政府信息公开的收费及减免情况</p><p>{rep.year}年未收取任何费用。</p>
<p>五、因政府信息公开申请行政复议、提起行政诉讼的情况</p><p>{reviews}</p>
<p>六、政府信息公开工作存在的主要问题及改进情况</p><p>工作仍有不足。</p>
</div></body></html>"""


def _printed_once(g) -> list[list[str]]:
    """Each row's cells with a merged cell only in the first row it spans, as flattened dumps print it."""
    seen: set[int] = set()
    rows = []
    for r in range(len(g.cells)):
        cells = []
        for text, o in zip(g.cells[r], g.origin[r], strict=True):
            if o not in seen:
                cells.append(text)
            seen.add(o)
        rows.append(cells)
    return rows


def _pipes(cells: list[str], width: int) -> list[str]:
    """Each cell as 'cell |', a blank as '|', a merged cell's fillers as one line of pipes."""
    out = [f"{c} |" if c else "|" for c in cells]
    return out + (["|" * (width - len(cells))] if width > len(cells) else [])


def _blank_lines(cells: list[str], width: int) -> list[str]:
    """Each cell with a blank line after it; blank cells print nothing."""
    return [x for c in cells if c for x in (c, "")]


def _wrapped_pipes(cells: list[str], width: int) -> list[str]:
    """One cell per line, tab-indented; the pipe after the row's last cell on a line of its own; a line of
    tabs ends the row (a web table copied out of a browser)."""
    if not cells:
        return []
    return [f"\t\t\t{c}  | " for c in cells[:-1]] + [f"\t\t\t{cells[-1]}", "   | ", "\t\t"]


_DUMP_FORMS = {"pipes": _pipes, "wrapped_pipes": _wrapped_pipes, "blank_lines": _blank_lines,
               "lone_pipes": lambda cells, width: [" | ".join(cells[:2]) + " |"] + [f"{c} |" if c else "|"
                                                                                    for c in cells[2:]],
               "pipe_rows": lambda cells, width: [" | ".join(cells) + " |"],
               "pdf_text": lambda cells, width: _pdf_row(cells, width)}
_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "table", "tr",
               "td", "th", "tbody", "thead", "center", "blockquote", "pre", "body", "html", "form", "main"}


def text_dump(html: str | bytes, form: str) -> str:
    """Any report page (a real one too) flattened as a text extractor does, whatever the page says: the title,
    each block's text on a line, and each innermost table's rows written as "pipes" ('cell |', a blank cell
    as '|'), "blank_lines" (each cell, then a blank line; blanks vanish), "lone_pipes" (a row's first two
    cells on a line, then one cell per line), "pipe_rows" (a row a line) or "pdf_text" (a row a line, cells
    lost to spaces, long labels wrapped, page numbers between). A merged cell is printed in the
    first row it spans; a layout table's cells are read as blocks."""
    import lxml.html

    from nianbao.extractors.decode import decode_bytes
    from nianbao.extractors.tables import cell_text, html_table_to_grid

    doc = lxml.html.fromstring(html if isinstance(html, str) else decode_bytes(html))
    for el in doc.xpath("//script|//style"):
        el.drop_tree()
    lines = [cell_text(doc.findtext(".//title") or "")]

    def table_rows(table) -> None:
        grid = html_table_to_grid(table)
        for r, cells in enumerate(_printed_once(grid)):
            lines.extend(_DUMP_FORMS[form](cells, len(grid.cells[r])))

    def walk(el) -> None:
        if not isinstance(el.tag, str):
            return
        if el.tag == "table" and not el.xpath(".//table"):
            table_rows(el)
            return
        if not any(isinstance(ch.tag, str) and ch.tag in _BLOCK_TAGS for ch in el.iterdescendants()):
            if text := cell_text(el.text_content()):
                lines.append(text)
            return
        if el.text and el.text.strip():
            lines.append(cell_text(el.text))
        for ch in el:
            walk(ch)
            if ch.tail and ch.tail.strip():
                lines.append(cell_text(ch.tail))

    walk(doc.find("body") if doc.find("body") is not None else doc)
    return "\n".join(_with_page_numbers(lines) if form == "pdf_text" else lines)


def _flattened(rep: Report, row_lines, title: bool = False) -> list[str]:
    """The report's lines with each table row written by ``row_lines(cells, width)``."""
    from nianbao.extractors.page import parse_html

    page = parse_html(render(rep))
    lines = [f"{rep.publisher}{rep.year}年政府信息公开工作年度报告"] if title else []
    lines += [f"本报告由{rep.publisher}办公室编制。统计时间为{rep.year}年1月1日至{rep.year}年12月31日。",
              "一、总体情况", f"{rep.year}年，我市扎实推进政务公开工作。"]
    heads = iter(["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"])
    for block in page.blocks:
        if block.grid is None:
            continue
        lines.append(next(heads, ""))
        for r, cells in enumerate(_printed_once(block.grid)):
            lines += row_lines(cells, len(block.grid.cells[r]))
    return lines + ["五、存在的主要问题及改进情况", "问题仍然存在。", "六、其他需要报告的事项", "无。"]


def render_pipe(rep: Report) -> str:
    """The report as a text dump of pipe rows, the way the seed was flattened: a merged cell is
    printed in its first row only, so later rows' labels and headers shift left."""
    return "\n".join(_flattened(rep, lambda cells, width: [" | ".join(cells) + " |" + "|" * (width - len(cells))]))


_PRINTED_FIGURE = re.compile(r"^-?[\d０-９][\d０-９,]*(?:[.．][\d０-９]+)?\s*(?:万|亿)?(?:件|元|条|个|项)?[*※]?"
                             r"(?:[（(][^()（）\s]{1,20}[)）])?$")  # 25, 251000元, ２５, 25*, 3（含转办2件）


def _pdf_row(cells: list[str], width: int, wrap: int = 14) -> list[str]:
    """A row as PDF text extraction prints it: cells lost to spaces (blanks vanish), long labels wrapped onto
    the next line, a merged label (三、本年度办理结果) one character per line."""
    cells = [c for c in cells if c]
    labels = [c for c in cells if not _PRINTED_FIGURE.match(c)]
    numbers = [c for c in cells if c not in labels]
    out = []
    for lab in labels[:-1] if numbers else labels:
        out += list(lab) if lab.startswith("三、本年度") else [lab[i:i + wrap] for i in range(0, len(lab), wrap)]
    if numbers:
        lab = labels[-1] if labels else ""
        parts = [lab[i:i + wrap] for i in range(0, len(lab), wrap)] or [""]
        out += parts[:-1] + [(parts[-1] + " " + " ".join(numbers)).strip()]
    return out


def _with_page_numbers(lines: list[str]) -> list[str]:
    """A page number ('- 2 -') after every 23 lines, as PDF pages break."""
    out = []
    for i, line in enumerate(lines):
        out.append(line)
        if i % 23 == 22:
            out.append(f"- {i // 23 + 1} -")
    return out


def render_pdf_text(rep: Report, wrap: int = 14) -> str:
    """The report as text extracted from its PDF: cells lost to spaces, long labels wrapped onto the
    next line, a merged label printed one character per line, page numbers between lines."""
    return "\n".join(_with_page_numbers(_flattened(rep, lambda cells, width: _pdf_row(cells, width, wrap),
                                                    title=True)))


def render_docx(rep: Report) -> bytes:
    """The report as a Word .docx, tables with Word's merged cells (python-docx; tests and fixtures only)."""
    import io

    import docx

    from nianbao.extractors.page import parse_html

    document = docx.Document()
    document.add_paragraph(f"{rep.publisher}{rep.year}年政府信息公开工作年度报告")
    document.add_paragraph(f"本报告由{rep.publisher}办公室编制。统计时间为{rep.year}年1月1日至{rep.year}年12月31日。")
    document.add_paragraph("一、总体情况")
    heads = iter(["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"])
    for block in parse_html(render(rep)).blocks:
        if block.grid is None:
            continue
        document.add_paragraph(next(heads, ""))
        g = block.grid
        table = document.add_table(rows=len(g.cells), cols=len(g.cells[0]))
        spans: dict[int, list[tuple[int, int]]] = {}
        for r, row in enumerate(g.origin):
            for c, o in enumerate(row):
                spans.setdefault(o, []).append((r, c))
        for places in spans.values():
            (r0, c0), (r1, c1) = places[0], places[-1]
            cell = table.cell(r0, c0)
            if (r1, c1) != (r0, c0):
                cell = cell.merge(table.cell(r1, c1))  # Word writes gridSpan / vMerge
            cell.text = g.cells[r0][c0]
    document.add_paragraph("五、存在的主要问题及改进情况")
    document.add_paragraph("六、其他需要报告的事项")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def render_cell_lines(rep: Report, form: str = "pipes") -> str:
    """The report as a dump of one table cell per line, the way text extractors flatten web tables:
    - "pipes": each cell as 'cell |', the fillers of a merged cell as one line of pipes ('|||');
    - "blank_lines": each cell on its own line with a blank line between, merged fillers not printed;
    - "lone_pipes": a row's first cells on one line, then each further cell on a line of its own, a blank
      cell as a lone '|';
    - "wrapped_pipes": each cell indented on a line of its own ('0  | '), the pipe closing a row's last cell
      wrapped onto the next line, and a line of tabs between rows."""
    def lone_pipes(cells, width):
        head = [" | ".join(cells[:2]) + " |"] if cells else []
        rest, out, i = cells[2:], [], 0
        while i < len(rest):
            if not rest[i] and i + 1 < len(rest) and rest[i + 1]:  # a blank run onto the next cell's line
                out.append(f"| {rest[i + 1]} |")
                i += 2
            else:
                out.append(f"{rest[i]} |" if rest[i] else "|")
                i += 1
        return head + out

    forms = {"pipes": _pipes, "blank_lines": _blank_lines, "lone_pipes": lone_pipes, "wrapped_pipes": _wrapped_pipes}
    return "\n".join(_flattened(rep, forms[form], title=True))
