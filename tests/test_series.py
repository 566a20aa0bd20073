"""The cross-era series: modern cells summed into the metrics every era states."""

import pytest
from conftest import gold_cases, options_from_args

from nianbao.sample_portal.pages import LegacyReport, Report, render, render_legacy
from nianbao.store.from_reports import write_reports
from nianbao.store.read import duckdb_connection
from nianbao.transforms.report import parse_report
from nianbao.transforms.series import SERIES_MAP


@pytest.mark.parametrize("year,seed", [(2019, 1), (2020, 2), (2021, 3), (2024, 4)])
def test_modern_series_equal_the_sums_of_their_cells(year, seed):
    rep = Report(year, seed=seed).fill()
    p = parse_report(render(rep).encode(), "x")
    got = {r["metric"]: r["value"] for r in p.series}
    apps = rep.applications
    assert got["applications_received"] == apps[("received", "total")]
    assert got["carried_over"] == apps[("carried_over", "total")]
    assert got["granted"] == apps[("granted", "total")]
    assert got["withheld"] == sum(v for (o, a), v in apps.items() if o.startswith("withheld_") and a == "total")
    assert got["unavailable"] == sum(v for (o, a), v in apps.items() if o.startswith("unavailable_") and a == "total")
    assert got["not_processed"] == sum(v for (o, a), v in apps.items()
                                       if o.startswith("not_processed_") and a == "total")
    assert got["administrative_reviews"] == rep.reviews[("administrative_review", "total")]
    assert got["lawsuits"] == rep.reviews[("litigation_direct", "total")] + rep.reviews[
        ("litigation_after_review", "total")]


def test_real_pages_series_follow_their_cells():
    for page, gold in gold_cases():
        p = parse_report(page.read_bytes(), "x", **options_from_args(gold.get("args", [])))
        got = {r["metric"]: r["value"] for r in p.series}
        apps = {(c["outcome"], c["applicant"]): c["value"] for c in gold["applications"]}
        if apps:
            six = sum(v for (o, a), v in apps.items() if o.startswith("withheld_") and a != "total")
            assert got["withheld"] == six  # sh_bgt leaves 总计 blank here: the six columns are summed
        legacy = {m["metric"]: m["value"] for m in gold.get("legacy_metrics", [])}
        for metric, (_, _, legacy_metric, _) in SERIES_MAP.items():
            if legacy_metric in legacy:
                assert got[metric] == legacy[legacy_metric]


def test_one_query_draws_2008_to_2024(tmp_path):
    reps = [parse_report(render_legacy(LegacyReport(y, seed=y).fill()).encode(), f"{y}") for y in (2008, 2013, 2018)]
    reps += [parse_report(render(Report(y, seed=y).fill()).encode(), f"{y}") for y in (2019, 2022, 2024)]
    write_reports(tmp_path, reps)
    rows = duckdb_connection(tmp_path).execute(
        "SELECT year, era, value FROM series WHERE metric = 'applications_received' ORDER BY year").fetchall()
    assert [r[0] for r in rows] == [2008, 2013, 2018, 2019, 2022, 2024]
    assert [r[1] for r in rows] == ["legacy"] * 3 + ["2019", "2021", "2021"]
    assert all(r[2] is not None for r in rows)
