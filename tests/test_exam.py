"""Pages and Word/WPS-style PDF exports from a generator that is not nianbao's (tests/fixtures/exam/, copied
from ../shared/exam without its scans), against their gold. They combine damage in forms nianbao's own
generators were taught from them (ghost columns, tables continued over pages with blank group cells,
reordered applicant columns under a blank corner); the rest of their set is held out, so this checks the
forms stay read, not that these pages are."""

import json

import pytest
from conftest import FIXTURES

from benchmarks.gold_score import score_page

EXAM = FIXTURES / "exam"
CASES = sorted((d, g.name.removesuffix(".gold.json")) for d in ("cases", "pdf")
               for g in (EXAM / d).glob("*.gold.json"))


def test_the_cases_are_here():
    assert len([c for c in CASES if c[0] == "cases"]) == 36
    assert len([c for c in CASES if c[0] == "pdf"]) == 12


@pytest.mark.parametrize("folder,stem", CASES)
def test_case(folder, stem):
    page = next(p for p in (EXAM / folder).glob(stem + ".*") if not p.name.endswith(".json"))
    s = score_page(page, json.loads((EXAM / folder / f"{stem}.gold.json").read_text(encoding="utf-8")))
    assert s["error"] is None
    assert s["right"] == s["cells"], s["misses"][:8]
    assert s["fields_right"] == s["fields"], s["misses"]
    assert s["extra"] == 0, s  # no cell the page does not print
