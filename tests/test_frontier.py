"""The cost-coverage frontier: monotone along budgets, the same on any pool, resumable after a kill."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest

from monitor import api, solvers
from monitor.cli import main
from monitor.errors import InputError as ConfigError
from monitor.model.build import build_model
from monitor.model.load import load_scenario, validate_scenario
from monitor.studies.frontier.analysis import knee, marginal_usd_per_point
from monitor.studies.frontier.checkpoint import CHECKPOINT, load_checkpoint
from monitor.studies.frontier.mixes import parse_budgets, parse_mixes, restrict

CONFIGS = Path(__file__).resolve().parents[1] / "configs"
TOY = CONFIGS / "toy.toml"
UKRAINE = CONFIGS / "ukraine-2025.toml"
BUDGETS = [4e6, 10e6, 20e6, 40e6]


def frontier(config, budgets, out=None, **kw):
    """The API's frontier with its checkpoint and outputs in `out`, as the CLI runs it; the sweep's result."""
    run = api.frontier(config, budgets, checkpoint_dir=out, **kw)
    if out is not None:
        run.write(out)
    return run.result


@pytest.fixture(scope="module")
def ukraine4():
    """Ukraine at 4 km cells: every asset kind, about 500 cells, fast enough for several sweeps."""
    return load_scenario(UKRAINE, {"grid.cell_km": 4.0})


def _same(a, b) -> None:
    assert [(p.mix, p.budget_usd) for p in a.points] == [(p.mix, p.budget_usd) for p in b.points]
    for p, q in zip(a.points, b.points):
        assert np.array_equal(p.units, q.units), (p.mix, p.budget_usd)
        assert p.detection == q.detection and p.bound == q.bound


def test_detection_and_bound_never_decrease_with_budget_greedy(ukraine4):
    """Greedy plans themselves need not rise with the budget; the frontier keeps the envelope: each
    point's plan is the best of greedy warm-started from the previous plan, greedy cold, and the
    previous plan. So we check the kept plans (and the tightened bound), not raw greedy runs."""
    res = frontier(ukraine4, BUDGETS, workers=1)
    model = build_model(ukraine4)
    assert [m.name for m in res.mixes] == ["all", "observers", "remote"]
    names = [a.name for a in ukraine4.assets]
    for m in res.mixes:
        pts = res.of(m.name)
        det = [p.detection for p in pts]
        bound = [p.bound for p in pts]
        assert np.all(np.diff(det) >= 0) and np.all(np.diff(bound) >= 0)
        assert all(b >= d for b, d in zip(bound, det)) and bound[-1] <= 1.0
        for p in pts:
            inst = model.instance
            inst.budget_usd = p.budget_usd
            assert inst.check(p.units) == []  # keeps the budget and caps
            assert p.detection == pytest.approx(inst.score(p.units), abs=1e-12)
            outside = ~np.isin(model.sites.asset, [names.index(a) for a in m.assets])
            assert not p.units[outside].any()  # only the mix's assets
            assert p.annual_usd <= p.budget_usd * (1 + 1e-9)
    # "all" holds every asset of "remote", so it takes remote's plan wherever that is better (from_subsets)
    assert all(a.value >= r.value for a, r in zip(res.of("all"), res.of("remote")))
    assert set(names) == set(res.mixes[0].assets)  # every kind, satellites and inspections included
    # observers are patrol and inspection teams only; a remote plan has no observers
    assert all(p.units_by_asset["team"] + p.units_by_asset["inspectors"] == sum(p.units_by_asset.values())
               for p in res.of("observers"))
    assert all(p.observers == 0 for p in res.of("remote"))
    assert res.of("observers")[-1].observers > 0


@pytest.mark.skipif("exact" not in solvers.names(), reason="the exact solver is not in this tree yet")
def test_detection_never_decreases_with_budget_exact():
    res = frontier(TOY, [1e6, 3e6, 6e6, 12e6], solver="exact", workers=1, gap=0.01)
    for m in res.mixes:
        pts = res.of(m.name)
        assert np.all(np.diff([p.detection for p in pts]) >= 0)
        assert np.all(np.diff([p.bound for p in pts]) >= 0)
        assert all(p.gap <= 0.01 + 1e-9 for p in pts)


def test_a_worse_plan_at_a_larger_budget_gives_way_to_the_previous_one():
    """A solver that ignores its start and, above $5M, returns one unit only: the frontier keeps the
    previous point's plan (feasible at the larger budget) and says so."""
    from monitor.solvers.greedy import solve_greedy

    def one_unit_above_5m(inst, options, start=None, seed=0):
        sol = solve_greedy(inst, options)
        if inst.budget_usd > 5e6:
            j = int(np.argmax(sol.units))
            sol.units = np.eye(inst.n_sites, dtype=int)[j]
            sol.objective = inst.score(sol.units)
        return sol

    solvers.SOLVERS["one_unit_test"] = solvers.Method(one_unit_above_5m, solvers.GreedyOptions)
    try:
        res = frontier(TOY, [2e6, 4e6, 8e6, 16e6], mixes=["all"], solver="one_unit_test", workers=1)
    finally:
        del solvers.SOLVERS["one_unit_test"]
    pts = res.points
    assert [p.plan_from for p in pts] == ["cold start", "warm start", "previous point", "previous point"]
    assert np.array_equal(pts[3].units, pts[1].units) and pts[3].detection == pts[1].detection


