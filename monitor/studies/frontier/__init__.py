"""The cost-coverage frontier: the best detection at each of a range of yearly budgets, per mix of assets.

A mix restricts the placement problem to the candidate sites of some assets: `all`; `observers`
(patrol and inspection teams only); `remote` (no ground observers: sensors, drones, satellites); or a named subset
`NAME=asset,asset`. The model is built once; a mix's instance is a column selection of B, F
and the per-site arrays, so a mix's plan is a plan of the full model with zeros elsewhere.

Chains. A mix's budgets b_1 < ... < b_K are solved in order, point k warm-started from the
plan n_{k-1} of point k-1. That plan costs at most b_{k-1} <= b_k, so it is feasible at b_k;
keeping the better of it and the solver's plan makes detection non-decreasing along the chain:

    D_k = max( D(solver(b_k, start = n_{k-1})), D(n_{k-1}) ).

Greedy keeps every unit of its start, so for greedy a cold run is tried as well.

A mix whose assets include another mix's may use that mix's plan at the same budget, so a
point takes the better of the two (`analysis.from_subsets`): "all" never falls below
"remote" where a warm-started chain of greedy plans would. Bounds are tightened across
budgets (`analysis.tighten`): an upper bound at a larger budget bounds every smaller one too.

Parallel and resumable. Chains run side by side (`runners.py`), on a local process pool or a Dask cluster.
A point is one task, submitted when its predecessor has come back, so its warm start is fixed
by the chain and not by the order tasks finish: the frontier is the same on any pool. Each
finished point is appended to points.jsonl in the output folder (`checkpoint.py`), keyed by a hash of the
scenario, the solver and its options, the mix and the budgets of its chain so far; a rerun of
the same sweep reuses them and solves only the rest.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import time
from pathlib import Path
from typing import Callable

import numpy as np

import monitor.solvers as solvers

from ...errors import InputError, Problem
from ...model.build import ScenarioModel
from ...model.metrics import plan_metrics
from .analysis import FrontierResult, Point, baseline_points, from_subsets, tighten
from .checkpoint import CHECKPOINT, append_point, load_checkpoint, point_key, sweep_key
from .mixes import Mix, parse_budgets, parse_mixes
from .runners import Dask, Local, Serial

log = logging.getLogger(__name__)
__all__ = ["CHECKPOINT", "FrontierResult", "Mix", "Point", "parse_budgets", "parse_mixes", "sweep"]


def check_budgets(budgets_usd) -> list[float]:
    """Budgets from a list or a "FROM:TO:N" string, sorted and unique; InputError naming --budgets-usd."""
    if isinstance(budgets_usd, str):
        try:
            budgets_usd = parse_budgets(budgets_usd)
        except ValueError as exc:
            raise InputError(Problem(str(exc), key="--budgets-usd", value=budgets_usd)) from None
    budgets = sorted({float(b) for b in budgets_usd})
    if not budgets or not all(0 < b < math.inf for b in budgets):
        raise InputError(Problem("needs budgets > 0", key="--budgets-usd", value=budgets_usd))
    return budgets


def sweep(model: ScenarioModel, budgets_usd, mixes: list[str] | None = None, solver: str = "greedy",
          options: dict | None = None, checkpoint_dir: str | Path | None = None, scheduler: str | None = None,
          workers: int | None = None, split: int = 1, progress: Callable[[int, int], None] | None = None,
          on_point: Callable[[Point], None] | None = None) -> FrontierResult:
    """Solve every budget for every mix (see the module doc); finished points go to the checkpoint.

    budgets_usd: a list of yearly budgets or a "FROM:TO:N" string. split: cut each mix's
    budgets into this many chains (each starts cold) for more parallel tasks. workers: local
    processes (default: all cores); scheduler: a Dask scheduler address instead. progress is
    called as progress(done, total) at the start and after each point; on_point after each
    newly solved point is checkpointed. Solver options (gap, time_limit_s) apply to each point.
    """
    t0 = time.perf_counter()
    s = model.scenario
    budgets = check_budgets(budgets_usd)
    options = {k: v for k, v in sorted((options or {}).items()) if v is not None}
    solvers.options_for(solver, options)  # unknown solver or option: an error before any work
    if split < 1:
        raise InputError(Problem("must be a whole number >= 1", key="--split", value=split))
    mix_list = parse_mixes(mixes, s)
    sweep_id = sweep_key(s, solver, {**options, "split": split})
    chains = _chains(model, mix_list, budgets, split, sweep_id)
    ckpt = None if checkpoint_dir is None else Path(checkpoint_dir) / CHECKPOINT
    done = _resume(chains, {} if ckpt is None else load_checkpoint(ckpt, sweep_id), model)
    total = sum(len(c["keys"]) for c in chains)
    reused = sum(c["next"] for c in chains)
    todo = [c for c in chains if c["next"] < len(c["keys"])]
    pool_size = min(workers or os.cpu_count() or 1, len(todo)) if todo else 1
    runner = (Serial(model.instance) if not todo else Dask(model.instance, scheduler) if scheduler else
              Local(model.instance, pool_size) if pool_size > 1 else Serial(model.instance))
    if ckpt is not None:  # only now: bad input and an unreachable scheduler leave nothing behind
        ckpt.parent.mkdir(parents=True, exist_ok=True)
    if progress is not None:
        progress(reused, total)

    def finished(rec: dict) -> None:
        rec["metrics"] = _point_metrics(model, _units(len(model.sites), rec["units"]))
        if ckpt is not None:
            append_point(ckpt, rec)
        done[rec["key"]] = rec
        if progress is not None:
            progress(len(done), total)
        if on_point is not None:
            on_point(_to_point(rec, len(model.sites), model.instance.objective))

    _run_chains(runner, todo, {"sweep": sweep_id, "solver": solver, "options": options, "seed": s.seed}, finished)
    by_mix = {m.name: [_to_point(done[k], len(model.sites), model.instance.objective, model.instance)
                       for c in chains if c["mix"] is m for k in c["keys"]] for m in mix_list}
    points = []
    for m in mix_list:
        points += tighten(from_subsets(m, mix_list, by_mix))
    return FrontierResult(s.name, solver, options, mix_list, points, solved=total - reused, reused=reused,
                          seconds=time.perf_counter() - t0, asset_names=[a.name for a in s.assets],
                          baselines=baseline_points(model, budgets), objective=model.instance.objective)


def _chains(model: ScenarioModel, mix_list: list[Mix], budgets: list[float], split: int, sweep_id: str) -> list[dict]:
    """Chains: (mix, sites, budgets), each mix's budget list cut into `split` consecutive runs."""
    names = [a.name for a in model.scenario.assets]
    chains = []
    for m in mix_list:
        sites = np.flatnonzero(np.isin(model.sites.asset, [names.index(a) for a in m.assets]))
        for part in np.array_split(np.array(budgets), min(split, len(budgets))):
            chain = [float(b) for b in part]
            keys = [point_key(sweep_id, m, chain[:k + 1]) for k in range(len(chain))]
            chains.append({"mix": m, "sites": sites, "budgets": chain, "keys": keys, "next": 0, "start": None})
    return chains


