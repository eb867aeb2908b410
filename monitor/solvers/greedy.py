"""Lazy greedy on gain per dollar, plus the best single unit, with an a-posteriori bound.

D is monotone submodular in the units, so the gain of a unit can only shrink as others
are added. Lazy greedy (CELF) keeps stale gains in a heap as upper bounds and re-evaluates
only the top one: when its fresh gain still tops the heap, it is the best ratio.

    gain(j | n) = sum_c share_c sum_i w[i, c] exp(-u[i, c]) (1 - exp(-b[i, j] f[j, c]))

Returning the better of the greedy plan and the best single affordable unit gives the
classic constant-factor guarantee for budgeted submodular coverage.

Bound (online, after Leskovec et al. 2007). For any plan S and the optimum O,
f(O) <= f(S) + sum_{e in O \\ S} gain(e | S). O costs at most the budget, and every extra
unit at site j gains at most delta_j = gain(j | S), with at most cap_j - n_j of them, so

    f(O) <= f(S) + max { sum_j x_j delta_j : sum_j x_j c_j <= budget, 0 <= x_j <= cap_j - n_j },

a fractional knapsack solved by sorting on delta_j / c_j (`relax.knapsack_max`).
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from dataclasses import dataclass

import numpy as np

from ..model.instance import Instance
from .relax import certify, knapsack_max
from .solution import Solution, Status, check_time_limit, option_problem
from .stop import requested as stop_requested

log = logging.getLogger("monitor.solvers.greedy")
_EPS = 1e-15
ONLINE = "online bound (next-unit gains, knapsack)"  # the name of greedy's own bound in bound_from


@dataclass(frozen=True)
class GreedyOptions:
    """What `--solver greedy` takes."""

    time_limit_s: float | None = None
    """Stop adding units after this many seconds (none by default: greedy ends in well under a second)."""
    bound_time_s: float = 1.0
    """Seconds at most for the continuous relaxation's bound from the plan (it stops sooner once it
    stalls; 0 keeps the online bound only)."""

    def __post_init__(self):
        check_time_limit(self.time_limit_s)
        option_problem("bound_time_s", self.bound_time_s, 0 <= self.bound_time_s < math.inf,
                       "must be a finite number >= 0")


class CoverageState:
    """Miss probabilities exp(-u[i, c]) of a plan, with vectorised marginal gains."""

    def __init__(self, inst: Instance, units: np.ndarray | None = None):
        self.inst = inst
        self.WS = inst.W * inst.share  # w[i, c] * share_c
        B = inst.B
        self.indptr, self.rows, self.b = B.indptr, B.indices, B.data
        self.col = np.repeat(np.arange(B.shape[1]), np.diff(self.indptr))
        self.units = np.zeros(inst.n_sites, int) if units is None else np.asarray(units, int).copy()
        self.miss = np.exp(-inst.hazard(self.units))

    def objective(self) -> float:
        return float((self.WS * (1.0 - self.miss)).sum())

    def gain(self, j: int) -> float:
        lo, hi = self.indptr[j], self.indptr[j + 1]
        r = self.rows[lo:hi]
        h = self.b[lo:hi, None] * self.inst.F[j]
        return float((self.WS[r] * self.miss[r] * -np.expm1(-h)).sum())

    def all_gains(self) -> np.ndarray:
        """gain(j | n) for every site at once, from the nonzeros of B."""
        r = self.rows
        h = self.b[:, None] * self.inst.F[self.col]
        per_nz = (self.WS[r] * self.miss[r] * -np.expm1(-h)).sum(axis=1)
        return np.bincount(self.col, weights=per_nz, minlength=self.inst.n_sites)

    def add(self, j: int, k: int = 1) -> None:
        lo, hi = self.indptr[j], self.indptr[j + 1]
        r = self.rows[lo:hi]
        self.miss[r] *= np.exp(-k * self.b[lo:hi, None] * self.inst.F[j])
        self.units[j] += k


def knapsack_bound(inst: Instance, state: CoverageState) -> float:
    """f(S) + the fractional knapsack of next-unit gains over the whole budget (see module doc)."""
    delta = np.maximum(state.all_gains(), 0.0)
    room = np.maximum(inst.site_cap - state.units, 0).astype(float)
    extra = float(delta @ knapsack_max(delta, inst.cost_usd, room, inst.budget_usd))
    return min(state.objective() + extra, float(inst.share.sum()))


def solve_greedy(inst: Instance, options: GreedyOptions = GreedyOptions(), start: np.ndarray | None = None,
                 seed: int = 0) -> Solution:
    """Lazy greedy by gain per dollar from `start` (empty by default); see the module doc."""
    t0 = time.perf_counter()
    limit = options.time_limit_s
    st = CoverageState(inst, start)
    room = inst.room(st.units)
    n = st.units
    cost = np.maximum(inst.cost_usd, 1e-9)
    gains0 = st.all_gains()
    heap = [(-gains0[j] / cost[j], int(j), 0) for j in np.flatnonzero(gains0 > _EPS)]
    heapq.heapify(heap)
    accepted, evaluations, status = 0, len(heap), Status.FEASIBLE
    while heap:
        neg, j, stamp = heapq.heappop(heap)
        if not room.fits(j):
            continue  # resources only shrink, so it never fits again
        if stamp != accepted:
            g = st.gain(j)
            evaluations += 1
            if g > _EPS:
                heapq.heappush(heap, (-g / cost[j], j, accepted))
            continue
        st.add(j)
        room.add(j)
        accepted += 1
        heapq.heappush(heap, (neg, j, -1))  # the next unit here gains at most as much
        if accepted % 64 == 0:
            if limit is not None and time.perf_counter() - t0 > limit:
                status = Status.TIME_LIMIT
                break
            if stop_requested():
                status = Status.INTERRUPTED
                break

    objective = st.objective()
    bound = knapsack_bound(inst, st)
    units = n.copy()
    ok = inst.fits_alone() & (gains0 > objective + 1e-12)
    if start is None and ok.any():
        j = int(np.argmax(np.where(ok, gains0, -1.0)))
        units = np.zeros_like(n)
        units[j] = 1
        objective = float(gains0[j])
    sol = Solution(units=units, objective=objective, bound=max(bound, objective), solver="greedy",
                   seconds=time.perf_counter() - t0, status=status,
                   log=[{"accepted": accepted, "evaluations": evaluations}], bound_from=ONLINE)
    log.debug("greedy: %d units in %.2f s, plan %.6f, bound %.6f", accepted, sol.seconds, objective, sol.bound)
    return sol


def greedy(inst: Instance, options: GreedyOptions = GreedyOptions(), start: np.ndarray | None = None,
           seed: int = 0) -> Solution:
    """`--solver greedy`: the greedy plan, certified by the tighter of the online bound and the
    continuous relaxation (options.bound_time_s)."""
    return certify(inst, solve_greedy(inst, options, start=start, seed=seed), options.bound_time_s)
