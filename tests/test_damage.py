"""Generated pages with known values, clean and with each kind of real-world damage."""

import io
import math
import zipfile
from pathlib import Path

import pytest

from nianbao.sample_portal.pages import APPLICANT_LABELS, Report, render
from nianbao.transforms.report import parse_report

APPLICANT_ORDER = list(APPLICANT_LABELS)


def parsed_values(html: str, **kw):
    p = parse_report(html.encode("utf-8"), "file:///gen.html", **kw)
    act = {(r["item"], r["measure"]): r["value"] for r in p.active_disclosure}
    app = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
    rev = {(r["proceeding"], r["outcome"]): r["value"] for r in p.reviews_litigation}
    return p, act, app, rev


def assert_same(got: dict, want: dict):
    assert set(got) == set(want), f"missing {sorted(set(want) - set(got))[:5]}, extra {sorted(set(got) - set(want))[:5]}"
    bad = {k: (got[k], v) for k, v in want.items() if not math.isclose(got[k], v, abs_tol=1e-6)}
    assert not bad, bad


@pytest.mark.parametrize("year", [2019, 2020, 2021, 2024])
@pytest.mark.parametrize("seed", [1, 2])
def test_clean_pages(year, seed):
    rep = Report(year, seed=seed).fill()
    p, act, app, rev = parsed_values(render(rep))
    assert p.report["era"] == rep.era
    assert p.report["year"] == year
    assert p.report["publisher"] == "张掖市人民政府"
    assert p.report["adcode"] == "620700" and p.report["region"] == "620000"
    assert p.report["checks_failed"] == 0
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)


DAMAGE = {
    "ghost_columns": dict(ghost=True),
    "applicants_reordered": dict(order=["total", "natural_person", "other_org", "legal_service_org",
                                        "public_interest_org", "research_institution", "commercial_enterprise"]),
    "split_after_page_break": dict(split_at=9),
    "rows_reordered": dict(shuffle_rows=True),
    "reviews_vertical": dict(vertical_reviews=True),
    "other_container": dict(container="article-body"),
}


@pytest.mark.parametrize("year", [2020, 2023])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_pages(year, damage):
    rep = Report(year, seed=7).fill()
    p, act, app, rev = parsed_values(render(rep, **DAMAGE[damage]))
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert p.report["checks_failed"] == 0


@pytest.mark.parametrize("corner", ["note", "blank", "label"])
@pytest.mark.parametrize("seed", range(6))
def test_applicant_columns_in_any_order_under_any_corner(corner, seed):
    """The header names the columns' order; its merged corner cell may be blank, a note or a label."""
    import random
    rnd = random.Random(seed)
    orgs = ["commercial_enterprise", "research_institution", "public_interest_org", "legal_service_org", "other_org"]
    rnd.shuffle(orgs)
    order = rnd.choice([["total", "natural_person"] + orgs, ["natural_person"] + orgs + ["total"],
                        ["natural_person", "total"] + orgs])
    rep = Report(rnd.choice([2019, 2020, 2022, 2024]), seed=seed).fill()
    p, act, app, rev = parsed_values(render(rep, order=order, corner=corner, split_at=rnd.choice([None, 9, 14])))
    assert_same(app, rep.applications)
    assert p.report["checks_failed"] == 0


@pytest.mark.parametrize("seed", range(6))
def test_an_empty_column_word_added_to_every_row_is_dropped(seed):
    import random
    rnd = random.Random(seed)
    rep = Report(rnd.choice([2019, 2020, 2022, 2024]), seed=seed).fill()
    html = render(rep, ghost_at=rnd.randint(1, 6), split_at=rnd.choice([None, 9, 14]), corner=rnd.choice(["note", "blank"]))
    p, act, app, rev = parsed_values(html)
    assert_same(app, rep.applications)
    assert p.report["checks_failed"] == 0


