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
    received = ns["received"]
    assert received.loc[2021, 310000] == sum(r.applications[i]["value"] for r in reps[2:]
                                              for i in range(len(r.applications))
                                              if r.applications[i]["outcome"] == "received"
                                              and r.applications[i]["applicant"] == "total")
    assert 0 < ns["by_year"]["share_granted"].max() <= 1
    assert os.path.getsize(tmp_path / "plot.png") > 1000
