"""Parsing runs in a process pool beside the crawling threads; a worker that dies costs no report."""

import os

import pytest

from nianbao.flows import parse_pool


@pytest.fixture
def two_workers(monkeypatch):
    parse_pool.shutdown()
    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "2")
    yield
    parse_pool.shutdown()


def pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def dies_in_a_worker(parent: int) -> str:
    if os.getpid() != parent:
        os._exit(9)  # a worker killed (out of memory, a crash in a C library)
    return "parsed here"


def test_work_runs_in_other_processes(two_workers):
    futures = [parse_pool.submit(pid_and_square, x) for x in range(6)]
    results = [parse_pool.result(f, pid_and_square, x) for x, f in enumerate(futures)]
    assert [sq for _, sq in results] == [x * x for x in range(6)]
    assert all(pid != os.getpid() for pid, _ in results)


def test_a_dead_worker_is_replaced_and_its_work_done_here(two_workers):
    future = parse_pool.submit(dies_in_a_worker, os.getpid())
    assert parse_pool.result(future, dies_in_a_worker, os.getpid()) == "parsed here"
    pid, sq = parse_pool.result(parse_pool.submit(pid_and_square, 3), pid_and_square, 3)  # a fresh pool serves
    assert sq == 9 and pid != os.getpid()


def test_workers_zero_parses_in_the_calling_thread(monkeypatch):
    parse_pool.shutdown()
    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "0")
    pid, sq = parse_pool.result(parse_pool.submit(pid_and_square, 4), pid_and_square, 4)
    assert (pid, sq) == (os.getpid(), 16)
