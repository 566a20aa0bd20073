"""Files inside a store are read as untrusted: a damaged or edited journal, log batch or name never reaches
outside the store, never stops later writes, and is named."""

import json

import pytest
from conftest import FIXTURES

from nianbao.cli import main
from nianbao.store import report_log
from nianbao.store.parquet_store import PENDING, verify
from nianbao.store.read import read_dataset

PAGE = FIXTURES / "real" / "pingtan_2025.html"
OTHER = FIXTURES / "real" / "sh_bgt_2019.html"


@pytest.fixture
def store(tmp_path):
    out = tmp_path / "store"
    assert main(["parse", str(PAGE), "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("pending", [
    ["reports/../../outside"], ["../../../x/year=2020/region=350000"], {"reports": 1}, [5, None], "reports",
])
def test_an_edited_pending_journal_touches_nothing_outside_the_store(store, tmp_path, pending):
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "_manifest.json"
    victim.write_text("{}")
    (store / PENDING).write_text(json.dumps(pending))
    assert main(["parse", str(OTHER), "--out", str(store)]) == 0
    assert victim.read_text() == "{}" and sorted(p.name for p in outside.iterdir()) == ["_manifest.json"]
    assert not (tmp_path / "x").exists()
    assert verify(store) == [] and len(read_dataset(store, "reports")) == 2


def _logged(store):
    report_log.append(store, _batch_of(OTHER))
    (name,) = sorted((store / report_log.LOG_DIR).glob("*.batch"))
    return name


def _batch_of(path):
    from nianbao.store.from_reports import log_batch
    from nianbao.transforms.report import parse_report

    return log_batch([parse_report(path.read_bytes(), str(path))])


def test_an_oddly_named_file_in_the_log_is_not_read_and_stops_no_write(store):
    (store / report_log.LOG_DIR).mkdir()
    (store / report_log.LOG_DIR / "zzz.batch").write_bytes(b"not a batch")
    report_log.append(store, _batch_of(OTHER))  # the next sequence number is still found
    report_log.fold(store)
    assert len(read_dataset(store, "reports")) == 2


@pytest.mark.parametrize("damage", ["truncate", "year", "region", "counts"])
def test_a_damaged_log_batch_is_set_aside_named_and_later_writes_go_on(store, capsys, damage):
    name = _logged(store)
    data = name.read_bytes()
    line, _, body = data.partition(b"\n")
    header = json.loads(line)
    if damage == "truncate":
        data = data[: len(data) // 2]
    else:
        r = header["reports"][0]
        if damage == "year":
            r[1] = 99999
        elif damage == "region":
            r[2] = "../../x"
        else:
            r[3] = [n + 1 for n in r[3]]
        data = json.dumps(header).encode() + b"\n" + body
    name.write_bytes(data)
    report_log.fold(store)
    err = capsys.readouterr().err
    assert name.name in err and len(err.strip().splitlines()) == 1
    assert len(read_dataset(store, "reports")) == 1  # the first report is untouched
    assert report_log.unreadable(store) and not list((store / report_log.LOG_DIR).glob("*.batch"))
    assert main(["parse", str(OTHER), "--out", str(store)]) == 0  # and writing goes on
    assert len(read_dataset(store, "reports")) == 2
    assert main(["store", "verify", "--root", str(store)]) == 1
    assert "set aside" in capsys.readouterr().out


def test_a_killed_writers_partial_files_are_reported_and_repaired_away(store):
    import os
    import time

    from nianbao.store.parquet_store import repair

    (pdir,) = [p for p in (store / "reports").glob("year=*/region=*")]
    stale, fresh = pdir / ".tmp-abc.partial", pdir / ".tmp-def.partial"
    stale.write_bytes(b"half a part file")
    fresh.write_bytes(b"a write under way")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    assert [p for p in verify(store) if "temporary" in p] == [f"reports/{pdir.parent.name}/{pdir.name}/{stale.name}: "
                                                               "a temporary file a killed writer left; `store verify "
                                                               "--repair` removes it"]
    assert any("removed" in c for c in repair(store))
    assert not stale.exists() and fresh.exists() and verify(store) == []
