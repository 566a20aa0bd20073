"""`nianbao serve`: the deployments a Prefect server schedules.

nightly runs at 02:00 Asia/Shanghai; backfill and reprocess run on demand
(`prefect deployment run 'nianbao-backfill/backfill'`). Cron schedules need a
real server (`prefect server start`): the embedded one never fires them.
"""

from __future__ import annotations

from pathlib import Path

from prefect import serve
from prefect.schedules import Cron

from nianbao.flows.nightly import backfill, nightly, reprocess_flow

NIGHTLY_CRON = "0 2 * * *"
TIMEZONE = "Asia/Shanghai"


def build_deployments(registry: str, out: str) -> list:
    registry, out = str(Path(registry).resolve()), str(Path(out).resolve())
    return [
        nightly.to_deployment(name="nightly", schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
                              parameters={"registry": registry, "out": out}, tags=["nianbao"]),
        backfill.to_deployment(name="backfill", parameters={"registry": registry, "out": out, "since": 2008},
                               tags=["nianbao"]),
        reprocess_flow.to_deployment(name="reprocess", parameters={"out": out, "registry": registry}, tags=["nianbao"]),
    ]


def serve_deployments(registry: str, out: str) -> None:
    serve(*build_deployments(registry, out))
