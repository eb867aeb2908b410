"""monitor: plan how to watch a ceasefire line.

The Python API has the CLI's verbs:

    from monitor import load_scenario, build_model, validate, solve, evaluate
    result = solve("configs/ukraine-2025.toml", budget_usd=25e6)
    result.solution, result.document["metrics"]["detection"]
"""

__version__ = "0.1.0"

from .api import SolveResult, build_model, evaluate, load_scenario, read_plan, solve, validate  # noqa: E402
from .calibrate import calibrate  # noqa: E402
from .config import ConfigError  # noqa: E402
from .frontier import FrontierResult, frontier  # noqa: E402
from .api import ScheduleResult, SimulationResult, schedule, simulate  # noqa: E402

__all__ = ["ConfigError", "FrontierResult", "SolveResult", "build_model", "calibrate", "evaluate", "frontier",
           "load_scenario", "read_plan", "solve", "validate", "__version__"]
__all__ += ["ScheduleResult", "SimulationResult", "schedule", "simulate"]
