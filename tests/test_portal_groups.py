"""A run's tasks: one portal each in a small run; in a large one, groups that start with the busiest hosts
and never put two portals of one host side by side while other hosts have some left."""

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
    # round by round: the r-th portal of every host comes before any host's (r+1)-th, so side by side two
    # portals share a host only once every other host has run out
    seen: dict[str, int] = {}
    rounds = []
    for p in flat:
        seen[host(p)] = seen.get(host(p), 0) + 1
        rounds.append(seen[host(p)])
    assert rounds == sorted(rounds)
    hosts_with = {r: sum(1 for c in counts.values() if c >= r) for r in set(rounds)}  # hosts in round r
    for i in range(1, len(flat)):
        if host(flat[i]) == host(flat[i - 1]):
            assert hosts_with[rounds[i]] == 1
