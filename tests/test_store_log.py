"""The store's write-ahead log: logged batches are durable but unseen until a fold, a fold writes them all in
one upsert (the last batch of a report wins), a crash anywhere folds them again without changing anything,
and a store built through the log is byte-identical to one written directly."""

import hashlib

import pytest

from nianbao.store import report_log
from nianbao.store.from_reports import BatchWriter, log_reports, write_reports
from nianbao.store.fs import LocalStorage
from nianbao.store.parquet_store import compact, verify
from nianbao.store.read import read_dataset
from tests.test_store_parts import county


def values(root, rid: str) -> dict:
    df = read_dataset(root, "applications")
    return {(r.outcome, r.applicant): r.value for r in df[df.report_id == rid].itertuples()}


def expected(parsed) -> dict:
    return {(c["outcome"], c["applicant"]): c["value"] for c in parsed.applications}


def tree(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.parquet"))}


def test_logged_reports_are_durable_but_unseen_until_the_fold(tmp_path):
    write_reports(tmp_path, [county(0)])
    log_reports(tmp_path, [county(1), county(2)])
    log_reports(tmp_path, [county(3)])
    assert report_log.logged(tmp_path) == 2
    assert read_dataset(tmp_path, "reports").report_id.nunique() == 1  # readers see only folded reports
    stats = report_log.fold(tmp_path)
    assert report_log.logged(tmp_path) == 0 and stats["applications"]["written"] == 1  # 3 reports: one new file
    df = read_dataset(tmp_path, "applications")
    assert df.report_id.nunique() == 4 and len(df) == 4 * 23 * 7
    assert values(tmp_path, county(2).report["report_id"]) == expected(county(2))
    assert verify(tmp_path) == []


def test_the_last_logged_version_of_a_report_wins(tmp_path):
    old, new, newest = county(0), county(0, seed=50), county(0, seed=99)
    rid = old.report["report_id"]
    assert new.report["report_id"] == rid and expected(old) != expected(newest)
    log_reports(tmp_path, [old, county(1)])
    log_reports(tmp_path, [new])
    log_reports(tmp_path, [newest])
    report_log.fold(tmp_path)
    assert values(tmp_path, rid) == expected(newest)
    assert read_dataset(tmp_path, "reports").report_id.nunique() == 2


def test_batches_encoded_elsewhere_are_logged_in_one_write_in_their_order(tmp_path, monkeypatch):
    """A night's portal tasks encode their reports; the flow logs a group's batches in one write (one sync),
    numbered in the order given, so the later version of a report wins the fold as it would one by one."""
    from nianbao.store.from_reports import log_batch

    old, new = county(0), county(0, seed=50)
    log_reports(tmp_path, [county(1)])
    writes = []
    real = LocalStorage.write_many
    monkeypatch.setattr(LocalStorage, "write_many", lambda self, files: (writes.append(list(files)), real(self, files)))
    report_log.append_encoded(tmp_path, [report_log.encode(log_batch(b)) for b in ([old, county(2)], [new])])
    report_log.append_encoded(tmp_path, [])  # nothing to log: no write
    assert writes == [["_log/000000000002.batch", "_log/000000000003.batch", "_log/last"]]
    report_log.fold(tmp_path)
    assert values(tmp_path, old.report["report_id"]) == expected(new)
    assert read_dataset(tmp_path, "reports").report_id.nunique() == 3


def test_a_batch_sorts_after_every_batch_logged_before_it_whatever_crashed_between(tmp_path, monkeypatch):
    """An append reads the newest number from _log/last instead of listing the log; when last is behind (a
    crash between the batch's rename and its own) or missing (an older nianbao's log), the log is listed.
    Whatever the case, the newest version of a report wins the fold."""
    rid = county(0).report["report_id"]
    log_reports(tmp_path, [county(0, seed=10)])
    log_reports(tmp_path, [county(0, seed=20)])
    last = tmp_path / "_log" / "last"
    assert last.read_text() == "2" and report_log.logged(tmp_path) == 2
    last.write_text("1")  # the crash: batch 2 renamed, last still names batch 1
    log_reports(tmp_path, [county(0, seed=30)])
    last.unlink()  # a log written before last existed
    log_reports(tmp_path, [county(0, seed=40)])
    names = sorted(p.name for p in (tmp_path / "_log").glob("*.batch"))
    assert names == [f"{n:012d}.batch" for n in (1, 2, 3, 4)] and last.read_text() == "4"
    listed = []
    monkeypatch.setattr(report_log, "_names", lambda store: listed.append(1) or [])
    log_reports(tmp_path, [county(0, seed=50)])
    assert not listed and last.read_text() == "5"  # the log is not listed when last is right
    monkeypatch.undo()
    report_log.fold(tmp_path)
    assert values(tmp_path, rid) == expected(county(0, seed=50)) and not (tmp_path / "_log").exists()
    log_reports(tmp_path, [county(0, seed=60)])  # an empty log starts again at 1
    assert (tmp_path / "_log" / "000000000001.batch").exists()


def test_a_direct_write_folds_what_a_killed_run_logged_first(tmp_path):
    """Logged v2 then killed; a later direct write of v3 must win, and the other logged report is kept."""
    rid = county(0).report["report_id"]
    write_reports(tmp_path, [county(0)])
    log_reports(tmp_path, [county(0, seed=50), county(1)])  # the run dies here: never folded
    write_reports(tmp_path, [county(0, seed=99)])
    assert values(tmp_path, rid) == expected(county(0, seed=99))
    assert read_dataset(tmp_path, "reports").report_id.nunique() == 2 and report_log.logged(tmp_path) == 0


def test_a_fold_cut_before_the_log_is_emptied_folds_again_to_the_same_store(tmp_path, monkeypatch):
    log_reports(tmp_path, [county(0), county(1)])
    monkeypatch.setattr(LocalStorage, "remove", lambda self, rel: (_ for _ in ()).throw(OSError("power cut")))
    with pytest.raises(OSError):
        report_log.fold(tmp_path)
    monkeypatch.undo()
    before = tree(tmp_path)
    assert report_log.logged(tmp_path) == 1
    stats = report_log.fold(tmp_path)  # the same batch again: every report unchanged, no file rewritten
    assert sum(s["written"] for s in stats.values()) == 0 and stats["applications"]["unchanged"] == 1  # files
    assert tree(tmp_path) == before and report_log.logged(tmp_path) == 0 and verify(tmp_path) == []


def test_an_unreadable_log_batch_is_named_set_aside_whole_and_stops_no_write(tmp_path, capsys):
    write_reports(tmp_path, [county(0)])
    log_reports(tmp_path, [county(1)])
    (bad,) = (tmp_path / "_log").glob("*.batch")
    bad.write_bytes(b'{"version": 1, "datasets": ["reports"]}\ngarbage')
    write_reports(tmp_path, [county(2)])
    assert f"{bad.name}: unreadable store log batch" in capsys.readouterr().err
    assert (tmp_path / report_log.UNREADABLE_DIR / bad.name).read_bytes().endswith(b"garbage")
    assert read_dataset(tmp_path, "reports").report_id.nunique() == 2  # county 0 and 2; 1 comes back by reprocess


def test_batch_writer_logs_and_folds_in_groups_and_matches_a_direct_write(tmp_path):
    reports = [county(i) for i in range(12)]
    writer = BatchWriter(tmp_path / "logged", log_size=2, fold_size=5)
    seen = []
    for r in reports:
        writer.add(r)
        seen.append(read_dataset(tmp_path / "logged", "reports").report_id.nunique()
                    if (tmp_path / "logged" / "reports").exists() else 0)
    assert seen == [0, 0, 0, 0, 0, 6, 6, 6, 6, 6, 6, 12]  # folded after the 6th and the 12th report
    writer.flush()
    assert writer.stored == 12 and report_log.logged(tmp_path / "logged") == 0
    write_reports(tmp_path / "direct", reports)
    compact(tmp_path / "logged")
    compact(tmp_path / "direct")
    assert tree(tmp_path / "logged") == tree(tmp_path / "direct")


def test_a_report_that_cannot_name_its_partition_is_refused_before_anything_is_logged(tmp_path):
    from nianbao.store.from_reports import UnstorableReport

    bad = county(1)
    bad.report["year"] = None
    with pytest.raises(UnstorableReport, match="year is unknown"):
        log_reports(tmp_path, [county(0), bad])
    assert report_log.logged(tmp_path) == 0


def test_store_verify_names_a_waiting_log_and_compact_folds_it_in(tmp_path, capsys):
    from nianbao.cli import main

    write_reports(tmp_path, [county(0)])
    log_reports(tmp_path, [county(1), county(2)])  # a killed run's
    assert main(["store", "verify", "--root", str(tmp_path)]) == 0
    assert "1 logged batch(es) not yet folded" in capsys.readouterr().out
    assert main(["store", "compact", "--root", str(tmp_path)]) == 0
    assert "1 logged batch(es) folded in" in capsys.readouterr().out
    assert report_log.logged(tmp_path) == 0 and read_dataset(tmp_path, "reports").report_id.nunique() == 3
    assert [p.name for p in (tmp_path / "applications" / "year=2020" / "region=620000").glob("*.parquet")] == \
        ["part-0.parquet"]


def test_a_fold_of_many_batches_writes_the_bytes_an_unsorted_direct_upsert_writes(tmp_path):
    """A fold hands the upsert rows already in part-file order (one sort over all batches), so their files
    skip the sort: they must be the bytes of the same rows upserted in reverse order, sorted file by file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from nianbao.store.from_reports import columns_of, partition_of
    from nianbao.store.parquet_store import upsert
    from nianbao.store.schemas import REPORT_DATASETS

    def moved(p, year: int, tag: str = ""):
        rep = dict(p.report, year=year, report_id=f"{p.report['report_id']}-{year}{tag}")
        return type(p)(rep, *(getattr(p, f) for f in type(p).__dataclass_fields__ if f != "report"))

    final = [moved(county(i), 2018 + i % 3) for i in range(9)]
    stale = moved(county(4, seed=77), 2018 + 4 % 3)  # logged first, replaced by final[4] in a later batch
    assert stale.report["report_id"] == final[4].report["report_id"] and expected(stale) != expected(final[4])
    log_reports(tmp_path / "fold", [final[8], stale, final[0]])
    log_reports(tmp_path / "fold", final[5:8][::-1])
    log_reports(tmp_path / "fold", final[1:5])
    report_log.fold(tmp_path / "fold")

    by_part: dict = {}
    for p in reversed(final):
        by_part.setdefault(partition_of(p.report), []).append(p.report["report_id"])
    for dataset in REPORT_DATASETS:
        rows = columns_of(final[::-1], dataset)
        upsert(tmp_path / "direct", dataset, {part: rows.filter(pc.is_in(rows.column("report_id"), pa.array(ids)))
                                              for part, ids in by_part.items()})
    assert len(by_part) == 3 and len(tree(tmp_path / "fold")) >= 3 * 4
    assert tree(tmp_path / "fold") == tree(tmp_path / "direct")
    assert values(tmp_path / "fold", final[4].report["report_id"]) == expected(final[4])
