"""Nothing stored is lost: reprocess keeps what it cannot rebuild, crashes are repaired, bad stores and keys
are one-line errors."""

import errno
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import pytest
from conftest import FIXTURES

from nianbao.cli import main
from nianbao.flows.reprocess import ReprocessError, reprocess
from nianbao.store import parquet_store
from nianbao.store.keys import InvalidKey
from nianbao.store.parquet_store import partition_dir, verify
from nianbao.store.read import read_dataset

REAL = FIXTURES / "real"
PAGES = [REAL / "sh_bgt_2019.html", REAL / "pingtan_2025.html", REAL / "pingtan_2018.html"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "nianbao", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def snapshot(root) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".lock" and "_archive" not in p.parts}


def rows(root) -> dict[str, int]:
    return {name: len(read_dataset(root, name)) for name in ("reports", "applications", "checks", "sections")}


@pytest.fixture
def store(tmp_path):
    out = tmp_path / "store"
    assert main(["parse", *map(str, PAGES), "--out", str(out)]) == 0
    return out


def test_parse_out_archives_its_bytes_and_reprocess_rebuilds_them(store):
    before = rows(store)
    result = reprocess(str(store))
    assert (result["reports"], result["kept"], result["failed"]) == (3, 0, 0)
    assert rows(store) == before and verify(store) == []


def test_reprocess_without_an_archive_is_an_error_and_keeps_everything(store, tmp_path):
    import shutil

    shutil.rmtree(store / "_archive")
    before = snapshot(store)
    r = cli("reprocess", "--out", store)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "--allow-empty" in r.stderr, r.stderr
    r = cli("reprocess", "--out", store, "--archive", tmp_path / "no-such-dir")
    assert r.returncode == 2 and "no-such-dir" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(store) == before
    with pytest.raises(ReprocessError):
        reprocess(str(store))
    result = reprocess(str(store), allow_empty=True)  # allowed: every stored report kept as it is
    assert result["reports"] == 0 and rows(store)["reports"] == 3


def test_reprocess_keeps_reports_whose_bytes_are_not_archived(store, tmp_path):
    extra = tmp_path / "other-archive"
    assert main(["parse", str(REAL / "pingtan_dishui_2013.txt"), "--out", str(store), "--archive", str(extra),
                 "--publisher", "平潭综合实验区地方税务局", "--adcode", "350128"]) == 0
    before = rows(store)
    kept_id = read_dataset(store, "reports").query("year == 2013").report_id.item()
    result = reprocess(str(store))
    assert (result["reports"], result["kept"]) == (3, 1)
    assert rows(store) == before
    assert kept_id in set(read_dataset(store, "legacy_metrics").report_id)
    # and from the other archive, the options given at parse time (--publisher, --adcode) are used again
    result = reprocess(str(store), archive=str(extra))
    assert (result["reports"], result["kept"]) == (1, 3) and rows(store) == before


def test_a_crash_before_the_manifest_is_written_is_repaired_by_the_next_writer(store, monkeypatch):
    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed between the part file's rename and the manifest's write")

    monkeypatch.setattr(parquet_store, "_manifest_bytes", killed)
    assert main(["parse", str(REAL / "pingtan_2025.html"), "--out", str(store), "--year", "2024"]) == 130
    monkeypatch.undo()
    assert verify(store)  # drifted
    assert main(["parse", str(REAL / "pingtan_2018.html"), "--out", str(store)]) == 0  # the next writer
    assert verify(store) == []


def test_store_verify_repair_rebuilds_manifests(store, capsys):
    m = next(store.glob("applications/year=2019/*/_manifest.json"))
    manifest = json.loads(m.read_text())
    manifest["files"]["part-0.parquet"]["rows"] += 1
    m.write_text(json.dumps(manifest))
    next(store.glob("checks/year=2019/*/_manifest.json")).write_text("{not json")
    assert main(["store", "verify", "--root", str(store)]) == 1
    assert main(["store", "verify", "--root", str(store), "--repair"]) == 0
    out = capsys.readouterr().out
    assert "repaired applications/year=2019/region=310000/_manifest.json: updated" in out
    assert "repaired checks/year=2019/region=310000/_manifest.json: rebuilt (unreadable)" in out
    assert verify(store) == []


