"""Prefect flows: nightly crawl, backfill from 2008, reprocess from the archive.

Thin orchestration: one task per portal, or per group of portals in a large
run (crawl and parse; the flow run stores), a bounded task runner, and the
project's own state (archive + store) to know what is done — not Prefect's
cache. Every flow also runs from the CLI.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.futures import as_completed
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner

from nianbao.extractors.crawler import Portal, load_registry
from nianbao.flows.pipeline import (
    PortalOutcome,
    RunSummary,
    archive_root,
    default_registry,
    log_outcomes,
    make_session,
    process_portal,
    resolve_out,
    store_outcomes,
    stored_reports,
    stored_shas_by_portal,
)
from nianbao.store import report_log
from nianbao.store.from_reports import FOLD_REPORTS

COMMIT_SECONDS = 300.0  # and at most this long between folds: how long a stored report may stay unseen
HOSTS_DIR = "_hosts"  # beside the archive's portal shards: per-host next-request times shared by all workers
# tasks in flight (a task crawls one portal in a run of up to GROUPS_PER_RUN portals, else a group at once):
# crawling waits on I/O, and per-host gates keep each host polite. At 3,000 sites on 200 hosts, 16 left the
# busiest hosts idle for 13-17 s while their next portals waited for a slot (a night 1.29-1.3x the politeness
# bound); 32 gave 1.15-1.26x at the same peak memory (benchmarks.national_bench)
DEFAULT_PARALLEL = 32


def crawl_group(portals: list[Portal], archive_dir: str, since: int | None, polite: bool = True,
                until: int | None = None, stored_shas: dict[str, set[str]] | None = None,
                logger=None) -> list[PortalOutcome]:
    """Crawl and parse a group of portals at once, each with its own session and archive shard. A portal's
    failure is its outcome's; the others run on. Once the run is stopped (a signal), portals not yet
    started are left for the next run."""
    from nianbao.extractors.http import STOP  # here: a task sent to Dask is pickled with its globals (an Event has a lock)

    logger = logger or logging.getLogger("nianbao")

    def crawl(portal: Portal) -> PortalOutcome | None:
        if STOP.is_set():
            return None
        logger.info(f"{portal.id}: start {portal.entry_url} ({portal.publisher})")
        session = make_session(polite, delay=portal.delay if portal.delay is not None else 1.0,
                               hosts_dir=Path(archive_dir) / HOSTS_DIR)
        try:
            outcome = process_portal(portal, archive_dir, since, session=session,
                                     stored_shas=(stored_shas or {}).get(portal.id, set()), until=until)
        finally:
            session.close()
        try:
            outcome.encode_reports()
        except Exception as exc:  # a bug: the portal fails, its reports are parsed again by the next run
            outcome.error, outcome.parsed = f"cannot encode its reports: {type(exc).__name__}: {exc}", []
        if STOP.is_set():  # stopped while this portal ran: its last requests were refused
            outcome.error = outcome.error or "cancelled: the run was stopped by a signal"
        failed = sum(outcome.failures.values())
        end = (f"{portal.id}: {'FAILED ' + outcome.error if outcome.error else 'done'}; {outcome.requests} requests, "
               f"{outcome.reports} reports parsed, {outcome.unchanged} unchanged, {failed} URLs not read")
        (logger.warning if outcome.error else logger.info)(end)
        return outcome

    if len(portals) <= 1:
        outcomes = [crawl(p) for p in portals]
    else:
        with ThreadPoolExecutor(len(portals), thread_name_prefix="portal") as pool:
            outcomes = list(pool.map(crawl, portals))
    return [o for o in outcomes if o is not None]


@task(name="crawl-portals", retries=0)
def portals_task(portals: list[Portal], archive_dir: str, since: int | None, polite: bool = True,
                 until: int | None = None, stored_shas: dict[str, set[str]] | None = None) -> list[PortalOutcome]:
    """crawl_group as a task, so a group runs on any worker. It writes no Parquet: the flow run stores each
    outcome as it arrives, so the store has one writer even when tasks run on many machines."""
    # the run's logger, taken in the task's thread: the portals' threads do not inherit the task's context
    return crawl_group(portals, archive_dir, since, polite, until, stored_shas, get_run_logger())


MAX_GROUP = 32  # portals in one task at most: a group's outcomes are stored when its last portal ends
GROUPS_PER_RUN = 128  # a run of more portals than this puts several in a task


def portal_groups(portals: list[Portal]) -> list[list[Portal]]:
    """The run's tasks: each a group of portals crawled at once.

    A Prefect task costs its server about 40 ms of CPU (its states are events
    written to the server's database), as much as crawling and parsing a small
    portal: one task per portal spent half a national night's CPU in Prefect.
    So a run of more than GROUPS_PER_RUN portals groups them, up to MAX_GROUP
    a task; with its portals in flight at once, a group also multiplies the
    portals in flight, which a national night needs: each portal's requests
    wait on its host's delay, so only hundreds at once keep every host busy.

    The order is the politeness bound's: a host's requests are spaced by its
    delay, so the night ends when the host with most portals is done, and it
    must never wait for a slot. Portals go in order of how many of their
    host's portals are left from them on, most first (a host with 12 portals
    puts its first in the first level, a host with one its only portal in the
    last); a level takes one portal of each host with that many left, so a
    group's portals are on different hosts while there are other hosts to take.
    """
    by_host: dict[str, list[Portal]] = {}
    for p in portals:
        by_host.setdefault(urlsplit(p.entry_url).netloc.lower(), []).append(p)
    queues = sorted(by_host.values(), key=len, reverse=True)
    # (portals its host has left from it on, host): most left first, the busiest host first within a level
    slots = sorted(((len(q) - k, h) for h, q in enumerate(queues) for k in range(len(q))), key=lambda s: (-s[0], s[1]))
    order = [queues[h][len(queues[h]) - left] for left, h in slots]
    size = min(MAX_GROUP, max(1, -(-len(order) // GROUPS_PER_RUN)))
    return [order[i:i + size] for i in range(0, len(order), size)]


def _merge(parts: list[RunSummary], started: float) -> RunSummary:
    total = RunSummary()
    for s in parts:
        total.portals_ok += s.portals_ok
        total.portals_failed += s.portals_failed
        total.reports_new += s.reports_new
        total.reports_changed += s.reports_changed
        total.reports_unchanged += s.reports_unchanged
        total.checks_failed += s.checks_failed
        total.failures += s.failures
        for k, v in s.outcomes.items():
            total.outcomes[k] = total.outcomes.get(k, 0) + v
    total.seconds = time.monotonic() - started
    return total


class RunProgress:
    """Portals done of all, with requests, reports, URLs not read and portals failed so far and an ETA: a rich
    progress bar on a terminal, one plain line per finished portal otherwise (logs, CI). URLs not read are not
    failures: most are decoys, robots.txt refusals and off-site links, by design (the summary lists them by
    kind); a portal fails when its run raised."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.requests, self.reports, self.not_read, self.failed = total, 0, 0, 0, 0, 0
        self.started = time.monotonic()
        self.bar = None
        if enabled and sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("portals"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                TextColumn("{task.description}"), console=Console(stderr=True), transient=False)
            self.bar.start()
            self.task = self.bar.add_task("", total=total)
        self.enabled = enabled

    def portal_done(self, outcome: PortalOutcome) -> None:
        self.done += 1
        not_read = sum(outcome.failures.values())
        self.requests += outcome.requests
        self.reports += outcome.reports
        self.not_read += not_read
        self.failed += bool(outcome.error)
        if not self.enabled:
            return
        text = (f"{self.requests} requests, {self.reports} reports parsed, {self.not_read} URLs not read, "
                f"{self.failed} portals failed; last {outcome.portal_id}: {outcome.requests} requests, "
                f"{outcome.reports} reports, {not_read} URLs not read{' (FAILED)' if outcome.error else ''}")
        if self.bar is not None:
            self.bar.update(self.task, advance=1, description=text)
        else:
            elapsed = time.monotonic() - self.started
            eta = elapsed / self.done * (self.total - self.done)
            sys.stderr.write(f"[{self.done}/{self.total}] {text}; ETA {int(eta // 60)}:{int(eta % 60):02d}\n")
            sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


