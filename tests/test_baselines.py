"""Baselines: UNIIMOG's density, uniform plans sized to a budget, and every solve beside them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import CONFIGS, TOY
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import evaluate, solve, solvers
from monitor.model.build import build_model
from monitor.model.load import load_scenario
from monitor.model.metrics import plan_metrics
from monitor.studies import baselines as bl

UKRAINE = CONFIGS / "ukraine-2025.toml"
UNIIMOG = CONFIGS / "uniimog-1988.toml"
UKRAINE_UNIIMOG_BUDGET_USD = 150e6 * 965 / 1400  # UNIIMOG's $150M a year scaled to 965 km


@pytest.fixture(scope="module")
def toy():
    return build_model(load_scenario(TOY))


def test_uniimog_figures():
    assert bl.uniimog_observers(1400) == pytest.approx(400)
    assert bl.uniimog_observers(965) == pytest.approx(275.714, abs=1e-3)
    assert bl.uniimog_equivalent_budget_usd(965) == pytest.approx(103_392_857.14, abs=0.01)
    assert bl.UNIIMOG_PATROLS_PER_DAY / bl.UNIIMOG_OBSERVERS == pytest.approx(0.16)


# --- the even spread ------------------------------------------------------------------------

def test_spread_by_hand(toy):
    # toy towers: 6 stations (s = 2.5, 7.5, ..., 27.5 km) x 2 sides. 3 units: 2 on side A (at
    # indices floor(0.5 x 6 / 2) = 1 and floor(1.5 x 6 / 2) = 4) and 1 on side B (index 3).
    ai = 0
    n = bl.spread(toy, ai, 3)
    st_ = toy.sites
    placed = sorted((int(st_.side[j]), float(st_.s_km[j])) for j in np.flatnonzero(n))
    assert placed == [(0, pytest.approx(7.5)), (0, pytest.approx(22.5)), (1, pytest.approx(17.5))]


@settings(max_examples=30, deadline=None)
@given(m=st.integers(0, 40), asset=st.integers(0, 2))
def test_spread_is_even(toy, m, asset):
    n = bl.spread(toy, asset, m)
    mine = toy.sites.asset == asset
    assert n.sum() == m and (n[~mine] == 0).all()
    for side in (0, 1):
        on = n[mine & (toy.sites.side == side)]
        if len(on):
            assert on.max() - on.min() <= 1  # no site gets two more than another on its side
    per_side = [n[mine & (toy.sites.side == k)].sum() for k in (0, 1)]
    if all(((toy.sites.side == k) & mine).any() for k in (0, 1)):
        assert abs(per_side[0] - per_side[1]) <= 1  # toy assets have as many sites on each side


# --- sizing to a budget ------------------------------------------------------------------------

def test_uniform_buys_what_the_budget_buys(toy):
    budget = 5e6
    drone = bl.uniform(toy, 1, budget)  # $1.08M capex / 5 + $1M = $2.08M a year a drone
    assert drone.metrics["units_by_asset"]["drone"] == math.floor(budget / 2.08e6) == 2
    assert drone.metrics["annual_usd"] <= budget and not drone.problems
    towers = bl.uniform(toy, 0, budget)  # $150k a year: 33 affordable, but only 12 sites
    assert towers.metrics["units_by_asset"]["tower"] == 12
    assert towers.notes == ["the budget buys 33 units, capped at 12 by 12 candidate sites x max_units_per_site 1"]
    teams = bl.uniform(toy, 2, 20e6)  # 8 teams affordable, but budget.max_observers 24 / 12 = 2
    assert teams.metrics["observers"] == 24 and not teams.problems


def test_baselines_are_scored_by_plan_metrics(toy):
    found, _ = bl.compare(toy)
    for b in found:
        assert b.summary()["detection"] == plan_metrics(toy, b.units)["detection"]
        assert b.summary()["detection"] == pytest.approx(toy.instance.score(b.units), abs=1e-12)


def test_uniimog_config_skips_baselines_it_lacks_the_assets_for():
    model = build_model(load_scenario(UNIIMOG))
    found, skipped = bl.compare(model)
    assert [b.name for b in found] == ["uniimog_density", "uniform_team"]
    density = found[0]
    assert density.metrics["observers"] == 400 and density.metrics["patrols_per_day"] == pytest.approx(64)
    assert skipped == ["uniform sensors: skipped: the config has no sensor asset",
                       "uniform drones: skipped: the config has no drone asset",
                       "uniform imagery: skipped: the config has no satellite asset",
                       "uniform inspections: skipped: the config has no inspection asset"]


# --- every solve compares --------------------------------------------------------------------

def test_solve_writes_baselines_beside_the_plan(tmp_path):
    res = solve(TOY)
    res.write(tmp_path)
    doc = json.loads((tmp_path / "plan.json").read_text())
    names = [b["name"] for b in doc["baselines"]]
    assert names == ["uniimog_density", "uniform_tower", "uniform_drone", "uniform_team"]
    for b in doc["baselines"]:
        assert {"name", "detection", "worst_segment", "observers", "annual_cost_usd", "feasible"} <= set(b)
        assert b["feasible"] == (b["annual_cost_usd"] <= doc["budget_usd"])
        # Written like any plan: `evaluate` re-scores it to the same detection.
        again = evaluate(TOY, tmp_path / "baselines" / f"{b['name']}.json").to_dict()
        assert again["metrics"]["detection"] == pytest.approx(b["detection"], abs=1e-12)
        assert again["feasible"] == b["feasible"]
    report = (tmp_path / "report.md").read_text()
    assert "## Beside the baselines" in report and "| uniform_tower |" in report
    assert [b.name for b in res.baselines] == names


@pytest.fixture(scope="module")
def ukraine_greedy():
    return solve(UKRAINE, budget_usd=UKRAINE_UNIIMOG_BUDGET_USD)


def test_ukraine_bound_is_at_least_every_baseline(ukraine_greedy):
    doc = ukraine_greedy.to_dict()
    assert doc["budget_usd"] == pytest.approx(UKRAINE_UNIIMOG_BUDGET_USD)
    assert [b["name"] for b in doc["baselines"]] == ["uniimog_density", "uniform_ast", "uniform_ift",
                                                     "uniform_s100", "uniform_team", "uniform_s1", "uniform_vhr",
                                                     "uniform_inspectors"]
    bound = doc["solver"]["bound"]
    for b in doc["baselines"]:
        assert b["feasible"], b  # all keep the budget and caps, so none may beat the optimum
        assert bound >= b["detection"] - 1e-12, b["name"]


def test_ukraine_exact_plan_is_at_least_every_baseline():
    if "exact" not in solvers.names():
        pytest.skip("the exact solver is not registered yet")
    res = solve(UKRAINE, budget_usd=UKRAINE_UNIIMOG_BUDGET_USD, solver="exact")
    doc = res.to_dict()
    for b in doc["baselines"]:
        assert b["feasible"], b
        assert doc["metrics"]["detection"] >= b["detection"] - 1e-9, b["name"]
        assert doc["solver"]["bound"] >= b["detection"] - 1e-9, b["name"]
