"""The design's invariants: pure transforms, deterministic parsing."""

import ast
from pathlib import Path

from conftest import gold_cases

from nianbao.transforms.report import parse_report

ROOT = Path(__file__).resolve().parent.parent
NETWORK = {"requests", "socket", "urllib.request", "http.client", "nianbao.extractors.http", "nianbao.extractors.fetch",
           "nianbao.extractors.crawler", "nianbao.extractors.archive", "nianbao.store", "prefect"}


def test_transforms_import_no_network_or_io_code():
    for path in (ROOT / "transforms").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
        bad = [n for n in names if any(n == m or n.startswith(m + ".") for m in NETWORK)]
        assert not bad, f"{path.name} imports {bad}"


def test_same_bytes_same_rows():
    for page, _ in gold_cases():
        data = page.read_bytes()
        a = parse_report(data, "x", fetched_at=None).as_dict()
        b = parse_report(data, "x", fetched_at=None).as_dict()
        for d in (a, b):
            d["report"].pop("fetched_at")
        assert a == b


def test_parse_json_imports_no_store_or_orchestration():
    """`nianbao parse --json` stays quick to start: no Prefect, pyarrow or pandas behind it."""
    import subprocess
    import sys

    probe = ("import sys; from nianbao.cli import main; "
             f"main(['parse', {str(ROOT / 'tests' / 'fixtures' / 'real' / 'sh_bgt_2019.html')!r}, '--json']); "
             "print([m for m in ('prefect', 'pyarrow', 'pandas', 'duckdb') if m in sys.modules], file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stderr.strip().splitlines()[-1] == "[]", r.stderr[-500:]
