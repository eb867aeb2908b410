"""The cost-coverage frontier: the best detection at each of a range of yearly budgets, per mix of assets.

A mix restricts the placement problem to the candidate sites of some assets: `all`; `observers`
(patrol teams only); `remote` (no ground observers: sensors and drones); or a named subset
`NAME=asset,asset`. The model is built once; a mix's instance is a column selection of B, F
and the per-site arrays, so a mix's plan is a plan of the full model with zeros elsewhere.

Chains. A mix's budgets b_1 < ... < b_K are solved in order, point k warm-started from the
plan n_{k-1} of point k-1. That plan costs at most b_{k-1} <= b_k, so it is feasible at b_k;
keeping the better of it and the solver's plan makes detection non-decreasing along the chain:

    D_k = max( D(solver(b_k, start = n_{k-1})), D(n_{k-1}) ).

Greedy keeps every unit of its start, so for greedy a cold run is tried as well.

Bounds. The optimum OPT(b) is non-decreasing in b, so a solver's upper bound U_k' at a larger
budget bounds every smaller one too:

    bound_k = min_{k' >= k} max(U_k', D_k'),     gap_k = (bound_k - D_k) / bound_k,

which is non-decreasing in k and never below D_k (D_k <= D_k' <= bound at k').

Parallel and resumable. Chains run side by side, on a local process pool or a Dask cluster.
A point is one task, submitted when its predecessor has come back, so its warm start is fixed
by the chain and not by the order tasks finish: the frontier is the same on any pool. Each
finished point is appended to points.jsonl in the output folder, keyed by a hash of the
scenario, the solver and its options, the mix and the budgets of its chain so far; a rerun of
the same sweep reuses them and solves only the rest.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import hashlib
import json
import math
import os
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from . import __version__, solvers
from .config import ConfigError, Scenario, load_scenario, problem
from .coverage import Instance, Model, build_model
from .metrics import plan_metrics
from .frontier_report import baseline_points, write_frontier
from .reports import atomic_write

KEYWORD_MIXES = {
    "all": ("sensor", "drone", "patrol"),
    "observers": ("patrol",),       # observer-only regime: team sites and their patrols
    "remote": ("sensor", "drone"),  # no ground observers
}
CHECKPOINT = "points.jsonl"


# ----------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Mix:
    """A named set of assets; its sites are the candidate sites of those assets."""

    name: str
    assets: tuple[str, ...]


def parse_budgets(text: str) -> list[float]:
    """`FROM:TO:N` -> N budgets evenly spaced from FROM to TO (USD a year); ValueError on bad text."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"must be FROM:TO:N (for example 5e6:100e6:20), got {text!r}")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"FROM and TO must be numbers and N a whole number, got {text!r}") from None
    if not (0 < lo <= hi < math.inf) or n < 1 or (n == 1 and lo != hi):
        raise ValueError(f"needs 0 < FROM <= TO and N >= 1 (N = 1 only when FROM = TO), got {text!r}")
    return [float(b) for b in np.linspace(lo, hi, n)]


def parse_mixes(texts: list[str] | None, scenario: Scenario) -> list[Mix]:
    """Mixes from `all`, `observers`, `remote`, an asset name, or `NAME=asset,asset`.

    None gives all, observers and remote (those of them the scenario has assets for).
    """
    src = scenario.source
    kinds = {a.name: a.kind for a in scenario.assets}
    if texts is None:
        out = [Mix(k, tuple(n for n in kinds if kinds[n] in v)) for k, v in KEYWORD_MIXES.items()]
        return [m for m in out if m.assets]
    out, problems = [], []
    for text in texts:
        name, sep, rest = text.partition("=")
        if sep:
            names = tuple(dict.fromkeys(x.strip() for x in rest.split(",") if x.strip()))
        elif name in KEYWORD_MIXES:
            names = tuple(n for n in kinds if kinds[n] in KEYWORD_MIXES[name])
        else:
            names = (name,)
        unknown = [n for n in names if n not in kinds]
        if not name or unknown or not names:
            why = (f"no asset {', '.join(map(repr, unknown))} in the config" if unknown else "names no asset")
            problems.append(problem(src, "--mix", text, f"{why}; use all, observers, remote, an asset name "
                                    f"or NAME=asset,asset with assets from {', '.join(kinds)}"))
        elif any(m.name == name for m in out):
            problems.append(problem(src, "--mix", text, f"a mix named {name!r} is given twice"))
        else:
            out.append(Mix(name, names))
    for m in out:
        if not m.assets:
            problems.append(problem(src, "--mix", m.name, "the config has no asset of this kind"))
    if problems:
        raise ConfigError(problems)
    return out


