"""Exact placement with a certified gap: outer approximation, LP cut loop, then MIP rounds.

The program (`program.py`) is the outer approximation over the reduced instance of
`outer.Pieces`, grown by cuts. Every cut holds for every integer plan, so the optimum of any relaxation of this program
(its LP, or a MIP stopped early, read at its proven bound) is an upper bound on the best
plan; the true score D(n) of any feasible plan is a lower bound. The solver:

1. warm plan: greedy (and greedy from `start`), improved by swap local search; then
   the continuous relaxation's bound by Frank-Wolfe (`relax.py`), a fallback for
   instances whose LP does not finish in time, and its point as a guide for plans;
2. LP cut loop: solve the LP, add the cut at each piece's LP hazard that the LP point
   violates, re-solve warm (GLOP), until no cut is violated: the bound of the relaxation;
   for yes/no coverage (maximal covering), a DP along the line pruned by the LP duals then
   finds the optimum or a tighter bound (`covering.py`); for verified detection V, the LP
   on each side of a split on the number of verifiers (it buys a fractional number of
   them), whose larger optimum bounds every plan;
3. LP-guided plans: units the LP sets to >= 1/2, refilled greedily, improved by swaps; and
   the MIP restricted to the sites the LP or the best plan use (a heuristic: plans only);
4. MIP rounds while the gap exceeds the target, after fixing the sites whose LP reduced
   cost rules them out: n integer, solved by SCIP with the best plan as hint; its proven bound tightens the upper bound, its plan (re-scored exactly)
   the lower one; cuts at that plan are added and the MIP re-solved.

Each step is a phase in `phases.py` over one `Search` state; options and tuning are in
`options.py`. It stops when (bound - objective) / bound <= gap, at the time limit, or on
Ctrl-C (at the next safe point), and returns the best plan with its bound either way.
"""

from __future__ import annotations

import numpy as np

from ...model.instance import Instance
from ..solution import Solution, Status
from ..stop import requested as stop_requested
from . import phases
from .options import ExactOptions, Tuning
from .phases import Search

__all__ = ["ExactOptions", "Tuning", "solve_exact"]


def solve_exact(inst: Instance, options: ExactOptions = ExactOptions(), start: np.ndarray | None = None,
                seed: int = 0) -> Solution:
    """Best plan within the time limit with a proven upper bound; status optimal once the gap <= options.gap."""
    from ..outer import Pieces

    s = Search(inst, options, seed=seed)
    phases.warm_plan(s, _feasible_start(inst, start))
    s.fits = inst.fits_alone()
    if not s.done():
        phases.continuous_bound(s)
    s.pc = Pieces.from_instance(inst)
    s.ub_n = np.maximum(np.where(s.fits, inst.site_cap, 0), inst.lower).astype(float)
    if not s.done() and s.pc.K:
        phases.lp_cut_loop(s)
    if s.lp_n is not None and inst.objective == "verified" and inst.verify is not None and not s.done():
        phases.verifier_split(s)
    if s.lp_last is not None and s.lp_last.dual_values is not None and not s.done() and inst.objective == "detection" \
            and not inst.has_parity and not inst.has_segments:
        phases.covering_dp(s)
    if (s.lp_n is not None or s.relaxed is not None) and not s.done():
        phases.guided_plan(s)
    if s.lp_n is not None and not s.done():
        phases.support_mip(s)
    if s.prog is not None and not s.done():
        phases.mip_rounds(s)
    elif s.pc.K == 0:
        s.bound(s.best, "nothing to detect")  # every plan scores 0
    return _solution(s)


def _solution(s: Search) -> Solution:
    elapsed = s.elapsed()
    if s.infeasible:
        status = Status.INFEASIBLE
    elif s.gap() <= s.opts.gap + s.tuning.gap_tol:
        status = Status.OPTIMAL
    elif stop_requested():
        status = Status.INTERRUPTED
    else:
        status = Status.TIME_LIMIT if elapsed >= s.limit else Status.FEASIBLE
    pc, prog = s.pc, s.prog
    s.log.append({"cells": pc.cells if pc else None, "groups": pc.groups if pc else None,
                  "pieces": pc.K if pc else None, "cuts": prog.cuts if prog else 0})
    best = s.best if np.isfinite(s.best) else s.inst.score(s.plan)  # no plan met min_segment: the closest one
    return Solution(units=s.plan, objective=best, bound=max(s.upper, best), solver="exact", seconds=elapsed,
                    status=status, log=s.log, bound_from=s.bound_from)


def _feasible_start(inst: Instance, start: np.ndarray | None) -> np.ndarray | None:
    if start is None:
        return None
    start = np.asarray(start, int)
    if start.shape != (inst.n_sites,) or inst.check(start):
        return None
    return start
