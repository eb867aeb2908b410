"""Every scenario in configs/ validates, builds and solves at its own resolution, and its plan
keeps the budget and re-scores to the solver's objective."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import CONFIGS

from monitor import api
from monitor.model.load import load_scenario

PATHS = sorted(CONFIGS.glob("*.toml"))


def test_there_are_configs():
    assert {p.stem for p in PATHS} >= {"toy", "ukraine-2025", "uniimog-1988"}


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_config_validates_and_solves(path):
    s = load_scenario(path)
    size = api.validate(s).to_dict()
    assert size["cells"] > 0 and sum(size["candidate_sites"].values()) > 0
    assert size["line_km"] > 0 and all(v > 0 for v in size["zone_km2"].values())

    res = api.solve(s)  # the config's own grid (1 km cells for Ukraine); no files written
    inst, sol, doc = res.model.instance, res.solution, res.to_dict()
    assert inst.check(sol.units) == []
    assert sol.units.sum() > 0
    assert sol.objective == pytest.approx(inst.score(sol.units), abs=1e-9)
    assert 0 < sol.objective <= sol.bound <= 1
    m = doc["metrics"]
    assert m["detection"] == pytest.approx(sol.objective, abs=1e-9)
    assert 0 <= m["detection"] <= 1
    assert doc["cost"]["annual_usd"] <= s.budget.annual_usd * (1 + 1e-9)
    if s.budget.max_observers is not None:
        assert doc["cost"]["observers"] <= s.budget.max_observers
    # Each class's weights are normalised, so detection is a share of all violations.
    assert np.allclose(inst.W.sum(axis=0), 1.0)
    assert inst.share.sum() == pytest.approx(1.0)


def test_ukraine_matches_its_documented_size():
    # A 5-mile DMZ along the drawn line, cut into 1 km stations and rows of at most row_km (rows spread
    # evenly over each side's 4.0235 km); the four hotspots hold about 75% of the weight (config comment).
    path = CONFIGS / "ukraine-2025.toml"
    s = load_scenario(path)
    size = api.validate(s).to_dict()
    half_km = s.zones[0].outer_km
    assert half_km == pytest.approx(8.047 / 2, rel=1e-4)
    assert size["zone_km2"]["dmz"] == pytest.approx(size["line_km"] * 2 * half_km, rel=0.01)
    rows = math.ceil(half_km / (s.grid.row_km or s.grid.cell_km) - 1e-9)
    assert size["cells"] == round(size["line_km"] / s.grid.cell_km) * rows * 2
    assert size["hotspot_weight_share"] == pytest.approx(0.75, abs=0.02)
