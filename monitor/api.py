"""The Python API: every verb of the CLI, each returning one typed result.

    validate   check a scenario and build its model: its size            ValidateResult
    solve      place assets for the most detection within the budget    SolveResult
    evaluate   re-score a plan (for example one edited by hand)         EvaluateResult
    calibrate  a force of observer teams at UNIIMOG's density, figure by figure   CalibrateResult
    frontier   sweep budgets and asset mixes                            FrontierRun
    schedule   one day's patrol routes and drone sorties of a plan      ScheduleResult
    simulate   check a plan against simulated violations                SimulationResult

A verb takes a config path or a loaded `Scenario`; a result has the scenario, the numbers,
`to_dict()` (what the JSON outputs hold), `text()` (what the CLI prints) and
`write(out_dir)` (the output files, each written whole; returns their paths). Bad input
raises `InputError`; a failed solver `SolverError`; both are `MonitorError`s.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

import monitor.solvers as solvers

from .errors import InputError, Problem
from .model import plans
from .model.build import ScenarioModel, build_model
from .model.geometry import band_fidelity
from .model.load import load_scenario, with_overrides
from .model.metrics import placements, plan_metrics, scenario_size
from .model.schema import Scenario, json_schema
from .outputs import calibration as calibration_out
from .outputs import frontier as frontier_out
from .outputs import pareto as pareto_out
from .outputs import schedule as schedule_out
from .outputs import sensitivity as sensitivity_out
from .outputs import simulation as simulation_out
from .outputs import tables, text
from .outputs.plan import plan_document, solver_record, write_plan
from .reading import parse_json, read_text
from .solvers import robust, stop
from .solvers.shortfall import note_constraint_cost, unmet_constraints
from .solvers.solution import check_time_limit
from .studies import baselines
from .studies.calibration import calibrate as calibrate_force
from .studies.frontier import FrontierResult, Point, sweep
from .studies.pareto import ParetoPoint
from .studies.pareto import pareto as run_pareto
from .studies.schedule import DEFAULT_TIME_LIMIT_S, Schedule, build_schedule
from .studies.sensitivity import Sensitivity
from .studies.sensitivity import sensitivity as run_sensitivity
from .studies.simulation import effort, simulate_plan

log = logging.getLogger(__name__)
DEADLINE_RESERVE_S = 2.0     # of a deadline, kept for the baselines and the output files after the solve ...
DEADLINE_RESERVE_SHARE = 0.1  # ... or this share of what is left, whichever is more
MAX_DRAWS = 100_000_000  # violations a simulation draws at most: about 100 s on this project's machine
FLAGS = {"budget.annual_usd": "--budget-usd", "seed": "--seed", "objective.name": "--objective",
         "objective.min_segment_detection": "--min-segment-detection", "metrics.losses": "--losses"}  # overrides the verbs set, by the flag that sets them


def scenario(config: str | Path | Scenario, overrides: dict | None = None, scenarios: list[str] | None = None,
             flags: dict | None = None) -> Scenario:
    """A scenario from a path or a Scenario: the file's named `scenarios` applied in order, then
    dotted-key `overrides` (`{"assets.ift.radius_km": 5}`), each checked like the file itself.
    `flags` names the flag that set an override, for its error message."""
    flags = {**FLAGS, **(flags or {})}
    if isinstance(config, Scenario):
        return with_overrides(config, overrides, flags, scenarios or ())
    return load_scenario(config, overrides, flags, scenarios or ())


class _Result:
    """What every result shares: the model it was computed on, and the scenario's name."""

    model: ScenarioModel

    @property
    def scenario(self) -> str:
        return self.model.scenario.name


class _PlanTables:
    """Tables of the result's plan, for a notebook: placements and cells as DataFrames."""

    def _units(self) -> np.ndarray:
        return self.solution.units if isinstance(self, SolveResult) else self.units

    def placements_frame(self):
        """One row per used site, with its coordinates, units, radius and yearly cost."""
        return tables.placements_frame(self.model, self._units())

    def cells_frame(self):
        """One row per cell with its detection (a GeoDataFrame of polygons if geopandas is installed)."""
        return tables.cells_frame(self.model, self._units())