@pytest.mark.parametrize("seed", range(4))
def test_total_first_without_a_header_is_chosen_by_the_row_sums(seed):
    """With the header lost, 总计 printed first is recognised because only then do the rows add up."""
    import re
    rep = Report(2020 + seed, seed=seed).fill()
    order = ["total"] + [a for a in APPLICANT_ORDER if a != "total"]
    html = render(rep, order=order)
    html = re.sub(r"<tr><td rowspan=\"3\" colspan=\"3\">.*?</tr>\s*<tr>.*?</tr>\s*<tr>.*?</tr>", "", html, count=1,
                  flags=re.S)
    assert "申请人情况" not in html
    p, act, app, rev = parsed_values(html)
    assert_same(app, rep.applications)
    assert any("under which" in w for w in p.report["warnings"])


@pytest.mark.parametrize("seed", range(10))
def test_a_fragment_cut_mid_row_keeps_only_the_cells_it_prints(seed):
    """A page that ends inside a row of 三 (a fragment): the cells printed are read in order, and no 总计 or
    zero is made up for the rest, even when what is printed happens to add up (zeros always do)."""
    import random

    from nianbao.sample_portal.pages import render_pipe
    from nianbao.transforms.vocabulary import match
    rnd = random.Random(seed)
    rep = Report(rnd.choice([2019, 2020, 2022, 2024]), seed=seed).fill()
    lines = render_pipe(rep).splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("一、本年新收"))
    i = rnd.randrange(start + 2, start + 10)
    cells = [c.strip() for c in lines[i].split("|")]
    label_count = next(k for k, c in enumerate(cells) if c and c.replace(".", "").isdigit())
    cut = match(cells[label_count - 1], "applications", "outcome")
    if seed % 2:  # an all-zero row: its printed cells add up whichever columns they are
        lines = render_pipe(rep.zero_rows([cut])).splitlines()
        cells = [c.strip() for c in lines[i].split("|")]
    kept = rnd.randint(2, 5)
    lines[i] = " | ".join(cells[:label_count + kept]) + " |"
    p, act, app, rev = parsed_values("\n".join(lines[:i + 1]))
    want = {(cut, a): rep.applications[(cut, a)] for a in APPLICANT_ORDER[:kept]}
    assert {k: v for k, v in app.items() if k[0] == cut} == want
    assert any("the page ends in row" in w for w in p.report["warnings"])
    assert not rev


def test_omitted_zero_rows_stay_absent():
    omitted = ["withheld_state_secret", "not_processed_publication", "other_unpaid_fee"]
    rep = Report(2022, seed=3).fill().zero_rows(omitted)
    p, act, app, rev = parsed_values(render(rep, omit_zero_rows=True))
    want = {k: v for k, v in rep.applications.items() if k[0] not in omitted}
    assert_same(app, want)
    assert p.report["checks_failed"] == 0


def test_last_years_table_quoted_first():
    old = Report(2021, seed=11).fill()
    rep = Report(2022, seed=12).fill()
    from nianbao.sample_portal.pages import applications_table
    quoted = "<p>附：2021年度收到和处理政府信息公开申请情况</p>" + applications_table(old)
    html = render(rep).replace("<p>三、收到和处理政府信息公开申请情况</p>",
                               "<p>三、收到和处理政府信息公开申请情况</p>" + quoted)
    p, act, app, rev = parsed_values(html)
    assert_same(app, rep.applications)


def _spaced(text: str) -> str:
    """Insert a space between the characters of every label cell ('自 然 人')."""
    import re
    return re.sub(r"<span>([\u4e00-\u9fff（）]{2,12})</span>", lambda m: "<span>" + " ".join(m.group(1)) + "</span>", text)


def _traditional(text: str) -> str:
    import opencc
    return opencc.OpenCC("s2t").convert(text)


def _taiwan(text: str) -> str:
    """Converted with Taiwan phrases too (s2twp): 文件 -> 檔案, 信息 -> 資訊, 软件 -> 軟體."""
    import opencc
    return opencc.OpenCC("s2twp").convert(text)


