"""Parsing runs in worker processes beside the crawling threads; each parse is bounded in time and memory,
and a parse that goes over, or whose worker dies, costs that one report and is never re-run in the caller."""

import os
import time

import pytest

from nianbao.flows import parse_pool
from nianbao.flows.parse_pool import ParseLimitError


@pytest.fixture
def two_workers(monkeypatch):
    parse_pool.shutdown()
    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "2")
    yield monkeypatch
    parse_pool.shutdown()


def pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def dies_in_a_worker(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(9)  # a worker killed (out of memory, a crash in a C library)
    return "parsed here"


def sleeps(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def grows(mb: int) -> int:
    chunks = []
    for _ in range(mb // 10):
        chunks.append(bytearray(10 * 1024 * 1024))  # touched pages: resident memory
        time.sleep(0.01)
    return len(chunks)


def raises() -> None:
    raise ValueError("a parser bug on one page")


def test_work_runs_in_other_processes(two_workers):
    futures = [parse_pool.submit(pid_and_square, x) for x in range(6)]
    results = [f.result() for f in futures]
    assert [sq for _, sq in results] == [x * x for x in range(6)]
    assert all(pid != os.getpid() for pid, _ in results)
    assert len({pid for pid, _ in results}) <= 2  # workers are reused, not one per parse


def test_a_dead_worker_costs_that_parse_only_and_is_never_rerun_here(two_workers):
    with pytest.raises(ParseLimitError, match="worker died"):
        parse_pool.submit(dies_in_a_worker, os.getpid()).result()
    pid, sq = parse_pool.submit(pid_and_square, 3).result()  # a fresh worker serves
    assert sq == 9 and pid != os.getpid()


def test_a_parse_over_its_deadline_is_killed_on_time(two_workers):
    two_workers.setenv("NIANBAO_PARSE_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(ParseLimitError, match="over 1 s"):
        parse_pool.submit(sleeps, 60).result()
    assert time.monotonic() - started < 10
    assert parse_pool.submit(sleeps, 0).result() == "done"


def test_a_parse_over_its_memory_cap_is_killed(two_workers):
    two_workers.setenv("NIANBAO_PARSE_MEMORY_MB", "300")
    with pytest.raises(ParseLimitError, match="MB"):
        parse_pool.submit(grows, 2000).result()
    assert parse_pool.submit(grows, 50).result() == 5  # under the cap: fine


def test_a_parser_exception_comes_back_as_itself(two_workers):
    with pytest.raises(ValueError, match="parser bug"):
        parse_pool.submit(raises).result()


def test_in_order_keeps_the_order_and_a_bounded_number_in_flight(two_workers):
    out = [f.result()[1] for _, f in parse_pool.in_order(pid_and_square, ((x,) for x in range(9)), ahead=3)]
    assert out == [x * x for x in range(9)]


def test_workers_zero_parses_in_the_calling_thread(monkeypatch):
    parse_pool.shutdown()
    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "0")
    assert parse_pool.submit(pid_and_square, 4).result() == (os.getpid(), 16)


def test_a_worker_that_dies_starting_or_a_stop_signal_is_a_limit_error_naming_it():
    from nianbao.extractors.http import STOP

    dead = parse_pool._Worker()
    dead.proc.kill()  # before it could import the parser
    with pytest.raises(ParseLimitError, match="died starting"):
        dead.call(pid_and_square, (3,))
    worker = parse_pool._Worker()
    try:
        assert worker.call(pid_and_square, (3,))[1] == 9
        STOP.set()
        with pytest.raises(ParseLimitError, match="stopped by a signal"):
            worker.call(sleeps, (30,))
        assert not worker.alive()
    finally:
        STOP.clear()
        worker.kill()
