"""`make bench` (a national night): a synthetic country on loopback, found from its single root and crawled.

The farm (nianbao.sample_portal.farm) puts government sites of real places on many hosts (127.0.0.N):
provinces, prefectures, counties, townships and departments, linked through their directories, each with
a 政务公开 section, a 年报 column and one report; a few are down or moved. Printed, per size:
- discovery recall from the root (sites found of those reachable) and sites found outside the farm;
- report recall of the night's crawl of the discovered registry (the nightly flow, Prefect included);
- the night's wall time against the politeness bound: the busiest host's requests times the delay;
- the process's peak memory, each size run in a fresh process, so memory can be compared across sizes.

`python -m benchmarks.national_bench --sites 3000 --hosts 200` runs the issue's size (several minutes).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time

from nianbao.flows.prefect_env import quiet_prefect

quiet_prefect("WARNING")  # before Prefect is imported


def shape(sites: int) -> dict:
    """Farm parameters giving about ``sites`` sites: 4 prefectures a province, 4 counties a prefecture, 3
    departments a government, 3 townships a county (132 sites a province; 27 provinces at most)."""
    per_province = 1 + 3 + 4 * (1 + 3 + 4 * (1 + 3 + 3))
    provinces = max(1, min(27, round(sites / per_province)))
    return dict(provinces=provinces, prefectures=4, counties=4, townships=3, departments=3)


def one_size(sites: int, hosts: int, delay: float, parallel: int) -> dict:
    from prefect.task_runners import ThreadPoolTaskRunner

    from nianbao.extractors.directory import Directory, registry_rows, site_key
    from nianbao.extractors.http import PoliteSession
    from nianbao.flows.nightly import local_run, nightly
    from nianbao.flows.pipeline import stored_reports
    from nianbao.sample_portal.farm import Farm

    with Farm(hosts=hosts, seed=0, down=0.02, moved=0.02, **shape(sites)) as farm, \
            tempfile.TemporaryDirectory() as out:
        t = time.perf_counter()
        walk = Directory(PoliteSession(delay=delay), farm.root, workers=parallel).walk()
        t_walk = time.perf_counter() - t
        reachable = {site_key(farm.site_url(s)) for s in farm.reachable()}
        found = {site_key(s.link) for s in walk if s.level != "national"}
        rows = registry_rows(walk)
        registry = f"{out}/discovered.csv"
        with open(registry, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        farm.per_host.clear()
        with local_run():  # as `nianbao crawl --registry FILE --delay D --parallel N` runs it
            t = time.perf_counter()
            flow = nightly.with_options(task_runner=ThreadPoolTaskRunner(max_workers=parallel))
            flow(registry=registry, out=f"{out}/store", since=0, report=False, delay=delay)
            t_night = time.perf_counter() - t
        stored = len(stored_reports(f"{out}/store"))
        expected = sum(1 for s in farm.reachable() if s.state != "down")
        busiest = max(farm.per_host.values())
        return {"sites": len(farm.sites), "reachable": len(reachable), "found": len(found & reachable),
                "outside": len(found - reachable), "walk_s": t_walk, "reports": stored, "expected": expected,
                "night_s": t_night, "bound_s": busiest * delay, "busiest_host_requests": busiest,
                "requests": farm.requests, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=600)
    ap.add_argument("--hosts", type=int, default=60)
    ap.add_argument("--delay", type=float, default=0.25, help="seconds between requests to one host")
    ap.add_argument("--parallel", type=int, default=64, help="portals in flight")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.sites, args.hosts, args.delay, args.parallel)))
        return
    for sites in (args.sites // 4, args.sites):
        run = subprocess.run([sys.executable, "-m", "benchmarks.national_bench", "--one", "--sites", str(sites),
                              "--hosts", str(args.hosts), "--delay", str(args.delay), "--parallel", str(args.parallel)],
                             capture_output=True, text=True)
        if run.returncode:
            print(run.stderr[-2000:])
            raise SystemExit(1)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"national night, {r['sites']} sites on {args.hosts} hosts (delay {args.delay} s, {args.parallel} "
              f"portals in flight):")
        print(f"  discovery from the root: {r['found']}/{r['reachable']} reachable sites found "
              f"({r['found'] / r['reachable']:.1%}), {r['outside']} outside the farm, {r['walk_s']:.1f} s")
        print(f"  reports stored: {r['reports']}/{r['expected']} ({r['reports'] / max(1, r['expected']):.1%})")
        print(f"  night: {r['night_s']:.1f} s against the politeness bound {r['bound_s']:.1f} s (busiest host "
              f"{r['busiest_host_requests']} requests x {args.delay} s): {r['night_s'] / r['bound_s']:.2f}x")
        print(f"  peak memory {r['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
