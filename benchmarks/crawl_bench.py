"""`make bench` (crawl concurrency): N portals on N hosts against one portal, through the nightly flow,
with politeness on.

Each host is its own sample-portal server (a host is host:port to the
per-host gates), each serving the same TRS-style portal, crawled with a
per-host delay. Politeness bounds one portal's time; N hosts should cost
about one portal's time, since portals run concurrently, I/O waits hold no
CPU, and parsing goes to a process pool sized to the cores.
"""

from __future__ import annotations

import argparse
import tempfile
import time

from nianbao.flows.prefect_env import quiet_prefect  # noqa: E402

quiet_prefect()  # before Prefect is imported

from nianbao.extractors.crawler import Portal  # noqa: E402
from nianbao.sample_portal.server import SamplePortal, registry_rows  # noqa: E402


def run(n: int, delay: float, out: str) -> tuple[float, int]:
    from nianbao.flows.nightly import local_run, nightly

    servers = [SamplePortal().start() for _ in range(n)]
    try:
        portals = []
        for i, sp in enumerate(servers):
            row = registry_rows(sp.url)[0]  # the TRS portal
            portals.append(Portal(f"{row['id']}{i}", row["publisher"], row["adcode"], row["entry_url"], delay=delay))
        t = time.perf_counter()
        with local_run():  # as `nianbao crawl` runs it
            summary = nightly(out=out, since=0, portals=portals, polite=True, report=False)
        return time.perf_counter() - t, summary.reports_new + summary.reports_changed + summary.reports_unchanged
    finally:
        for sp in servers:
            sp.stop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=16)
    ap.add_argument("--delay", type=float, default=0.3, help="seconds between requests to one host")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(1, 0.0, f"{tmp}/warm")  # the embedded server's start-up, paid once
        t_one, r_one = run(1, args.delay, f"{tmp}/one")
        t_many, r_many = run(args.hosts, args.delay, f"{tmp}/many")
    print(f"crawl: {args.hosts} portals on {args.hosts} hosts, {args.delay} s between requests to a host")
    print(f"  one portal   {t_one:6.2f} s ({r_one} reports parsed)")
    print(f"  {args.hosts} portals  {t_many:6.2f} s ({r_many} reports parsed): ratio {t_many / t_one:.2f} "
          f"(1.0 = the politeness bound)")


if __name__ == "__main__":
    main()
