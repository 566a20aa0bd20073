"""Section 三 (收到和处理政府信息公开申请情况) rows to canonical cells.

Row labels are matched on their most specific cell (1.属于国家秘密) with the
group it sits under ((三)不予公开) as context; applicant columns are read in
the order the header prints them, so a reordered table still maps right.
Rows whose label was lost or pulled out of the table are read by the national
template (the rows' fixed order), and the report's own totals choose between
readings where more than one fits.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import comb

from nianbao.transforms.checks import run_checks
from nianbao.transforms.normalize import label as norm_label
from nianbao.transforms.numbers import parse_value
from nianbao.transforms.rows import Row, trim_blanks
from nianbao.transforms.vocabulary import code_order, codes, group_of, match, vocabulary

APPLICANTS = code_order("applications", "applicant")
ORG_CODES = [c for c in APPLICANTS if c not in ("natural_person", "total")]
ERA_2021 = {"other_no_correction", "other_unpaid_fee", "other_other"}
GROUP_OF_CODE = {c.code: c.group for c in codes("applications", "outcome") if c.group}
TOP_LEVEL = {"received", "carried_over", "granted", "partially_granted", "total_handled", "carried_forward"}


def read_applications(rows: list[Row], era_hint: str | None = None) -> tuple[list[dict], list[str]]:
    """Cells of section 三 (``era_hint``: the format the report's year uses, for rows placed by the template).
    When no header names the applicant columns, the orders tables are printed in are each tried and the
    one under which the most rows add up to their 总计 is kept."""
    cells, warnings, from_header = _read(rows, None, era_hint)
    if from_header:
        return cells, warnings
    best = (_rows_adding_up(cells, list(APPLICANTS)), cells, warnings)
    for order in ALTERNATIVE_ORDERS:
        c, w, _ = _read(rows, order, era_hint)
        score = _rows_adding_up(c, order)
        if score > best[0]:
            best = (score, c, w + [f"三: the header does not say the applicant columns' order; read as "
                                   f"{' | '.join(order)}, under which {score} rows add up to 总计"])
    return best[1], best[2]


# Orders in which pages print the applicant columns, tried when the header cannot be read.
ALTERNATIVE_ORDERS = [["total"] + [a for a in APPLICANTS if a != "total"]]


def _rows_adding_up(cells: list[dict], order: list[str]) -> int:
    by_row: dict[str, dict[str, str]] = {}
    for c in cells:
        by_row.setdefault(c["outcome"], {})[c["applicant"]] = c["raw"]
    return sum(_row_adds_up([r.get(a, "") for a in order], order) for r in by_row.values()
               if any(parse_value(v).value for v in r.values()))


@dataclass
class _Line:
    """A data row of section 三 in page order, with the outcome its label names (None: no label, or one
    not recognised)."""

    outcome: str | None
    row: Row
    labels: list[str]
    values: list[str]
    order: list[str]
    weak: bool  # the label is text printed above the table, not a cell of the row


def _read(rows: list[Row], forced: list[str] | None, era_hint: str | None = None
          ) -> tuple[list[dict], list[str], bool]:
    """Section 三 read with the header's applicant order (or ``forced``); also says whether a header named
    the order."""
    from_header = False
    warnings: list[str] = []
    header_cells: list[str] = []
    order: list[str] | None = None
    group: str | None = None
    lines: list[_Line] = []
    ghosts = _ghost_columns(rows)
    for row in rows:
        labels, values = row.split()
        texts = labels if labels or row.has_numbers else [v for v in values if v.strip()]
        if _is_header(texts):  # (a header's blank corner cell reads as a blank value)
            header_cells.extend(texts)
            order = None
            continue
        if not values:  # a group label on a row of its own: (三)不予公开
            for lab in labels:
                group = group_of(lab) or group
            continue
        values = [v for i, v in enumerate(values) if i not in ghosts.get((row.grid_no, len(values)), ())]
        weak = bool(row.origin) and row.origin[0] == -1
        if order is None:
            named = None if forced else header_order(header_cells)
            order = forced or named or list(APPLICANTS)
            from_header = from_header or named is not None
            header_cells = []
        if not labels:
            lines.append(_Line(None, row, labels, values, order, weak))
            continue
        row_group = None
        for lab in labels:
            row_group = group_of(lab) or row_group
        outcome = None
        for grp in (row_group or group, None):  # the group above, then any (a group label lost in a dump)
            for lab in reversed(labels):
                outcome = match(lab, "applications", "outcome", group=grp)
                if outcome:
                    break
            if outcome:
                break
        row_group = row_group or GROUP_OF_CODE.get(outcome)
        lines.append(_Line(outcome, row, labels, values, order, weak))
        if outcome is not None:
            group = row_group or (None if outcome in TOP_LEVEL else group)
    era_2021 = any(ln.outcome in ERA_2021 for ln in lines) or (
        era_hint == "2021" and not any(ln.outcome == "other" for ln in lines))
    template = [c for c in OUTCOME_ORDER if not (c == "other" and era_2021 or c in ERA_2021 and not era_2021)]
    lines = _unlabel_misplaced(lines, template, warnings)
    cells: dict[tuple[str, str], dict] = {}
    for ln in lines:
        if ln.outcome is not None:
            _store(cells, ln, _fit(ln.row, ln.values, ln.order, warnings, ln.outcome), warnings)
    _place_by_template(lines, cells, template, warnings)
    return list(cells.values()), warnings, from_header


def _store(cells: dict, ln: _Line, values: list[str], warnings: list[str], outcome: str | None = None) -> None:
    outcome = outcome or ln.outcome
    if any(k[0] == outcome for k in cells):
        # A second table with the same rows: pages quote last year's table before this year's.
        warnings.append(f"三: row {outcome} printed twice; the later one is kept")
        for k in [k for k in cells if k[0] == outcome]:
            del cells[k]
    for applicant, raw in zip(ln.order, values, strict=False):
        v = parse_value(raw)
        if not v.ok:
            warnings.append(f"三: {outcome}/{applicant} cell {raw!r} is not a number")
        cells[(outcome, applicant)] = {"outcome": outcome, "applicant": applicant, "value": v.value, "raw": raw}


def _unlabel_misplaced(lines: list[_Line], template: list[str], warnings: list[str]) -> list[_Line]:
    """A label taken from text printed above a table (a PDF converter pulled the labels of several rows out
    of them) is a hint: the rows between two rows labelled in their own cells are read by the template
    when they are exactly as many as the template rows between those two, and a hint that stands outside
    them is never kept."""
    strong = [i for i, ln in enumerate(lines) if ln.outcome in template and not ln.weak]
    out = []
    for i, ln in enumerate(lines):
        if ln.outcome and ln.weak:
            above = max((j for j in strong if j < i), default=None)
            below = min((j for j in strong if j > i), default=None)
            lo = template.index(lines[above].outcome) if above is not None else -1
            hi = template.index(lines[below].outcome) if below is not None else len(template)
            between = (below if below is not None else len(lines)) - (above if above is not None else -1) - 1
            here = template.index(ln.outcome) if ln.outcome in template else None
            if here is None or not lo < here < hi or between == hi - lo - 1:
                warnings.append(f"三: the text above a table ({ln.labels[0][:20]!r}) is not taken as a row's label: "
                                f"the rows there are placed by the template")
                ln = _Line(None, ln.row, [], ln.values, ln.order, False)
        out.append(ln)
    return out


def _place_by_template(lines: list[_Line], cells: dict, template: list[str], warnings: list[str]) -> None:
    """Rows without a recognised label, read by the national template: a run of them between two labelled
    rows fills the template rows missing between those two, in order. When the run is as long as the
    gap, that is its reading (kept unless it breaks a 总计 that held without it); when it is shorter
    (pages leave out all-zero rows), the one placement under which every applicant's 总计 adds up is
    kept. A row with a label that is not recognised only goes where that label is a piece of the
    template row's. Anything else is skipped, and a warning names it."""
    prev, run = -1, []
    for ln in [*lines, None]:
        if ln is not None and ln.outcome is None:
            run.append(ln)
            continue
        here = len(template) if ln is None else template.index(ln.outcome) if ln.outcome in template else None
        if run:
            upper = here if here is not None and here > prev else len(template)
            gap = [c for c in template[prev + 1:upper] if not any(k[0] == c for k in cells)]
            _place_run(run, gap, cells, warnings, template[prev] if prev >= 0 else None)
            run = []
        if here is not None and ln is not None:
            prev = here


MAX_PLACEMENTS = 5000


def _place_run(run: list[_Line], gap: list[str], cells: dict, warnings: list[str], above: str | None) -> None:
    fitted = [_fit(ln.row, ln.values, ln.order, [], "") for ln in run]
    zero = [all(parse_value(v).value == 0 for v in f) for f in fitted]
    chosen: tuple[str, ...] | None = None
    why = ""
    if gap and len(run) <= len(gap):
        placements = (combinations(gap, len(run)) if comb(len(gap), len(run)) <= MAX_PLACEMENTS
                      else [tuple(gap[:len(run)])])
        fitting = [p for p in placements if all(_label_fits(ln, code) for ln, code in zip(run, p, strict=True))]
        failed_before = _total_checks(cells, run[0].order).count(False)
        adding_up = []
        for p in fitting:
            trial = dict(cells)
            for ln, code, f in zip(run, p, fitted, strict=True):
                trial.update({(code, a): {"value": parse_value(raw).value} for a, raw in zip(ln.order, f, strict=False)})
            checks = _total_checks(trial, run[0].order)
            failed = checks.count(False)
            if checks and failed == 0:  # every applicant's 总计 checkable adds up
                adding_up.append(p)
            elif len(run) == len(gap) and failed <= failed_before:
                chosen, why = p, "the rows missing there, in the template's order"
        if len(run) == len(gap) and fitting and not chosen and adding_up:
            chosen, why = adding_up[0], "the rows missing there (with them every 总计 adds up)"
        elif len(run) < len(gap) and len(adding_up) == 1:
            chosen, why = adding_up[0], "the one placement under which every 总计 adds up"
        elif len(run) < len(gap) and all(zero) and tuple(gap[:len(run)]) in fitting:
            chosen, why = tuple(gap[:len(run)]), "the rows after it (all zero)"
    if chosen is None:
        for ln in run:
            if ln.labels:
                warnings.append(f"三: row {' / '.join(ln.labels)[:50]!r} not recognised; skipped")
            else:
                warnings.append(f"三: a row of values with no label ({' | '.join(ln.values)[:40]}); skipped")
        return
    for ln, code, f in zip(run, chosen, fitted, strict=True):
        _store(cells, ln, f, warnings, code)
        what = f"label {' / '.join(ln.labels)[:30]!r}" if ln.labels else "no label"
        warnings.append(f"三: a row with {what} read as {code}, after {above or 'the header'}: {why}")


def _label_fits(ln: _Line, code: str) -> bool:
    """A row's unrecognised label is a piece of the template row's (行政机关不再处理其政府信息公 cut short)."""
    text = norm_label("".join(ln.labels))
    return not ln.labels or (len(text) >= 2 and text in FULL_LABELS[code])


def _ghost_columns(rows: list[Row]) -> dict[tuple[int, int], set[int]]:
    """Value positions blank in every row of a table that has more value cells than applicant columns: a
    column Word added (a ghost), which the figures never use. Keyed by table and row width, so a row of
    another shape in the same table keeps its cells."""
    n = len(APPLICANTS)
    blank: dict[tuple[int, int], set[int]] = {}
    for row in rows:
        labels, values = row.split()
        if labels and len(values) > n and any(v.strip() for v in values):
            here = {i for i, v in enumerate(values) if not v.strip()}
            key = (row.grid_no, len(values))
            blank[key] = blank[key] & here if key in blank else here
    return {k: v for k, v in blank.items() if len(v) == k[1] - n}


OUTCOME_ORDER = code_order("applications", "outcome")
FULL_LABELS = {r["code"]: norm_label(r["label_zh"]) for r in vocabulary()
               if r["table"] == "applications" and r["dimension"] == "outcome"}


def _total_checks(cells: dict, order: list[str]) -> list[bool]:
    """Whether each applicant's (七)总计 is the sum of the outcome rows under 三: the report's own
    total_handled check (checks.py), one entry per applicant it could check."""
    return [c["passed"] for c in run_checks([{"outcome": o, "applicant": a, "value": c["value"]}
                                             for (o, a), c in cells.items() if a in order], [])
            if c["check"] == "applications.total_handled"]


def _is_header(labels: list[str]) -> bool:
    """Header rows name applicants (自然人, 法人或其他组织, 商业企业 …); data rows never do."""
    for cell in labels:
        t = norm_label(cell)
        if "法人" in t or "勾稽" in t or "申请人情况" in t:
            return True
        if match(cell, "applications", "applicant", fuzzy=False) not in (None, "total"):
            return True
    return False


def header_order(header_cells: list[str]) -> list[str] | None:
    """Applicant codes in the order the header prints them; None when the header does not name them all."""
    tokens: list[str] = []
    for cell in header_cells:
        t = norm_label(cell)
        if "法人" in t or "其他组织" in t:
            tokens.append("ORG")
            continue
        if "勾稽" in t or "申请人情况" in t:
            continue
        code = match(cell, "applications", "applicant", group="org", fuzzy=False)
        if code and code not in tokens:
            tokens.append(code)
    orgs = [t for t in tokens if t in ORG_CODES]
    if "ORG" in tokens:
        i = tokens.index("ORG")
        rest = [t for t in tokens if t not in ORG_CODES and t != "ORG"]
        tokens = rest[:i] + orgs + rest[i:]
    if sorted(tokens) == sorted(APPLICANTS):
        return tokens
    return None


def _fit(row: Row, values: list[str], order: list[str], warnings: list[str], outcome: str) -> list[str]:
    """The row's values for the applicant columns. Two readings are possible when Word's merged cells
    disagree with the grid (the row's own cells, or the grid's expanded cells): when both fit, the one whose
    applicant cells add up to its 总计 is kept, and the warning says so."""
    n = len(order)
    out = trim_blanks(values, n)
    if row.ends_page and len(out) < n:
        warnings.append(f"三: the page ends in row {outcome}: its {len(out)} cells read in order, the rest not printed")
        return out
    expanded = trim_blanks(row.expanded_values(), n)
    if len(out) == n and len(expanded) == n and out != expanded:
        if not _row_adds_up(out, order) and _row_adds_up(expanded, order):
            warnings.append(f"三: {outcome} read from the grid's expanded cells: there its applicants add up to 总计")
            return expanded
        return out
    if len(out) == n:
        return out
    if len(expanded) == n:
        return expanded
    if 2 <= len(out) < n and order[-1] == "total":
        # Blank cells lost in a dump (cells between blank lines print nothing for a blank). When the last value
        # is the sum of the others, they are the first applicants and 总计 (the blanks, 0, in between);
        # otherwise the missing cells are taken as trailing blanks (a blank 总计 is then derived).
        parts = [parse_value(v).value for v in out]
        # (an all-zero row says nothing when just one cell is missing: a page cut mid-row looks the same)
        if None not in parts and (parts[-1] or len(out) <= n - 2) and abs(sum(parts[:-1]) - parts[-1]) < 1e-6:
            warnings.append(f"三: {outcome} has {len(out)} values for {n} columns; its last is their sum, read as 总计")
            return out[:-1] + [""] * (n - len(out)) + [out[-1]]
        if None not in parts and sum(parts) and len(out) == n - 1:
            warnings.append(f"三: {outcome} has {n - 1} values for {n} columns; 总计 read as blank (so derived)")
            return out + [""]
    warnings.append(f"三: {outcome} has {len(out)} values for {n} applicant columns; read in order")
    return out[:n]


def _row_adds_up(values: list[str], order: list[str]) -> bool:
    """The row identity: the six applicant cells add up to the 总计 cell."""
    parsed = {a: parse_value(v).value for a, v in zip(order, values, strict=True)}
    if parsed.get("total") is None or any(parsed.get(a) is None for a in order if a != "total"):
        return False
    return abs(sum(v for a, v in parsed.items() if a != "total") - parsed["total"]) < 1e-6
