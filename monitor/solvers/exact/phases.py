"""The exact solver's phases, each a step over one search state (see the package docstring).

A `Search` holds the best plan and its score (the lower bound), the least upper bound,
the program and the last LP; every phase reads and updates it, logs what it found, and
returns early once the gap is closed, the time is up or a stop was asked for (Ctrl-C).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from ...model.instance import Instance
from ..covering import covering_form, solve_covering
from ..greedy import solve_greedy
from ..outer import Pieces
from ..relax import CONTINUOUS, frank_wolfe_bound
from ..solution import relative_gap
from ..stop import requested as stop_requested
from ..swap import improve
from .options import ExactOptions
from .program import Program, fix_by_reduced_cost, round_down

log = logging.getLogger("monitor.solvers.exact")


@dataclass
class Search:
    """What the phases share: the instance, the best plan and bounds so far, and the program."""

    inst: Instance
    opts: ExactOptions
    seed: int = 0
    t0: float = field(default_factory=time.perf_counter)
    plan: np.ndarray | None = None
    best: float = -np.inf
    upper: float = np.inf
    log: list[dict] = field(default_factory=list)
    fits: np.ndarray | None = None     # sites whose one unit alone keeps the budget and caps
    infeasible: bool = False           # the LP proved that no plan keeps every constraint
    ub_n: np.ndarray | None = None     # the program's upper bound on units per site
    pc: Pieces | None = None
    prog: Program | None = None
    relaxed: object | None = None      # the Frank-Wolfe Relaxation
    lp_n: np.ndarray | None = None     # units of the last LP point that guides plans
    lp_last: object | None = None      # the last LP solved to optimality (lp.Result)
    bound_from: str = "none"           # what proved the least upper bound so far

    def bound(self, value: float, source: str) -> None:
        """Keep `value` as the upper bound if it is tighter, with what proved it."""
        if value < self.upper:
            self.upper, self.bound_from = value, source

    @property
    def limit(self) -> float:
        return self.opts.limit_s

    @property
    def tuning(self):
        return self.opts.tuning

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def left(self) -> float:
        return self.limit - self.elapsed()

    def gap(self) -> float:
        return relative_gap(self.best, self.upper)

    def done(self) -> bool:
        return self.infeasible or (self.gap() <= self.opts.gap + self.tuning.gap_tol or self.left() <= 0) or stop_requested()

    def record(self, phase: str, units=None) -> None:
        """Keep `units` if it is feasible and better; log the phase with the plan and bound."""
        if units is not None:
            value = self.inst.score(units)
            if value > self.best and not self.inst.check(units):
                self.plan, self.best = np.asarray(units, int).copy(), value
        entry = {"phase": phase, "seconds": round(self.elapsed(), 4), "objective": self.best,
                 "bound": max(self.upper, self.best), "gap": self.gap()}
        self.log.append(entry)
        log.info("exact: %-40s %7.2f s  plan %.6f  bound %.6f  gap %.4f%%", phase, entry["seconds"], self.best,
                 entry["bound"], 100 * entry["gap"])


def warm_plan(s: Search, start: np.ndarray | None) -> None:
    """Greedy (and greedy from `start`), then swaps: the first plan and greedy's bound."""
    cands = [solve_greedy(s.inst)]
    if start is not None:
        cands.append(solve_greedy(s.inst, start=start))
    first = max(cands, key=lambda c: (not s.inst.check(c.units), c.objective))
    s.plan = first.units.copy()
    s.best = first.objective if not s.inst.check(first.units) else -np.inf  # min_segment may be unmet
    s.bound(float(s.inst.share.sum()), "every violation detected")
    if first.bound is not None:
        s.bound(first.bound, first.bound_from)
    s.record("greedy")
    if not s.done():
        units, _ = improve(s.inst, s.plan, time_limit_s=min(s.tuning.swap_share * s.limit, s.left()))
        s.record("swap", units)


