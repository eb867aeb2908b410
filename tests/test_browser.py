"""report.html and frontier.html in a real browser: headless Chromium (Debian's package; .ci/run
installs it) loads each page from disk with no network, runs its script without an error, draws
the map's features, and writes a screenshot. Skipped only where no Chromium is installed."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from conftest import CONFIGS, TOY
from matplotlib import image
from test_cli import run

BROWSER = next((b for b in ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")
                if shutil.which(b)), None)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no Chromium installed (apt-get install chromium-headless-shell)")
FLAGS = ["--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000",
         "--disable-background-networking", "--no-first-run"]


def browse(page, *extra) -> subprocess.CompletedProcess:
    return subprocess.run([BROWSER, *FLAGS, *extra, page.as_uri()], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def ukraine(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    code, _, err = run(["solve", CONFIGS / "ukraine-2025.toml", "--out", out])
    assert code == 0, err
    return out


def test_the_report_runs_its_script_and_draws_the_map(ukraine):
    dom = browse(ukraine / "report.html", "--dump-dom").stdout
    svg = re.search(r'<svg id="map"[^>]*>', dom).group(0)
    features = int(re.search(r'data-features="(\d+)"', svg).group(1))
    drawn = re.search(r'data-drawn="(\d+)"', svg)
    assert drawn is not None, "the page's script did not run"
    assert int(drawn.group(1)) == features > 7_700  # every cell, the line, hotspots, sites and their coverage
    assert re.search(r'data-errors="(\d+)"', svg).group(1) == "0"
    assert "https://" not in (ukraine / "report.html").read_text() and "http://" not in dom  # nothing fetched


def test_a_screenshot_shows_the_map(ukraine):
    shot = ukraine / "report.png"
    browse(ukraine / "report.html", f"--screenshot={shot}", "--window-size=1280,1000")
    pixels = image.imread(shot)[:, :, :3]
    assert pixels.shape[:2] == (1000, 1280)
    colours = np.unique((pixels.reshape(-1, 3) * 255).astype(int), axis=0)
    assert len(colours) > 50  # a drawn map, not a blank or an error page


def test_the_frontier_page_opens_with_its_figure(tmp_path):
    code, _, err = run(["frontier", TOY, "--budgets-usd", "2e6:8e6:3", "--workers", "1", "--quiet",
                        "--out", tmp_path])
    assert code == 0, err
    dom = browse(tmp_path / "frontier.html", "--dump-dom").stdout
    assert '<img id="frontier"' in dom and "data:image/png;base64," in dom and dom.count("<tr>") == 1 + 9
