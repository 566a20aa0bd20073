"""Legacy (2008-2018) figures: phrasings, numerals, zero statements, and figures that must not be taken."""

import re

import pytest

from nianbao.extractors.tables import Grid
from nianbao.transforms.legacy import read_legacy, read_legacy_table, read_narrative
from nianbao.transforms.report import parse_report


def figures(text: str, year: int = 2012) -> dict[str, float]:
    return {m["metric"]: m["value"] for m in read_narrative(text, year)}


@pytest.mark.parametrize("text,metric,value", [
    ("2012年，全年共主动公开政府信息3456条。", "proactive_items", 3456),
    ("我局主动公开各类信息一千二百条。", "proactive_items", 1200),
    ("新增主动公开政府信息1.25万条。", "proactive_items", 12500),
    ("全年主动公开文件215件。", "proactive_items", 215),
    ("共受理政府信息公开申请38件。", "applications_received", 38),
    ("收到公民、法人和其他组织提出的政府信息公开申请五件。", "applications_received", 5),
    ("全年受理依申请公开申请共计12件。", "applications_received", 12),
    ("已答复申请36件。", "applications_answered", 36),
    ("所有申请均已办结，共办结30件。", "applications_answered", 30),
    ("其中同意公开20件，同意部分公开3件，不予公开2件。", "granted", 20),
    ("其中同意公开20件，同意部分公开3件，不予公开2件。", "partially_granted", 3),
    ("其中同意公开20件，同意部分公开3件，不予公开2件。", "withheld", 2),
    ("不同意公开的有4件。", "withheld", 4),
    ("共收取检索、复制费用120元。", "fees_yuan", 120),
    ("全年共接受公众咨询2070人次。", "consultations", 2070),
    ("发生政府信息公开行政复议2件，行政诉讼1件。", "administrative_reviews", 2),
    ("发生政府信息公开行政复议2件，行政诉讼1件。", "lawsuits", 1),
    ("全年共受理政府信息公开申请15件，其中，当面申请3件，网络申请10件，信函申请2件。", "applications_received", 15),
    ("已按时答复15件，其中同意公开12件，部分公开1件，不予公开2件（其中涉及国家秘密1件）。", "applications_answered", 15),
    ("已按时答复15件，其中同意公开12件，部分公开1件，不予公开2件（其中涉及国家秘密1件）。", "partially_granted", 1),
    ("已按时答复15件，其中同意公开12件，部分公开1件，不予公开2件（其中涉及国家秘密1件）。", "withheld", 2),
    ("收取检索、复制、邮寄等费用0元。", "fees_yuan", 0),
    ("全年共发生政府信息公开行政复议案件1件，行政诉讼案件0件。", "lawsuits", 0),
    ("收到政府信息公开申请共计8件。", "applications_received", 8),
    ("全市主动公开政府信息8.6万条。", "proactive_items", 86000),
    ("共接受群众咨询3000余人次。", "consultations", 3000),
    ("主动公开政府信息1,234条。", "proactive_items", 1234),
    ("全年共受理依申请公开件3件。", "applications_received", 3),
    ("依申请公开政府信息申请共计8件。", "applications_received", 8),
    ("主动公开政府信息数量为2345条。", "proactive_items", 2345),
    ("同意公开的4件，同意部分公开的1件。", "partially_granted", 1),
])
def test_phrasings(text, metric, value):
    assert figures(text)[metric] == value


