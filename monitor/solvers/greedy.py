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

Verified detection V (objective "verified") is not submodular: a team raises the worth of the
towers around it. Greedy on V is therefore eager (every gain afresh after each unit; `state.py`),
gives no constant-factor guarantee, and its own bound is the online bound of D above, valid for V
as V <= D for every plan; the continuous relaxation of V (`relax.py`) is the tight one.

On V greedy also tries verifiers first (`verifiers_first`): T verifiers, then the rest for each
T, and keeps the best of that and the eager plan.

Parity (max_side_gap). Greedy plans without it, then takes units out where the gap narrows most
per score lost until the sides are within it, and refills with units, or pairs of units, that
keep them there (`keep_parity`). The online bound ignores the constraint, so it bounds every plan.

Existing units and min_units. Greedy starts from the existing units, then fills each asset's
min_units best-ratio first, then goes on as above; the best single unit is used only without them.
"""

from __future__ import annotations

import heapq
import logging
import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ..model.instance import Instance
from .relax import certify, knapsack_max
from .segments import cover_cells, group_bound, raise_worst, saturate
from .solution import Solution, Status, check_time_limit, option_problem
from .state import CoverageState, state_for
from .stop import requested as stop_requested

log = logging.getLogger("monitor.solvers.greedy")
_EPS = 1e-15
ONLINE = "online bound (next-unit gains, knapsack)"  # the name of greedy's own bound in bound_from
ONLINE_D = "online bound on detection (V <= D)"  # greedy's own bound when it maximises V
ONLINE_GROUPS = "online bound per segment (next-unit gains, knapsack)"  # greedy's own bound on worst_segment
LEVEL_STEP = 0.02  # min_segment: the levels greedy saturates to, from min_segment up
LEVEL_MISSES = 3   # min_segment: stop after this many levels in a row that greedy cannot fill
MUS = (0.01, 0.03, 0.1, 0.3, 1.0)  # min_segment: weights on the groups' shortfall in the Lagrangian greedy
PARITY_TRIES = 16  # best-ratio units tried, per step, for one (or a pair) that keeps max_side_gap


@dataclass(frozen=True)
class GreedyOptions:
    """What `--solver greedy` takes."""

    time_limit_s: float | None = None
    """Stop adding units after this many seconds (none by default: greedy ends in well under a second)."""
    bound_time_s: float = 5.0
    """Seconds at most for the continuous relaxation's bound from the plan; a safety: it stops once it
    stalls, on the bundled configs well before (about 1 s on Ukraine), so the bound does not depend on the
    machine's speed or load (0 keeps the online bound only)."""

    def __post_init__(self):
        check_time_limit(self.time_limit_s)
        option_problem("bound_time_s", self.bound_time_s, 0 <= self.bound_time_s < math.inf,
                       "must be a finite number >= 0")


def knapsack_bound(inst: Instance, state: CoverageState) -> float:
    """f(S) + the fractional knapsack of next-unit gains over the whole budget (see module doc)."""
    delta = np.maximum(state.all_gains(), 0.0)
    room = np.maximum(inst.site_cap - state.units, 0).astype(float)
    extra = float(delta @ knapsack_max(delta, inst.cost_usd, room, inst.budget_usd))
    return min(state.objective() + extra, float(inst.share.sum()))


def online_bound(inst: Instance, units: np.ndarray) -> tuple[float, str]:
    """Greedy's own bound at plan `units`: the knapsack bound of D, which bounds V too (V <= D); for
    worst_segment the groups' knapsack bound (`segments.group_bound`)."""
    if inst.objective == "worst_segment":
        return group_bound(inst, units), ONLINE_GROUPS
    bound = knapsack_bound(inst, CoverageState(inst, units))
    return bound, (ONLINE_D if inst.base == "verified" else ONLINE)


