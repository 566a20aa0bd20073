"""Reference tables beside the datasets: every code with its labels, and every region with its names.

Analysts should not need to open CSV files to read a code or a region: these
tables are DuckDB views in `nianbao sql` and frames from `nianbao.load`.
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

import nianbao.transforms.vocabulary
from nianbao.transforms.regions import regions

HERE = Path(nianbao.transforms.vocabulary.__file__).resolve().parent
# which column of which dataset each vocabulary dimension is
COLUMN = {("active_disclosure", "item"): "item", ("active_disclosure", "measure"): "measure",
          ("applications", "outcome"): "outcome", ("applications", "applicant"): "applicant",
          ("reviews_litigation", "proceeding"): "proceeding", ("reviews_litigation", "outcome"): "outcome",
          ("legacy_metrics", "metric"): "metric"}


@lru_cache(maxsize=1)
def codes_table() -> pa.Table:
    """dataset, column, code, era, label_zh (as the national format prints it in that era), label_en."""
    with open(HERE / "code_meanings.csv", encoding="utf-8") as f:
        english = {(r["table"], r["dimension"], r["code"]): r["meaning_en"] for r in csv.DictReader(f)}
    rows = []
    with open(HERE / "vocabulary.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            eras = [e for e in r["formats"].split("|") if e]
            labels = [s.strip() for s in r["label_zh"].split(" / ")]
            for i, era in enumerate(eras):
                label = _printed(labels[i] if len(labels) == len(eras) else r["label_zh"])
                rows.append({"dataset": r["table"], "column": COLUMN.get((r["table"], r["dimension"]), r["dimension"]),
                             "code": r["code"], "era": era, "label_zh": label,
                             "label_en": english.get((r["table"], r["dimension"], r["code"]), "")})
    return pa.Table.from_pylist(rows)


_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]{1,3}(?:、|(?=[（(])))?"  # 三、 or the 三 of 三（一）
                     r"(?:[（(][一二三四五六七八九十]{1,3}[)）])?(?:\d{1,2}[.．、])?")  # （一） 1.


def _printed(label: str) -> str:
    """The label without the section numbering the vocabulary keeps for context: 三（一）予以公开 -> 予以公开."""
    return _PREFIX.sub("", label).strip() or label


@lru_cache(maxsize=1)
def regions_table() -> pa.Table:
    """adcode, name, level, province, province_name, status (current, or retired for codes since renamed)."""
    all_regions = regions()
    return pa.Table.from_pylist([
        {"adcode": r.adcode, "name": r.name, "level": r.level, "province": r.province,
         "province_name": all_regions[r.province].name if r.province in all_regions else None, "status": r.status}
        for r in all_regions.values()])