def continuous_bound(s: Search) -> None:
    """The continuous relaxation by Frank-Wolfe: a bound in seconds even where the LP cannot finish."""
    s.relaxed = frank_wolfe_bound(s.inst, s.plan, s.fits, min(s.tuning.fw_share * s.limit, s.left()),
                                  target=s.best / (1.0 - s.opts.gap))
    s.bound(s.relaxed.bound, CONTINUOUS)
    s.record(f"continuous bound ({s.relaxed.steps} Frank-Wolfe steps)")


def lp_cut_loop(s: Search) -> None:
    """Solve the LP, add the cuts its point violates, re-solve warm, until none is violated or it stalls."""
    tn = s.tuning
    s.prog = prog = Program(s.inst, s.pc, s.ub_n, tn)
    prog.add_cuts(s.plan.astype(float), None)
    lp_until = time.perf_counter() + tn.lp_share * s.left()
    previous = np.inf
    for _ in range(tn.lp_rounds):
        # until one LP is solved there is no bound at all: the first may take all but a reserve
        until = lp_until if s.lp_last is not None else max(lp_until, s.t0 + (1 - tn.lp_reserve) * s.limit)
        r = prog.lm.solve_lp(until - time.perf_counter())
        if r.reason == "INFEASIBLE":  # only min_segment_detection can make it so: no plan meets it
            s.infeasible = True
            s.record("lp infeasible")
            break
        if r.x is None:
            break
        if r.optimal:
            s.bound(r.bound, "LP outer approximation")
            s.lp_last = r
        if r.optimal or s.lp_n is None:  # a solve cut short by time guides the plans only if none ended
            s.lp_n = r.x[prog.n]
        added = prog.add_cuts(r.x[prog.n], prog.z_of(r.x))
        s.record(f"lp ({prog.cuts} cuts)")
        # tangents converge slowly (Kelley): leave the rest to the MIP once rounds stop paying
        stalled = r.bound > previous - tn.lp_stall * s.opts.gap * r.bound
        previous = r.bound
        if added == 0 or s.done() or stalled or time.perf_counter() >= lp_until:
            break


def verifier_split(s: Search) -> None:
    """V: the LP on each side of a split on the number of verifiers, sum n <= floor(m) or >= ceil(m).

    The LP buys a fractional number m of verifiers (parts of teams spread around the hotspots)
    and credits each part with its share of verification; every whole plan lies on one side of
    the split, so the larger of the two sides' LP optima (cuts added on each side hold for all
    plans) bounds every plan. Both sides must be solved to optimality (or proven infeasible) for
    the bound to count.
    """
    inst, prog, tn = s.inst, s.prog, s.tuning
    sites = inst.verify.group >= 0
    m = float(s.lp_n[sites].sum())
    lo, hi = math.floor(m + 1e-7), math.ceil(m - 1e-7)
    if hi <= lo:
        return
    c = prog.count_var(sites)
    until = time.perf_counter() + tn.split_share * s.left()
    bounds = []
    for lb, ub in ((float(hi), np.inf), (0.0, float(lo))):
        prog.lm.set_bounds([c], lb, ub)
        bounds.append(_side_bound(prog, tn.split_rounds, until))
    prog.lm.set_bounds([c], 0.0, np.inf)
    if all(b is not None for b in bounds):
        s.bound(max(bounds), f"LP split on the number of verifiers (<= {lo} or >= {hi})")
    s.record(f"verifier split at {m:.2f}")


def _side_bound(prog: Program, rounds: int, until: float) -> float | None:
    """The LP optimum on one side of a split after up to `rounds` cut rounds; -inf if that side is
    infeasible, None if no LP there ended optimal in time."""
    bound = None
    for _ in range(rounds):
        r = prog.lm.solve_lp(until - time.perf_counter())
        if r.reason == "INFEASIBLE":
            return -np.inf
        if not r.optimal:
            return bound
        bound = r.bound
        if prog.add_cuts(r.x[prog.n], prog.z_of(r.x)) == 0 or time.perf_counter() >= until:
            return bound
    return bound


