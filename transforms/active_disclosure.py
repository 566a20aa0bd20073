"""Section 二 (主动公开政府信息情况) rows to canonical cells.

Each item row is read against the header row above it. Where the header is
missing, truncated (本年新 | 本年新) or misaligned, the era's standard column
order for that item is used instead, which is what a reader would do.
"""

from __future__ import annotations

import re

from nianbao.transforms.numbers import parse_value, states_plain_unit, unit_multiplier
from nianbao.transforms.rows import Row, trim_blanks
from nianbao.transforms.vocabulary import match

# compiled at import, not at a crawl worker's first page
_CAPTION_CELL = re.compile(r"^(?:第二十条|信息内容)")

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
    pulled: list[str] = []  # cells a converter printed alone, out of their row (22（其中修订 16 件）)
    short: list[tuple[str, list[str], list[str], list[str]]] = []  # rows one value short: item, values, ...
    for row in rows:
        labels, values = row.split()
        if not labels and len(lone := [v for v in values if v.strip()]) == 1:
            pulled.append(lone[0])
            continue
        item = match(labels[0], "active_disclosure", "item") if labels else None
        if item is None or not values or (not row.has_numbers and _names_measures(row.logical[1:])):
            texts = trim_blanks(row.logical[1:])
            if _names_measures(texts):  # (a caption that ran into the header row is not a column)
                header = [t for t in texts if not _CAPTION_CELL.match(t.strip())]
            continue
        measures, headers = _measures_for(item, header, era_hint)
        if pulled and len(trim_blanks(values)) == len(measures) - 1 and "repealed" in measures:
            short.append((item, trim_blanks(values), measures, headers))
            continue
        if len(values) > len(measures):
            values = trim_blanks(values, keep=len(measures))
        if len(values) != len(measures):
            expanded = trim_blanks(row.expanded_values(), keep=len(measures))
            if len(expanded) == len(measures):
                values = expanded
            else:
                warnings.append(f"二: {labels[0]} has {len(values)} values for {len(measures)} columns; read in order")
        _store(cells, item, measures, headers, values, warnings)
    lone_cells = pulled if len(pulled) == len(short) else [None] * len(short)  # one for each short row, or none
    for (item, values, measures, headers), cell in zip(short, lone_cells, strict=True):
        _store(cells, item, measures, headers, _put_back(item, values, measures, cell, warnings), warnings)
    return list(cells.values()), warnings


def _put_back(item: str, values: list[str], measures: list[str], cell: str | None, warnings: list[str]) -> list[str]:
    """A row one value short, where the converter printed as many lone cells as there are short rows: each
    lone cell goes back into its row, in order, in the column its own note names (含自然失效, 其中修订: the
    repealed column). Otherwise the row is read in order and a warning says so."""
    if cell is not None:
        if re.search(r"失效|废止|修订|修改|撤销", cell):
            at = measures.index("repealed")
            warnings.append(f"二: {item}'s {measures[at]} cell {cell!r} was printed out of its row; put back")
            return values[:at] + [cell] + values[at:]
    warnings.append(f"二: {item} has {len(values)} values for {len(measures)} columns; read in order")
    return values


def _store(cells: dict, item: str, measures: list[str], headers: list[str], values: list[str],
           warnings: list[str]) -> None:
    for measure, head, raw in zip(measures, headers, values, strict=False):
        mult = unit_multiplier(head) if head else 1.0
        if mult == 1.0 and not states_plain_unit(head):  # （单位：元）: the header overrides the format's 万元
            mult = FORMAT_MULTIPLIER.get(measure, 1.0)
        v = parse_value(raw, mult)
        if not v.ok:
            warnings.append(f"二: {item}/{measure} cell {raw!r} is not a number")
        cells.pop((item, measure), None)
        cells[(item, measure)] = {"item": item, "measure": measure, "value": v.value,
                                  "unit": "yuan" if measure in MONEY else "count", "raw": raw}


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
