"""Exact yes/no coverage along a line: dynamic programming over sites, pruned by LP duals.

When every unit detects with certainty wherever it reaches, the problem is maximal
covering (Church and ReVelle 1974): rows k (merged cells by class) of weight w_k, a 0/1
matrix A of which sites cover which rows, and a count p of units:

    max f(y) = sum_k w_k min(1, (A y)_k)   s.t.  sum_j y_j <= p,  y binary.

Loss identity. For any mu >= 0 (one per row) and lam >= 0 put

    nu_k = max(0, w_k - mu_k),   s_k = max(0, mu_k - w_k),   c_j = sum_k A_kj mu_k,
    rho_j = max(0, c_j - lam),   d_j = max(0, lam - c_j),
    UB = sum_k nu_k + lam p + sum_j rho_j,

the objective of a feasible point of the LP dual, so UB >= the LP optimum. For every plan
y with n_k = (A y)_k and z_k = min(1, n_k),

    f(y) = UB - loss(y),
    loss(y) = sum_j [d_j y_j + rho_j (1 - y_j)] + lam (p - sum_j y_j)
              + sum_k [mu_k (n_k - z_k) + s_k z_k + nu_k (1 - z_k)]

(expand, using sum_j c_j y_j = sum_k mu_k n_k and mu - s + nu = w), and every term is
>= 0. Maximising f is minimising the loss, a sum of local terms. With the LP's optimal
duals the best plan's loss is the LP gap, so a partial plan whose terms already exceed
it is ruled out, and few partial plans stay in.

DP. Sites are taken in an order where the sites covering a row lie close together (the
given order or reverse Cuthill-McKee, whichever keeps fewer sites open). A row is
settled at the position of its last covering site; a site stays *open* until all its
rows are settled. A state is (the chosen open sites, units used): rows settle knowing
exactly which chosen sites cover them, so two partial plans with the same state have
the same futures, and only the one with the least loss is kept.

Rounds. With a target T the DP keeps partial plans with loss <= UB - T. If a plan
survives, the best survivor is optimal: every plan scoring >= T survives. If none does,
no plan scores T: T is an upper bound. Rounds lower T from just below UB towards the
best known plan (doubling UB - T) until a plan survives or T proves the target gap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from ..model.instance import Instance
from .outer import Pieces, g
from .stop import requested as stop_requested

ROUNDS = 6  # rounds per solve; the first keeps losses up to 2^-(ROUNDS-1) of what the last keeps
MAX_STATES = 400_000  # states kept after one site; beyond, the round gives up (the MIP takes over)
MAX_STORED = 30_000_000  # (parent, choice) pairs kept over a round, for reading the plan back
LOSS_TOL = 1e-12  # absolute slack on pruning, far above the rounding of sums of ~10^4 terms


@dataclass
class Covering:
    """An instance as maximal covering: rows of weight w, 0/1 coverage A (rows x sites), p units."""

    A: sp.csr_matrix
    w: np.ndarray
    p: int
    sites: np.ndarray  # instance index of each column
    rows: np.ndarray   # piece index of each row


@dataclass
class Outcome:
    """What the DP proved: a plan (instance units, or None) and an upper bound on every plan's score."""

    units: np.ndarray | None
    bound: float
    optimal: bool
    log: list[dict] = field(default_factory=list)