@contextmanager
def local_run():
    """Settings for a run started here (the CLI, the demo) rather than by a Prefect worker. With no
    PREFECT_API_URL the run talks to an embedded server that lives and dies with this process, so no one
    reads its heartbeats (they are how a standing server notices a crashed run), and stopping their thread
    costs up to a second per flow run. With a server configured, heartbeats stay on."""
    import os

    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    _embedded_server_in_its_own_session()
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


_SESSION_LOCK = threading.Lock()
# Run in the embedded server's process before it becomes the server: Linux's PR_SET_PDEATHSIG (1) sends it
# SIGTERM when the thread that started it ends, and a parent already gone means exit at once. Elsewhere (no
# prctl) the server starts all the same, and Prefect's exit handler stops it as before.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
except (AttributeError, OSError):
    pass
if os.getppid() != int(os.environ["NIANBAO_SERVER_PARENT"]):
    sys.exit(0)
os.execv(sys.executable, [sys.executable] + sys.argv[1:])
"""
SERVER_START_SECONDS: list[float] = []  # each start of the embedded server in this process, for the summary


def _embedded_server_in_its_own_session() -> None:
    """Prefect starts its embedded server as a child in this process's group, so a terminal's Ctrl-C (sent to
    the whole group) killed the server with the run, and the run then retried against a dead server for a
    minute or more. Started in a session of its own, the server never sees the terminal's signal: the run
    stops first and Prefect then stops the server in order (its exit handler)."""
    from prefect.server.api import server

    start = server.SubprocessASGIServer._run_uvicorn_command
    if getattr(start, "own_session", False):
        return
    ready = server.SubprocessASGIServer.start

    def timed_start(self, *args, **kwargs):  # how long the embedded server takes to answer, for the summary
        began = time.monotonic()
        try:
            return ready(self, *args, **kwargs)
        except BaseException:  # a signal while it starts: no server is left behind (its session is its own)
            self.stop()
            raise
        finally:
            SERVER_START_SECONDS.append(time.monotonic() - began)

    def run_in_own_session(self):
        popen = server.subprocess.Popen
        started = []

        def popen_own_session(args, **kwargs):
            # the server dies with this process, even a SIGKILL'd one: in its own session nothing else would
            # stop it (a shim sets the parent-death signal, then becomes the server)
            env = dict(kwargs.pop("env", None) or os.environ, NIANBAO_SERVER_PARENT=str(os.getpid()))
            started.append(popen([args[0], "-c", _DIE_WITH_PARENT, *args[1:]], env=env, start_new_session=True,
                                 **kwargs))
            return started[-1]

        with _SESSION_LOCK:  # Popen is swapped for the one call that starts the server
            server.subprocess.Popen = popen_own_session
            try:
                return start(self)
            except BaseException:  # interrupted before Prefect holds the process: stop it here
                for process in started:
                    process.kill()
                    process.wait()
                raise
            finally:
                server.subprocess.Popen = popen

    run_in_own_session.own_session = True
    server.SubprocessASGIServer._run_uvicorn_command = run_in_own_session
    server.SubprocessASGIServer.start = timed_start


@contextmanager
def _requests_stop_on_signals():
    """Inside a flow run Prefect owns SIGTERM (it raises its own TerminationSignal): chain a handler in front
    that first stops every session's new requests, so the portal tasks end in a request's time instead of
    running on while the run is torn down."""
    import signal

    from nianbao.extractors.http import stop_requests

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            prev = signal.getsignal(sig)

            def chained(signum, frame, prev=prev):
                stop_requests()
                if callable(prev):
                    prev(signum, frame)
                else:
                    raise KeyboardInterrupt(signal.Signals(signum).name)

            previous[sig] = prev
            signal.signal(sig, chained)
    except ValueError:  # not the main thread (a worker): signals are the main thread's business
        pass
    try:
        yield
    finally:
        for sig, prev in previous.items():
            try:
                signal.signal(sig, prev)
            except ValueError:
                pass


def run_portals(portals: list[Portal], out: str, since: int | None, polite: bool = True,
                until: int | None = None, progress: bool = False, archive: str | None = None,
                report: bool = True) -> RunSummary:
    """Submit the portals to the flow's task runner, one task per group (portal_groups). Each portal's reports
    go to the store's log as its group's task completes (durable at once); the log is folded into the
    partitions, with the fetch log, many portals at a time (FOLD_REPORTS reports or COMMIT_SECONDS,
    whichever comes first): one store write serves many small portals. What a stopped run logged is folded
    first by the next run."""
    started = time.monotonic()
    archive_dir = str(archive_root(out, archive))
    report_log.fold(out)  # a killed run's logged reports, before reading what is stored
    known = stored_reports(out)
    shas = stored_shas_by_portal(out, known)
    by_id = {p.id: p for p in portals}
    meter = RunProgress(len(portals), progress)
    parts: list[RunSummary] = []
    pending: list[PortalOutcome] = []

    def commit() -> None:  # the flow run is the store's only writer
        if pending:
            parts.append(store_outcomes(out, list(pending), {o.portal_id: by_id[o.portal_id] for o in pending},
                                        time.monotonic(), known))
            pending.clear()

    futures: list = []
    collected: set = set()
    try:
        with _requests_stop_on_signals():
            # each task gets its own portals' stored hashes: the payload does not grow with the store
            futures = [portals_task.submit(group, archive_dir, since, polite, until,
                                           {p.id: shas.get(p.id, set()) for p in group})
                       for group in portal_groups(portals)]
            last_commit = time.monotonic()
            for f in as_completed(futures):
                collected.add(f)
                outcomes = f.result()
                log_outcomes(out, outcomes)  # one write a group
                for outcome in outcomes:
                    pending.append(outcome)
                    meter.portal_done(outcome)
                if sum(len(o.logged) for o in pending) >= FOLD_REPORTS or \
                        time.monotonic() - last_commit >= COMMIT_SECONDS:
                    commit()
                    last_commit = time.monotonic()
            commit()
    except KeyboardInterrupt:  # SIGINT or SIGTERM: every request was refused at once; record what the run did
        cancelled = _cancelled_outcomes([f for f in futures if f not in collected], CANCEL_WAIT)
        log_outcomes(out, cancelled)
        pending += cancelled
        commit()
        raise
    finally:
        meter.close()
    summary = _merge(parts, started)
    report_page = _write_coverage_report(out) if report else None
    heading = ("## All portals ran" if not summary.portals_failed else
               f"## {summary.portals_failed} portal(s) failed: " + ", ".join(summary.failed_portals))
    try:
        create_markdown_artifact(key="nianbao-run-summary",
                                 markdown=heading + "\n\n" + "\n".join(f"- {line}" for line in summary.lines())
                                 + (f"\n\nCoverage report: [{report_page}](file://{report_page})" if report_page else ""),
                                 description="nianbao run summary")
    except Exception as exc:  # an artifact is a convenience; the run's data is already stored
        get_run_logger().warning(f"could not create the summary artifact: {exc}")
    return summary


CANCEL_WAIT = 4.0  # seconds a stopped run waits for its portal tasks to wind down (their requests are refused)


def _cancelled_outcomes(futures: list, seconds: float) -> list[PortalOutcome]:
    """The outcomes of portal groups still running when the run was stopped (the portal each was crawling is
    marked cancelled): their portal_runs and fetch_log rows are stored like any other (the reports they
    parsed too). A group that does not end in time is left out; the next run does its portals again."""
    cutoff = time.monotonic() + seconds
    out = []
    for f in futures:
        try:
            outcomes = f.result(timeout=max(0.05, cutoff - time.monotonic()))
        except Exception:  # noqa: BLE001 (not done in time, or failed: nothing of it to record)
            continue
        out += outcomes
    return out


def _write_coverage_report(out: str) -> str | None:
    """The coverage page is a convenience: a failure to draw it is logged and never fails the run."""
    try:
        from nianbao.flows.coverage_report import write_report

        return write_report(out)
    except Exception as exc:
        get_run_logger().warning(f"could not write the coverage report: {type(exc).__name__}: {exc}")
        return None


def _portals(registry: str | None, portals: list[Portal] | None, only: list[str] | None,
             delay: float | None = None) -> list[Portal]:
    """The enabled portals: a registry is read here, inside the flow, so a national registry is never a flow
    parameter (Prefect refuses parameters over 512 KB: about 2,000 portals). ``delay`` overrides every
    portal's own."""
    chosen = portals if portals is not None else load_registry(registry or default_registry())
    chosen = [p for p in chosen if p.enabled]
    if only:
        chosen = [p for p in chosen if p.id in only]
    if delay is not None:
        for p in chosen:
            p.delay = delay
    return chosen


