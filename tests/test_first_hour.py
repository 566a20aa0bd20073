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
    from nianbao.flows.cli import main

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
