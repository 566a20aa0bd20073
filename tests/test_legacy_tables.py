"""Legacy statistics tables of every template, in varied forms: era from the year, this year's column, units."""

import random

import pytest

from nianbao.transforms.report import parse_report

# The national 统计指标 | 单位 | 统计数 template of the 2010s, with figures (None: a section row, no figure).
NATIONAL = [
    ("一、主动公开情况", "—", None),
    ("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）", "条", 1234),
    ("其中：主动公开规范性文件数", "条", 12),
    ("制发规范性文件总数", "件", 15),
    ("（二）通过不同渠道和方式公开政府信息的情况", "—", None),
    ("1.政府公报公开政府信息数", "条", 40),
    ("2.政府网站公开政府信息数", "条", 1100),
    ("3.政务微博公开政府信息数", "条", 300),
    ("4.政务微信公开政府信息数", "条", 250),
    ("二、回应解读情况", "—", None),
    ("（一）回应公众关注热点或重大舆情数（不同方式回应同一热点或舆情计1次）", "次", 6),
    ("三、依申请公开情况", "—", None),
    ("（一）收到申请数", "件", 37),
    ("1.当面申请数", "件", 5),
    ("2.传真申请数", "件", 0),
    ("3.网络申请数", "件", 30),
    ("4.信函申请数", "件", 2),
    ("（二）申请办结数", "件", 35),
    ("1.按时办结数", "件", 35),
    ("（三）申请答复数", "件", 35),
    ("1.属于已主动公开范围数", "件", 9),
    ("2.同意公开答复数", "件", 17),
    ("3.同意部分公开答复数", "件", 3),
    ("4.不同意公开答复数", "件", 4),
    ("其中：涉及国家秘密", "件", 1),
    ("涉及商业秘密", "件", 1),
    ("涉及个人隐私", "件", 2),
    ("四、行政复议数量", "件", 2),
    ("（一）维持具体行政行为数", "件", 2),
    ("五、行政诉讼数量", "件", 1),
    ("六、举报投诉数量", "件", 3),
    ("七、依申请公开信息收取的费用", "万元", 0.0528),
    ("八、机构建设和保障经费情况", "—", None),
    ("（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）", "万元", 12),
]
NATIONAL_WANT = {"proactive_items": 1234, "applications_received": 37, "applications_answered": 35, "granted": 17,
                 "partially_granted": 3, "withheld": 4, "administrative_reviews": 2, "lawsuits": 1,
                 "fees_yuan": 528}


def html_table(rows: list[list[str]], rng: random.Random) -> str:
    attrs = rng.choice(['border="1"', 'class="MsoNormalTable" cellspacing="0"', ""])

    def cell(c: str) -> str:
        return rng.choice([f"<td>{c}</td>", f'<td><p class="MsoNormal"><span>{c}</span></p></td>',
                           f"<td> {c} </td>"])
    body = "".join("<tr>" + "".join(cell(c) for c in r) + "</tr>" for r in rows)
    return f"<table {attrs}><tbody>{body}</tbody></table>"


def pipe_table(rows: list[list[str]], rng: random.Random) -> str:
    sep = rng.choice([" | ", "|", " ｜ "])
    return "\n".join(sep.join(r) + rng.choice(["", " |"]) for r in rows)


def page(year: int, publisher: str, table: str, narrative: str, as_html: bool) -> bytes:
    title = f"{publisher}{year}年政府信息公开工作年度报告"
    parts = [f"一、概述\n{year}年，我局认真贯彻落实《条例》。", "二、主动公开政府信息情况", narrative,
             "三、依申请公开政府信息情况", "附表：政府信息公开情况统计表", table, "四、存在的主要问题及改进措施"]
    if as_html:
        body = "".join(p if p.startswith("<table") else f"<p>{p}</p>" for p in parts)
        return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><h1>{title}</h1>{body}" \
               f"</body></html>".encode()
    return (title + "\n" + "\n".join(parts)).encode()


def legacy(parsed) -> dict[str, float]:
    return {m["metric"]: m["value"] for m in parsed.legacy_metrics}


