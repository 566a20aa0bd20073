"""`make bench` (memory): peak memory of storing parsed reports in bounded batches, for 10,000 and 50,000
reports, each in a fresh process. Flat means the store path streams: only COMMIT_REPORTS parsed reports
are held at once, whatever the run's size (parse --out, reprocess and the flows use the same BatchWriter).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile


def child(n: int, root: str) -> None:
    from benchmarks.store_bench import PROVINCES, YEARS
    from nianbao.sample_portal.pages import Report, render
    from nianbao.store.from_reports import BatchWriter
    from nianbao.transforms.report import parse_report, report_id

    templates = {era: parse_report(render(Report(y, seed=1).fill()).encode(), "x") for era, y in
                 (("2019", 2020), ("2021", 2022))}
    writer = BatchWriter(root)
    for i in range(n):  # reports made one at a time, as a parser hands them over
        year = YEARS[i % len(YEARS)]
        prov = PROVINCES[(i // len(YEARS)) % len(PROVINCES)]
        adcode = prov[:2] + f"{(i // 527) % 90 + 1:02d}00"
        t = templates["2021" if year >= 2021 else "2019"]
        rep = dict(t.report, report_id=report_id(adcode, f"机构{i}", year), year=year, adcode=adcode, region=prov,
                   publisher=f"机构{i}", warnings=[])
        writer.add(type(t)(rep, [dict(r) for r in t.active_disclosure], [dict(r) for r in t.applications],
                           [dict(r) for r in t.reviews_litigation], [], [dict(r) for r in t.sections],
                           [dict(r) for r in t.checks]))
    writer.flush()
    print(json.dumps({"reports": writer.stored, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 50_000]
    peaks = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-c", f"from benchmarks.memory_bench import child; child({n}, {tmp!r})"],
                                 capture_output=True, text=True, check=True).stdout
            peaks[n] = json.loads(out.strip().splitlines()[-1])["peak_mb"]
    print("memory: peak RSS storing parsed reports in batches (fresh process each)")
    for n, mb in peaks.items():
        print(f"  {n:>7,} reports  {mb:7.0f} MB")
    if len(peaks) > 1:
        print(f"  ratio largest/smallest: {peaks[sizes[-1]] / peaks[sizes[0]]:.2f} (1.0 = flat)")


if __name__ == "__main__":
    main()
