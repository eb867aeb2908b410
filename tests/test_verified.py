"""Verified detection V: hand cases on the 20 km line, and the solvers against brute force.

Line (conftest): 40 cells of 1 km2, 1/40 of the violations each; sites at s = 10 km, 0.5 km from
the line. Cells of side A (North) sit at +0.5 km, side B (South) at -0.5 km; the site stands
level with side A's row, so its own-side cells lie at 0.5, 1.5, 2.5, ... km along the line.
Tower: radius 1.6 km, q = 0.9 x 0.8 = 0.72, sees 4 cells of side A (d = 0.5, 1.5) and 2 of side B
(d = sqrt(0.5^2 + 1) = 1.12; the next ones are at 1.80). Team: radius 3 km, own side only: the 6
cells of side A at d = 0.5, 1.5, 2.5; with availability 0.8, S = 2 x 12 x 0.5 x 0.8 = 9.6 km2 a day
over 6 km2, lambda = 9.6 / (24 x 6) = 1/15 an hour, hazard a = lambda x 6 h x 0.5 = 0.2.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import TOY, line_scenario, model_of, one_class, patrol, sensor, units_at
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import solvers
from monitor.model.build import build_model
from monitor.model.instance import Instance, Verification
from monitor.model.load import load_scenario
from monitor.model.metrics import plan_metrics
from monitor.solvers.relax import frank_wolfe_bound
from monitor.solvers.state import VerifiedState

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
FEW = settings(max_examples=25, deadline=None, derandomize=True)
Q = 0.9 * 0.8
A_TEAM = 0.2  # the team's hazard per cell (module doc)


def plan(m, **per_asset):
    return sum(units_at(m, a, {0: k}) for a, k in per_asset.items())


# --- hand cases ---------------------------------------------------------------------------------

def test_tower_alone_detects_but_verifies_nothing():
    m = model_of(line_scenario([sensor(), patrol(availability=0.8)]))
    n = plan(m, tower=1)
    met = plan_metrics(m, n)
    # D = (6 cells x 0.72) / 40 = 0.108; no verifier placed, so rho = 0 everywhere and V = 0.
    assert met["detection"] == pytest.approx(6 * Q / 40, rel=1e-6)
    assert m.instance.verified(n) == 0.0
    assert met["verified"] == 0.0
    assert met["detected_unreachable_share"] == pytest.approx(1.0)


def test_tower_and_team_on_one_side_by_hand():
    m = model_of(line_scenario([sensor(), patrol(availability=0.8)]))
    n = plan(m, tower=1, team=1)
    # The team reaches its 6 cells of side A in time (3 km by road x 1.4 at 40 km/h after 0.5 h:
    # 0.605 h < 6 h), so they count P x alpha = P x 0.8. Of them the 4 the tower sees have
    # P = 1 - 0.28 e^-0.2, the 2 at d = 2.5 P = 1 - e^-0.2; the tower's 2 cells of side B are not
    # reached: V = 0.8 / 40 x (4 (1 - 0.28 e^-0.2) + 2 (1 - e^-0.2)) = 0.068911.
    V = 0.8 / 40 * (4 * (1 - (1 - Q) * math.exp(-A_TEAM)) + 2 * -math.expm1(-A_TEAM))
    assert V == pytest.approx(0.068911, abs=1e-6)
    assert m.instance.verified(n) == pytest.approx(V, rel=1e-6)
    met = plan_metrics(m, n)
    assert met["verified"] == pytest.approx(V, rel=1e-6)
    assert met["verified_by_side"]["North"] == pytest.approx(2 * V, rel=1e-6)  # side A holds half the weight
    assert met["verified_by_side"]["South"] == 0.0
    # D = (4 (1 - 0.28 e^-0.2) + 2 (1 - e^-0.2) + 2 x 0.72) / 40: V / D = 0.8 x 3.4456 / 4.8856
    assert met["verified_share_of_detected"] == pytest.approx(V / met["detection"], rel=1e-6)
    assert met["verified_share_of_detected"] == pytest.approx(0.8 * 3.44563 / 4.88563, rel=1e-5)


def test_team_on_side_a_does_not_verify_side_b_unless_it_enters():
    tower_b = sensor(offsets_km=(-0.5,), crosses_line=False)  # sees the 4 cells of side B at d = 0.5, 1.5
    m = model_of(line_scenario([tower_b, patrol(availability=0.8)]))
    n = plan(m, tower=1, team=1)
    met = plan_metrics(m, n)
    # Own side only: V is the team's own detection on its 6 cells of side A, 0.8 x 6 (1 - e^-0.2) / 40.
    assert met["by_side"]["South"]["detection"] > 0.1
    assert met["verified_by_side"]["South"] == 0.0
    assert met["verified"] == pytest.approx(0.8 * 6 * -math.expm1(-A_TEAM) / 40, rel=1e-6)
    # enters = [A, B]: the team also reaches the 6 cells of side B within 3 km (d = sqrt(dx^2 + 1),
    # dx = 0.5, 1.5, 2.5 -> <= 2.69), so it patrols 12 km2: lambda = 9.6 / (24 x 12), a = 0.1.
    # Side B: 4 cells at P = 1 - 0.28 e^-0.1, 2 at 1 - e^-0.1; side A: 6 at 1 - e^-0.1; all x 0.8.
    m2 = model_of(line_scenario([tower_b, patrol(availability=0.8, enters=["A", "B"])]))
    met2 = plan_metrics(m2, plan(m2, tower=1, team=1))
    a = 0.1
    south = 0.8 * (4 * (1 - (1 - Q) * math.exp(-a)) + 2 * -math.expm1(-a)) / 40
    north = 0.8 * 6 * -math.expm1(-a) / 40
    assert met2["verified_by_side"]["South"] == pytest.approx(south / 0.5, rel=1e-6)
    assert met2["verified"] == pytest.approx(south + north, rel=1e-6)


def test_window_shorter_than_dispatch_verifies_nothing_of_that_class():
    classes = [one_class("slow", share=0.5), {**one_class("fast", share=0.25), "verify_within_h": 0.25},
               {**one_class("quick", share=0.25), "verify_within_h": 0.55}]
    m = model_of(line_scenario([patrol(availability=0.8)], classes=classes))
    n = plan(m, team=1)
    inst, met = m.instance, plan_metrics(m, n)
    # fast: 0.25 h < dispatch 0.5 h, no reach at all, though the team detects it (a = 0.2, 6 cells).
    assert inst.verify.R[1].nnz == 0
    assert met["by_class"]["fast"] == pytest.approx(6 * -math.expm1(-A_TEAM) / 40, rel=1e-6)
    assert met["verified_by_class"]["fast"] == 0.0
    # slow: 6 h window, all 6 cells: 0.8 x 6 (1 - e^-0.2) / 40.
    assert met["verified_by_class"]["slow"] == pytest.approx(0.8 * 6 * -math.expm1(-A_TEAM) / 40, rel=1e-6)
    # quick: 40 x (0.55 - 0.5) / 1.4 = 1.43 km: only the 2 cells at d = 0.5 (not those at 1.5).
    assert inst.verify.R[2].nnz == 2
    assert met["verified_by_class"]["quick"] == pytest.approx(0.8 * 2 * -math.expm1(-A_TEAM) / 40, rel=1e-6)
    assert met["verified"] == pytest.approx(0.5 * met["verified_by_class"]["slow"]
                                            + 0.25 * met["verified_by_class"]["quick"], rel=1e-9)


def test_verified_never_exceeds_detected_per_cell_on_toy():
    m = build_model(load_scenario(TOY))
    inst = m.instance.with_objective("verified")
    sol = solvers.run(inst, "greedy")
    n = sol.units
    VP, P = inst.verified_by_cell(n), inst.detection_by_cell(n)
    assert (VP <= P + 1e-15).all()
    assert 0 < inst.verified(n) < inst.detected(n)  # some detected cells lie beyond every verifier
    assert sol.objective == pytest.approx(inst.verified(n), rel=1e-12)
    assert plan_metrics(m, n)["verified"] == pytest.approx(inst.verified(n), rel=1e-9)


# --- brute force --------------------------------------------------------------------------------

def random_instance(seed: int, objective: str = "verified", mandates: bool = False) -> Instance:
    """6-12 cells, 4-6 sites, 1-2 classes, caps 1-2, two assets; verifier sites (the columns of R
    that count, as build makes them) in 1-2 groups with alpha in [0.5, 1]."""
    rng = np.random.default_rng(seed)
    cells, sites, classes = int(rng.integers(6, 13)), int(rng.integers(4, 7)), int(rng.integers(1, 3))
    B = (rng.random((cells, sites)) < 0.5) * rng.choice([0.2, 1.0, 2.5], size=(cells, sites))
    assets = rng.integers(0, 2, size=sites)
    assets[0] = 1
    inst = Instance.from_arrays(B, rng.random((cells, classes)) + 0.01, rng.choice([1.0, 2.0, 3.0], size=sites),
                                budget_usd=float(rng.integers(2, 7)), site_cap=rng.integers(1, 3, size=sites),
                                site_asset=assets, asset_cap=rng.integers(2, 5, size=2))
    inst.F = rng.choice([0.3, 0.8, 1.5, 3.0], size=(sites, classes))
    Qn = int(rng.integers(1, 3))
    group = np.where(rng.random(sites) < 0.6, rng.integers(0, Qn, size=sites), -1)
    group[int(rng.integers(sites))] = 0  # at least one verifier
    R = [sp.csc_matrix((rng.random((cells, sites)) < 0.5) * (group >= 0)[None, :].astype(float))
         for _ in range(classes)]
    inst.verify = Verification(R=R, group=group, alpha=rng.uniform(0.5, 1.0, size=Qn))
    inst.objective = objective
    if mandates:
        inst.site_min = np.where(rng.random(sites) < 0.25, 1, 0)
        inst.asset_min = rng.integers(0, 3, size=2)
        cheapest = min((inst.cost(n) for n in caps_plans(inst) if _mandated(inst, n)), default=None)
        if cheapest is None:  # no plan within the caps holds the minimums: drop the asset minimums
            inst.asset_min = np.zeros(2, int)
            cheapest = inst.cost(inst.site_min)
        inst.budget_usd = max(inst.budget_usd, cheapest + float(rng.integers(1, 4)))  # room beyond the minimums
    return inst


def caps_plans(inst: Instance):
    return (np.array(b) for b in itertools.product(*[range(int(c) + 1) for c in inst.site_cap]))


def _mandated(inst: Instance, n: np.ndarray) -> bool:
    """n holds the minimums within the site and asset caps (the budget aside)."""
    per_asset = np.bincount(inst.site_asset, weights=n, minlength=len(inst.asset_cap))
    return bool((n >= inst.lower).all() and (per_asset >= inst.asset_min).all() and (per_asset <= inst.asset_cap).all())


def brute_force(inst: Instance) -> tuple[float, np.ndarray]:
    """The best score over every feasible plan (inst.check includes the minimums)."""
    feasible = [n for n in caps_plans(inst) if inst.check(n) == []]
    scores = [inst.score(n) for n in feasible]
    k = int(np.argmax(scores))
    return scores[k], feasible[k]


def check_solvers(inst: Instance) -> None:
    best, _ = brute_force(inst)
    ex = solvers.run(inst, "exact", {"gap": 1e-6, "time_limit_s": 30})
    assert inst.check(ex.units) == []
    assert ex.objective == pytest.approx(inst.score(ex.units), rel=1e-9, abs=1e-12)
    assert ex.objective <= best + 1e-9
    assert ex.objective >= best * (1 - 1e-6) - 1e-9, (ex, best)
    assert ex.bound >= best - 1e-9
    for name in ("greedy", "swap"):
        sol = solvers.run(inst, name)
        assert inst.check(sol.units) == [], name
        assert sol.objective == pytest.approx(inst.score(sol.units), rel=1e-9, abs=1e-12), name
        assert sol.objective <= best + 1e-9, name
        assert sol.bound >= best - 1e-9, (name, sol, best)


@FEW
@given(SEEDS)
def test_solvers_against_brute_force_on_verified(seed):
    # V(n) is enumerated over every plan (at most 3^6 = 729); exact must reach it within 1e-6 and
    # every solver's bound must lie above it.
    check_solvers(random_instance(seed))


@FEW
@given(SEEDS)
def test_state_gains_and_losses_are_differences_of_v(seed):
    # gain(j | n) = V(n + e_j) - V(n) for every j; loss(j | n) = V(n) - V(n - e_j) where n_j > 0.
    inst = random_instance(seed)
    n = np.random.default_rng(seed + 1).integers(0, 3, size=inst.n_sites)
    st_ = VerifiedState(inst, n)
    assert st_.objective() == pytest.approx(inst.verified(n), rel=1e-12, abs=1e-15)
    eye = np.eye(inst.n_sites, dtype=int)
    gains = [inst.verified(n + eye[j]) - inst.verified(n) for j in range(inst.n_sites)]
    np.testing.assert_allclose(st_.all_gains(), gains, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose([st_.gain(j) for j in range(inst.n_sites)], gains, rtol=1e-9, atol=1e-12)
    placed = np.flatnonzero(n > 0)
    losses = [inst.verified(n) - inst.verified(n - eye[j]) for j in placed]
    np.testing.assert_allclose(st_.losses()[placed], losses, rtol=1e-9, atol=1e-12)
    j = int(placed[0]) if len(placed) else 0  # add keeps the state in step with V
    st_.add(j, -1 if len(placed) else 1)
    assert st_.objective() == pytest.approx(inst.verified(st_.units), rel=1e-12, abs=1e-15)


@FEW
@given(SEEDS, st.sampled_from(["detection", "verified"]))
def test_mandates_are_kept_and_exact_is_optimal_among_them(seed, objective):
    # Existing units (site_min) and min_units (asset_min) restrict the plans enumerated; every solver's
    # plan must hold them, and exact must match the best plan that does.
    inst = random_instance(seed, objective, mandates=True)
    assert any(inst.check(n) == [] for n in caps_plans(inst))
    check_solvers(inst)


@FEW
@given(SEEDS)
def test_frank_wolfe_bound_is_above_the_best_verified_plan(seed):
    # F >= V at every whole plan and F is concave, so the Frank-Wolfe gap bounds max V from any start.
    inst = random_instance(seed)
    best, arg = brute_force(inst)
    for start in (np.zeros(inst.n_sites), arg):
        r = frank_wolfe_bound(inst, start, inst.fits_alone(), 2.0)
        assert r.bound >= best - 1e-9, (start, r.bound, best)


def test_the_split_on_the_number_of_verifiers_bounds_every_plan():
    # The LP on each side of sum n <= floor(m) / >= ceil(m) bounds every whole plan; over 40 seeded
    # instances the split runs where the LP buys a fractional number of verifiers, and on some its
    # bound is the one exact ends with. Each such bound must stand above the brute-force optimum.
    from_split = 0
    for seed in range(40):
        inst = random_instance(seed)
        ex = solvers.run(inst, "exact", {"gap": 1e-6, "time_limit_s": 30})
        best, _ = brute_force(inst)
        assert ex.bound >= best - 1e-9, seed
        from_split += "number of verifiers" in (ex.bound_from or "")
    assert from_split >= 1


# --- parity between the sides (max_side_gap) ---------------------------------------------------

def test_parity_caps_what_a_one_sided_tower_network_may_detect():
    # Towers only on side A, 4 km apart (1.6 km radius): each sees 4 cells of side A (d = 0.5, 1.5)
    # and none of B or of its neighbours', so S_A = 4 x 0.72 / 20 = 0.144 a tower and S_B = 0. With
    # max_side_gap 0.3 two towers fit (0.288) and a third breaks it (0.432): the best plan is two
    # towers, D = 2 x 4 x 0.72 / 40 = 0.144, whatever the budget.
    raw = line_scenario([sensor(spacing_km=4.0, crosses_line=False, sides=["A"])], budget_usd=1e8)
    raw["budget"]["max_side_gap"] = 0.3
    inst = model_of(raw).instance
    for name in ("greedy", "swap", "exact"):
        sol = solvers.run(inst, name)
        assert sol.units.sum() == 2 and inst.check(sol.units) == [], name
        assert sol.objective == pytest.approx(2 * 4 * Q / 40, rel=1e-6), name
        assert sol.bound >= sol.objective - 1e-12, name
    assert solvers.run(inst, "exact").gap <= 1e-3  # and exact proves it
    # All five towers see every cell of side A: S_A = 0.72, S_B = 0, 72 points apart.
    assert inst.check(np.ones(inst.n_sites, int))[-1].startswith("the sides' detection differs by 72.00 points")


@FEW
@given(SEEDS, st.sampled_from(["detection", "verified"]), st.sampled_from([0.02, 0.1, 0.3]))
def test_parity_is_kept_and_exact_is_optimal_under_it(seed, objective, gap):
    inst = random_instance(seed, objective)
    inst.site_cap = np.ones(inst.n_sites, int)  # exact cuts off plans that break parity only where sites hold one unit
    inst.cell_side = (np.arange(inst.B.shape[0]) % 2).astype(np.int8)
    inst.max_side_gap = gap
    check_solvers(inst)
