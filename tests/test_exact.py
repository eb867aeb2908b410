"""The exact solver against brute force, its cuts against every plan, and its time limit.

Instances are small enough to enumerate every plan (at most a few thousand), drawn from a
seed by hypothesis: probabilistic detection (several classes, hazards of any size, costs,
per-site caps above 1, observer and asset caps) and yes/no coverage (every p = 1, the
maximal covering location problem).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor import solvers
from monitor.model.hazards import MAX_HAZARD
from monitor.model.instance import Instance
from monitor.solvers.exact.program import Program as _Program
from monitor.solvers.outer import Pieces, g

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
FEW = settings(max_examples=25, deadline=None, derandomize=True)


def probabilistic(seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    cells, sites, classes = int(rng.integers(3, 14)), int(rng.integers(2, 7)), int(rng.integers(1, 3))
    pattern = (rng.random((cells, sites)) < 0.5) * rng.choice([0.2, 1.0, 2.5], size=(cells, sites))
    assets = rng.integers(0, 2, size=sites)
    inst = Instance.from_arrays(pattern, rng.random((cells, classes)) + 0.01, rng.choice([1.0, 2.0, 3.0], size=sites),
                                budget_usd=float(rng.integers(2, 7)), site_cap=rng.integers(1, 3, size=sites),
                                site_asset=assets, observers=rng.integers(0, 3, size=sites).astype(float),
                                max_observers=float(rng.integers(2, 6)) if rng.random() < 0.5 else np.inf,
                                asset_cap=rng.integers(2, 5, size=int(assets.max()) + 1))
    inst.F = rng.choice([0.3, 0.8, 1.5, 3.0], size=(sites, classes))
    return inst


def yes_no(seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    cells, sites = int(rng.integers(8, 25)), int(rng.integers(5, 12))
    covered = rng.random((cells, sites)) < 0.35
    return Instance.from_arrays(covered * MAX_HAZARD, rng.random(cells) ** 2 + 0.01, 1.0,
                                budget_usd=float(rng.integers(2, 5)))


def plans(inst: Instance):
    """Every plan within the per-site caps that keeps the budget and every cap."""
    for bits in itertools.product(*[range(int(c) + 1) for c in inst.site_cap]):
        n = np.array(bits)
        if not inst.check(n):
            yield n


def brute_force(inst: Instance) -> float:
    return max(inst.score(n) for n in plans(inst))


def check_exact(inst: Instance) -> None:
    best = brute_force(inst)
    greedy = solvers.run(inst, "greedy")
    sol = solvers.run(inst, "exact", gap=1e-7, time_limit_s=30)
    assert not inst.check(sol.units)
    assert sol.objective == pytest.approx(inst.score(sol.units), abs=1e-12)
    assert sol.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert greedy.objective <= sol.objective + 1e-9
    assert sol.objective <= sol.bound + 1e-12
    assert sol.bound >= best - 1e-9
    assert sol.status == "optimal"


@FEW
@given(SEEDS)
def test_exact_matches_brute_force_probabilistic(seed):
    check_exact(probabilistic(seed))


@FEW
@given(SEEDS)
def test_exact_matches_brute_force_yes_no(seed):
    check_exact(yes_no(seed))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(SEEDS)
@example(9521492)  # two assets with equal caps in one factor group: their caps add (a bug once)
def test_cuts_hold_for_every_plan(seed):
    """Cuts made at any point (fractional here) never cut off an integer plan's true detection."""
    inst = probabilistic(seed)
    pc = Pieces.from_instance(inst)
    if pc.K == 0:
        return
    rng = np.random.default_rng(seed)
    ks = np.arange(pc.K)
    x = rng.random(inst.n_sites) * inst.site_cap
    alpha, sigma, tau = pc.cuts_at(pc.hazard(x), pc.lattice_hazard(x), ks)
    for n in plans(inst):
        u, uL = pc.hazard(n), pc.lattice_hazard(n)
        assert np.all(alpha + sigma * uL + tau * (u - uL) >= g(u) - 1e-12)
        assert np.all(pc.sub @ (pc.V @ n) >= g(u) - 1e-12)
        assert np.all(pc.z_max >= g(u) - 1e-12)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(SEEDS)
def test_merged_pieces_score_like_the_instance(seed):
    inst = probabilistic(seed)
    inst.B = inst.B[np.r_[0:inst.B.shape[0], 0:inst.B.shape[0]]]  # every row twice: groups must merge them
    inst.W = np.vstack([inst.W, inst.W]) / 2
    pc = Pieces.from_instance(inst)
    assert pc.groups <= inst.B.shape[0] // 2
    n = np.random.default_rng(seed).integers(0, 2, size=inst.n_sites)
    assert pc.score(n) == pytest.approx(inst.score(n), rel=1e-12)


