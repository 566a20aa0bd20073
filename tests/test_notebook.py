"""notebooks/quickstart.ipynb runs top to bottom on a small store."""

import json
import os
from pathlib import Path

import matplotlib

from nianbao.sample_portal.pages import Report, render
from nianbao.store.from_reports import write_reports
from nianbao.transforms.report import parse_report

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "quickstart.ipynb"


def test_quickstart_notebook(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    reps = [parse_report(render(Report(y, publisher=p, seed=i).fill()).encode(), f"file:///{i}.html")
            for i, (y, p) in enumerate([(2020, "张掖市人民政府"), (2021, "张掖市人民政府"), (2021, "上海市人民政府")])]
    write_reports(tmp_path / "store", reps)
    monkeypatch.setenv("NIANBAO_STORE", str(tmp_path / "store"))
    monkeypatch.setenv("NIANBAO_PLOT", str(tmp_path / "plot.png"))
    ns: dict = {}
    for cell in json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), str(NOTEBOOK), "exec"), ns)
    answer = ns["answer"]
    assert answer.loc[("上海市", 2021), "received"] == sum(
        c["value"] for r in reps[2:] for c in r.applications if c["outcome"] == "received" and c["applicant"] == "total")
    assert set(answer.index.get_level_values("province_name")) == {"甘肃省", "上海市"}
    assert ((0 < answer["granted_share"]) & (answer["granted_share"] <= 1)).all()
    assert list(ns["failed"].columns) == ["publisher", "year", "check", "subject", "expected", "got"]
    assert os.path.getsize(tmp_path / "plot.png") > 1000
