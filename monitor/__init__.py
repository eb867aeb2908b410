"""monitor: plan how to watch a ceasefire line.

The Python API has the CLI's verbs (see `monitor/api.py`):

    from monitor import solve
    result = solve("configs/ukraine-2025.toml", budget_usd=25e6)
    result.solution, result.metrics["detection"], result.write("out/ukraine")
"""

from ._version import __version__
from .api import (
                  CalibrateResult,
                  EvaluateResult,
                  FrontierRun,
                  ParetoRun,
                  ScheduleResult,
                  SensitivityResult,
                  SimulationResult,
                  SolveResult,
                  ValidateResult,
                  calibrate,
                  evaluate,
                  frontier,
                  pareto,
                  read_plan,
                  scenario,
                  schedule,
                  sensitivity,
                  simulate,
                  solve,
                  validate,
)
from .errors import InputError, MonitorError, Problem, SolverError
from .model.build import ScenarioModel, build_model
from .model.load import load_scenario

__all__ = ["CalibrateResult", "EvaluateResult", "FrontierRun", "InputError", "ParetoRun", "MonitorError", "Problem",
           "ScenarioModel", "ScheduleResult", "SensitivityResult", "SimulationResult", "SolveResult", "SolverError",
           "ValidateResult",
           "__version__", "build_model", "calibrate", "evaluate", "frontier", "load_scenario", "pareto", "read_plan",
           "scenario", "schedule", "sensitivity", "simulate", "solve", "validate"]
