"""Unit tests per stage: decode, grids, labels, values, checks, metadata."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nianbao.extractors.decode import DecodeError, decode_bytes
from nianbao.extractors.tables import MAX_COLUMNS, expand_spans, pipe_lines_to_grid
from nianbao.transforms.checks import run_checks
from nianbao.transforms.legacy import cn_number
from nianbao.transforms.metadata import published_date, report_year, spam_hits
from nianbao.transforms.normalize import label
from nianbao.transforms.numbers import parse_value, unit_multiplier
from nianbao.transforms.regions import lookup, region_in_name
from nianbao.transforms.vocabulary import match

TEXT = "二、主动公开政府信息情况 镕"


@pytest.mark.parametrize("data,ctype", [
    ("\ufeff" + TEXT, None),
    (TEXT, "text/html; charset=utf-8"),
])
def test_decode_utf8(data, ctype):
    assert decode_bytes(data.encode("utf-8"), ctype).lstrip("\ufeff") == TEXT


def test_decode_gbk_declared_utf8_and_gb2312():
    raw = TEXT.encode("gbk")
    assert decode_bytes(b'<meta charset="utf-8">' + raw).endswith(TEXT)
    assert decode_bytes(b'<meta charset="gb2312">' + raw).endswith(TEXT)
    assert decode_bytes(raw, "text/html; charset=GB2312").endswith(TEXT)


def test_decode_utf8_declared_gbk():
    assert decode_bytes(b'<meta charset="gbk">' + TEXT.encode("utf-8")).endswith(TEXT)


def test_decode_big5_declared():
    t = "政府資訊公開"
    assert decode_bytes(b'<meta charset="big5">' + t.encode("big5")).endswith(t)


def test_decode_rejects_binary():
    with pytest.raises(DecodeError):
        decode_bytes(b"\x00\x01\x02" * 100)


def test_expand_spans_repeats_merged_labels():
    g = expand_spans([[("a", 2, 1), ("b", 1, 2)], [("c", 1, 1), ("d", 1, 1)]])
    assert g.cells == [["a", "b", "b"], ["a", "c", "d"]]
    assert g.logical(0) == ["a", "b"]
    assert g.logical(1) == ["a", "c", "d"]


def test_expand_spans_clamps_hostile_spans():
    g = expand_spans([[("x", 99999, 99999)], [("y", 1, 1)]])
    assert len(g.cells) == 2
    assert len(g.cells[0]) <= MAX_COLUMNS


cells = st.tuples(st.text(max_size=3), st.integers(1, 4), st.integers(1, 4))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8))
def test_grid_is_rectangular_and_keeps_every_cell(rows):
    g = expand_spans(rows)
    width = len(g.cells[0])
    assert all(len(r) == width for r in g.cells)
    assert len(g.cells) == len(rows)
    # every source cell appears in its own row's logical view
    for r, row in enumerate(rows):
        origins = set(g.origin[r])
        assert len(origins) >= 1
        assert all(text in g.cells[r] for text, _, _ in row if text)


def test_pipe_rows_keep_blank_cells_inside():
    g = pipe_lines_to_grid(["行政许可 | 1329 | -21 | 25.11万件 |", "| a | | b |"])
    assert g.cells[0] == ["行政许可", "1329", "-21", "25.11万件"]
    assert g.cells[1] == ["a", "", "b"]


@pytest.mark.parametrize("raw,value", [
    ("25.11万件", 251100), ("13.02亿元", 1302000000), ("251000元", 251000), ("-21", -21), ("－21", -21),
    ("１２３", 123), ("1,234", 1234), ("25*", 25), ("3（含转办2件）", 3), ("0件", 0), ("1 234", 1234),
    ("", 0), ("无", 0), ("—", 0), ("－", 0), ("/", 0), ("约300", 300),
])
def test_values(raw, value):
    v = parse_value(raw)
    assert v.ok and math.isclose(v.value, value)


@pytest.mark.parametrize("raw", ["不详", "见附件", "1.属于国家秘密", "2020年"])
def test_non_numbers_are_null(raw):
    v = parse_value(raw)
    assert not v.ok and v.value is None


def test_header_units():
    assert unit_multiplier("处理决定数量（万件）") == 1e4
    assert unit_multiplier("本年收费金额（单位：万元）") == 1e4
    assert unit_multiplier("采购总金额（亿元）") == 1e8
    assert unit_multiplier("采购总金额") == 1
    assert parse_value("12.5", 1e4).value == 125000


@settings(max_examples=300, deadline=None)
@given(st.integers(-10**9, 10**9))
def test_integers_round_trip_in_any_width(n):
    assert parse_value(str(n)).value == n
    full = str(n).translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))
    assert parse_value(full).value == n
    assert parse_value(f"{n:,}").value == n


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12))
def test_parse_value_never_raises(s):
    v = parse_value(s)
    assert v.ok == (v.value is not None)


def test_labels_normalise():
    assert label("（一）予以公开") == "予以公开"
    assert label("三 、 本 年 度 办 理 结 果") == "本年度办理结果"
    assert label("結果維持") == "结果维持"
    assert label("3.危及“三安全一稳定”") == "危及三安全一稳定"


@pytest.mark.parametrize("text,group,code", [
    ("1.属于国家秘密", None, "withheld_state_secret"),
    ("3.其他", "other", "other_other"),
    ("（六）其他处理", None, "other"),
    ("（七）总计", None, "total_handled"),
    ("1.属于国家秘蜜", None, "withheld_state_secret"),  # a typo a reader still understands
    ("本年度办理结果", None, None),
])
def test_outcome_matching(text, group, code):
    assert match(text, "applications", "outcome", group=group) == code


def test_checks_flag_but_keep():
    apps = [{"outcome": o, "applicant": "total", "value": v, "raw": str(v)} for o, v in
            [("received", 10), ("carried_over", 1), ("granted", 5), ("total_handled", 9), ("carried_forward", 1)]]
    rows = {(c["check"], c["subject"]): c for c in run_checks(apps, [])}
    assert not rows[("applications.balance", "total")]["passed"]
    assert rows[("applications.balance", "total")]["expected"] == 11
    assert rows[("applications.balance", "total")]["actual"] == 10
    assert not rows[("applications.total_handled", "total")]["passed"]


def test_year_from_title_not_url_and_chinese_numerals():
    assert report_year("张掖市2020年政府信息公开工作年度报告", "") == 2020
    assert report_year("二〇一九年度政府信息公开工作年度报告", "") == 2019
    assert report_year("", "本报告统计时间为2018年1月1日至2018年12月31日。") == 2018


@pytest.mark.parametrize("text", ["发布日期：2021-01-28", "发布时间:2021年1月28日", "发布时间：2021/01/28 10:00"])
def test_published_date_spellings(text):
    d = published_date({}, text, "")
    assert (d.year, d.month, d.day) == (2021, 1, 28)


def test_spam_signals():
    assert spam_hits("由365bet平台客户端_速发365网址_bei365官网人民政府办公室编制")
    assert not spam_hits("全市共公开发布各类政府信息23.3万条，福利彩票公益金使用情况")


def test_regions():
    assert region_in_name("甘肃省张掖市教育局").adcode == "620700"
    assert region_in_name("上海市人民政府办公厅").adcode == "310000"
    assert region_in_name("平潭综合实验区管委会").adcode == "350128"
    assert lookup("371200").status == "retired"  # 莱芜市, merged into 济南市 in 2019
    assert region_in_name("莱芜市人民政府").adcode == "371200"


def test_cn_numbers():
    assert cn_number("一千二百") == 1200
    assert cn_number("五") == 5
    assert cn_number("1.25万") == 12500


@pytest.mark.parametrize("text", ["中国—南亚博览会在昆明举办", "金沙县人民政府", "西藏tibet2020专题", "太阳城小区改造",
                                  "福利彩票公益金", "开展体育活动", "米乐村", "银河系科普展", "永利村委会", "九州大道改造",
                                  "外围护栏修缮", "严厉打击网络赌博犯罪"])
def test_no_spam_false_positives(text):
    assert not spam_hits(text)


@pytest.mark.parametrize("text", ["澳门新葡京官网", "bet365体育", "亚博体育app下载", "开云体育官网入口", "六合彩开奖",
                                  "北京赛车pk10", "代开发票联系", "雷竞技官网"])
def test_spam_true_positives(text):
    assert spam_hits(text)


def test_label_variants():
    assert match("二、上年度结转政府信息公开申请数量", "applications", "outcome") == "carried_over"
    assert match("一、本年度新收政府信息公开申请数量", "applications", "outcome") == "received"
    assert match("四、结转下年度继续办理", "applications", "outcome") == "carried_forward"


@pytest.mark.parametrize("title,body,meta,want", [
    ("2023年度政府信息公开工作年度报告", "根据《条例》要求，张掖市人民政府办公室编制了本报告。",
     {"field:来源": "张掖市政务服务中心"}, "张掖市人民政府"),
    ("2023年度政府信息公开工作年度报告", "本报告由张掖市教育局编制。", {}, "张掖市教育局"),
    ("2023年度政府信息公开工作年度报告", "正文", {"field:发布机构": "张掖市财政局"}, "张掖市财政局"),
    ("张掖市2023年政府信息公开工作年度报告", "", {}, "张掖市人民政府"),
    ("2019年上海市人民政府办公厅政府信息公开工作年度报告", "", {}, "上海市人民政府办公厅"),
])
def test_publisher_candidates(title, body, meta, want):
    from nianbao.transforms.metadata import publisher_candidates
    assert publisher_candidates(title, meta, body, "")[0][0] == want


@pytest.mark.parametrize("title,publisher,year", [
    ("关于印发《张掖市2022年政府信息公开工作年度报告》的通知", "张掖市人民政府", 2022),
    ("【政务公开】张掖市教育局2021年政府信息公开工作年度报告", "张掖市教育局", 2021),
    ("张掖市人民政府政府信息公开工作年度报告（2020年度）", "张掖市人民政府", 2020),
    ("张掖市财政局关于2019年度政府信息公开工作年度报告", "张掖市财政局", 2019),
])
def test_titles_in_their_wrappers(title, publisher, year):
    from nianbao.transforms.metadata import publisher_candidates
    assert publisher_candidates(title, {}, "", "")[0] == (publisher, "title")
    assert report_year(title, "") == year


def test_a_page_half_utf8_half_gbk_is_decoded_per_part_with_a_note():
    from nianbao.extractors.decode import decode_with_notes

    head = "<html><head><title>2020年政府信息公开工作年度报告</title></head><body>\n<p>一、总体情况</p>\n"
    tail = "<p>本机关收到政府信息公开申请12件。</p>\n</body></html>"
    text, notes = decode_with_notes(head.encode("utf-8") + tail.encode("gbk"))
    assert text == head + tail
    assert notes and "UTF-8 and GBK" in notes[0]


def test_undeclared_big5_is_not_read_as_gbk():
    from nianbao.extractors.decode import decode_with_notes

    page = ("<html><body><h1>2012年政府資訊公開工作年度報告</h1><p>本機關全年共受理政府資訊公開申請12件，"
            "辦理情況如下：同意公開10件，不予公開2件。行政復議0件。</p></body></html>")
    text, notes = decode_with_notes(page.encode("big5"))
    assert text == page and notes == ["undeclared Big5 bytes; decoded as Big5"]
    gbk = page.replace("資訊", "信息").replace("報告", "报告").replace("公開", "公开")
    from opencc import OpenCC

    simplified = OpenCC("t2s").convert(gbk)
    assert decode_with_notes(simplified.encode("gbk")) == (simplified, [])


def test_the_simplified_fast_path_agrees_with_opencc():
    import random

    import opencc

    from nianbao.transforms.normalize import _CONVERTED, _TRADITIONAL, to_simplified

    t2s = opencc.OpenCC("t2s")
    rng = random.Random(7)
    pool = ("政府信息公開申請行政復議訴訟規章辦理情況沈默沈船有序不予处理自然人商业企业答覆回覆藉口瞭解衹得覆盖"
            + "".join(rng.sample(sorted(_TRADITIONAL), 300)) + "".join(rng.sample(sorted(_CONVERTED), 300)))
    for _ in range(2000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        assert to_simplified(s) == t2s.convert(s), s


def test_the_row_identity_chooses_between_two_readings_of_a_row():
    """Word's merged '0' over two applicant columns and a ghost cell: both readings have seven values; the one
    whose applicants add up to 总计 is kept, and the warning says which."""
    from nianbao.transforms.applications import APPLICANTS, _fit
    from nianbao.transforms.rows import Row

    row = Row(logical=["（一）予以公开", "5", "2", "0", "0", "0", "7", ""],
              expanded=["（一）予以公开", "5", "2", "0", "0", "0", "0", "7"], origin=[0, 1, 2, 3, 3, 4, 5, 6], grid_no=1)
    warnings: list[str] = []
    values = _fit(row, row.split()[1], list(APPLICANTS), warnings, "granted")
    assert values == ["5", "2", "0", "0", "0", "0", "7"]
    assert warnings and "add up" in warnings[0]


def test_a_department_without_a_place_is_placed_by_the_site_it_publishes_on():
    from nianbao.transforms.report import _region_of_site

    assert _region_of_site("2022年，我局在中江县人民政府网站主动公开信息416条。").adcode == "510623"
    assert _region_of_site("主要通过绵竹市人民政府门户网站、画境绵竹公开。").adcode == "510683"
    assert _region_of_site("我局通过门户网站公开信息。") is None
    assert _region_of_site("在张掖市人民政府网站和甘州区人民政府网站公开。") is None  # two sites: not decided


@pytest.mark.parametrize("printed,want", [
    (["26", "26"], ["26", "", "", "", "", "", "26"]),  # the last is the sum of the others: it is 总计
    (["3", "1", "0", "0", "0", "2"], ["3", "1", "0", "0", "0", "2", ""]),  # 总计 blank: read blank (then derived)
    (["0", "0", "0", "0", "0", "0"], ["0", "0", "0", "0", "0", "0"]),  # a row cut short: nothing invented
])
def test_rows_missing_cells_are_placed_by_the_row_identity(printed, want):
    from nianbao.transforms.applications import APPLICANTS, _fit
    from nianbao.transforms.rows import Row

    cells = ["（一）予以公开", *printed]
    row = Row(logical=cells, expanded=cells, origin=list(range(len(cells))), grid_no=1)
    assert _fit(row, printed, list(APPLICANTS), [], "granted") == want


def test_a_mirrors_domain_in_place_of_the_place_name_is_spam_and_is_cut_from_the_publisher():
    from nianbao.transforms.metadata import publisher_candidates, spam_hits

    body = "根据《条例》要求，现公布puroview.com委农办(县农业局)2016年政府信息公开工作年度报告。"
    assert spam_hits(body) == ["puroview.com"]
    assert publisher_candidates("", {}, body, "")[0][0] == "委农办(县农业局)"
    assert spam_hits("详见中国政府网www.gov.cn查询，或登录www.zhangye.gov.cn。") == []


def test_a_cms_title_with_the_body_after_it_names_the_publisher():
    from nianbao.transforms.metadata import publisher_candidates

    assert publisher_candidates("2020年报_审计局", {}, "", "")[0] == ("审计局", "title")
    assert publisher_candidates("张掖市人民政府2021年政府信息公开工作年度报告_门户网站", {}, "", "")[0] == \
        ("张掖市人民政府", "title")
