"""Human-readable summaries for the terminal."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pandas as pd


def _table(rows: list[dict], index: str, columns: str) -> str:
    if not rows:
        return "  (none)"
    df = pd.DataFrame(rows).pivot_table(index=index, columns=columns, values="value", aggfunc="first", sort=False)
    return df.to_string(float_format=lambda v: f"{v:g}", na_rep="")


def render_report(parsed) -> str:
    r = parsed.report
    lines = [
        f"{r['title'] or '(no title)'}",
        f"era {r['era']} | year {r['year']} | publisher {r['publisher']} | adcode {r['adcode']} "
        f"({r['region_name'] or '?'}, {r['admin_level'] or '?'}) | spam {'yes' if r['spam_suspected'] else 'no'}",
        "", "二 active_disclosure:", _table(parsed.active_disclosure, "item", "measure"),
        "", "三 applications:", _table(parsed.applications, "outcome", "applicant"),
        "", "四 reviews_litigation:", _table(parsed.reviews_litigation, "proceeding", "outcome"),
    ]
    if parsed.legacy_metrics:
        lines += ["", "legacy metrics:"] + [f"  {m['metric']}: {m['value']:g}" for m in parsed.legacy_metrics]
    failed = [c for c in parsed.checks if not c["passed"]]
    lines += ["", f"checks: {len(parsed.checks) - len(failed)} passed, {len(failed)} failed"]
    lines += [f"  FAILED {c['check']} [{c['subject']}]: expected {c['expected']:g}, got {c['actual']:g}" for c in failed]
    if parsed.warnings:
        lines += ["", "warnings:"] + [f"  - {w}" for w in parsed.warnings]
    return "\n".join(lines)


def print_summary(summary, out: str, archive: str) -> None:
    """What a run did, where its store is, two lines that load it, and where a short run's time went."""
    print("\n".join(summary.lines()))
    if "prefect" in sys.modules:
        from nianbao.flows.nightly import SERVER_START_SECONDS

        if SERVER_START_SECONDS:
            print(f"before the run: Prefect's embedded server took {sum(SERVER_START_SECONDS):.1f} s to start (set "
                  "PREFECT_API_URL to a running Prefect server to skip that)")
    print(f"\nstore: {out}  (raw responses: {archive})")
    # lines that work as printed, from any shell: this Python and this nianbao, by their full paths
    root = out if "://" in out else str(Path(out).resolve())
    script = Path(sys.executable).parent / "nianbao"
    command = shlex.quote(str(script)) if script.exists() else f"{shlex.quote(sys.executable)} -m nianbao"
    code = f'import nianbao; print(nianbao.load({json.dumps(root)}, "applications", labels=True).head())'
    print("load it:")
    print(f"  {shlex.quote(sys.executable)} -c {shlex.quote(code)}")
    print(f'  {command} sql "SELECT year, count(*) FROM reports GROUP BY year" --root {shlex.quote(root)}')
