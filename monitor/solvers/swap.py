"""Swap local search: improve a plan by moving one unit at a time, then refilling greedily.

Greedy by gain per dollar commits early to cheap units and never takes them back. A swap
removes one placed unit j and adds the unit k that gains most once j is gone, among those
the freed money affords; the leftover budget is then refilled greedily:

    D(n - e_j + e_k) = D(n) - loss(j | n) + gain(k | n - e_j)
    loss(j | n) = sum_c share_c sum_i w[i, c] exp(-u[i, c]) (exp(b[i, j] f[j, c]) - 1)

(for V, the gain and loss of `state.py`). Existing units are never moved, and a unit of an
asset at its min_units moves only to another site of the same asset.

Each pass evaluates every placed unit (one vectorised pass over the nonzeros of B per unit),
takes the best improving swap, and stops when none improves or after `max_swaps` swaps: on work, not
the clock, so the plan is the same on any machine.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ..model.instance import Instance
from .greedy import GreedyOptions, online_bound, solve_greedy
from .relax import certify
from .segments import Groups
from .solution import Solution, Status, check_time_limit, option_problem
from .state import state_for
from .stop import requested as stop_requested

MAX_SWAPS = 500  # swaps a local search makes at most
LIFT = 0.02  # worst_segment swaps also lift the groups within this share above the worst


@dataclass(frozen=True)
class SwapOptions:
    """What `--solver swap` takes."""

    time_limit_s: float | None = None
    """A safety limit in seconds, checked between passes (none by default: swap stops on work, so its plan
    is the same on any machine)."""
    max_swaps: int = 500
    """Stop after this many swaps, if no local optimum comes first."""
    bound_time_s: float = 5.0
    """Seconds at most for the continuous relaxation's bound from the final plan (0: the online bound only)."""

    def __post_init__(self):
        check_time_limit(self.time_limit_s)
        option_problem("max_swaps", self.max_swaps, isinstance(self.max_swaps, int) and self.max_swaps >= 0,
                       "must be a whole number >= 0")
        option_problem("bound_time_s", self.bound_time_s, 0 <= self.bound_time_s < math.inf,
                       "must be a finite number >= 0")


def improve(inst: Instance, units: np.ndarray, time_limit_s: float | None = None,
            max_swaps: int = MAX_SWAPS) -> tuple[np.ndarray, int]:
    """Best-improvement swaps from `units` (feasible) until none helps or `max_swaps` are made.

    Each pass weighs every placed unit whole, so the result depends on the work done, not on
    the clock: the same plan on any machine. `time_limit_s` (none by default) is a safety limit
    checked between passes; a Ctrl-C stops there too. Returns the improved plan and the swaps made.
    """
    t0 = time.perf_counter()
    units = solve_greedy(inst, start=np.asarray(units, int)).units
    if inst.objective == "worst_segment":
        return _improve_worst(inst, units, t0, time_limit_s, max_swaps)
    st = state_for(inst, units)
    best = st.objective()
    swaps = 0
    while _going(swaps, max_swaps, t0, time_limit_s):
        move = _best_swap(inst, st, units, best)
        if move is None:
            break
        moved = solve_greedy(inst, start=_moved(units, move)).units
        st_moved = state_for(inst, moved)
        if st_moved.objective() <= best or (inst.has_segments and inst.check(moved)):
            break  # parity's repair took back what the swap gained, or it left a segment below min_segment
        units, st, best = moved, st_moved, st_moved.objective()
        swaps += 1
    return units, swaps


def _improve_worst(inst: Instance, units: np.ndarray, t0: float, time_limit_s: float | None,
                   max_swaps: int) -> tuple[np.ndarray, int]:
    """Swaps for worst_segment: each raises the worst group, or keeps it and lifts the groups below
    LIFT above it (sum_g min(S_g, worst + LIFT)); the leftover budget refilled by the measure."""
    fill = replace(inst, objective=inst.base, min_segment=0.0)
    swaps = 0
    while _going(swaps, max_swaps, t0, time_limit_s):
        move = _best_worst_swap(inst, units)
        if move is None:
            break
        units = solve_greedy(fill, start=_moved(units, move)).units
        swaps += 1
    return units, swaps


def _going(swaps: int, max_swaps: int, t0: float, time_limit_s: float | None) -> bool:
    """Another pass: swaps left, no Ctrl-C, and the safety limit (if any) not reached."""
    return swaps < max_swaps and not stop_requested() and (time_limit_s is None
                                                           or time.perf_counter() - t0 < time_limit_s)


def _moved(units: np.ndarray, move: tuple[int, int]) -> np.ndarray:
    """The plan with one unit moved from move[0] to move[1]."""
    out = units.copy()
    out[move[0]] -= 1
    out[move[1]] += 1
    return out


def _lexical(S: np.ndarray, level: float) -> tuple[float, float]:
    """(worst group, sum_g min(S_g, level)): what a worst_segment swap compares."""
    return float(S.min()), float(np.minimum(S, level).sum())


