"""A user's first hour: the README's and the notebook's first answers are sums, equal to SQL's, on a store with
several reports per province and year, saying how many reports of which levels each sum adds up; and a path
that holds no store is said to be one, in one line, by every reader."""

import json
import re
import textwrap
from pathlib import Path

import matplotlib
import pytest

from nianbao.sample_portal.pages import Report, render
from nianbao.store.from_reports import write_reports
from nianbao.store.read import duckdb_connection
from nianbao.transforms.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
PUBLISHERS = {"甘肃省": ["甘肃省人民政府", "张掖市人民政府", "高台县人民政府", "甘州区教育局"],
              "上海市": ["上海市人民政府", "上海市浦东新区人民政府"]}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("answers") / "store"
    reps, seed = [], 0
    for year in (2020, 2021):
        for pubs in PUBLISHERS.values():
            for p in pubs:
                seed += 1
                reps.append(parse_report(render(Report(year, publisher=p, seed=seed).fill()).encode(),
                                         f"file:///{seed}.html"))
    write_reports(root, reps)
    return root


def sql_sums(root) -> dict:
    rows = duckdb_connection(root).sql(
        "SELECT g.name, a.year, sum(a.value), count(DISTINCT a.report_id) FROM applications a "
        "JOIN regions g ON g.adcode = a.region WHERE a.outcome = 'received' AND a.applicant = 'total' "
        "GROUP BY ALL").fetchall()
    return {(name, year): (total, n) for name, year, total, n in rows}


def readme_block(first_line: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(first_line)
    block = text[start:text.index("\n\n", start)]
    return textwrap.dedent("    " + block)


def check(answer, root):
    want = sql_sums(root)
    assert len(want) == 4
    for (province, year), (total, n) in want.items():
        assert answer.loc[(province, year), "received"] == total
        assert answer.loc[(province, year), "reports"] == n == len(PUBLISHERS[province])
    assert answer.loc[("甘肃省", 2021), "levels"] == "county prefecture province"


def test_the_readme_answer_is_the_sql_sum(store):
    import nianbao

    code = readme_block("# applications received per province and year").replace('"out"', repr(str(store)))
    lines = code.splitlines()
    ns = {"nianbao": nianbao}
    exec(compile("\n".join(lines[:-1]), "README.md", "exec"), ns)
    answer = eval(lines[-1], ns)
    check(answer, store)
    assert ((0 < answer["share"]) & (answer["share"] <= 1)).all()


def test_the_notebook_answer_is_the_sql_sum(store, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.setenv("NIANBAO_STORE", str(store))
    monkeypatch.setenv("NIANBAO_PLOT", str(tmp_path / "plot.png"))
    ns: dict = {}
    notebook = ROOT / "notebooks" / "quickstart.ipynb"
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(notebook), "exec"), ns)
    check(ns["answer"], store)
    assert re.search(r"aggfunc=\"sum\"", "".join(
        "".join(c["source"]) for c in json.loads(notebook.read_text(encoding="utf-8"))["cells"]))


def test_application_outcomes_is_one_row_per_report_with_its_level(store):
    rows = duckdb_connection(store).sql("SELECT admin_level, count(*), count(DISTINCT report_id) FROM "
                                        "application_outcomes WHERE year = 2021 GROUP BY ALL ORDER BY 1").fetchall()
    assert rows == [("county", 3, 3), ("prefecture", 1, 1), ("province", 2, 2)]


@pytest.mark.parametrize("command", [["datasets"], ["store", "verify"], ["store", "compact"], ["report"],
                                     ["sql", "SELECT 1"]])
@pytest.mark.parametrize("where", ["missing", "not_a_store"])
def test_a_path_that_holds_no_store_is_one_line_and_exit_2(tmp_path, capsys, command, where):
    from nianbao.cli import main

    root = tmp_path / "typo" if where == "missing" else ROOT / "tests"
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main([*command, "--root", str(root)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no nianbao store" in err and str(root) in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing created


def test_load_from_a_path_that_holds_no_store_says_so(tmp_path):
    import nianbao
    from nianbao.store.read import NotAStore

    with pytest.raises(NotAStore, match="no nianbao store"):
        nianbao.load(tmp_path / "typo", "applications")


def test_parse_into_a_pipe_that_closes_early_says_nothing():
    import subprocess
    import sys

    page = ROOT / "tests" / "fixtures" / "real" / "sh_bgt_2019.html"
    r = subprocess.run(["bash", "-c", f'"{sys.executable}" -m nianbao parse "{page}" --json | head -c 10 >/dev/null; '
                        'echo "${PIPESTATUS[0]}"'], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() in ("0", "141") and r.stderr == ""


def test_every_flag_says_what_it_does():
    import argparse

    from nianbao.cli import build_parser

    def parsers(p):
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    silent = [(p.prog, a.dest) for p in parsers(build_parser()) for a in p._actions
              if not a.help and not isinstance(a, argparse._SubParsersAction)]
    assert silent == []


def test_docs_writes_where_it_is_asked(tmp_path):
    from nianbao.cli import main
    from nianbao.store import dictionary

    assert main(["docs", "--out", str(tmp_path / "dictionary.md")]) == 0
    assert (tmp_path / "dictionary.md").read_text(encoding="utf-8") == dictionary.render()


def test_a_wheel_built_in_the_checkout_is_ignored_by_git():
    import subprocess

    r = subprocess.run(["git", "check-ignore", "-q", "nianbao-0.1.0-py3-none-any.whl"], cwd=ROOT)
    assert r.returncode == 0


def test_the_load_it_lines_work_as_printed_from_any_shell(store, tmp_path, capsys):
    import os
    import subprocess

    from nianbao.flows.summary import print_summary

    class Summary:
        def lines(self):
            return ["portals ok 1"]

    print_summary(Summary(), str(store), str(store / "_archive"))
    out = capsys.readouterr().out.splitlines()
    commands = out[out.index("load it:") + 1:]
    assert len(commands) == 2
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no venv on the PATH, another directory
    for line in commands:
        r = subprocess.run(["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0 and r.stdout.strip(), (line, r.stderr[-1000:])
    assert os.listdir(tmp_path) == []


def test_xiongan_is_its_own_place_not_baoding():
    from nianbao.transforms.regions import region_in_name

    assert region_in_name("雄安新区管理委员会").adcode == "133100"
    assert region_in_name("雄安新区公共服务局").adcode == "133100"


def test_the_sample_portals_run_by_hand_with_a_registry_to_crawl(tmp_path):
    import csv
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    registry = tmp_path / "portals.csv"
    proc = subprocess.Popen([sys.executable, "-m", "nianbao.sample_portal.server", "--port", str(port),
                             "--registry", str(registry)], stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "registry written" in line, line
        rows = list(csv.DictReader(registry.open(encoding="utf-8")))
        assert len(rows) == 4 and all(f":{port}/" in r["entry_url"] for r in rows)
        with urllib.request.urlopen(rows[0]["entry_url"], timeout=10) as resp:
            assert resp.status == 200
    finally:
        proc.terminate()
        proc.wait(10)