def test_time_limit_returns_a_feasible_plan_with_an_honest_bound():
    rng = np.random.default_rng(7)
    inst = Instance.from_arrays((rng.random((60, 12)) < 0.3) * rng.choice([0.5, 2.0], size=(60, 12)),
                                rng.random((60, 2)), rng.choice([1.0, 2.0], size=12), budget_usd=6.0)
    best = brute_force(inst)
    for limit in (1e-3, 0.05):
        sol = solvers.run(inst, "exact", time_limit_s=limit, gap=0.0)
        assert not inst.check(sol.units)
        assert sol.bound >= best - 1e-9
        assert sol.objective <= best + 1e-12
        assert sol.status in ("time_limit", "optimal")


def test_warm_start_is_used_and_kept_feasible():
    inst = probabilistic(3)
    start = next(n for n in plans(inst) if n.any())
    sol = solvers.run(inst, "exact", start=start, gap=1e-7)
    assert sol.objective >= inst.score(start) - 1e-12
    assert not inst.check(sol.units)
    bad = np.full(inst.n_sites, 99)  # an infeasible start is ignored, not trusted
    assert not inst.check(solvers.run(inst, "exact", start=bad, gap=1e-7).units)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(SEEDS)
def test_swap_improves_on_greedy_within_bounds(seed):
    inst = probabilistic(seed)
    greedy = solvers.run(inst, "greedy")
    swap = solvers.run(inst, "swap", time_limit_s=5)
    assert not inst.check(swap.units)
    assert swap.objective >= greedy.objective - 1e-12
    assert swap.objective <= brute_force(inst) + 1e-12 <= swap.bound + 1e-9


def sensors_and_drones() -> Instance:
    """One cell; sites 0 and 1 are sensors (hazard 1 each, the same every unit: a lattice),
    sites 2 and 3 drones of one asset whose hazards differ (0.3 and 0.6: an interval)."""
    inst = Instance.from_arrays(np.array([[1.0, 1.0, 0.15, 0.3]]), [1.0], 1.0, budget_usd=4.0,
                                site_asset=np.array([0, 0, 1, 1]))
    inst.F = np.array([[1.0], [1.0], [2.0], [2.0]])
    return inst


def test_secant_over_the_sensor_lattice_by_hand():
    pc = Pieces.from_instance(sensors_and_drones())
    ks = np.arange(1)
    # half a sensor, no drone: lattice points 0, 1, 2 around u_L = 0.5 give the secant from 0 to 1
    x = np.array([0.5, 0.0, 0.0, 0.0])
    alpha, sigma, tau = pc.cuts_at(pc.hazard(x), pc.lattice_hazard(x), ks)
    assert (alpha[0], sigma[0], tau[0]) == pytest.approx((0.0, g(1.0), 1.0))
    # one and a half sensors and half the small drone: u_L = 1.5, u_I = 0.5 * 0.3 = 0.15
    x = np.array([1.0, 0.5, 0.5, 0.0])
    alpha, sigma, tau = pc.cuts_at(pc.hazard(x), pc.lattice_hazard(x), ks)
    slope = g(2.0) - g(1.0)
    assert (alpha[0], sigma[0], tau[0]) == pytest.approx((g(1.0) - slope, slope, np.exp(-1.0)))
    assert alpha[0] + sigma[0] * 1.5 + tau[0] * 0.15 < g(1.65)  # tighter than the tangent there
    # a whole plan with drone hazard: the tangent at u, exact at the plan
    x = np.array([1.0, 0.0, 1.0, 0.0])
    alpha, sigma, tau = pc.cuts_at(pc.hazard(x), pc.lattice_hazard(x), ks)
    assert alpha[0] + sigma[0] * 1.0 + tau[0] * 0.3 == pytest.approx(g(1.3))
    for n in plans(sensors_and_drones()):
        u, uL = pc.hazard(n)[0], pc.lattice_hazard(n)[0]
        assert alpha[0] + sigma[0] * uL + tau[0] * (u - uL) >= g(u) - 1e-12


@settings(max_examples=10, deadline=None, derandomize=True)
@given(SEEDS)
def test_program_with_and_without_count_variables_agree(seed):
    """Substituting v = V n into the rows changes the program's size, not its LP optimum."""
    inst = probabilistic(seed)
    pc = Pieces.from_instance(inst)
    if pc.K == 0:
        return
    ub_n = np.where(inst.fits_alone(), inst.site_cap, 0).astype(float)
    points = np.random.default_rng(seed).random((3, inst.n_sites)) * ub_n
    bounds = []
    for direct in (False, True):
        prog = _Program(inst, pc, ub_n, direct=direct)
        for x in points:  # the same cuts in both forms
            prog.add_cuts(x, None)
        bounds.append(prog.lm.solve_lp(30.0).bound)
    assert bounds[0] == pytest.approx(bounds[1], rel=1e-7, abs=1e-9)
