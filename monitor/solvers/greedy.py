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

a fractional knapsack solved by sorting on delta_j / c_j.
"""

from __future__ import annotations

import heapq
import time

import numpy as np

from ..coverage import Instance
from . import Solution, register

_EPS = 1e-15


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
    cost = inst.cost_usd
    free = cost <= 0
    extra = float((delta[free] * room[free]).sum())
    ratio = np.where(free, -np.inf, delta / np.where(free, 1.0, cost))
    order = np.argsort(-ratio, kind="stable")
    order = order[~free[order] & (delta[order] > 0) & (room[order] > 0)]
    spend = cost[order] * room[order]
    cum = np.cumsum(spend)
    full = cum <= inst.budget_usd
    extra += float((delta[order][full] * room[order][full]).sum())
    k = int(full.sum())
    if k < len(order):
        left = inst.budget_usd - (cum[k - 1] if k else 0.0)
        extra += delta[order[k]] * left / cost[order[k]]
    return min(state.objective() + extra, float(inst.share.sum()))


def affordable(inst: Instance) -> np.ndarray:
    """Sites where one unit alone fits every constraint."""
    return ((inst.cost_usd <= inst.budget_usd * (1 + 1e-12)) & (inst.observers <= inst.max_observers)
            & (inst.site_cap >= 1) & (inst.asset_cap[inst.site_asset] >= 1))


@register("greedy")
def solve_greedy(inst: Instance, time_limit_s: float | None = None, start: np.ndarray | None = None,
                 **_ignored) -> Solution:
    """Lazy greedy by gain per dollar from `start` (empty by default); see the module doc."""
    t0 = time.perf_counter()
    st = CoverageState(inst, start)
    n = st.units
    spent = inst.cost(n)
    obs = float(inst.observers @ n)
    per_asset = np.bincount(inst.site_asset, weights=n, minlength=len(inst.asset_cap)).astype(np.int64)
    cost = np.maximum(inst.cost_usd, 1e-9)
    budget = inst.budget_usd * (1 + 1e-12)

    def fits(j: int) -> bool:
        return (n[j] < inst.site_cap[j] and per_asset[inst.site_asset[j]] < inst.asset_cap[inst.site_asset[j]]
                and spent + inst.cost_usd[j] <= budget and obs + inst.observers[j] <= inst.max_observers)

    gains0 = st.all_gains()
    heap = [(-gains0[j] / cost[j], int(j), 0) for j in np.flatnonzero(gains0 > _EPS)]
    heapq.heapify(heap)
    accepted, evaluations, status = 0, len(heap), "feasible"
    while heap:
        neg, j, stamp = heapq.heappop(heap)
        if not fits(j):
            continue  # resources only shrink, so it never fits again
        if stamp != accepted:
            g = st.gain(j)
            evaluations += 1
            if g > _EPS:
                heapq.heappush(heap, (-g / cost[j], j, accepted))
            continue
        st.add(j)
        accepted += 1
        spent += inst.cost_usd[j]
        obs += inst.observers[j]
        per_asset[inst.site_asset[j]] += 1
        heapq.heappush(heap, (neg, j, -1))  # the next unit here gains at most as much
        if time_limit_s is not None and accepted % 64 == 0 and time.perf_counter() - t0 > time_limit_s:
            status = "time_limit"
            break

    objective = st.objective()
    bound = knapsack_bound(inst, st)
    units = n.copy()
    ok = affordable(inst) & (gains0 > objective + 1e-12)
    if start is None and ok.any():
        j = int(np.argmax(np.where(ok, gains0, -1.0)))
        units = np.zeros_like(n)
        units[j] = 1
        objective = float(gains0[j])
    return Solution(units=units, objective=objective, bound=max(bound, objective), solver="greedy",
                    seconds=time.perf_counter() - t0, status=status,
                    log=[{"accepted": accepted, "evaluations": evaluations}])