def restrict(inst: Instance, sites: np.ndarray) -> Instance:
    """The instance on a subset of candidate sites: columns of B and rows of the per-site arrays.

    Asset indices are kept, so per-asset caps still apply; nothing is rebuilt.
    """
    return dataclasses.replace(
        inst, B=inst.B[:, sites], F=inst.F[sites], cost_usd=inst.cost_usd[sites],
        observers=inst.observers[sites], site_cap=inst.site_cap[sites], site_asset=inst.site_asset[sites],
        is_sensor=None if inst.is_sensor is None else inst.is_sensor[sites])


# ----------------------------------------------------------------------------- one point (runs on a worker)

_WORKER: dict = {}  # the instance a pool worker received once
_CUTS: dict = {}    # the mixes' instances cut from it, by (instance, sites)


def _init_worker(inst: Instance) -> None:
    _WORKER["instance"] = inst


def _restricted(inst: Instance, sites: np.ndarray) -> Instance:
    key = (id(inst), sites.tobytes())
    hit = _CUTS.get(key)
    if hit is None or hit[0] is not inst:
        if len(_CUTS) > 16:  # a long-lived process that sweeps many models keeps only the recent ones
            _CUTS.clear()
        hit = _CUTS[key] = (inst, restrict(inst, sites))
    return hit[1]


def solve_point(inst: Instance | None, sites: np.ndarray, budget_usd: float, solver: str, options: dict,
                seed: int, start: list | None) -> dict:
    """Solve one budget of one mix; see the module doc for the warm start and the envelope.

    `start` and the returned `units` are [[site, units], ...] in the full model's site numbers.
    """
    base = _WORKER["instance"] if inst is None else inst
    r = dataclasses.replace(_restricted(base, sites), budget_usd=float(budget_usd))
    local = {int(j): k for k, j in enumerate(sites)}
    n0 = None
    if start:
        n0 = np.zeros(len(sites), int)
        for j, k in start:
            n0[local[j]] = k
    runs = [("warm start" if n0 is not None else "cold start", solvers.run(r, solver, seed=seed, start=n0, **options))]
    if n0 is not None and solver == "greedy":  # greedy only adds to its start; a cold run may do better
        runs.append(("cold start", solvers.run(r, solver, seed=seed, **options)))
    plan_from, best = max(runs, key=lambda x: x[1].objective)
    units, objective = best.units, best.objective
    if n0 is not None:
        prev = r.score(n0)
        if prev > objective + 1e-12:
            plan_from, units, objective = "previous point", n0, prev
    bounds = [s.bound for _, s in runs if s.bound is not None]
    return {"units": [[int(sites[k]), int(units[k])] for k in np.flatnonzero(units)],
            "objective": float(objective), "solver_bound": min(bounds) if bounds else None,
            "status": best.status, "plan_from": plan_from, "seconds": sum(s.seconds for _, s in runs)}


# ----------------------------------------------------------------------------- where the points run

class _Serial:
    """Runs tasks in this process, one at a time, in the order submitted."""

    def __init__(self, inst: Instance):
        self.inst, self.queue = inst, deque()

    def submit(self, *args) -> cf.Future:
        fut = cf.Future()
        self.queue.append((fut, args))
        return fut

    def wait_first(self, futures) -> set:
        fut, args = self.queue.popleft()
        fut.set_result(solve_point(self.inst, *args))
        return {fut}

    def close(self, failed: bool) -> None:
        self.queue.clear()


