"""A writer racing `reprocess` loses nothing: what it commits while reprocess rebuilds is carried into the swap."""

import random
import threading

import pytest
from conftest import FIXTURES

from nianbao.cli import main
from nianbao.flows import reprocess as reprocess_module
from nianbao.flows.reprocess import ReprocessError, reprocess
from nianbao.store.parquet_store import verify
from nianbao.store.read import read_dataset

REAL = FIXTURES / "real"
FIRST = [REAL / "sh_bgt_2019.html", REAL / "pingtan_2018.html"]
WILD = FIXTURES / "real_wild"
LATER = [REAL / "pingtan_2025.html", REAL / "pingtan_dishui_2013.txt"] + [
    WILD / f"rw_{name}.txt" for name in ("dongtou_nyncj_2021", "haizhu_gzjd_2023", "oubei_2012")]


def _ids(store) -> set[str]:
    return set(read_dataset(store, "reports").report_id)


@pytest.fixture
def store(tmp_path):
    out = tmp_path / "store"
    assert main(["parse", *map(str, FIRST), "--out", str(out)]) == 0
    return out


def test_a_report_committed_while_reprocess_rebuilds_is_kept(store, monkeypatch):
    real = reprocess_module._finish_scratch
    calls = []

    def rebuild_then_a_writer_commits(scratch, expected):
        real(scratch, expected)
        if not calls:  # the first check, outside the store's lock: a `parse --out` commits now
            assert main(["parse", str(LATER[0]), "--out", str(store)]) == 0
        calls.append(expected)

    monkeypatch.setattr(reprocess_module, "_finish_scratch", rebuild_then_a_writer_commits)
    before = _ids(store)
    result = reprocess(str(store))
    assert result["reports"] == 2
    after = _ids(store)
    assert len(after) == 3 and before < after and calls == [2, 3]
    assert verify(store) == []
    assert len(read_dataset(store, "applications").report_id.unique()) == 2  # 2019 and 2025 have tables; 2018 not


def test_writers_racing_reprocess_at_random_moments_lose_no_report(store):
    rng = random.Random(20261206)
    expected = _ids(store)
    for trial, page in enumerate(LATER):
        args = ["parse", str(page), "--out", str(store)]
        errors: list[int] = []
        writer = threading.Timer(rng.uniform(0.0, 1.5), lambda a=args, e=errors: e.append(main(a)))
        writer.start()
        reprocess(str(store))
        writer.join()
        assert errors == [0]
        now = _ids(store)
        assert expected <= now, f"trial {trial}: lost {expected - now}"
        expected = now
    assert len(expected) == len(FIRST) + len(LATER)  # every trial's report is there
    assert verify(store) == []


def test_two_reprocesses_of_one_store_do_not_run_at_once(store, monkeypatch):
    real = reprocess_module._finish_scratch
    seen = []

    def second_reprocess_meanwhile(scratch, expected):
        if not seen:
            with pytest.raises(ReprocessError, match="another reprocess"):
                reprocess(str(store))
            seen.append(True)
        real(scratch, expected)

    monkeypatch.setattr(reprocess_module, "_finish_scratch", second_reprocess_meanwhile)
    assert reprocess(str(store))["reports"] == 2 and seen == [True]
