"""`make bench` (store part): a synthetic store of 50,000 reports over 31 provinces and 17 years.

Reports write time, file count and size, full read time, and the partition
pruning ratio (one province-year against the whole dataset), each beside a
baseline measured in the same run: pyarrow's own write_to_dataset of the same
rows.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from nianbao.sample_portal.pages import Report, render  # noqa: E402
from nianbao.store.from_reports import columns_of, write_reports  # noqa: E402
from nianbao.store.parquet_store import upsert  # noqa: E402
from nianbao.store.read import read_dataset  # noqa: E402
from nianbao.transforms.report import parse_report, report_id  # noqa: E402

PROVINCES = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000", "310000", "320000",
             "330000", "340000", "350000", "360000", "370000", "410000", "420000", "430000", "440000", "450000",
             "460000", "500000", "510000", "520000", "530000", "540000", "610000", "620000", "630000", "640000",
             "650000"]
YEARS = list(range(2008, 2025))


def synthetic_reports(n: int):
    """n reports: real parsed rows of two template pages, re-keyed to other publishers, years and provinces."""
    templates = {era: parse_report(render(Report(y, seed=1).fill()).encode(), "x") for era, y in
                 (("2019", 2020), ("2021", 2022))}
    out = []
    for i in range(n):
        year = YEARS[i % len(YEARS)]
        prov = PROVINCES[(i // len(YEARS)) % len(PROVINCES)]
        adcode = prov[:2] + f"{(i // 527) % 90 + 1:02d}00"
        t = templates["2021" if year >= 2021 else "2019"]
        rid = report_id(adcode, f"机构{i}", year)
        rep = dict(t.report, report_id=rid, year=year, adcode=adcode, region=prov, publisher=f"机构{i}",
                   warnings=[])
        out.append(type(t)(rep, t.active_disclosure, t.applications, t.reviews_litigation, [], t.sections, t.checks))
    return out


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=50_000)
    args = ap.parse_args()
    reps = synthetic_reports(args.reports)
    work = Path(tempfile.mkdtemp(prefix="nianbao-bench-"))
    try:
        t_write, _ = timed(lambda: write_reports(work / "store", reps))
        files = list((work / "store").rglob("*.parquet"))
        size = sum(f.stat().st_size for f in files)

        # The applications dataset alone, nianbao's upsert against pyarrow's own partitioned writer.
        by_part: dict = {}
        for r in reps:
            by_part.setdefault((r.report["year"], r.report["region"]), []).append(r)
        batches = {k: columns_of(v, "applications") for k, v in by_part.items()}
        t_apps, _ = timed(lambda: upsert(work / "apps_only", "applications", batches))
        table = pa.concat_tables([b.append_column("year", pa.array([k[0]] * b.num_rows, pa.int16()))
                                  .append_column("region", pa.array([k[1]] * b.num_rows)) for k, b in batches.items()])
        t_base, _ = timed(lambda: pq.write_to_dataset(table, work / "baseline", partition_cols=["year", "region"]))

        t_full, full = timed(lambda: read_dataset(work / "store", "applications"))
        one = (ds.field("year") == 2020) & (ds.field("region") == "620000")
        t_one, part = timed(lambda: read_dataset(work / "store", "applications", filter=one))
        t_rerun, _ = timed(lambda: write_reports(work / "store", reps[:1000]))

        print(f"store: {args.reports} reports, {len(full):,} application rows")
        print(f"  write all datasets   {t_write:8.2f} s   ({args.reports / t_write:,.0f} reports/s)")
        print(f"  applications only    {t_apps:8.2f} s   against pyarrow write_to_dataset {t_base:.2f} s: "
              f"ratio {t_apps / t_base:.1f} (atomic, sorted, deduplicated, fsynced, with a manifest)")
        print(f"  files {len(files)}, {size / 1e6:.1f} MB in all ({size / args.reports / 1e3:.1f} KB per report)")
        print(f"  read applications    {t_full:8.2f} s")
        print(f"  read one prov-year   {t_one:8.3f} s   ({len(part):,} rows); pruning ratio {t_full / t_one:,.0f}x")
        print(f"  rerun 1,000 reports  {t_rerun:8.2f} s   (unchanged: no file rewritten)")
    finally:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