class _Local:
    """A process pool on this machine; each worker receives the instance once (initializer)."""

    def __init__(self, inst: Instance, workers: int):
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(inst,))

    def submit(self, *args) -> cf.Future:
        return self.pool.submit(solve_point, None, *args)

    def wait_first(self, futures) -> set:
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED)[0]

    def close(self, failed: bool) -> None:
        procs = list((getattr(self.pool, "_processes", None) or {}).values()) if failed else []
        self.pool.shutdown(wait=not failed, cancel_futures=True)
        for p in procs:  # an interrupted sweep should not wait for the points still running
            p.terminate()


class _Dask:
    """A Dask distributed cluster; the instance is scattered to every worker once."""

    def __init__(self, inst: Instance, address: str):
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise ConfigError([f"--scheduler {address}: needs Dask: pip install 'monitor[cluster]'"]) from None
        try:
            self.client = Client(address, set_as_default=False, timeout=20)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError([f"--scheduler {address}: cannot reach the scheduler: {exc}"]) from None
        self.ref = self.client.scatter(inst, broadcast=True)
        self.finished = as_completed(loop=self.client.loop)

    def submit(self, *args):
        fut = self.client.submit(solve_point, self.ref, *args, pure=False)
        self.finished.add(fut)
        return fut

    def wait_first(self, futures) -> set:
        return {next(self.finished)}

    def close(self, failed: bool) -> None:
        self.client.close()


# ----------------------------------------------------------------------------- checkpoint and progress

def sweep_key(s: Scenario, solver: str, options: dict) -> str:
    """Hash of what a point depends on besides its mix and chain: the scenario's content
    (its budget excepted: the sweep sets it), the line file's bytes, the solver and its options."""
    content = s.model_dump(mode="json")
    content["budget"].pop("annual_usd", None)
    path = s.line_path()
    line = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None
    doc = {"scenario": content, "line_sha256": line, "solver": solver, "options": options, "monitor": __version__}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:20]


def _point_key(sweep: str, mix: Mix, chain: list[float]) -> str:
    doc = [sweep, mix.name, list(mix.assets), [repr(float(b)) for b in chain]]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:20]


def load_checkpoint(path: Path, sweep: str) -> dict[str, dict]:
    """Finished points of this sweep by key; rewrites the file without other sweeps' or torn lines."""
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    keep, dropped = {}, 0
    for line in text.splitlines():
        try:
            rec = json.loads(line)
            ok = isinstance(rec, dict) and rec.get("sweep") == sweep and isinstance(rec.get("key"), str)
        except ValueError:
            ok = False
        if ok:
            keep[rec["key"]] = rec
        dropped += not ok
    if dropped or (text and not text.endswith("\n")):
        atomic_write(path, "".join(json.dumps(r) + "\n" for r in keep.values()))
    return keep