TEXT_DAMAGE = {
    "traditional_mirror": _traditional,
    "taiwan_phrases_mirror": _taiwan,
    "spaces_between_characters": _spaced,
    "full_width_digits": lambda h: h.replace("<span>1", "<span>１").replace("<span>2", "<span>２"),
    "zero_width_characters": lambda h: h.replace("<span>自然人", "<span>自\u200b然人").replace("予以公开", "予以\u200b公开"),
    "labels_without_ordinals": lambda h: h.replace("（一）予以公开", "予以公开").replace("1.属于国家秘密", "属于国家秘密"),
    "typo_in_label": lambda h: h.replace("没有现成信息需要另行制作", "没有现成信息需要另形制作")
    .replace("补正后申请内容仍不明确", "补正后申请内容仍不名确"),
    "truncated_header": lambda h: h.replace("本年制发件数", "本年制").replace("本年新制作数量", "本年新").replace(
        "本年新公开数量", "本年新"),
    "footnotes_and_notes_in_cells": lambda h: h.replace("<span>5</span>", "<span>5*</span>").replace(
        "<span>17</span>", "<span>17（含转办2件）</span>").replace("<span>130</span>", "<span>130件</span>"),
    "stray_space_in_number": lambda h: h.replace("<span>130</span>", "<span>1 30</span>"),
    "nbsp_and_word_markup": lambda h: h.replace("<span>0</span>", "<span>&nbsp;0&nbsp;</span><o:p>&nbsp;</o:p>"),
}


@pytest.mark.parametrize("damage", list(TEXT_DAMAGE))
@pytest.mark.parametrize("year", [2020, 2022])
def test_text_damage(damage, year):
    rep = Report(year, seed=5).fill()
    p, act, app, rev = parsed_values(TEXT_DAMAGE[damage](render(rep)))
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert p.report["year"] == year


def test_units_only_in_the_header():
    rep = Report(2020, seed=9).fill()
    rep.active[("administrative_licensing", "decisions")] = 251100.0
    html = render(rep).replace("<span>处理决定数量</span>", "<span>处理决定数量（万件）</span>", 1)
    html = html.replace("<span>251100</span>", "<span>25.11</span>")
    p, act, app, rev = parsed_values(html)
    assert act[("administrative_licensing", "decisions")] == 251100.0
    raw = {(r["item"], r["measure"]): r["raw"] for r in p.active_disclosure}
    assert raw[("administrative_licensing", "decisions")] == "25.11"


def test_fee_in_wan_yuan_header():
    rep = Report(2023, seed=4).fill()
    rep.active[("administrative_fees", "fee_amount")] = 125000.0
    p, act, app, rev = parsed_values(render(rep))
    assert act[("administrative_fees", "fee_amount")] == 125000.0
    assert {r["unit"] for r in p.active_disclosure if r["measure"] == "fee_amount"} == {"yuan"}


@pytest.mark.parametrize("header", ["本年收费金额（单位：元）", "本年收费金额(元)", "本年收费金额（单位:元）"])
def test_fee_header_in_yuan_overrides_the_formats_wan_yuan(header):
    """The 2021 format's fee column is in 万元 even when its header forgets to say so; a header that says 元
    is taken at its word."""
    rep = Report(2023, seed=4).fill()
    rep.active[("administrative_fees", "fee_amount")] = 125000.0
    page = render(rep)
    assert "本年收费金额（单位：万元）" in page and ">12.5<" in page
    p, act, app, rev = parsed_values(page.replace("本年收费金额（单位：万元）", header).replace(">12.5<", ">125000<"))
    assert act[("administrative_fees", "fee_amount")] == 125000.0


def test_one_number_spanning_several_columns():
    rep = Report(2022, seed=6).fill()
    for a in ["commercial_enterprise", "research_institution", "public_interest_org", "legal_service_org",
              "other_org"]:
        rep.applications[("carried_over", a)] = 0
    html = render(rep)
    start = html.index("二、上年结转政府信息公开申请数量")
    row_end = html.index("</tr>", start)
    row = html[start:row_end]
    cells = row.split("<td")
    # natural person, then one 0 spanning the five organisation columns, then the total
    new_row = "<td".join(cells[:2]) + '<td colspan="5"><p><span>0</span></p></td>' + "<td" + cells[-1]
    html = html[:start] + new_row + html[row_end:]
    p, act, app, rev = parsed_values(html)
    assert_same(app, rep.applications)


