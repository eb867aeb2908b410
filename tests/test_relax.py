"""The Frank-Wolfe bound of the continuous relaxation: its knapsack step by hand, and that it
never falls below the best plan (brute force), whatever the caps it drops."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_exact import brute_force, probabilistic, yes_no

from monitor.model.instance import Instance
from monitor.solvers.greedy import solve_greedy
from monitor.solvers.relax import frank_wolfe_bound, knapsack_max

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def test_knapsack_by_hand():
    # gradient per dollar: site 0 3/1, site 1 4/2, site 2 free, site 3 negative gradient
    grad = np.array([3.0, 4.0, 0.5, -1.0])
    cost = np.array([1.0, 2.0, 0.0, 1.0])
    cap = np.array([2.0, 3.0, 1.0, 5.0])
    s = knapsack_max(grad, cost, cap, budget=5.0)
    # free site at cap; site 0 at cap (2 USD), then site 1 gets the 3 USD left: 1.5 units
    assert s.tolist() == [2.0, 1.5, 1.0, 0.0]


@settings(max_examples=30, deadline=None, derandomize=True)
@given(SEEDS, st.sampled_from(["probabilistic", "yes_no"]))
def test_bound_holds_over_every_plan(seed, kind):
    inst = probabilistic(seed) if kind == "probabilistic" else yes_no(seed)
    best = brute_force(inst)
    r = frank_wolfe_bound(inst, solve_greedy(inst).units, inst.fits_alone(), time_limit_s=5.0)
    assert r.bound >= best - 1e-9
    assert r.value <= r.bound + 1e-12  # the point's own score: the bound is a bound for it too


def test_bound_approaches_the_continuous_optimum():
    # one cell, two sensors of hazard 1 at 1 USD each, 1.5 USD: the relaxation puts 1.5 units,
    # D = 1 - exp(-1.5), above the best whole plan 1 - exp(-1)
    inst = Instance.from_arrays(np.array([[1.0, 1.0]]), [1.0], 1.0, budget_usd=1.5)
    r = frank_wolfe_bound(inst, np.array([1, 0]), inst.fits_alone(), time_limit_s=5.0)
    assert r.bound == pytest.approx(-np.expm1(-1.5), abs=1e-6)
    assert r.bound >= -np.expm1(-1.0)
