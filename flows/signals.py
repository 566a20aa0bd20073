"""Stopping a run on SIGINT or SIGTERM: at once, in order, and in one line (the CLI's runs and the demo)."""

from __future__ import annotations

import signal
import sys


def stop_on_signals() -> None:
    """SIGINT and SIGTERM: refuse new requests at once and unwind as a KeyboardInterrupt, so writes in progress
    finish (each is atomic), atexit handlers run (Prefect stops the server it started) and the exit is quick."""
    from nianbao.extractors.http import stop_requests

    def handler(signum, frame):
        stop_requests()
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def stopped(command: str, exc: KeyboardInterrupt) -> int:
    """Say in one line that ``command`` was stopped, and return its exit status (130 for SIGINT, 143 for
    SIGTERM, as shells report a process a signal ended)."""
    name = str(exc) if str(exc) in ("SIGTERM", "SIGINT") else "SIGINT"
    print(f"{command}: stopped by {name}; everything stored so far is kept, and the next run resumes from it",
          file=sys.stderr)
    return 143 if name == "SIGTERM" else 130