@dataclass
class ValidateResult(_Result):
    model: ScenarioModel
    size: dict  # line km, zone km2, cells, candidate sites, nonzeros, hotspot share

    def to_dict(self) -> dict:
        return {**self.size, "budget_usd": self.model.scenario.budget.annual_usd}

    def text(self) -> str:
        return text.validate_text(self.model.scenario.source, self.to_dict())


def validate(config: str | Path | Scenario, scenarios: list[str] | None = None,
             overrides: dict | None = None) -> ValidateResult:
    """Check a scenario and build its model; its size (line km, zone km2, cells, sites, budget)."""
    model = build_model(scenario(config, overrides, scenarios))
    size = scenario_size(model)
    size["bands"] = band_fidelity(model.scenario, model.geometry, model.cells)
    return ValidateResult(model, size)


@dataclass
class SolveResult(_Result, _PlanTables):
    model: ScenarioModel
    solution: solvers.Solution
    metrics: dict
    baselines: list[baselines.Baseline] = field(default_factory=list)  # at the same budget, by the same model
    baselines_skipped: list[str] = field(default_factory=list)

    @property
    def interrupted(self) -> bool:
        """Ctrl-C stopped the solver: the plan is the best so far, with its bound."""
        return self.solution.status == solvers.Status.INTERRUPTED

    def to_dict(self) -> dict:
        """The content of plan.json."""
        return plan_document(self.model, self.solution.units, solver_record(self.solution), metrics=self.metrics,
                             baselines=[b.summary() for b in self.baselines], baselines_skipped=self.baselines_skipped)

    def text(self) -> str:
        return text.summary_text(self.to_dict())

    def write(self, out_dir: str | Path) -> list[Path]:
        return write_plan(out_dir, self.model, self.to_dict(), self.solution.units, self.baselines)


def solve(config: str | Path | Scenario, budget_usd: float | None = None, solver: str = "greedy",
          seed: int | None = None, deadline_s: float | None = None, scenarios: list[str] | None = None,
          overrides: dict | None = None, objective: str | None = None, min_segment_detection: float | None = None,
          robust_losses: int | None = None, **options) -> SolveResult:
    """Build the scenario's model, solve it, and score the plan and the baselines at its budget.

    `objective` ("detection", "verified" or "worst_segment") overrides the config's [objective] name,
    `min_segment_detection` its key of that name (every segment at least this share; an InputError
    saying by how much when the budget cannot meet it). `robust_losses` K keeps, among plans made
    with the units' hazards scaled down, the one that detects most after its worst K losses
    (`solvers/robust.py`); the report then shows at least K losses.
    `options` are the solver's (`time_limit_s`, `gap`, `mip_solver`); one it does not take is
    an InputError. `deadline_s` bounds the whole call and the outputs after it: the solver gets
    what is left of it after the build, less a reserve for the baselines and the files
    (DEADLINE_RESERVE_S). Ctrl-C during the solver stops it at the next safe point: the result
    then holds the best plan so far with its bound (`interrupted` is true).
    """
    t0 = time.monotonic()
    overrides = {**(overrides or {}), **{k: v for k, v in (("budget.annual_usd", budget_usd), ("seed", seed),
                                                           ("objective.name", objective),
                                                           ("objective.min_segment_detection", min_segment_detection))
                                  if v is not None}}
    if robust_losses:
        overrides.setdefault("metrics.losses", robust_losses)
    opts = solvers.options_for(solver, options)  # bad options before any work
    if deadline_s is not None:
        check_time_limit(deadline_s, "deadline_s")
    model = build_model(scenario(config, overrides, scenarios))
    if deadline_s is not None:
        opts = solvers.within_deadline(opts, deadline_s - (time.monotonic() - t0), DEADLINE_RESERVE_S,
                                        DEADLINE_RESERVE_SHARE)
    with stop.sigint_stops():
        run = lambda inst: solvers.run(inst, solver, opts, seed=model.scenario.seed)  # noqa: E731
        sol = run(model.instance) if not robust_losses else robust.robust_losses(model.instance, robust_losses, run)
        note_constraint_cost(model.instance, sol, run)
    log.info("solve: %s, plan %.6f, bound %s, %.2f s", sol.status, sol.objective, sol.bound, sol.seconds)
    unmet = unmet_constraints(model.instance, sol, model.scenario)
    if unmet:
        raise InputError(unmet)
    found, skipped = baselines.compare(model)
    return SolveResult(model, sol, plan_metrics(model, sol.units), found, skipped)


