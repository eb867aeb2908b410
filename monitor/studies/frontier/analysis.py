"""Reading a frontier: its points, the bounds tightened across budgets, the knee, marginal
costs, and the baselines at each budget.

Bounds. The optimum OPT(b) is non-decreasing in b, so a solver's upper bound U_k' at a larger
budget bounds every smaller one too:

    bound_k = min_{k' >= k} max(U_k', D_k'),     gap_k = (bound_k - D_k) / bound_k,

which is non-decreasing in k and never below D_k (D_k <= D_k' <= bound at k').
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...model.build import ScenarioModel
from ...solvers import relative_gap
from .. import baselines
from .mixes import Mix


def knee(budgets_usd: np.ndarray, detection: np.ndarray) -> int | None:
    """Index of the knee: where the curve, scaled to the unit square, lies furthest above its chord
    (Kneedle, Satopaa et al. 2011): argmax_k (D_k - D_1)/(D_K - D_1) - (b_k - b_1)/(b_K - b_1)."""
    b, d = np.asarray(budgets_usd, float), np.asarray(detection, float)
    if len(b) < 3 or d[-1] - d[0] <= 1e-9 or b[-1] <= b[0]:
        return None
    lift = (d - d[0]) / (d[-1] - d[0]) - (b - b[0]) / (b[-1] - b[0])
    k = int(np.argmax(lift))
    return k if lift[k] > 1e-9 else None


def marginal_usd_per_point(points: list[Point]) -> list[float | None]:
    """USD of budget per percentage point of the objective (D or V) from the previous budget (None for
    the first; inf where it did not rise)."""
    out: list[float | None] = [None]
    for a, b in zip(points, points[1:]):
        rise = 100 * (b.value - a.value)
        out.append((b.budget_usd - a.budget_usd) / rise if rise > 1e-9 else math.inf)
    return out


def baseline_points(model: ScenarioModel, budgets: list[float]) -> list[dict]:
    """The plans of monitor.baselines at each budget, scored by the model:
    uniform_<asset> spends each budget on one asset; uniimog_density costs what it costs, at any budget."""
    out, seen = [], set()
    for b in budgets:
        for bl in baselines.compare(model, b)[0]:
            fixed = bl.name == "uniimog_density"  # its plan does not depend on the budget
            if fixed and bl.name in seen:
                continue
            seen.add(bl.name)
            out.append({"name": bl.name, "budget_usd": None if fixed else b,
                        "annual_usd": bl.metrics["annual_usd"], "detection": bl.metrics["detection"],
                        "verified": bl.metrics["verified"], "worst_segment": bl.metrics["worst_segment"]})
    return out


# ----------------------------------------------------------------------------- outputs


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
    verified: float = 0.0       # V of the plan (detected and verified in time)
    objective_name: str = "detection"  # what the sweep maximised, and what the bound bounds
    problems: list = field(default_factory=list)  # min_segment_detection or every_cell_seen the plan breaks
    by_zone: dict = field(default_factory=dict)  # detection of each zone's own violations

    @property
    def value(self) -> float:
        """The plan's score by the sweep's objective: D, V or the worst segment's detection."""
        if self.objective_name == "worst_segment":
            return self.worst_segment["detection"]
        return self.verified if self.objective_name == "verified" else self.detection

    @property
    def gap(self) -> float | None:
        if self.bound is None:
            return None
        return relative_gap(self.value, self.bound)


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
    objective: str = "detection"  # what each point maximised: "detection" or "verified"

    def of(self, mix: str) -> list[Point]:
        return [p for p in self.points if p.mix == mix]


PLAN_FIELDS = ("units", "detection", "verified", "annual_usd", "observers", "units_by_asset", "worst_segment",
               "by_zone", "problems")


def from_subsets(mix, mixes: list, by_mix: dict[str, list[Point]]) -> list[Point]:
    """`mix`'s points, each replaced by the better plan of a mix whose assets are a subset of its own
    at the same budget (that plan uses only sites `mix` may use, so it keeps the same budget and caps)."""
    own = by_mix[mix.name]
    for other in mixes:
        if other.name == mix.name or not set(other.assets) <= set(mix.assets):
            continue
        at = {q.budget_usd: q for q in by_mix[other.name]}
        for p in own:
            q = at.get(p.budget_usd)
            if q is not None and q.value > p.value:
                for f in PLAN_FIELDS:
                    setattr(p, f, getattr(q, f))
                p.plan_from = f"mix {other.name}"
    return own


def tighten(points: list[Point]) -> list[Point]:
    """One mix's points by budget: keep the better lower-budget plan (across chains), and take
    each bound as the least bound at any budget at or above it (module doc)."""
    points = sorted(points, key=lambda p: p.budget_usd)
    for a, b in zip(points, points[1:]):
        if a.value > b.value:  # only across chains: within one the worker keeps it already
            for f in PLAN_FIELDS:
                setattr(b, f, getattr(a, f))
            b.plan_from = "lower budget"
    least = math.inf
    for p in reversed(points):
        if p.solver_bound is not None:
            least = min(least, max(p.solver_bound, p.value))
        p.bound = None if least == math.inf else max(least, p.value)
    return points
