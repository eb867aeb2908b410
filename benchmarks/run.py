"""The benchmark runner: solver tables by size, the yes/no peer comparison, the Ukraine figures.

Each case runs in a fresh process (so its peak memory is its own) and yields one row:
cells, sites, nonzeros, build s, solve s, objective, bound, gap, peak MB, and for the
exact solver the time at which each gap level was first certified. Checks that make the
run fail (exit status 1): a plan that breaks the budget or a cap, a bound below its plan,
exact below greedy, or a peer that proves a better yes/no optimum than exact's bound.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GAP_LEVELS = (0.05, 0.01, 0.005, 0.001)
ROOT = Path(__file__).resolve().parent.parent


def machine() -> str:
    """One line about where the figures were taken (the machine is shared: load matters)."""
    import ortools

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{platform.node() or 'host'}: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, ortools {ortools.__version__}, load average {load:.2f} at start")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def _solve_case(spec_args: tuple, solver: str, options: dict, queue) -> None:
    """Child process: build the spec's model, solve it, check the plan, report one row."""
    try:
        from monitor import solvers
        from monitor.model.build import build_model

        from . import specs

        scenario = specs.Spec(*spec_args).scenario()
        t0 = time.perf_counter()
        model = build_model(scenario)
        build_s = time.perf_counter() - t0
        inst = model.instance
        sol = solvers.run(inst, solver, options)
        problems = inst.check(sol.units)
        row = {"cells": inst.B.shape[0], "sites": inst.n_sites, "nonzeros": int(inst.B.nnz),
               "build_s": build_s, "solve_s": sol.seconds, "objective": sol.objective, "bound": sol.bound,
               "gap": sol.gap, "status": sol.status, "peak_mb": _peak_mb(), "problems": problems,
               "rescored": inst.score(sol.units), "to_gap": _time_to_gaps(sol.log)}
        queue.put(row)
    except Exception as exc:  # reported as a failed row, not a hang
        queue.put({"error": f"{type(exc).__name__}: {exc}"})


def _time_to_gaps(log: list[dict]) -> dict:
    out = {}
    for level in GAP_LEVELS:
        hits = [e["seconds"] for e in log if "gap" in e and e["gap"] <= level + 1e-12]
        out[level] = min(hits) if hits else None
    return out


def run_case(spec_args: tuple, solver: str, options: dict) -> dict:
    """Run one case in a fresh process; returns its row (with "error" on failure)."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_solve_case, args=(spec_args, solver, options, q))
    p.start()
    row = q.get()
    p.join()
    return row


def check_row(name: str, solver: str, row: dict, greedy: dict | None) -> list[str]:
    """What makes a row a failure."""
    if "error" in row:
        return [f"{name} {solver}: {row['error']}"]
    out = [f"{name} {solver}: {p}" for p in row["problems"]]
    if abs(row["rescored"] - row["objective"]) > 1e-9:
        out.append(f"{name} {solver}: reported {row['objective']:.9f} but the plan scores {row['rescored']:.9f}")
    if row["bound"] is not None and row["bound"] < row["objective"] - 1e-9:
        out.append(f"{name} {solver}: bound {row['bound']:.9f} below the plan's {row['objective']:.9f}")
    if greedy is not None and "error" not in greedy and row["objective"] < greedy["objective"] - 1e-9:
        out.append(f"{name} {solver}: {row['objective']:.9f} below greedy's {greedy['objective']:.9f}")
    return out


def ukraine_figures(config: str = "configs/ukraine-2025.toml") -> dict:
    """Issue 2's figures: size, build and greedy times in one process, then the whole CLI command."""
    from monitor import solvers
    from monitor.model.build import build_model
    from monitor.model.load import load_scenario

    t0 = time.perf_counter()
    model = build_model(load_scenario(ROOT / config))
    build_s = time.perf_counter() - t0
    sol = solvers.run(model.instance, "greedy")
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=_timed_command, args=(config, q))  # a fresh process: its only child is the command
    p.start()
    cmd = q.get()
    p.join()
    return {"cells": model.instance.B.shape[0], "sites": model.instance.n_sites, "nonzeros": int(model.instance.B.nnz),
            "build_s": build_s, "greedy_s": sol.seconds, "command": "monitor solve " + config, **cmd}


def _timed_command(config: str, queue) -> None:
    """Child process: run `monitor solve config` once; report its wall time and peak memory."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "monitor", "solve", config, "--out", out], cwd=ROOT,
                              capture_output=True, text=True)
        wall = time.perf_counter() - t0
    queue.put({"command_s": wall, "command_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0,
               "ok": done.returncode == 0, "stderr": done.stderr.strip().splitlines()[-1:] if done.returncode else []})


def peer_rows(length_km: float, cell_km: float, p: int, seed: int, time_limit_s: float, gap: float) -> list[dict]:
    """exact (at `gap`, and proven to 0), spopt and HiGHS on one yes/no instance, in this process."""
    from monitor import solvers
    from monitor.model.build import build_model

    from . import peers, specs

    inst = build_model(specs.yesno(length_km, cell_km, seed, p=p)).instance
    rows = []
    for g, limit in ((gap, time_limit_s), (0.0, max(time_limit_s, 600.0))):  # at the target gap, then proven
        sol = solvers.run(inst, "exact", {"time_limit_s": limit, "gap": g})
        rows.append({"peer": f"monitor exact (gap {100 * g:g}%)", "objective": sol.objective, "bound": sol.bound,
                     "status": sol.status, "seconds": sol.seconds, "log": sol.log})
    for fn in (peers.spopt_mclp, peers.highs_mclp):
        r = fn(inst, time_limit_s=max(time_limit_s, 3600.0))
        if r is not None:
            rows.append(r)
    size = {"cells": inst.B.shape[0], "sites": inst.n_sites, "nonzeros": int(inst.B.nnz), "p": p}
    for r in rows:
        r.update(size)
    return rows


def phase_lines(log: list[dict]) -> list[str]:
    """One markdown bullet per phase of an exact run: when it ended and the bound, or a DP round's size."""
    out = []
    for e in log:
        if "result" in e:
            out.append(f"- {e['phase']} round, target {e['target']:.6f}: {e['states']:,} states at most, "
                       f"{e['seconds']:.2f} s, {e['result']}")
        elif "bound" in e:
            out.append(f"- {e['phase']}: ended at {e['seconds']:.2f} s, plan {e['objective']:.6f}, "
                       f"bound {e['bound']:.6f}")
    return out


def fmt(x, spec: str = ".3f", none: str = "-") -> str:
    return none if x is None else format(x, spec)
