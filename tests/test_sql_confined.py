"""`nianbao sql` reads the store and nothing else on the machine, and writes nothing."""

import pytest
from conftest import FIXTURES

from nianbao.cli import main


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("sql") / "store"
    assert main(["parse", str(FIXTURES / "real" / "pingtan_2025.html"), "--out", str(out)]) == 0
    return out


def test_queries_on_the_store_still_answer(store, capsys):
    assert main(["sql", "SELECT year, count(*) AS n FROM reports GROUP BY year", "--root", str(store), "--csv"]) == 0
    assert capsys.readouterr().out.split() == ["year,n", "2025,1"]
    assert main(["sql", "SELECT count(*) AS n FROM codes WHERE dataset IS NOT NULL", "--root", str(store)]) == 0


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM read_parquet('{store}/../outside.parquet')",
    "ATTACH '{store}/../x.db' AS x",
    "COPY (SELECT 1) TO '{store}/../written.csv'",
    "COPY (SELECT 1) TO '{store}/reports/year=2025/region=350000/part-999.parquet'",
    "SET enable_external_access = true; SELECT * FROM read_csv('/etc/passwd')",
    "SELECT 1; COPY (SELECT 1) TO '/tmp/nianbao-sql-written.csv'",
    "INSTALL httpfs",
    "CREATE TABLE t AS SELECT 1",
])
def test_nothing_outside_the_store_is_read_and_nothing_is_written(store, capsys, query):
    before = sorted(p.relative_to(store.parent) for p in store.parent.rglob("*"))
    code = main(["sql", query.format(store=store), "--root", str(store)])
    captured = capsys.readouterr()
    assert code == 2 and "root:" not in captured.out and "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1
    assert sorted(p.relative_to(store.parent) for p in store.parent.rglob("*")) == before