@pytest.mark.parametrize("text,metrics", [
    ("2012年未收到政府信息公开申请。", {"applications_received": 0}),
    ("全年未收取任何费用。", {"fees_yuan": 0}),
    ("未发生因政府信息公开引起的行政复议和行政诉讼。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("本年度没有发生针对本机关的行政复议、行政诉讼案件。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("全年没有因政府信息公开而被申请行政复议或提起行政诉讼的情况。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("因政府信息公开申请行政复议、行政诉讼均为0。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("五、因政府信息公开申请行政复议、提起行政诉讼的情况：无。", {"administrative_reviews": 0, "lawsuits": 0}),
])
def test_statements_of_zero(text, metrics):
    got = figures(text)
    assert {k: got[k] for k in metrics} == metrics


@pytest.mark.parametrize("text", [
    "截至2012年底，累计主动公开政府信息12000条。",  # cumulative
    "2011年共受理政府信息公开申请40件。",  # last year's figure
    "历年累计受理申请300件。",
    "其中政策法规类信息占31.5%。",
    "今年我局共受理审批事项117件，办结171件，办结率100%。",  # approvals, not disclosure requests
    "收到行政复议申请2件。",  # reviews are not disclosure requests
    "依托12345热线，共收到咨询投诉件15564件，已办结15042件。",
    "全年办理群众来信来访230件，已办结228件。",
    "办理涉及政府信息公开的人大代表建议和政协提案45件，全部按时答复45件。",
    "2013年用于设立公开栏等产生的政府信息公开费用1万元。",  # spending, not fees charged
    "未收到行政复议申请。",
])
def test_figures_not_taken(text):
    got = figures(text)
    assert "applications_received" not in got or text.startswith("2012")
    assert "proactive_items" not in got
    assert "applications_answered" not in got
    assert "fees_yuan" not in got


def test_sub_unit_figures_after_the_total():
    got = figures("2012年全区主动公开政府信息2069条。其中，区直各部门主动公开政府信息1592条，各乡镇主动公开政府信息477条。")
    assert got["proactive_items"] == 2069
    got = figures("各乡镇主动公开政府信息477条。其中，全区主动公开政府信息2069条。")  # a sub-unit stated first
    assert got["proactive_items"] == 477  # the first figure stated is taken; no total precedes it


def test_a_figure_after_qizhong_is_the_metric_when_the_total_before_is_of_something_else():
    """发布各类信息8632条 counts every post on the site; the disclosure figure is the one after 其中."""
    got = figures("县政府门户网站发布各类信息8632条,其中,发布政府信息公开信息共399条。")
    assert got["proactive_items"] == 399
    got = figures("全年公开政府信息共1200条，其中，各乡镇公开信息300条。")  # the same metric's total: the part is not it
    assert got["proactive_items"] == 1200


def test_traditional_characters():
    got = figures("我局2010年共主動公開政府信息175條。2010年，未產生針對我局的行政複議與行政訴訟。", 2010)
    assert got == {"proactive_items": 175, "administrative_reviews": 0, "lawsuits": 0}


def test_fujian_table_takes_the_current_year_column():
    g = Grid([["指标名称", "计量单位", "本年度", "历年累计"],
              ["主动公开文件数", "条", "2069", "12106"],
              ["其中：1.政府网站公开数", "条", "2069", "12106"],
              ["受理依申请公开信息总数", "条", "3", "40"],
              ["其中：1.同意公开答复数", "条", "2", "30"],
              ["2.同意部分公开答复数", "条", "1", "5"],
              ["接受行政诉讼、举报数", "件", "9", "9"],
              ["行政复议数", "件", "0", "1"],
              ["行政诉讼数", "件", "0", "0"]])
    got = {m["metric"]: m["value"] for m in read_legacy_table(g)}
    assert got == {"proactive_items": 2069, "applications_received": 3, "granted": 2, "partially_granted": 1,
                   "administrative_reviews": 0, "lawsuits": 0}


def test_table_beats_narrative_with_a_warning():
    from nianbao.extractors.page import Block
    g = Grid([["指标名称", "计量单位", "本年度", "历年累计"], ["主动公开文件数", "条", "2069", "12106"]])
    rows = read_legacy([Block(grid=g)], "2018年全区主动公开政府信息2000条。", 2018)
    assert rows[0]["value"] == 2069 and "narrative says 2000" in rows[0]["warning"]


def test_a_2019_report_in_legacy_form_is_legacy():
    html = ("<html><body><div><h1>某县2019年政府信息公开工作年度报告</h1><p>一、概述</p>"
            "<p>2019年，我县主动公开政府信息300条。</p>"
            "<p>二、依申请公开情况</p><p>2019年共受理政府信息公开申请6件。</p><p>三、行政复议情况</p><p>未发生行政复议和行政诉讼。</p>"
            "</div></body></html>")
    p = parse_report(html.encode(), "x")
    assert p.report["era"] == "legacy" and p.report["year"] == 2019
    assert {m["metric"]: m["value"] for m in p.legacy_metrics}["proactive_items"] == 300


def test_zero_statements_do_not_override_stated_figures():
    got = figures("全年发生行政复议2件，没有发生行政诉讼。")
    assert got == {"administrative_reviews": 2, "lawsuits": 0}


@pytest.mark.parametrize("text,want", [
    ("2017年，主动公开政府工作信息、动态755多条。", {"proactive_items": 755}),
    ("按照《条例》要求，全年共公开信息253条。", {"proactive_items": 253}),
    ("2012年，全局累計主動公開政府信息12條，其中概況類信息3條。", {"proactive_items": 12}),
    ("截至2012年底，累计主动公开政府信息3000条。", {}),
    ("主动公开政府信息的有5条。", {"proactive_items": 5}),
    ("全年主动公开信息778余条。", {"proactive_items": 778}),
    ("全年受理申请一百一十九件，答复两件。", {"applications_received": 119, "applications_answered": 2}),
    ("主动公开政府信息2.16万条。", {"proactive_items": 21600}),
    ("同意公开、同意部分公开、不予公开的分别为3件、1件、0件。", {"granted": 3, "partially_granted": 1, "withheld": 0}),
    ("行政复议、行政诉讼分别为2件和1件。", {"administrative_reviews": 2, "lawsuits": 1}),
    ("本单位没有向依申请公开对象收取复印、传真、递送等任何费用，也无减免情况。", {"fees_yuan": 0}),
    ("县政府在受理依申请公开政府信息工作中均没有收取费用。", {"fees_yuan": 0}),
    ("我局没有任何信息公开的收费项目。", {"fees_yuan": 0}),
    ("依申请公开收取费用为零。", {"fees_yuan": 0}),
    ("由于未收到政府信息公开申请，我局没有收取相关费用。", {"fees_yuan": 0, "applications_received": 0}),
    ("本年报由概述、依申请公开政府信息和不予公开政府信息情况，收费和减免情况等八部分组成。", {}),
    ("2016年度我乡无一例因政府信息公开申请行政复议和提起行政诉讼发生。",
     {"administrative_reviews": 0, "lawsuits": 0}),
    ("全年接待群众咨询数百人次。", {}),
])
def test_wider_phrasing(text, want):
    import re

    year = re.search(r"(20\d\d)年", text)
    assert figures(text, int(year.group(1)) if year else 2012) == want


@pytest.mark.parametrize("text,metrics", [
    ("2013年度没有依申请公开信息的情况。", {"applications_received": 0}),
    ("全年没有公民、法人和其他组织提出政府信息公开申请。", {"applications_received": 0}),
    ("2017年未接收到有关依申请公开政府信息的情况,无不予公开政府信息的情况。", {"withheld": 0}),
    ("全年依申请公开数0件。", {"applications_received": 0}),
    ("行政复议案件0件，行政诉讼案件0件。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("全年未收取检索、复印、邮寄等费用。", {"fees_yuan": 0}),
    ("2017年没有公民、法人和其他组织的政府信息公开收费和减免情况。", {"fees_yuan": 0}),
    ("2016年度未接到有关政府信息公开方面的复议、诉讼和申诉。", {"administrative_reviews": 0, "lawsuits": 0}),
    ("2016年度未收到任何形式的有关信息公开方面的咨询。", {"consultations": 0}),
    ("沒有申請公開政府信息和不予公開政府信息的情況。", {"applications_received": 0, "withheld": 0}),
])
def test_more_statements_of_zero(text, metrics):
    year = re.search(r"(20\d\d)年", text)
    got = figures(text, int(year.group(1)) if year else 2012)
    assert {k: got.get(k) for k in metrics} == metrics


@pytest.mark.parametrize("text", [
    "2016年未發生申請行政復議和提起行政訴訟情況。",  # about reviews: not "no applications"
    "未收到依申请公开信息的咨询。",  # no inquiries: not no applications
])
def test_a_zero_statement_about_something_else_is_not_no_applications(text):
    assert "applications_received" not in figures(text)


def test_the_total_wins_over_a_topic_or_a_channel_stated_first():
    text = ("2012年，全年在重点领域公开信息32条。门户网站发布各类信息3698条，微博微信公开信息2148条。"
            "全年共主动公开政府信息166条。")
    got = read_narrative(text, 2012)
    proactive = next(m for m in got if m["metric"] == "proactive_items")
    assert proactive["value"] == 166
    assert "32" in proactive["rejected"] and "重点领域" in proactive["rejected"]


def test_figures_stated_under_their_section_heading():
    text = ("三、依申请公开政府信息情况\n上年度我市共受理政府信息公开申请123件；2010年共受理177件，增加54件。"
            "已办结177件，按时办结率100%。\n四、咨询处理情况\n（二）县政府门户网站接受咨询服务情况\n"
            "政府公众信息网站共收到“县长信箱”留言76条，答复76条。\n五、行政复议情况\n行政诉讼方面，法院判决驳回诉讼请求1件，"
            "原告撤诉1件，共计2件。")
    got = figures(text, 2010)
    assert (got["applications_received"], got["applications_answered"]) == (177, 177)
    assert got["consultations"] == 76 and got["lawsuits"] == 2


def test_a_report_on_one_line_is_read_by_its_headings():
    text = ("某镇2016年政府信息公开年度报告\n某镇人民政府2016年政府信息公开年度报告 一、概述 2016年以来，我镇推进公开工作。"
            "二、主动公开情况 2016年度共主动公开政府信息25条，在主动公开的信息中，工作动态信息5条。"
            "三、咨询处理情况 2016年度未收到任何形式的有关信息公开方面的咨询。 四、行政复议、诉讼情况 2016年度未接到有关政府信息"
            "公开方面的复议、诉讼和申诉。 附表:2016年政府信息公开年度报告 某镇人民政府 |")
    p = parse_report(text.encode(), "file:///x.txt", content_type="text/plain; charset=utf-8")
    got = {m["metric"]: m["value"] for m in p.legacy_metrics}
    assert got == {"proactive_items": 25, "consultations": 0, "administrative_reviews": 0, "lawsuits": 0}


def test_a_legacy_table_with_a_number_column_reads_its_labels_column():
    grid = Grid([["序号", "统计指标", "计量单位", "数值"], ["1", "主动公开政府信息", "万条", "1.54"],
                 ["2", "受理政府信息公开申请", "件", "13"], ["3", "依申请公开收取费用", "万元", "0.0303"]])
    got = {m["metric"]: m["value"] for m in read_legacy_table(grid, 2014)}
    assert got == {"proactive_items": 15400, "applications_received": 13, "fees_yuan": 303}


@pytest.mark.parametrize("start", range(0, 240, 40))
def test_generated_legacy_reports_in_many_wordings(start):
    """Phrase families, not pages: each metric in several wordings and statements of zero, with decoys,
    in Simplified and Traditional, some pages on one line (sample_portal/legacy_pages.py)."""
    from nianbao.sample_portal.legacy_pages import legacy_page

    for seed in range(start, start + 40):
        text, want, year = legacy_page(seed)
        p = parse_report(text.encode(), "file:///x.txt", content_type="text/plain; charset=utf-8")
        got = {m["metric"]: m["value"] for m in p.legacy_metrics}
        assert {k: got.get(k) for k in want} == want, f"seed {seed}"


def test_a_sentence_cut_off_at_the_end_of_a_fragment_states_nothing():
    assert "fees_yuan" not in figures("全年共主动公开政府信息166条。全年没有向申请人收取检索、复印等任何费")
    assert figures("全年没有向申请人收取检索、复印等任何费用。")["fees_yuan"] == 0


def test_each_figure_not_taken_is_named_with_its_reason():
    text = "截至2012年底，累计主动公开政府信息12000条。2012年，全年在重点领域公开信息32条。全年共主动公开政府信息166条。"
    p = parse_report(("某县人民政府2012年政府信息公开工作年度报告\n" + text).encode(), "file:///x.txt",
                     content_type="text/plain; charset=utf-8")
    (line,) = [w for w in p.warnings if w.startswith("legacy proactive_items")]
    assert "166 kept" in line and "not 12000 (a cumulative" in line and "not 32 (a part, channel or topic" in line


def test_the_legacy_generator_writes_every_form_it_tests():
    """The phrase-family test above covers what the generator writes: check it writes each form often."""
    from nianbao.sample_portal.legacy_pages import legacy_page

    pages = [legacy_page(seed)[0] for seed in range(240)]
    simplified = [p for p in pages if "报告" in p]
    assert sum("附表" in p and " | " in p for p in pages) >= 40  # statistics tables, several header arrangements
    assert sum(w in p for p in pages for w in ("受理政府信息公开申请 |", "依申请公开数 |", "政府信息公开申请数 |",
                                                "受理依申请公开信息总数 |")) >= 10
    assert sum("万条" in p for p in simplified) >= 10  # a table whose figure differs from the narrative's
    assert sum(w in p for p in simplified for w in ("留言", "来电来访", "在线咨询")) >= 20  # 咨询 only in the heading
    assert sum(w in p for p in simplified for w in ("咨询处理情况", "接受咨询服务情况", "咨询情况")) >= 100
    assert sum("依申请公开信息的情况" in p or "依申请公开数0件" in p for p in simplified) >= 5
    assert len(simplified) < len(pages) and sum("\n" not in p.split("附表")[0] for p in pages) >= 40
