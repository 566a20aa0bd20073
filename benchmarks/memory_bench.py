"""`make bench` (memory): peak memory of storing parsed reports in bounded batches, for 10,000 and 50,000
reports, each in a fresh process. Flat means the store path streams: only LOG_REPORTS parsed reports are held
at once, and one fold reads back at most FOLD_REPORTS reports' rows, whatever the run's size (parse --out and
reprocess use this BatchWriter; the flows log each portal's reports the same way).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile


def child(n: int, root: str) -> None:
    from benchmarks.store_bench import synthetic
    from nianbao.store.from_reports import BatchWriter

    writer = BatchWriter(root)
    for report in synthetic(n, own_rows=True):  # made one at a time, as a parser hands them over
        writer.add(report)
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
