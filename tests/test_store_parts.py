"""A write costs its batch: new reports go into new part files, a changed report rewrites only the file
that holds it, compaction merges files without a reader ever seeing a row twice, and a compacted store is
byte-identical to one written in a single batch."""

import hashlib
import threading
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from nianbao.cli import main
from nianbao.sample_portal.pages import Report, render
from nianbao.store import parquet_store
from nianbao.store.from_reports import write_reports
from nianbao.store.fs import LocalStorage
from nianbao.store.parquet_store import compact, verify
from nianbao.store.read import read_dataset
from nianbao.transforms.report import parse_report

PARTITION = "applications/year=2020/region=620000"


def county(i: int, seed: int = 0):
    """A 2020 report of one of Gansu's counties (all land in the year=2020/region=620000 partition)."""
    names = ["永登县", "皋兰县", "榆中县", "永昌县", "靖远县", "会宁县", "景泰县", "清水县", "秦安县", "甘谷县",
             "武山县", "民勤县", "古浪县", "天祝藏族自治县", "肃南裕固族自治县", "民乐县", "临泽县", "高台县",
             "山丹县", "泾川县", "灵台县", "崇信县", "庄浪县", "静宁县"]
    html = render(Report(2020, publisher=f"{names[i]}人民政府", seed=seed or i + 1).fill())
    return parse_report(html.encode(), f"file:///{i}/2020.html",
                        fetched_at=pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())


def parts(root: Path, pdir: str = PARTITION) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((root / pdir).glob("*.parquet"))}


def test_new_reports_go_into_a_new_part_file_and_leave_the_old_ones_untouched(tmp_path):
    write_reports(tmp_path, [county(0), county(1)])
    before = parts(tmp_path)
    write_reports(tmp_path, [county(2)])
    after = parts(tmp_path)
    assert set(after) == {"part-0.parquet", "part-1.parquet"} and after["part-0.parquet"] == before["part-0.parquet"]
    df = read_dataset(tmp_path, "applications")
    assert df.report_id.nunique() == 3 and not df.duplicated(["report_id", "outcome", "applicant"]).any()
    assert verify(tmp_path) == []


def test_a_changed_report_rewrites_only_the_file_that_holds_it(tmp_path):
    write_reports(tmp_path, [county(0), county(1)])
    write_reports(tmp_path, [county(2)])
    before = parts(tmp_path)
    changed = county(0, seed=99)
    write_reports(tmp_path, [changed])
    after = parts(tmp_path)
    assert set(after) == set(before)  # replaced in place: no new file, never in two files
    assert after["part-0.parquet"] != before["part-0.parquet"] and after["part-1.parquet"] == before["part-1.parquet"]
    df = read_dataset(tmp_path, "applications")
    mine = df[df.report_id == changed.report["report_id"]]
    assert {(r.outcome, r.applicant): r.value for r in mine.itertuples()} == \
        {(c["outcome"], c["applicant"]): c["value"] for c in changed.applications}
    assert len(df) == 3 * 23 * 7 and verify(tmp_path) == []


def test_many_small_writes_are_compacted_and_compact_matches_a_single_batch_store(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_store, "MAX_FILES", 4)
    reports = [county(i) for i in range(24)]
    for r in reports:
        write_reports(tmp_path / "small", [r])
        assert len(parts(tmp_path / "small")) <= 5
    assert verify(tmp_path / "small") == []
    df = read_dataset(tmp_path / "small", "applications")
    assert df.report_id.nunique() == 24 and len(df) == 24 * 23 * 7

    write_reports(tmp_path / "one", reports)
    assert main(["store", "compact", "--root", str(tmp_path / "small")]) == 0
    for dataset in ("reports", "applications", "checks", "sections"):
        pdir = f"{dataset}/year=2020/region=620000"
        assert parts(tmp_path / "small", pdir) == parts(tmp_path / "one", pdir)  # same rows, same bytes
        assert list(parts(tmp_path / "small", pdir)) == ["part-0.parquet"]
    assert verify(tmp_path / "small") == []