@pytest.mark.parametrize("seed", range(12))
def test_the_national_template_in_a_2012_report_is_legacy_and_read_from_this_years_column(seed):
    rng = random.Random(seed)
    header = rng.choice([["统计指标", "单位", "统计数"], ["统 计 指 标", "单位", "统计数"],
                         ["指标", "计量单位", "数量"]])
    rows = [header] + [[name, unit, "—" if v is None else f"{v:g}"] for name, unit, v in NATIONAL]
    as_html = rng.random() < 0.6
    table = html_table(rows, rng) if as_html else pipe_table(rows, rng)
    parsed = parse_report(page(2012, "张掖市国土资源局", table, "主动公开信息见附表。", as_html), "file:///t")
    rep = parsed.report
    assert rep["era"] == "legacy" and rep["year"] == 2012
    assert parsed.applications == [] and parsed.reviews_litigation == [] and parsed.active_disclosure == []
    got = legacy(parsed)
    for metric, value in NATIONAL_WANT.items():
        assert got.get(metric) == pytest.approx(value), (metric, got.get(metric))
    fee = next(m for m in parsed.legacy_metrics if m["metric"] == "fees_yuan")
    assert fee["unit"] == "yuan" and "0.0528" in fee["evidence"]


@pytest.mark.parametrize("seed", range(8))
def test_year_columns_this_year_is_taken_whatever_the_order(seed):
    rng = random.Random(seed)
    year = rng.choice([2011, 2012, 2015])
    this, last = rng.randint(100, 900), rng.randint(100, 900)
    form = rng.choice(["this_last", "last_this_change", "this_cumulative"])
    if form == "this_last":
        head = ["项目", "本年度", "上年度"]
        cols = lambda a, b: [str(a), str(b)]  # noqa: E731
    elif form == "last_this_change":
        head = ["指标", f"{year - 1}年", f"{year}年", "增减（%）"]
        cols = lambda a, b: [str(b), str(a), f"{(a - b) / b * 100:.1f}"]  # noqa: E731
    else:
        head = ["指标名称", "计量单位", f"{year}年度", "历年累计"]
        cols = lambda a, b: ["件", str(a), str(a + b)]  # noqa: E731
    unitless = form != "this_cumulative"
    rows = [head,
            ["主动公开政府信息数"] + (cols(this, last) if unitless else ["条", str(this), str(this + last)]),
            ["受理申请数"] + cols(this // 10, last // 10),
            ["行政复议数"] + cols(1, 2)]
    if form == "this_cumulative":
        rows.append(["收费减免金额", "元", "300", "900"])
        rows.append(["收取费用", "元", "40", "80"])
    as_html = rng.random() < 0.5
    table = html_table(rows, rng) if as_html else pipe_table(rows, rng)
    parsed = parse_report(page(year, "某县人民政府办公室", table, "", as_html), "file:///t")
    got = legacy(parsed)
    assert got["proactive_items"] == this and got["applications_received"] == this // 10
    assert got["administrative_reviews"] == 1
    if form == "this_cumulative":
        assert got["fees_yuan"] == 40  # the reduction (减免) is not a fee


def test_per_row_units_scale_each_figure():
    rows = [["指标", "单位", "本年度"], ["主动公开政府信息", "万条", "2.16"], ["受理申请", "件", "119"],
            ["依申请公开信息收取的费用", "元", "35"], ["行政复议", "件", "0"]]
    parsed = parse_report(page(2014, "某市人民政府", pipe_table(rows, random.Random(1)), "", False), "file:///t")
    assert legacy(parsed) == {"proactive_items": 21600, "applications_received": 119, "fees_yuan": 35,
                              "administrative_reviews": 0}


def test_a_2019_report_with_national_tables_keeps_its_era():
    from conftest import FIXTURES
    parsed = parse_report((FIXTURES / "real" / "sh_bgt_2019.html").read_bytes(), "file:///t")
    assert parsed.report["era"] == "2019" and parsed.applications