def _resume(chains: list[dict], records: dict, model: ScenarioModel) -> dict:
    """Move each chain past its longest prefix of finished points in `records` that re-score as
    recorded (`rescored`); return the records used, their metrics computed afresh."""
    used = {}
    for c in chains:
        while c["next"] < len(c["keys"]) and c["keys"][c["next"]] in records:
            rec = rescored(model, c, c["next"], records[c["keys"][c["next"]]])
            if rec is None:
                break  # this point and the rest of its chain are solved again
            used[rec["key"]] = rec
            c["start"] = rec["units"]
            c["next"] += 1
    return used


def rescored(model: ScenarioModel, chain: dict, k: int, rec: dict) -> dict | None:
    """A checkpoint record re-evaluated from its units: well formed, within the chain's sites and caps,
    feasible at its budget, scoring what it says, its bound a number at or above that; None (and a
    warning) otherwise. The checkpoint is a file anyone may edit: nothing in it is taken on trust."""
    inst, budget = model.instance, chain["budgets"][k]
    try:
        pairs = rec["units"]
        units = np.zeros(inst.n_sites, int)
        allowed = set(int(j) for j in chain["sites"])
        for j, n in pairs:
            if not (_whole(j) and _whole(n) and j in allowed and 1 <= n <= inst.site_cap[j]):
                raise ValueError(f"bad placement {[j, n]}")
            units[j] += n
        score = inst.score(units)
        problems = dataclasses.replace(inst, budget_usd=budget).check(units)
        bound = rec["solver_bound"]
        if problems:
            raise ValueError("; ".join(problems))
        if not (isinstance(rec["objective"], float) and abs(score - rec["objective"]) <= 1e-9 * max(1.0, score)):
            raise ValueError(f"scores {score:.9f}, not the recorded {rec['objective']!r}")
        if bound is not None and not (isinstance(bound, float) and score - 1e-9 <= bound <= inst.share.sum() + 1e-9):
            raise ValueError(f"bound {bound!r} is not a number between its score and 1")
        if rec.get("status") not in {str(x) for x in solvers.Status}:
            raise ValueError(f"unknown status {rec.get('status')!r}")
        if rec.get("budget_usd") != budget or rec.get("mix") != chain["mix"].name:
            raise ValueError(f"it is for {rec.get('mix')!r} at {rec.get('budget_usd')!r}")
        if not (isinstance(rec.get("seconds"), (int, float)) and 0 <= rec["seconds"] < float("inf")
                and isinstance(rec.get("plan_from"), str)):
            raise ValueError("its seconds or plan_from are not what a solve writes")
    except (KeyError, TypeError, ValueError) as exc:
        log.warning("frontier: the checkpoint's point for %s at $%s is solved again: %s", chain["mix"].name,
                    f"{budget:,.0f}", exc)
        return None
    return {**rec, "metrics": _point_metrics(model, units)}