def fill_mandates(inst: Instance, st, room) -> int:
    """Add units, best gain per dollar first, until every asset holds its min_units (or nothing fits)."""
    if inst.asset_min is None:
        return 0
    cost = np.maximum(inst.cost_usd, 1e-9)
    added = 0
    for a in np.flatnonzero(room.per_asset < inst.asset_min):
        mine = inst.site_asset == a
        while room.per_asset[a] < inst.asset_min[a]:
            ok = mine & room.fits_all()
            if not ok.any():
                break
            j = int(np.argmax(np.where(ok, st.all_gains() / cost, -np.inf)))
            st.add(j)
            room.add(j)
            added += 1
    return added


def _lazy(inst: Instance, st, room, t0: float, limit: float | None) -> tuple[int, int, Status]:
    """CELF on D (submodular): stale gains bound fresh ones, so only the heap's top is re-evaluated."""
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
        if accepted % 64 == 0 and _stop(t0, limit) is not None:
            return accepted, evaluations, _stop(t0, limit)
    return accepted, evaluations, status


def _eager(inst: Instance, st, room, t0: float, limit: float | None) -> tuple[int, int, Status]:
    """Greedy on V (not submodular): every gain afresh after each unit, the best per dollar that fits."""
    cost = np.maximum(inst.cost_usd, 1e-9)
    accepted = evaluations = 0
    while True:
        gains = st.all_gains()
        evaluations += inst.n_sites
        ok = room.fits_all() & (gains > _EPS)
        if not ok.any():
            return accepted, evaluations, Status.FEASIBLE
        j = int(np.argmax(np.where(ok, gains / cost, -np.inf)))
        st.add(j)
        room.add(j)
        accepted += 1
        if accepted % 8 == 0 and _stop(t0, limit) is not None:
            return accepted, evaluations, _stop(t0, limit)


def _stop(t0: float, limit: float | None) -> Status | None:
    if limit is not None and time.perf_counter() - t0 > limit:
        return Status.TIME_LIMIT
    if stop_requested():
        return Status.INTERRUPTED
    return None


def solve_greedy(inst: Instance, options: GreedyOptions = GreedyOptions(), start: np.ndarray | None = None,
                 seed: int = 0) -> Solution:
    """Greedy by gain per dollar from `start` (empty by default, existing units and min_units first):
    lazy on D, eager on V; see the module doc."""
    t0 = time.perf_counter()
    first = inst.lower if start is None else np.maximum(np.asarray(start, int), inst.lower)
    st = state_for(inst, first)
    gains0 = st.all_gains()
    room = inst.room(st.units)
    mandated = fill_mandates(inst, st, room)
    walk = _eager if inst.base == "verified" else _lazy
    if inst.has_segments and inst.objective != "worst_segment":
        units, accepted, evaluations, status = _over_levels(inst, st.units, walk, t0, options.time_limit_s)
    else:
        if inst.has_segments:  # the worst group first (saturate), then the rest by the expected score
            raised = raise_worst(inst, cover_cells(inst, st.units))  # every cell seen first, where asked
            mandated += int((raised - st.units).sum())
            st, room = state_for(inst, raised), inst.room(raised)
        accepted, evaluations, status = walk(inst, st, room, t0, options.time_limit_s)
        units = st.units.copy()
    objective = inst.score(units)
    if inst.objective == "verified" and start is None and inst.verify is not None and not inst.has_segments:
        other, value = verifiers_first(inst)
        if value > objective:
            units, objective = other, value
    ok = inst.fits_alone() & (gains0 > objective + 1e-12)
    if start is None and not inst.lower.any() and mandated == 0 and ok.any() and not inst.has_segments:
        j = int(np.argmax(np.where(ok, gains0, -1.0)))  # the best single unit beats the greedy plan
        units = np.zeros_like(units)
        units[j] = 1
        objective = float(gains0[j])
    if inst.has_parity:
        units, objective = keep_parity(inst, units)
    bound, bound_from = online_bound(inst, units)
    sol = Solution(units=units, objective=objective, bound=max(bound, objective), solver="greedy",
                   seconds=time.perf_counter() - t0, status=status,
                   log=[{"accepted": accepted + mandated, "evaluations": evaluations}], bound_from=bound_from)
    log.debug("greedy: %d units in %.2f s, plan %.6f, bound %.6f", accepted, sol.seconds, objective, sol.bound)
    return sol


