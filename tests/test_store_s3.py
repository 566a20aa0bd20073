"""The store on an object store: s3:// against a local moto server started by the test."""

from test_store import report

from nianbao.store.from_reports import write_reports
from nianbao.store.parquet_store import datasets_summary, verify
from nianbao.store.read import read_dataset


def test_s3_round_trip(s3):
    batch = [report(2020, seed=1), report(2021, seed=2), report(2022, "上海市人民政府", seed=4)]
    stats = write_reports(s3, batch)
    assert stats["applications"]["written"] == 3
    apps = read_dataset(s3, "applications")
    assert len(apps) == 23 * 7 + 2 * 25 * 7
    assert set(apps["region"]) == {"620000", "310000"}
    assert verify(s3) == []
    again = write_reports(s3, batch)  # idempotent: nothing rewritten
    assert all(s["written"] == 0 for s in again.values())
    changed = report(2021, seed=99)
    write_reports(s3, [changed])
    apps = read_dataset(s3, "applications")
    mine = apps[apps.report_id == changed.report["report_id"]]
    assert {(r.outcome, r.applicant): r.value for r in mine.itertuples()} == \
        {(c["outcome"], c["applicant"]): c["value"] for c in changed.applications}
    assert {d["dataset"]: d["rows"] for d in datasets_summary(s3)}["reports"] == 3