def _whole(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _run_chains(runner, todo: list[dict], job: dict, finished: Callable[[dict], None]) -> None:
    """Submit each chain's next point when its predecessor is back, until every chain is done."""
    pending: dict = {}

    def submit(c: dict) -> None:
        k = c["next"]
        fut = runner.submit(c["sites"], c["budgets"][k], job["solver"], job["options"], job["seed"], c["start"])
        pending[fut] = c

    failed = True
    try:
        for c in todo:
            submit(c)
        while pending:
            for fut in runner.wait_first(pending):
                c = pending.pop(fut)
                k = c["next"]
                rec = {"sweep": job["sweep"], "key": c["keys"][k], "mix": c["mix"].name,
                       "budget_usd": c["budgets"][k], **fut.result()}
                finished(rec)
                c["start"], c["next"] = rec["units"], k + 1
                if c["next"] < len(c["keys"]):
                    submit(c)
        failed = False
    finally:
        runner.close(failed)


def _units(n_sites: int, pairs: list) -> np.ndarray:
    u = np.zeros(n_sites, int)
    for j, k in pairs:
        u[j] = k
    return u


def _point_metrics(model: ScenarioModel, units: np.ndarray) -> dict:
    m = plan_metrics(model, units)
    out = {k: m[k] for k in ("detection", "verified", "annual_usd", "observers", "units_by_asset", "worst_segment")}
    out["by_zone"] = {z: v["detection"] for z, v in m["by_zone"].items()}  # what watching each zone buys
    return out


def _to_point(rec: dict, n_sites: int, objective: str = "detection", inst=None) -> Point:
    """A finished record as a Point; with `inst`, the min_segment_detection or every_cell_seen it breaks."""
    m = rec["metrics"]
    units = _units(n_sites, rec["units"])
    return Point(mix=rec["mix"], budget_usd=rec["budget_usd"], units=units,
                 problems=[] if inst is None else inst.segment_problems(units),
                 detection=m["detection"], solver_bound=rec["solver_bound"], annual_usd=m["annual_usd"],
                 observers=m["observers"], units_by_asset=m["units_by_asset"], worst_segment=m["worst_segment"],
                 status=rec["status"], plan_from=rec["plan_from"], seconds=rec["seconds"],
                 verified=m.get("verified", 0.0), objective_name=objective, by_zone=m.get("by_zone", {}))


