"""Parsing in worker processes, each parse bounded in time and memory, shared by every portal task of a run.

Crawling waits on the network and runs on threads (many portals in flight);
parsing is pure Python on the CPU, and threads would queue it behind one
interpreter lock. So portal threads hand their fetched pages here and wait
(a wait holds no CPU). Workers start with ``spawn`` (safe beside the threads
of a running flow, unlike fork) and import the parser once each.

Parsed bytes come from the network, so a parse is untrusted work: a PDF that
claims a million pages or inflates to gigabytes, a picture ruled into a
thousand cells. Each parse runs in a worker with a deadline
(``NIANBAO_PARSE_SECONDS``, default 300) and a memory cap
(``NIANBAO_PARSE_MEMORY_MB``, default 1024, the worker's resident memory,
watched as it runs; an address-space limit backs it up). A worker over
either is killed and replaced, and that one report fails with ParseLimitError:
it is never parsed again in the calling process, which holds the store and
every portal's state.

``NIANBAO_PARSE_WORKERS`` sets the number of workers (default: the cores);
``0`` parses in the calling thread, with no limits (tests, debugging). A
daemon process (a Dask worker) cannot have children, so it parses in its own
threads too.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
import threading
import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

POLL = 0.05  # seconds between checks of a running parse's time and memory


class ParseLimitError(RuntimeError):
    """A parse went over its time or memory limit, or its worker died; the worker was replaced."""


def workers() -> int:
    raw = os.environ.get("NIANBAO_PARSE_WORKERS")
    if raw is not None and raw.strip().isdigit():
        return int(raw)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def limits() -> tuple[float, int]:
    """(seconds, megabytes) a parse may take."""
    def number(name: str, default: float) -> float:
        try:
            value = float(os.environ.get(name, default))
        except ValueError:
            return default
        return value if value > 0 else default

    return number("NIANBAO_PARSE_SECONDS", 300.0), int(number("NIANBAO_PARSE_MEMORY_MB", 1024))


READY = "ready"
START_SECONDS = 120.0  # a worker that has not imported the parser by then is broken


def _serve(conn, memory_mb: int) -> None:
    """A worker: parse what arrives, send back (True, result) or (False, exception), until None arrives."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to handle: it stops us in order
    # a process started with SIGTERM ignored (some supervisors, test runners) passes that on through exec: the
    # worker would then outlive the terminate() multiprocessing sends its daemons at exit, and the exit would hang
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import nianbao.flows.pipeline  # noqa: F401  (the parser, imported once per worker)

    _limit_address_space(memory_mb)
    conn.send(READY)  # the parse deadline runs from here: starting a worker (imports) is not the parse's time
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        fn, args = job
        try:
            reply = (True, fn(*args))
        except BaseException as exc:  # noqa: BLE001 (every failure goes back to the caller, named)
            reply = (False, exc)
        try:
            conn.send(reply)
        except Exception as exc:  # a result or exception that does not pickle
            conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))
        if isinstance(reply[1], MemoryError):
            return  # the address-space limit was hit: a fresh worker is cleaner than this one


def _limit_address_space(memory_mb: int) -> None:
    """A backstop under the resident-memory watch: the worker's address space may grow by twice the cap over
    what the parser's imports take, so one huge allocation fails at once instead of swapping."""
    import resource

    try:
        with open("/proc/self/status") as fh:
            size_kb = next(int(line.split()[1]) for line in fh if line.startswith("VmSize:"))
        limit = size_kb * 1024 + 2 * memory_mb * 1024 * 1024 + 1024 ** 3  # + 1 GB: OCR's model arenas
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (OSError, ValueError, StopIteration):
        pass  # not Linux: the resident-memory watch still holds


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmRSS:")) / 1024
    except (OSError, ValueError, StopIteration):
        return 0.0


