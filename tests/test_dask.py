"""Scale-out: the nightly flow's portal tasks on a Dask cluster (prefect-dask)."""

import pytest
from conftest import registry_file
from dask.distributed import LocalCluster
from prefect_dask import DaskTaskRunner

from nianbao.extractors.http import gate_file_name
from nianbao.flows.nightly import nightly
from nianbao.sample_portal.server import SamplePortal
from nianbao.sample_portal.site import expected_reports
from nianbao.store.parquet_store import verify
from nianbao.store.read import read_dataset


@pytest.fixture
def cluster():
    # Threads, not processes: a process cluster needs an `if __name__ == "__main__"` guard that pytest lacks.
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=False, dashboard_address=None) as c:
        yield c


def test_nightly_on_a_dask_cluster_into_an_object_store(harness, cluster, s3, tmp_path):
    with SamplePortal() as sp:
        reg = registry_file(sp, tmp_path / "portals.csv")
        flow = nightly.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))
        summary = flow(registry=str(reg), out=s3, since=0, archive=str(tmp_path / "archive"))
    assert (summary.portals_ok, summary.reports_new) == (4, len(expected_reports()))
    assert len(read_dataset(s3, "reports")) == len(expected_reports())
    assert verify(s3) == []
    shards = sorted(p.name for p in (tmp_path / "archive").iterdir())
    assert shards == ["_hosts", "ganzhou", "gaotai", "shandan", "zhangye"]  # one shard per portal, and the host gates
    host = sp.url.split("//", 1)[1]  # the netloc: its gate file is named from it
    assert [p.name for p in (tmp_path / "archive" / "_hosts").iterdir()] == [gate_file_name(host)]  # one gate for the host


def test_a_discovered_country_gives_the_same_store_on_threads_and_on_dask(harness, cluster, tmp_path):
    """The registry a directory walk found, crawled once on the flow's thread pool and once on a Dask cluster:
    the same reports, the same figures."""
    from nianbao.extractors.crawler import Portal
    from nianbao.extractors.directory import Directory, registry_rows
    from nianbao.extractors.http import PoliteSession
    from nianbao.sample_portal.farm import Farm

    with Farm(provinces=1, prefectures=2, counties=2, townships=1, departments=1, hosts=4, seed=6) as farm:
        rows = [r for r in registry_rows(Directory(PoliteSession(delay=0.005), farm.root).walk())
                if r["enabled"] == "true"]
        portals = [Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=0.005) for r in rows]
        threads = nightly(out=str(tmp_path / "threads"), since=0, portals=portals, report=False)
        on_dask = nightly.with_options(task_runner=DaskTaskRunner(address=cluster.scheduler_address))(
            out=str(tmp_path / "dask"), since=0, portals=portals, report=False)
    assert threads.reports_new == on_dask.reports_new == farm.expected_reports()

    def table(name: str, keys: list[str], out: str):
        df = read_dataset(tmp_path / out, name)
        return df[keys].sort_values(keys).reset_index(drop=True)

    for name, keys in (("reports", ["report_id", "publisher", "adcode", "year", "era", "checks_failed"]),
                       ("applications", ["report_id", "outcome", "applicant", "value"])):
        assert table(name, keys, "threads").equals(table(name, keys, "dask"))
