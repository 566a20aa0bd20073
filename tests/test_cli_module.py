"""The command line lives in nianbao/cli.py and nothing under flows/, extractors/, transforms/ or store/ imports
it: the flows are usable without the command line, and no two modules import each other through it."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_nothing_but_the_entry_points_imports_the_cli():
    importers = []
    for folder in ("flows", "extractors", "transforms", "store", "sample_portal"):
        for path in (ROOT / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                    [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if any(n in ("nianbao.cli", "nianbao.flows.cli") for n in names):
                    importers.append(str(path.relative_to(ROOT)))
    assert importers == []
    assert not (ROOT / "flows" / "cli.py").exists()
