"""Section 二 (主动公开政府信息情况) rows to canonical cells.

Each item row is read against the header row above it. Where the header is
missing, truncated (本年新 | 本年新) or misaligned, the era's standard column
order for that item is used instead, which is what a reader would do.
"""

from __future__ import annotations

from nianbao.transforms.numbers import parse_value, unit_multiplier
from nianbao.transforms.rows import Row, trim_blanks
from nianbao.transforms.vocabulary import match

DEFAULT_MEASURES = {
    "2019": {
        "rules": ["newly_made", "newly_published", "total_published"],
        "normative_documents": ["newly_made", "newly_published", "total_published"],
        "administrative_licensing": ["previous_year_items", "change", "decisions"],
        "other_external_services": ["previous_year_items", "change", "decisions"],
        "administrative_penalty": ["previous_year_items", "change", "decisions"],
        "administrative_coercion": ["previous_year_items", "change", "decisions"],
        "administrative_fees": ["previous_year_items", "change"],
        "centralized_procurement": ["procurement_items", "procurement_amount"],
    },
    "2021": {
        "rules": ["issued", "repealed", "in_force"],
        "normative_documents": ["issued", "repealed", "in_force"],
        "administrative_licensing": ["decisions"],
        "administrative_penalty": ["decisions"],
        "administrative_coercion": ["decisions"],
        "administrative_fees": ["fee_amount"],
    },
}
MONEY = {"procurement_amount", "fee_amount"}
ERA_2021 = {"issued", "repealed", "in_force", "fee_amount"}
ERA_2019 = {"newly_made", "newly_published", "total_published", "previous_year_items", "change",
            "procurement_items", "procurement_amount"}
# The 2021 format prints the fee column in 万元; a header that forgets to say so still means it.
FORMAT_MULTIPLIER = {"fee_amount": 1e4}


def era_signal(cells: list[dict]) -> str | None:
    measures = {c["measure"] for c in cells}
    items = {c["item"] for c in cells}
    if measures & ERA_2021:
        return "2021"
    if measures & ERA_2019 or items & {"other_external_services", "centralized_procurement"}:
        return "2019"
    return None


def read_active(rows: list[Row], era_hint: str) -> tuple[list[dict], list[str]]:
    cells: dict[tuple[str, str], dict] = {}  # a cell printed again (last year's table quoted first): later wins
    warnings: list[str] = []
    header: list[str] = []  # header cell texts after the 信息内容 column
    for row in rows:
        labels, values = row.split()
        item = match(labels[0], "active_disclosure", "item") if labels else None
        if item is None or not values or (not row.has_numbers and _names_measures(row.logical[1:])):
            texts = trim_blanks(row.logical[1:])
            if _names_measures(texts):
                header = texts
            continue
        measures, headers = _measures_for(item, header, era_hint)
        if len(values) > len(measures):
            values = trim_blanks(values, keep=len(measures))
        if len(values) != len(measures):
            expanded = trim_blanks(row.expanded_values(), keep=len(measures))
            if len(expanded) == len(measures):
                values = expanded
            else:
                warnings.append(f"二: {labels[0]} has {len(values)} values for {len(measures)} columns; read in order")
        for measure, head, raw in zip(measures, headers, values, strict=False):
            mult = unit_multiplier(head) if head else 1.0
            if mult == 1.0:
                mult = FORMAT_MULTIPLIER.get(measure, 1.0)
            v = parse_value(raw, mult)
            if not v.ok:
                warnings.append(f"二: {item}/{measure} cell {raw!r} is not a number")
            cells.pop((item, measure), None)
            cells[(item, measure)] = {"item": item, "measure": measure, "value": v.value,
                                      "unit": "yuan" if measure in MONEY else "count", "raw": raw}
    return list(cells.values()), warnings


def _names_measures(texts: list[str]) -> bool:
    return any(match(t, "active_disclosure", "measure", fuzzy=False) or "本年新" in t for t in texts)


def _measures_for(item: str, header: list[str], era_hint: str) -> tuple[list[str], list[str]]:
    """Measure codes for an item row, and the header text above each (for units)."""
    codes = [match(h, "active_disclosure", "measure") for h in header]
    known = DEFAULT_MEASURES["2021"].get(item, []) + DEFAULT_MEASURES["2019"].get(item, [])
    if codes and all(codes) and len(set(codes)) == len(codes) and all(c in known for c in codes):
        return codes, header
    era = era_hint if item in DEFAULT_MEASURES.get(era_hint, {}) else "2019"
    default = DEFAULT_MEASURES[era][item]
    if len(header) == len(default):
        return default, header
    return default, [""] * len(default)
