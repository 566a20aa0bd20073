"""`make demo`: the nightly flow on the bundled sample portal, into ./out/.

Starts the sample portals on a free localhost port, writes a registry
pointing at them, runs the nightly flow on Prefect's embedded server, prints
the summary and how to load the data, and stops the portal. Run it twice:
the second run downloads nothing new (every request is conditional).
"""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path

from nianbao.sample_portal.server import SamplePortal, registry_rows

DEMO_PORT = 8731


def main(out: str = "out") -> int:
    from nianbao.flows.prefect_env import quiet_prefect
    from nianbao.flows.summary import print_summary

    quiet_prefect()
    from nianbao.extractors.crawler import load_registry
    from nianbao.flows.nightly import local_run, nightly

    # A fixed port keeps the URLs (and so the archive's validators) the same from run to run;
    # if it is taken, any free port works, at the cost of fresh downloads.
    with SamplePortal(port=DEMO_PORT) as portal, tempfile.TemporaryDirectory() as tmp:
        rows = registry_rows(portal.url, delay=0.05)
        registry = Path(tmp) / "portals.csv"
        with open(registry, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        print(f"sample portal: {portal.url} ({len(rows)} portals); writing {out}/")
        # The sample pages span 2008-2024: walk every listing page, as a first crawl of a portal would.
        with local_run():
            summary = nightly(out=out, since=0, portals=load_registry(registry), return_state=True).result(
                raise_on_failure=False)
        downloads = sum(1 for r in portal.log if r.status == 200)
        print(f"\nrequests to the sample portal: {len(portal.log)} ({downloads} full downloads, "
              f"{sum(1 for r in portal.log if r.status == 304)} not modified)")
    print_summary(summary, out, f"{out}/_archive")
    print(f"\ncoverage report (open it in a browser): {Path(out).resolve() / '_report' / 'index.html'}")
    return 0 if summary.portals_failed == 0 else 1


if __name__ == "__main__":
    from nianbao.flows.signals import RECEIVED, stop_on_signals, stopped

    stop_on_signals()
    try:
        sys.exit(main(*sys.argv[1:]))
    except BaseException as exc:
        if not isinstance(exc, KeyboardInterrupt) and not RECEIVED:
            raise
        sys.exit(stopped("make demo", exc))