def test_reviews_split_in_two_tables():
    rep = Report(2021, seed=8).fill()
    html = render(rep)
    names = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    from nianbao.sample_portal.pages import PROCEEDINGS, REVIEW_OUTCOMES, _td
    t1 = ("<table>" + "<tr>" + _td("行政复议", colspan=5) + "</tr><tr>" + "".join(_td(n) for n in names) + "</tr><tr>"
          + "".join(_td(rep.reviews[(PROCEEDINGS[0], o)]) for o in REVIEW_OUTCOMES) + "</tr></table>")
    t2 = ("<table>" + "<tr>" + _td("行政诉讼", colspan=10) + "</tr><tr>" + _td("未经复议直接起诉", colspan=5)
          + _td("复议后起诉", colspan=5) + "</tr><tr>" + "".join(_td(n) for n in names) * 2 + "</tr><tr>"
          + "".join(_td(rep.reviews[(p, o)]) for p in PROCEEDINGS[1:] for o in REVIEW_OUTCOMES) + "</tr></table>")
    start = html.index("<p>四、")
    end = html.index("<p>五、")
    html = html[:start] + "<p>四、政府信息公开行政复议、行政诉讼情况</p>" + t1 + "<p></p>" + t2 + html[end:]
    p, act, app, rev = parsed_values(html)
    assert_same(rev, rep.reviews)


def test_two_reports_on_one_page_publisher_chooses():
    a = Report(2022, publisher="张掖市人民政府", seed=1).fill()
    b = Report(2022, publisher="张掖市教育局", seed=2).fill()

    def body(rep):
        html = render(rep)
        start = html.index('<div class="TRS_Editor">') + len('<div class="TRS_Editor">')
        inner = html[start:html.index('</div><div class="footer">')]
        return f"<p>{rep.publisher}2022年政府信息公开工作年度报告</p>" + inner.replace("本报告由", "本报告由", 1)

    page = ("<html><head><meta charset='utf-8'><title>年报</title></head><body><div class='TRS_Editor'>"
            + body(a) + body(b) + "</div></body></html>")
    p, act, app, rev = parsed_values(page, publisher="张掖市教育局")
    assert_same(app, b.applications)
    assert p.report["publisher"] == "张掖市教育局"
    assert p.report["publisher_kind"] == "department"
    p, act, app, rev = parsed_values(page, publisher="张掖市人民政府")
    assert_same(app, a.applications)
    assert p.report["publisher_kind"] == "government"


@pytest.mark.parametrize("declared", ["utf-8", "gb2312", None])
def test_gbk_bytes_under_any_declaration(declared):
    rep = Report(2021, seed=2).fill()
    html = render(rep).replace('<meta charset="utf-8">', f'<meta charset="{declared}">' if declared else "")
    html = html.replace("张掖市", "张掖市").replace("一、总体情况", "一、总体情况（镕）")  # 镕 is GBK, not GB2312
    p = parse_report(html.encode("gbk"), "file:///x.html")
    assert p.report["publisher"] == "张掖市人民政府"
    assert len(p.applications) == 25 * 7


def test_utf8_bytes_declared_gb2312():
    rep = Report(2021, seed=2).fill()
    html = render(rep).replace('<meta charset="utf-8">', '<meta http-equiv="Content-Type" content="text/html; charset=gb2312">')
    p = parse_report(html.encode("utf-8"), "file:///x.html")
    assert p.report["publisher"] == "张掖市人民政府"
    assert len(p.applications) == 25 * 7


@pytest.mark.parametrize("year", [2020, 2021, 2023])
def test_pipe_text_with_dropped_rowspans(year):
    from nianbao.sample_portal.pages import render_pipe
    rep = Report(year, seed=13).fill()
    text = render_pipe(rep)
    assert "| |" in text or "||" in text
    p, act, app, rev = parsed_values(text)
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert p.report["year"] == year and p.report["publisher"] == "张掖市人民政府"


def test_all_three_tables_merged_into_one():
    rep = Report(2022, seed=21).fill()
    html = render(rep)
    for heading in ("<p>三、收到和处理政府信息公开申请情况</p>", "<p>四、政府信息公开行政复议、行政诉讼情况</p>"):
        html = html.replace(heading, "")
    html = html.replace("</table>\n\n<table border='1'>", "").replace("</table><table border='1'>", "")
    html = html.replace("</table>\n<table border='1'>", "")
    assert html.count("<table") < 3
    p, act, app, rev = parsed_values(html)
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)


