"""`nianbao serve` registers the deployments against a real `prefect server start`."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(fn, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = fn()
            if result:
                return result
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_registers_nightly_backfill_and_reprocess(tmp_path):
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_API_URL=api,
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_LOGGING_LEVEL="WARNING",
               PREFECT_API_DATABASE_CONNECTION_URL=f"sqlite+aiosqlite:///{tmp_path}/prefect.db")
    server = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    serving = None
    try:
        wait_for(lambda: requests.get(api + "/health", timeout=2).ok, 120, "prefect server")
        serving = subprocess.Popen([str(BIN / "nianbao"), "serve", "--registry", "data/portals.csv", "--out",
                                    str(tmp_path / "out")], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)

        def deployments():
            r = requests.post(api + "/deployments/filter", json={}, timeout=5)
            names = {d["name"]: d for d in r.json()}
            return names if {"nightly", "backfill", "reprocess"} <= set(names) else None

        found = wait_for(deployments, 120, "the deployments")
        schedules = found["nightly"]["schedules"]
        assert len(schedules) == 1
        assert schedules[0]["schedule"]["cron"] == "0 2 * * *"
        assert schedules[0]["schedule"]["timezone"] == "Asia/Shanghai"
        assert found["backfill"]["schedules"] == [] and found["reprocess"]["schedules"] == []
        assert found["backfill"]["parameters"]["since"] == 2008
        assert found["nightly"]["parameters"]["registry"].endswith("data/portals.csv")
    finally:
        for proc in (serving, server):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)


def test_prefect_yaml_matches_the_served_deployments():
    import importlib

    import yaml
    from prefect.flows import Flow

    from nianbao.flows.deployments import NIGHTLY_CRON, TIMEZONE

    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))
    by_name = {d["name"]: d for d in spec["deployments"]}
    assert set(by_name) == {"nightly", "backfill", "reprocess"}
    for d in by_name.values():
        path, attr = d["entrypoint"].split(":")
        assert isinstance(getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), attr), Flow)
    assert by_name["nightly"]["schedules"] == [{"cron": NIGHTLY_CRON, "timezone": TIMEZONE}]
    assert by_name["backfill"]["parameters"]["since"] == 2008
