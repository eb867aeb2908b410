"""The outer approximation behind the exact solver: merged cells, hazard counts and valid cuts.

Reduction (exact). Cells whose rows of B are identical get the same hazard under every
plan, so they merge into one group g with summed weights. A *piece* k is a pair (group
g, class c) with weight w_k = share_c * sum_{i in g} W[i, c] > 0; the score is

    D(n) = sum_k w_k g(u_k),   g(u) = 1 - exp(-u),   u_k = sum_m F[m, c] v[g, m],

where m runs over *factor groups* (sites with the same row of F, in practice one per
asset) and v[g, m] = sum_{j in m} B[g, j] n[j] is the group's summed pattern from m.

Cuts (each valid for every integer plan, so the LP or MIP over them bounds D from above):

- subadditive: g(sum_j a_j n_j) <= sum_j g(a_j) n_j for whole n_j. As g(x)/x falls with x,
  g(a_j) <= a_j g(x_lo)/x_lo for a_j >= x_lo, so z_k <= sum_m F v[g, m] g(x_lo)/x_lo with x_lo
  the smallest one-unit hazard from m on g (exact for sensors, whose B is 1).
- tangent at t: z_k <= g(t) + exp(-t) (u_k - t), valid for every u.
- secant between t1 < t2, neighbours among the hazards the *lattice* entries can reach. An
  entry is a lattice entry when every unit from m adds the same hazard lo = hi on g (sensors,
  whose B is 1): c units give c lo, a lattice of points. With u_L the lattice part of u_k and
  u_I = u_k - u_L the rest (drones and patrols, whose per-unit hazards vary), the cut

      z_k <= alpha + sigma u_L + tau u_I,  sigma = (g(t2) - g(t1)) / (t2 - t1),
      alpha = g(t1) - sigma t1,  tau = g'(t1) = exp(-t1),

  holds for every plan when no lattice point lies strictly between t1 and t2. Proof: the
  chord of the concave g lies above g outside (t1, t2). For a lattice point t >= t2, the
  right side is at least the chord at t + u_I (tau >= sigma), which is >= g. For t <= t1 it
  is at least g(t1) + tau (t + u_I - t1) (sigma (t - t1) >= tau (t - t1)), the tangent at t1,
  which is >= g. Lattice points are over-approximated by count vectors c_m up to the units in
  reach, their caps, the asset caps, the budget and the observer cap. Sensors thus get the
  concave envelope over whole numbers of units even where a drone or patrol could add any
  small hazard, much tighter than tangents at fractional LP points.

Verified V. Cells merge only where their rows of B and of every R_c agree, so a piece also
has one set of verifiers in reach; its reach rows r_kq = sum_{j of group q} R_c[g, j] n_j feed
the program's x variables (`exact/program.py`). The cuts on z are unchanged: z stays <= g(u_k).

With max_side_gap, cells merge only within a side, so each side's score is a sum over pieces;
with worst_segment or min_segment_detection, only within a segment, for each segment's score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..model.instance import Instance

MAX_COMBOS = 4096  # count vectors enumerated per piece for a secant; beyond, a tangent (valid) is used


def g(u):
    """Detection probability 1 - exp(-u)."""
    return -np.expm1(-u)


def merge_rows(B: sp.spmatrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """Unique rows of B and, for each row, the index of its group (identical rows only).

    Rows are hashed by two fixed random projections, then every row is checked against its
    group's representative, so a hash collision can never merge different rows.
    """
    R = sp.csr_matrix(B, dtype=float)
    R.sort_indices()
    if R.shape[0] == 0:
        return R, np.zeros(0, np.int64)
    h = R @ np.random.default_rng(20250101).random((R.shape[1], 2))
    key = np.column_stack([h, np.diff(R.indptr)])
    _, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inv = inv.ravel()
    if (R - R[first[inv]]).count_nonzero():  # a collision: fall back to exact keys
        rows = [R.indices[a:b].tobytes() + R.data[a:b].tobytes() for a, b in zip(R.indptr[:-1], R.indptr[1:])]
        _, first, inv = np.unique(np.array(rows, dtype=object), return_index=True, return_inverse=True)
    return R[first], inv.ravel().astype(np.int64)


@dataclass
class Pieces:
    """An instance reduced to pieces (group, class) and count variables v[g, m]."""

    n_sites: int
    V: sp.csr_matrix       # (NV, J): v = V @ n
    H: sp.csr_matrix       # (K, NV): u = H @ v, entries F[m, c]
    w: np.ndarray          # (K,) weights
    sub: sp.csr_matrix     # (K, NV): subadditive coefficients, z <= sub @ v
    z_max: np.ndarray      # (K,) g(largest reachable hazard)
    HL: sp.csr_matrix      # (K, NV): the lattice entries of H (equal one-unit hazards)
    step: sp.csr_matrix    # (K, NV): one-unit hazard of each lattice entry
    kmax: np.ndarray       # (NV,) most units any plan puts in reach of the group from m
    cmin: np.ndarray       # (NV,) cheapest such unit (USD), for the joint budget
    budget_limit_usd: float  # the budget with its tolerance (Instance.budget_limit_usd)
    cells: int
    groups: int
    reach: sp.csr_matrix | None = None  # (X, J) verified only: r_x = reach @ n, units of group q in time for piece k
    vk: np.ndarray | None = None        # (X,) the piece k of each reach row
    valpha: np.ndarray | None = None    # (X,) the availability alpha_q of its verifier group
    side: np.ndarray | None = None      # (K,) with max_side_gap: the side of each piece (0 A, 1 B)
    side_weight: np.ndarray | None = None  # (2,) with max_side_gap: each side's share of all violations
    group: np.ndarray | None = None     # (K,) with segments (Instance.has_segments): each piece's group
    group_weight: np.ndarray | None = None  # (groups,) with segments: each group's share of all violations

    @classmethod
    def from_instance(cls, inst: Instance) -> "Pieces":
        verified = inst.base == "verified" and inst.verify is not None
        J = inst.n_sites
        # for V, cells merge only where both their hazards and their verifiers' reach agree
        merged, inv = merge_rows(_merge_key(inst, verified))
        Bg = merged[:, :J]
        n_groups = Bg.shape[0]
        W = np.zeros((n_groups, inst.W.shape[1]))
        np.add.at(W, inv, inst.W)
        WS = W * inst.share
        Fu, fgroup = np.unique(inst.F, axis=0, return_inverse=True)
        fgroup = fgroup.ravel()
        M = len(Fu)
        E = Bg.tocoo()
        key = E.row.astype(np.int64) * M + fgroup[E.col]
        vkey, vid = np.unique(key, return_inverse=True)
        vid = vid.ravel()
        NV = len(vkey)
        vg, vm = vkey // M, vkey % M
        V = sp.csr_matrix((E.data, (vid, E.col)), shape=(NV, J))
        bmin = np.full(NV, np.inf)
        bmax = np.zeros(NV)
        np.minimum.at(bmin, vid, E.data)
        np.maximum.at(bmax, vid, E.data)
        cap = inst.site_cap.astype(float)
        kmax = np.zeros(NV)
        np.add.at(kmax, vid, cap[E.col])
        cmin = np.full(NV, np.inf)
        np.minimum.at(cmin, vid, inst.cost_usd[E.col])
        kmax = np.minimum(kmax, np.where(cmin > 0, inst.units_within_budget(np.maximum(cmin, 1e-300)), np.inf))
        omin = np.full(NV, np.inf)
        np.minimum.at(omin, vid, inst.observers[E.col])
        if np.isfinite(inst.max_observers):
            kmax = np.minimum(kmax, np.where(omin > 0, np.floor(inst.max_observers / np.maximum(omin, 1e-300) + 1e-9), np.inf))
        acap = np.zeros(M)  # units the asset caps allow per factor group
        for m in range(M):
            acap[m] = float(inst.asset_cap[np.unique(inst.site_asset[fgroup == m])].astype(float).sum())
        kmax = np.minimum(kmax, acap[vm])

        gi, ci = np.nonzero(WS > 0)
        K = len(gi)
        # piece k holds the entries of its group g: rows of (K, NV) built by repeating group slices
        starts = np.searchsorted(vg, np.arange(n_groups + 1))
        cnt = np.diff(starts)[gi]
        pk = np.repeat(np.arange(K), cnt)
        pv = np.arange(len(pk)) - np.repeat(np.cumsum(cnt) - cnt, cnt) + np.repeat(starts[gi], cnt)
        f = Fu[vm[pv], ci[pk]]
        keep = f > 0
        pk, pv, f = pk[keep], pv[keep], f[keep]
        lo, hi = f * bmin[pv], f * bmax[pv]
        ratio = g(lo) / lo  # g(x_lo) / x_lo per unit of hazard
        shape = (K, NV)
        umax = np.bincount(pk, weights=hi * kmax[pv], minlength=K)
        lat = lo == hi
        more = {**(_reach_rows(inst, merged, gi, ci) if verified else {}), **_parts(inst, inv, n_groups, gi, ci, WS)}
        return cls(n_sites=J, V=V, H=sp.csr_matrix((f, (pk, pv)), shape=shape), w=WS[gi, ci], **more,
                   sub=sp.csr_matrix((f * ratio, (pk, pv)), shape=shape), z_max=g(umax),
                   HL=sp.csr_matrix((f[lat], (pk[lat], pv[lat])), shape=shape),
                   step=sp.csr_matrix((lo[lat], (pk[lat], pv[lat])), shape=shape),
                   kmax=kmax, cmin=cmin, budget_limit_usd=inst.budget_limit_usd, cells=inst.B.shape[0], groups=n_groups)

    def z_used(self, z: np.ndarray, x: np.ndarray | None) -> np.ndarray:
        """The part of z the objective uses: z itself for D, min(z, sum_q x_kq) for V."""
        if self.vk is None or x is None:
            return z
        return np.minimum(z, np.bincount(self.vk, weights=x, minlength=self.K))

    @property
    def K(self) -> int:
        return len(self.w)

    def hazard(self, n: np.ndarray) -> np.ndarray:
        """u_k of a plan (fractional plans too)."""
        return self.H @ (self.V @ np.asarray(n, float))

    def score(self, n: np.ndarray) -> float:
        return float(self.w @ g(self.hazard(n)))

    def lattice_hazard(self, n: np.ndarray) -> np.ndarray:
        """u_L: the part of u_k from lattice entries."""
        return self.HL @ (self.V @ np.asarray(n, float))

    def cuts_at(self, u: np.ndarray, uL: np.ndarray, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(alpha, sigma, tau) of the tightest cut this module knows at hazards u, u_L for pieces ks.

        The cut is z_k <= alpha + sigma u_L + tau (u_k - u_L): of the secant over the lattice
        points around u_L (see the module docstring) and the tangent at u_k, the one lower at
        (u_L, u_k). The tangent wins where u_L has no gap around it, and at whole plans with
        hazard from non-lattice entries, where it is exact and the secant is not.
        """
        u, uL = np.asarray(u, float)[ks], np.asarray(uL, float)[ks]
        t1, t2 = self.lattice_neighbours(uL, ks)
        e = np.exp(-u)
        a_tan = g(u) - u * e
        secant = np.isfinite(t2) & (t2 > t1 + 1e-12)
        sigma = np.where(secant, (g(t2) - g(t1)) / np.where(secant, t2 - t1, 1.0), e)
        alpha = np.where(secant, g(t1) - sigma * t1, a_tan)
        tau = np.where(secant, np.exp(-t1), e)
        tangent = alpha + sigma * uL + tau * (u - uL) > g(u)
        return np.where(tangent, a_tan, alpha), np.where(tangent, e, sigma), np.where(tangent, e, tau)

    def lattice_neighbours(self, u: np.ndarray, ks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each piece, the largest lattice point <= u and the smallest > u (inf if there is none,
        or if there are too many count vectors to enumerate: the caller then uses a tangent)."""
        st = self.step[ks]
        nk = len(ks)
        per = np.diff(st.indptr)
        width = int(per.max()) if nk else 0
        pos = np.arange(st.nnz) - np.repeat(st.indptr[:-1], per)
        L = np.zeros((nk, width))
        Kb = np.zeros((nk, width), np.int64)
        Cm = np.zeros((nk, width))
        row = np.repeat(np.arange(nk), per)
        L[row, pos] = st.data
        # beyond floor(u / step) + 1 units of one kind, the hazard only grows past what matters
        Kb[row, pos] = np.minimum(self.kmax[st.indices], np.floor(u[row] / st.data) + 1).astype(np.int64)
        Cm[row, pos] = self.cmin[st.indices]
        radix = Kb + 1
        combos = np.prod(radix.astype(float), axis=1)
        t1 = np.zeros(nk)  # no units: hazard 0 is always a lattice point
        t2 = np.full(nk, np.inf)
        many = combos > MAX_COMBOS
        limit = np.where(many, 0.0, combos)
        order = np.argsort(-limit, kind="stable")
        limit = limit[order]
        Lo, Ro, Co, uo = L[order], radix[order], Cm[order], u[order]
        strides = np.cumprod(np.concatenate([np.ones((nk, 1), np.int64), Ro[:, :-1]], axis=1), axis=1)
        t1o, t2o = t1[order], t2[order]
        tol = 1e-9
        for t in range(1, int(limit.max()) if nk else 0):
            a = int(np.searchsorted(-limit, -t, side="left"))  # pieces with limit > t come first
            if a == 0:
                break
            c = (t // strides[:a]) % Ro[:a]
            point = (c * Lo[:a]).sum(axis=1)
            ok = (c * Co[:a]).sum(axis=1) <= self.budget_limit_usd
            uu = uo[:a]
            t1o[:a] = np.where(ok & (point <= uu + tol), np.maximum(t1o[:a], point), t1o[:a])
            t2o[:a] = np.where(ok & (point > uu + tol), np.minimum(t2o[:a], point), t2o[:a])
        t1[order], t2[order] = t1o, t2o
        t2[many] = np.inf
        return t1, t2


def _merge_key(inst: Instance, verified: bool) -> sp.csr_matrix:
    """The rows cells merge on: B's, then for V every R_c's, then with max_side_gap the side and
    with segments the segment (so a piece holds one side's, one segment's cells only)."""
    blocks = [inst.B] + (list(inst.verify.R) if verified else [])
    if inst.has_parity:
        blocks.append(sp.csr_matrix((inst.cell_side.astype(float) + 1.0)[:, None]))
    if inst.has_segments:
        blocks.append(sp.csr_matrix((inst.cell_segment.astype(float) + 1.0)[:, None]))
    return sp.hstack(blocks).tocsr() if len(blocks) > 1 else sp.csr_matrix(inst.B)


def _parts(inst: Instance, inv: np.ndarray, n_groups: int, gi: np.ndarray, ci: np.ndarray, WS: np.ndarray) -> dict:
    """Pieces' sides (with max_side_gap) and groups (with segments), and their shares of all violations."""
    return {**_sides(inst, inv, n_groups, gi), **_groups(inst, inv, n_groups, gi, ci, WS[gi, ci])}


def _sides(inst: Instance, inv: np.ndarray, n_groups: int, gi: np.ndarray) -> dict:
    """With max_side_gap: each piece's side and each side's share of all violations (none otherwise)."""
    if not inst.has_parity:
        return {}
    side_g = np.zeros(n_groups, np.int64)
    side_g[inv] = inst.cell_side
    return {"side": side_g[gi],
            "side_weight": np.bincount(inst.cell_side, weights=(inst.W * inst.share).sum(axis=1), minlength=2)}


def _groups(inst: Instance, inv: np.ndarray, n_groups: int, gi: np.ndarray, ci: np.ndarray, w: np.ndarray) -> dict:
    """With segments: each piece's group (its segment, or (segment, class) with per_class) and each
    group's share of all violations (none otherwise)."""
    if not inst.has_segments:
        return {}
    seg = np.zeros(n_groups, np.int64)
    seg[inv] = inst.cell_segment
    C = inst.W.shape[1]
    group = seg[gi] * C + ci if inst.per_class else seg[gi]
    return {"group": group, "group_weight": np.bincount(group, weights=w)}


def _reach_rows(inst: Instance, merged: sp.csr_matrix, gi: np.ndarray, ci: np.ndarray) -> dict:
    """Pieces' reach rows for V: for each piece k = (g, c) and verifier group q with a site in
    reach in time, the row sum_{j of q} R_c[g, j] n_j (see `exact/program.py`)."""
    J, ver = inst.n_sites, inst.verify
    rows, vk, va = [], [], []
    for c in range(len(ver.R)):
        sel = np.flatnonzero(ci == c)
        Rs = merged[:, J * (c + 1):J * (c + 2)][gi[sel]]
        for q in range(ver.Q):
            M = (Rs @ sp.diags((ver.group == q).astype(float))).tocsr()
            M.eliminate_zeros()
            nz = np.diff(M.indptr) > 0
            rows.append(M[nz])
            vk.append(sel[nz])
            va.append(np.full(int(nz.sum()), ver.alpha[q]))
    if not rows:
        return {"reach": sp.csr_matrix((0, J)), "vk": np.zeros(0, np.int64), "valpha": np.zeros(0)}
    return {"reach": sp.vstack(rows).tocsr(), "vk": np.concatenate(vk).astype(np.int64), "valpha": np.concatenate(va)}