def test_report_inside_a_layout_table():
    rep = Report(2021, seed=22).fill()
    html = render(rep)
    start = html.index('<div class="TRS_Editor">')
    end = html.index('<div class="footer">')
    layout = ('<table width="100%"><tr><td class="left"><a href="/">首页</a><a href="/xxgk">信息公开</a></td>'
              f'<td class="main">{html[start:end]}</td></tr></table>')
    html = html[:start] + layout + html[end:]
    p, act, app, rev = parsed_values(html)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)


def test_department_without_place_name_takes_region_from_the_site():
    rep = Report(2022, publisher="市教育局", seed=30).fill()
    html = render(rep).replace("主办单位：市教育局办公室", "主办单位：张掖市人民政府办公室")
    p = parse_report(html.encode(), "x")
    assert p.report["publisher"] == "市教育局"
    assert p.report["adcode"] == "620700" and p.report["publisher_kind"] == "department"


def test_last_years_tables_quoted_without_a_caption():
    old = Report(2021, seed=41).fill()
    rep = Report(2022, seed=42).fill()
    from nianbao.sample_portal.pages import active_table, applications_table, reviews_table
    html = render(rep)
    html = html.replace("<p>二、主动公开政府信息情况</p>", "<p>二、主动公开政府信息情况</p>" + active_table(old))
    html = html.replace("<p>三、收到和处理政府信息公开申请情况</p>",
                        "<p>三、收到和处理政府信息公开申请情况</p>" + applications_table(old))
    html = html.replace("<p>四、政府信息公开行政复议、行政诉讼情况</p>",
                        "<p>四、政府信息公开行政复议、行政诉讼情况</p>" + reviews_table(old))
    p, act, app, rev = parsed_values(html)
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)


def test_spam_hidden_outside_the_article_is_flagged():
    rep = Report(2021, seed=50).fill()
    html = render(rep).replace("<body>", '<body><div style="display:none">澳门新葡京官网入口 百家乐</div>')
    html = html.replace('<meta name="PubDate"', '<meta name="keywords" content="bet365,体育投注"><meta name="PubDate"')
    p = parse_report(html.encode(), "x")
    assert p.report["spam_suspected"] is True
    assert p.report["publisher"] == "张掖市人民政府"  # spam never overwrites what the page says
    clean = parse_report(render(rep).encode(), "x")
    assert clean.report["spam_suspected"] is False


@pytest.mark.parametrize("year", [2020, 2022])
def test_text_extracted_from_a_pdf(year):
    from nianbao.sample_portal.pages import render_pdf_text
    rep = Report(year, seed=60).fill()
    text = render_pdf_text(rep)
    assert "\n本\n年\n" in text and "\n- 1 -\n" in text
    p, act, app, rev = parsed_values(text)
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert p.report["era"] == rep.era and p.report["publisher"] == "张掖市人民政府"


def test_the_real_pdf_text_fragment():
    p = parse_report((Path(__file__).parent / "fixtures/real/city_2024_pdf_text_fragment.txt").read_bytes(), "x", year=2024)
    app = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
    assert app[("received", "total")] == 3119 and app[("received", "legal_service_org")] == 61
    assert app[("partially_granted", "natural_person")] == 447
    assert app[("unavailable_not_held", "total")] == 769
    act = {(r["item"], r["measure"]): r["value"] for r in p.active_disclosure}
    assert act == {("administrative_penalty", "decisions"): 3985758, ("administrative_coercion", "decisions"): 88283,
                   ("administrative_fees", "fee_amount"): 961716000}
    assert p.report["checks_failed"] == 0


@pytest.mark.parametrize("year", [2020, 2023])
def test_word_docx_attachment(year):
    from nianbao.sample_portal.pages import render_docx
    rep = Report(year, seed=70).fill()
    data = render_docx(rep)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    assert b"gridSpan" in xml and b"vMerge" in xml  # Word's merged cells, both directions
    p = parse_report(data, "file:///report.docx")
    act = {(r["item"], r["measure"]): r["value"] for r in p.active_disclosure}
    app = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
    rev = {(r["proceeding"], r["outcome"]): r["value"] for r in p.reviews_litigation}
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert (p.report["year"], p.report["era"], p.report["publisher"]) == (year, rep.era, "张掖市人民政府")