def test_log_datasets_are_appended_as_part_files(tmp_path):
    import pyarrow as pa

    from nianbao.store.parquet_store import upsert
    from nianbao.store.schemas import SCHEMAS

    def rows(n, start):
        return pa.Table.from_pylist([{"portal_id": "p", "url": f"http://x/{start + i}", "kind": "report",
                                      "outcome": "fetched"} for i in range(n)], schema=SCHEMAS["fetch_log"])

    for start in (0, 10, 20):
        upsert(tmp_path, "fetch_log", {(2020, "620000"): rows(10, start)}, replace_ids={(2020, "620000"): ()})
    assert sorted(parts(tmp_path, "fetch_log/year=2020/region=620000")) == \
        ["part-0.parquet", "part-1.parquet", "part-2.parquet"]
    assert len(read_dataset(tmp_path, "fetch_log")) == 30


def test_readers_never_see_a_row_twice_or_miss_one_while_reports_change_and_partitions_compact(tmp_path,
                                                                                             monkeypatch):
    """Two variants of each of 12 reports are written over and over, in batches that force compactions; the
    readers (pyarrow through read_dataset, pandas, DuckDB, polars) always count each report's rows once."""
    monkeypatch.setattr(parquet_store, "MAX_FILES", 3)
    variants = [[county(i, seed=s) for i in range(12)] for s in (1, 2)]
    write_reports(tmp_path, variants[0])
    expected = len(read_dataset(tmp_path, "applications"))
    glob = str(tmp_path / "applications" / "**" / "*.parquet")
    con = duckdb.connect()
    readers = {
        "pyarrow": lambda: len(read_dataset(tmp_path, "applications")),
        "pandas": lambda: len(pd.read_parquet(tmp_path / "applications")),
        "duckdb": lambda: con.execute(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone()[0],
        "polars": lambda: pl.scan_parquet(glob, hive_partitioning=False).select(pl.len()).collect().item(),
    }
    seen: dict[str, list[int]] = {name: [] for name in readers}
    stop = threading.Event()

    def read_loop():
        while not stop.is_set():
            for name, count in readers.items():
                try:
                    seen[name].append(count())
                except (FileNotFoundError, OSError, duckdb.Error, pl.exceptions.ComputeError):
                    pass  # a file listed before a compaction and gone by the time it is opened: read again

    reader = threading.Thread(target=read_loop)
    reader.start()
    try:
        for round_ in range(6):
            for i in range(0, 12, 3):  # small batches: each adds or rewrites a file, some compact
                write_reports(tmp_path, variants[round_ % 2][i:i + 3])
            compact(tmp_path)
    finally:
        stop.set()
        reader.join()
    for name, counts in seen.items():
        assert counts and set(counts) == {expected}, (name, sorted(set(counts)))
    assert verify(tmp_path) == []


def test_a_compaction_cut_between_its_renames_is_finished_by_the_next_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(parquet_store, "MAX_FILES", 2)
    for i in range(3):
        write_reports(tmp_path, [county(i)])
    rows = len(read_dataset(tmp_path, "applications"))
    # the state two plain renames leave when killed between them: the live partition moved aside
    staged = tmp_path / parquet_store.STAGING / PARTITION
    staged.parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / PARTITION).rename(staged)
    assert not (tmp_path / PARTITION).exists()
    write_reports(tmp_path, [county(3)])
    assert len(read_dataset(tmp_path, "applications")) == rows + 23 * 7
    assert not (tmp_path / parquet_store.STAGING).exists() and verify(tmp_path) == []


def test_swap_dir_is_one_atomic_exchange_on_linux(tmp_path):
    store = LocalStorage(tmp_path)
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "old").write_text("old")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "fresh").write_text("new")
    atomic = store.swap_dir("new", "live")
    assert [p.name for p in (tmp_path / "live").iterdir()] == ["fresh"]
    assert [p.name for p in (tmp_path / "new").iterdir()] == ["old"]  # what was live, for the caller to delete
    if not atomic:
        pytest.skip("renameat2(RENAME_EXCHANGE) not available here: swapped with two renames")