def _over_levels(inst: Instance, units: np.ndarray, walk, t0: float, limit: float | None):
    """min_segment m: the best plan that keeps it among the objective's own plan and two families,
    each filled by the objective.

    - Saturate every group to a level L >= m first, for L = m, m + LEVEL_STEP, ... (at m itself it
      often buys many cheap units that just reach it; a higher L buys fewer, stronger ones), until
      LEVEL_MISSES levels in a row fail after one has succeeded, or L passes 1.
    - Greedy on the Lagrangian score + mu sum_g min(S_g, m) for mu in MUS: for small mu the
      objective's own plan, nudged where a group falls short.
    """
    st = state_for(inst, units)  # the objective's own plan, which may already keep min_segment
    accepted, evaluations, status = walk(inst, st, inst.room(st.units), t0, limit)
    cands = [st.units.copy()]
    misses, level = 0, inst.min_segment
    while level <= 1.0 + 1e-12 and misses < LEVEL_MISSES and _stop(t0, limit) is None:
        raised, reached = saturate(inst, units, min(level, 1.0))
        if reached:
            st = state_for(inst, raised)
            a, e, status = walk(inst, st, inst.room(raised), t0, limit)
            accepted, evaluations = accepted + a, evaluations + e
            cands.append(st.units.copy())
            misses = 0
        elif cands:
            misses += 1
        level += LEVEL_STEP
    for mu in MUS:
        if _stop(t0, limit) is not None:
            break
        cands.append(saturate(inst, units, inst.min_segment, mu=mu)[0])
    ok = [c for c in cands if not inst.check(c)]
    if not ok and _stop(t0, limit) is None:  # last resort: the plan that maximises the worst segment itself
        st = state_for(inst, _best_worst_segment(inst, units))
        a, e, status = walk(inst, st, inst.room(st.units), t0, limit)
        accepted, evaluations = accepted + a, evaluations + e
        ok = [st.units.copy()] if not inst.check(st.units) else []
    if not ok:  # no plan kept min_segment: the one that comes closest
        return raise_worst(inst, units), accepted, evaluations, status
    return max(ok, key=inst.score), accepted, evaluations, status


def _best_worst_segment(inst: Instance, units: np.ndarray) -> np.ndarray:
    """Greedy's plan for the worst segment by the objective's measure, with every cell seen (a stronger
    start than saturating the groups one level at a time, whose steps can overshoot the budget)."""
    return solve_greedy(inst.as_worst_segment(every_cell_seen=True), start=units).units


def keep_parity(inst: Instance, units: np.ndarray) -> tuple[np.ndarray, float]:
    """The plan with units taken out until the sides' scores differ by at most max_side_gap, then
    refilled by gain per dollar with units, or pairs of units, that keep it there; and its score.

    Each step takes out the unit (above the existing ones) that narrows the gap most per score
    lost, every candidate scored afresh (a loop over placed units, each vectorised). The empty
    plan has no gap, so this ends within max_side_gap unless the existing units alone break it.
    Where one unit alone would open the gap (a tight max_side_gap), a pair is added: a unit and
    then the one that closes the gap again.
    """
    st, room = state_for(inst, units), inst.room(units)
    limit = inst.max_side_gap + 1e-9
    gap = inst.side_gap(st.units)
    while gap > limit:
        placed = np.flatnonzero(st.units > inst.lower)
        if len(placed) == 0:
            break
        loss = np.maximum(st.losses()[placed], 1e-15)
        after = np.empty(len(placed))
        for k, j in enumerate(placed):
            st.units[j] -= 1
            after[k] = inst.side_gap(st.units)
            st.units[j] += 1
        j = int(placed[np.argmax((gap - after) / loss)])
        st.add(j, -1)
        room.add(j, -1)
        gap = inst.side_gap(st.units)
    while gap <= limit and _add_keeping_parity(inst, st, room, limit):
        pass
    return st.units.copy(), st.objective()


