"""`nianbao report --root DIR`: a static page of what the store covers, at DIR/_report/index.html.

Charts are matplotlib SVGs inlined in the page with their text kept as text
(svg.fonttype "none"), so Chinese province names need no font at build time:
the browser that opens the page draws them. Each chart is also written as its
own file (chart-<name>.svg) for reuse. The page is rebuilt by every nightly run.
"""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from nianbao.store.fs import storage
from nianbao.store.read import read_dataset

REPORT_DIR = "_report"
SERIES = {"applications_received": "申请 received", "granted": "予以公开 granted",
          "administrative_reviews": "行政复议 reviews", "lawsuits": "行政诉讼 lawsuits"}


def _text(value) -> str:
    """A cell's text: a missing value (None, NaN, NaT) is blank, never 'nan'."""
    return "" if value is None or pd.isna(value) else str(value)


def source_link(url) -> str:
    """A report's source as a link when it is an http(s) URL (a crawled page could name javascript: or
    data:), else as escaped text."""
    url = str(url or "")
    if url.lower().startswith(("http://", "https://")):
        return f'<a href="{html.escape(url)}" rel="noopener noreferrer">source</a>'
    return html.escape(url[:200])


def _frame(root: str, name: str) -> pd.DataFrame:
    try:
        return read_dataset(root, name)
    except Exception:  # a dataset not written yet: an empty chart says so
        return pd.DataFrame()


