"""The Prefect flows on the sample portal (prefect_test_harness, once per session)."""

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import registry_file

from nianbao.extractors.crawler import load_registry
from nianbao.extractors.http import PoliteSession
from nianbao.flows.nightly import backfill, nightly, reprocess_flow
from nianbao.sample_portal.server import SamplePortal
from nianbao.sample_portal.site import expected_reports
from nianbao.store.parquet_store import verify
from nianbao.store.read import read_dataset
from nianbao.store.schemas import REPORT_DATASETS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def portal():
    with SamplePortal() as sp:
        yield sp


def datasets_snapshot(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for d in REPORT_DATASETS for p in sorted((out / d).rglob("*.parquet"))}


def test_nightly_stores_everything_and_a_rerun_is_a_no_op(harness, portal, tmp_path):
    reg = registry_file(portal, tmp_path / "portals.csv")
    out = tmp_path / "out"
    state = nightly(registry=str(reg), out=str(out), since=0, return_state=True)
    assert state.is_completed()
    s1 = state.result()
    assert (s1.portals_ok, s1.portals_failed, s1.reports_new) == (4, 0, len(expected_reports()))
    reports = read_dataset(out, "reports")
    assert len(reports) == len(expected_reports()) and reports.report_id.is_unique
    log = read_dataset(out, "fetch_log")
    assert {"robots_disallowed", "off_site", "soft_404", "js_challenge", "not_a_report"} <= set(log.outcome)
    reports_by_id = reports.set_index("report_id")
    report_rows = log[log.report_id.notna()]
    assert len(report_rows) and (report_rows.year.values == reports_by_id.loc[report_rows.report_id, "year"].values).all()
    runs = read_dataset(out, "portal_runs")
    assert sorted(runs.portal_id) == sorted(p.id for p in load_registry(reg))
    assert runs.reports_new.sum() == len(expected_reports()) and (runs.requests > 0).all() and (runs.bytes > 0).all()
    assert (runs.finished_at >= runs.started_at).all() and runs.error.isna().all()
    archived = {p.name for p in (out / "_archive").glob("*/objects/*/*")}
    assert set(reports.content_sha256) <= archived  # every stored row traces to archived bytes
    before = datasets_snapshot(out)
    n_requests = len(portal.log)
    s2 = nightly(registry=str(reg), out=str(out), since=0)
    assert (s2.reports_new, s2.reports_changed, s2.reports_unchanged) == (0, 0, len(expected_reports()))
    assert datasets_snapshot(out) == before
    assert not [r for r in portal.log[n_requests:] if r.status == 200]
    assert verify(out) == []


def test_a_changed_report_is_updated(harness, portal, tmp_path):
    reg = registry_file(portal, tmp_path / "portals.csv")
    out = tmp_path / "out"
    nightly(registry=str(reg), out=str(out), since=0)
    path = "/api/gtx/art/2024.html"
    old = portal.site[path].body
    portal.change(path, old.replace(b"<span>0</span>", b"<span>1</span>", 1))
    s = nightly(registry=str(reg), out=str(out), since=0)
    assert (s.reports_new, s.reports_changed) == (0, 1)
    rep = read_dataset(out, "reports")
    assert len(rep) == len(expected_reports())
    changed = rep[rep.source_url.str.endswith(path)]
    assert changed.content_sha256.iloc[0] == hashlib.sha256(portal.site[path].body).hexdigest()


def test_backfill_killed_midway_resumes_without_duplicates(harness, portal, tmp_path):
    reg = registry_file(portal, tmp_path / "portals.csv", delay=0.3)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "backfill", "--registry", str(reg), "--out", str(out),
                             "--since", "2008", "--parallel", "2"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        n = 0
        for index in (out / "_archive").glob("*/index.sqlite"):  # one archive shard per portal
            try:
                n += sqlite3.connect(index).execute("SELECT count(*) FROM documents WHERE kind='report'").fetchone()[0]
            except sqlite3.Error:
                pass
        if n >= 8:
            break
        time.sleep(0.2)
    family = _descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: a SIGKILL'd process cannot stop the server it started
    proc.wait()
    time.sleep(2)
    assert _alive(family) == []  # its embedded server (in a session of its own) dies with it
    stored_before = len(read_dataset(out, "reports")) if (out / "reports").exists() else 0
    assert stored_before < len(expected_reports()), "the kill came too late to test resuming"
    portals = load_registry(reg)
    for p in portals:
        p.delay = 0.02
    s = backfill(out=str(out), since=2008, portal_list=portals)
    assert s.portals_failed == 0
    rep = read_dataset(out, "reports")
    assert len(rep) == len(expected_reports()) and rep.report_id.is_unique
    apps = read_dataset(out, "applications")
    assert not apps.duplicated(["report_id", "outcome", "applicant"]).any()
    assert verify(out) == []


def test_reprocess_from_the_archive_without_network(harness, portal, tmp_path, monkeypatch):
    reg = registry_file(portal, tmp_path / "portals.csv")
    out = tmp_path / "out"
    nightly(registry=str(reg), out=str(out), since=0)
    before = datasets_snapshot(out)

    def no_network(*args, **kwargs):
        raise AssertionError("reprocess must not touch the network")

    monkeypatch.setattr(PoliteSession, "_once", no_network)
    monkeypatch.setattr("requests.Session.request", no_network)
    result = reprocess_flow(out=str(out), registry=str(reg))
    assert result["reports"] == len(expected_reports())
    assert datasets_snapshot(out) == before
    assert verify(out) == []


