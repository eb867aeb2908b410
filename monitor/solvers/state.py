"""A plan's running state for greedy and swap: its score and every site's gain and loss, vectorised.

Two objectives share one interface (`objective`, `gain`, `all_gains`, `losses`, `add`):

Detection D. With miss[i, c] = exp(-u[i, c]) the chance nothing placed sees a violation,

    gain(j | n) = sum_c share_c sum_i w[i, c] miss[i, c] (1 - exp(-b[i, j] f[j, c]))
    loss(j | n) = sum_c share_c sum_i w[i, c] miss[i, c] (exp(b[i, j] f[j, c]) - 1)

Verified V (see `model/instance.py`). With P = 1 - miss and rho[i, c] the availability of
the best verifier group with a unit in reach in time (r[i, c, q] >= 1 units of group q),

    gain(j | n) = sum_{i, c} share_c w[i, c] (P'[i, c] rho'[i, c] - P[i, c] rho[i, c])
    P' = 1 - miss exp(-b[i, j] f[j, c]),  rho' = max(rho, alpha_q(j) R_c[i, j])

and a loss likewise with the unit taken out (r falls by R_c[i, j]; rho is the best group left).
Each is one pass over the nonzeros of the union of B's and the R_c's patterns. V is not
submodular (a team makes the towers around it worth more), so greedy on V recomputes every
gain after each unit rather than trusting stale ones.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..model.instance import Instance
from ..model.losses import removal_losses


class CoverageState:
    """Miss probabilities exp(-u[i, c]) of a plan, with vectorised marginal gains of D."""

    def __init__(self, inst: Instance, units: np.ndarray | None = None):
        self.inst = inst
        self.WS = inst.W * inst.share  # w[i, c] * share_c
        B = inst.B
        self.indptr, self.rows, self.b = B.indptr, B.indices, B.data
        self.col = np.repeat(np.arange(B.shape[1]), np.diff(self.indptr))
        self.units = np.zeros(inst.n_sites, int) if units is None else np.asarray(units, int).copy()
        self.miss = np.exp(-inst.hazard(self.units))

    def objective(self) -> float:
        return float((self.WS * (1.0 - self.miss)).sum())

    def entry_gains(self, sl: slice = slice(None)) -> np.ndarray:
        """(entries, classes) what one more unit of each entry's site adds to share_c w P at its cell."""
        r = self.rows[sl]
        h = self.b[sl, None] * self.inst.F[self.col[sl]]
        return self.WS[r] * self.miss[r] * -np.expm1(-h)

    def gain(self, j: int) -> float:
        return float(self.entry_gains(slice(self.indptr[j], self.indptr[j + 1])).sum())

    def all_gains(self) -> np.ndarray:
        """gain(j | n) for every site at once, from the nonzeros of B."""
        return np.bincount(self.col, weights=self.entry_gains().sum(axis=1), minlength=self.inst.n_sites)

    def losses(self) -> np.ndarray:
        """loss(j | n): what removing one unit at j costs, for every site (`model/losses.py`)."""
        return removal_losses(self.inst, self.miss)

    def add(self, j: int, k: int = 1) -> None:
        """k more units at j (k < 0 takes units out)."""
        lo, hi = self.indptr[j], self.indptr[j + 1]
        r = self.rows[lo:hi]
        self.miss[r] *= np.exp(-k * self.b[lo:hi, None] * self.inst.F[j])
        self.units[j] += k


