"""`make bench` (end to end): reports per second through the nightly flow on the sample portal,
politeness off, and the share of wall time Prefect itself adds.

The baseline is the same work (read what is stored, crawl and parse the
portals on a thread pool of the flow's size, store in one group commit) run
without Prefect in the same run, so the difference is Prefect's cost: flow
and task runs, state reporting, the artifact. The flow figure excludes the
embedded server's one-time start-up, measured apart.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from nianbao.flows.prefect_env import quiet_prefect  # noqa: E402

quiet_prefect()  # before Prefect is imported

from nianbao.extractors.crawler import Portal  # noqa: E402
from nianbao.flows.pipeline import make_session, process_portal, store_outcomes  # noqa: E402
from nianbao.sample_portal.server import SamplePortal, registry_rows  # noqa: E402
from nianbao.sample_portal.site import expected_reports  # noqa: E402


def portals(base: str) -> list[Portal]:
    return [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=0.0) for r in registry_rows(base)]


def plain(out: str) -> float:
    """The flow's work without Prefect: the same portals on a thread pool of the flow's size, the stored
    reports read first and the outcomes stored in one group commit at the end, as run_portals does."""
    from nianbao.flows.nightly import DEFAULT_PARALLEL
    from nianbao.flows.pipeline import stored_reports, stored_shas_by_portal

    with SamplePortal() as sp:
        ps = portals(sp.url)
        t = time.perf_counter()
        started = time.monotonic()
        known = stored_reports(out)
        shas = stored_shas_by_portal(out, known)
        with ThreadPoolExecutor(DEFAULT_PARALLEL) as pool:
            outcomes = list(pool.map(lambda p: process_portal(p, f"{out}/_archive", 0, session=make_session(
                polite=False), stored_shas=shas.get(p.id, set())), ps))
        store_outcomes(out, outcomes, {p.id: p for p in ps}, started, known)
        return time.perf_counter() - t


def with_prefect(out: str) -> float:
    """The nightly flow as `nianbao crawl` runs it (local_run: the embedded server's settings)."""
    from nianbao.flows.nightly import local_run, nightly

    with SamplePortal() as sp, local_run():
        ps = portals(sp.url)
        t = time.perf_counter()
        nightly(out=out, since=0, portals=ps, polite=False, report=False)  # Prefect's cost alone, not the page's
        return time.perf_counter() - t


def prefect_overheads() -> tuple[float, float]:
    """(seconds a flow run costs, milliseconds a task run costs) on no-op work, best of three, as a local run."""
    from prefect import flow, task
    from prefect.task_runners import ThreadPoolTaskRunner

    @task(name="noop")
    def noop(i: int) -> int:
        return i

    @flow(name="nianbao-overhead", task_runner=ThreadPoolTaskRunner(max_workers=16))
    def tasks(n: int) -> list[int]:
        return [f.result() for f in [noop.submit(i) for i in range(n)]]

    def best(n: int) -> float:
        times = []
        for _ in range(3):
            t = time.perf_counter()
            tasks(n)
            times.append(time.perf_counter() - t)
        return min(times)

    from nianbao.flows.nightly import local_run

    with local_run():
        one, many = best(1), best(41)
    return one, max(0.0, many - one) / 40 * 1000


def main() -> None:
    from nianbao.flows.nightly import nightly

    n = len(expected_reports())
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with SamplePortal() as sp:  # first flow run: pays the embedded server's start-up
            nightly(out=f"{tmp}/warm", since=0, portals=portals(sp.url), polite=False)
        warm = time.perf_counter() - t0
        t_plain = min(plain(f"{tmp}/plain{i}") for i in range(2))
        t_flow = min(with_prefect(f"{tmp}/flow{i}") for i in range(2))
    print(f"end to end on the sample portal ({n} reports, 4 portals, politeness off):")
    print(f"  plain thread pool   {t_plain:6.2f} s   {n / t_plain:6.1f} reports/s")
    print(f"  nightly flow        {t_flow:6.2f} s   {n / t_flow:6.1f} reports/s")
    print(f"  Prefect's share of the flow's wall time: {max(0.0, t_flow - t_plain) / t_flow:.0%} "
          f"(first run, with the embedded server starting: {warm:.1f} s)")
    flow_cost, task_ms = prefect_overheads()
    print(f"  Prefect's own cost: {flow_cost:.2f} s per flow run, {task_ms:.1f} ms per task run (no-op tasks); a "
          "portal task's payload is its own portal's stored hashes, so it does not grow with the store")
    print("  (the sample portal has one deliberately slow page of 1.5 s in both figures)")


if __name__ == "__main__":
    main()