def test_a_failing_portal_is_recorded_and_the_others_run(harness, portal, tmp_path):
    reg = registry_file(portal, tmp_path / "portals.csv")
    with open(reg, "a", encoding="utf-8") as f:
        f.write(f"broken,某县人民政府,620725,{portal.url}/no/such/column/,0.02,2,,true,sample,a dead entry URL\n")
    out = tmp_path / "out"
    state = nightly(registry=str(reg), out=str(out), since=0, return_state=True)
    assert state.is_failed() and "broken" in state.message  # Prefect's own FAILED, so its alerts fire
    s = state.result(raise_on_failure=False)
    assert (s.portals_ok, s.portals_failed) == (4, 1)
    assert s.failures and s.failures[0].startswith("broken:")
    assert len(read_dataset(out, "reports")) == len(expected_reports())
    log = read_dataset(out, "fetch_log")
    assert set(log[log.portal_id == "broken"].outcome) == {"http_4xx", "not_a_report"}


def _group_alive(pgid: int) -> list[str]:
    out = subprocess.run(["ps", "-eo", "pgid=,cmd="], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.split(None, 1)[0] == str(pgid)]


# SIGTERM to the run alone, as a supervisor stops it (a terminal's SIGINT to the whole group is tested below)
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143)])
def test_a_signal_stops_the_crawl_quickly_and_cleanly(harness, portal, tmp_path, sig, code):
    reg = registry_file(portal, tmp_path / "portals.csv", delay=0.3)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "crawl", "--registry", str(reg), "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(1 for r in portal.log if "/art" in r.path or "report" in r.path) < 5:
        time.sleep(0.2)
    sent = time.monotonic()
    os.kill(proc.pid, sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert time.monotonic() - sent < 10
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("nianbao")]
    assert len(lines) == 1 and "stopped by" in lines[0], err[-2000:]
    assert "Traceback" not in err
    time.sleep(0.5)
    assert _group_alive(proc.pid) == []  # the Prefect server it started is gone too
    requests_before = len(portal.log)
    time.sleep(1)
    assert len(portal.log) == requests_before  # nothing keeps crawling
    portals = load_registry(reg)
    for p in portals:
        p.delay = 0.02
    s = backfill(out=str(out), since=2008, portal_list=portals)  # the next run resumes, nothing lost or doubled
    rep = read_dataset(out, "reports")
    assert s.portals_failed == 0 and len(rep) == len(expected_reports()) and rep.report_id.is_unique


def _descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        p, pp = map(int, line.split())
        children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _alive(pids: list[int]) -> list[int]:
    alive = []
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                if f.read().split(")")[-1].split()[0] != "Z":
                    alive.append(p)
        except OSError:
            pass
    return alive


@pytest.mark.parametrize("moment", ["server_starting", "crawling"])
def test_a_terminals_ctrl_c_to_the_whole_group_stops_the_crawl_in_order(portal, tmp_path, moment):
    """A terminal sends SIGINT to every process of the foreground group: the run, Prefect's embedded server and
    the parse workers. The run stops first, then its server and workers, in seconds, with exit 130 and one line,
    and its portal_runs say it was cancelled."""
    reg = registry_file(portal, tmp_path / "portals.csv", delay=0.3)
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    proc = subprocess.Popen([sys.executable, "-m", "nianbao", "crawl", "--registry", str(reg), "--out", str(out)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=env)
    deadline = time.monotonic() + 120
    if moment == "server_starting":
        time.sleep(2.5)
    else:
        while time.monotonic() < deadline and sum(1 for r in portal.log if "/art" in r.path or "report" in r.path) < 5:
            time.sleep(0.2)
    family = _descendants(proc.pid)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert time.monotonic() - sent < 10
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("nianbao")]
    assert len(lines) == 1 and "stopped by" in lines[0], err[-2000:]
    assert "Traceback" not in err
    time.sleep(1)
    assert _alive(family) == []  # the embedded server and the parse workers are gone too
    if moment == "crawling":  # the interrupted run's portals are recorded, as cancelled
        runs = read_dataset(out, "portal_runs")
        assert sorted(runs.portal_id) == sorted(p.id for p in load_registry(reg))
        assert runs.error.fillna("").str.startswith("cancelled").any()
        assert "cancelled" in set(read_dataset(out, "fetch_log").outcome)



@pytest.mark.parametrize("after", [0.5, 3.0])  # while Prefect's flow engine starts; while the crawl runs
def test_a_terminals_ctrl_c_stops_the_demo_in_order(tmp_path, after):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.flows.demo", str(tmp_path / "out")], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    assert "sample portal" in proc.stdout.readline()
    time.sleep(after)
    family = _descendants(proc.pid)
    sent = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and time.monotonic() - sent < 10, err[-2000:]
    assert err.strip().splitlines()[-1].startswith("make demo: stopped by SIGINT") and "Traceback" not in err
    time.sleep(1)
    assert _alive(family) == []
