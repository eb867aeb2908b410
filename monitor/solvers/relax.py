"""An upper bound from the continuous relaxation, by Frank-Wolfe: for when the LP cannot finish.

The score D(n) = sum_{i,c} share_c W[i, c] (1 - exp(-U[i, c])), U = B (n * F), is concave in
n (concave functions of linear maps, summed). Let P = {0 <= n <= cap, cost.n <= budget}
with cap = 0 for sites whose one unit alone breaks a cap: every feasible plan lies in P
(the observer and asset caps are dropped, which only loosens P). For any x >= 0 and
every plan m in P, concavity gives

    D(m) <= D(x) + grad D(x).(m - x) <= D(x) + max_{s in P} grad D(x).(s - x),

the Frank-Wolfe gap. The max is a fractional knapsack: sites by gradient per dollar,
best first, until the budget is spent. Frank-Wolfe moves x towards that s with an exact
line search and keeps the least bound seen; it converges to the continuous optimum
(about 92.7% on Ukraine at 1 km, where the LP with secants over whole units reaches
92.48%), so the LP's bound is the better one when the LP finishes. Each step costs two
sparse products with B; on the 2,000 km benchmark the LP does not finish in a minute
while this bound is within 2% after a few seconds.

For verified detection V the same loop runs on a concave function F >= V that equals V at
whole plans (`_VerifiedRelaxation`), so its bound holds for every plan.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from ..model.instance import Instance
from .solution import Solution
from .stop import requested as stop_requested

CONTINUOUS = "continuous relaxation"  # the name of this bound in a solution's bound_from
LINE_STEPS = 30  # bisection steps of the line search (each a pass over cells, no product)
STALL_ITERS = 10  # stop when the bound has not fallen by STALL_TOL (relative) in this many steps
STALL_TOL = 1e-5
SOFT_T0, SOFT_T1 = 0.05, 0.005  # the Lagrangian weights' temperature (share points), first and last
DUAL_DECAY = 0.8   # the temperature's fall per round of the Lagrangian dual
DUAL_ROUNDS = 8    # rounds of the dual the time limit is shared among (more run if each ends sooner)
DUAL_STALL = 4     # stop after this many rounds in a row that lower the bound by less than STALL_TOL


@dataclass
class Relaxation:
    """The least Frank-Wolfe bound found, the fractional point reached, and the steps taken."""

    bound: float
    x: np.ndarray
    value: float
    steps: int


def knapsack_max(grad: np.ndarray, cost: np.ndarray, cap: np.ndarray, budget: float) -> np.ndarray:
    """argmax grad.s over {0 <= s <= cap, cost.s <= budget}: free sites with grad > 0 at cap, then
    paid sites by grad / cost, best first, the last one cut to what the budget leaves."""
    s = np.where((cost <= 0) & (grad > 0), cap, 0.0)
    paid = np.flatnonzero((cost > 0) & (grad > 0) & (cap > 0))
    paid = paid[np.argsort(-grad[paid] / cost[paid], kind="stable")]
    spend = np.cumsum(cost[paid] * cap[paid])
    full = spend <= budget
    s[paid[full]] = cap[paid[full]]
    k = int(full.sum())
    if k < len(paid):
        left = budget - (spend[k - 1] if k else 0.0)
        s[paid[k]] = left / cost[paid[k]]
    return s


def frank_wolfe_bound(inst: Instance, start: np.ndarray, fits: np.ndarray, time_limit_s: float,
                      target: float = -np.inf) -> Relaxation:
    """Frank-Wolfe from plan `start` for at most `time_limit_s`; stops early once the bound is
    at most `target` (nothing more to prove), or stalls. `fits`: sites whose one unit keeps every cap."""
    if inst.objective == "worst_segment":
        return worst_segment_bound(inst, start, fits, time_limit_s, target)
    t_end = time.perf_counter() + max(time_limit_s, 0.0)
    f = _VerifiedRelaxation(inst) if inst.base == "verified" else _Detection(inst)
    cost = inst.cost_usd
    cap = np.where(fits, inst.site_cap, 0).astype(float)
    x = np.minimum(np.asarray(start, float), cap)
    best, steps, since, ref = np.inf, 0, 0, np.inf
    while True:
        value, grad = f.value_grad(x)
        s = knapsack_max(grad, cost, cap, inst.budget_usd)
        bound = value + float(grad @ (s - x))
        best = min(best, bound)
        steps += 1
        if not np.isfinite(ref) or best < ref - STALL_TOL * abs(ref):
            ref, since = best, 0
        else:
            since += 1
        if best <= target or since >= STALL_ITERS or time.perf_counter() >= t_end or stop_requested():
            return Relaxation(bound=best, x=x, value=value, steps=steps)
        d = s - x
        x = x + f.step(x, d) * d


def worst_segment_bound(inst: Instance, start: np.ndarray, fits: np.ndarray, time_limit_s: float,
                        target: float = -np.inf) -> Relaxation:
    """A bound on max_n min_g S_g(n) from Lagrangian weights on the groups (Lagrangian dual).

    For weights lam >= 0 summing to 1, min_g S_g(m) <= sum_g lam_g S_g(m) for every plan m, and
    the right side is a weighted detection (weights w lam_g / W_g), whose continuous relaxation
    Frank-Wolfe bounds as above: phi(lam) bounds every plan, and the least phi found is kept.
    phi is convex in lam with subgradient S(x*(lam)) (the groups' scores at the relaxation's
    point), so the weights move by multiplicative steps towards the groups that point leaves
    lowest: lam_g <- lam_g exp(-(S_g - min S) / T), T falling from SOFT_T0 to SOFT_T1.
    """
    t_end = time.perf_counter() + max(time_limit_s, 0.0)
    G, Wg = inst.entry_group(), inst.group_weight()
    live = Wg > 0
    if not live.any():
        return Relaxation(bound=0.0, x=np.asarray(start, float), value=0.0, steps=0)
    lam = np.where(live, 1.0, 0.0) / live.sum()
    best, x, steps, temp, value, stalled = np.inf, np.asarray(start, float), 0, SOFT_T0, 0.0, 0
    share = max(time_limit_s / DUAL_ROUNDS, 0.05)
    while True:
        W = inst.W * (lam / np.where(live, Wg, 1.0))[G]
        sub = replace(inst, W=W, objective=inst.base, min_segment=0.0, every_cell_seen=False)
        r = frank_wolfe_bound(sub, x, fits, min(share, max(t_end - time.perf_counter(), 0.0)))
        stalled = stalled + 1 if r.bound > best - STALL_TOL * abs(best) else 0
        best, x, steps = min(best, r.bound), r.x, steps + r.steps
        S = inst.segment_scores(x)
        S = np.where(live, np.nan_to_num(S, nan=1.0), np.inf)
        value = float(S[live].min())
        if best <= target or stalled >= DUAL_STALL or time.perf_counter() >= t_end or stop_requested():
            return Relaxation(bound=best, x=x, value=value, steps=steps)
        lam = np.where(live, lam * np.exp(-(S - value) / temp), 0.0)
        lam /= lam.sum()
        temp = max(temp * DUAL_DECAY, SOFT_T1)


def _golden(h) -> float:
    """argmax over gamma in [0, 1] of a concave h, by golden section (LINE_STEPS evaluations)."""
    lo, hi = 0.0, 1.0
    k = (np.sqrt(5.0) - 1.0) / 2.0
    a, b = hi - k * (hi - lo), lo + k * (hi - lo)
    fa, fb = h(a), h(b)
    for _ in range(LINE_STEPS // 2):
        if fa < fb:
            lo, a, fa = a, b, fb
            b = lo + k * (hi - lo)
            fb = h(b)
        else:
            hi, b, fb = b, a, fa
            a = hi - k * (hi - lo)
            fa = h(a)
    return (lo + hi) / 2


class _Detection:
    """D(n) = sum WS (1 - exp(-U)), U = B (n F): its value, gradient and exact line search."""

    def __init__(self, inst: Instance):
        self.B, self.BT = inst.B.tocsr(), inst.B.T.tocsr()
        self.F, self.WS = inst.F, inst.W * inst.share
        self.U = None

    def value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        U = self.U = np.asarray(self.B @ (x[:, None] * self.F))
        value = float((self.WS * -np.expm1(-U)).sum())
        grad = (np.asarray(self.BT @ (self.WS * np.exp(-U))) * self.F).sum(axis=1)  # dD/dn_j
        return value, grad

    def step(self, x: np.ndarray, d: np.ndarray) -> float:
        Ud = np.asarray(self.B @ (d[:, None] * self.F))
        return _line_search(self.U, Ud, self.WS)


class _VerifiedRelaxation:
    """A concave function F >= V, equal to V at whole plans: the continuous relaxation of V.

        F(n) = sum_{i, c} WS[i, c] max { sum_q alpha_q x_q : sum_q x_q <= P[i, c](n),
                                          0 <= x_q <= min(1, r[i, c, q](n)) }

    with P = 1 - exp(-U) and r the verifier counts (linear in n). F is concave: the value of a
    maximising LP whose right-hand sides are concave in n, so averaging two solutions is feasible
    at the averaged n. At whole plans min(1, r) = 1[r >= 1], and the LP puts all of P on the
    best group in reach: F = P rho = V. A supergradient comes from the LP's duals: groups by
    alpha, best first, filled to their caps until P runs out; mu = alpha of the first group not
    filled (0 if none), nu_q = alpha_q - mu for those before it, and
        dF/dn_j = sum_c F[j, c] (B^T (WS mu e^-U))[j, c] + sum_c (R_c^T (WS nu_q(j) 1[r < 1]))[j].
    """

    def __init__(self, inst: Instance):
        ver = inst.verify
        self.B, self.BT = inst.B.tocsr(), inst.B.T.tocsr()
        self.F, self.WS = inst.F, inst.W * inst.share
        if ver is None:
            self.alpha, self.G, self.R, self.RT = np.zeros(0), np.zeros((inst.n_sites, 0)), [], []
            return
        order = np.argsort(-ver.alpha, kind="stable")
        self.alpha = ver.alpha[order]
        self.G = (ver.group[:, None] == order[None, :]).astype(float)  # (sites, Q) by alpha, best first
        self.R = [Rc.tocsr() for Rc in ver.R]
        self.RT = [Rc.T.tocsr() for Rc in ver.R]

    def _parts(self, x: np.ndarray):
        U = np.asarray(self.B @ (x[:, None] * self.F))
        r = (np.stack([np.asarray(Rc @ (x[:, None] * self.G)) for Rc in self.R], axis=1) if self.R
             else np.zeros(U.shape + (0,)))
        cap = np.minimum(r, 1.0)
        P = -np.expm1(-U)
        fill = np.clip(P[..., None] - (np.cumsum(cap, axis=-1) - cap), 0.0, cap)
        return U, r, cap, fill

    def value(self, x: np.ndarray) -> float:
        _, _, _, fill = self._parts(x)
        return float((self.WS * (fill * self.alpha).sum(axis=-1)).sum())

    def value_grad(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        U, r, cap, fill = self._parts(x)
        value = float((self.WS * (fill * self.alpha).sum(axis=-1)).sum())
        short = fill < cap - 1e-12
        mu = np.where(short.any(axis=-1), self.alpha[np.argmax(short, axis=-1)] if len(self.alpha) else 0.0, 0.0)
        nu = np.maximum(self.alpha - mu[..., None], 0.0) * (r < 1.0)
        grad = (np.asarray(self.BT @ (self.WS * mu * np.exp(-U))) * self.F).sum(axis=1)
        for c, RT in enumerate(self.RT):
            grad += (np.asarray(RT @ (self.WS[:, c, None] * nu[:, c, :])) * self.G).sum(axis=1)
        return value, grad

    def step(self, x: np.ndarray, d: np.ndarray) -> float:
        """argmax over gamma in [0, 1] of F(x + gamma d), by golden section (F is concave in gamma)."""
        return _golden(lambda gamma: self.value(x + gamma * d))


def _line_search(U: np.ndarray, Ud: np.ndarray, WS: np.ndarray) -> float:
    """argmax over gamma in [0, 1] of D(x + gamma d). D is concave in gamma, so its slope
    sum WS Ud exp(-(U + gamma Ud)) falls with gamma: bisect on the slope's sign."""
    def slope(gamma: float) -> float:
        return float((WS * Ud * np.exp(-(U + gamma * Ud))).sum())

    if slope(1.0) >= 0:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(LINE_STEPS):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if slope(mid) > 0 else (lo, mid)
    return (lo + hi) / 2



def certify(inst: Instance, sol: Solution, time_limit_s: float) -> Solution:
    """`sol` with the tighter of its own bound and the continuous relaxation's, by Frank-Wolfe
    from its plan for at most `time_limit_s` (it stops sooner once it stalls); the time is
    added to the solution's, the steps to its log."""
    if time_limit_s <= 0 or stop_requested() or sol.bound is None or sol.bound <= sol.objective:
        return sol
    t0 = time.perf_counter()
    r = frank_wolfe_bound(inst, sol.units, inst.fits_alone(), time_limit_s, target=sol.objective)
    seconds = time.perf_counter() - t0
    sol.seconds += seconds
    sol.log.append({"phase": f"continuous bound ({r.steps} Frank-Wolfe steps)", "bound": r.bound,
                    "seconds": round(seconds, 4)})
    if r.bound < sol.bound:
        sol.bound, sol.bound_from = max(r.bound, sol.objective), CONTINUOUS
    return sol
