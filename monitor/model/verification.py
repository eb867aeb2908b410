"""What a plan's verifiers achieve: verified detection V, who is out of their reach, and how fast they come.

    V = sum_c share_c sum_i w[i, c] P[i, c] rho[i, c]     (see `instance.py`)

Reach. A placed verifier reaches a cell when it is within the verifier's radius_km on a side
it may enter (`enters`). The share of detected violations no verifier reaches at all, whatever
the window, is `detected_unreachable_share` (of all violations, `unreachable_share`); V also
needs the verifier there within the class's verify_within_h.

Response time. From the alert to a verifier on the spot, by the fastest placed verifier that
reaches the cell:

    team:   dispatch_h + road_factor * d / response_speed_kmh
    drone:  dispatch_h + d / speed_kmh          (drones that verify)

with d the straight-line distance. Mean and 90th percentile are over the detected violations
a verifier reaches (weights share_c w[i, c] P[i, c]); the unreachable ones are reported beside
them as a share, never averaged in as zeros or left out silently.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .build import ScenarioModel
from .hazards import entry_table


def verification_metrics(model: ScenarioModel, units: np.ndarray, P: np.ndarray | None = None,
                         VP: np.ndarray | None = None) -> dict:
    """V overall, by class and side; unreachable share; response mean and p90 (plan.json `metrics`).
    P and VP per cell (over outage states) when the caller has them already."""
    s, inst, cells = model.scenario, model.instance, model.cells
    WS = inst.cell_W * inst.share  # per cell; P and VP over outage states by their probability
    P = inst.fold(inst.detection_by_cell(units)) if P is None else P
    VP = inst.fold(inst.verified_by_cell(units)) if VP is None else VP
    names = [c.name for c in s.violations.classes]
    by_side = {}
    for k, name in enumerate(model.sides):
        m = cells.side == k
        weight = float(WS[m].sum())
        by_side[name] = float((WS[m] * VP[m]).sum() / weight) if weight > 0 else None
    t = response_hours(model, units)  # (cells,), inf where no verifier reaches
    det = (WS * P).sum(axis=1)
    reach = np.isfinite(t)
    D = float(det.sum())
    out = {
        "verified": float((WS * VP).sum()),
        "verified_by_class": {n_: float((inst.cell_W[:, c] * VP[:, c]).sum()) for c, n_ in enumerate(names)},
        "verified_by_side": by_side,
        "verified_share_of_detected": float((WS * VP).sum()) / D if D > 0 else None,
        "detected_unreachable_share": float(det[~reach].sum()) / D if D > 0 else None,
        "unreachable_share": float(WS.sum(axis=1)[~reach].sum() / WS.sum()) if WS.sum() > 0 else None,
        "mean_response_h": None, "p90_response_h": None,
    }
    if (det[reach] > 0).any():
        out["mean_response_h"] = float((det[reach] * t[reach]).sum() / det[reach].sum())
        out["p90_response_h"] = weighted_quantile(t[reach], det[reach], 0.9)
    return out


def verified_share_by_cell(model: ScenarioModel, units: np.ndarray) -> np.ndarray:
    """Per cell, the share of its violations (all classes, by share) detected and verified in time."""
    inst = model.instance
    return inst.share_by_cell(inst.verified_by_cell(units))


def response_hours(model: ScenarioModel, units: np.ndarray) -> np.ndarray:
    """Per cell, hours from the alert to the fastest placed verifier on the spot (inf: none reaches it)."""
    s, sites, cells = model.scenario, model.sites, model.cells
    n = np.asarray(units)
    best = np.full(len(cells), np.inf)
    for ai, a in enumerate(s.assets):
        if not getattr(a, "verifies", False):
            continue
        placed = np.flatnonzero((sites.asset == ai) & (n > 0))
        if len(placed) == 0:
            continue
        speed = a.verify_speed_kmh
        enters = entry_table(a)
        for side in (0, 1):
            here = placed[enters[sites.side[placed], side]]
            target = np.flatnonzero(cells.side == side)
            if len(here) == 0 or len(target) == 0:
                continue
            d, _ = cKDTree(sites.xy_km[here]).query(cells.xy_km[target], distance_upper_bound=a.radius_km)
            hours = np.where(np.isfinite(d), a.dispatch_h + d / speed, np.inf)
            best[target] = np.minimum(best[target], hours)
    return best


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value v with at least a share q of the weight at or below v."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order])
    return float(values[order][min(int(np.searchsorted(cum, q * cum[-1] - 1e-12 * cum[-1])), len(order) - 1)])