def _lookup(M: sp.csc_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """M[rows, cols] for many pairs at once (0 where M has no entry), by sorted keys col * n_rows + row."""
    M = sp.csc_matrix(M)
    M.sort_indices()
    key = np.repeat(np.arange(M.shape[1], dtype=np.int64), np.diff(M.indptr)) * M.shape[0] + M.indices
    want = cols.astype(np.int64) * M.shape[0] + rows
    at = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    hit = (key[at] == want) if len(key) else np.zeros(len(want), bool)
    return np.where(hit, M.data[at] if len(key) else 0.0, 0.0)


class VerifiedState:
    """A plan's P[i, c], verifier counts r[i, c, q] and rho[i, c], with vectorised gains and losses of V."""

    def __init__(self, inst: Instance, units: np.ndarray | None = None):
        self.inst = inst
        ver = inst.verify
        self.WS = inst.W * inst.share
        self.alpha = ver.alpha
        pattern = abs(inst.B).astype(bool).astype(float)
        for Rc in ver.R:
            pattern = pattern + Rc
        U = sp.csc_matrix(pattern)
        U.sort_indices()
        self.indptr, self.rows = U.indptr, U.indices
        self.col = np.repeat(np.arange(U.shape[1]), np.diff(self.indptr))
        self.b = _lookup(inst.B, self.rows, self.col)
        self.reach = np.stack([_lookup(Rc, self.rows, self.col) > 0 for Rc in ver.R], axis=1)  # (nnz, C)
        self.grp = ver.group[self.col]  # (nnz,) verifier group of the entry's site, -1 if none
        self.units = np.zeros(inst.n_sites, int) if units is None else np.asarray(units, int).copy()
        self.miss = np.exp(-inst.hazard(self.units))
        self.r = ver.counts(self.units)  # (cells, C, Q)
        self._rho = ver.rho_of
        self.rho = self._rho(self.r)

    def objective(self) -> float:
        return float((self.WS * (1.0 - self.miss) * self.rho).sum())

    def entry_gains(self, sl: slice = slice(None)) -> np.ndarray:
        """(entries, classes) what one more unit of each entry's site adds to share_c w P rho at its cell."""
        r, grp, reach = self.rows[sl], self.grp[sl], self.reach[sl]
        h = self.b[sl, None] * self.inst.F[self.col[sl]]
        P0 = 1.0 - self.miss[r]
        P1 = 1.0 - self.miss[r] * np.exp(-h)
        a = np.where(grp >= 0, self.alpha[np.maximum(grp, 0)] if len(self.alpha) else 0.0, 0.0)
        rho0 = self.rho[r]
        rho1 = np.where(reach, np.maximum(rho0, a[:, None]), rho0)
        return self.WS[r] * (P1 * rho1 - P0 * rho0)

    def gain(self, j: int) -> float:
        return float(self.entry_gains(slice(self.indptr[j], self.indptr[j + 1])).sum())

    def all_gains(self) -> np.ndarray:
        return np.bincount(self.col, weights=self.entry_gains().sum(axis=1), minlength=self.inst.n_sites)

    def losses(self) -> np.ndarray:
        """loss(j | n): what removing one unit at j costs, for every site (meaningful where n_j > 0)."""
        r = self.rows
        h = self.b[:, None] * self.inst.F[self.col]
        P0 = 1.0 - self.miss[r]
        P1 = 1.0 - self.miss[r] * np.exp(h)
        cnt = self.r[r].copy()  # (nnz, C, Q)
        mine = np.flatnonzero(self.grp >= 0)
        cnt[mine, :, self.grp[mine]] -= self.reach[mine]
        per_nz = (self.WS[r] * (P0 * self.rho[r] - P1 * self._rho(cnt))).sum(axis=1)
        return np.bincount(self.col, weights=per_nz, minlength=self.inst.n_sites)

    def add(self, j: int, k: int = 1) -> None:
        """k more units at j (k < 0 takes units out)."""
        lo, hi = self.indptr[j], self.indptr[j + 1]
        r = self.rows[lo:hi]
        self.miss[r] *= np.exp(-k * self.b[lo:hi, None] * self.inst.F[j])
        q = self.inst.verify.group[j]
        if q >= 0:
            self.r[r, :, q] += k * self.reach[lo:hi]
            self.rho[r] = self._rho(self.r[r])
        self.units[j] += k


def state_for(inst: Instance, units: np.ndarray | None = None):
    """The running state of the instance's measure (`Instance.base`): VerifiedState for "verified",
    else CoverageState. Its objective() is the expected score; worst_segment builds on it (segments.py)."""
    if inst.base == "verified":
        if inst.verify is None:
            return _NoVerifier(inst, units)
        return VerifiedState(inst, units)
    return CoverageState(inst, units)


class _NoVerifier(CoverageState):
    """V when no asset verifies: every plan scores 0."""

    def objective(self) -> float:
        return 0.0

    def entry_gains(self, sl: slice = slice(None)) -> np.ndarray:
        return np.zeros((len(self.rows[sl]), self.WS.shape[1]))

    def gain(self, j: int) -> float:
        return 0.0

    def all_gains(self) -> np.ndarray:
        return np.zeros(self.inst.n_sites)

    def losses(self) -> np.ndarray:
        return np.zeros(self.inst.n_sites)
