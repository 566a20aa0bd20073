"""Section 四 (行政复议、行政诉讼情况) rows to canonical cells.

The standard layout is one row of 15 numbers under three header rows; pages
also print it vertically (one row per proceeding or per outcome) or split in
two tables. Values are mapped with the header's own order where it is readable.
"""

from __future__ import annotations

from nianbao.transforms.checks import run_checks
from nianbao.transforms.numbers import parse_value
from nianbao.transforms.rows import Row, trim_blanks
from nianbao.transforms.vocabulary import code_order, find_all, match

PROCEEDINGS = code_order("reviews_litigation", "proceeding")
OUTCOMES = code_order("reviews_litigation", "outcome")


def read_reviews(rows: list[Row]) -> tuple[list[dict], list[str]]:
    warnings: list[str] = []
    out_tokens: list[str] = []
    proc_tokens: list[str] = []
    loose: list[str] = []
    loose_expanded: list[str] = []
    found: dict[tuple[str, str], str] = {}
    for row in rows:
        labels, values = row.split()
        if not row.has_numbers:
            for cell in row.logical:
                procs = find_all(cell, "reviews_litigation", "proceeding")
                proc_tokens += [p for p in procs if p not in proc_tokens]
                if not procs:
                    out_tokens += find_all(cell, "reviews_litigation", "outcome")
            continue
        proc = next((p for p in (match(c, "reviews_litigation", "proceeding") for c in reversed(labels)) if p), None)
        outc = next((o for o in (match(c, "reviews_litigation", "outcome") for c in reversed(labels)) if o), None)
        values = trim_blanks(values, 5 if proc else 3 if outc else 0)
        if proc:  # one row per proceeding: five outcomes across
            order = _first_permutation(out_tokens, OUTCOMES)
            for o, raw in zip(order, values, strict=False):
                found[(proc, o)] = raw
        elif outc:  # transposed: one row per outcome, proceedings across
            order = proc_tokens if sorted(proc_tokens) == sorted(PROCEEDINGS) else PROCEEDINGS
            for p, raw in zip(order, values, strict=False):
                found[(p, outc)] = raw
        else:
            loose.extend(row.logical[len(labels):])
            loose_expanded.extend(row.expanded_values())
    if loose:
        while len(loose) > 15 and not loose[0].strip():  # a blank label cell before the figures
            loose.pop(0)
        loose = trim_blanks(loose, 15)
        if len(loose) != 15 and len(trim_blanks(loose_expanded, 15)) == 15:
            loose = trim_blanks(loose_expanded, 15)
        if len(loose) > 15 and len(loose) % 15 == 0:  # last year's table quoted before this year's
            warnings.append(f"四: {len(loose) // 15} tables of 15 numbers; the last is kept")
            loose = loose[-15:]
        elif len(loose) > 15 and (start := _window_that_adds_up(loose, _sequence(out_tokens, proc_tokens))) is not None:
            warnings.append(f"四: {len(loose)} numbers where 15 are expected; read numbers {start + 1}-{start + 15}, "
                            "the only run of 15 whose totals add up")
            loose = loose[start:start + 15]
        elif len(loose) != 15:
            warnings.append(f"四: {len(loose)} numbers where 15 are expected; read in order")
        for key, raw in zip(_sequence(out_tokens, proc_tokens), loose, strict=False):
            found[key] = raw
    cells = []
    for (proc, outc), raw in found.items():
        v = parse_value(raw)
        if not v.ok:
            warnings.append(f"四: {proc}/{outc} cell {raw!r} is not a number")
        cells.append({"proceeding": proc, "outcome": outc, "value": v.value, "raw": raw})
    return cells, warnings


def _window_that_adds_up(loose: list[str], sequence: list[tuple[str, str]]) -> int | None:
    """The start of the one run of 15 numbers in which every proceeding's total is the sum of its outcomes,
    by the report's own check (checks.py); a blank cell counts nothing. A stray number before or after the
    table, such as a year from the text, shifts every other run."""
    fits = []
    for start in range(len(loose) - 14):
        values = [parse_value(raw).value if raw.strip() else 0.0 for raw in loose[start:start + 15]]
        if None in values:
            continue
        rows = run_checks([], [{"proceeding": p, "outcome": o, "value": v}
                               for (p, o), v in zip(sequence, values, strict=True)])
        if len(rows) == len(PROCEEDINGS) and all(c["passed"] for c in rows):
            fits.append(start)
    return fits[0] if len(fits) == 1 else None


def _sequence(out_tokens: list[str], proc_tokens: list[str]) -> list[tuple[str, str]]:
    """(proceeding, outcome) for each of the 15 positions, from the header when it is whole."""
    procs = proc_tokens if sorted(proc_tokens) == sorted(PROCEEDINGS) else PROCEEDINGS
    groups = [out_tokens[i:i + 5] for i in range(0, 15, 5)]
    if len(out_tokens) != 15 or any(sorted(g) != sorted(OUTCOMES) for g in groups):
        groups = [OUTCOMES] * 3
    return [(p, o) for p, g in zip(procs, groups, strict=False) for o in g]


def _first_permutation(tokens: list[str], default: list[str]) -> list[str]:
    return tokens[:5] if sorted(tokens[:5]) == sorted(default) else default
