"""`make bench` (store part): synthetic reports over 31 provinces and 17 years.

Writes 10,000 reports in per-portal batches (as the flows do: each batch
logged, the log folded every FOLD_REPORTS; and each batch written straight
into the partitions) beside the baseline measured in the same run, pyarrow's
own write_to_dataset of the same rows; then the median cost of one portal's
batch in a store of 10,000 and of 200,000 reports (it should not grow), the
compaction, full read time and partition pruning.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from nianbao.sample_portal.pages import Report, render  # noqa: E402
from nianbao.store import report_log  # noqa: E402
from nianbao.store.from_reports import FOLD_REPORTS, columns_of, log_reports, write_reports  # noqa: E402
from nianbao.store.parquet_store import compact  # noqa: E402
from nianbao.store.read import read_dataset  # noqa: E402
from nianbao.store.schemas import REPORT_DATASETS  # noqa: E402
from nianbao.transforms.report import parse_report, report_id  # noqa: E402

PROVINCES = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
             "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
             "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
             "650000"]
YEARS = list(range(2008, 2025))


def synthetic(n: int, own_rows: bool = False):
    """n reports, one at a time: real parsed rows of two template pages, re-keyed to other publishers, years
    and provinces. ``own_rows``: each report gets its own copy of the rows, as a parser hands them over
    (otherwise they share the template's, which costs no memory)."""
    templates = {era: parse_report(render(Report(y, seed=1).fill()).encode(), "x") for era, y in
                 (("2019", 2020), ("2021", 2022))}

    def rows(table: list[dict]) -> list[dict]:
        return [dict(r) for r in table] if own_rows else table

    for i in range(n):
        year = YEARS[i % len(YEARS)]
        prov = PROVINCES[(i // len(YEARS)) % len(PROVINCES)]
        adcode = prov[:2] + f"{(i // 527) % 90 + 1:02d}00"
        t = templates["2021" if year >= 2021 else "2019"]
        rid = report_id(adcode, f"机构{i}", year)
        rep = dict(t.report, report_id=rid, year=year, adcode=adcode, region=prov, publisher=f"机构{i}",
                   warnings=[])
        yield type(t)(rep, rows(t.active_disclosure), rows(t.applications), rows(t.reviews_litigation), [],
                      rows(t.sections), rows(t.checks))


def synthetic_reports(n: int) -> list:
    return list(synthetic(n))


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def portal_batches(reps: list, size: int = 28) -> list[list]:
    """Per-portal batches: one publisher's reports of every year, as a portal crawl hands them over."""
    return [reps[i:i + size] for i in range(0, len(reps), size)]


def bulk_baseline(reps: list, where: Path) -> float:
    """pyarrow's write_to_dataset of the same rows, every report dataset, no upsert, no fsync."""
    t = time.perf_counter()
    for name in REPORT_DATASETS:
        table = columns_of(reps, name)
        counts = [1 if name == "reports" else len(getattr(r, name)) for r in reps]
        years = pa.array([r.report["year"] for r, n in zip(reps, counts, strict=True) for _ in range(n)], pa.int16())
        regions = pa.array([r.report["region"] for r, n in zip(reps, counts, strict=True) for _ in range(n)])
        pq.write_to_dataset(table.append_column("year", years).append_column("region", regions), where / name,
                            partition_cols=["year", "region"])
    return time.perf_counter() - t


def logged_and_folded(root: Path, batches: list[list]) -> None:
    """The flows' way: every batch logged as it comes, the log folded every FOLD_REPORTS reports and at the end."""
    logged = 0
    for b in batches:
        log_reports(root, b)
        logged += len(b)
        if logged >= FOLD_REPORTS:
            report_log.fold(root)
            logged = 0
    report_log.fold(root)


def per_batch_seconds(root: Path, batches: list[list]) -> float:
    """Median time of one per-portal batch written into the store at ``root``."""
    times = [timed(lambda b=b: write_reports(root, b))[0] for b in batches]
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=10_000, help="reports written in per-portal batches")
    ap.add_argument("--stored", type=int, default=200_000, help="store size for the per-batch cost comparison")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        reps = synthetic_reports(args.reports)
        t_base = bulk_baseline(reps, work / "baseline")
        t_logged, _ = timed(lambda: logged_and_folded(work / "logged", portal_batches(reps)))
        t_direct, _ = timed(lambda: [write_reports(work / "direct", b) for b in portal_batches(reps)])
        files = list((work / "direct").rglob("*.parquet"))
        t_compact, _ = timed(lambda: compact(work / "direct"))
        compacted = list((work / "direct").rglob("*.parquet"))

        t_full, full = timed(lambda: read_dataset(work / "direct", "applications"))
        one = (ds.field("year") == 2020) & (ds.field("region") == "620000")
        t_one, part = timed(lambda: read_dataset(work / "direct", "applications", filter=one))
        t_rerun, _ = timed(lambda: write_reports(work / "direct", reps[:1000]))

        # per-batch cost as the store grows: 20 new portals' batches at 10k and at --stored reports
        extra = synthetic_reports(args.stored + 20 * 28)
        fresh = portal_batches(extra[args.stored:])
        small = per_batch_seconds(work / "direct", fresh)
        for i in range(0, args.stored, 50_000):
            write_reports(work / "big", extra[i:min(i + 50_000, args.stored)])
        big = per_batch_seconds(work / "big", fresh)

        n = args.reports
        print(f"store: {n:,} reports ({len(full):,} application rows), all report datasets")
        print(f"  pyarrow write_to_dataset (bulk, no upsert)  {t_base:7.2f} s   baseline")
        print(f"  per-portal batches of 28, logged, folded every {FOLD_REPORTS:,} (as the flows write) "
              f"{t_logged:7.2f} s   ratio {t_logged / t_base:.1f}")
        print(f"  per-portal batches of 28, each written into the partitions {t_direct:7.2f} s   ratio "
              f"{t_direct / t_base:.1f} ({len(files):,} part files)")
        print(f"  store compact                               {t_compact:7.2f} s   ({len(compacted):,} files after)")
        print(f"  per-batch median: {small * 1e3:.0f} ms at {n:,} stored, {big * 1e3:.0f} ms at {args.stored:,}: "
              f"ratio {big / small:.2f}")
        print(f"  read applications    {t_full:8.2f} s")
        print(f"  read one prov-year   {t_one:8.3f} s   ({len(part):,} rows); pruning ratio {t_full / t_one:,.0f}x")
        print(f"  rerun 1,000 reports  {t_rerun:8.2f} s   (unchanged: no file rewritten)")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