def test_first_point_is_a_plain_solve_and_a_mix_is_the_config_without_the_other_assets(ukraine4):
    """Column selection gives the same instance as a config that has only the mix's assets."""
    from monitor.api import solve

    res = frontier(TOY, [3e6, 8e6], mixes=["all", "towers=tower"], workers=1)
    assert res.of("all")[0].detection == pytest.approx(solve(TOY, budget_usd=3e6).solution.objective, abs=1e-12)
    raw = tomllib.loads(TOY.read_text(encoding="utf-8"))
    raw["assets"] = [a for a in raw["assets"] if a["name"] == "tower"]
    raw["budget"]["annual_usd"] = 3e6
    only = build_model(validate_scenario(raw))
    assert res.of("towers")[0].detection == pytest.approx(solvers.run(only.instance, "greedy").objective, abs=1e-12)

    model = build_model(ukraine4)
    sites = np.flatnonzero(model.sites.asset == 3)
    units = np.zeros(len(model.sites), int)
    units[sites[::5]] = 1
    cut = restrict(model.instance, sites)
    assert cut.score(units[sites]) == pytest.approx(model.instance.score(units))
    # every per-site array of the instance is cut (guards against a field added to Instance later)
    n_sites, n_cells = model.instance.n_sites, model.instance.W.shape[0]
    assert n_sites != n_cells
    for f in dataclasses.fields(model.instance):
        full = getattr(model.instance, f.name)
        if isinstance(full, np.ndarray) and full.shape[:1] == (n_sites,):
            assert getattr(cut, f.name).shape[0] == len(sites), f.name


