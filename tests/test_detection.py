"""Detection by hand on a 20 km straight line: 40 cells of 1 km2 at s = 0.5..19.5 km, offsets +-0.5 km.

Every scenario has one candidate site at s = 10 km (spacing 20 km), so the cells around
it are at along-line distances 0.5, 1.5, 2.5, ... km, and across the line 1 km further
for the other side's row. Each cell holds 1/40 of the violations.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import drone, line_scenario, model_of, one_class, patrol, sensor, units_at

from monitor.model.hazards import MAX_HAZARD
from monitor.model.metrics import plan_metrics

CELL_W = 1 / 40


def within(model, j: int, radius_km: float, same_side_only: bool) -> np.ndarray:
    """Cells whose centroid is within radius_km of site j (computed here, independently of the model)."""
    c, st = model.cells, model.sites
    d = np.hypot(c.x_km - st.x_km[j], c.y_km - st.y_km[j])
    ok = d <= radius_km
    return ok & (c.side == st.side[j]) if same_side_only else ok


# --- sensor: D = availability x p x (weight within the radius) ---------------------------------

@pytest.mark.parametrize("crosses, n_cells", [(True, 6), (False, 4)])
def test_one_sensor(crosses, n_cells):
    # Site at (s=10, +0.5), radius 1.6 km. Own row: distances 0.5, 0.5, 1.5, 1.5 -> 4 cells in.
    # Other row: sqrt(0.5^2 + 1) = 1.12 in (2 cells), sqrt(1.5^2 + 1) = 1.80 out.
    m = model_of(line_scenario([sensor(radius_km=1.6, availability=0.9, crosses_line=crosses)]))
    n = units_at(m, "tower", {0: 1})
    inside = within(m, 0, 1.6, same_side_only=not crosses)
    assert inside.sum() == n_cells
    w_in = m.instance.W[inside, 0].sum()
    assert w_in == pytest.approx(n_cells * CELL_W, rel=1e-6)
    D = m.instance.score(n)
    assert D == pytest.approx(0.9 * 0.8 * w_in, rel=1e-12)
    assert D == pytest.approx(0.9 * 0.8 * n_cells / 40, rel=1e-6)  # 0.108 or 0.072
    P = m.instance.detection_by_cell(n)[:, 0]
    assert P[inside] == pytest.approx(np.full(n_cells, 0.72), rel=1e-12)
    assert (P[~inside] == 0).all()


def test_units_and_sensors_combine_independently():
    # Two units at one site miss with (1 - q)^2; a sensor and a patrol with q and exp(-a).
    m = model_of(line_scenario([sensor(radius_km=1.6, availability=0.9, max_units_per_site=2, crosses_line=False),
                                patrol(radius_km=3.0)]))
    q = 0.72
    two = units_at(m, "tower", {0: 2})
    assert m.instance.score(two) == pytest.approx((1 - (1 - q) ** 2) * 4 / 40, rel=1e-6)
    both = units_at(m, "tower", {0: 1}) + units_at(m, "team", {0: 1})
    a = 1 / 12 * 6 * 0.5  # the patrol of test_one_patrol_team
    # 4 cells seen by both, 2 more by the patrol alone (the patrol's 6 cells are on side A).
    expected = (4 * (1 - (1 - q) * math.exp(-a)) + 2 * (1 - math.exp(-a))) / 40
    assert m.instance.score(both) == pytest.approx(expected, rel=1e-6)


def test_sensor_with_p_one_never_misses_but_stays_finite():
    m = model_of(line_scenario([sensor(radius_km=1.6, availability=1.0)], classes=[one_class(sensor=1.0)]))
    assert m.instance.F.max() == MAX_HAZARD
    assert m.instance.score(units_at(m, "tower", {0: 1})) == pytest.approx(6 / 40, rel=1e-6)


def test_asset_p_detect_overrides_the_class():
    m = model_of(line_scenario([sensor(radius_km=1.6, availability=0.5, p_detect={"incursion": 0.4})]))
    assert m.instance.score(units_at(m, "tower", {0: 1})) == pytest.approx(0.5 * 0.4 * 6 / 40, rel=1e-6)


# --- patrol team: random search, a = lambda tau p with lambda = S / (24 A_j) ---------------------

def test_one_patrol_team():
    # Site at (s=10, +0.5), radius 3 km, own side only: cells at 0.5, 1.5, 2.5 km on both hands -> A_j = 6 km2.
    # S = 2 patrols x 12 km x 0.5 km = 12 km2 a day; lambda = 12 / (24 x 6) = 1/12 an hour.
    # incursion: tau 6 h, p 0.5 -> a = 0.25;  firing: tau 0.5 h, p 0.8 -> a = 1/30.
    classes = [one_class("incursion", duration_h=6.0, patrol=0.5, share=0.5),
               one_class("firing", duration_h=0.5, patrol=0.8, share=0.5)]
    m = model_of(line_scenario([patrol(radius_km=3.0)], classes=classes))
    n = units_at(m, "team", {0: 1})
    inside = within(m, 0, 3.0, same_side_only=True)
    assert inside.sum() == 6
    A_j = m.cells.area_km2[inside].sum()
    assert A_j == pytest.approx(6.0, rel=1e-5)
    lam = 2 * 12 * 0.5 / (24 * A_j)
    a = np.array([lam * 6.0 * 0.5, lam * 0.5 * 0.8])
    assert a == pytest.approx([0.25, 1 / 30], rel=1e-5)
    U = m.instance.hazard(n)
    assert U[inside] == pytest.approx(np.tile(a, (6, 1)), rel=1e-12)
    assert (U[~inside] == 0).all()
    w_in = m.instance.W[inside].sum(axis=0)
    D = m.instance.score(n)
    assert D == pytest.approx(0.5 * w_in[0] * -math.expm1(-a[0]) + 0.5 * w_in[1] * -math.expm1(-a[1]), rel=1e-12)
    assert D == pytest.approx(0.5 * 6 / 40 * (1 - math.exp(-0.25)) + 0.5 * 6 / 40 * (1 - math.exp(-1 / 30)),
                              rel=1e-5)


def test_patrol_that_crosses_the_line_spreads_its_effort():
    # Crossing the line adds the 6 cells of the other row within 3 km (1.12, 1.80, 2.69 km away):
    # A_j doubles to 12 km2, so lambda halves to 1/24 an hour and a = 0.125 in 12 cells.
    m = model_of(line_scenario([patrol(radius_km=3.0, crosses_line=True)]))
    n = units_at(m, "team", {0: 1})
    assert within(m, 0, 3.0, same_side_only=False).sum() == 12
    assert m.instance.score(n) == pytest.approx(12 / 40 * (1 - math.exp(-0.125)), rel=1e-5)


# --- drone: S = speed x swath x flight hours a day x availability ---------------------------------

@pytest.mark.parametrize("units", [1, 2])
def test_drone(units):
    # Base at (s=10, +5), radius 50 km: it reaches all 40 km2, on both sides.
    # S = 50 km/h x 0.5 km x (2 h x 1 sortie) x 0.8 = 40 km2 a day; lambda = 40 / (24 x 40) = 1/24 an hour.
    # tau 12 h, p 0.5 -> a = 0.25 a unit; n units -> D = 1 - exp(-0.25 n).
    m = model_of(line_scenario([drone(max_units_per_site=2)], classes=[one_class(duration_h=12.0, drone=0.5)]))
    n = units_at(m, "uav", {0: units})
    assert m.instance.B.nnz == 40
    lam = 40.0 / (24 * m.cells.area_km2.sum())
    assert m.instance.hazard(n)[:, 0] == pytest.approx(np.full(40, units * lam * 12 * 0.5), rel=1e-12)
    assert m.instance.score(n) == pytest.approx(1 - math.exp(-0.25 * units), rel=1e-5)
    metrics = plan_metrics(m, n)
    assert metrics["drone_flight_hours_per_day"] == pytest.approx(units * 2 * 0.8)


# --- weights --------------------------------------------------------------------------------------

def test_class_counts_only_in_its_zones():
    raw = line_scenario([sensor(radius_km=1.6)],
                        classes=[one_class("incursion", share=0.5), one_class("heavy", share=0.5)])
    raw["zones"].append({"name": "rear", "inner_km": 1.0, "outer_km": 3.0})
    raw["violations"]["classes"][1]["zones"] = ["rear"]
    m = model_of(raw)
    W, zone = m.instance.W, m.cells.zone
    assert W.sum(axis=0) == pytest.approx([1.0, 1.0])
    assert W[zone == 1, 1].sum() == pytest.approx(1.0) and (W[zone == 0, 1] == 0).all()
    # The first class counts everywhere, by area: the rear band (2 x 2 km) holds 2/3 of it.
    assert W[zone == 1, 0].sum() == pytest.approx(2 / 3, rel=1e-5)


def test_hotspot_multiplies_the_weight_of_cells_in_its_radius():
    from conftest import KM_PER_DEG

    # A hotspot on the line at s = 10 km with a 1 km radius reaches the 4 cells at (9.5|10.5, +-0.5).
    raw = line_scenario([sensor(radius_km=1.6)],
                        hotspots=[{"name": "town", "lon": 10.0 / KM_PER_DEG, "lat": 0.0, "radius_km": 1.0,
                                   "factor": 10.0}])
    m = model_of(raw)
    w = m.instance.W[:, 0]
    hot = np.abs(m.cells.s_km - 10.0) < 1.0
    assert hot.sum() == 4
    # 4 cells of weight 10 and 36 of weight 1: 40 / 76 of all violations at the hotspot.
    assert w[hot] == pytest.approx(np.full(4, 10 / 76), rel=1e-5)
    assert w[~hot] == pytest.approx(np.full(36, 1 / 76), rel=1e-5)
