"""Report fields from the forms real text dumps take: a title wrapped over two lines, markdown and spaced
titles, Traditional field lines, a township under the county the page names, a publisher that compiles its
report in the first sentence. Each form is written for several places drawn from the region table."""

import random

import pytest

from nianbao.transforms.regions import regions
from nianbao.transforms.report import parse_report

BODY = ("一、概述\n2016年，我单位认真贯彻落实《中华人民共和国政府信息公开条例》。\n二、主动公开政府信息情况\n"
        "2016年共主动公开政府信息25条。\n三、依申请公开情况\n2016年未收到政府信息公开申请。\n")


def counties(n: int, seed: int):
    rnd = random.Random(seed)
    names = [r for r in regions().values() if r.level == "county" and r.status == "current"
             and r.name.endswith(("县", "区")) and len(r.name) == 3 and not r.adcode.startswith(("71", "81", "82"))]
    return rnd.sample(names, n)


def parse(text: str) -> dict:
    return parse_report(text.encode(), "file:///r.txt", content_type="text/plain; charset=utf-8").report


@pytest.mark.parametrize("county", counties(4, 1), ids=lambda r: r.adcode)
@pytest.mark.parametrize("split", ["年度报告", "信息公开工作年度报告", "2016年政府信息公开工作年度报告"])
def test_a_title_wrapped_over_two_lines_is_one_title(county, split):
    full = f"{county.name}教育局2016年政府信息公开工作年度报告"
    head = full[:-len(split)]
    report = parse(f"{head}\n{split}\n{BODY}")
    assert report["publisher"] == f"{county.name}教育局" and report["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(4, 2), ids=lambda r: r.adcode)
def test_markdown_and_spaced_titles(county):
    report = parse(f"# {county.name}人民政府 2016 年 政府信息公开工作年度报告\n\n{BODY}")
    assert report["publisher"] == f"{county.name}人民政府" and report["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(4, 5), ids=lambda r: r.adcode)
@pytest.mark.parametrize("after", ["（2016年度）", "(2016年度)", "（2016年）", " (2016 年度)"])
@pytest.mark.parametrize("dept", ["生态环境局", "人民政府", "教育局"])
def test_a_title_with_its_year_in_brackets_after_it(county, after, dept):
    """江苏省生态环境厅政府信息公开工作年度报告（2021年度）: the year follows the title in brackets."""
    report = parse(f"{county.name}{dept}政府信息公开工作年度报告{after}\n{BODY}")
    assert report["publisher"] == f"{county.name}{dept}" and report["adcode"] == county.adcode
    assert report["year"] == 2016


@pytest.mark.parametrize("county", counties(4, 3), ids=lambda r: r.adcode)
@pytest.mark.parametrize("town", ["龙归镇", "上湾乡", "东湖街道"])
def test_a_township_is_placed_under_the_county_written_before_it(county, town):
    text = (f"2016年{town}政府信息公开年度报告\n{county.name}{town}人民政府2016年政府信息公开年度报告。本年报按照条例编制。\n"
            + BODY)
    report = parse(text)
    assert report["adcode"] == county.adcode, report


@pytest.mark.parametrize("county", counties(3, 4), ids=lambda r: r.adcode)
def test_a_traditional_source_line_names_the_publisher(county):
    from opencc import OpenCC

    text = OpenCC("s2t").convert(f"信息来源:{county.name}人民政府\n根据条例，现公布2016年度政府信息公开工作情况。\n" + BODY)
    assert parse(text)["publisher"] == f"{county.name}人民政府"


@pytest.mark.parametrize("county", counties(3, 5), ids=lambda r: r.adcode)
def test_a_publisher_that_compiles_the_report_in_the_first_sentence(county):
    text = (f"一、总体情况\n根据《中华人民共和国政府信息公开条例》的要求，{county.name}东湖街道特编制2016年政府信息公开"
            "年度报告。\n" + BODY.replace("一、概述\n", ""))
    report = parse(text)
    assert report["publisher"] == f"{county.name}东湖街道" and report["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(3, 6), ids=lambda r: r.adcode)
@pytest.mark.parametrize("town", ["壶镇镇", "溪下乡", "东城街道"])
def test_a_title_cut_at_its_governments_zhengfu_or_opening_with_guanyu(county, town):
    suffix = "办事处" if town.endswith("街道") else "人民政府"
    cut = parse(f"{county.name}{town}{suffix}信息公开年度报告\n{BODY}")
    assert cut["publisher"] == f"{county.name}{town}{suffix}" and cut["adcode"] == county.adcode
    about = parse(f"关于{county.name}{town}2016年政府信息公开工作年度报告\n{BODY}")
    assert about["publisher"].startswith(f"{county.name}{town}") and about["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(3, 7), ids=lambda r: r.adcode)
@pytest.mark.parametrize("body", ["民族和宗教事务局", "人民政府办公室", "市场监督管理局"])
def test_a_page_that_opens_with_its_publishers_name(county, body):
    report = parse(f"{county.name}{body}\n{BODY}")
    assert report["publisher"] == f"{county.name}{body}" and report["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(4, 8), ids=lambda r: r.adcode)
@pytest.mark.parametrize("site", ["把{c}政府网官方网站作为主要平台", "将{c}人民政府门户网站作为第一平台",
                                  "向{c}政府网报送信息", "通过{c}人民政府网站公开"])
def test_a_department_that_names_no_place_is_placed_by_its_governments_site(county, site):
    """我局 … 把遂溪县政府网官方网站…: the one government site the text names is the department's place."""
    text = (f"一、总体情况\n2016年，我局{site.format(c=county.name)}，及时更新公开信息。\n" + BODY.replace("一、概述\n", ""))
    report = parse(text)
    assert report["adcode"] == county.adcode


@pytest.mark.parametrize("county", counties(4, 9), ids=lambda r: r.adcode)
def test_a_report_following_its_citys_rules_is_placed_in_that_province_only(county):
    """《武汉市政府信息公开暂行规定》 cited by 区政府办公室: the province is known, not the district, nor the city
    (a cited document is never the publisher's place)."""
    from nianbao.transforms.regions import lookup

    city = lookup(county.adcode[:4] + "00")
    name = city.name if city is not None and city.level == "prefecture" else county.name
    text = (f"区政府办公室2016年政府信息公开工作年度报告\n2016年，区政府办公室认真贯彻执行《中华人民共和国政府信息公开条例》和"
            f"《{name}政府信息公开暂行规定》的各项要求。\n" + BODY.replace("一、概述\n", ""))
    report = parse(text)
    assert report["adcode"] is None
    assert report["region"] == county.adcode[:2] + "0000"


def county_cities(n: int, seed: int):
    rnd = random.Random(seed)
    names = [r for r in regions().values() if r.level == "county" and r.status == "current" and r.name.endswith("市")
             and len(r.name) == 3 and not r.adcode.startswith(("71", "81", "82"))]
    return rnd.sample(names, n)


NO_NAME = ("根据《中华人民共和国政府信息公开条例》，特向社会公布2012年度本级政府信息公开工作年度报告。本报告中所列数据的"
           "统计期限自2012年1月1日起至2012年12月31日止。全市各部门认真落实市政府部署，市政府办公室牵头推进。")


@pytest.mark.parametrize("place", counties(2, 10) + county_cities(3, 10), ids=lambda r: r.adcode)
@pytest.mark.parametrize("office,unit", [("政府办公室", "政府信息公开领导小组办公室"), ("人民政府办公室", "政务公开办公室"),
                                         ("财政局", "信息公开科")])
def test_a_page_without_its_name_is_published_by_the_office_it_gives_for_questions(place, office, unit):
    """如对本报告有任何疑问，请与平度市政府办公室政府信息公开领导小组办公室联系: that office is the publisher."""
    text = (f"{NO_NAME}如对本报告有任何疑问，请与{place.name}{office}{unit}联系（地址：{place.name}长江路1号）。\n"
            + BODY)
    report = parse(text)
    assert report["publisher"] == f"{place.name}{office}" and report["adcode"] == place.adcode


@pytest.mark.parametrize("place", county_cities(4, 11), ids=lambda r: r.adcode)
def test_an_address_in_a_county_level_city_places_the_report_there_not_in_its_prefecture(place):
    """平度市's 全市 and 市政府 are its own: the address's county-level city is the place, not 青岛市."""
    text = f"{NO_NAME}联系地址：{place.name}人民路8号。\n" + BODY
    report = parse(text)
    assert report["adcode"] == place.adcode and report["publisher"] == f"{place.name}人民政府"


def _shared_names() -> list[list]:
    by_name: dict[str, list] = {}
    for r in regions().values():
        if r.status == "current" and r.level == "county" and not r.adcode.startswith(("71", "81", "82")):
            by_name.setdefault(r.name, []).append(r)
    return [rs for rs in by_name.values() if len(rs) > 1]


@pytest.mark.parametrize("seed", range(4))
def test_a_place_name_several_places_share_is_the_registrys_place(seed):
    """鼓楼区人民政府 names four places: a crawled page that does not say which is the registry's (each portal
    gives its code), so two 鼓楼区's reports never share a report id."""
    places = random.Random(seed).choice(_shared_names())
    ids = set()
    for r in places:
        for publisher in (f"{r.name}人民政府", f"{r.name}民政局"):
            text = f"{publisher}2016年政府信息公开工作年度报告\n" + BODY
            rep = parse_report(text.encode(), "file:///r.txt", content_type="text/plain; charset=utf-8",
                               default_adcode=r.adcode).report
            assert rep["adcode"] == r.adcode, (publisher, r.adcode)
            ids.add(rep["report_id"])
    assert len(ids) == 2 * len(places)


def _long_names() -> list:
    """Current mainland county-level places of 10 to 15 characters (镇沅彝族哈尼族拉祜族自治县), with the shorter
    name each goes by (镇沅县)."""
    from nianbao.transforms.regions import _by_name

    short = {r.adcode: k for k, rs in _by_name().items() for r in rs if k != r.name and k.endswith(("县", "旗"))}
    return [(r, short.get(r.adcode)) for r in regions().values() if r.level == "county" and r.status == "current"
            and len(r.name) >= 10 and not r.adcode.startswith(("71", "81", "82"))]


@pytest.mark.parametrize("seed", range(6))
def test_a_publisher_with_a_place_name_of_up_to_fifteen_characters_is_placed(seed):
    """The generator's reports (HTML, legacy narrative, pipe text, cell-per-line dump) of governments and
    departments of the longest-named places, by their full and their short names: each is placed at its own
    code with no registry hint (the name scan stopped at 12 characters, so these had none)."""
    from nianbao.sample_portal.pages import LegacyReport, Report, render, render_cell_lines, render_legacy, render_pipe

    rnd = random.Random(seed)
    places = _long_names()
    longest = [p for p in places if len(p[0].name) > 12]  # the ones a 12-character scan never named
    assert len(places) > 20 and len(longest) >= 3 and max(len(r.name) for r, _ in places) == 15
    for r, short in rnd.sample(longest, 2) + rnd.sample(places, 1):
        names = [r.name] + ([short] if short else [])
        for publisher in [rnd.choice(names) + "人民政府", rnd.choice(names) + rnd.choice(["教育局", "财政局", "民政局"])]:
            year = rnd.choice([2016, 2020, 2022])
            report = Report(year, publisher=publisher, seed=seed).fill()
            dump = rnd.choice(["pipes", "blank_lines", "lone_pipes", "wrapped_pipes"])
            forms = [("html", render(report), "text/html"), ("pipe", render_pipe(report), "text/plain"),
                     ("lines", render_cell_lines(report, dump), "text/plain")]
            if year < 2019:
                forms = [("legacy", render_legacy(LegacyReport(year, publisher=publisher, seed=seed).fill()),
                          "text/html")]
            for form, page, kind in forms:
                rep = parse_report(page.encode(), f"file:///{form}", content_type=f"{kind}; charset=utf-8").report
                assert rep["adcode"] == r.adcode, (form, publisher)
                if form != "pipe":  # (the pipe form prints no title: its publisher is read from 由X办公室编制)
                    assert rep["publisher"] == publisher, (form, publisher)