@pytest.mark.parametrize("form", ["pipes", "blank_lines", "lone_pipes", "wrapped_pipes"])
@pytest.mark.parametrize("year,seed", [(2019, 3), (2020, 31), (2021, 5), (2022, 44), (2024, 9)])
def test_one_cell_per_line_dumps(form, year, seed):
    from nianbao.sample_portal.pages import render_cell_lines
    rep = Report(year, seed=seed).fill()
    p, act, app, rev = parsed_values(render_cell_lines(rep, form))
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert_same(rev, rep.reviews)
    assert p.report["year"] == year and p.report["era"] == ("2021" if year >= 2021 else "2019")


# Every pair of damage kinds, and random triples, each on a random year and seed: forms combine on real pages.
# A text form (pipe dump, PDF text, one cell per line) flattens the page; label damage is applied after it.
FORMS = ["pipe", "pdf_text", "cell_lines"]
KINDS = [("structure", k) for k in DAMAGE] + [("text", k) for k in TEXT_DAMAGE] + [("form", f) for f in FORMS]
LABEL_DAMAGE = {"traditional_mirror", "taiwan_phrases_mirror", "typo_in_label", "labels_without_ordinals", "truncated_header"}


def _combined(rep: Report, combo, rng) -> str:
    from nianbao.sample_portal.pages import render_cell_lines, render_pdf_text, render_pipe

    kw = {k: v for kind, name in combo if kind == "structure" for k, v in DAMAGE[name].items()}
    form = next((name for kind, name in combo if kind == "form"), None)
    if form is None:
        page = render(rep, **kw)
        for kind, name in combo:
            if kind == "text":
                page = TEXT_DAMAGE[name](page)
        return page
    page = {"pipe": render_pipe, "pdf_text": render_pdf_text}.get(form, lambda r: render_cell_lines(
        r, rng.choice(["pipes", "blank_lines", "lone_pipes", "wrapped_pipes"])))(rep)
    for kind, name in combo:
        if kind == "text" and name in LABEL_DAMAGE:
            page = TEXT_DAMAGE[name](page)
    return page


def _combos(n_triples: int, seed: int):
    import itertools
    import random

    rng = random.Random(seed)
    pairs = list(itertools.combinations(KINDS, 2))
    triples = [tuple(rng.sample(KINDS, 3)) for _ in range(n_triples)]
    return [c for c in pairs + triples if sum(1 for kind, _ in c if kind == "form") <= 1]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_damage_kinds_combined(seed):
    import random

    rng = random.Random(seed)
    bad = []
    for combo in _combos(40, seed):
        year = rng.choice([2019, 2020, 2021, 2022, 2023, 2024])
        rep = Report(year, seed=rng.randint(1, 10**6)).fill()
        p, act, app, rev = parsed_values(_combined(rep, combo, rng))
        for got, want in ((act, rep.active), (app, rep.applications), (rev, rep.reviews)):
            if set(got) != set(want) or any(not math.isclose(got[k], v, abs_tol=1e-6) for k, v in want.items()):
                bad.append(([name for _, name in combo], year, rep.seed))
                break
    assert bad == []


def test_ocr_misreadings_match_the_one_label_they_are_close_to():
    rep = Report(2021, seed=4).fill()
    page = render(rep).replace("予以公开", "予以公升").replace("不予处理", "不予处埋").replace("自然人", "自然入")
    p, act, app, rev = parsed_values(page)
    assert_same(app, rep.applications)
    from nianbao.transforms.vocabulary import match
    assert match("法律服务机枸", "applications", "applicant") == "legal_service_org"
    assert match("其他", "applications", "applicant") is None  # too short to be a misreading of anything


def test_a_note_mentioning_last_year_is_not_a_caption_of_last_years_table():
    rep = Report(2022, seed=14).fill()
    head = "<p>四、政府信息公开行政复议、行政诉讼情况</p>"
    page = render(rep).replace(head, head + "<p>（注：本表数据含上年度结转案件。）</p>")
    p, act, app, rev = parsed_values(page)
    assert_same(rev, rep.reviews)


