"""`nianbao report`: the coverage page, drawn by a real browser (headless Chromium) when one is installed."""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import FIXTURES

from nianbao.cli import main
from nianbao.extractors.crawler import Portal
from nianbao.extractors.http import HostRegistry, PoliteSession
from nianbao.flows.pipeline import process_portal, store_outcomes
from nianbao.sample_portal.server import SamplePortal, registry_rows

BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)
CHARTS = ("coverage", "portals", "checks", "series")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    out = tmp_path_factory.mktemp("store")
    assert main(["parse", str(FIXTURES / "real"), "--out", str(out)]) == 1  # two fragments cannot be stored
    with SamplePortal() as sp:
        portals = {r["id"]: Portal(r["id"], r["publisher"], r["adcode"], r["entry_url"], delay=0)
                   for r in registry_rows(sp.url)}
        outcomes = [process_portal(p, out / "_archive", session=PoliteSession(delay=0, hosts=HostRegistry()))
                    for p in portals.values()]
        store_outcomes(out, outcomes, portals, 0.0, {})
    assert main(["report", "--root", str(out)]) == 0
    return out


def test_the_page_names_provinces_and_holds_every_chart(store):
    page = (store / "_report" / "index.html").read_text(encoding="utf-8")
    for chart in CHARTS:
        assert f'<section id="{chart}">' in page
        assert (store / "_report" / f"chart-{chart}.svg").stat().st_size > 1000
    assert "上海市" in page and "甘肃省" in page and "福建省" in page  # provinces named in Chinese
    assert page.count("<svg") == len(CHARTS)
    assert "no reports yet" not in page and "no portal runs yet" not in page
    assert ">nan<" not in page and "<th>fetched</th>" in page  # the order it shows is by fetch time, shown
    series = (store / "_report" / "chart-series.svg").read_text(encoding="utf-8")
    assert "reports" in series  # each year's sum says how many reports stand behind it


def _screenshot(url: str, png: Path, size: str = "1200,900") -> str:
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update", "--disable-sync",
                            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                            f"--window-size={size}", f"--screenshot={png}", url],
                           capture_output=True, text=True, timeout=120)
    assert png.exists(), r.stderr[-2000:]
    return r.stderr


def _ink(png: Path) -> float:
    import numpy as np
    from PIL import Image

    grey = np.asarray(Image.open(png).convert("L"))
    return float((grey < 200).mean())


@pytest.mark.skipif(BROWSER is None, reason="no Chromium on this machine (.ci/run installs Debian's chromium)")
def test_a_real_browser_draws_every_chart_without_console_errors(store, tmp_path):
    for chart in CHARTS:
        png = tmp_path / f"{chart}.png"
        _screenshot((store / "_report" / f"chart-{chart}.svg").as_uri(), png)
        assert _ink(png) > 0.01, f"{chart} drew nothing"
    log = _screenshot((store / "_report" / "index.html").as_uri(), tmp_path / "page.png", "1200,4000")
    errors = [line for line in log.splitlines() if "CONSOLE" in line and ("Error" in line or "error" in line)]
    assert errors == []
    assert _ink(tmp_path / "page.png") > 0.02


@pytest.mark.parametrize("url, linked", [
    ("http://www.pingtan.gov.cn/x.html", True), ("HTTPS://www.gov.cn/a?b=1&c=2", True),
    ("javascript:alert(1)", False), ("data:text/html,<script>alert(1)</script>", False),
    ("/tmp/report.html", False), ('http://x.gov.cn/"><script>', True),
])
def test_only_http_sources_become_links_and_nothing_is_unescaped(url, linked):
    from nianbao.flows.coverage_report import source_link

    out = source_link(url)
    assert out.startswith("<a href=") is linked and out.count("<") == (2 if linked else 0)
    assert "<script>" not in out