def covering_form(inst: Instance, pc: Pieces, usable: np.ndarray,
                  HV: sp.spmatrix | None = None) -> Covering | None:
    """The instance as maximal covering, or None when it is not one.

    It is one when a unit detects with certainty wherever it reaches (g(h) == 1.0 in floating
    point for every hazard a unit adds, so a row scores w_k or nothing), so a second unit at a site adds
    nothing, and when the budget and caps come down to a count: equal costs and observers
    over the usable sites, and one asset or asset caps no lower than that count. `HV` is
    pc.H @ pc.V (pieces x sites) if the caller has built it already.
    """
    usable = np.flatnonzero(usable)
    if len(usable) == 0 or pc.H.nnz == 0:
        return None
    # every hazard a unit adds is a sum of products H[k, m] V[m, j], so at least min H min V
    if g(pc.H.data.min() * pc.V.data.min()) != 1.0:
        return None
    HV = sp.csc_matrix(pc.H @ pc.V if HV is None else HV)[:, usable].tocsr()
    cost, obs = inst.cost_usd[usable], inst.observers[usable]
    if np.ptp(cost) > 1e-12 * max(cost.max(), 1.0):
        return None
    p = len(usable) if cost[0] <= 0 else int(inst.units_within_budget(cost[0]))
    if np.isfinite(inst.max_observers) and obs.max() > 0:
        if np.ptp(obs) > 0:
            return None
        p = min(p, int(np.floor(inst.max_observers / obs[0] + 1e-9)))
    assets = np.unique(inst.site_asset[usable])
    caps = inst.asset_cap[assets]
    if len(assets) == 1:
        p = min(p, int(min(caps[0], len(usable))))
    elif (caps < min(p, len(usable))).any():
        return None
    p = min(p, len(usable))
    A = sp.csr_matrix((np.ones(HV.nnz), HV.indices, HV.indptr), shape=HV.shape)
    rows = np.flatnonzero(np.diff(A.indptr) > 0)  # rows no usable site reaches score 0 in every plan
    return Covering(A=A[rows], w=pc.w[rows], p=p, sites=usable, rows=rows)


@dataclass
class Duals:
    """The terms of the loss identity (module docstring) for duals mu, with lam the p-th largest c_j."""

    mu: np.ndarray
    nu: np.ndarray
    s: np.ndarray
    c: np.ndarray
    rho: np.ndarray
    d: np.ndarray
    lam: float
    UB: float


def dual_terms(cov: Covering, mu: np.ndarray) -> Duals:
    """nu, s, c, rho, d, lam and UB for duals mu (clipped at 0): any mu gives a valid identity.

    lam = the p-th largest c_j minimises lam p + sum_j max(0, c_j - lam), so UB is the least
    bound this mu allows, and equals the LP optimum when mu is the LP's optimal dual.
    """
    A, w, p = cov.A, cov.w, cov.p
    mu = np.maximum(np.asarray(mu, float), 0.0)
    c = A.T @ mu
    if 0 < p < len(c):
        lam = float(np.partition(c, len(c) - p)[len(c) - p])
    else:  # p >= J: any lam >= 0 is optimal, take 0; p = 0: no unit may be placed, lam = max c
        lam = float(c.max()) if p == 0 and len(c) else 0.0
    nu, s = np.maximum(w - mu, 0.0), np.maximum(mu - w, 0.0)
    rho, d = np.maximum(c - lam, 0.0), np.maximum(lam - c, 0.0)
    return Duals(mu=mu, nu=nu, s=s, c=c, rho=rho, d=d, lam=lam, UB=float(nu.sum() + lam * p + rho.sum()))


def solve_covering(cov: Covering, mu: np.ndarray, n_sites: int, best: float, gap: float,
                   deadline: float) -> Outcome:
    """Rounds of the DP with duals `mu` (one per row of cov, clipped at 0); see the module docstring.

    `best` is the score of the best plan known, `gap` the target; `deadline` a
    time.perf_counter() value. Returns the optimal plan when a round finds one, else the
    lowest target no plan reaches as the bound (or +inf if no round finished).
    """
    order = _order(cov.A)
    Ap = cov.A[:, order].tocsr()
    Ap.sort_indices()
    du = dual_terms(cov, mu)
    UB = du.UB
    terms = _Terms(Ap, du.mu, du.s, du.nu, du.rho[order], du.d[order], du.lam, cov.p)
    out = Outcome(units=None, bound=np.inf, optimal=False)
    stop = UB - best / (1.0 - gap) if gap < 1 else 0.0  # a round failing at this loss proves the gap
    if stop <= LOSS_TOL:  # the duals alone prove the gap (the LP may have allowed a fractional count)
        out.bound = UB
        out.log.append({"phase": "covering dp", "target": UB, "states": 0, "seconds": 0.0, "result": "duals"})
        return out
    for r in range(ROUNDS - 1, -1, -1):
        thr = stop / 2 ** r
        t = time.perf_counter()
        y, loss, states, why = terms.run(thr, deadline)
        out.log.append({"phase": "covering dp", "target": UB - thr, "states": states,
                        "seconds": round(time.perf_counter() - t, 3), "result": why})
        if why == "found":
            units = np.zeros(n_sites, int)
            units[cov.sites[order[y]]] = 1
            out.units, out.bound, out.optimal = units, UB - loss, True
            return out
        if why != "none":  # gave up: keep the bound of the last round that finished
            return out
        out.bound = UB - thr
    return out


