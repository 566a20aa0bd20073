"""Where a dumped table admits several readings, the report's own totals choose: a stray number beside
section 四's fifteen, a section 三 row whose label was printed elsewhere or cut short. When no reading
adds up, nothing is guessed: the row is skipped and a warning names it."""

import pytest

from nianbao.sample_portal.pages import Report, render_pipe
from nianbao.transforms.report import parse_report

SEEDS = [(2019, 11), (2020, 5), (2021, 8), (2022, 5), (2023, 21), (2024, 3)]


def parse(text: str):
    return parse_report(text.encode(), "file:///dump.txt")


def reviews_line(page: str, rep: Report) -> str:
    numbers = " | ".join(f"{rep.reviews[(p, o)]:g}" for p in ("administrative_review", "litigation_direct",
                                                               "litigation_after_review")
                         for o in ("upheld", "corrected", "other", "pending", "total"))
    line = next(x for x in page.splitlines() if x.startswith(numbers))
    return line


@pytest.mark.parametrize("where", ["before", "after"])
@pytest.mark.parametrize("year,seed", SEEDS)
def test_a_stray_number_beside_the_fifteen_is_left_out_by_the_totals(year, seed, where):
    rep = Report(year, seed=seed).fill()
    page = render_pipe(rep)
    line = reviews_line(page, rep)
    stray = f"本年度报告中所列数据统计期限为 | {year} |"
    page = page.replace(line, f"{stray}\n{line}" if where == "before" else f"{line}\n{stray}")
    p = parse(page)
    got = {(r["proceeding"], r["outcome"]): r["value"] for r in p.reviews_litigation}
    assert got == rep.reviews
    assert any("16 numbers where 15 are expected" in w and "whose totals add up" in w
               for w in p.report["warnings"]), p.report["warnings"]
    assert p.report["checks_failed"] == 0


LABELS = {"withheld_prohibited_by_law": "2.其他法律行政法规禁止公开",
          "unavailable_unclear": "3.补正后申请内容仍不明确",
          "not_processed_confirmation": "5.要求行政机关确认或重新出具已获取信息",
          "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"}


@pytest.mark.parametrize("outcome", list(LABELS))
@pytest.mark.parametrize("year,seed", [(2021, 8), (2022, 5), (2024, 3)])
def test_a_row_whose_label_was_printed_elsewhere_is_placed_by_the_totals(year, seed, outcome):
    """A PDF converter printed the label above the table and left the row's numbers unlabelled."""
    rep = Report(year, seed=seed).fill()
    page = render_pipe(rep)
    label = LABELS[outcome]
    row = next(x for x in page.splitlines() if x.startswith(label + " |"))
    page = page.replace(row, row.removeprefix(label + " | ")).replace("三、收到和处理", f"{label}\n三、收到和处理", 1)
    p = parse(page)
    got = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
    assert got == rep.applications
    assert any(f"a row with no label read as {outcome}" in w for w in p.report["warnings"]), p.report["warnings"]
    assert p.report["checks_failed"] == 0


@pytest.mark.parametrize("year,seed", [(2021, 8), (2023, 21)])
def test_a_label_cut_short_is_the_row_whose_label_it_begins(year, seed):
    """行政机关不再处理其政府信息公 fits both (六)1 and (六)2: the row after (五)5 that is missing, and the totals agree."""
    rep = Report(year, seed=seed).fill()
    page = render_pipe(rep)
    row = next(x for x in page.splitlines() if "1.申请人无正当理由逾期不补正" in x)
    page = page.replace(row, "行政机关不再处理其政府信息公 | " + row.split(" | ", 2)[2])
    p = parse(page)
    got = {(r["outcome"], r["applicant"]): r["value"] for r in p.applications}
    assert got == rep.applications
    assert p.report["checks_failed"] == 0


def test_an_unlabelled_row_that_breaks_the_totals_is_skipped_not_guessed():
    rep = Report(2022, seed=5).fill()
    page = render_pipe(rep)
    label = LABELS["not_processed_confirmation"]
    row = next(x for x in page.splitlines() if x.startswith(label + " |"))
    page = page.replace(row, "7 | 7 | 7 | 7 | 7 | 7 | 42 |")  # not the row's numbers: 总计 no longer adds up
    p = parse(page)
    assert not any(r["outcome"] == "not_processed_confirmation" for r in p.applications)
    assert any("a row of values with no label (7 | 7" in w for w in p.report["warnings"])
    assert p.report["checks_failed"] > 0  # the missing row shows in the checks, as it should