def test_a_corrupt_part_file_is_one_line_naming_it(store, capsys, tmp_path):
    victim = next(store.glob("applications/year=2019/*/part-0.parquet"))
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    before = snapshot(store)
    # a new report goes into a new part file and need not read the damaged one ...
    assert main(["parse", str(REAL / "sh_bgt_2019.html"), "--out", str(tmp_path / "other")]) == 0
    # ... but a write that replaces rows of the damaged file stops before changing anything
    assert main(["parse", str(REAL / "sh_bgt_2019.html"), "--out", str(store)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(victim) in err and "reprocess" in err
    assert snapshot(store) == before


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EACCES])
def test_a_full_disk_or_read_only_store_is_one_line_and_changes_nothing(store, monkeypatch, capsys, error):
    before = snapshot(store)
    real_fsync = os.fsync

    def failing(fd):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "fsync", failing)
    code = main(["parse", str(REAL / "pingtan_2025.html"), "--out", str(store), "--year", "2023"])
    monkeypatch.setattr(os, "fsync", real_fsync)
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "cannot write" in err and str(store) in err
    assert snapshot(store) == before
    assert not list(store.rglob("*.partial"))


def test_read_only_directory_is_one_line(store, monkeypatch, capsys):
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)
    before = snapshot(store)
    assert main(["parse", str(REAL / "pingtan_2025.html"), "--out", str(store), "--year", "2022"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "make the store writable" in err
    assert snapshot(store) == before


@pytest.mark.parametrize("args,needle", [
    (["--year", "99999"], "99999"), (["--year", "2007"], "2007"), (["--adcode", "٣١٠٠٠٠"], "6-digit"),
    (["--adcode", "３１００００"], "6-digit"), (["--adcode", "31000"], "6-digit"),
])
def test_bad_years_and_adcodes_are_refused_at_the_command_line(tmp_path, args, needle):
    r = cli("parse", REAL / "sh_bgt_2019.html", "--out", tmp_path / "s", *args)
    assert r.returncode == 2 and needle in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "s" / "reports").exists()


def test_partition_keys_are_checked_where_they_are_written():
    for year, region in ((99999, "310000"), (2019, "31000"), (2019, "../../x"), ("２０１９", "310000")):
        with pytest.raises(InvalidKey):
            partition_dir("reports", year, region)
    assert partition_dir("reports", 2019, None) == "reports/year=2019/region=000000"


def test_a_registry_id_that_escapes_the_archive_is_refused(tmp_path):
    reg = tmp_path / "portals.csv"
    reg.write_text("id,publisher,adcode,entry_url\n../x,某县人民政府,620725,http://www.example.gov.cn/\n",
                   encoding="utf-8")
    r = cli("crawl", "--registry", reg, "--out", tmp_path / "s")
    assert r.returncode == 2 and "../x" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "x").exists()


def test_an_unreadable_partition_manifest_is_rebuilt_from_its_files_by_the_next_write(store):
    victim = next(store.glob("reports/year=2019/*/_manifest.json"))
    victim.write_text("[]")
    assert main(["parse", str(REAL / "sh_bgt_2019.html"), "--out", str(store)]) == 0
    assert verify(store) == [] and len(read_dataset(store, "reports")) == 3


def test_a_national_registry_is_read_inside_the_flow_not_passed_as_a_parameter(tmp_path):
    """3,000 rows (Prefect refuses flow parameters over 512 KB, about 2,000 portals): the crawl runs."""
    import csv

    from conftest import registry_file

    from nianbao.sample_portal.server import SamplePortal

    with SamplePortal() as sp:
        reg = registry_file(sp, tmp_path / "portals.csv")
        rows = list(csv.DictReader(reg.open(encoding="utf-8")))
        extra = [{**rows[0], "id": f"off{i}", "entry_url": f"https://www{i}.example.gov.cn/zwgk/zfxxgknb/",
                  "enabled": "false"} for i in range(3000)]
        with reg.open("w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows[:1] + extra)  # one portal crawled: the point is the registry's size
        r = cli("crawl", "--registry", reg, "--out", tmp_path / "s", "--delay", "0.02")
    assert r.returncode == 0, r.stderr[-600:]
    assert len(read_dataset(tmp_path / "s", "reports")) > 0
