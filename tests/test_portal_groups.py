"""A run's tasks: one portal each in a small run; in a large one, groups in the order that lets the busiest
hosts run back to back, never two portals of one host side by side while other hosts have as many left."""

import random
from urllib.parse import urlsplit

import pytest

from nianbao.extractors.crawler import Portal
from nianbao.flows.nightly import GROUPS_PER_RUN, MAX_GROUP, portal_groups


def country(n: int, hosts: int, seed: int) -> list[Portal]:
    rnd = random.Random(seed)
    weights = [rnd.paretovariate(1.2) for _ in range(hosts)]  # a few hosts carry many portals, as real ones do
    return [Portal(f"p{i}", f"机构{i}", "620000", f"http://h{rnd.choices(range(hosts), weights)[0]}.gov.cn/p{i}/")
            for i in range(n)]


def host(p: Portal) -> str:
    return urlsplit(p.entry_url).netloc


def test_a_small_run_has_a_task_per_portal():
    portals = country(GROUPS_PER_RUN, 20, seed=1)
    groups = portal_groups(portals)
    assert [len(g) for g in groups] == [1] * len(portals)
    assert sorted(p.id for g in groups for p in g) == sorted(p.id for p in portals)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n,hosts", [(3000, 200), (700, 15), (20000, 3000)])
def test_a_large_run_groups_portals_busiest_hosts_first(n, hosts, seed):
    portals = country(n, hosts, seed)
    groups = portal_groups(portals)
    flat = [p for g in groups for p in g]
    assert sorted(p.id for p in flat) == sorted(p.id for p in portals)  # every portal once
    size = min(MAX_GROUP, -(-n // GROUPS_PER_RUN))  # about GROUPS_PER_RUN tasks, none over MAX_GROUP portals
    assert all(len(g) == size for g in groups[:-1]) and 0 < len(groups[-1]) <= size
    counts: dict[str, int] = {}
    for p in portals:
        counts[host(p)] = counts.get(host(p), 0) + 1
    busiest = max(counts.values())
    assert counts[host(flat[0])] == busiest  # the night ends when the busiest host is done: it starts first
    # level by level: a portal whose host has more portals left from it on goes first, so the busiest hosts
    # never wait; side by side two portals share a host only where no other host has as many left (at a level
    # of one host, or the busiest host's first in a level after its own alone)
    left = dict(counts)
    levels = []
    for p in flat:
        levels.append(left[host(p)])
        left[host(p)] -= 1
    assert levels == sorted(levels, reverse=True)
    hosts_at = {n: sum(1 for c in counts.values() if c >= n) for n in set(levels)}  # hosts with a portal there
    for i in range(1, len(flat)):
        if host(flat[i]) == host(flat[i - 1]):
            assert hosts_at[levels[i]] == 1 or hosts_at[levels[i - 1]] == 1


def test_a_portal_done_holds_no_memory(monkeypatch, tmp_path):
    """Each portal's session is closed when the portal is done, so nothing of it stays: an open connection
    pool kept the session, the portal's crawler and its archive alive to the end of the run, and a national
    night's memory grew with its sites."""
    import gc

    from nianbao.extractors.archive import Archive
    from nianbao.extractors.crawler import PortalCrawler
    from nianbao.extractors.directory import Directory, registry_rows
    from nianbao.extractors.http import PoliteSession
    from nianbao.flows.nightly import crawl_group
    from nianbao.sample_portal.farm import Farm
    from nianbao.store.report_log import decode

    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "0")

    def alive(kind) -> int:
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is kind)

    before = {k: alive(k) for k in (PoliteSession, PortalCrawler, Archive)}
    with Farm(provinces=1, prefectures=2, counties=1, townships=1, departments=1, hosts=3, seed=1, down=0,
              moved=0) as farm:
        walker = PoliteSession(delay=0.005)
        rows = [r for r in registry_rows(Directory(walker, farm.root).walk()) if r["enabled"] == "true"]
        walker.close()
        del walker
        portals = [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=0.005) for r in rows]
        outcomes = crawl_group(portals, str(tmp_path / "archive"), 0)
    assert len(outcomes) == len(portals) > 10 and sum(o.reports for o in outcomes) == farm.expected_reports()
    # each portal's reports leave its task encoded for the store's log: no parsed report is held to the group's end
    assert not any(o.parsed for o in outcomes)
    assert sum(len(decode(b, "batch").reports) for o in outcomes for b in o.batches) == farm.expected_reports()
    del outcomes
    assert {k: alive(k) for k in before} == before


def test_the_command_lines_tasks_in_flight_are_the_flows():
    """`nianbao crawl` and `backfill` default to the flows' own number of tasks in flight (the CLI keeps its
    own copy of the number so that it need not load Prefect to build its parser)."""
    from nianbao.cli import build_parser
    from nianbao.flows.nightly import DEFAULT_PARALLEL

    for command in (["crawl", "--out", "x"], ["backfill", "--out", "x"]):
        assert build_parser().parse_args(command).parallel == DEFAULT_PARALLEL == 32


def test_a_portal_whose_reports_cannot_be_encoded_fails_alone(monkeypatch, tmp_path):
    """Encoding a portal's reports for the store's log happens in its task: a failure there is that portal's
    (named in its error, nothing of it logged, so the next run parses its reports again); the group's other
    portals keep theirs."""
    import threading

    import nianbao.flows.pipeline as pipeline
    from nianbao.extractors.directory import Directory, registry_rows
    from nianbao.extractors.http import PoliteSession
    from nianbao.flows.nightly import crawl_group
    from nianbao.sample_portal.farm import Farm
    from nianbao.store.report_log import decode

    monkeypatch.setenv("NIANBAO_PARSE_WORKERS", "0")
    real, calls, lock = pipeline.log_batch, [], threading.Lock()

    def first_fails(parsed):
        with lock:
            calls.append(1)
            if len(calls) == 1:
                raise ValueError("no partition")
        return real(parsed)

    monkeypatch.setattr(pipeline, "log_batch", first_fails)
    with Farm(provinces=1, prefectures=2, counties=1, townships=1, departments=1, hosts=3, seed=1, down=0,
              moved=0) as farm:
        walker = PoliteSession(delay=0.005)
        rows = [r for r in registry_rows(Directory(walker, farm.root).walk()) if r["enabled"] == "true"]
        walker.close()
        portals = [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=0.005) for r in rows]
        outcomes = crawl_group(portals, str(tmp_path / "archive"), 0)
    failed = [o for o in outcomes if o.error]
    assert len(outcomes) == len(portals) and len(failed) == 1
    assert failed[0].error == "cannot encode its reports: ValueError: no partition"
    assert not failed[0].parsed and not failed[0].batches and not failed[0].logged
    kept = [o for o in outcomes if not o.error]
    assert sum(o.reports for o in kept) == sum(len(decode(b, "b").reports) for o in kept for b in o.batches) > 0
