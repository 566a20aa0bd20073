"""Stopping a run on SIGINT or SIGTERM: at once, in order, and in one line (the CLI's runs and the demo)."""

from __future__ import annotations

import signal
import sys

RECEIVED: list[str] = []  # the signals that stopped this process, by name


def stop_on_signals() -> None:
    """SIGINT and SIGTERM: refuse new requests at once and unwind as a KeyboardInterrupt, so writes in progress
    finish (each is atomic), atexit handlers run (Prefect stops the server it started) and the exit is quick.
    The signal is recorded too: code that wraps a KeyboardInterrupt in its own exception (an import, a
    library's validator) still ends the run as stopped, not as a crash."""
    from nianbao.extractors.http import stop_requests

    def handler(signum, frame):
        RECEIVED.append(signal.Signals(signum).name)
        stop_requests()
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


def stopped(command: str, exc: BaseException) -> int:
    """Say in one line that ``command`` was stopped, and return its exit status (130 for SIGINT, 143 for
    SIGTERM, as shells report a process a signal ended). The rest of the exit is not interrupted again."""
    name = RECEIVED[0] if RECEIVED else str(exc) if str(exc) in ("SIGTERM", "SIGINT") else "SIGINT"
    for sig in (signal.SIGINT, signal.SIGTERM):  # the exit's own clean-up runs to its end
        signal.signal(sig, signal.SIG_IGN)
    print(f"{command}: stopped by {name}; everything stored so far is kept, and the next run resumes from it",
          file=sys.stderr)
    code = 143 if name == "SIGTERM" else 130
    if RECEIVED:
        _exit(code)
    return code


def _exit(code: int) -> None:
    """End a process a signal stopped with ``code``, after its exit handlers (Prefect stops its server, the
    parse workers stop). Python 3.11 ends a process with SIGINT itself, whatever status it returns, when a
    KeyboardInterrupt it handled passed through C code that ran Python source (seen during imports)."""
    import atexit
    import os

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
