"""Lazy greedy: feasibility under every constraint, agreement with Instance.score, a valid bound."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from conftest import TOY
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import solvers
from monitor.model.build import build_model
from monitor.model.instance import Instance
from monitor.model.load import load_scenario, with_overrides

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


@st.composite
def instances(draw, max_cells=8, max_sites=6, max_cap=3, side_constraints=True):
    """Random small instances from plain arrays: hazards (some 0, some 'never misses'), costs, caps."""
    n_cells = draw(st.integers(1, max_cells))
    n_sites = draw(st.integers(1, max_sites))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scale = draw(st.sampled_from([0.2, 1.0, 3.0, 40.0]))
    H = rng.random((n_cells, n_sites)) * scale * (rng.random((n_cells, n_sites)) < draw(st.floats(0.2, 1.0)))
    n_cls = draw(st.integers(1, 2))
    weights = rng.random((n_cells, n_cls)) + 0.01
    cost = rng.integers(1, 10, n_sites).astype(float)
    kw = {"site_cap": rng.integers(1, max_cap + 1, n_sites)}
    if side_constraints:
        n_assets = draw(st.integers(1, 2))
        kw["site_asset"] = rng.integers(0, n_assets, n_sites)
        kw["site_asset"][0] = n_assets - 1  # every asset index below the largest exists
        kw["asset_cap"] = rng.integers(0, 5, n_assets)
        kw["observers"] = rng.integers(0, 4, n_sites).astype(float)
        kw["max_observers"] = draw(st.sampled_from([0.0, 2.0, 5.0, np.inf]))
    budget = float(draw(st.integers(1, 30)))
    return Instance.from_arrays(H, weights, cost, budget, **kw)


def feasible_plans(inst: Instance):
    """Every plan within the site caps that keeps all constraints (tiny instances only)."""
    for n in itertools.product(*(range(int(c) + 1) for c in inst.site_cap)):
        n = np.array(n)
        if not inst.check(n):
            yield n


@SETTINGS
@given(instances())
def test_greedy_keeps_every_constraint_and_agrees_with_score(inst):
    sol = solvers.run(inst, "greedy")
    n = sol.units
    assert inst.check(n) == []
    # The same constraints, spelled out.
    assert (n >= 0).all() and (n <= inst.site_cap).all()
    assert inst.cost_usd @ n <= inst.budget_usd * (1 + 1e-9)
    assert inst.observers @ n <= inst.max_observers
    assert (np.bincount(inst.site_asset, weights=n, minlength=len(inst.asset_cap)) <= inst.asset_cap).all()
    assert sol.objective == pytest.approx(inst.score(n), abs=1e-9)
    assert sol.objective <= sol.bound + 1e-12
    assert sol.bound <= inst.share.sum() + 1e-12


@SETTINGS
@given(instances(side_constraints=False), st.integers(1, 20))
def test_greedy_never_scores_lower_with_a_larger_budget(inst, extra_usd):
    small = solvers.run(inst, "greedy")
    inst.budget_usd += extra_usd
    large = solvers.run(inst, "greedy")
    assert large.objective >= small.objective - 1e-12


@settings(max_examples=80, deadline=None, derandomize=True)
@given(instances(max_cells=6, max_sites=4, max_cap=2))
def test_bound_is_above_the_brute_force_optimum(inst):
    best = max(inst.score(n) for n in feasible_plans(inst))
    sol = solvers.run(inst, "greedy")
    assert sol.objective <= best + 1e-12
    assert sol.bound >= best - 1e-12


@settings(max_examples=80, deadline=None, derandomize=True)
@given(instances(max_cells=6, max_sites=4, max_cap=2, side_constraints=False))
def test_greedy_keeps_the_budgeted_coverage_guarantee(inst):
    # Greedy on gain per dollar plus the best single unit is within (1 - 1/e) / 2 of the optimum
    # under a budget alone (Khuller, Moss and Naor 1999; Leskovec et al. 2007).
    best = max(inst.score(n) for n in feasible_plans(inst))
    assert solvers.run(inst, "greedy").objective >= (1 - 1 / math.e) / 2 * best - 1e-12


def test_greedy_falls_back_to_the_best_single_unit():
    # Five equally weighted cells, p = 1 (hazard 40). Site 0 covers cells 0-1 for 1 USD (0.4 per USD),
    # site 1 covers cells 1-4 for 3 USD (0.267 per USD), site 2 covers cell 4 for 2 USD (0.1 per USD).
    # Budget 3 USD: greedy takes site 0, cannot afford site 1 next, takes site 2: cells 0, 1, 4 = 0.6.
    # Site 1 alone covers 0.8, so that is the plan returned (and the optimum).
    # Bound: 0.6 + the next gain of site 1 (cells 2, 3 = 0.4) within the budget = 1.0.
    H = np.array([[40, 0, 0], [40, 40, 0], [0, 40, 0], [0, 40, 0], [0, 40, 40]], float)
    inst = Instance.from_arrays(H, np.ones(5), cost_usd=[1.0, 3.0, 2.0], budget_usd=3.0)
    sol = solvers.run(inst, "greedy")
    assert list(sol.units) == [0, 1, 0]
    assert sol.objective == pytest.approx(0.8, abs=1e-12)
    assert max(inst.score(n) for n in feasible_plans(inst)) == pytest.approx(0.8, abs=1e-12)
    assert sol.bound == pytest.approx(1.0, abs=1e-12)
    # With 4 USD greedy's own plan (sites 0 and 1) covers every cell.
    inst.budget_usd = 4.0
    sol = solvers.run(inst, "greedy")
    assert list(sol.units) == [1, 1, 0] and sol.objective == pytest.approx(1.0, abs=1e-12)
    assert sol.gap == pytest.approx(0.0, abs=1e-12)


# --- on scenarios ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def toy():
    return load_scenario(TOY)


def _solve(s):
    m = build_model(s)
    return m, solvers.run(m.instance, "greedy")


def test_toy_budget_sweep_never_scores_lower(toy):
    previous = 0.0
    for budget in [0.2e6, 0.5e6, 1e6, 2e6, 3e6, 5e6, 8e6, 12e6, 20e6]:
        m, sol = _solve(with_overrides(toy, {"budget.annual_usd": budget}))
        assert sol.objective >= previous - 1e-12
        assert m.instance.check(sol.units) == []
        assert sol.objective == pytest.approx(m.instance.score(sol.units), abs=1e-9)
        assert sol.objective <= sol.bound
        previous = sol.objective


def test_toy_caps_and_side_restrictions(toy):
    raw = toy.model_dump()
    # Teams cheap and good, but only 12 observers (one team); towers only on side B and at most 3;
    # drones up to 3 a base.
    for a in raw["assets"]:
        if a["name"] == "team":
            a["opex_usd_per_year"] = 10_000
        if a["name"] == "tower":
            a["sides"] = ["B"]
            a["max_units"] = 3
        if a["name"] == "drone":
            a["max_units_per_site"] = 3
            a["capex_usd"] = 100_000
            a["opex_usd_per_year"] = 50_000
    raw["budget"] = {"annual_usd": 20e6, "max_observers": 12}
    s = with_overrides(toy, {"assets": raw["assets"], "budget": raw["budget"]})
    m, sol = _solve(s)
    n, st_ = sol.units, m.sites
    names = [a.name for a in s.assets]
    per_asset = np.bincount(st_.asset, weights=n, minlength=len(names))
    assert m.instance.check(n) == []
    assert per_asset[names.index("team")] * 12 <= 12
    assert per_asset[names.index("tower")] <= 3
    tower = st_.asset == names.index("tower")
    assert (st_.side[tower] == 1).all()  # no tower site on the forbidden side A
    assert (st_.side[tower & (n > 0)] == 1).all()
    assert n[st_.asset == names.index("drone")].max() <= 3
    assert m.instance.cost(n) <= 20e6
    # The caps bind (cheap units, ample budget): the plan sits exactly at each of them.
    assert per_asset[names.index("team")] == 1
    assert per_asset[names.index("tower")] == 3
    assert n[st_.asset == names.index("drone")].max() == 3
    # Without the observer cap the same solve fields a team at every site.
    _, free = _solve(with_overrides(s, {"budget.max_observers": None}))
    assert free.units[st_.asset == names.index("team")].sum() > 1


@settings(max_examples=25, deadline=None, derandomize=True)
@given(budget_usd=st.floats(0.2e6, 20e6), max_observers=st.sampled_from([0, 12, 24, None]),
       tower_max=st.sampled_from([0, 2, None]), drone_per_site=st.integers(1, 3),
       team_sides=st.sampled_from([["A"], ["B"], ["A", "B"]]))
def test_toy_plans_keep_random_caps(toy, budget_usd, max_observers, tower_max, drone_per_site, team_sides):
    assets = toy.model_dump()["assets"]
    for a in assets:
        if a["name"] == "tower":
            a["max_units"] = tower_max
        if a["name"] == "drone":
            a["max_units_per_site"] = drone_per_site
        if a["name"] == "team":
            a["sides"] = team_sides
    s = with_overrides(toy, {"assets": assets, "budget": {"annual_usd": budget_usd, "max_observers": max_observers}})
    m, sol = _solve(s)
    n, sites = sol.units, m.sites
    names = [a.name for a in s.assets]
    assert m.instance.check(n) == []
    assert m.instance.cost(n) <= budget_usd * (1 + 1e-9)
    per_asset = np.bincount(sites.asset, weights=n, minlength=3)
    if tower_max is not None:
        assert per_asset[names.index("tower")] <= tower_max
    if max_observers is not None:
        assert per_asset[names.index("team")] * 12 <= max_observers
    assert n[sites.asset == names.index("drone")].max() <= drone_per_site
    team = sites.asset == names.index("team")
    allowed = [("A", "B").index(x) for x in team_sides]
    assert np.isin(sites.side[team], allowed).all()
    assert sol.objective == pytest.approx(m.instance.score(n), abs=1e-9)
    assert sol.objective <= sol.bound


def test_greedy_is_certified_by_the_continuous_relaxation_by_hand():
    """One cell, one site, each unit misses half the time (hazard ln 2), $1 a unit, $1.5, up to 3 units.

    Greedy buys 1 unit: D = 1/2. Its online bound adds the next unit's gain 1/4 per dollar over
    the whole budget: 1/2 + 1.5 x 1/4 = 0.875. The continuous relaxation's optimum spends it all,
    n = 1.5 units: 1 - 2^-1.5 = 0.6464, and no plan does better; greedy reports that bound."""
    inst = Instance.from_arrays(np.array([[math.log(2)]]), [1.0], cost_usd=1.0, budget_usd=1.5, site_cap=3)
    online = solvers.run(inst, "greedy", bound_time_s=0)
    assert online.objective == pytest.approx(0.5) and online.bound == pytest.approx(0.875)
    assert online.bound_from.startswith("online")
    sol = solvers.run(inst, "greedy")
    assert sol.objective == pytest.approx(0.5)
    assert 1 - 2 ** -1.5 - 1e-12 <= sol.bound <= 1 - 2 ** -1.5 + 1e-3
    assert sol.bound_from == "continuous relaxation"


@settings(max_examples=60, deadline=None, derandomize=True)
@given(instances(max_cells=6, max_sites=4, max_cap=2))
def test_swap_and_greedy_bounds_hold_and_the_relaxation_only_tightens(inst):
    best = max(inst.score(n) for n in feasible_plans(inst))
    for solver in ("greedy", "swap"):
        sol = solvers.run(inst, solver, time_limit_s=5) if solver == "swap" else solvers.run(inst, solver)
        online = solvers.run(inst, solver, bound_time_s=0)
        assert sol.objective <= best + 1e-12 <= sol.bound + 2e-12
        assert sol.bound <= online.bound + 1e-12
