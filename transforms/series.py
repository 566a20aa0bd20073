"""One series across all eras: the metrics every era states, one row per report and metric.

Modern (2019/2021) reports sum their table cells into the legacy metrics'
meaning; legacy reports give their narrative or 统计表 figures as they are.
SERIES_MAP is the whole mapping (the data dictionary prints it).
"""

from __future__ import annotations

from nianbao.transforms.vocabulary import code_order

_WITHHELD = [c for c in code_order("applications", "outcome") if c.startswith("withheld_")]
_UNAVAILABLE = [c for c in code_order("applications", "outcome") if c.startswith("unavailable_")]
_NOT_PROCESSED = [c for c in code_order("applications", "outcome") if c.startswith("not_processed_")]

# metric -> (modern source: dataset, cells summed; legacy metric or None; note on comparability)
SERIES_MAP: dict[str, tuple[str, list[str], str | None, str]] = {
    "applications_received": ("applications", ["received"], "applications_received",
                              "三 row 一 (本年新收), column 总计; legacy: requests received or accepted"),
    "carried_over": ("applications", ["carried_over"], None, "三 row 二 (上年结转); not stated before 2019"),
    "granted": ("applications", ["granted"], "granted", "三（一）予以公开; legacy: 同意公开"),
    "partially_granted": ("applications", ["partially_granted"], "partially_granted",
                          "三（二）部分公开; legacy: 同意部分公开"),
    "withheld": ("applications", _WITHHELD, "withheld",
                 "sum of the eight 三（三）不予公开 reasons; legacy: 不予公开/不同意公开 (reasons not split)"),
    "unavailable": ("applications", _UNAVAILABLE, None,
                    "sum of 三（四）无法提供; legacy reports counted these among refusals or other answers"),
    "not_processed": ("applications", _NOT_PROCESSED, None,
                      "sum of 三（五）不予处理; no legacy counterpart"),
    "administrative_reviews": ("reviews_litigation", ["administrative_review"], "administrative_reviews",
                               "四 行政复议 总计"),
    "lawsuits": ("reviews_litigation", ["litigation_direct", "litigation_after_review"], "lawsuits",
                 "四 行政诉讼 总计 of 未经复议直接起诉 + 复议后起诉"),
}
SIX_APPLICANTS = [a for a in code_order("applications", "applicant") if a != "total"]


def series_rows(era: str, applications: list[dict], reviews: list[dict], legacy: list[dict]) -> list[dict]:
    """Rows {metric, value, source} for one report; a metric whose cells were all omitted is absent."""
    out = []
    if era == "legacy":
        have = {m["metric"]: m["value"] for m in legacy}
        for metric, (_, _, legacy_metric, _) in SERIES_MAP.items():
            if legacy_metric and have.get(legacy_metric) is not None:
                out.append({"metric": metric, "value": have[legacy_metric], "source": f"legacy:{legacy_metric}"})
        return out
    apps = {(c["outcome"], c["applicant"]): c["value"] for c in applications if c["value"] is not None}
    revs = {(c["proceeding"], c["outcome"]): c["value"] for c in reviews if c["value"] is not None}
    for metric, (dataset, cells, _, _) in SERIES_MAP.items():
        values = [_app_total(apps, c) if dataset == "applications" else revs.get((c, "total")) for c in cells]
        present = [v for v in values if v is not None]
        if present:
            out.append({"metric": metric, "value": float(sum(present)), "source": f"{dataset}:{'+'.join(cells)}"})
    return out


def _app_total(apps: dict, outcome: str) -> float | None:
    """The row's 总计 column; the sum of the six applicant columns when 总计 is missing or left blank."""
    six = [apps.get((outcome, a)) for a in SIX_APPLICANTS]
    total = apps.get((outcome, "total"))
    if total is None or (total == 0 and any(six)):
        return sum(v for v in six if v is not None) if any(v is not None for v in six) else None
    return total
