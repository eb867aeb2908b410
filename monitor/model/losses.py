"""Losses: what a plan detects after the k units whose loss hurts most are gone (a strike, a
jammer on one site, a breakdown), for k = 1..K.

The damage of losing a set S of placed units is d(S) = D(n) - D(n - S). Found two ways:

- exhaustive, over every set of k placed units, when there are at most `exhaustive_limit` of
  them: the worst k losses exactly;
- otherwise greedy: take out the unit whose loss hurts most now, k times. A set of k losses
  that does at least this much damage exists, so D after the worst k losses is at most the
  figure reported.

Bound. D is monotone submodular, so D(n) <= D(n - S) + D(S) <= D(n - S) + sum_{e in S} D({e}):
no k losses do more damage than the k largest single-unit scores D({e}) summed. D after the
worst k losses is therefore at least D(n) - (that sum), reported as `detection_at_least`.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .instance import Instance

EXHAUSTIVE_LIMIT = 100  # sets of k units scored one by one at most (a report stays quick); beyond, greedy


def _units(units: np.ndarray) -> np.ndarray:
    """Each placed unit as its site index (a site with 3 units appears 3 times)."""
    n = np.asarray(units, int)
    return np.repeat(np.arange(len(n)), np.maximum(n, 0))


def removal_losses(inst: Instance, miss: np.ndarray) -> np.ndarray:
    """D(n) - D(n - e_j) for every site j (meaningful where n_j > 0), from the plan's miss
    probabilities exp(-u): sum_{i, c} WS miss (e^{b f} - 1). Greedy's swaps use it too."""
    B = inst.B.tocsc()
    col = np.repeat(np.arange(B.shape[1]), np.diff(B.indptr))
    WS = inst.W * inst.share
    h = B.data[:, None] * inst.F[col]
    per = (WS[B.indices] * miss[B.indices] * np.expm1(h)).sum(axis=1)
    return np.bincount(col, weights=per, minlength=inst.n_sites)


def single_scores(inst: Instance) -> np.ndarray:
    """D({e}) for one unit at each site: sum_{i, c} WS (1 - e^{-b f})."""
    B = inst.B.tocsc()
    col = np.repeat(np.arange(B.shape[1]), np.diff(B.indptr))
    WS = inst.W * inst.share
    per = (WS[B.indices] * -np.expm1(-B.data[:, None] * inst.F[col])).sum(axis=1)
    return np.bincount(col, weights=per, minlength=inst.n_sites)


def worst_losses(inst: Instance, units: np.ndarray, K: int, exhaustive_limit: int = EXHAUSTIVE_LIMIT) -> list[dict]:
    """For k = 1..K (at most the units placed): the sites lost, D after the loss, the method, and
    the bound on D after the worst k losses (module doc)."""
    n = np.asarray(units, int)
    placed = _units(n)
    D0 = inst.detected(n)
    alone = np.sort(single_scores(inst)[placed])[::-1]
    out, greedy_lost = [], []
    left = n.copy()
    for k in range(1, min(K, len(placed)) + 1):
        j = int(np.argmax(np.where(left > 0, removal_losses(inst, np.exp(-inst.hazard(left))), -np.inf)))
        left[j] -= 1
        greedy_lost.append(j)
        lost, value, method = list(greedy_lost), inst.detected(left), "greedy"
        if math.comb(len(placed), k) <= exhaustive_limit:
            lost, value = _exhaustive(inst, n, placed, k)
            method = "exhaustive"
        out.append({"k": k, "lost_sites": [int(x) for x in lost], "detection": value, "method": method,
                    "detection_at_least": max(D0 - float(alone[:k].sum()), 0.0)})
    return out


def _exhaustive(inst: Instance, n: np.ndarray, placed: np.ndarray, k: int) -> tuple[list[int], float]:
    """The k placed units whose loss leaves the least detection, by scoring every set."""
    best, best_v = None, np.inf
    for combo in set(itertools.combinations(placed.tolist(), k)):
        m = n.copy()
        np.subtract.at(m, list(combo), 1)
        v = inst.detected(m)
        if v < best_v - 1e-15 or (abs(v - best_v) <= 1e-15 and combo < best):
            best, best_v = combo, v
    return list(best), float(best_v)
