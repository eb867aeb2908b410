"""The Python API behind the CLI: validate, solve and evaluate a scenario."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import baselines, solvers
from .config import ConfigError, Scenario, load_scenario, problem, with_overrides
from .coverage import Model, build_model
from .metrics import plan_metrics
from .reports import plan_document, scenario_size, write_outputs
from .schedule import DEFAULT_TIME_LIMIT_S, Schedule, build_schedule, schedule_document
from .schedule import write_outputs as write_schedule
from .simulate import effort, run as run_simulation, write_outputs as write_simulation
from .frontier import FrontierResult, frontier  # noqa: F401  (the frontier verb: budget sweeps)


def _scenario(config: str | Path | Scenario, overrides: dict | None = None) -> Scenario:
    if isinstance(config, Scenario):
        return with_overrides(config, overrides)
    return load_scenario(config, overrides)


def validate(config: str | Path | Scenario) -> dict:
    """Check a scenario and build its model; return its size (line km, zone km2, cells, sites, budget)."""
    model = build_model(_scenario(config))
    size = scenario_size(model)
    size["budget_usd"] = model.scenario.budget.annual_usd
    return size


@dataclass
class SolveResult:
    model: Model
    solution: solvers.Solution
    document: dict  # the content of plan.json
    files: list[Path]
    baselines: list[baselines.Baseline] = field(default_factory=list)  # at the same budget, scored by the same model


def solve(config: str | Path | Scenario, budget_usd: float | None = None, solver: str = "greedy",
          seed: int | None = None, out: str | Path | None = None, **options) -> SolveResult:
    """Build the scenario's model, solve it, compute the plan's metrics, and write outputs to `out`."""
    overrides = {}
    if budget_usd is not None:
        overrides["budget.annual_usd"] = budget_usd
    if seed is not None:
        overrides["seed"] = seed
    model = build_model(_scenario(config, overrides))
    sol = solvers.run(model.instance, solver, seed=model.scenario.seed, **options)
    found, skipped = baselines.compare(model)
    doc = plan_document(model, sol, baselines=[b.summary() for b in found], baselines_skipped=skipped)
    files = write_outputs(out, model, doc, sol.units) if out is not None else []
    if out is not None:
        files += baselines.write(out, model, found)
    return SolveResult(model, sol, doc, files, found)


def read_plan(path: str | Path, model: Model) -> np.ndarray:
    """Units per candidate site from a plan.json, matched by (asset, site); ConfigError on bad entries."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
    except ValueError as exc:
        raise ConfigError([f"{path}: not valid JSON: {exc}"]) from None
    entries = doc.get("placements") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise ConfigError([problem(path, "placements", type(entries).__name__ if entries is not None else None,
                                   "must be a list of {asset, site, units}")])
    st, s = model.sites, model.scenario
    index = {(s.assets[a].name, int(k)): j for j, (a, k) in enumerate(zip(st.asset, st.index))}
    assets = {a.name for a in s.assets}
    units = np.zeros(len(st), int)
    problems = []
    for k, p in enumerate(entries):
        key = f"placements[{k}]"
        if not isinstance(p, dict):
            problems.append(problem(path, key, p, "must be an object with asset, site and units"))
            continue
        name, site, n = p.get("asset"), p.get("site"), p.get("units")
        if name not in assets:
            problems.append(problem(path, f"{key}.asset", name, f"no such asset in {s.source}"))
        elif not isinstance(site, int) or isinstance(site, bool) or (name, site) not in index:
            problems.append(problem(path, f"{key}.site", site, f"no such candidate site of asset '{name}'"))
        elif not isinstance(n, int) or isinstance(n, bool) or n < 0:
            problems.append(problem(path, f"{key}.units", n, "must be a whole number >= 0"))
        else:
            units[index[(name, site)]] += n
    if problems:
        raise ConfigError(problems)
    return units


def evaluate(config: str | Path | Scenario, plan: str | Path) -> dict:
    """Re-score a plan (for example one edited by hand) with the scenario's model.

    Returns the plan's metrics and costs, and whether it keeps the budget and caps.
    """
    model = build_model(_scenario(config))
    units = read_plan(plan, model)
    m = plan_metrics(model, units)
    problems = model.instance.check(units)
    return {"scenario": model.scenario.name, "plan": str(plan), "feasible": not problems,
            "problems": problems, "budget_usd": model.scenario.budget.annual_usd,
            "cost": {k: m[k] for k in ("annual_usd", "capex_usd", "opex_usd_per_year", "observers", "operators")},
            "metrics": m}


@dataclass
class ScheduleResult:
    model: Model
    units: np.ndarray
    schedule: Schedule  # the day's routes per team site and drone base
    document: dict    # the content of schedule.json
    files: list[Path]


def schedule(config: str | Path | Scenario, plan: str | Path, out: str | Path | None = None,
             time_limit_s: float | None = None) -> ScheduleResult:
    """Route one day's patrols of every team site and sorties of every drone base of a plan (OR-Tools).

    Writes routes.geojson, routes.png and schedule.json to `out`; `time_limit_s` is a safety limit per site.
    """
    model = build_model(_scenario(config))
    units = read_plan(plan, model)
    sch = build_schedule(model, units, time_limit_s or DEFAULT_TIME_LIMIT_S)
    doc = {"config": model.scenario.source, "plan": str(plan), **schedule_document(model, sch)}
    files = write_schedule(out, model, sch, units, doc) if out is not None else []
    return ScheduleResult(model, units, sch, doc, files)


@dataclass
class SimulationResult:
    model: Model
    units: np.ndarray
    document: dict    # the content of simulation.json
    files: list[Path]


def simulate(config: str | Path | Scenario, plan: str | Path, days: float = 365.0, seed: int | None = None,
             mode: str = "random-search", violations: int | None = 1_000_000, out: str | Path | None = None,
             time_limit_s: float | None = None) -> SimulationResult:
    """Check a plan against simulated violations; `violations=None` draws Poisson(per_year * days / 365).

    mode "random-search" simulates the analytic model's own assumption (its value should fall in the
    95% interval); "schedule" moves patrols and drones along the day's routes of `schedule`.
    Writes simulation.json and simulation.md to `out`.
    """
    if mode not in ("random-search", "schedule"):
        raise ValueError(f"mode must be 'random-search' or 'schedule', got {mode!r}")
    if not (days > 0 and np.isfinite(days)):
        raise ValueError(f"days must be a finite number > 0, got {days!r}")
    if violations is not None and (not isinstance(violations, (int, np.integer)) or violations < 1):
        raise ValueError(f"violations must be a whole number >= 1 or None, got {violations!r}")
    model = build_model(_scenario(config, None if seed is None else {"seed": seed}))
    units = read_plan(plan, model)
    sch = build_schedule(model, units, time_limit_s or DEFAULT_TIME_LIMIT_S) if mode == "schedule" else None
    doc = {"config": model.scenario.source, "plan": str(plan),
           **run_simulation(model, units, n=violations, days=days, seed=model.scenario.seed, mode=mode,
                            schedule=sch)}
    if sch is not None:
        doc["schedule"] = effort(model, units, sch)
    files = write_simulation(out, doc) if out is not None else []
    return SimulationResult(model, units, doc, files)
