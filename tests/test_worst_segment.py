"""The least watched segment: worst_segment and min_segment_detection by hand, against brute force,
and the violator's best response every plan reports."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import TOY
from hypothesis import given, settings
from hypothesis import strategies as st
from test_verified import brute_force, caps_plans, random_instance

from monitor import api, solvers
from monitor.cli import main
from monitor.errors import InputError
from monitor.model.instance import Instance
from monitor.model.metrics import plan_metrics
from monitor.solvers.relax import frank_wolfe_bound
from monitor.solvers.segments import Groups, saturate
from monitor.solvers.state import state_for

FEW = settings(max_examples=20, deadline=None)
SEEDS = st.integers(0, 10_000)


def two_segments(budget_usd: float = 1.0) -> Instance:
    """Cell 0 (segment 0, 90% of violations) and cell 1 (segment 1, 10%). Site 0 sees cell 0 with
    P = 0.72, site 1 cell 1 with 0.72, site 2 both with 0.30; every unit costs 1."""
    b, c = -math.log(1 - 0.72), -math.log(1 - 0.30)
    inst = Instance.from_arrays([[b, 0, c], [0, b, c]], [0.9, 0.1], 1.0, budget_usd)
    inst.cell_segment = np.array([0, 1])
    return inst


def test_worst_segment_by_hand():
    # One unit: detection takes site 0 (D = 0.9 x 0.72 = 0.648, worst 0); worst_segment takes
    # site 2 (both segments at 0.30; D = 0.30).
    inst = two_segments()
    assert inst.segment_scores(np.array([1, 0, 0])) == pytest.approx([0.72, 0.0])
    assert inst.worst_segment(np.array([0, 0, 1])) == pytest.approx(0.30)
    for name in ("greedy", "swap", "exact"):
        assert solvers.run(inst, name).units.tolist() == [1, 0, 0], name
        sol = solvers.run(inst.with_objective("worst_segment"), name)
        assert sol.units.tolist() == [0, 0, 1], name
        assert sol.objective == pytest.approx(0.30)
        assert sol.bound >= 0.30 - 1e-9
    # Two units: sites 0 and 1, each segment at 0.72.
    assert solvers.run(two_segments(2.0).with_objective("worst_segment"), "exact").objective == pytest.approx(0.72)


def test_min_segment_by_hand():
    # With every segment at >= 0.2, detection must take site 2 (D 0.30), the only plan that keeps it.
    inst = two_segments()
    inst.min_segment = 0.2
    assert inst.check(np.array([1, 0, 0]))[-1].startswith("the worst segment's detection is 0.00%")
    for name in ("greedy", "swap", "exact"):
        sol = solvers.run(inst, name)
        assert sol.units.tolist() == [0, 0, 1], name
        assert sol.objective == pytest.approx(0.30)
    # 0.5 is out of reach of one unit: the LP proves it.
    inst.min_segment = 0.5
    sol = solvers.run(inst, "exact")
    assert sol.status == "infeasible"
    assert inst.check(sol.units)


def test_saturate_stops_when_every_group_reaches_the_level():
    inst = two_segments(2.0)
    units, reached = saturate(inst, np.zeros(3, int), 0.25)
    assert reached and units.tolist() == [0, 0, 1]  # one unit at site 2 lifts both to 0.30
    units, reached = saturate(inst, np.zeros(3, int), 0.9)
    assert not reached


def test_group_deltas_are_differences_of_the_scores():
    inst = random_instance(7, "detection")
    inst.cell_segment = np.arange(inst.B.shape[0]) % 3
    inst.per_class = True
    n = np.zeros(inst.n_sites, int)
    st_ = state_for(inst, n)
    grp = Groups(inst, st_)
    d = grp.delta_all()
    S0 = inst.segment_scores(n)
    for j in range(inst.n_sites):
        m = n.copy()
        m[j] += 1
        want = np.nan_to_num(inst.segment_scores(m) - S0)
        got = np.zeros_like(want)
        np.add.at(got, grp.grp[grp.site == j], d[grp.site == j])
        assert got == pytest.approx(want, abs=1e-12)
        g, dj = grp.delta_site(j)
        assert np.nan_to_num(want)[g] == pytest.approx(dj, abs=1e-12)


def segmented(seed: int, objective: str, measure: str, per_class: bool, cover: bool = False) -> Instance:
    inst = random_instance(seed, "verified" if measure == "verified" and objective != "detection" else "detection")
    inst.objective = objective
    inst.measure = measure
    inst.per_class = per_class
    inst.every_cell_seen = cover
    inst.cell_segment = np.random.default_rng(seed + 1).integers(0, 3, size=inst.B.shape[0])
    return inst


def check_against_brute_force(inst: Instance) -> None:
    feasible = [n for n in caps_plans(inst) if inst.check(n) == []]
    ex = solvers.run(inst, "exact", {"gap": 1e-6, "time_limit_s": 30})
    if not feasible:  # min_segment out of reach: no solver may claim a feasible plan
        assert inst.check(ex.units)
        return
    best, _ = brute_force(inst)
    assert inst.check(ex.units) == []
    assert ex.objective == pytest.approx(inst.score(ex.units), rel=1e-9, abs=1e-12)
    assert best * (1 - 1e-6) - 1e-9 <= ex.objective <= best + 1e-9, (ex, best)
    assert ex.bound >= best - 1e-9
    for name in ("greedy", "swap"):
        sol = solvers.run(inst, name)
        assert sol.objective == pytest.approx(inst.score(sol.units), rel=1e-9, abs=1e-12), name
        assert sol.bound >= best - 1e-9, (name, sol, best)
        if inst.objective == "worst_segment" and not inst.every_cell_seen:  # greedy set cover may miss a cover
            assert inst.check(sol.units) == [], name


@FEW
@given(SEEDS, st.sampled_from(["detection", "verified"]), st.booleans(), st.booleans())
def test_worst_segment_equals_brute_force(seed, measure, per_class, cover):
    check_against_brute_force(segmented(seed, "worst_segment", measure, per_class, cover))


def test_every_cell_seen_by_hand():
    # Segment A holds cells 0 (90% of its weight) and 1, segment B cell 2. Site 0 sees cell 0, site
    # 1 cell 2, site 2 cell 1 (hazard 2 each: P = 0.8647), site 3 cells 1 and 2 weakly (0.3: P =
    # 0.2592). Two units: the best worst segment takes sites 0 and 1 (A 0.9 x 0.8647 = 0.7782,
    # B 0.8647) and leaves cell 1 unseen; seeing every cell takes sites 0 and 3 (A 0.9 x 0.8647 +
    # 0.1 x 0.2592 = 0.8041, B 0.2592): worst 0.2592.
    B = [[2.0, 0, 0, 0], [0, 0, 2.0, 0.3], [0, 2.0, 0, 0.3]]
    inst = Instance.from_arrays(B, [0.45, 0.05, 0.5], 1.0, 2.0).with_objective("worst_segment")
    inst.cell_segment = np.array([0, 0, 1])
    free = solvers.run(inst, "exact")
    assert free.units.tolist() == [1, 1, 0, 0] and free.objective == pytest.approx(0.9 * (1 - np.exp(-2)))
    inst.every_cell_seen = True
    assert inst.check(np.array([1, 1, 0, 0]))[-1] == "1 cells with violations are seen by no unit (every_cell_seen)"
    for name in ("greedy", "swap", "exact"):
        sol = solvers.run(inst, name)
        assert sol.units.tolist() == [1, 0, 0, 1], name
        assert sol.objective == pytest.approx(1 - np.exp(-0.3)), name


@FEW
@given(SEEDS, st.sampled_from(["detection", "verified"]), st.sampled_from([0.3, 0.7, 1.0]))
def test_min_segment_equals_brute_force(seed, objective, share):
    # the level is a share of the best worst segment any plan reaches: met, tight, or just met
    inst = segmented(seed, objective, objective, False)
    worst = inst.with_objective("worst_segment")
    worst.measure = objective
    reach, _ = brute_force(worst)
    inst.min_segment = share * reach
    check_against_brute_force(inst)


@FEW
@given(SEEDS)
def test_greedy_meets_any_level_its_own_worst_segment_plan_reaches(seed):
    # min_segment at exactly what greedy's worst_segment plan (every cell seen) reaches: greedy on the
    # objective must find a plan that keeps it (it takes that plan as its last resort), not report a shortfall
    inst = segmented(seed, "detection", "detection", False)
    worst = inst.with_objective("worst_segment")
    worst.every_cell_seen = True
    level = worst.worst_segment(solvers.run(worst, "greedy").units)
    inst.min_segment = level
    sol = solvers.run(inst, "greedy")
    assert inst.worst_segment(sol.units) >= level - 1e-9 and not inst.check(sol.units)


@FEW
@given(SEEDS, st.sampled_from(["detection", "verified"]))
def test_lagrangian_bound_is_above_the_best_worst_segment(seed, measure):
    inst = segmented(seed, "worst_segment", measure, False)
    best, _ = brute_force(inst)
    r = frank_wolfe_bound(inst, np.zeros(inst.n_sites, int), inst.fits_alone(), 0.5)
    assert r.bound >= best - 1e-9


def test_best_response_on_the_toy_plan():
    res = api.solve(TOY)
    m = res.metrics
    P = res.model.instance.detection_by_cell(res.solution.units)
    ws = m["worst_segment"]
    assert ws["detection"] == pytest.approx(np.nanmin(res.model.instance.segment_scores(res.solution.units)))
    for c, name in enumerate(res.model.instance.names["classes"]):
        assert m["worst_cell_by_class"][name]["detection"] == pytest.approx(P[res.model.instance.W[:, c] > 0, c].min())
    blind = res.model.instance.hazard(res.solution.units).sum(axis=1) == 0
    cells = res.model.cells
    assert m["unseen_area_share"] == pytest.approx(cells.area_km2[blind].sum() / cells.area_km2.sum())
    empty = plan_metrics(res.model, np.zeros(res.model.instance.n_sites, int))
    assert empty["unseen_area_share"] == pytest.approx(1.0)
    assert empty["worst_segment"]["detection"] == 0.0


def test_worst_segment_plan_lifts_the_worst_segment_on_the_toy():
    d = api.solve(TOY, solver="exact", time_limit_s=20)
    w = api.solve(TOY, solver="exact", objective="worst_segment", time_limit_s=20)
    assert w.metrics["worst_segment"]["detection"] >= d.metrics["worst_segment"]["detection"] - 1e-9
    assert w.solution.objective == pytest.approx(w.metrics["worst_segment"]["detection"])


def test_unmet_min_segment_is_one_line_naming_the_key(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(InputError) as e:
        api.solve(TOY, min_segment_detection=1.0)
    assert "objective.min_segment_detection" in str(e.value)
    assert main(["solve", str(TOY), "--min-segment-detection", "0.9", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "objective.min_segment_detection = 0.9" in err[0], err
    assert "greedy meets it at $" in err[0] and "a year" in err[0]
    assert not out.exists()


def test_plan_json_carries_the_best_response(tmp_path):
    res = api.solve(TOY)
    files = res.write(tmp_path)
    doc = json.loads((tmp_path / "plan.json").read_text())
    assert {"worst_segment", "worst_segment_verified", "worst_segment_by_class", "worst_cell_by_class",
            "unseen_area_share"} <= set(doc["metrics"])
    assert any(p.name == "report.md" for p in files)
    assert "zones' area no unit sees" in (tmp_path / "report.md").read_text()


def test_frontier_marks_budgets_that_cannot_meet_min_segment(tmp_path):
    run = api.frontier(TOY, [1e6, 5e6], mixes=["all"], checkpoint_dir=tmp_path,
                       overrides={"objective.min_segment_detection": 0.85})
    low, high = sorted(run.result.points, key=lambda p: p.budget_usd)
    assert low.problems and "min_segment_detection" in low.problems[0]
    assert not high.problems
    assert "%*" in run.text() and "break a constraint" in run.text()
    worst = api.frontier(TOY, [5e6], mixes=["all"], objective="worst_segment", checkpoint_dir=tmp_path / "w")
    (p,) = worst.result.points
    assert p.value == pytest.approx(p.worst_segment["detection"])  # the sweep's value is the worst segment
