"""Prefect's logging settings for a run started here: environment variables, set before Prefect is imported
(so this module imports nothing of Prefect)."""

from __future__ import annotations

import os


def quiet_prefect(level: str = "WARNING") -> None:
    """Prefect's logging for a command: INFO shows (and sends to the Prefect UI) one line per portal at its
    start and end; WARNING (--quiet, and benchmarks) keeps only problems and sends nothing to the API."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", level)
    if level in ("WARNING", "ERROR"):
        os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