def _best_worst_swap(inst: Instance, units: np.ndarray) -> tuple[int, int] | None:
    """The swap (a unit from j to k) best by (worst group, sum_g min(S_g, worst + LIFT)), if it beats
    the plan's own; None at a local optimum. A dense (sites x groups) table of deltas per placed unit."""
    st = state_for(inst, units)
    grp = Groups(inst, st)
    S = grp.scores()
    level = float(S.min()) + LIFT
    here = _lexical(S[grp.live], level)
    slack = inst.budget_limit_usd - inst.cost(units)
    move, value = None, here
    cover = _Cover(inst, units)
    for j in np.flatnonzero(units > inst.lower):
        st.add(j, -1)
        S1 = grp.scores()
        table = np.tile(S1[grp.live], (inst.n_sites, 1))
        col = np.cumsum(grp.live) - 1
        np.add.at(table, (grp.site, col[grp.grp]), grp.delta_all())
        ok = inst.room(st.units).fits_all(budget=False) & (inst.cost_usd <= slack + inst.cost_usd[j])
        st.add(j, 1)
        ok[j] = False
        ok &= cover.keeps(j)
        if not ok.any():
            continue
        worst = np.where(ok, table.min(axis=1), -np.inf)
        lifted = np.minimum(table, level).sum(axis=1)
        k = int(np.lexsort((-lifted, -worst))[0])
        cand = (float(worst[k]), float(lifted[k]))
        if cand[0] >= value[0] - 1e-12 and (cand[0] > value[0] + 1e-12 or cand[1] > value[1] + 1e-12):
            move, value = (int(j), k), cand
    return move


class _Cover:
    """every_cell_seen during swaps: which sites k may take the unit from j and keep every cover row reached."""

    def __init__(self, inst: Instance, units: np.ndarray):
        self.on = inst.every_cell_seen
        if self.on:
            self.units = units
            self.reach = inst.sight()
            self.count = np.asarray(self.reach @ (units > 0).astype(float)).ravel()
            self.rows = inst.cover_rows()

    def keeps(self, j: int) -> np.ndarray | bool:
        if not self.on or self.units[j] > 1:
            return True
        col = self.reach[:, j].toarray().ravel() > 0
        lost = np.flatnonzero(col & (self.count == 1) & self.rows)  # rows only j's unit reaches
        if len(lost) == 0:
            return True
        return np.asarray(self.reach[lost].sum(axis=0)).ravel() == len(lost)


def _best_swap(inst: Instance, st, units: np.ndarray, best: float) -> tuple[int, int] | None:
    """The swap (take a unit from j, put one at k) that gains most over `best`, or None (a local optimum).

    Existing units stay; a unit whose asset holds just its min_units moves only within the asset.
    """
    slack = inst.budget_limit_usd - inst.cost(units)
    loss = st.losses()
    per_asset = np.bincount(inst.site_asset, weights=units, minlength=len(inst.asset_cap))
    mins = np.zeros(len(inst.asset_cap)) if inst.asset_min is None else inst.asset_min
    locked = (mins > 0) & (per_asset <= mins)  # assets a move may not leave
    placed = np.flatnonzero(units > inst.lower)
    placed = placed[np.argsort(loss[placed] / np.maximum(inst.cost_usd[placed], 1e-9), kind="stable")]
    move, value = None, best * (1 + 1e-12) + 1e-15
    for j in placed:
        st.add(j, -1)  # take the unit at j out
        gains = st.all_gains()
        ok = inst.room(st.units).fits_all(budget=False) & (inst.cost_usd <= slack + inst.cost_usd[j])
        st.add(j, 1)
        ok[j] = False
        if locked[inst.site_asset[j]]:
            ok &= inst.site_asset == inst.site_asset[j]
        if ok.any():
            k = int(np.argmax(np.where(ok, gains, -np.inf)))
            if best - loss[j] + gains[k] > value:
                move, value = (j, k), best - loss[j] + gains[k]
    return move


def solve_swap(inst: Instance, options: SwapOptions = SwapOptions(), start: np.ndarray | None = None,
               seed: int = 0) -> Solution:
    """Greedy, then swap local search to a local optimum (or max_swaps); bound as greedy's, at the final plan."""
    t0 = time.perf_counter()
    limit = options.time_limit_s
    first = solve_greedy(inst, GreedyOptions(time_limit_s=None if limit is None else limit / 2, bound_time_s=0.0),
                         start=start)
    left = None if limit is None else max(limit - (time.perf_counter() - t0), 0.0)
    units, swaps = improve(inst, first.units, time_limit_s=left, max_swaps=options.max_swaps)
    objective = inst.score(units)
    bound, bound_from = online_bound(inst, units)
    bound = min(first.bound, bound)
    elapsed = time.perf_counter() - t0
    status = (Status.INTERRUPTED if stop_requested() else
              Status.TIME_LIMIT if limit is not None and elapsed >= limit else Status.FEASIBLE)
    sol = Solution(units=units, objective=objective, bound=max(bound, objective), solver="swap", seconds=elapsed,
                   status=status, log=[{"greedy_objective": first.objective, "swaps": swaps,
                                        "local_optimum": swaps < options.max_swaps and status == Status.FEASIBLE}],
                   bound_from=bound_from)
    return certify(inst, sol, options.bound_time_s)
