"""The 22 real pages as they circulate (tests/fixtures/real_wild/, copied from ../shared/real_wild) against
their hand-read gold. The forms these pages teach are tested on generated pages elsewhere; here every
page must parse, the pages read completely so far must stay complete, and the totals must not fall."""

import json

import pytest
from conftest import FIXTURES

from benchmarks.gold_score import main as score_all
from benchmarks.gold_score import score_page

WILD = FIXTURES / "real_wild"
PAGES = sorted(g.name.removesuffix(".gold.json") for g in WILD.glob("*.gold.json"))
# Every cell right today (the others are noted in the issue log: a PDF converter's scrambled markdown,
# publishers named only as 我局, and one narrative consultation figure that is a judgement call).
COMPLETE = {"rw_dazhu_cyx_2016", "rw_dongtou_nyncj_2021", "rw_haizhu_gzjd_2023", "rw_hanjiang_wsj_2011",
            "rw_huaihua_yjljd_2023", "rw_hualong_qkxq_2020", "rw_mianzhu_nyncj_2021", "rw_oubei_2012",
            "rw_shuyang_fgj_2023", "rw_spam_fgj_2020", "rw_spam_gamble_swj_2017", "rw_spam_pinyin_liwan_2019",
            "rw_spam_yjnyj_2016", "rw_spam_zhongjiang_ju_2022", "rw_tljq_xiang_2017", "rw_trad_mirror_ju_2012",
            "rw_wendeng_sjj_2020_p9", "rw_yangling_sj_2022", "rw_yongjia_nyj_2010"}


def test_all_22_pages_are_here():
    assert len(PAGES) == 22


@pytest.mark.parametrize("stem", PAGES)
def test_page(stem):
    page = next(p for p in WILD.glob(stem + ".*") if not p.name.endswith(".gold.json"))
    gold = json.loads((WILD / f"{stem}.gold.json").read_text(encoding="utf-8"))
    s = score_page(page, gold)
    assert s["error"] is None
    assert s["fields_right"] >= 3, s["misses"]  # year and era at least, on every page
    if stem in COMPLETE:
        assert s["right"] == s["cells"], s["misses"]
        assert s["extra"] == 0 or gold["report"]["era"] == "legacy", s["misses"]


def test_totals_do_not_fall(capsys):
    totals = score_all(str(WILD), verbose=False)
    assert totals["right"] / totals["cells"] >= 0.94
    assert totals["fields_right"] / totals["fields"] >= 0.92  # 142/154 when measured


@pytest.mark.parametrize("form", ["pipes", "blank_lines", "lone_pipes", "pipe_rows"])
@pytest.mark.parametrize("name", ["real/pingtan_2025.html", "real_wild/rw_shuyang_fgj_2023.html"])
def test_real_tables_dumped_in_every_text_form(name, form, tmp_path):
    """A real page's own tables (their real merged cells) flattened as text extractors do; blank cells vanish in
    the blank-line form, and the row identity (applicants add up to 总计) puts the printed ones back."""
    from nianbao.extractors.decode import decode_bytes
    from nianbao.extractors.page import parse_html
    from nianbao.sample_portal.pages import _printed_once

    path = FIXTURES / name
    gold = json.loads(path.with_name(path.name.replace(".html", ".gold.json")).read_text(encoding="utf-8"))
    page = parse_html(decode_bytes(path.read_bytes()))
    lines = [page.title]
    for b in page.blocks:
        if b.grid is None:
            lines.append(b.text)
            continue
        for r, cells in enumerate(_printed_once(b.grid)):
            width = len(b.grid.cells[r])
            lines += {"pipes": [f"{c} |" if c else "|" for c in cells] + (["|" * (width - len(cells))]
                                                                          if width > len(cells) else []),
                      "blank_lines": [x for c in cells if c for x in (c, "")],
                      "lone_pipes": [" | ".join(cells[:2]) + " |"] + [f"{c} |" if c else "|" for c in cells[2:]],
                      "pipe_rows": [" | ".join(cells) + " |"]}[form]
    dumped = tmp_path / "dumped.txt"
    dumped.write_text("\n".join(lines), encoding="utf-8")
    s = score_page(dumped, {**gold, "report": {}})  # the tables only: report fields are scored on the pages
    assert s["right"] == s["cells"], s["misses"][:5]


def test_a_department_that_names_no_place_is_placed_by_what_it_answers_to():
    """我局 under the one 区 the text names (根据区政府…, 荔湾区政务公开办); a site branded “中国永嘉”; and when
    nothing but one province is named, the province alone (the publisher's own code stays unknown)."""
    from nianbao.transforms.report import parse_report

    def report(text: str) -> dict:
        body = "一、总体情况\n" + text + "\n二、主动公开政府信息情况\n规章 | 0 | 0 | 0 |"
        return parse_report(body.encode(), "file:///x.txt", year=2020).report

    r = report("2020年，我局认真贯彻广州市荔湾区政务公开工作办公室的部署，根据区政府关于政务公开的要求开展工作。")
    assert (r["adcode"], r["region"]) == ("440103", "440000")
    r = report("本年报的电子版可以在“中国永嘉”县政府门户网站上下载。")
    assert r["adcode"] == "330324"
    r = report("2020年，我局深入学习贯彻习近平总书记对广东重要讲话精神，落实省委、市委工作部署。")
    assert (r["adcode"], r["region"], r["region_name"]) == (None, "440000", None)
    r = report("2020年，我局落实广东省和浙江省的协作部署。")  # two provinces: no guess
    assert r["region"] is None
