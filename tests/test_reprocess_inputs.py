"""Reprocess reads only what nianbao wrote: a server's headers never steer it, an edited archive index costs the
edited row (named), never a read outside the archive."""

import sqlite3
from datetime import UTC, datetime

import pytest
from conftest import FIXTURES

from nianbao.cli import main
from nianbao.extractors.archive import Archive, ArchiveError
from nianbao.extractors.http import Response
from nianbao.flows.reprocess import reprocess
from nianbao.store.keys import InvalidKey, check_portal_id
from nianbao.store.read import read_dataset

PAGE = FIXTURES / "real" / "pingtan_2025.html"
URL = "http://www.pingtan.gov.cn/ndbg/2025.html"


def crawled_store(tmp_path, headers: dict):
    """A store holding one crawled report whose server sent ``headers``, as a crawl archives it."""
    out = tmp_path / "store"
    archive = Archive(out / "_archive" / "pingtan")
    archive.record(Response(URL, URL, "ok", 200, {"content-type": "text/html; charset=utf-8", **headers},
                            PAGE.read_bytes(), datetime(2026, 1, 5, tzinfo=UTC)), "pingtan", "report")
    archive.close()
    assert reprocess(str(out))["reports"] == 1
    return out


@pytest.mark.parametrize("sent", [
    '{"publisher": "某某伪造机构", "adcode": "110000", "year": 2009}',
    '{"max_pages": 1000000}',
    "{not json",
    '["publisher"]',
])
def test_a_server_header_named_like_parse_options_never_steers_reprocess(tmp_path, sent):
    out = crawled_store(tmp_path, {"x-nianbao-options": sent})
    report = read_dataset(out, "reports").iloc[0]
    assert report.publisher == "平潭综合实验区管委会" and report.year == 2025 and report.adcode == "350128"
    again = reprocess(str(out))  # and every later reprocess still runs
    assert (again["reports"], again["failed"]) == (1, 0)


def test_parse_options_live_in_the_archive_and_are_used_again(tmp_path):
    out = tmp_path / "store"
    assert main(["parse", str(PAGE), "--out", str(out), "--publisher", "平潭综合实验区财政金融局",
                 "--adcode", "350128"]) == 0
    archive = Archive(out / "_archive" / "local")
    (doc,) = archive.documents("report")
    assert archive.parse_options(doc.url) == {"publisher": "平潭综合实验区财政金融局", "adcode": "350128"}
    assert "x-nianbao-options" not in archive.latest_headers(doc.url)
    archive.close()
    assert reprocess(str(out))["reports"] == 1
    assert read_dataset(out, "reports").publisher.tolist() == ["平潭综合实验区财政金融局"]


@pytest.mark.parametrize("column, value", [
    ("sha256", "../../../../etc/passwd"),
    ("first_fetched_at", "yesterday"),
])
def test_an_edited_archive_row_costs_that_report_and_reads_nothing_outside_the_archive(tmp_path, column, value):
    out = crawled_store(tmp_path, {})
    db = sqlite3.connect(out / "_archive" / "pingtan" / "index.sqlite")
    with db:
        db.execute(f"UPDATE documents SET {column}=?", (value,))
    db.close()
    before = read_dataset(out, "reports")
    result = reprocess(str(out), allow_empty=True)
    assert result["failed"] == 1 and result["kept"] == 1
    assert read_dataset(out, "reports").report_id.tolist() == before.report_id.tolist()


def test_edited_parse_options_are_refused_by_name(tmp_path):
    archive = Archive(tmp_path / "a")
    with pytest.raises(ArchiveError, match="max_pages"):
        archive.set_parse_options("file:///x.html", {"max_pages": 10**6})
    with archive._db:
        archive._db.execute("INSERT INTO parse_options VALUES ('u', '{\"publisher\": 5}')")
    with pytest.raises(ArchiveError, match="index.sqlite: the parse options of u"):
        archive.parse_options("u")
    with pytest.raises(ArchiveError, match="not a sha256"):
        archive.body("../../etc/passwd")


def test_the_local_shard_id_is_reserved():
    with pytest.raises(InvalidKey, match="reserved"):
        check_portal_id("local")


def test_a_damaged_archive_index_is_one_line(tmp_path, capsys):
    out = tmp_path / "store"
    assert main(["parse", str(PAGE), "--out", str(out)]) == 0
    (out / "_archive" / "local" / "index.sqlite").write_bytes(b"this is not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        (out / "_archive" / "local" / f"index.sqlite{suffix}").unlink(missing_ok=True)
    capsys.readouterr()
    assert main(["reprocess", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "archive index" in err and "Traceback" not in err


def test_a_killed_writers_temporary_bodies_are_cleaned_and_a_failed_write_leaves_none(tmp_path, monkeypatch):
    import os
    import time

    archive = Archive(tmp_path / "a")
    stale = tmp_path / "a" / "objects" / "ab" / ".tmp-killed"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"half a body")
    fresh = stale.with_name(".tmp-being-written")
    fresh.write_bytes(b"being written now")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    archive.close()
    Archive(tmp_path / "a").close()
    assert not stale.exists() and fresh.exists()

    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    archive = Archive(tmp_path / "b")
    with pytest.raises(OSError):
        archive.put_body(b"a report")
    assert not [p for p in (tmp_path / "b" / "objects").rglob("*") if p.is_file()]


def test_a_password_in_a_url_is_never_printed(tmp_path, capsys):
    url = "http://reader:hunter2secret@127.0.0.1:9/report.html"
    assert main(["parse", url]) == 2
    assert main(["parse", url, "--out", str(tmp_path / "s")]) == 1
    err = capsys.readouterr().err
    assert "hunter2secret" not in err and "127.0.0.1:9/report.html" in err
