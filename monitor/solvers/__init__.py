"""Solvers by name, and the result object they all return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ..coverage import Instance


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
    status: str = "feasible"  # "optimal" (gap closed), "feasible", or "time_limit"
    log: list[dict] = field(default_factory=list)

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        return max(0.0, self.bound - self.objective) / self.bound if self.bound > 0 else 0.0

    def __repr__(self) -> str:
        bound = "none" if self.bound is None else f"{self.bound:.6f}"
        gap = "none" if self.gap is None else f"{100 * self.gap:.3f}%"
        return (f"Solution({self.solver}, {self.status}, objective={self.objective:.6f}, bound={bound}, "
                f"gap={gap}, units={int(self.units.sum())}, {self.seconds:.2f} s)")


SolverFn = Callable[..., Solution]
_REGISTRY: dict[str, SolverFn] = {}


def register(name: str):
    def deco(fn: SolverFn) -> SolverFn:
        _REGISTRY[name] = fn
        return fn
    return deco


def names() -> list[str]:
    return sorted(_REGISTRY)


def run(instance: Instance, solver: str = "greedy", **options) -> Solution:
    """Solve `instance` with the named solver."""
    if solver not in _REGISTRY:
        raise ValueError(f"unknown solver {solver!r}; choose one of {', '.join(names())}")
    return _REGISTRY[solver](instance, **options)


from . import greedy  # noqa: E402,F401  (registers itself)
from . import exact, local_search  # noqa: E402,F401  (register "exact" and "swap"; ortools loads on first use)
