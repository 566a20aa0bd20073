"""End to end: the seed and the real samples against values read by hand."""

import math

import pytest
from conftest import gold_cases, options_from_args

from nianbao.transforms.report import parse_report

CASES = gold_cases()


def _parse(page, gold):
    return parse_report(page.read_bytes(), page.as_uri(), **options_from_args(gold.get("args", [])))


def _index(rows, *keys):
    return {tuple(r[k] for k in keys): r["value"] for r in rows}


@pytest.mark.parametrize("page,gold", CASES, ids=[c[0].name for c in CASES])
def test_report_fields(page, gold):
    got = _parse(page, gold).report
    for key, want in gold["report"].items():
        assert got[key] == want, f"{key}: {got[key]!r} != {want!r}"


@pytest.mark.parametrize("dataset,keys", [
    ("active_disclosure", ("item", "measure")),
    ("applications", ("outcome", "applicant")),
    ("reviews_litigation", ("proceeding", "outcome")),
    ("legacy_metrics", ("metric",)),
])
@pytest.mark.parametrize("page,gold", CASES, ids=[c[0].name for c in CASES])
def test_every_cell(page, gold, dataset, keys):
    parsed = _parse(page, gold)
    got = _index(getattr(parsed, dataset), *keys)
    want = _index(gold.get(dataset, []), *keys)
    assert set(got) == set(want), f"missing {set(want) - set(got)}, extra {set(got) - set(want)}"
    for k, v in want.items():
        assert math.isclose(got[k], v, rel_tol=1e-9, abs_tol=1e-6), f"{k}: {got[k]} != {v}"


def test_units_of_the_seed():
    page, gold = CASES[0]
    rows = {(r["item"], r["measure"]): r for r in _parse(page, gold).active_disclosure}
    assert rows[("centralized_procurement", "procurement_amount")]["unit"] == "yuan"
    assert rows[("centralized_procurement", "procurement_amount")]["raw"] == "13.02亿元"
    assert rows[("administrative_licensing", "decisions")]["raw"] == "25.11万件"
    assert rows[("administrative_licensing", "decisions")]["unit"] == "count"


@pytest.mark.parametrize("name", ["pingtan_2025.html", "pingtan_2018.html", "pingtan_dishui_2013.txt"])
def test_metadata_without_options(name, fixtures_dir):
    """The page alone names its publisher and region; the options only confirm it."""
    page = fixtures_dir / "real" / name
    gold = next(g for p, g in CASES if p.name == name)
    rep = parse_report(page.read_bytes(), page.as_uri()).report
    for key in ("year", "era", "publisher", "adcode", "region", "spam_suspected"):
        assert rep[key] == gold["report"][key], key


def test_blank_totals_are_derived_from_their_parts(fixtures_dir):
    """Shanghai 2019 leaves 总计 blank on 11 rows: the sum is stored, marked derived, and not checked."""
    parsed = parse_report((fixtures_dir / "real" / "sh_bgt_2019.html").read_bytes(), "file:///sh")
    cells = {(c["outcome"], c["applicant"]): c for c in parsed.applications}
    granted = cells[("granted", "total")]
    assert granted["value"] == 272 and granted["derived"] is True and granted["raw"] is None
    assert sum(c["derived"] for c in parsed.applications) == 11
    assert not any(c["derived"] for c in parsed.applications if c["applicant"] != "total")
    assert not [c for c in parsed.checks if c["subject"] == "granted"]  # its row-total check would read the sum
    assert parsed.report["checks_failed"] == 0


def test_a_blank_total_over_zero_parts_stays_zero():
    from nianbao.transforms.derived import derive_application_totals

    cells = [{"outcome": "granted", "applicant": a, "value": 0.0, "raw": r}
             for a, r in (("natural_person", "0"), ("commercial_enterprise", ""), ("total", ""))]
    derive_application_totals(cells)
    assert cells[-1]["value"] == 0.0 and cells[-1]["derived"] is False
