"""The Parquet store: idempotent, upserting, atomic, shared safely, readable everywhere."""

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pyarrow.dataset as ds
import pytest

from nianbao.sample_portal.pages import Report, render
from nianbao.store.from_reports import write_reports
from nianbao.store.parquet_store import datasets_summary, verify
from nianbao.store.read import duckdb_connection, read_dataset
from nianbao.transforms.report import parse_report

ROOT = Path(__file__).resolve().parent.parent


def report(year, publisher="张掖市人民政府", seed=0):
    html = render(Report(year, publisher=publisher, seed=seed).fill())
    return parse_report(html.encode(), f"file:///{publisher}/{year}.html",
                        fetched_at=pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != ".lock"}


@pytest.fixture
def batch():
    return [report(2020, seed=1), report(2021, seed=2), report(2021, "张掖市教育局", seed=3),
            report(2022, "上海市人民政府", seed=4)]


def test_layout_and_rows(tmp_path, batch):
    write_reports(tmp_path, batch)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("applications/**/*.parquet"))
    assert files == ["applications/year=2020/region=620000/part-0.parquet",
                     "applications/year=2021/region=620000/part-0.parquet",
                     "applications/year=2022/region=310000/part-0.parquet"]
    df = read_dataset(tmp_path, "applications")
    assert len(df) == 23 * 7 + 3 * 25 * 7
    assert str(df["year"].dtype) == "int16" and df["region"].map(type).eq(str).all()
    rep = read_dataset(tmp_path, "reports").set_index("publisher")
    assert rep.loc["张掖市教育局", "publisher_kind"] == "department"
    assert rep.loc["上海市人民政府", "region"] == "310000"
    assert verify(tmp_path) == []


def test_rerun_is_byte_identical(tmp_path, batch):
    write_reports(tmp_path, batch)
    before = snapshot(tmp_path)
    stats = write_reports(tmp_path, batch)
    assert snapshot(tmp_path) == before
    assert all(s["written"] == 0 for s in stats.values())


def test_same_input_same_bytes_in_another_store(tmp_path, batch):
    write_reports(tmp_path / "a", batch)
    write_reports(tmp_path / "b", list(reversed(batch)))
    a = {k: v for k, v in snapshot(tmp_path / "a").items() if not k.endswith(".json")}
    b = {k: v for k, v in snapshot(tmp_path / "b").items() if not k.endswith(".json")}
    assert a == b


def test_upsert_replaces_one_report_and_leaves_the_others(tmp_path, batch):
    write_reports(tmp_path, batch)
    before = snapshot(tmp_path)
    changed = report(2021, "张掖市教育局", seed=99)  # the same report re-published with other values
    assert changed.report["report_id"] == batch[2].report["report_id"]
    write_reports(tmp_path, [changed])
    after = snapshot(tmp_path)
    touched = {k for k in after if before.get(k) != after[k]}
    assert touched and all("year=2021/region=620000" in k or k.endswith("_manifest.json") for k in touched)
    df = read_dataset(tmp_path, "applications")
    mine = df[df.report_id == changed.report["report_id"]]
    want = {(c["outcome"], c["applicant"]): c["value"] for c in changed.applications}
    assert {(r.outcome, r.applicant): r.value for r in mine.itertuples()} == want
    others = df[df.report_id != changed.report["report_id"]]
    assert len(others) == 23 * 7 + 2 * 25 * 7


def test_reupsert_drops_rows_the_new_parse_no_longer_has(tmp_path, batch):
    write_reports(tmp_path, batch)
    again = report(2020, seed=1)
    again.sections = []
    write_reports(tmp_path, [again])
    sec = read_dataset(tmp_path, "sections")
    assert again.report["report_id"] not in set(sec.report_id)


def test_readers_agree(tmp_path, batch):
    write_reports(tmp_path, batch)
    root = str(tmp_path)
    pdf = pd.read_parquet(root + "/applications", filters=[("year", "=", 2021)])
    padf = ds.dataset(root + "/applications", format="parquet", partitioning="hive").to_table(
        filter=ds.field("year") == 2021)
    ddf = duckdb.sql(f"SELECT * FROM read_parquet('{root}/applications/**/*.parquet', hive_partitioning = true) "
                     "WHERE year = 2021").df()
    pldf = pl.scan_parquet(root + "/applications/**/*.parquet", hive_partitioning=True).filter(
        pl.col("year") == 2021).collect()
    assert len(pdf) == padf.num_rows == len(ddf) == pldf.height == 2 * 25 * 7
    for frame in (pdf, ddf):
        assert frame["value"].dtype == "float64"
        assert frame["outcome"].map(type).eq(str).all()
    assert pldf.schema["value"] == pl.Float64 and pldf.schema["outcome"] == pl.String
    con = duckdb_connection(root)
    assert con.execute("SELECT count(*) FROM applications WHERE year = 2021").fetchone()[0] == 350
    assert con.execute("SELECT typeof(region) FROM reports LIMIT 1").fetchone()[0] == "VARCHAR"


