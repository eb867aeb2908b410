"""Every scenario in configs/ validates, builds and solves at its own resolution, and its plan
keeps the budget and re-scores to the solver's objective."""

from __future__ import annotations

import math

import numpy as np
from scipy.spatial import cKDTree
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
    # The line of contact of 18 Feb 2025 (1,122.5 km geodesic, configs/data/README.md) beside the
    # settlement's 965 km; a 5-mile DMZ cut into 1 km stations and rows of at most row_km, and a
    # limitation zone to 25 km in 5 km cells. The line bends more tightly than the bands are wide in
    # places, so the cells' area is the true band's (shapely's buffer) to within a few percent, not
    # length x width. The four hotspots hold about 75% of the DMZ classes' weight (config comment).
    path = CONFIGS / "ukraine-2025.toml"
    s = load_scenario(path)
    res = api.validate(s)
    size = res.to_dict()
    assert 1100 < size["geodesic_km"] < 1130 and size["reference_length_km"] == 965
    half_km = s.zones[0].outer_km
    assert half_km == pytest.approx(8.047 / 2, rel=1e-4)
    for name, band in size["bands"].items():
        assert band["covered_share"] > 0.85 and band["overlap_share"] < 0.12, name
        assert size["zone_km2"][name] == pytest.approx(band["band_km2"], rel=0.05)
    expected_cells = 0
    for z in s.zones:
        cell_km, row_km = s.zone_grid(z)
        expected_cells += round(size["line_km"] / cell_km) * math.ceil((z.outer_km - z.inner_km) / row_km - 1e-9) * 2
    assert size["cells"] == expected_cells
    m = res.model
    hit = np.zeros(len(m.cells), bool)
    tree = cKDTree(m.cells.xy_km)
    for h in s.hotspots:
        hit[tree.query_ball_point(np.concatenate(m.geometry.to_km([h.lon], [h.lat])), h.radius_km)] = True
    dmz = [k for k, c in enumerate(s.violations.classes) if c.zones == ["dmz"]]
    assert m.instance.cell_W[hit][:, dmz].sum(axis=0) == pytest.approx(0.75, abs=0.02)
