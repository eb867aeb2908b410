"""The notebook API: results as tables, results in place of plan files, a JSON Schema of the
config, plots that leave the caller's backend alone, and the example in docs/ that runs."""

from __future__ import annotations

import json
import runpy

import matplotlib
import numpy as np
import pytest
from conftest import REPO, TOY
from test_cli import run

import monitor
from monitor.outputs.plots import plot_frontier, plot_map, plot_routes


@pytest.fixture(scope="module")
def solved():
    return monitor.solve(TOY)


def test_results_give_tables(solved):
    places = solved.placements_frame()
    assert list(places.columns)[:3] == ["asset", "kind", "site"] and places["units"].sum() == solved.solution.units.sum()
    assert places["annual_usd"].sum() == pytest.approx(solved.metrics["annual_usd"])
    cells = solved.cells_frame()
    assert len(cells) == len(solved.model.cells)
    assert float((cells["weight"] * cells["detection"]).sum()) == pytest.approx(solved.metrics["detection"], abs=1e-6)
    ev = monitor.evaluate(TOY, solved)
    assert ev.placements_frame().equals(places)
    front = monitor.frontier(TOY, "2e6:8e6:3", mixes=["all"], workers=1).to_frame()
    assert list(front["budget_usd"]) == [2e6, 5e6, 8e6] and (front["bound"] >= front["detection"] - 1e-12).all()


def test_the_config_has_a_json_schema(tmp_path):
    code, out, err = run(["schema"])
    assert code == 0, err
    schema = json.loads(out)
    assert schema["title"] == "monitor scenario" and "scenarios" in schema["properties"]
    assert {"line", "assets", "budget", "violations"} <= set(schema["required"])
    assert "source" not in schema["properties"]  # filled by the loader, not a key of the file


def test_plots_draw_on_the_callers_axes_and_leave_the_backend(solved):
    import matplotlib.pyplot as plt

    before = matplotlib.get_backend()
    fig, ax = plt.subplots()
    try:
        assert plot_map(solved.model, solved.solution.units, ax=ax) is ax and ax.collections
        assert plot_map(solved.model, solved.solution.units) is not ax  # a Figure of its own
        sch = monitor.schedule(TOY, solved)
        assert plot_routes(solved.model, sch.schedule, sch.units, ax=ax) is ax
        front = monitor.frontier(TOY, "2e6:4e6:2", mixes=["all"], workers=1)
        assert plot_frontier(front.result, ax=ax) is ax
    finally:
        plt.close(fig)
    assert matplotlib.get_backend() == before


def test_the_example_in_docs_runs(capsys, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runpy.run_path(str(REPO / "docs" / "example.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "Solution(exact" in out and "keeps $3M a year: False" in out and "shorter towers" in out
    assert np.isfinite(monitor.solve(TOY).metrics["detection"])


def test_the_report_explains_itself_and_lists_sites_and_estimates(tmp_path):
    res = monitor.solve(REPO / "configs" / "ukraine-2025.toml")
    res.write(tmp_path)
    report = (tmp_path / "report.md").read_text()
    assert "![Cells coloured" in report and "(map.png)" in report
    assert f"no plan within the same budget and caps can detect more than {100 * res.solution.bound:.2f}%" in report
    assert 0.85 < res.solution.bound < 0.92  # the continuous bound on the real line (README: 89.57%)
    assert "each unit's alert_delay_h is added" in report and "**Verified 0.00%**" in report
    sites = [line for line in report.splitlines() if line.startswith("| ift | sensor |")]
    n_ift = res.metrics["units_by_asset"]["ift"]
    assert len(sites) == res.placements_frame().query("asset == 'ift'").shape[0] == n_ift and n_ift > 40
    assert "| `assets[ift].availability` | 0.95 | estimate |" in report
    assert "docs/" not in report and ".py" not in report  # nothing the reader of a report does not have
