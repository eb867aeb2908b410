"""Correlated outages: a hand-checked cell, the expectation over states, an outage of everything,
the solvers on the expanded instance, and the Monte Carlo drawing states.

Line (conftest): 40 cells of 1 km2; the tower at s = 10 km, 0.5 km north of the line, sees 4 cells
of side A (s = 8.5 ... 11.5) and the 2 of side B at s = 9.5, 10.5, each with q = 0.9 x 0.8 = 0.72.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from conftest import TOY, line_scenario, model_of, patrol, sensor, units_at
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import api, solvers
from monitor.errors import InputError
from monitor.model.metrics import plan_metrics
from monitor.studies.simulation import simulate_plan

Q = 0.72


def towers(k: int, outages: list[dict]) -> tuple:
    m = model_of(line_scenario([sensor(max_units_per_site=3), patrol(availability=0.8)], outages=outages))
    return m, units_at(m, "tower", {0: k})


STRIKE = {"name": "strike", "share_of_time": 0.25, "assets": ["tower"], "from_km": 9.0, "to_km": 11.0}
WEATHER = {"name": "fog", "share_of_time": 0.1, "assets": ["sensor"]}


def test_a_cell_under_an_outage_by_hand():
    # k towers see a cell with P = 1 - (1 - q)^k; under an outage of probability pi it scores
    # (1 - pi)(1 - (1 - q)^k). The strike covers the 4 cells at s = 9.5, 10.5 (2 a side), so
    # D = (1 - 0.28^2) / 40 x (4 x 0.75 + 2) = 0.1152 with two towers.
    for k in (1, 2, 3):
        m, n = towers(k, [STRIKE])
        P = 1 - (1 - Q) ** k
        assert m.instance.detected(n) == pytest.approx(P / 40 * (4 * 0.75 + 2), rel=1e-9)
        cell = int(np.flatnonzero(np.isclose(m.cells.s_km, 9.5) & (m.cells.side == 0))[0])
        assert m.instance.fold(m.instance.detection_by_cell(n))[cell, 0] == pytest.approx(0.75 * P, rel=1e-9)
    m, n = towers(2, [STRIKE])
    assert m.instance.detected(n) == pytest.approx(0.1152, rel=1e-9)
    assert plan_metrics(m, n)["detection"] == pytest.approx(0.1152, rel=1e-9)


def test_two_independent_outages_by_hand():
    # In the stretch the tower works only when neither is on: 0.75 x 0.9 = 0.675; outside 0.9.
    m, n = towers(2, [STRIKE, WEATHER])
    assert m.instance.detected(n) == pytest.approx((1 - 0.28 ** 2) / 40 * (4 * 0.675 + 2 * 0.9), rel=1e-9)
    # the states that fail the same assets merge: the 4 cells in the stretch have 2 rows, the rest 2 (fog on, off)
    assert m.instance.B.shape[0] == 80


def plan_scores_by_state(raw_outages: list[dict], n_of) -> None:
    """D and V with outages = sum over the joint states of pi_s times the scores with each outage fixed on or off."""
    m = model_of(line_scenario([sensor(max_units_per_site=2), patrol(availability=0.8)], outages=raw_outages))
    n = n_of(m)
    want_d = want_v = 0.0
    for on in itertools.product((0, 1), repeat=len(raw_outages)):
        pi = np.prod([o["share_of_time"] if x else 1 - o["share_of_time"] for o, x in zip(raw_outages, on)])
        fixed = [{**o, "share_of_time": float(x)} for o, x in zip(raw_outages, on)]
        ms = model_of(line_scenario([sensor(max_units_per_site=2), patrol(availability=0.8)], outages=fixed))
        want_d += pi * ms.instance.detected(n)
        want_v += pi * ms.instance.verified(n)
    assert m.instance.detected(n) == pytest.approx(want_d, rel=1e-9, abs=1e-15)
    assert m.instance.verified(n) == pytest.approx(want_v, rel=1e-9, abs=1e-15)
    met = plan_metrics(m, n)
    assert met["detection"] == pytest.approx(want_d, rel=1e-9, abs=1e-15)
    assert met["verified"] == pytest.approx(want_v, rel=1e-9, abs=1e-15)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.floats(0.05, 0.95), st.sampled_from(["tower", "team", "sensor", "patrol"]),
                          st.sampled_from([None, (0.0, 10.0), (8.0, 14.0), (15.0, 20.0)])), min_size=1, max_size=3),
       st.integers(0, 2), st.integers(0, 1))
def test_expected_score_is_the_sum_over_states(specs, k_tower, k_team):
    outages = []
    for i, (pi, asset, where) in enumerate(specs):
        o = {"name": f"o{i}", "share_of_time": pi, "assets": [asset]}
        if where is not None:
            o.update(from_km=where[0], to_km=where[1])
        outages.append(o)
    plan_scores_by_state(outages, lambda m: units_at(m, "tower", {0: k_tower}) + units_at(m, "team", {0: k_team}))


def test_an_outage_of_every_unit_scores_the_empty_plan():
    m, n = towers(2, [{"name": "all", "share_of_time": 1.0, "assets": ["sensor", "patrol"]}])
    n = n + units_at(m, "team", {0: 1})
    assert m.instance.detected(n) == 0.0
    assert m.instance.verified(n) == 0.0
    half = model_of(line_scenario([sensor(max_units_per_site=3), patrol(availability=0.8)],
                                  outages=[{"name": "all", "share_of_time": 0.4, "assets": ["sensor", "patrol"]}]))
    plain = model_of(line_scenario([sensor(max_units_per_site=3), patrol(availability=0.8)]))
    assert half.instance.detected(n) == pytest.approx(0.6 * plain.instance.detected(n), rel=1e-12)


def test_exact_on_outages_matches_brute_force():
    # two tower sites (spacing 10 km), a budget for 2 towers; the strike makes the second tower on
    # the same site worth more than a tower elsewhere only if it is not struck
    raw = line_scenario([sensor(spacing_km=10.0, max_units_per_site=2)], budget_usd=2 * 20_000 * 1.000001,
                        outages=[STRIKE, WEATHER])
    m = model_of(raw)
    inst = m.instance
    plans = [np.array(p) for p in itertools.product(*[range(int(c) + 1) for c in inst.site_cap])]
    best = max(inst.detected(p) for p in plans if not inst.check(p))
    ex = solvers.run(inst, "exact", {"gap": 1e-9})
    assert ex.objective == pytest.approx(best, rel=1e-9)
    assert ex.bound >= best - 1e-12
    for name in ("greedy", "swap"):
        sol = solvers.run(inst, name)
        assert sol.bound >= best - 1e-12 and sol.objective <= best + 1e-12


def test_simulation_draws_the_states():
    m, n = towers(2, [STRIKE, WEATHER])
    doc = simulate_plan(m, n, n=200_000, seed=3)
    d = doc["detection"]
    assert d["analytic"] == pytest.approx(m.instance.detected(n), rel=1e-9)
    assert d["analytic_inside_ci"], d


def test_bad_outages_name_the_key():
    with pytest.raises(InputError) as e:
        model_of(line_scenario([sensor()], outages=[{"name": "x", "share_of_time": 0.1, "assets": ["nosuch"]}]))
    assert "outages[x].assets" in str(e.value) and "nosuch" in str(e.value)
    with pytest.raises(InputError) as e:
        model_of(line_scenario([sensor()], outages=[{"name": "x", "share_of_time": 0.1, "assets": ["tower"],
                                                     "from_km": 5.0, "to_km": 2.0}]))
    assert "outages[x].to_km" in str(e.value)
    with pytest.raises(InputError) as e:
        model_of(line_scenario([sensor()], outages=[{"name": "x", "share_of_time": 0.1, "assets": ["tower"],
                                                     "from_km": 5.0, "lon": 0.0}]))
    assert "not both" in str(e.value)


def test_the_toy_config_runs_with_an_outage_set_on_the_command_line():
    res = api.solve(TOY, overrides={"outages": [{"name": "fog", "share_of_time": 0.2, "assets": ["sensor"]}]})
    plain = api.solve(TOY)
    assert res.metrics["detection"] < plain.metrics["detection"]
    assert len(res.model.cells) == len(plain.model.cells)