@dataclass
class ParetoRun(_Result):
    model: ScenarioModel
    points: list[ParetoPoint]  # one plan per level of min_segment_detection, the worst-segment plan last

    def to_dict(self) -> dict:
        return {"scenario": self.model.scenario.label, "points": [asdict(p) for p in self.points]}

    def text(self) -> str:
        return pareto_out.pareto_text(self.model.scenario.label, self.points)

    def write(self, out_dir: str | Path) -> list[Path]:
        """pareto.md, pareto.png and pareto.json."""
        return pareto_out.write_pareto(out_dir, self.model.scenario.label, self.points)


def pareto(config: str | Path | Scenario, levels: list[float], solver: str = "greedy",
           scenarios: list[str] | None = None, overrides: dict | None = None, **options) -> ParetoRun:
    """Expected score against the worst segment at the config's budget (studies/pareto): one plan per
    level of min_segment_detection in `levels`, and the plan that maximises the worst segment."""
    solvers.options_for(solver, options)  # bad options before any work
    model = build_model(scenario(config, overrides, scenarios))
    with stop.sigint_stops():
        return ParetoRun(model, run_pareto(model, levels, solver, options))


@dataclass
class SensitivityResult(_Result):
    model: ScenarioModel
    plan: str
    units: np.ndarray
    study: Sensitivity  # the nominal detection, the tornado, the draws

    def to_dict(self) -> dict:
        """The content of sensitivity.json."""
        return sensitivity_out.sensitivity_dict(self.study, self.model.scenario.label)

    def text(self) -> str:
        return sensitivity_out.sensitivity_text(self.to_dict())

    def write(self, out_dir: str | Path) -> list[Path]:
        return sensitivity_out.write_sensitivity(out_dir, self.to_dict())


def sensitivity(config: str | Path | Scenario, plan, draws: int = 200, seed: int | None = None,
                workers: int | None = None, scenarios: list[str] | None = None,
                overrides: dict | None = None) -> SensitivityResult:
    """How the plan's detection moves over the config's [[uncertain]] ranges: each alone (a tornado)
    and all at once (`draws` seeded draws, on `workers` processes; the same for any number)."""
    s = scenario(config, {**(overrides or {}), **({} if seed is None else {"seed": seed})}, scenarios)
    if not s.uncertain:
        raise InputError(Problem("the config gives no [[uncertain]] ranges to vary", s.source, "uncertain"))
    model = build_model(s)
    units = read_plan(plan, model)
    doc = {"scenario": s.name, "variants": s.variants, "placements": placements(model, units)}
    study = run_sensitivity(s, doc, draws=draws, seed=s.seed, workers=workers or min(2, os.cpu_count() or 1))
    return SensitivityResult(model, _plan_name(plan), units, study)


def schema() -> dict:
    """The JSON Schema of a scenario file (for an editor's completion and checks)."""
    return json_schema()


def read_plan(plan, model: ScenarioModel) -> np.ndarray:
    """Units per candidate site of a plan: a plan.json path, its content, or a result that has a plan
    (a SolveResult, EvaluateResult, ...); checked against the scenario (`model/plans.py`)."""
    if isinstance(plan, _Result):  # a result of this API: its plan, by placements (sites by lon/lat)
        units = plan.solution.units if isinstance(plan, SolveResult) else getattr(plan, "units", None)
        if units is None:
            raise InputError(Problem(f"a {type(plan).__name__} holds no plan", key="plan"))
        s = plan.model.scenario
        plan = {"scenario": s.name, "variants": s.variants, "placements": placements(plan.model, units)}
    if isinstance(plan, dict):
        return plans.read_plan(plan, model)
    return plans.read_plan(_read_json(Path(plan)), model, str(plan))


