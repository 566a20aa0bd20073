"""Totals a page leaves blank while printing their parts: stored as the sum, and marked.

Real tables (Shanghai's 2019 report on 11 rows) print the applicant cells of a
row and leave its 总计 cell empty. Storing that blank as 0 makes every share
computed from it wrong, so the total becomes the sum of its parts with
`derived` true and `raw` empty, and no check is evaluated on a derived cell
(it would pass by construction). A blank total whose parts are all 0 or blank
stays 0, not derived: there is nothing to sum.
"""

from __future__ import annotations

REVIEW_PARTS = ("upheld", "corrected", "other", "pending")


def _blank(cell: dict) -> bool:
    return (cell.get("raw") or "").strip() == ""


def derive_application_totals(cells: list[dict]) -> list[dict]:
    """Section 三: each outcome row's 总计 from its six applicant cells."""
    return _derive_rows(cells, "outcome", "applicant", None)


def derive_review_totals(cells: list[dict]) -> list[dict]:
    """Section 四: each proceeding's 总计 from its four outcomes."""
    return _derive_rows(cells, "proceeding", "outcome", REVIEW_PARTS)


def _derive_rows(cells: list[dict], row_key: str, column_key: str, parts: tuple[str, ...] | None) -> list[dict]:
    rows: dict[str, dict[str, dict]] = {}
    for c in cells:
        c.setdefault("derived", False)
        rows.setdefault(c[row_key], {})[c[column_key]] = c
    for row in rows.values():
        _derive(row.get("total"), [c for k, c in row.items() if k != "total" and (parts is None or k in parts)])
    return cells


def _derive(total: dict | None, parts: list[dict]) -> None:
    if total is None or not _blank(total) or not parts:
        return
    s = sum(p["value"] or 0.0 for p in parts)
    if s:
        total.update(value=s, raw=None, derived=True)