class _Worker:
    def __init__(self):
        ctx = multiprocessing.get_context("spawn")
        self.seconds, self.memory_mb = limits()
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.memory_mb), daemon=True)
        self.proc.start()
        child.close()
        self.ready = False

    def _wait(self, limit) -> None:
        """Until the worker answers or dies. Each POLL, ``limit()`` may name why to wait no longer (as may a stop
        signal): then the worker is killed and ParseLimitError raised with that reason."""
        from nianbao.extractors.http import STOP

        while not self.conn.poll(POLL) and self.proc.is_alive():
            why = "the run was stopped by a signal" if STOP.is_set() else limit()
            if why:
                self.kill()
                raise ParseLimitError(why)

    def _wait_ready(self) -> None:
        """Until the worker has imported the parser (seconds on a loaded machine), bounded by START_SECONDS."""
        cutoff = time.monotonic() + START_SECONDS
        self._wait(lambda: f"the parse's worker did not start within {START_SECONDS:g} s"
                   if time.monotonic() > cutoff else None)
        try:
            first = self.conn.recv() if self.conn.poll() else None
        except (EOFError, OSError):  # (a dead worker's pipe polls as readable)
            first = None
        if first != READY:
            self.kill()
            raise ParseLimitError("the parse's worker died starting" if first is None else
                                  "the parse's worker answered before it was ready")
        self.ready = True

    def call(self, fn, args):
        """fn(*args) in this worker, within the limits; ParseLimitError (and the worker killed) beyond them."""
        if not self.ready:
            self._wait_ready()
        self.conn.send((fn, args))
        cutoff = time.monotonic() + self.seconds

        def over() -> str | None:
            if time.monotonic() > cutoff:
                why = f"the parse took over {self.seconds:g} s"
            elif (rss := _rss_mb(self.proc.pid)) > self.memory_mb:
                why = f"the parse used {rss:.0f} MB, over {self.memory_mb} MB"
            else:
                return None
            return f"{why}; it was stopped (NIANBAO_PARSE_SECONDS, NIANBAO_PARSE_MEMORY_MB)"

        self._wait(over)
        try:
            ok, value = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise ParseLimitError(f"the parse's worker died (exit code {self.proc.exitcode}); it was replaced") \
                from None
        if ok:
            return value
        if isinstance(value, MemoryError):
            self.kill()
            raise ParseLimitError(f"the parse ran out of memory (over {self.memory_mb} MB); it was stopped")
        raise value

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.proc.join(2)
        except (OSError, ValueError):
            pass
        self.kill()


_LOCK = threading.Lock()
_IDLE: list[_Worker] = []
_BUSY: set[_Worker] = set()
_THREADS: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor | None:
    """The threads that drive the workers (one per worker), or None when parses run in the calling thread."""
    global _THREADS
    if workers() == 0 or multiprocessing.current_process().daemon:
        return None
    with _LOCK:
        if _THREADS is None:
            _THREADS = ThreadPoolExecutor(workers(), thread_name_prefix="nianbao-parse")
            atexit.register(shutdown)
        return _THREADS


def _in_worker(fn, args):
    with _LOCK:
        worker = _IDLE.pop() if _IDLE else None
    if worker is None or not worker.alive():
        worker = _Worker()
    with _LOCK:
        _BUSY.add(worker)
    try:
        value = worker.call(fn, args)
    finally:
        with _LOCK:
            _BUSY.discard(worker)
            keep = worker.alive() and _THREADS is not None
            if keep:
                _IDLE.append(worker)
        if not keep:
            worker.stop()
    return value


def submit(fn, *args) -> Future:
    """Run ``fn(*args)`` in a worker within the parse limits (in this thread when workers are off). ``fn``
    and its arguments must pickle: a module-level function and plain data. The future raises what ``fn``
    raised, or ParseLimitError."""
    threads = _executor()
    if threads is not None:
        try:
            return threads.submit(_in_worker, fn, args)
        except RuntimeError:  # shut down meanwhile: parse here
            pass
    done: Future = Future()
    try:
        done.set_result(fn(*args))
    except Exception as exc:
        done.set_exception(exc)
    return done


def in_order(fn, jobs, ahead: int | None = None):
    """(job, future) for ``fn(*job)`` over ``jobs``, in order, with at most ``ahead`` parses in flight (so
    memory stays flat however many jobs there are, and every worker stays busy)."""
    ahead = ahead or max(1, workers()) * 2
    pending: deque = deque()
    for job in jobs:
        pending.append((job, submit(fn, *job)))
        if len(pending) >= ahead:
            yield pending.popleft()
    while pending:
        yield pending.popleft()


def shutdown() -> None:
    """Stop the workers and reap them, so a stopped run leaves no process behind."""
    global _THREADS
    with _LOCK:
        threads, _THREADS = _THREADS, None
        idle, _IDLE[:] = list(_IDLE), []
        busy = list(_BUSY)
    for worker in busy:  # a parse still running when the run stops is cut short
        worker.kill()
    if threads is not None:
        threads.shutdown(wait=True, cancel_futures=True)
    for worker in idle:
        worker.stop()
    if threads is not None or idle or busy:
        from multiprocessing import resource_tracker

        tracker = resource_tracker._resource_tracker
        if getattr(tracker, "_pid", None) is not None and hasattr(tracker, "_stop"):
            tracker._stop()  # spawn started it; with no init to reap it, it would linger as a zombie