def _plan_name(plan) -> str:
    return str(plan) if isinstance(plan, (str, Path)) else "<plan>"


def _read_json(path: Path) -> object:
    text = read_text(path)
    try:
        return parse_json(text, "JSON")
    except ValueError as exc:
        raise InputError(Problem(f"not valid JSON: {exc}", str(path))) from None


@dataclass
class EvaluateResult(_Result, _PlanTables):
    model: ScenarioModel
    plan: str
    units: np.ndarray
    metrics: dict
    problems: list[str]  # what the plan breaks at the scenario's budget and caps; empty if feasible

    @property
    def feasible(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        m = self.metrics
        return {"scenario": self.scenario, "plan": self.plan, "feasible": self.feasible, "problems": self.problems,
                "budget_usd": self.model.scenario.budget.annual_usd,
                "cost": {k: m[k] for k in ("annual_usd", "capex_usd", "opex_usd_per_year", "observers", "operators")},
                "metrics": m}

    def text(self) -> str:
        return text.evaluate_text(self.to_dict())


def evaluate(config: str | Path | Scenario, plan: str | Path | dict, scenarios: list[str] | None = None,
             overrides: dict | None = None) -> EvaluateResult:
    """Re-score a plan with the scenario's model: its metrics and costs, and what it breaks."""
    model = build_model(scenario(config, overrides, scenarios))
    units = read_plan(plan, model)
    return EvaluateResult(model, _plan_name(plan), units,
                          plan_metrics(model, units), model.instance.check(units))


@dataclass
class CalibrateResult(_Result):
    model: ScenarioModel
    figures: dict  # every figure with its formula, parameters and sources

    def to_dict(self) -> dict:
        return self.figures

    def text(self) -> str:
        return calibration_out.calibration_text(self.figures)


def calibrate(config: str | Path | Scenario, asset: str | None = None, scenarios: list[str] | None = None,
              overrides: dict | None = None) -> CalibrateResult:
    """What observer teams at UNIIMOG's density do on the scenario's line, figure by figure."""
    model = build_model(scenario(config, overrides, scenarios))
    return CalibrateResult(model, calibrate_force(model, asset))


@dataclass
class FrontierRun(_Result):
    model: ScenarioModel
    result: FrontierResult  # the points by mix and budget, their bounds, and the baselines

    def to_dict(self) -> dict:
        return frontier_out.frontier_dict(self.result)

    def text(self) -> str:
        return frontier_out.frontier_text(self.result)

    def to_frame(self):
        """The points as a DataFrame: one row per mix and budget."""
        return tables.frontier_frame(self.result)

    def write(self, out_dir: str | Path) -> list[Path]:
        """frontier.csv, frontier.png and frontier.md (the points stay in points.jsonl there)."""
        return frontier_out.write_frontier(out_dir, self.result)


def frontier(config: str | Path | Scenario, budgets_usd, mixes: list[str] | None = None, solver: str = "greedy",
             checkpoint_dir: str | Path | None = None, scheduler: str | None = None, workers: int | None = None,
             split: int = 1, progress: Callable[[int, int], None] | None = None,
             on_point: Callable[[Point], None] | None = None, scenarios: list[str] | None = None,
             overrides: dict | None = None, objective: str | None = None, **options) -> FrontierRun:
    """Solve every budget for every mix (studies/frontier), maximising `objective` (the config's by
    default); finished points are kept in checkpoint_dir/points.jsonl, so a rerun solves only the
    rest. See `studies.frontier.sweep`."""
    if objective is not None:
        overrides = {**(overrides or {}), "objective.name": objective}
    model = build_model(scenario(config, overrides, scenarios))
    res = sweep(model, budgets_usd, mixes, solver, options, checkpoint_dir=checkpoint_dir, scheduler=scheduler,
                workers=workers, split=split, progress=progress, on_point=on_point)
    return FrontierRun(model, res)


@dataclass
class ScheduleResult(_Result, _PlanTables):
    model: ScenarioModel
    plan: str
    units: np.ndarray
    schedule: Schedule  # the day's routes per team site and drone base

    def to_dict(self) -> dict:
        """The content of schedule.json."""
        return {"config": self.model.scenario.source, "plan": self.plan,
                **schedule_out.schedule_document(self.model, self.schedule)}

    def text(self) -> str:
        return schedule_out.summary_text(self.model, self.schedule)

    def write(self, out_dir: str | Path) -> list[Path]:
        return schedule_out.write_outputs(out_dir, self.model, self.schedule, self.units, self.to_dict())


def schedule(config: str | Path | Scenario, plan: str | Path | dict, time_limit_s: float | None = None,
             scenarios: list[str] | None = None, overrides: dict | None = None) -> ScheduleResult:
    """Route one day's patrols of every team site and sorties of every drone base of a plan (OR-Tools);
    `time_limit_s` is a safety limit per site."""
    check_time_limit(time_limit_s)
    model = build_model(scenario(config, overrides, scenarios))
    units = read_plan(plan, model)
    sch = build_schedule(model, units, time_limit_s or DEFAULT_TIME_LIMIT_S)
    return ScheduleResult(model, _plan_name(plan), units, sch)


@dataclass
class SimulationResult(_Result, _PlanTables):
    model: ScenarioModel
    plan: str
    units: np.ndarray
    document: dict  # the content of simulation.json

    def to_dict(self) -> dict:
        return self.document

    def text(self) -> str:
        return simulation_out.summary_text(self.document)

    def write(self, out_dir: str | Path) -> list[Path]:
        return simulation_out.write_outputs(out_dir, self.document)


def simulate(config: str | Path | Scenario, plan: str | Path | dict, days: float = 365.0, seed: int | None = None,
             mode: str = "random-search", violations: int | None = 1_000_000,
             time_limit_s: float | None = None, scenarios: list[str] | None = None,
             overrides: dict | None = None) -> SimulationResult:
    """Check a plan against simulated violations; `violations=None` draws Poisson(per_year * days / 365).

    mode "random-search" simulates the analytic model's own assumption (its value should fall in the
    95% interval); "schedule" moves patrols and drones along the day's routes of `schedule`.
    """
    if mode not in ("random-search", "schedule"):
        raise InputError(Problem("must be random-search or schedule", key="--mode", value=mode))
    if not (isinstance(days, (int, float)) and 0 < days < np.inf):
        raise InputError(Problem("must be a finite number > 0", key="--days", value=days))
    if violations is not None and (not isinstance(violations, (int, np.integer)) or not 1 <= violations <= MAX_DRAWS):
        raise InputError(Problem(f"must be a whole number from 1 to {MAX_DRAWS:,}, or 'poisson'", key="--violations",
                                 value=violations))
    check_time_limit(time_limit_s)
    model = build_model(scenario(config, {**(overrides or {}), **({} if seed is None else {"seed": seed})},
                                 scenarios))
    expected = model.scenario.violations.per_year * days / 365
    if violations is None and expected > MAX_DRAWS:
        raise InputError(Problem(f"draws Poisson(violations.per_year x days / 365 = {expected:,.3g}) violations, "
                                 f"above {MAX_DRAWS:,}; give --violations N or fewer --days", key="--violations",
                                 value="poisson"))
    units = read_plan(plan, model)
    sch = build_schedule(model, units, time_limit_s or DEFAULT_TIME_LIMIT_S) if mode == "schedule" else None
    name = _plan_name(plan)
    doc = {"config": model.scenario.source, "plan": name,
           **simulate_plan(model, units, n=violations, days=days, seed=model.scenario.seed, mode=mode, schedule=sch)}
    if sch is not None:
        doc["schedule"] = effort(model, units, sch)
    return SimulationResult(model, name, units, doc)


__all__ = ["CalibrateResult", "EvaluateResult", "FrontierRun", "ParetoRun", "ScheduleResult", "SensitivityResult", "SimulationResult",
           "SolveResult", "ValidateResult", "calibrate", "evaluate", "frontier", "pareto", "read_plan", "scenario", "schedule",
           "schema", "sensitivity", "simulate", "solve", "validate"]