def covering_dp(s: Search) -> None:
    """Yes/no coverage: a DP over sites along the line, pruned by the LP duals, proves the optimum."""
    prog = s.prog
    cov = covering_form(s.inst, s.pc, s.ub_n > 0, HV=prog.H if prog.direct else None)
    if cov is None:
        return
    mu = s.lp_last.duals(prog.sub_rows)[cov.rows]
    out = solve_covering(cov, mu, s.inst.n_sites, s.best, s.opts.gap,
                         time.perf_counter() + s.tuning.dp_share * s.left())
    s.log.extend(out.log)
    s.bound(out.bound, "covering DP")
    s.record("covering dp", out.units)


def guided_plan(s: Search) -> None:
    """Round the LP point (or the relaxation's, if no LP was solved), refill greedily, improve by swaps."""
    guide = s.lp_n if s.lp_n is not None else s.relaxed.x
    units = round_down(s.inst, guide)
    units, _ = improve(s.inst, units, time_limit_s=min(s.tuning.lp_plan_share * s.limit, max(s.left(), 0.0)))
    s.record("lp plan" if s.lp_n is not None else "relaxation plan", units)


def support_mip(s: Search) -> None:
    """The MIP restricted to the sites the LP or the best plan use, and the cheapest others (plans only)."""
    prog, tn, lp_n = s.prog, s.tuning, s.lp_n
    closed = (lp_n <= 1e-6) & (s.plan == 0) & (s.ub_n > 0)
    if s.lp_last is not None and s.lp_last.reduced is not None:  # also open the sites cheapest to add
        d = s.lp_last.reduced[prog.n]
        extra = min(int(closed.sum()), max(tn.sub_mip_sites, 2 * int((~closed).sum())))
        cand = np.flatnonzero(closed)
        closed[cand[np.argsort(-d[cand], kind="stable")[:extra]]] = False
    closed = np.flatnonzero(closed)
    prog.lm.set_integer(prog.n, True)
    prog.lm.set_bounds(prog.n[closed], 0.0, 0.0)
    r = prog.lm.solve_mip(s.opts.mip_solver, min(tn.sub_mip_share * s.limit, s.left()),
                          hint=prog.point(s.plan.astype(float)), seed=s.seed, rel_gap=s.opts.gap / 4)
    prog.lm.set_bounds(prog.n[closed], 0.0, s.ub_n[closed])
    if r.x is not None:
        s.record(f"lp-support mip ({s.inst.n_sites - len(closed)} sites open)", np.round(r.x[prog.n]).astype(int))


def mip_rounds(s: Search) -> None:
    """MIP rounds on the sites reduced costs leave open: proven bounds down, plans up, cuts at each plan."""
    prog = s.prog
    floor = -np.inf  # plans excluded by fixing score at most this
    if s.lp_last is not None and s.lp_last.reduced is not None:
        floor, fixed = fix_by_reduced_cost(prog, s.lp_last, s.ub_n, s.best)
        s.log.append({"phase": "reduced-cost fixing", "fixed_sites": fixed})
    prog.lm.set_integer(prog.n, True)
    while not s.done():
        r = prog.lm.solve_mip(s.opts.mip_solver, s.left(), hint=prog.point(s.plan.astype(float)), seed=s.seed,
                              rel_gap=s.opts.gap / 4)
        if np.isfinite(r.bound):
            s.bound(max(r.bound, floor), "MIP")
        added = 0
        if r.x is not None:
            units = np.round(r.x[prog.n]).astype(int)
            s.record("mip", units)
            added = prog.add_cuts(units.astype(float), prog.z_of(r.x))
            if s.inst.has_parity and s.inst.check(units) and not s.inst.check(units, minimums=False):
                added += prog.no_good(units)  # it keeps parity only with z below the truth
        else:
            s.record("mip")
        if added == 0 and (r.optimal or r.x is None):
            break
