"""Simulation against the analytic model: exact cases by hand, random search within its interval,
passes along routes by hand, repeatable seeds, and the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from conftest import (
    CONFIGS,
    TOY,
    line_scenario,
    model_of,
    one_class,
    patrol,
    sensor,
    units_at,
)

from monitor import api
from monitor.cli import main
from monitor.model.metrics import plan_metrics
from monitor.studies.schedule import Route, Schedule, SiteSchedule
from monitor.studies.simulation import Detectors, Draws, wilson
from monitor.studies.simulation import simulate_plan as run

Q = 0.9 * 0.8
N = 200_000


@pytest.fixture(scope="module")
def sensor_model():
    # 20 km line, 40 cells of 1 km2; towers at s = 5 and 15 km on side A see 4 cells each (radius 1.6 km).
    raw = line_scenario([sensor(radius_km=1.6, availability=0.9, spacing_km=10.0, crosses_line=False,
                                max_units_per_site=2)])
    return model_of(raw)


def test_sensor_only_plan_agrees_exactly_in_expectation(sensor_model):
    m = sensor_model
    n = units_at(m, "tower", {0: 2, 1: 1})
    # By hand: 4 cells seen by two units (1 - (1 - q)^2), 4 by one (q), out of 40 equally likely cells.
    expected = (4 * (1 - (1 - Q) ** 2) + 4 * Q) / 40
    assert plan_metrics(m, n)["detection"] == pytest.approx(expected, rel=1e-12)
    det = Detectors(m, n)
    # The simulator's own probability per cell (some sensor sees), averaged with the weights: the same number.
    rows = [det.sensor.indices[det.sensor.indptr[i]:det.sensor.indptr[i + 1]] for i in range(len(m.cells))]
    q_cell = np.array([1 - np.prod(1 - det.sensor_q[r, 0]) for r in rows])
    assert float(m.instance.W[:, 0] @ q_cell) == pytest.approx(expected, rel=1e-12)
    doc = run(m, n, n=N, seed=1)
    d = doc["detection"]
    assert d["analytic"] == pytest.approx(expected, rel=1e-12)
    assert d["ci_low"] <= expected <= d["ci_high"]
    assert doc["time_to_detection_h"]["share_at_once"] == 1.0   # sensors see at the start
    # No patrol or drone: schedule mode is the same simulation, draw for draw.
    sched = run(m, n, n=N, seed=1, mode="schedule", schedule=Schedule([]))
    assert sched["detection"] == d


def test_random_search_contains_the_analytic_value_on_toy(tmp_path):
    # The toy's greedy plan (towers and a drone), plus two patrol teams: all three kinds.
    model = api.build_model(api.load_scenario(TOY))
    units = api.solve(TOY).solution.units.copy()
    units += units_at(model, "team", {0: 1, 3: 1})
    doc = run(model, units, n=N, seed=0)
    assert doc["detection"]["analytic_inside_ci"]
    for part in ("by_class", "by_side"):           # each within two interval widths (about 4 standard errors)
        for name, v in doc[part].items():
            assert abs(v["simulated"] - v["analytic"]) <= 2 * (v["ci_high"] - v["ci_low"]), (part, name)
    t = doc["time_to_detection_h"]
    assert t["analytic_mean"] == pytest.approx(t["mean"], abs=4 * (t["ci_high"] - t["mean"]))


def test_seeds_make_runs_repeatable(sensor_model):
    m = model_of(line_scenario([patrol(radius_km=6.0, offsets_km=(0.5,))]))
    n = units_at(m, "team", {0: 1})
    strip = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    a, b, c = run(m, n, n=50_000, seed=7), run(m, n, n=50_000, seed=7), run(m, n, n=50_000, seed=8)
    assert strip(a) == strip(b)
    assert a["detection"]["simulated"] != c["detection"]["simulated"]
    # A Poisson count: per_year x days / 365 expected violations.
    p = run(m, n, n=None, days=3650, seed=7)
    assert p["violations_poisson"] and p["expected_violations_in_horizon"] == pytest.approx(1000)
    assert 850 <= p["violations"] <= 1150 and p["violations"] == run(m, n, n=None, days=3650, seed=7)["violations"]


def test_wilson_interval():
    p, lo, hi = wilson(50, 100)
    assert p == 0.5 and lo == pytest.approx(0.4038, abs=1e-4) and hi == pytest.approx(0.5962, abs=1e-4)
    assert wilson(0, 0) == (None, None, None)


@pytest.fixture(scope="module")
def pass_model():
    # One class that a patrol always sees (p = 1); a team at s = 10 km, 0.5 km into side A (north).
    raw = line_scenario([patrol(radius_km=6.0, view_width_km=0.5, offsets_km=(0.5,))],
                        classes=[one_class(patrol=1.0, duration_h=1.0)])
    return model_of(raw)


def _violations(m, points_so, start_h, tau_h):
    """Draws at (s, offset) points, in the cells that hold them."""
    so = np.array(points_so, float)
    xy = m.geometry.place(so[:, 0], so[:, 1])
    polys = shapely.polygons(m.cells.corners_km)
    cell = np.array([int(np.flatnonzero(shapely.contains_xy(polys, x, y))[0]) for x, y in xy])
    return Draws(cell, np.zeros(len(so), int), np.array(start_h, float), xy, np.array(tau_h, float))


def test_passes_along_a_route_by_hand(pass_model):
    m = pass_model
    units = units_at(m, "team", {0: 1})
    j = int(np.flatnonzero(units)[0])
    # A route at 20 km/h, leaving at 06:00 along offset 0.5 km from s = 10 to s = 14 km and back:
    # it passes s = 12 km at 06:06 going out and at 06:18 coming back.
    xy = m.geometry.place(np.array([10.0, 14.0, 10.0]), np.array([0.5, 0.5, 0.5]))
    route = Route(0, 6.0, xy, np.array([0.0, 0.2, 0.4]), 8.0, 0.4)
    site = SiteSchedule(0, j, 1, 1, 12.0, 0.6, 0.25, 1, 1.0, "local optimum", 0.0, [route])
    det = Detectors(m, units, Schedule([site]))
    d = _violations(m, [(12.3, 0.6), (12.3, 0.6), (12.3, 0.6), (12.3, 0.6), (12.3, 0.9), (12.3, -0.1)],
                    start_h=[5.0, 6.12, 6.2, 6.35, 5.0, 5.0], tau_h=[1.2, 0.1, 0.2, 24.0, 48.0, 48.0])
    t, passes, in_view = det.scheduled(d, np.random.default_rng(0))
    # s = 12.3 is passed at 6 + 2.3 / 20 = 6.115 h out and 6 + (4 + 1.7) / 20 = 6.285 h back.
    assert t[0] == pytest.approx(6.115 - 5.0)          # seen going out
    assert np.isinf(t[1]) and passes[1] == 0           # lasts 6.12-6.22 h: between the two passes
    assert t[2] == pytest.approx(6.285 - 6.2)          # seen coming back
    assert t[3] == pytest.approx(30.115 - 6.35)        # the next day's pass
    assert passes[3] == 2                              # out and back, the next day
    assert np.isinf(t[4]) and not in_view[4]           # 0.4 km from the track: beyond half the view width
    assert np.isinf(t[5]) and not in_view[5]           # on the other side of the line
    assert in_view[:4].all()


@pytest.fixture(scope="module")
def uniimog_small(tmp_path_factory):
    """Four UNIIMOG team sites, as a plan file."""
    cfg = CONFIGS / "uniimog-1988.toml"
    model = api.build_model(api.load_scenario(cfg))
    plan = tmp_path_factory.mktemp("plan") / "plan.json"
    plan.write_text(json.dumps({"placements": [{"asset": "team", "site": k, "units": 1} for k in (6, 7, 28, 29)]}))
    return cfg, plan, model


def test_schedule_mode_reports_and_explains(uniimog_small, tmp_path, capsys):
    cfg, plan, _ = uniimog_small
    out = tmp_path / "sim"
    assert main(["simulate", str(cfg), str(plan), "--mode", "schedule", "--violations", str(N),
                 "--out", str(out)]) == 0
    text = capsys.readouterr().out
    doc = json.loads((out / "simulation.json").read_text())
    for key in ("simulated", "ci_low", "ci_high", "analytic"):
        assert isinstance(doc["detection"][key], float)
    assert doc["schedule"]["patrols_per_day"] == 16
    # The random-search simulation on the same violations contains the analytic value ...
    assert doc["random_search_same_violations"]["detection"]["analytic_inside_ci"]
    # ... and the report says how far the schedule is from it, and why.
    diff = 100 * abs(doc["detection"]["simulated"] - doc["detection"]["analytic"])
    assert f"{diff:.2f} points" in text and "Where and when:" in text
    assert "Where and when:" in (out / "simulation.md").read_text()


def test_cli_random_search_and_bad_flags(uniimog_small, tmp_path, capsys):
    cfg, plan, _ = uniimog_small
    out = tmp_path / "rs"
    assert main(["simulate", str(cfg), str(plan), "--violations", "20000", "--seed", "3", "--json",
                 "--out", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["mode"] == "random-search" and doc["seed"] == 3 and doc["violations"] == 20000
    assert json.loads((out / "simulation.json").read_text())["detection"] == doc["detection"]
    for bad in (["--violations", "0"], ["--days", "-1"], ["--mode", "walk"]):
        with pytest.raises(SystemExit) as exc:
            main(["simulate", str(cfg), str(plan), *bad, "--out", str(tmp_path / "bad")])
        assert exc.value.code == 2
    assert not (tmp_path / "bad").exists()


def test_python_api_has_the_cli_verbs(uniimog_small, tmp_path):
    import monitor

    cfg, plan, _ = uniimog_small
    res = monitor.simulate(cfg, plan, violations=10_000, seed=2)
    files = res.write(tmp_path)
    assert res.to_dict()["violations"] == 10_000 and res.to_dict()["seed"] == 2
    assert sorted(p.name for p in files) == ["simulation.json", "simulation.md"]
    # The verbs keep their names after their modules have been imported.
    assert callable(monitor.simulate) and callable(monitor.schedule)
    with pytest.raises(monitor.InputError, match="--mode"):
        monitor.simulate(cfg, plan, mode="walk")
