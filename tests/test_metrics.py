"""Plan metrics by hand on the 20 km line (40 cells of 1 km2, 1/40 of the violations each).

Sensors: sites at s = 5 and 15 km, +0.5 km (side A), radius 1.6 km, own side only, so each
site sees the 4 cells of its row at s +- 0.5 and s +- 1.5 km; q = 0.9 x 0.8 = 0.72 a unit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import line_scenario, model_of, one_class, patrol, sensor, units_at

from monitor.model.metrics import plan_metrics

Q = 0.9 * 0.8


@pytest.fixture(scope="module")
def sensor_model():
    raw = line_scenario([sensor(radius_km=1.6, availability=0.9, spacing_km=10.0, crosses_line=False,
                                max_units_per_site=2)], per_year=250.0)
    raw["metrics"] = {"segment_km": 10.0, "target_detection": 0.4}
    return model_of(raw)


def test_sensor_plan_by_hand(sensor_model):
    m = sensor_model
    n = units_at(m, "tower", {0: 2, 1: 1})  # 2 units at s = 5, 1 unit at s = 15
    q2 = 1 - (1 - Q) ** 2
    met = plan_metrics(m, n)
    D = (4 * q2 + 4 * Q) / 40
    assert met["detection"] == pytest.approx(D, rel=1e-6)
    assert met["by_class"]["incursion"] == pytest.approx(D, rel=1e-6)
    # By side: side A holds half the violations and all the detection.
    north, south = met["by_side"]["North"], met["by_side"]["South"]
    assert north["side"] == "A" and south["side"] == "B"
    assert north["share_of_violations"] == pytest.approx(0.5, rel=1e-6)
    assert north["detection"] == pytest.approx((4 * q2 + 4 * Q) / 20, rel=1e-6)
    assert south["detection"] == 0.0
    # Segments of 10 km: [0, 10) has 4 cells at q2, [10, 20) 4 cells at q, out of 20 cells each.
    worst = met["worst_segment"]
    assert worst["from_km"] == 10.0
    assert worst["to_km"] == pytest.approx(20.0, abs=1e-3)
    assert worst["detection"] == pytest.approx(4 * Q / 20, rel=1e-6)
    # Stations (one cell length, both sides): q2 / 2 = 0.46 >= 0.4 at 4 stations; q / 2 = 0.36 at 4 others.
    assert met["line_share_above_target"] == pytest.approx(4 / 20)
    assert met["detected_per_year"] == pytest.approx(met["detection"] * 250.0, rel=1e-12)
    assert met["mean_time_to_detection_h"] == 0.0  # sensors see a violation as it starts
    assert met["mean_response_h"] is None  # no team
    # Costs: 3 units of 100k capex over 10 years + 10k opex.
    assert met["annual_usd"] == pytest.approx(3 * (100_000 / 10 + 10_000))
    assert met["capex_usd"] == pytest.approx(300_000)
    assert met["opex_usd_per_year"] == pytest.approx(30_000)
    assert met["units_by_asset"] == {"tower": 3}


def test_detection_is_the_share_weighted_sum_of_classes():
    classes = [one_class("a", share=0.3, sensor=0.5), one_class("b", share=0.7, sensor=0.9)]
    m = model_of(line_scenario([sensor(radius_km=1.6, availability=1.0)], classes=classes))
    met = plan_metrics(m, units_at(m, "tower", {0: 1}))
    assert met["by_class"]["a"] == pytest.approx(0.5 * 6 / 40, rel=1e-6)
    assert met["by_class"]["b"] == pytest.approx(0.9 * 6 / 40, rel=1e-6)
    assert met["detection"] == pytest.approx(0.3 * met["by_class"]["a"] + 0.7 * met["by_class"]["b"], rel=1e-12)


def test_patrol_plan_time_to_detection_and_response():
    # The patrol of test_detection.test_one_patrol_team: 6 cells of side A, hazard a_c = lambda tau_c p_c,
    # passes at r_c = a_c / tau_c an hour. With no sensor, E[T; detected] = (1 - e^-a (1 + a)) / r in each
    # reached cell, so the mean time to detection is
    #   sum_c share_c (1 - e^-a_c (1 + a_c)) / r_c  /  sum_c share_c (1 - e^-a_c).
    classes = [one_class("incursion", duration_h=6.0, patrol=0.5, share=0.5),
               one_class("firing", duration_h=0.5, patrol=0.8, share=0.5)]
    m = model_of(line_scenario([patrol(radius_km=3.0)], classes=classes))
    met = plan_metrics(m, units_at(m, "team", {0: 1}))
    lam = 2 * 12 * 0.5 / (24 * 6.0)  # S / (24 A_j) = 1/12 an hour
    a = np.array([lam * 6.0 * 0.5, lam * 0.5 * 0.8])
    r = a / np.array([6.0, 0.5])
    e_t = (1 - np.exp(-a) * (1 + a)) / r
    p = 1 - np.exp(-a)
    assert met["mean_time_to_detection_h"] == pytest.approx((0.5 * e_t).sum() / (0.5 * p).sum(), rel=1e-4)
    assert met["mean_time_to_detection_h_by_class"]["incursion"] == pytest.approx(e_t[0] / p[0], rel=1e-4)
    assert met["mean_time_to_detection_h"] < 6.0 / 2  # detection comes in the first half of the violation, on average
    # Response: the team answers on its own side only, within its 3 km radius: the 6 cells of side A at
    # 0.5, 1.5, 2.5 km from the site (twice each), all detected alike, so a mean of 1.5 km and a 90th
    # percentile of 2.5 km, by road (x 1.4) at 40 km/h after the 0.5 h dispatch.
    assert met["mean_response_h"] == pytest.approx(0.5 + 1.4 * 1.5 / 40, rel=1e-5)
    assert met["p90_response_h"] == pytest.approx(0.5 + 1.4 * 2.5 / 40, rel=1e-5)
    assert met["detected_unreachable_share"] == 0.0  # the team sees only what it can reach
    assert met["unreachable_share"] == pytest.approx(1 - 6 / 40, rel=1e-6)  # but 34 of 40 equal cells are beyond it
    assert met["patrols_per_day"] == 2
    assert met["observers"] == 6
    assert met["by_side"]["South"]["detection"] == 0.0


def test_mixed_plan_time_to_detection():
    # A sensor (q) and a patrol (a) on the same cells: E[T; detected] = (1 - q) (1 - e^-a (1 + a)) / r.
    m = model_of(line_scenario([sensor(radius_km=3.0, availability=1.0, crosses_line=False),
                                patrol(radius_km=3.0)], classes=[one_class(sensor=0.5, patrol=0.5)]))
    n = units_at(m, "tower", {0: 1}) + units_at(m, "team", {0: 1})
    a = 1 / 12 * 6.0 * 0.5
    r = a / 6.0
    q = 0.5
    e_t = (1 - q) * (1 - math.exp(-a) * (1 + a)) / r
    p = 1 - (1 - q) * math.exp(-a)
    met = plan_metrics(m, n)
    assert met["detection"] == pytest.approx(6 / 40 * p, rel=1e-5)
    assert met["mean_time_to_detection_h"] == pytest.approx(e_t / p, rel=1e-5)


def test_empty_plan():
    m = model_of(line_scenario([sensor()]))
    met = plan_metrics(m, np.zeros(len(m.sites), int))
    assert met["detection"] == 0.0 and met["detected_per_year"] == 0.0
    assert met["mean_time_to_detection_h"] is None
    assert met["annual_usd"] == 0.0
    assert met["worst_segment"]["detection"] == 0.0


def test_by_side_and_worst_segment_on_the_toy_config():
    # configs/toy.toml with a lopsided plan (towers at km 2.5 and 12.5 on both sides, a team at km 5 on the
    # north side, a drone at km 22.5): recompute the side and 10-km segment figures from the cells.
    from conftest import TOY

    from monitor.model.build import build_model
    from monitor.model.load import load_scenario

    m = build_model(load_scenario(TOY))
    n = units_at(m, "tower", {0: 1, 1: 1, 4: 1, 5: 1}) + units_at(m, "team", {0: 1}) + units_at(m, "drone", {1: 1})
    met = plan_metrics(m, n)
    inst, c = m.instance, m.cells
    hit = (inst.W * inst.share * inst.detection_by_cell(n)).sum(axis=1)
    weight = (inst.W * inst.share).sum(axis=1)
    for k, name in enumerate(["North", "South"]):
        side = c.side == k
        assert met["by_side"][name]["detection"] == pytest.approx(hit[side].sum() / weight[side].sum(), rel=1e-9)
        assert met["by_side"][name]["share_of_violations"] == pytest.approx(0.5, rel=1e-5)
    segments = [(0, 10), (10, 20), (20, 30)]
    det = [hit[(c.s_km >= a) & (c.s_km < b)].sum() / weight[(c.s_km >= a) & (c.s_km < b)].sum() for a, b in segments]
    k = int(np.argmin(det))
    assert sorted(det)[1] - det[k] > 1e-3  # a clear worst segment
    assert met["worst_segment"]["from_km"] == segments[k][0]
    assert met["worst_segment"]["to_km"] == pytest.approx(segments[k][1], abs=1e-3)
    assert met["worst_segment"]["detection"] == pytest.approx(det[k], rel=1e-9)
    assert met["detected_per_year"] == pytest.approx(met["detection"] * 100, rel=1e-12)
