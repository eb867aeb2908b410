"""Losses: detection after the worst k units are lost, by hand, against brute force, and its bound."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from conftest import TOY, line_scenario, model_of, sensor, units_at
from hypothesis import given, settings
from hypothesis import strategies as st
from test_verified import random_instance

from monitor.cli import main
from monitor.model.losses import worst_losses

Q = 0.72


def test_losing_the_tower_with_more_to_lose_by_hand():
    # Towers at s = 5 and 15 km (spacing 10), one of them doubled: the doubled site's cells score
    # 1 - 0.28^2 = 0.9216, the single one's 0.72, 6 cells each of 40. Losing one unit hurts most at
    # the single tower (0.72 x 6 / 40 = 0.108, against (0.9216 - 0.72) x 6 / 40 = 0.0302 at the
    # doubled site); losing two leaves one tower whichever two go: D = 0.72 x 6 / 40 = 0.108.
    m = model_of(line_scenario([sensor(spacing_km=10.0, max_units_per_site=2)]))
    n = units_at(m, "tower", {0: 2, 1: 1})
    D = 6 / 40 * (0.9216 + Q)
    assert m.instance.detected(n) == pytest.approx(D)
    one, two = worst_losses(m.instance, n, 2)
    assert one["detection"] == pytest.approx(D - 6 / 40 * Q)
    assert two["detection"] == pytest.approx(6 / 40 * Q)
    assert one["method"] == two["method"] == "exhaustive"
    # the bound: no k losses take more than the k largest single-unit scores (0.108 each here)
    assert two["detection_at_least"] == pytest.approx(D - 2 * 6 / 40 * Q)


def brute(inst, n, k):
    placed = np.repeat(np.arange(len(n)), n)
    best = np.inf
    for combo in itertools.combinations(range(len(placed)), k):
        m = n.copy()
        np.subtract.at(m, placed[list(combo)], 1)
        best = min(best, inst.detected(m))
    return best


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 3))
def test_worst_losses_equal_brute_force_and_keep_their_bound(seed, K):
    inst = random_instance(seed, "detection")
    rng = np.random.default_rng(seed)
    n = np.array([rng.integers(0, c + 1) for c in inst.site_cap])
    exact = worst_losses(inst, n, K, exhaustive_limit=10**6)
    greedy = worst_losses(inst, n, K, exhaustive_limit=0)
    for e, g in zip(exact, greedy):
        want = brute(inst, n, e["k"])
        assert e["detection"] == pytest.approx(want, abs=1e-12)
        assert g["method"] == "greedy" and g["detection"] >= want - 1e-12
        assert e["detection_at_least"] <= want + 1e-12


def test_evaluate_reports_the_losses_asked_for(tmp_path, capsys):
    out = tmp_path / "plan"
    assert main(["solve", str(TOY), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(TOY), str(out / "plan.json"), "--losses", "4", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    found = doc["metrics"]["losses"]
    assert [r["k"] for r in found] == [1, 2, 3, 4]
    assert all(a["detection"] >= b["detection"] for a, b in zip(found, found[1:]))
    assert all(len(r["lost"]) == r["k"] for r in found)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 2))
def test_robust_plan_leaves_the_most_among_its_candidates(seed, K):
    from monitor import solvers
    from monitor.solvers.robust import robust_losses

    inst = random_instance(seed, "detection")
    sol = robust_losses(inst, K, lambda i: solvers.run(i, "greedy"))
    rec = sol.log[-1]
    assert inst.check(sol.units) == []
    assert sol.objective == pytest.approx(inst.detected(sol.units))
    after = [c["detection_after_losses"] for c in rec["candidates"]]
    chosen = next(c for c in rec["candidates"] if c["theta"] == rec["chosen_theta"])
    assert chosen["detection_after_losses"] == pytest.approx(max(after))
    found = worst_losses(inst, sol.units, K)  # none when the plan places no unit: nothing to lose
    left = found[-1]["detection"] if found else inst.detected(sol.units)
    assert left == pytest.approx(chosen["detection_after_losses"])
    assert sol.bound >= solvers.run(inst, "exact", {"gap": 1e-6}).objective - 1e-9  # the nominal bound holds


def test_robust_losses_on_the_toy_names_its_choice(tmp_path, capsys):
    assert main(["solve", str(TOY), "--robust-losses", "2", "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "robust to 2 losses" in out and "against the nominal plan's" in out
    doc = json.loads((tmp_path / "r" / "plan.json").read_text())
    assert len(doc["metrics"]["losses"]) == 2
