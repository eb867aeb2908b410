"""What every solver returns: a plan, its score, an upper bound on the optimum and the gap."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from ..errors import InputError, Problem, SolverError


class Status(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"          # the gap is at most the target gap
    FEASIBLE = "feasible"        # the method ended (greedy, local optimum of swaps) with a certified gap
    TIME_LIMIT = "time_limit"    # the time limit ended it first
    INTERRUPTED = "interrupted"  # Ctrl-C ended it: the best plan so far, with its bound
    INFEASIBLE = "infeasible"    # no plan keeps every constraint (min_segment_detection): the LP proves it


@dataclass
class Solution:
    """A plan with its score, the solver's upper bound on the optimum and the relative gap.

    gap = (bound - objective) / bound, so the best plan is at most `gap` better than this one.
    """

    units: np.ndarray
    objective: float
    bound: float | None
    solver: str
    seconds: float
    status: Status = Status.FEASIBLE
    log: list[dict] = field(default_factory=list)
    bound_from: str | None = None  # what proved the bound: "online (next-unit knapsack)", "continuous relaxation", ...
    objective_name: str = "detection"  # what objective and bound measure: "detection" D or "verified" V

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        return relative_gap(self.objective, self.bound)

    def __repr__(self) -> str:
        bound = "none" if self.bound is None else f"{self.bound:.6f}"
        gap = "none" if self.gap is None else f"{100 * self.gap:.3f}%"
        return (f"Solution({self.solver}, {self.status}, objective={self.objective:.6f}, bound={bound}, "
                f"gap={gap}, units={int(self.units.sum())}, {self.seconds:.2f} s)")


def relative_gap(objective: float, bound: float) -> float:
    """(bound - objective) / bound, never below 0; 0 when the bound is 0 (nothing to detect)."""
    return max(bound - objective, 0.0) / bound if bound > 0 else 0.0


MAX_TIME_LIMIT_S = 1e6  # about 11.6 days: any longer limit is a typo, and OR-Tools' clocks overflow near 1e300


def check_time_limit(value, name: str = "time_limit_s") -> None:
    """A time limit is a number in (0, MAX_TIME_LIMIT_S] seconds, or None."""
    option_problem(name, value, value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                                  and 0 < value <= MAX_TIME_LIMIT_S),
                   f"must be a number of seconds > 0 and at most {MAX_TIME_LIMIT_S:g}")


def check_finite(sol: "Solution") -> "Solution":
    """A NaN or infinite score or bound is a SolverError, never a printed result."""
    values = [sol.objective] + ([] if sol.bound is None else [sol.bound])
    if not all(np.isfinite(v) for v in values):
        raise SolverError(f"the {sol.solver} solver's score or bound is not a finite number (objective "
                          f"{sol.objective!r}, bound {sol.bound!r}): the scenario's weights or hazards overflow")
    return sol


def option_problem(name: str, value, ok: bool, message: str) -> None:
    """Raise InputError naming the option as its command-line flag unless `ok`."""
    if not ok:
        raise InputError(Problem(message, key="--" + name.replace("_", "-"), value=value))
