"""Solvers by name, each with its typed options, and the result they all return.

    greedy   lazy greedy by gain per dollar                                        greedy.py
    swap     greedy, then swap local search                                        swap.py

Greedy and swap are certified by the tighter of the online bound (next-unit gains in a
knapsack) and the continuous relaxation's (Frank-Wolfe from their plan, `relax.py`).
    exact    outer approximation: LP cut loop, covering DP, MIP rounds; a proven gap   exact/

`run(instance, "exact", {"gap": 0.01})` checks the options against the solver's own
dataclass: an option the solver does not take, or a bad value, is an InputError naming it
as its command-line flag (`--gap`), never silently dropped.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, NamedTuple

import numpy as np

from ..errors import InputError, Problem
from ..model.instance import Instance
from .exact import ExactOptions, solve_exact
from .greedy import GreedyOptions, greedy
from .solution import Solution, Status, check_finite, relative_gap
from .swap import SwapOptions, solve_swap

__all__ = ["Solution", "Status", "names", "options_for", "relative_gap", "run", "within_deadline"]


class Method(NamedTuple):
    solve: Callable[..., Solution]
    options: type


SOLVERS = {
    "exact": Method(solve_exact, ExactOptions),
    "greedy": Method(greedy, GreedyOptions),
    "swap": Method(solve_swap, SwapOptions),
}


def names() -> list[str]:
    return sorted(SOLVERS)


def _method(solver: str) -> Method:
    if solver not in SOLVERS:
        raise InputError(Problem(f"no such solver; choose one of {', '.join(names())}", key="--solver", value=solver))
    return SOLVERS[solver]


def options_for(solver: str, options: dict | None = None):
    """The solver's options object from a dict; InputError on an option it does not take or a bad value."""
    cls = _method(solver).options
    given = {k: v for k, v in (options or {}).items() if v is not None}
    known = [f.name for f in dataclasses.fields(cls) if f.name != "tuning"]
    unknown = [k for k in given if k not in known]
    if unknown:
        takes = ", ".join("--" + k.replace("_", "-") for k in known) or "no option"
        raise InputError([Problem(f"the {solver} solver takes no such option (it takes {takes})",
                                  key="--" + k.replace("_", "-"), value=given[k]) for k in unknown])
    try:
        return cls(**given)
    except TypeError as exc:  # a value of the wrong type met a comparison
        raise InputError(Problem(f"bad option value for the {solver} solver: {exc}", key="--solver",
                                 value=solver)) from None


def run(instance: Instance, solver: str = "greedy", options: dict | object | None = None,
        start: np.ndarray | None = None, seed: int = 0, **more) -> Solution:
    """Solve `instance` with the named solver; `options` a dict (checked), the solver's options
    object, or given as keywords (`run(inst, "exact", gap=0.01)`)."""
    method = _method(solver)
    if not isinstance(options, method.options):
        options = options_for(solver, {**(options or {}), **more})
    elif more:
        options = dataclasses.replace(options, **more)
    sol = check_finite(method.solve(instance, options, start=start, seed=seed))
    sol.objective_name = instance.objective
    return sol


def within_deadline(options, left_s: float, reserve_s: float, reserve_share: float):
    """A solver's options with its time limit cut to what a deadline leaves after a reserve (the larger of
    reserve_s and reserve_share of what is left, for the work after the solve); at least 0.1 s."""
    limit = max(left_s - max(reserve_s, reserve_share * left_s), 0.1)
    if options.time_limit_s is not None:
        limit = min(limit, options.time_limit_s)
    changes = {"time_limit_s": limit}
    if hasattr(options, "bound_time_s"):  # greedy's and swap's continuous bound counts too
        changes["bound_time_s"] = min(options.bound_time_s, limit / 2)
    return dataclasses.replace(options, **changes)