def _best_first(inst: Instance, st, room) -> np.ndarray:
    """Sites where one more unit fits and gains, best gain per dollar first (at most PARITY_TRIES)."""
    gains = st.all_gains()
    cand = np.flatnonzero(room.fits_all() & (gains > _EPS))
    return cand[np.argsort(-gains[cand] / np.maximum(inst.cost_usd[cand], 1e-9), kind="stable")][:PARITY_TRIES]


def _add_keeping_parity(inst: Instance, st, room, limit: float) -> bool:
    """Add the best unit, or else the best pair, that keeps the gap within `limit`; False if none does."""
    first = _best_first(inst, st, room)
    for j in first:
        st.add(int(j))
        if inst.side_gap(st.units) <= limit:
            room.add(int(j))
            return True
        st.add(int(j), -1)
    for j in first:
        st.add(int(j))
        room.add(int(j))
        for k in _best_first(inst, st, room):
            st.add(int(k))
            if inst.side_gap(st.units) <= limit:
                room.add(int(k))
                return True
            st.add(int(k), -1)
        st.add(int(j), -1)
        room.add(int(j), -1)
    return False


def verifiers_first(inst: Instance) -> tuple[np.ndarray, float]:
    """Greedy on V by number of verifiers: the best of T = 1, 2, ... verifiers placed first, then the rest.

    Towers earn verified detection only where a verifier reaches, so greedy one unit at a time
    under-buys verifiers (each alone earns little). Here verifiers are added one at a time by the
    verifiable weight they add per dollar, sum_{i, c} share_c w[i, c] (rho' - rho); after each, the
    other units are chosen by lazy greedy on D with weights w rho (V with those verifiers fixed),
    and the plan is scored by V. Returns the best plan and its V.
    """
    from dataclasses import replace

    ver, WS = inst.verify, inst.W * inst.share
    cost = np.maximum(inst.cost_usd, 1e-9)
    n = inst.lower.copy()
    room = inst.room(n)
    best, best_v = n.copy(), inst.verified(n)
    while True:
        rho = ver.rho(n)
        gains = np.zeros(inst.n_sites)
        for q in range(ver.Q):
            lift = WS * np.maximum(ver.alpha[q] - rho, 0.0)  # what a group-q verifier adds where it reaches
            mine = ver.group == q
            gains[mine] = sum(np.asarray(Rc.T @ lift[:, c]) for c, Rc in enumerate(ver.R))[mine]
        ok = (ver.group >= 0) & room.fits_all() & (gains > _EPS)
        if not ok.any():
            return best, best_v
        j = int(np.argmax(np.where(ok, gains / cost, -np.inf)))
        n[j] += 1
        room.add(j)
        fixed = replace(inst, W=inst.W * ver.rho(n), objective="detection", site_min=np.maximum(n, inst.lower))
        plan = solve_greedy(fixed, start=n).units
        value = inst.verified(plan)
        if value > best_v:
            best, best_v = plan, value
        if stop_requested():
            return best, best_v


def greedy(inst: Instance, options: GreedyOptions = GreedyOptions(), start: np.ndarray | None = None,
           seed: int = 0) -> Solution:
    """`--solver greedy`: the greedy plan, certified by the tighter of the online bound and the
    continuous relaxation (options.bound_time_s)."""
    return certify(inst, solve_greedy(inst, options, start=start, seed=seed), options.bound_time_s)
