"""Expected detection against the worst segment at one budget: what closing the gaps costs.

One plan per level m of min_segment_detection (`--levels FROM:TO:N`): the objective (detection,
or verified) with every segment at m or above, by the chosen solver; and at the end the plan
that maximises the worst segment itself (with every cell seen, as the config's
objective.every_cell_seen says). Each point reports its D, its worst segment and whether it
meets its level: a level the budget cannot meet is kept, marked, with the plan that came
closest, so the curve shows where the budget runs out.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

import monitor.solvers as solvers

from ..model.build import ScenarioModel
from ..model.metrics import staff_and_effort

MAX_LEVELS = 50  # points a Pareto sweep solves at most


@dataclass
class ParetoPoint:
    """One plan of the sweep: its level (None for the worst-segment plan), scores and whether it meets the level."""

    level: float | None
    objective: float
    detection: float
    verified: float
    worst_segment: float
    meets: bool
    bound: float | None
    gap: float | None
    status: str
    annual_usd: float
    units_by_asset: dict
    every_cell_seen: bool = False  # the worst-segment plan only: it also sees every cell


def parse_levels(text: str) -> list[float]:
    """`FROM:TO:N` -> N levels evenly spaced in [0, 1]; ValueError on bad text."""
    parts = text.split(":")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except (ValueError, IndexError):
        raise ValueError(f"must be FROM:TO:N with 0 <= FROM <= TO <= 1 (for example 0:0.6:4), got {text!r}") from None
    if len(parts) != 3 or not (0 <= lo <= hi <= 1) or not 1 <= n <= MAX_LEVELS or (n == 1 and lo != hi):
        raise ValueError(f"needs 0 <= FROM <= TO <= 1 and 1 <= N <= {MAX_LEVELS} (N = 1 only when FROM = TO), "
                         f"got {text!r}")
    return [float(x) for x in np.linspace(lo, hi, n)]


def pareto(model: ScenarioModel, levels: list[float], solver: str = "greedy", options: dict | None = None
           ) -> list[ParetoPoint]:
    """The plans of the sweep (module doc), in order of level, the worst-segment plan last."""
    inst, s = model.instance, model.scenario
    opts = solvers.options_for(solver, options)
    runs = [(m, replace(inst, min_segment=m)) for m in levels]
    runs.append((None, inst.as_worst_segment(s.objective.every_cell_seen)))
    out = []
    for level, sub in runs:
        sol = solvers.run(sub, solver, opts, seed=s.seed)
        n = sol.units
        out.append(ParetoPoint(level=level, objective=inst.score(n), detection=inst.detected(n),
                               verified=inst.verified(n), worst_segment=sub.worst_segment(n),
                               meets=not sub.check(n), bound=sol.bound, gap=sol.gap, status=str(sol.status),
                               annual_usd=inst.cost(n), units_by_asset=staff_and_effort(model, n)["units_by_asset"],
                               every_cell_seen=sub.every_cell_seen))
    return out
