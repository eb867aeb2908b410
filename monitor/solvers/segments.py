"""Plans for the least watched segment: saturate on the truncated score, and its cheap bound.

A plan's groups (segments, or (segment, class) pairs; `model/instance.py`) have scores S_g(n),
each monotone and, for detection, submodular in the units. For a level c,

    F_c(n) = sum_g min(S_g(n), c)

is monotone submodular too (a truncation of one), and min_g S_g(n) >= c exactly when
F_c(n) = c G. Saturate (Krause, McMahan, Guestrin and Gupta 2008) looks for the highest c whose
F_c greedy can fill within the budget: a bisection on c, each step lazy greedy on F_c per dollar.
For a required level (min_segment_detection) one greedy run on F_c at that level does.

The gain of one unit at j on F_c needs the change it makes to every group it touches,

    delta[g, j] = sum_{(i, c) in g} (what one unit at j adds to share_c w[i, c] X[i, c]) / W_g,

one pass over the entries of the state (`state.py`) summed by (site, group) keys:

    gain_c(j) = sum_g min(S_g + delta[g, j], c) - min(S_g, c).

Bound (online, per group). For detection, S_g is submodular, so for any plan S and every
feasible plan O, S_g(O) <= S_g(S) + max { sum_j x_j delta[g, j] : cost.x <= budget,
0 <= x_j <= cap_j - n_j } (the fractional knapsack of `relax.knapsack_max`), and

    min_g S_g(O) <= min_g [ S_g(S) + knapsack_g ].

Verified detection is not submodular, but V_g <= D_g for every plan, so the same bound on the
groups' detection bounds the worst group's V.
"""

from __future__ import annotations

import heapq
from dataclasses import replace

import numpy as np

from ..model.instance import Instance
from .relax import knapsack_max
from .state import CoverageState, state_for
from .stop import requested as stop_requested

BISECTIONS = 12      # steps of the bisection on the level c, at most
LEVEL_TOL = 1e-3     # stop bisecting once the bracket on c is this narrow (a tenth of a point)
_EPS = 1e-15