WRITER = textwrap.dedent("""
    import sys
    sys.path[:0] = [{root!r}, {tests!r}]
    from test_store import report
    from nianbao.store.from_reports import write_reports
    seed = int(sys.argv[2])
    reps = [report(2021, f"张掖市第{{i}}局", seed=seed + i) for i in range(int(sys.argv[3]))]
    print("ready", flush=True)
    write_reports(sys.argv[1], reps)
""")


def _writer(tmp_path, store, seed, n):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT), tests=str(ROOT / "tests")))
    return subprocess.Popen([sys.executable, str(script), str(store), str(seed), str(n)], stdout=subprocess.PIPE,
                            text=True, cwd=ROOT)


def test_concurrent_writers_serialise(tmp_path):
    store = tmp_path / "store"
    procs = [_writer(tmp_path, store, seed, 6) for seed in (100, 200)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    rep = read_dataset(store, "reports")
    assert len(rep) == 6  # the same six publishers: both writers' reports kept, none duplicated
    assert verify(store) == []


def test_killed_writer_leaves_the_previous_partition_readable(tmp_path, batch):
    store = tmp_path / "store"
    write_reports(store, batch)
    before = snapshot(store)
    for delay in (0.0, 0.05, 0.15, 0.3):
        p = _writer(tmp_path, store, 500, 40)
        assert p.stdout.readline().strip() == "ready"
        time.sleep(delay)
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        # every data file readable, and each is either the old one or a complete new one
        df = read_dataset(store, "applications")
        assert set(batch_ids(batch)) <= set(df.report_id)
        for rel, digest in before.items():
            if rel.endswith(".parquet") and "year=2021/region=620000" not in rel:
                assert snapshot(store)[rel] == digest
    leftovers = [p for p in store.rglob("*.partial")]
    assert all(p.name.startswith(".tmp-") for p in leftovers)
    assert all(re.fullmatch(r"part-\d+\.parquet", p.name) for p in store.rglob("*.parquet"))
    write_reports(store, batch)  # the next writer repairs what the killed one left
    assert verify(store) == []


def batch_ids(batch):
    return [b.report["report_id"] for b in batch]


def test_verify_detects_tampering(tmp_path, batch):
    write_reports(tmp_path, batch)
    victim = next(tmp_path.glob("checks/year=2020/*/part-0.parquet"))
    victim.write_bytes(victim.read_bytes()[:-10])
    problems = verify(tmp_path)
    assert problems and "content differs" in problems[0]


def test_manifest_counts(tmp_path, batch):
    write_reports(tmp_path, batch)
    m = json.loads((tmp_path / "reviews_litigation/year=2021/region=620000/_manifest.json").read_text())
    assert m["schema_version"] == "2" and m["files"]["part-0.parquet"]["rows"] == 2 * 15
    assert m["files"]["part-0.parquet"]["reports"] == sorted(b.report["report_id"] for b in batch[1:3])
    summary = {s["dataset"]: s for s in datasets_summary(tmp_path)}
    assert (summary["reviews_litigation"]["rows"], summary["reviews_litigation"]["files"]) == (4 * 15, 3)


def test_parse_out_cli(tmp_path, fixtures_dir):
    r = subprocess.run([sys.executable, "-m", "nianbao", "parse", str(fixtures_dir / "real"),
                        str(fixtures_dir / "seeds"), "--out", str(tmp_path)], capture_output=True, text=True,
                       cwd=ROOT, timeout=120)
    assert r.returncode == 1  # the two partial fragments cannot be stored
    assert "stored 6 report(s)" in r.stdout
    assert len(r.stderr.strip().splitlines()) == 2
    df = read_dataset(tmp_path, "reports")
    assert sorted(df.year.tolist()) == [2010, 2013, 2018, 2019, 2020, 2025]