def _order(A: sp.csr_matrix) -> np.ndarray:
    """The site order (given, or reverse Cuthill-McKee) that keeps fewer sites open at once."""
    J = A.shape[1]
    pattern = (A.T @ A).tocsr()
    orders = [np.arange(J), np.asarray(reverse_cuthill_mckee(pattern, symmetric_mode=True))]
    return min(orders, key=lambda o: _open_width(A, o))


def _open_width(A: sp.csr_matrix, order: np.ndarray) -> int:
    """Most sites open at once when sites come in `order`."""
    pos = np.empty(len(order), np.int64)
    pos[order] = np.arange(len(order))
    _, close = _settling(A, pos)
    delta = np.zeros(len(order) + 1, np.int64)
    delta[:-1] = 1  # a site opens at its position and closes after `close`
    np.add.at(delta, close, -1)
    return int(np.cumsum(delta).max())


def _settling(A: sp.csr_matrix, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position at which each row settles (its last covering site), and after which the site at
    each position closes (its last row settles); `pos` is each site's position."""
    P = sp.csr_matrix((A.data, pos[A.indices], A.indptr), shape=A.shape)
    last = np.maximum.reduceat(P.indices, P.indptr[:-1])
    close = np.arange(A.shape[1])  # by position; a site with no rows closes at once
    np.maximum.at(close, P.indices, np.repeat(last, np.diff(P.indptr)))
    return last, close


def _by_step(at: np.ndarray, J: int) -> list[np.ndarray]:
    """Indices i grouped by at[i], one array per step 0..J-1."""
    o = np.argsort(at, kind="stable")
    return np.split(o, np.searchsorted(at[o], np.arange(1, J)))


class _Terms:
    """The loss terms in site order, and the DP over them (one round per target)."""

    def __init__(self, Ap: sp.csr_matrix, mu, s, nu, rho, d, lam: float, p: int):
        self.Ap, self.rho, self.d, self.lam, self.p = Ap, rho, d, lam, p
        self.mu, self.s, self.nu = mu, s, nu
        self.J = Ap.shape[1]
        self.last, self.close = _settling(Ap, np.arange(self.J))
        self.settle = _by_step(self.last, self.J)  # rows settling at each position
        self.closing = _by_step(self.close, self.J)  # positions closing after each position

    def _undominated(self, S: np.ndarray, cnt: np.ndarray, loss: np.ndarray) -> np.ndarray:
        """Indices of the states to keep: per open chosen set, only units-loss pairs no other beats.

        With the same open chosen sites, a state with fewer units used, c1 < c2, can follow
        every completion of the other, and ends with loss lower by at least
        (L2 - lam c2) - (L1 - lam c1) (the term lam (p - units) is the only one that differs).
        So along each set, sorted by units, a state is kept only while L - lam c falls.
        """
        o = np.lexsort((loss, cnt) + tuple(S.T[::-1]))  # by set, then units, then loss
        Ss = S[o]
        new_set = np.ones(len(o), bool)
        new_set[1:] = (Ss[1:] != Ss[:-1]).any(axis=1)
        a = loss[o] - self.lam * cnt[o]
        rank = np.empty(len(o), np.int64)
        rank[np.argsort(a, kind="stable")] = np.arange(len(o))
        # running minimum of a within each set: sets later in the order get smaller offsets,
        # so an earlier set's values never undercut a later one's
        key = (len(o) - np.cumsum(new_set)) * len(o) + rank
        return o[np.minimum.accumulate(key) == key]

    def _step(self, j: int, S: np.ndarray, cnt: np.ndarray, loss: np.ndarray, closed: np.ndarray):
        """Every state without and with site j; the rows that j settles charged; closed sites dropped."""
        J, p, SENT = self.J, self.p, self.J
        n = len(loss)
        tk = np.flatnonzero(cnt < p)
        par = np.concatenate([np.arange(n), tk])
        take = np.zeros(len(par), bool)
        take[n:] = True
        S2 = S[par]
        if len(tk):
            free = S2[n:] == SENT
            if not free.any(axis=1).all():  # some taken state has no free slot: widen
                S2 = np.hstack([S2, np.full((len(S2), 1), SENT, np.int64)])
                free = S2[n:] == SENT
            S2[n + np.arange(len(tk)), free.argmax(axis=1)] = j  # j exceeds every open site: stays sorted
        cnt2 = cnt[par] + take
        loss2 = loss[par] + np.where(take, self.d[j], self.rho[j])
        rows = self.settle[j]
        if len(rows):  # rows whose last covering site is j: n_k is now known
            sub = self.Ap[rows]
            member = np.zeros((len(rows), J + 1), bool)
            member[np.repeat(np.arange(len(rows)), np.diff(sub.indptr)), sub.indices] = True
            nk = member[:, S2].sum(axis=2)
            zk = np.minimum(nk, 1)
            loss2 += (self.mu[rows, None] * (nk - zk) + self.s[rows, None] * zk
                      + self.nu[rows, None] * (1 - zk)).sum(axis=0)
        closed[self.closing[j]] = True
        S2 = np.where(closed[S2], SENT, S2)
        S2.sort(axis=1)
        return S2, cnt2, loss2, par, take

    def run(self, thr: float, deadline: float) -> tuple[np.ndarray | None, float, int, str]:
        """States after each site, pruned at loss thr: (chosen positions, loss, most states, result)."""
        J, p, SENT = self.J, self.p, self.J
        limit = thr + LOSS_TOL
        S = np.full((1, 1), SENT, np.int64)  # chosen open sites, ascending, SENT-padded
        cnt = np.zeros(1, np.int64)
        loss = np.zeros(1)
        parents, takes = [], []
        stored, most = 0, 1
        closed = np.zeros(J + 1, bool)
        for j in range(J):
            if time.perf_counter() > deadline or stop_requested():
                return None, np.inf, most, "time_limit"
            S2, cnt2, loss2, par, take = self._step(j, S, cnt, loss, closed)
            keep = loss2 <= limit
            S2, cnt2, loss2, par, take = S2[keep], cnt2[keep], loss2[keep], par[keep], take[keep]
            if len(loss2) == 0:
                return None, np.inf, most, "none"
            width = int((S2 != SENT).sum(axis=1).max())
            S2 = S2[:, :max(width, 1)]
            sel = self._undominated(S2, cnt2, loss2)
            S, cnt, loss = S2[sel], cnt2[sel], loss2[sel]
            parents.append(par[sel].astype(np.int32))
            takes.append(take[sel])
            stored += len(sel)
            most = max(most, len(sel))
            if len(sel) > MAX_STATES or stored > MAX_STORED:
                return None, np.inf, most, "too many states"
        final = loss + self.lam * (p - cnt)
        b = int(np.argmin(final))
        if final[b] > limit:
            return None, np.inf, most, "none"
        chosen = []
        for j in range(J - 1, -1, -1):
            if takes[j][b]:
                chosen.append(j)
            b = int(parents[j][b])
        return np.array(chosen[::-1], np.int64), float(final.min()), most, "found"