class Groups:
    """The groups of an instance, as keys over a state's entries: delta[g, j] for one site or all."""

    def __init__(self, inst: Instance, st):
        self.G = inst.entry_group()
        self.weight = inst.group_weight()
        self.live = self.weight > 0
        self.n = len(self.weight)
        self.st, self.inst = st, inst
        key = (st.col[:, None].astype(np.int64) * self.n + self.G[st.rows]).ravel()
        uniq, self.inv = np.unique(key, return_inverse=True)
        self.inv = self.inv.ravel()
        self.site, self.grp = uniq // self.n, uniq % self.n

    def scores(self) -> np.ndarray:
        """S_g of the state's plan; +inf for groups with no violations (never the worst)."""
        S = self.inst.segment_scores(self.st.units)
        return np.where(self.live, np.nan_to_num(S, nan=np.inf), np.inf)

    def delta_all(self) -> np.ndarray:
        """delta[g, j] over the (site, group) keys: (keys,) aligned with self.site and self.grp."""
        E = self.st.entry_gains()
        return np.bincount(self.inv, weights=E.ravel(), minlength=len(self.site)) / self.weight[self.grp]

    def delta_site(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(groups, delta[g, j]) of one site: the groups one more unit at j changes, and by how much."""
        st = self.st
        sl = slice(st.indptr[j], st.indptr[j + 1])
        E = st.entry_gains(sl)
        d = np.bincount(self.G[st.rows[sl]].ravel(), weights=E.ravel(), minlength=self.n)
        g = np.flatnonzero((d > 0) & self.live)
        return g, d[g] / self.weight[g]


def truncated(S: np.ndarray, g: np.ndarray, d: np.ndarray, level: float) -> float:
    """sum over groups g of min(S_g + d, level) - min(S_g, level)."""
    return float((np.minimum(S[g] + d, level) - np.minimum(S[g], level)).sum())


def saturate(inst: Instance, units: np.ndarray, level: float, mu: float | None = None) -> tuple[np.ndarray, bool]:
    """Lazy greedy per dollar on F_level from `units` until every group reaches `level` or nothing
    fits; the plan and whether every group reached it.

    With `mu`, on the expected score plus mu F_level instead (submodular for detection too), to the
    end of the budget: a Lagrangian form of "maximise the score with every group at the level".
    """
    st = state_for(inst, units)
    room = inst.room(st.units)
    grp = Groups(inst, st)
    S = grp.scores()
    target = level - 1e-12
    if mu is None and (S >= target).all():
        return st.units.copy(), True
    cost = np.maximum(inst.cost_usd, 1e-9)
    d = grp.delta_all()
    gain0 = np.bincount(grp.site, weights=np.minimum(S[grp.grp] + d, level) - np.minimum(S[grp.grp], level),
                        minlength=inst.n_sites)
    if mu is not None:
        gain0 = mu * gain0 + np.bincount(grp.site, weights=d * grp.weight[grp.grp], minlength=inst.n_sites)
    heap = [(-gain0[j] / cost[j], int(j), 0) for j in np.flatnonzero(gain0 > _EPS)]
    heapq.heapify(heap)
    accepted = 0
    while heap and not stop_requested():
        neg, j, stamp = heapq.heappop(heap)
        if not room.fits(j):
            continue
        g, dj = grp.delta_site(j)
        value = truncated(S, g, dj, level)
        if mu is not None:
            value = mu * value + float(dj @ grp.weight[g])
        if stamp != accepted:
            if value > _EPS:
                heapq.heappush(heap, (-value / cost[j], j, accepted))
            continue
        st.add(j)
        room.add(j)
        S[g] += dj
        accepted += 1
        if mu is None and (S >= target).all():
            return st.units.copy(), True
        heapq.heappush(heap, (neg, j, -1))
    return st.units.copy(), bool((S >= target).all())


def cover_cells(inst: Instance, units: np.ndarray) -> np.ndarray:
    """every_cell_seen: greedy set cover from `units`, the unit reaching most unseen cover rows per
    dollar first, until every one is reached or nothing that helps fits."""
    n = np.asarray(units, int).copy()
    if not inst.every_cell_seen:
        return n
    reach = inst.sight()
    need = inst.cover_rows() & ~((reach @ (n > 0).astype(float)) > 0)
    room = inst.room(n)
    cost = np.maximum(inst.cost_usd, 1e-9)
    while need.any() and not stop_requested():
        gain = np.asarray(reach.T @ need.astype(float)).ravel()
        ok = room.fits_all() & (gain > 0)
        if not ok.any():
            break
        j = int(np.argmax(np.where(ok, gain / cost, -np.inf)))
        n[j] += 1
        room.add(j)
        need &= ~(reach[:, j].toarray().ravel() > 0)
    return n


def raise_worst(inst: Instance, units: np.ndarray, hi: float = 1.0) -> np.ndarray:
    """Saturate's bisection on the level from `units`: the plan of the highest level greedy fills
    (or, if none, the best worst group found), never below the start's."""
    best, best_w = np.asarray(units, int).copy(), inst.worst_segment(units)
    lo = best_w
    for _ in range(BISECTIONS):
        if hi - lo <= LEVEL_TOL or stop_requested():
            break
        level = (lo + hi) / 2
        plan, reached = saturate(inst, units, level)
        w = inst.worst_segment(plan)
        if w > best_w:
            best, best_w = plan, w
        lo, hi = (max(level, w), hi) if reached else (lo, level)
    return best


def group_bound(inst: Instance, units: np.ndarray) -> float:
    """min_g [D_g(S) + knapsack_g]: a bound on every feasible plan's worst group (module doc)."""
    inst = replace(inst, measure="detection")  # the groups' detection, which bounds their V too
    st = CoverageState(inst, units)
    grp = Groups(inst, st)
    S = grp.scores()
    d = grp.delta_all()
    room = np.maximum(inst.site_cap - st.units, 0).astype(float)
    order = np.argsort(grp.grp, kind="stable")
    starts = np.searchsorted(grp.grp[order], np.arange(grp.n + 1))
    out = np.where(grp.live, S, np.inf)
    for g in np.flatnonzero(grp.live):
        k = order[starts[g]:starts[g + 1]]
        sites = grp.site[k]
        x = knapsack_max(d[k], inst.cost_usd[sites], room[sites], inst.budget_usd)
        out[g] = S[g] + float(d[k] @ x)
    return float(min(out.min(), 1.0)) if grp.live.any() else 0.0