def test_page_footers_inside_dumped_tables():
    from nianbao.sample_portal.pages import render_cell_lines
    rep = Report(2023, seed=15).fill()
    for form in ("pipes", "blank_lines", "lone_pipes"):
        lines = render_cell_lines(rep, form).split("\n")
        at = len(lines) // 2
        lines[at:at] = ["— 4 —", "Page8-张掖市人民政府"]
        p, act, app, rev = parsed_values("\n".join(lines))
        assert_same(app, rep.applications)


@pytest.mark.parametrize("title", ["金堂县人民政府-张掖市人民政府2021年政府信息公开工作年度报告",
                                   "张掖市人民政府2021年政府信息公开工作年度报告_张掖市人民政府门户网站",
                                   "张掖市人民政府2021年政府信息公开工作年度报告 | 政务公开",
                                   "张掖市人民政府政府信息公开工作年度报告（2021年度）"])
def test_titles_joined_to_site_names(title):
    rep = Report(2021, seed=4).fill()
    old = "张掖市人民政府2021年政府信息公开工作年度报告"
    page = render(rep).replace(f"<title>{old}_门户网站</title>", f"<title>{title}</title>").replace(
        f'content="{old}"', f'content="{title}"')
    p = parse_report(page.encode(), "file:///t.html")
    assert (p.report["publisher"], p.report["year"]) == ("张掖市人民政府", 2021)


def test_a_row_whose_label_a_converter_printed_above_it():
    """PDF converters pull a long label out of its row: the text just above a row of bare figures is its label."""
    from nianbao.sample_portal.pages import render_pipe
    rep = Report(2022, seed=16).fill()
    text = render_pipe(rep)
    label = "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"
    line = next(ln for ln in text.split("\n") if ln.startswith(label))
    figures = line[len(label):].lstrip(" |")
    moved = text.replace(line, "（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）\n| " + figures)
    p, act, app, rev = parsed_values(moved)
    assert_same(app, rep.applications)


@pytest.mark.parametrize("year,seed", [(2021, 4), (2022, 5), (2024, 12)])
def test_multi_line_cells_pulled_out_of_their_rows(year, seed):
    """A PDF converter printed each 本年废止 cell (a number and a note on two lines) alone above the table, and
    left its row one value short: each goes back into its row, in the column its note names."""
    from nianbao.sample_portal.pages import render_pdf_text

    rep = Report(year, seed=seed).fill()
    page = render_pdf_text(rep)
    rules, norms = (rep.active[(item, "repealed")] for item in ("rules", "normative_documents"))
    pulled = f"{rules:g}\n（其中修订 1 件）\n{norms:g}\n（含自然失效 2 件）\n"
    page = page.replace("第二十条第（一）项\n", "第二十条第（一）项\n" + pulled, 1)
    for item, label in (("rules", "规章"), ("normative_documents", "行政规范性文件")):
        row = " ".join(f"{rep.active[(item, m)]:g}" for m in ("issued", "repealed", "in_force"))
        short = " ".join(f"{rep.active[(item, m)]:g}" for m in ("issued", "in_force"))
        assert f"{label} {row}\n" in page
        page = page.replace(f"{label} {row}\n", f"{label} {short}\n")
    p, act, app, rev = parsed_values(page)
    assert_same(act, rep.active)
    assert_same(app, rep.applications)
    assert sum("printed out of its row; put back" in w for w in p.report["warnings"]) == 2


def test_a_place_written_with_a_character_traditional_text_also_uses_keeps_its_name():
    """乾 is Simplified too (乾安县, 乾县): a Simplified page is not converted because of it, and a Traditional
    mirror converted to Simplified keeps the place's name."""
    rep = Report(2022, publisher="乾安县民政局", seed=3).fill()
    p, act, app, rev = parsed_values(render(rep))
    assert (p.report["publisher"], p.report["adcode"], p.report["region"]) == ("乾安县民政局", "220723", "220000")
    assert not any("Traditional" in w for w in p.report["warnings"])
    p, act, app, rev = parsed_values(_traditional(render(rep)))
    assert (p.report["publisher"], p.report["adcode"]) == ("乾安县民政局", "220723")
    assert_same(app, rep.applications)