def _final(summary: RunSummary):
    """COMPLETED when every portal ran; FAILED (Prefect's own state, so its alerts fire) when any failed,
    with the summary still the run's result and the failed portals named in the message."""
    if not summary.portals_failed:
        return summary
    names = ", ".join(summary.failed_portals[:10])
    return Failed(message=f"{summary.portals_failed} of {summary.portals_ok + summary.portals_failed} portals "
                          f"failed: {names}", data=summary)


@flow(name="nianbao-nightly", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_PARALLEL), log_prints=False)
def nightly(registry: str | None = None, out: str = "out", since: int | None = None, portals: list[Portal] | None = None,
            polite: bool = True, progress: bool = False, archive: str | None = None, report: bool = True,
            delay: float | None = None) -> RunSummary:
    """Every enabled portal, incrementally: new and changed reports of recent years (default: the last three).
    ``report``: rewrite the coverage page (_report/index.html) at the end."""
    since = since if since is not None else date.today().year - 3
    return _final(run_portals(_portals(registry, portals, None, delay), resolve_out(out), since, polite,
                              progress=progress, archive=archive, report=report))


@flow(name="nianbao-backfill", task_runner=ThreadPoolTaskRunner(max_workers=DEFAULT_PARALLEL), log_prints=False)
def backfill(registry: str | None = None, out: str = "out", since: int = 2008, until: int | None = None,
             portals: list[str] | None = None, portal_list: list[Portal] | None = None, polite: bool = True,
             progress: bool = False, archive: str | None = None, delay: float | None = None) -> RunSummary:
    """Walk listings as deep as ``since`` and store everything not yet stored; rerun after a kill to resume."""
    return _final(run_portals(_portals(registry, portal_list, portals, delay), resolve_out(out), since, polite, until,
                              progress, archive))


@flow(name="nianbao-reprocess", log_prints=False)
def reprocess_flow(out: str = "out", registry: str | None = None, parser_version: str | None = None,
                   archive: str | None = None, allow_empty: bool = False) -> dict:
    """Re-parse every archived report with the current parser (no network) and rewrite the datasets."""
    from nianbao.flows.reprocess import reprocess

    return reprocess(resolve_out(out), registry, parser_version, archive, allow_empty)
