"""Detection hazards of one unit of each asset kind (docs/model.md, "Detection").

A unit at site j misses a violation of class c in cell i with probability exp(-a[i, j, c]).
Every kind factors as a[i, j, c] = b[i, j] * f[j, c]: a pattern b over cells in reach of
the site, times a factor per class. That keeps one sparse matrix for all classes.

    sensor:  b = 1 within radius_km,             f_c = -ln(1 - availability * p_c)
    drone,   b = lambda_j = S / (24 A_j)         f_c = tau_c * p_c
    patrol:  within radius_km,                   (Koopman's random search: a = lambda tau p)

S is the area one unit sweeps a day (km^2) and A_j the zone area within its reach, so
lambda_j is how often a point of that area is passed per hour.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .schema import SIDES, AssetBase, Scenario

# A miss probability of exp(-40) ~ 4e-18 stands for "never misses" (p = 1), so that
# yes/no coverage stays finite for the solvers and sums of hazards stay exact.
MAX_HAZARD = 40.0


def sweep_km2_per_day(asset: AssetBase) -> float:
    """Area one mobile unit searches a day; 0 for sensors."""
    return float(getattr(asset, "sweep_km2_per_day", 0.0))


def class_factors(s: Scenario, asset: AssetBase) -> np.ndarray:
    """f[c] for one asset, over the scenario's violation classes."""
    classes = s.violations.classes
    p = np.array([s.p_detect(asset, c) for c in classes])
    if asset.kind == "sensor":
        q = asset.availability * p
        with np.errstate(divide="ignore"):
            return np.minimum(-np.log1p(-q), MAX_HAZARD)
    tau = np.array([c.duration_h for c in classes])
    return tau * p


def entry_table(asset: AssetBase) -> np.ndarray:
    """(2, 2) bool: may a unit standing on side s watch or visit a cell on side t (`enters`)."""
    return np.array([[t in asset.entered_sides(s) for t in SIDES] for s in SIDES])


def reach(asset: AssetBase, cell_tree: cKDTree, cell_side: np.ndarray,
          site_xy: np.ndarray, site_side: np.ndarray, radius_km: float | None = None,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell, site, distance) of pairs within radius_km (the asset's by default), on the sides it enters.

    One KD-tree query over all sites of the asset (no loop over cells x sites).
    """
    radius_km = asset.radius_km if radius_km is None else radius_km
    if len(site_xy) == 0 or radius_km <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    site_tree = cKDTree(site_xy)
    m = site_tree.sparse_distance_matrix(cell_tree, radius_km, output_type="ndarray")
    j, i, d = m["i"].astype(np.int64), m["j"].astype(np.int64), m["v"]
    keep = entry_table(asset)[site_side[j], cell_side[i]]
    i, j, d = i[keep], j[keep], d[keep]
    order = np.lexsort((i, j))
    return i[order], j[order], d[order]


def verify_reach(s: Scenario, asset: AssetBase, i: np.ndarray, j: np.ndarray, d_km: np.ndarray) -> list[np.ndarray]:
    """Per class, a mask over the pairs (i, j, d) in reach: can a verifier at j reach cell i in time?

        team:   dispatch_h + road_factor d / response_speed_kmh <= verify_within_h,  d <= radius_km
        drone:  dispatch_h + d / speed_kmh                      <= verify_within_h,  d <= radius_km

    (`AssetBase.verify_reach_km` gives the distance each allows.) None reach for a unit that does not verify.
    """
    return [d_km <= asset.verify_reach_km(c.verify_window_h) for c in s.violations.classes]


def pattern(asset: AssetBase, i: np.ndarray, j: np.ndarray, n_sites: int,
            cell_area_km2: np.ndarray) -> np.ndarray:
    """b[i, j] for the pairs in reach: 1 for sensors, lambda_j = S / (24 A_j) for mobile assets."""
    if asset.kind == "sensor":
        return np.ones(len(i))
    area_j = np.bincount(j, weights=cell_area_km2[i], minlength=n_sites)
    lam = np.divide(sweep_km2_per_day(asset) / 24.0, area_j, out=np.zeros(n_sites), where=area_j > 0)
    return lam[j]