def append_point(path: Path, rec: dict) -> None:
    """Append one record as one line in one write, flushed to disk (a torn last line is skipped on load)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


class Progress:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise."""

    def __init__(self, total: int, done: int, enabled: bool, stream=None):
        self.total, self.done, self.start_done = total, done, done
        self.stream = stream or sys.stderr
        self.enabled, self.tty = enabled, enabled and self.stream.isatty()
        self.t0, self.last_tenth = time.perf_counter(), -1
        if done:
            self._say(f"{done} point(s) from the checkpoint")

    def _say(self, text: str) -> None:
        if self.enabled:
            print(f"frontier: {text}", file=self.stream, flush=True)

    def step(self) -> None:
        self.done += 1
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        left = f", about {(self.total - self.done) / rate:.0f} s left" if rate > 0 and self.done < self.total else ""
        bar = "#" * round(30 * self.done / self.total)
        text = f"[{bar:<30}] {self.done}/{self.total} points, {elapsed:.0f} s{left}"
        if self.tty:
            end = "\n" if self.done == self.total else ""
            print(f"\rfrontier: {text}\033[K", end=end, file=self.stream, flush=True)
        elif (tenth := 10 * self.done // self.total) != self.last_tenth:
            self.last_tenth = tenth
            self._say(text)


# ----------------------------------------------------------------------------- the sweep

@dataclass
class Point:
    """One point of a frontier: the plan kept at a budget for a mix, and what it achieves."""

    mix: str
    budget_usd: float
    units: np.ndarray           # units per candidate site of the full model
    detection: float            # D of the plan, computed by metrics.plan_metrics
    solver_bound: float | None  # the solver's upper bound at this budget
    annual_usd: float
    observers: int
    units_by_asset: dict
    worst_segment: dict
    status: str
    plan_from: str              # "cold start", "warm start", "previous point" or, across chains, "lower budget"
    seconds: float
    bound: float | None = None  # after tightening across budgets (module doc)

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        return max(0.0, self.bound - self.detection) / self.bound if self.bound > 0 else 0.0


@dataclass
class FrontierResult:
    scenario: str
    solver: str
    options: dict
    mixes: list[Mix]
    points: list[Point]         # by mix, then budget
    solved: int                 # points solved by this run
    reused: int                 # points taken from the checkpoint
    seconds: float
    asset_names: list[str] = field(default_factory=list)
    baselines: list[dict] = field(default_factory=list)  # name, budget_usd (None: any), annual_usd, detection
    files: list[Path] = field(default_factory=list)

    def of(self, mix: str) -> list[Point]:
        return [p for p in self.points if p.mix == mix]


def frontier(config: str | Path | Scenario, budgets_usd, mixes: list[str] | None = None, solver: str = "greedy",
             out: str | Path | None = None, scheduler: str | None = None, workers: int | None = None,
             split: int = 1, progress: bool = False, on_point: Callable[[Point], None] | None = None,
             **options) -> FrontierResult:
    """Solve every budget for every mix; write frontier.csv, .png, .md and the checkpoint to `out`.

    budgets_usd: a list of yearly budgets or a "FROM:TO:N" string. split: cut each mix's
    budgets into this many chains (each starts cold) for more parallel tasks. workers: local
    processes (default: all cores); scheduler: a Dask scheduler address instead. on_point is
    called after each newly solved point is checkpointed. Solver options (gap, time_limit_s)
    apply to each point.
    """
    t0 = time.perf_counter()
    s = config if isinstance(config, Scenario) else load_scenario(config)
    if isinstance(budgets_usd, str):
        try:
            budgets_usd = parse_budgets(budgets_usd)
        except ValueError as exc:
            raise ConfigError([problem(s.source, "--budgets-usd", budgets_usd, str(exc))]) from None
    budgets = sorted({float(b) for b in budgets_usd})
    if not budgets or not all(0 < b < math.inf for b in budgets):
        raise ConfigError([problem(s.source, "--budgets-usd", budgets_usd, "needs budgets > 0")])
    if solver not in solvers.names():
        raise ConfigError([problem(s.source, "--solver", solver, f"choose one of {', '.join(solvers.names())}")])
    if split < 1:
        raise ConfigError([problem(s.source, "--split", split, "must be a whole number >= 1")])
    mix_list = parse_mixes(mixes, s)
    options = {k: v for k, v in sorted(options.items()) if v is not None}
    model = build_model(s)
    names = [a.name for a in s.assets]
    sweep = sweep_key(s, solver, {**options, "split": split})

    # Chains: (mix, sites, budgets), each budget list cut into `split` consecutive runs.
    chains = []
    for m in mix_list:
        sites = np.flatnonzero(np.isin(model.sites.asset, [names.index(a) for a in m.assets]))
        for part in np.array_split(np.array(budgets), min(split, len(budgets))):
            chain = [float(b) for b in part]
            keys = [_point_key(sweep, m, chain[:k + 1]) for k in range(len(chain))]
            chains.append({"mix": m, "sites": sites, "budgets": chain, "keys": keys, "next": 0, "start": None})

    ckpt = None if out is None else Path(out) / CHECKPOINT
    records = {} if ckpt is None else load_checkpoint(ckpt, sweep)
    for c in chains:  # resume each chain after its longest finished prefix
        while c["next"] < len(c["keys"]) and c["keys"][c["next"]] in records:
            c["start"] = records[c["keys"][c["next"]]]["units"]
            c["next"] += 1
    done = {k: records[k] for c in chains for k in c["keys"] if k in records}
    total = sum(len(c["keys"]) for c in chains)
    reused = sum(c["next"] for c in chains)

    todo = [c for c in chains if c["next"] < len(c["keys"])]
    pool_size = min(workers or os.cpu_count() or 1, len(todo)) if todo else 1
    runner = (_Serial(model.instance) if not todo else _Dask(model.instance, scheduler) if scheduler else
              _Local(model.instance, pool_size) if pool_size > 1 else _Serial(model.instance))
    if ckpt is not None:  # only now: bad input and an unreachable scheduler leave nothing behind
        ckpt.parent.mkdir(parents=True, exist_ok=True)
    bar = Progress(total, reused, progress)
    pending: dict = {}

    def submit(c: dict) -> None:
        k = c["next"]
        fut = runner.submit(c["sites"], c["budgets"][k], solver, options, s.seed, c["start"])
        pending[fut] = c

    failed = True
    try:
        for c in todo:
            submit(c)
        while pending:
            for fut in runner.wait_first(pending):
                c = pending.pop(fut)
                res = fut.result()
                k = c["next"]
                rec = {"sweep": sweep, "key": c["keys"][k], "mix": c["mix"].name, "budget_usd": c["budgets"][k], **res}
                rec["metrics"] = _point_metrics(model, _units(len(model.sites), rec["units"]))
                if ckpt is not None:
                    append_point(ckpt, rec)
                done[rec["key"]] = rec
                c["start"], c["next"] = rec["units"], k + 1
                bar.step()
                if on_point is not None:
                    on_point(_to_point(rec, len(model.sites)))
                if c["next"] < len(c["keys"]):
                    submit(c)
        failed = False
    finally:
        runner.close(failed)

    points = []
    for m in mix_list:
        recs = [done[k] for c in chains if c["mix"] is m for k in c["keys"]]
        points += tighten([_to_point(r, len(model.sites)) for r in recs])
    result = FrontierResult(s.name, solver, options, mix_list, points, solved=total - reused, reused=reused,
                            seconds=time.perf_counter() - t0, asset_names=names,
                            baselines=baseline_points(model, budgets))
    if out is not None:
        result.files = write_frontier(out, result)
    return result


def _units(n_sites: int, pairs: list) -> np.ndarray:
    u = np.zeros(n_sites, int)
    for j, k in pairs:
        u[j] = k
    return u


def _point_metrics(model: Model, units: np.ndarray) -> dict:
    m = plan_metrics(model, units)
    return {k: m[k] for k in ("detection", "annual_usd", "observers", "units_by_asset", "worst_segment")}


def _to_point(rec: dict, n_sites: int) -> Point:
    m = rec["metrics"]
    return Point(mix=rec["mix"], budget_usd=rec["budget_usd"], units=_units(n_sites, rec["units"]),
                 detection=m["detection"], solver_bound=rec["solver_bound"], annual_usd=m["annual_usd"],
                 observers=m["observers"], units_by_asset=m["units_by_asset"], worst_segment=m["worst_segment"],
                 status=rec["status"], plan_from=rec["plan_from"], seconds=rec["seconds"])


def tighten(points: list[Point]) -> list[Point]:
    """One mix's points by budget: keep the better lower-budget plan (across chains), and take
    each bound as the least bound at any budget at or above it (module doc)."""
    points = sorted(points, key=lambda p: p.budget_usd)
    for a, b in zip(points, points[1:]):
        if a.detection > b.detection:  # only across chains: within one the worker keeps it already
            for f in ("units", "detection", "annual_usd", "observers", "units_by_asset", "worst_segment"):
                setattr(b, f, getattr(a, f))
            b.plan_from = "lower budget"
    least = math.inf
    for p in reversed(points):
        if p.solver_bound is not None:
            least = min(least, max(p.solver_bound, p.detection))
        p.bound = None if least == math.inf else max(least, p.detection)
    return points
