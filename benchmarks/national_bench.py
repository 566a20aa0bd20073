"""`make bench` (a national night): a synthetic country on loopback, found from its single root and crawled.

The farm (nianbao.sample_portal.farm) puts government sites of real places on many hosts (127.0.0.N):
provinces, prefectures, counties, townships and departments, linked through their directories, each with
a 政务公开 section and a 年报 column listed in one of four CMS families (one page, 下一页 pages, a TRS paging
script, a JSON list API); a few sites are down or moved, a few hosts slow. Printed, per size, at the
crawler's defaults (1 s between requests to a host, DEFAULT_PARALLEL tasks in flight):
- discovery recall from the root (sites found of those reachable) and sites found outside the farm;
- report recall of the night's crawl of the discovered registry (the nightly flow, Prefect included);
- the night's wall time against the politeness bound: the busiest host's requests times the delay;
- the peak memory of the process that crawls (discovery and the night each run in a process of their own,
  apart from the farm), so it can be compared across sizes;
- at the smaller size, Prefect's share of the night's wall time: the same night without Prefect (the same
  portal groups on a thread pool, the same store writes) timed in the same run.

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


def discover(root: str, out: str, delay: float) -> dict:
    """The registry walk from the root at its default width, in a process of its own (the farm's pages are
    not in its memory)."""
    from nianbao.extractors.directory import Directory, registry_rows, write_registry
    from nianbao.extractors.http import PoliteSession

    t = time.perf_counter()
    write_registry(registry_rows(Directory(PoliteSession(delay=delay), root).walk()),
                   f"{out}/discovered.csv")
    return {"walk_s": time.perf_counter() - t}


def night(out: str, delay: float, parallel: int) -> dict:
    """The nightly flow over the discovered registry, as `nianbao crawl --registry FILE --delay D --parallel N`
    runs it, in a process of its own."""
    from prefect.task_runners import ThreadPoolTaskRunner

    from nianbao.flows.nightly import local_run, nightly

    with local_run():
        t = time.perf_counter()
        flow = nightly.with_options(task_runner=ThreadPoolTaskRunner(max_workers=parallel))
        flow(registry=f"{out}/discovered.csv", out=f"{out}/store", since=0, report=False, delay=delay)
        t_night = time.perf_counter() - t
    return {"night_s": t_night, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def plain_night(out: str, delay: float, parallel: int) -> dict:
    """The night's work without Prefect: the flow's portal groups on a plain thread pool of its size, each
    outcome logged as it arrives and all stored at the end, as run_portals does; into a store of its own."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from nianbao.extractors.crawler import load_registry
    from nianbao.flows.nightly import crawl_group, portal_groups
    from nianbao.flows.pipeline import archive_root, log_outcomes, store_outcomes, stored_reports

    store = f"{out}/plain"
    portals = [p for p in load_registry(f"{out}/discovered.csv") if p.enabled]
    for p in portals:
        p.delay = delay
    t = time.perf_counter()
    started = time.monotonic()
    known = stored_reports(store)
    outcomes = []
    with ThreadPoolExecutor(parallel) as pool:
        futures = [pool.submit(crawl_group, g, str(archive_root(store)), 0) for g in portal_groups(portals)]
        for f in as_completed(futures):
            group = f.result()
            log_outcomes(store, group)
            outcomes += group
    store_outcomes(store, outcomes, {p.id: p for p in portals}, started, known)
    return {"plain_s": time.perf_counter() - t}


def _child(step: str, out: str, args: list[str]) -> dict:
    run = subprocess.run([sys.executable, "-m", "benchmarks.national_bench", f"--{step}", "--out", out, *args],
                         capture_output=True, text=True)
    if run.returncode:
        raise SystemExit(run.stderr[-2000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def one_size(sites: int, hosts: int, delay: float, parallel: int, plain: bool = False) -> dict:
    from nianbao.extractors.directory import site_key
    from nianbao.flows.pipeline import stored_reports
    from nianbao.sample_portal.farm import Farm

    with Farm(hosts=hosts, seed=0, down=0.02, moved=0.02, **shape(sites)) as farm, \
            tempfile.TemporaryDirectory() as out:
        knobs = ["--delay", str(delay), "--parallel", str(parallel)]
        r = _child("discover", out, ["--root", farm.root, *knobs])
        farm.per_host.clear()  # the bound is the night's
        r.update(_child("night", out, knobs))
        busiest = max(farm.per_host.values())
        if plain:
            r.update(_child("plain", out, knobs))
        with open(f"{out}/discovered.csv", encoding="utf-8") as f:
            found = {site_key(row["linked_as"]) for row in csv.DictReader(f) if row["level"] != "national"}
        reachable = {site_key(farm.site_url(s)) for s in farm.reachable()}
        return {**r, "sites": len(farm.sites), "slow_hosts": len(farm.slow_hosts), "reachable": len(reachable),
                "found": len(found & reachable),
                "outside": len(found - reachable),
                "reports": len(stored_reports(f"{out}/store")),
                "expected": farm.expected_reports(),
                "bound_s": busiest * delay, "busiest_host_requests": busiest}


def main() -> None:
    from nianbao.flows.nightly import DEFAULT_PARALLEL

    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=600)
    ap.add_argument("--hosts", type=int, default=60)
    ap.add_argument("--delay", type=float, default=1.0, help="seconds between requests to one host")
    ap.add_argument("--parallel", type=int, default=DEFAULT_PARALLEL, help="tasks in flight")
    ap.add_argument("--discover", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--night", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.discover or args.night or args.plain:
        step = discover(args.root, args.out, args.delay) if args.discover else \
            night(args.out, args.delay, args.parallel) if args.night else plain_night(args.out, args.delay, args.parallel)
        print(json.dumps(step))
        return
    for sites in (args.sites // 4, args.sites):
        r = one_size(sites, args.hosts, args.delay, args.parallel, plain=sites < args.sites)
        print(f"national night, {r['sites']} sites on {args.hosts} hosts, {r['slow_hosts']} of them slow (delay "
              f"{args.delay} s, {args.parallel} tasks in flight):")
        print(f"  discovery from the root: {r['found']}/{r['reachable']} reachable sites found "
              f"({r['found'] / r['reachable']:.1%}), {r['outside']} outside the farm, {r['walk_s']:.1f} s")
        print(f"  reports stored: {r['reports']}/{r['expected']} ({r['reports'] / max(1, r['expected']):.1%})")
        print(f"  night: {r['night_s']:.1f} s against the politeness bound {r['bound_s']:.1f} s (busiest host "
              f"{r['busiest_host_requests']} requests x {args.delay} s): {r['night_s'] / r['bound_s']:.2f}x")
        print(f"  peak memory of the crawling process {r['peak_mb']:.0f} MB")
        if "plain_s" in r:
            print(f"  the same night without Prefect {r['plain_s']:.1f} s: Prefect's share of the wall time "
                  f"{1 - r['plain_s'] / r['night_s']:.0%}")


if __name__ == "__main__":
    main()