def test_local_pool_and_dask_give_the_same_frontier(ukraine4):
    distributed = pytest.importorskip("distributed")
    serial = frontier(ukraine4, BUDGETS, workers=1)
    local = frontier(ukraine4, BUDGETS, workers=2)
    with distributed.LocalCluster(processes=False, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        dask = frontier(ukraine4, BUDGETS, scheduler=cluster.scheduler_address)
    _same(serial, local)
    _same(serial, dask)


def test_split_chains_stay_monotone(ukraine4):
    """Chains that start cold (for more parallel tasks) are joined by the same envelope."""
    res = frontier(ukraine4, [4e6, 6e6, 8e6, 10e6, 12e6, 14e6], mixes=["observers"], split=3, workers=1)
    det = [p.detection for p in res.points]
    assert np.all(np.diff(det) >= 0) and np.all(np.diff([p.bound for p in res.points]) >= 0)


class _Kill(Exception):
    pass


def test_killed_sweep_resumes_without_solving_finished_points(tmp_path):
    out = tmp_path / "fr"
    budgets = [1e6, 3e6, 6e6, 12e6]
    whole = frontier(TOY, budgets, workers=1)
    seen = []

    def die_after_five(point):
        seen.append((point.mix, point.budget_usd))
        if len(seen) == 5:
            raise _Kill

    with pytest.raises(_Kill):
        frontier(TOY, budgets, out=out, workers=1, on_point=die_after_five)
    lines = (out / CHECKPOINT).read_text().splitlines()
    assert len(lines) == 5 and not (out / "frontier.csv").exists()
    with open(out / CHECKPOINT, "a") as fh:  # a torn last line, as a kill during a write would leave
        fh.write('{"sweep": "')

    again = []
    res = frontier(TOY, budgets, out=out, workers=2, on_point=lambda p: again.append((p.mix, p.budget_usd)))
    assert res.reused == 5 and res.solved == len(res.points) - 5
    assert sorted(again) == sorted(set((p.mix, p.budget_usd) for p in res.points) - set(seen))
    _same(whole, res)
    assert len((out / CHECKPOINT).read_text().splitlines()) == len(res.points)
    assert (out / "frontier.csv").exists() and (out / "frontier.png").exists() and (out / "frontier.md").exists()

    # Same command again: nothing to solve. A changed config: nothing reused.
    assert frontier(TOY, budgets, out=out, workers=1).solved == 0
    changed = load_scenario(TOY, {"budget.max_observers": 12})
    res2 = frontier(changed, budgets, out=out, workers=1)
    assert res2.reused == 0 and res2.solved == len(res2.points)


def test_sigkilled_cli_sweep_resumes(tmp_path):
    """A real kill: SIGKILL the CLI once a few points are on disk; the rerun solves only the rest."""
    cfg = tmp_path / "ukraine-4km.toml"  # Ukraine at 4 km cells, the line file by absolute path
    cfg.write_text(UKRAINE.read_text(encoding="utf-8").replace("cell_km = 1.0", "cell_km = 4.0", 1)
                   .replace('geojson = "data/', f'geojson = "{CONFIGS / "data"}/', 1), encoding="utf-8")
    out = tmp_path / "killed"
    budgets = "2e6:80e6:40"
    cmd = [sys.executable, "-m", "monitor", "frontier", str(cfg), "--budgets-usd", budgets, "--mix", "all",
           "--workers", "1", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ckpt = out / CHECKPOINT
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ckpt.is_file() and ckpt.read_text().count("\n") >= 3:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.02)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep ended before it could be killed"
    assert not (out / "frontier.csv").exists()
    on_disk = ckpt.read_text().count("\n")
    res = frontier(load_scenario(cfg), budgets, mixes=["all"], out=out, workers=1)
    assert res.reused == on_disk and res.solved == 40 - on_disk
    _same(res, frontier(load_scenario(cfg), budgets, mixes=["all"], workers=1))


def test_checkpoint_keeps_only_this_sweep(tmp_path):
    path = tmp_path / CHECKPOINT
    path.write_text(json.dumps({"sweep": "a", "key": "k1"}) + "\n" + json.dumps({"sweep": "b", "key": "k2"}) + "\n"
                    + "not json\n")
    assert list(load_checkpoint(path, "a")) == ["k1"]
    assert path.read_text().splitlines() == [json.dumps({"sweep": "a", "key": "k1"})]


def test_outputs_and_cli(tmp_path, capsys):
    out = tmp_path / "cli"
    rc = main(["frontier", str(TOY), "--budgets-usd", "1e6:9e6:3", "--mix", "all", "--mix", "towers=tower",
               "--out", str(out), "--workers", "1", "--quiet"])
    assert rc == 0
    text = capsys.readouterr().out
    assert "frontier of 6 points" in text and "towers" in text
    rows = (out / "frontier.csv").read_text().splitlines()
    head = rows[0].split(",")
    assert head[:11] == ["mix", "budget_usd", "annual_usd", "detection", "verified", "bound", "gap",
                         "worst_segment_detection", "worst_segment_from_km", "worst_segment_to_km", "observers"]
    assert {"units_tower", "units_drone", "units_team"} <= set(head) and len(rows) == 7
    md = (out / "frontier.md").read_text()
    assert "| yearly budget | all | towers |" in md and "marginal cost per point" in md
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, needle", [
    (["--budgets-usd", "5:1:3"], "FROM <= TO"),
    (["--budgets-usd", "1e6:2e6"], "FROM:TO:N"),
    (["--budgets-usd", "1e6:2e6:3", "--mix", "x=nosuch"], "no asset 'nosuch'"),
    (["--budgets-usd", "1e6:2e6:3", "--mix", "all", "--mix", "all"], "given twice"),
    (["--budgets-usd", "1e6:2e6:3", "--workers", "0"], "whole number >= 1"),
])
def test_bad_flags_exit_2_and_write_nothing(tmp_path, capsys, args, needle):
    out = tmp_path / "bad"
    try:
        code = main(["frontier", str(TOY), "--out", str(out), "--quiet"] + args)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_parsers_knee_and_marginal_cost():
    assert parse_budgets("1e6:3e6:3") == [1e6, 2e6, 3e6]
    with pytest.raises(ValueError):
        parse_budgets("0:3e6:3")
    s = load_scenario(TOY)
    assert [(m.name, m.assets) for m in parse_mixes(["remote", "observers", "t=tower,drone", "team"], s)] == [
        ("remote", ("tower", "drone")), ("observers", ("team",)), ("t", ("tower", "drone")), ("team", ("team",))]
    with pytest.raises(ConfigError):
        parse_mixes(["=tower"], s)
    # a curve that rises steeply to b = 2 and then flattens has its knee there
    b = np.array([0, 1, 2, 3, 4, 5.0])
    d = np.array([0, 0.6, 0.9, 0.93, 0.95, 0.96])
    assert knee(b, d) == 2
    assert knee(b, b) is None  # a straight line has no knee

    class P:
        def __init__(self, budget_usd, detection):
            self.budget_usd, self.detection, self.value = budget_usd, detection, detection

    mc = marginal_usd_per_point([P(1e6, 0.5), P(2e6, 0.6), P(3e6, 0.6)])
    assert mc[0] is None and mc[1] == pytest.approx(1e5) and mc[2] == math.inf
