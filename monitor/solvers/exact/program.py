"""The exact solver's program: the outer approximation as an LP or MIP over n | v | z.

    max  sum_k w_k z_k
    s.t. v[g, m] = sum_{j in m} B[g, j] n_j                  (hazard counts)
         z_k <= sum_m sub[k, m] v[g, m]                      (subadditive)
         z_k <= alpha_r + sum_m slope_rm F[m, c] v[g, m]     (tangent and secant cuts r of k: one
                                                              slope for sensors, one for the rest)
         sum_j cost_j n_j <= budget                          (budget)
         sum_j observers_j n_j <= max_observers              (observer cap)
         sum_{j of asset a} n_j <= max_units_a               (asset caps)
         sum_{j of asset a} n_j >= min_units_a                (mandates)
         |sum_{k on A} w_k z_k / W_A - sum_{k on B} w_k z_k / W_B| <= max_side_gap   (parity)
         existing_j <= n_j <= max_units_per_site, n integer;  0 <= z_k <= g(most reachable hazard)

For verified detection V the objective moves from z to x_kq (piece k verified by group q):

    max  sum_k w_k sum_q alpha_q x_kq
    s.t. sum_q x_kq <= z_k,   0 <= x_kq <= 1,   x_kq <= r_kq = sum_{j of q} R_c[g, j] n_j

At a whole plan r_kq is a whole number, so x_kq <= min(1, r_kq) = 1[r_kq >= 1] and the best x
puts z_k on the most available group in reach: w_k z_k rho_k, which is at least w_k P_k rho_k
once z_k <= g(u_k). No binary is needed: the reach rows are exact at integer n, so the cut
loop, the MIP rounds and their bounds carry over unchanged.

Worst segment and min_segment_detection. With S_g = sum_{k in g} w_k z_k / W_g (alpha_q x_kq
for V) over the pieces of group g, worst_segment adds one column t and maximises it,

    max t   s.t.  t <= S_g  for every group g,

and min_segment_detection m adds S_g >= m to the objective's program; every_cell_seen adds
sum_{j reaching i} n_j >= 1 for every cell with violations (set-cover rows, exact as they stand). Both are relaxations of
the true rows in the same way as the objective: a plan that keeps them in truth keeps them here
with z at its true values. z may sit above the truth at a plan only until the cuts at that plan
are added (they make z <= the true P there), so the MIP rounds never return a plan twice.

Every cut holds for every integer plan (the proofs are in `monitor/solvers/outer.py`), so the
optimum of any relaxation of this program is an upper bound on the best plan.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ...model.instance import Instance
from ..outer import Pieces, merge_rows
from .options import Tuning


class Program:
    """The LP/MIP above, with columns n | v | z and cuts appended as rows.

    When substituting v = V n into the rows takes no more nonzeros than keeping v (yes/no
    coverage: one count per piece), v is left out and the rows act on n directly: the same
    program, smaller, which the MIP solvers' presolve and LP handle faster.
    """

    def __init__(self, inst: Instance, pc: Pieces, ub_n: np.ndarray, tuning: Tuning = Tuning(),
                 direct: bool | None = None):
        from ..lp import LinearModel  # ortools loads here, not at `import monitor`

        J, NV, K = pc.n_sites, pc.V.shape[0], pc.K
        self.inst, self.pc, self.tuning = inst, pc, tuning
        HV = (pc.H @ pc.V).tocsr()
        self.direct = HV.nnz <= pc.H.nnz + pc.V.nnz if direct is None else direct
        self.HL = (pc.HL @ pc.V).tocsr() if self.direct else pc.HL
        self.lm = LinearModel()
        self.verified = pc.vk is not None
        self.worst = inst.objective == "worst_segment"
        zobj = np.zeros(K) if self.verified or self.worst else pc.w
        self.n = self.lm.add_vars(inst.lower.astype(float), np.maximum(ub_n, inst.lower))
        if self.direct:  # rows over n: u = (H V) n
            self.H, sub = HV, (pc.sub @ pc.V).tocsr()
            self.v = self.lm.add_vars(np.zeros(0), np.inf)
            self.z = self.lm.add_vars(np.zeros(K), pc.z_max, obj=zobj)
            self.sub_rows = self.lm.add_rows(sp.hstack([-sub, sp.identity(K, format="csr")]), -np.inf, 0.0)  # subadditive
        else:  # rows over v = V n
            self.H = pc.H
            self.v = self.lm.add_vars(np.zeros(NV), np.inf)
            self.z = self.lm.add_vars(np.zeros(K), pc.z_max, obj=zobj)
            I_v, I_z = sp.identity(NV, format="csr"), sp.identity(K, format="csr")
            self.lm.add_rows(sp.hstack([pc.V, -I_v]), 0.0, 0.0)                                   # counts
            self.sub_rows = self.lm.add_rows(sp.hstack([sp.csr_matrix((K, J)), -pc.sub, I_z]), -np.inf, 0.0)  # subadditive
        side = [inst.cost_usd[None, :]]
        limits = [inst.budget_limit_usd]                                                  # budget
        if np.isfinite(inst.max_observers) and (inst.observers > 0).any():
            side.append(inst.observers[None, :])
            limits.append(inst.max_observers)                                                     # observers
        for a in np.flatnonzero(inst.asset_cap < np.iinfo(np.int64).max):
            side.append((inst.site_asset == a)[None, :].astype(float))
            limits.append(float(inst.asset_cap[a]))                                               # asset caps
        self.lm.add_rows(sp.csr_matrix(np.vstack(side)), -np.inf, np.array(limits))
        if inst.asset_min is not None and (inst.asset_min > 0).any():
            need = np.flatnonzero(inst.asset_min > 0)
            self.lm.add_rows(sp.csr_matrix((inst.site_asset[None, :] == need[:, None]).astype(float)),
                             inst.asset_min[need].astype(float), np.inf)                    # mandates
        self.x = self._verify_rows() if self.verified else np.zeros(0, np.int64)
        if inst.has_parity and pc.side is not None:
            self._parity_rows(inst.max_side_gap)
        self.t = self._segment_rows() if pc.group is not None else np.zeros(0, np.int64)
        if inst.every_cell_seen:
            self._cover_rows()
        self.cuts = 0

    def _cover_rows(self) -> None:
        """every_cell_seen: sum_{j reaching i} n_j >= 1 for every cover row i (identical rows once)."""
        reach = self.inst.sight().tocsr()[np.flatnonzero(self.inst.cover_rows())]
        unique, _ = merge_rows(reach)
        if unique.shape[0]:
            self.lm.add_rows(unique, 1.0, np.inf)

    def _group_scores(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """The rows S_g over the columns that score pieces (z for D, x for V), and those columns."""
        pc = self.pc
        Wg = np.where(pc.group_weight > 0, pc.group_weight, 1.0)
        if self.verified:
            coef, grp, cols = pc.w[pc.vk] * pc.valpha / Wg[pc.group[pc.vk]], pc.group[pc.vk], np.asarray(self.x)
        else:
            coef, grp, cols = pc.w / Wg[pc.group], pc.group, np.asarray(self.z)
        live = np.flatnonzero(pc.group_weight > 0)
        at = np.searchsorted(live, grp)
        n_cols = int(max(cols.max(initial=-1), np.asarray(self.z).max(initial=-1))) + 1
        return sp.csr_matrix((coef, (at, cols)), shape=(len(live), n_cols)), live

    def _segment_rows(self) -> np.ndarray:
        """worst_segment: the column t <= S_g for every group, maximised; min_segment: S_g >= m."""
        S, live = self._group_scores()
        if self.inst.min_segment > 0:
            self.lm.add_rows(S, self.inst.min_segment, np.inf)
        if not self.worst:
            return np.zeros(0, np.int64)
        t = self.lm.add_vars(np.zeros(1), np.ones(1), obj=np.ones(1))
        S = sp.hstack([-S, sp.csr_matrix((S.shape[0], int(t[0]) + 1 - S.shape[1]))]).tocsr()
        S = S + sp.csr_matrix((np.ones(S.shape[0]), (np.arange(S.shape[0]), np.full(S.shape[0], int(t[0])))),
                              shape=S.shape)
        self.lm.add_rows(S, -np.inf, 0.0)
        return t

    def _parity_rows(self, gap: float) -> None:
        """-gap <= S_A - S_B <= gap, with S_s = sum_{k on s} w_k z_k / W_s (alpha_q x_kq for V).

        A relaxation of the true constraint: a plan that keeps it in truth keeps it here with z (or
        x) at its true values. A plan the program accepts may break it in truth (z may sit below
        the truth), so plans are checked on their true scores before they are kept
        (Search.record), and the MIP rounds cut such plans off (`no_good`).
        """
        pc = self.pc
        W = np.where(pc.side_weight > 0, pc.side_weight, 1.0)
        sign = np.where(pc.side == 0, 1.0, -1.0) / W[pc.side]
        if self.verified:
            coef, cols = pc.w[pc.vk] * pc.valpha * sign[pc.vk], np.asarray(self.x, np.int64)
        else:
            coef, cols = pc.w * sign, np.asarray(self.z, np.int64)
        if len(cols):
            row = sp.csr_matrix((coef, (np.zeros(len(cols), int), cols)), shape=(1, int(cols.max()) + 1))
            self.lm.add_rows(row, -gap, gap)

    def no_good(self, units: np.ndarray) -> bool:
        """Cut off one plan of units 0/1 (sum over its units of 1 - n_j, plus the others' n_j, >= 1);
        False, and nothing added, where a site may hold more than one unit (the cut is then not linear)."""
        if (self.inst.site_cap > 1).any():
            return False
        on = np.asarray(units) > 0
        coef = np.where(on, -1.0, 1.0)
        row = np.zeros(int(np.asarray(self.n).max()) + 1)
        row[np.asarray(self.n)] = coef
        self.lm.add_rows(sp.csr_matrix(row[None, :]), 1.0 - float(on.sum()), np.inf)
        return True

    def _verify_rows(self) -> np.ndarray:
        """The x variables of V and their rows: sum_q x_kq <= z_k and x_kq <= r_kq (see module doc)."""
        pc, J, K = self.pc, self.pc.n_sites, self.pc.K
        X = len(pc.vk)
        obj = np.zeros(X) if self.inst.objective == "worst_segment" else pc.w[pc.vk] * pc.valpha
        x = self.lm.add_vars(np.zeros(X), np.ones(X), obj=obj)
        before = len(self.n) + len(self.v)  # columns ahead of z
        sel = sp.csr_matrix((np.ones(X), (pc.vk, np.arange(X))), shape=(K, X))
        self.lm.add_rows(sp.hstack([sp.csr_matrix((K, before)), -sp.identity(K, format="csr"), sel]), -np.inf, 0.0)
        self.lm.add_rows(sp.hstack([-pc.reach, sp.csr_matrix((X, before - J + K)), sp.identity(X, format="csr")]),
                         -np.inf, 0.0)
        return x

    def count_var(self, sites: np.ndarray) -> int:
        """A variable c = sum_{j in sites} n_j (added once), whose bounds split the program in two."""
        if getattr(self, "_count", None) is None:
            self._count = int(self.lm.add_vars(np.zeros(1), np.inf)[0])
            row = np.zeros(self._count + 1)
            row[np.asarray(self.n)[sites]] = 1.0
            row[self._count] = -1.0
            self.lm.add_rows(sp.csr_matrix(row[None, :]), 0.0, 0.0)
        return self._count

    def z_of(self, values: np.ndarray) -> np.ndarray:
        """z at a solution, as far as the objective uses it (for choosing which cuts it violates)."""
        return self.pc.z_used(values[self.z], values[self.x] if self.verified else None)

    def add_cuts(self, n: np.ndarray, z: np.ndarray | None) -> int:
        """Cuts at the hazards of plan n for pieces whose z exceeds them (all pieces if z is None)."""
        pc, tol, min_slope = self.pc, self.tuning.cut_tol, self.tuning.min_slope
        u, uL = pc.hazard(n), pc.lattice_hazard(n)
        ks = np.arange(pc.K) if z is None else np.flatnonzero(z > -np.expm1(-u) + tol)
        if len(ks) == 0:
            return 0
        alpha, sigma, tau = pc.cuts_at(u, uL, ks)
        rhs = alpha + sigma * uL[ks] + tau * (u[ks] - uL[ks])
        # a slope below min_slope only matters past detection 1 - 1e-9: z <= z_max covers it, and
        # such coefficients upset MIP solvers' tolerances
        keep = np.minimum(sigma, tau) >= min_slope
        # a secant through the origin (no lattice point below u_L but 0) is implied by the
        # subadditive row, whose slopes g(lo)/lo are at most g(t2)/t2 and 1 as g(x)/x falls
        keep &= alpha > 0
        if z is not None:
            keep &= z[ks] > rhs + tol
        ks, alpha, sigma, tau, rhs = ks[keep], alpha[keep], sigma[keep], tau[keep], rhs[keep]
        if z is not None and len(ks) > self.tuning.max_cuts:  # the most violated (by weight) first: re-solves stay short
            top = np.argsort(-pc.w[ks] * (z[ks] - rhs), kind="stable")[:self.tuning.max_cuts]
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
        pc = self.pc
        v = pc.V @ n
        z = np.minimum(-np.expm1(-(pc.H @ v)), pc.z_max)
        parts = [n, v, z] if not self.direct else [n, z]
        if self.verified:  # all of z on the most available group in reach
            value = np.where(pc.reach @ n >= 0.5, pc.valpha, -1.0)
            order = np.lexsort((-value, pc.vk))
            first = order[np.r_[True, pc.vk[order][1:] != pc.vk[order][:-1]]] if len(order) else order
            x = np.zeros(len(pc.vk))
            ok = first[value[first] > 0]
            x[ok] = z[pc.vk[ok]]
            parts.append(x)
        out = np.concatenate(parts)
        if len(self.t):  # t at the worst group's score over z (or x)
            S, _ = self._group_scores()
            out = np.concatenate([out, [float((S @ out[:S.shape[1]]).min(initial=1.0))]])
        return out


def fix_by_reduced_cost(prog: Program, r, ub_n: np.ndarray, best: float) -> tuple[float, int]:
    """Fix sites that no plan better than `best` can use differently from the LP optimum x*.

    LP duality: every plan x scores at most LP* + d.(x - x*) (d the reduced costs, each term
    <= 0 at an optimal basis). A site at 0 with LP* + d_j < best cannot hold a unit in a plan
    better than best; one at its cap with LP* - d_j < best cannot lose one. Returns `best`
    (no excluded plan beats it) and the number of sites fixed.
    """
    x, d = r.x[prog.n], r.reduced[prog.n]
    margin = prog.tuning.fix_tol * max(abs(r.objective), 1.0)
    at_zero = (x <= 1e-9) & (ub_n > 0) & (r.objective + d < best - margin)
    at_cap = (x >= ub_n - 1e-9) & (ub_n > 0) & (r.objective - d < best - margin)
    if at_zero.any():
        prog.lm.set_bounds(prog.n[at_zero], 0.0, 0.0)
    if at_cap.any():
        prog.lm.set_bounds(prog.n[at_cap], ub_n[at_cap], ub_n[at_cap])
    return best, int(at_zero.sum() + at_cap.sum())


def round_down(inst: Instance, n: np.ndarray) -> np.ndarray:
    """Units the LP sets to at least 1/2 (and existing ones), dropping the least-set until the caps and budget hold."""
    units = np.maximum(np.minimum(np.floor(n + 0.5), inst.site_cap).astype(int), inst.lower)
    while inst.check(units, minimums=False) and (units > inst.lower).any():
        placed = np.flatnonzero(units > inst.lower)
        units[placed[np.argmin(n[placed] - units[placed])]] -= 1
    return units
