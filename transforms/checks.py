"""Consistency checks printed into the tables themselves (勾稽关系) and sums.

A failed check never changes a value: the row records what disagreed.
"""

from __future__ import annotations

TOL = 1e-6


def _row(check: str, subject: str, expected: float, actual: float, inputs: list[tuple[str, str]]) -> dict:
    return {"check": check, "subject": subject, "expected": float(expected), "actual": float(actual),
            "passed": abs(expected - actual) <= TOL * max(1.0, abs(expected)), "inputs": inputs}


def run_checks(applications: list[dict], reviews: list[dict]) -> list[dict]:
    """Every check whose inputs the page printed; a check that would read a derived total is skipped."""
    derived = {(c["outcome"], c["applicant"]) for c in applications if c.get("derived")} | \
        {(c["proceeding"], c["outcome"]) for c in reviews if c.get("derived")}
    return [c for c in _all_checks(applications, reviews) if not (set(c.pop("inputs")) & derived)]


def _all_checks(applications: list[dict], reviews: list[dict]) -> list[dict]:
    out: list[dict] = []
    app = {(c["outcome"], c["applicant"]): c["value"] for c in applications if c["value"] is not None}
    applicants = list(dict.fromkeys(c["applicant"] for c in applications))
    outcomes = list(dict.fromkeys(c["outcome"] for c in applications))
    for a in applicants:
        parts = [app.get((o, a)) for o in ("received", "carried_over", "total_handled", "carried_forward")]
        if None not in (parts[0], parts[2]):
            lhs = parts[0] + (parts[1] or 0.0)
            rhs = parts[2] + (parts[3] or 0.0)
            out.append(_row("applications.balance", a, lhs, rhs,
                            [(o, a) for o in ("received", "carried_over", "total_handled", "carried_forward")]))
    detail = [o for o in outcomes if o not in ("received", "carried_over", "total_handled", "carried_forward")]
    # In 2021 tables (六)其他处理 may be printed beside its three sub-rows: count it once.
    if "other" in detail and any(o.startswith("other_") for o in detail):
        detail.remove("other")
    for a in applicants:
        total = app.get(("total_handled", a))
        if total is not None and detail:
            out.append(_row("applications.total_handled", a, total, sum(app.get((o, a), 0.0) for o in detail),
                            [("total_handled", a)] + [(o, a) for o in detail]))
    six = [a for a in applicants if a != "total"]
    for o in outcomes:
        total = app.get((o, "total"))
        if total is not None and six:
            out.append(_row("applications.row_totals", o, total, sum(app.get((o, a), 0.0) for a in six),
                            [(o, "total")] + [(o, a) for a in six]))
    rev = {(c["proceeding"], c["outcome"]): c["value"] for c in reviews if c["value"] is not None}
    for p in dict.fromkeys(c["proceeding"] for c in reviews):
        if (p, "total") in rev:
            parts = sum(rev.get((p, o), 0.0) for o in ("upheld", "corrected", "other", "pending"))
            out.append(_row("reviews_litigation.totals", p, rev[(p, "total")], parts,
                            [(p, o) for o in ("total", "upheld", "corrected", "other", "pending")]))
    return out
