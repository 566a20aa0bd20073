"""Parsing in a process pool sized to the cores, shared by every portal task of a run.

Crawling waits on the network and runs on threads (many portals in flight);
parsing is pure Python on the CPU, and threads would queue it behind one
interpreter lock. So portal threads hand their fetched pages here and wait
(a wait holds no CPU). Workers start with ``spawn`` (safe beside the threads
of a running flow, unlike fork) and import the parser once each.

``NIANBAO_PARSE_WORKERS=0`` parses in the calling thread (one-off runs, tests
that count on one process); the default is the number of cores.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

_POOL: ProcessPoolExecutor | None = None
_LOCK = threading.Lock()


def workers() -> int:
    raw = os.environ.get("NIANBAO_PARSE_WORKERS")
    if raw is not None and raw.strip().isdigit():
        return int(raw)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _pool() -> ProcessPoolExecutor | None:
    global _POOL
    if workers() <= 1 or multiprocessing.current_process().daemon:  # a daemon (a Dask worker) has no children
        return None
    with _LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(workers(), mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_ignore_interrupts)
            atexit.register(shutdown)
        return _POOL


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the run: it stops and shuts the pool down in order."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def shutdown() -> None:
    """Stop the workers and reap them (and the resource tracker spawn starts), so a stopped run leaves no
    process behind."""
    global _POOL
    with _LOCK:
        if _POOL is None:
            return
        pool, _POOL = _POOL, None
        pool.shutdown(wait=True, cancel_futures=True)
        del pool
        gc.collect()  # the pool's semaphores unregister now, while the tracker still runs
        from multiprocessing import resource_tracker

        stop = getattr(resource_tracker._resource_tracker, "_stop", None)
        if stop is not None:  # else it outlives us, and with no init to reap it lingers as a zombie
            stop()


def submit(fn, *args) -> Future:
    """Run ``fn(*args)`` in the pool (in this thread when the pool is off). ``fn`` and its arguments must
    pickle: a module-level function and plain data."""
    pool = _pool()
    if pool is not None:
        try:
            return pool.submit(fn, *args)
        except RuntimeError:  # BrokenProcessPool or shut down: start afresh next time
            shutdown()
    done: Future = Future()
    try:
        done.set_result(fn(*args))
    except Exception as exc:
        done.set_exception(exc)
    return done


def result(future: Future, fn, *args):
    """The future's result; when its worker died (killed, out of memory), the pool is replaced and the call
    run again here, so one crash costs no report."""
    try:
        return future.result()
    except BrokenProcessPool:
        shutdown()
        return fn(*args)
