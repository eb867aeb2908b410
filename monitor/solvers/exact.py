"""Exact placement with a certified gap: outer approximation, LP cut loop, then MIP rounds.

The program, over the reduced instance of `outer.Pieces` (groups g, pieces k = (g, c)):

    max  sum_k w_k z_k
    s.t. v[g, m] = sum_{j in m} B[g, j] n_j                  (hazard counts)
         z_k <= sum_m sub[k, m] v[g, m]                      (subadditive)
         z_k <= alpha_r + sum_m slope_rm F[m, c] v[g, m]     (tangent and secant cuts r of k: one
                                                              slope for sensors, one for the rest)
         sum_j cost_j n_j <= budget                          (budget)
         sum_j observers_j n_j <= max_observers              (observer cap)
         sum_{j of asset a} n_j <= max_units_a               (asset caps)
         0 <= n_j <= max_units_per_site, n integer;  0 <= z_k <= g(most reachable hazard)

Every cut holds for every integer plan, so the optimum of any relaxation of this program
(its LP, or a MIP stopped early, read at its proven bound) is an upper bound on the best
plan; the true score D(n) of any feasible plan is a lower bound. The solver:

1. warm plan: greedy (and greedy from `start`), improved by swap local search; then
   the continuous relaxation's bound by Frank-Wolfe (`relax.py`), a fallback for
   instances whose LP does not finish in time, and its point as a guide for plans;
2. LP cut loop: solve the LP, add the cut at each piece's LP hazard that the LP point
   violates, re-solve warm (GLOP), until no cut is violated: the bound of the relaxation;
   for yes/no coverage (maximal covering), a DP along the line pruned by the LP duals then
   finds the optimum or a tighter bound (`covering.py`);
3. LP-guided plans: units the LP sets to >= 1/2, refilled greedily, improved by swaps; and
   the MIP restricted to the sites the LP or the best plan use (a heuristic: plans only);
4. MIP rounds while the gap exceeds the target, after fixing the sites whose LP reduced
   cost rules them out: n integer, solved by SCIP with the best plan as hint; its proven bound tightens the upper bound, its plan (re-scored exactly)
   the lower one; cuts at that plan are added and the MIP re-solved.

It stops when (bound - objective) / bound <= gap or at the time limit, and returns the
best plan with its bound either way.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from ..coverage import Instance
from . import Solution, register
from .covering import covering_form, solve_covering
from .greedy import solve_greedy
from .local_search import improve
from .relax import frank_wolfe_bound

CUT_TOL = 1e-9  # a cut is added when the LP's z exceeds it by more than this
LP_ROUNDS = 50  # at most this many LP solves in the cut loop
SWAP_SHARE = 0.15  # of the time limit, for swaps from the greedy plan
FW_SHARE = 0.05  # of the time limit at most, for the Frank-Wolfe bound (it stops sooner once it stalls)
LP_SHARE = 0.5  # of the time left after the warm plan, for the LP cut loop
LP_RESERVE = 0.1  # of the time limit, kept from the first LP solve for the phases after it
LP_PLAN_SHARE = 0.25  # of the time limit, for swaps from the LP's rounded plan
LP_STALL = 0.05  # stop the LP loop when a round lowers the bound by less than this share of the target gap
DP_SHARE = 0.5  # of the time left after the LP, for the yes/no coverage DP
SUB_MIP_SHARE = 0.15  # of the time limit, for the MIP restricted to the LP's sites (a heuristic)
SUB_MIP_SITES = 100  # at least this many closed sites with the best reduced costs are opened too
FIX_TOL = 1e-7  # relative safety margin of reduced-cost fixing, above the LP's tolerances
MIN_SLOPE = 1e-9  # cuts flatter than this are left out (see _Program.add_cuts)
MAX_CUTS = 2000  # cuts added per LP round at most
GAP_TOL = 1e-12  # a gap this small counts as closed (floating point)


def _feasible_start(inst: Instance, start: np.ndarray | None) -> np.ndarray | None:
    if start is None:
        return None
    start = np.asarray(start, int)
    if start.shape != (inst.n_sites,) or inst.check(start):
        return None
    return start


class _Program:
    """The LP/MIP above, with columns n | v | z and cuts appended as rows.

    When substituting v = V n into the rows takes no more nonzeros than keeping v (yes/no
    coverage: one count per piece), v is left out and the rows act on n directly: the same
    program, smaller, which the MIP solvers' presolve and LP handle faster.
    """

    def __init__(self, inst: Instance, pc, ub_n: np.ndarray, direct: bool | None = None):
        from .lp import LinearModel  # ortools loads here, not at `import monitor`

        J, NV, K = pc.n_sites, pc.V.shape[0], pc.K
        self.inst, self.pc = inst, pc
        HV = (pc.H @ pc.V).tocsr()
        self.direct = HV.nnz <= pc.H.nnz + pc.V.nnz if direct is None else direct
        self.HL = (pc.HL @ pc.V).tocsr() if self.direct else pc.HL
        self.lm = LinearModel()
        self.n = self.lm.add_vars(np.zeros(J), ub_n)
        if self.direct:  # rows over n: u = (H V) n
            self.H, sub = HV, (pc.sub @ pc.V).tocsr()
            self.v = self.lm.add_vars(np.zeros(0), np.inf)
            self.z = self.lm.add_vars(np.zeros(K), pc.z_max, obj=pc.w)
            self.sub_rows = self.lm.add_rows(sp.hstack([-sub, sp.identity(K, format="csr")]), -np.inf, 0.0)  # subadditive
        else:  # rows over v = V n
            self.H = pc.H
            self.v = self.lm.add_vars(np.zeros(NV), np.inf)
            self.z = self.lm.add_vars(np.zeros(K), pc.z_max, obj=pc.w)
            I_v, I_z = sp.identity(NV, format="csr"), sp.identity(K, format="csr")
            self.lm.add_rows(sp.hstack([pc.V, -I_v]), 0.0, 0.0)                                   # counts
            self.sub_rows = self.lm.add_rows(sp.hstack([sp.csr_matrix((K, J)), -pc.sub, I_z]), -np.inf, 0.0)  # subadditive
        side = [inst.cost_usd[None, :]]
        limits = [inst.budget_usd * (1 + 1e-12)]                                                  # budget
        if np.isfinite(inst.max_observers) and (inst.observers > 0).any():
            side.append(inst.observers[None, :])
            limits.append(inst.max_observers)                                                     # observers
        for a in np.flatnonzero(inst.asset_cap < np.iinfo(np.int64).max):
            side.append((inst.site_asset == a)[None, :].astype(float))
            limits.append(float(inst.asset_cap[a]))                                               # asset caps
        self.lm.add_rows(sp.csr_matrix(np.vstack(side)), -np.inf, np.array(limits))
        self.cuts = 0

    def add_cuts(self, n: np.ndarray, z: np.ndarray | None) -> int:
        """Cuts at the hazards of plan n for pieces whose z exceeds them (all pieces if z is None)."""
        pc = self.pc
        u, uL = pc.hazard(n), pc.lattice_hazard(n)
        ks = np.arange(pc.K) if z is None else np.flatnonzero(z > -np.expm1(-u) + CUT_TOL)
        if len(ks) == 0:
            return 0
        alpha, sigma, tau = pc.cuts_at(u, uL, ks)
        rhs = alpha + sigma * uL[ks] + tau * (u[ks] - uL[ks])
        # a slope below MIN_SLOPE only matters past detection 1 - 1e-9: z <= z_max covers it, and
        # such coefficients upset MIP solvers' tolerances
        keep = np.minimum(sigma, tau) >= MIN_SLOPE
        # a secant through the origin (no lattice point below u_L but 0) is implied by the
        # subadditive row, whose slopes g(lo)/lo are at most g(t2)/t2 and 1 as g(x)/x falls
        keep &= alpha > 0
        if z is not None:
            keep &= z[ks] > rhs + CUT_TOL
        ks, alpha, sigma, tau, rhs = ks[keep], alpha[keep], sigma[keep], tau[keep], rhs[keep]
        if z is not None and len(ks) > MAX_CUTS:  # the most violated (by weight) first: re-solves stay short
            top = np.argsort(-pc.w[ks] * (z[ks] - rhs), kind="stable")[:MAX_CUTS]
            ks, alpha, sigma, tau = ks[top], alpha[top], sigma[top], tau[top]
        if len(ks) == 0:
            return 0
        R = len(ks)
        HL = self.HL[ks]  # over n (direct) or over v
        left = -(sp.diags(sigma) @ HL + sp.diags(tau) @ (self.H[ks] - HL))
        if not self.direct:
            left = sp.hstack([sp.csr_matrix((R, pc.n_sites)), left])
        rows = sp.hstack([left, sp.csr_matrix((np.ones(R), (np.arange(R), ks)), shape=(R, pc.K))])
        self.lm.add_rows(rows, -np.inf, alpha)
        self.cuts += R
        return R

    def point(self, n: np.ndarray) -> np.ndarray:
        """All variables for plan n (z at the true detection), as a MIP hint."""
        v = self.pc.V @ n
        z = np.minimum(-np.expm1(-(self.pc.H @ v)), self.pc.z_max)
        return np.concatenate([n, v, z]) if not self.direct else np.concatenate([n, z])


@register("exact")
def solve_exact(inst: Instance, time_limit_s: float | None = 60.0, gap: float = 1e-3, seed: int = 0,
                start: np.ndarray | None = None, mip_solver: str = "scip", **_ignored) -> Solution:
    """Best plan within `time_limit_s` with a proven upper bound; status "optimal" once the gap <= `gap`."""
    from .outer import Pieces

    t0 = time.perf_counter()
    limit = 60.0 if time_limit_s is None else float(time_limit_s)
    log: list[dict] = []

    def left() -> float:
        return limit - (time.perf_counter() - t0)

    # 1. warm plan
    cands = [solve_greedy(inst)]
    start = _feasible_start(inst, start)
    if start is not None:
        cands.append(solve_greedy(inst, start=start))
    first = max(cands, key=lambda s: s.objective)
    plan, best = first.units.copy(), first.objective
    upper = first.bound if first.bound is not None else float(inst.share.sum())

    def record(phase: str, units=None) -> None:
        nonlocal plan, best
        if units is not None:
            value = inst.score(units)
            if value > best and not inst.check(units):
                plan, best = np.asarray(units, int).copy(), value
        log.append({"phase": phase, "seconds": round(time.perf_counter() - t0, 4), "objective": best,
                    "bound": max(upper, best), "gap": _gap(best, upper)})

    def done() -> bool:
        return _gap(best, upper) <= gap + GAP_TOL or left() <= 0

    record("greedy")
    if not done():
        units, _ = improve(inst, plan, time_limit_s=min(SWAP_SHARE * limit, left()))
        record("swap", units)

    # 1b. continuous relaxation by Frank-Wolfe (relax.py): a bound in seconds even where the LP cannot finish
    fits = _alone_fits(inst)
    relaxed = None
    if not done():
        relaxed = frank_wolfe_bound(inst, plan, fits, min(FW_SHARE * limit, left()),
                                    target=best / (1.0 - gap))
        upper = min(upper, relaxed.bound)
        record(f"continuous bound ({relaxed.steps} Frank-Wolfe steps)")

    # 2. LP cut loop
    pc = Pieces.from_instance(inst)
    ub_n = np.where(fits, inst.site_cap, 0).astype(float)
    prog = None
    lp_n, lp_last = None, None
    if not done() and pc.K:
        prog = _Program(inst, pc, ub_n)
        prog.add_cuts(plan.astype(float), None)
        lp_until = time.perf_counter() + LP_SHARE * left()
        previous = np.inf
        for _ in range(LP_ROUNDS):
            # until one LP is solved there is no bound at all: the first may take all but a reserve
            until = lp_until if lp_last is not None else max(lp_until, t0 + (1 - LP_RESERVE) * limit)
            r = prog.lm.solve_lp(until - time.perf_counter())
            if r.x is None:
                break
            if r.optimal:
                upper = min(upper, r.bound)
                lp_last = r
            if r.optimal or lp_n is None:  # a solve cut short by time guides the plans only if none ended
                lp_n = r.x[prog.n]
            added = prog.add_cuts(r.x[prog.n], r.x[prog.z])
            record(f"lp ({prog.cuts} cuts)")
            # tangents converge slowly (Kelley): leave the rest to the MIP once rounds stop paying
            stalled = r.bound > previous - LP_STALL * gap * r.bound
            previous = r.bound
            if added == 0 or done() or stalled or time.perf_counter() >= lp_until:
                break

    # 2b. yes/no coverage: a DP over sites along the line, pruned by the LP duals, proves the optimum
    if lp_last is not None and lp_last.dual_values is not None and not done():
        cov = covering_form(inst, pc, ub_n > 0, HV=prog.H if prog.direct else None)
        if cov is not None:
            mu = lp_last.duals(prog.sub_rows)[cov.rows]
            out = solve_covering(cov, mu, inst.n_sites, best, gap, time.perf_counter() + DP_SHARE * left())
            log.extend(out.log)
            upper = min(upper, out.bound)
            record("covering dp", out.units)

    # 3. LP-guided plans: rounding plus swaps (from the relaxation's point if no LP was solved),
    # then a MIP over the sites the LP uses
    guide = lp_n if lp_n is not None else (relaxed.x if relaxed is not None else None)
    if guide is not None and not done():
        units = _round_down(inst, guide)
        units, _ = improve(inst, units, time_limit_s=min(LP_PLAN_SHARE * limit, max(left(), 0.0)))
        record("lp plan" if lp_n is not None else "relaxation plan", units)
    if lp_n is not None and not done():
        closed = (lp_n <= 1e-6) & (plan == 0) & (ub_n > 0)
        if lp_last is not None and lp_last.reduced is not None:  # also open the sites cheapest to add
            d = lp_last.reduced[prog.n]
            extra = min(int(closed.sum()), max(SUB_MIP_SITES, 2 * int((~closed).sum())))
            cand = np.flatnonzero(closed)
            closed[cand[np.argsort(-d[cand], kind="stable")[:extra]]] = False
        closed = np.flatnonzero(closed)
        prog.lm.set_integer(prog.n, True)
        prog.lm.set_bounds(prog.n[closed], 0.0, 0.0)
        r = prog.lm.solve_mip(mip_solver, min(SUB_MIP_SHARE * limit, left()), hint=prog.point(plan.astype(float)),
                              seed=seed, rel_gap=gap / 4)
        prog.lm.set_bounds(prog.n[closed], 0.0, ub_n[closed])
        if r.x is not None:
            record(f"lp-support mip ({inst.n_sites - len(closed)} sites open)", np.round(r.x[prog.n]).astype(int))

    # 4. MIP rounds, on the sites that reduced costs leave open
    if prog is not None and not done():
        floor = -np.inf  # plans excluded by fixing score at most this
        if lp_last is not None and lp_last.reduced is not None:
            floor, fixed = _fix_by_reduced_cost(prog, lp_last, ub_n, best)
            log.append({"phase": "reduced-cost fixing", "fixed_sites": fixed})
        prog.lm.set_integer(prog.n, True)
        while not done():
            r = prog.lm.solve_mip(mip_solver, left(), hint=prog.point(plan.astype(float)), seed=seed,
                                  rel_gap=gap / 4)
            if np.isfinite(r.bound):
                upper = min(upper, max(r.bound, floor))
            added = 0
            if r.x is not None:
                units = np.round(r.x[prog.n]).astype(int)
                record("mip", units)
                added = prog.add_cuts(units.astype(float), r.x[prog.z])
            else:
                record("mip")
            if added == 0 and (r.optimal or r.x is None):
                break
    elif pc.K == 0:
        upper = best  # nothing to detect: every plan scores 0

    elapsed = time.perf_counter() - t0
    final_gap = _gap(best, upper)
    status = "optimal" if final_gap <= gap + GAP_TOL else ("time_limit" if elapsed >= limit else "feasible")
    log.append({"cells": pc.cells, "groups": pc.groups, "pieces": pc.K, "cuts": prog.cuts if prog else 0})
    return Solution(units=plan, objective=best, bound=max(upper, best), solver="exact", seconds=elapsed,
                    status=status, log=log)


def _gap(objective: float, bound: float) -> float:
    return max(bound - objective, 0.0) / bound if bound > 0 else 0.0


def _alone_fits(inst: Instance) -> np.ndarray:
    return ((inst.cost_usd <= inst.budget_usd * (1 + 1e-12)) & (inst.observers <= inst.max_observers)
            & (inst.asset_cap[inst.site_asset] >= 1))


def _fix_by_reduced_cost(prog: _Program, r, ub_n: np.ndarray, best: float) -> tuple[float, int]:
    """Fix sites that no plan better than `best` can use differently from the LP optimum x*.

    LP duality: every plan x scores at most LP* + d.(x - x*) (d the reduced costs, each term
    <= 0 at an optimal basis). A site at 0 with LP* + d_j < best cannot hold a unit in a plan
    better than best; one at its cap with LP* - d_j < best cannot lose one. Returns `best`
    (no excluded plan beats it) and the number of sites fixed.
    """
    x, d = r.x[prog.n], r.reduced[prog.n]
    margin = FIX_TOL * max(abs(r.objective), 1.0)
    at_zero = (x <= 1e-9) & (ub_n > 0) & (r.objective + d < best - margin)
    at_cap = (x >= ub_n - 1e-9) & (ub_n > 0) & (r.objective - d < best - margin)
    if at_zero.any():
        prog.lm.set_bounds(prog.n[at_zero], 0.0, 0.0)
    if at_cap.any():
        prog.lm.set_bounds(prog.n[at_cap], ub_n[at_cap], ub_n[at_cap])
    return best, int(at_zero.sum() + at_cap.sum())


def _round_down(inst: Instance, n: np.ndarray) -> np.ndarray:
    """Units the LP sets to at least 1/2, dropping the least-set until the caps and budget hold."""
    units = np.minimum(np.floor(n + 0.5), inst.site_cap).astype(int)
    while inst.check(units) and units.any():
        placed = np.flatnonzero(units > 0)
        units[placed[np.argmin(n[placed] - units[placed])]] -= 1
    return units