def _svg(fig) -> str:
    import warnings

    buf = io.StringIO()
    with warnings.catch_warnings():  # CJK glyph metrics fall back to a Latin font here; the browser draws them
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="svg", bbox_inches="tight")
    _pyplot().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    plt.rcParams["svg.fonttype"] = "none"  # text stays text: the browser's CJK fonts draw it
    installed = {f.name for f in font_manager.fontManager.ttflist}
    cjk = [f for f in ("Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "SimHei") if f in installed]
    plt.rcParams["font.family"] = cjk + ["DejaVu Sans"]  # a CJK font only sizes the labels better
    return plt


def _figure(width: float = 9, height: float = 4.2, columns: int = 1):
    return _pyplot().subplots(1, columns, figsize=(width, height))


def _empty(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} yet", ha="center", va="center", fontsize=14)
    ax.set_axis_off()


def coverage_chart(reports: pd.DataFrame) -> str:
    """Reports per province (by name) and year: a heat map."""
    fig, ax = _figure(9, 7)
    if reports.empty:
        _empty(ax, "reports")
        return _svg(fig)
    counts = reports.groupby(["province_name", "year"]).size().unstack("year", fill_value=0).sort_index()
    counts = counts[sorted(counts.columns)]
    image = ax.imshow(counts.values, aspect="auto", cmap="Blues")
    ax.set_xticks(range(len(counts.columns)), [str(y) for y in counts.columns], rotation=90)
    ax.set_yticks(range(len(counts.index)), list(counts.index))
    for (r, c), n in pd.DataFrame(counts.values).stack().items():
        if n:
            ax.text(c, r, str(n), ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, label="reports")
    ax.set_title("Reports per province and year")
    return _svg(fig)


def portals_chart(runs: pd.DataFrame, log: pd.DataFrame) -> str:
    """Portals in their latest run (ok or failed), and fetch outcomes by kind."""
    fig, (left, right) = _figure(10, 4, columns=2)
    if runs.empty:
        _empty(left, "portal runs")
    else:
        latest = runs.sort_values("started_at").groupby("portal_id").tail(1)
        state = latest["error"].isna().map({True: "ok", False: "failed"}).value_counts()
        left.bar(state.index, state.values, color=["#3a7" if s == "ok" else "#c33" for s in state.index])
        left.set_title(f"Portals in their latest run ({len(latest)})")
    if log.empty:
        _empty(right, "fetches")
    else:
        outcomes = log["outcome"].value_counts().sort_values()
        right.barh(outcomes.index, outcomes.values, color="#58a")
        right.set_title("Fetch outcomes")
    return _svg(fig)


def checks_chart(checks: pd.DataFrame) -> str:
    """Checks by kind, failed (red) beside passed (green)."""
    fig, ax = _figure()
    if checks.empty:
        _empty(ax, "checks")
        return _svg(fig)
    counts = checks.assign(passed=checks["passed"].astype(bool)).groupby(["check", "passed"]).size() \
        .unstack("passed", fill_value=0).reindex(columns=[False, True], fill_value=0)
    ax.barh(counts.index, counts[False], color="#c33", label="failed")
    ax.barh(counts.index, counts[True], left=counts[False], color="#3a7", label="passed")
    ax.legend()
    failed = checks[~checks["passed"].astype(bool)]
    ax.set_title(f"Checks by kind: {len(failed)} failed in {failed['report_id'].nunique()} reports")
    return _svg(fig)


def series_chart(series: pd.DataFrame) -> str:
    fig, ax = _figure()
    rows = series[series["metric"].isin(SERIES)] if not series.empty else series
    if rows.empty:
        _empty(ax, "series")
        return _svg(fig)
    totals = rows.groupby(["year", "metric"])["value"].sum().unstack("metric")
    for metric, label in SERIES.items():
        if metric in totals:
            ax.plot(totals.index, totals[metric], marker="o", label=label)
    ax.set_yscale("symlog")
    ax.legend()
    # a sum says what it adds up: how many reports stand behind each year's point
    behind = rows.groupby("year")["report_id"].nunique()
    ax.set_xticks(list(behind.index), [f"{y}\n{n} reports" for y, n in behind.items()], fontsize=7)
    ax.set_title("National series: sums over every stored report (more reports stored raise a year's sum)")
    ax.set_xlabel("report year")
    return _svg(fig)


def write_report(root: str | Path) -> str:
    """Write <root>/_report/index.html (and one SVG per chart); returns the page's path or URI."""
    root = str(root)
    reports, checks = _frame(root, "reports"), _frame(root, "checks")
    charts = {
        "coverage": ("Coverage", coverage_chart(reports)),
        "portals": ("Portals and fetches", portals_chart(_frame(root, "portal_runs"), _frame(root, "fetch_log"))),
        "checks": ("Checks failed", checks_chart(checks)),
        "series": ("Series 2008 → now", series_chart(_frame(root, "series"))),
    }
    store = storage(root)
    for name, (_, svg) in charts.items():
        store.write(f"{REPORT_DIR}/chart-{name}.svg", svg.encode("utf-8"))
    newest = reports.sort_values("fetched_at", ascending=False).head(20) if not reports.empty else reports
    rows = "".join(
        f"<tr><td>{_text(r.fetched_at)[:10]}</td><td>{r.year}</td><td>{html.escape(_text(r.province_name))}</td>"
        f"<td>{html.escape(_text(r.publisher))}</td><td>{html.escape(_text(r.admin_level))}</td>"
        f"<td>{html.escape(_text(r.era))}</td><td>{r.checks_failed}</td><td>{source_link(r.source_url)}</td></tr>"
        for r in newest.itertuples())
    figures = "".join(f'<section id="{n}"><h2>{html.escape(t)}</h2><figure class="chart">{svg}</figure></section>'
                      for n, (t, svg) in charts.items())
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>nianbao: what the store covers</title>
<style>body{{font-family:system-ui,"Noto Sans CJK SC",sans-serif;margin:2em;max-width:1100px}}
figure.chart svg{{max-width:100%;height:auto}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px}}</style></head><body>
<h1>nianbao store: {html.escape(root)}</h1>
<p>{len(reports)} reports, {reports['publisher_id'].nunique() if not reports.empty else 0} publishers,
{int(reports['checks_failed'].gt(0).sum()) if not reports.empty else 0} reports with failed checks;
built {datetime.now(UTC).isoformat(timespec="seconds")}.</p>
{figures}
<section id="newest"><h2>Newest reports (by when they were fetched)</h2><table><tr><th>fetched</th><th>year</th>
<th>province</th><th>publisher</th><th>level</th><th>era</th><th>checks failed</th><th></th></tr>{rows}</table></section>
</body></html>"""
    store.write(f"{REPORT_DIR}/index.html", page.encode("utf-8"))
    return store.path(f"{REPORT_DIR}/index.html")
