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
