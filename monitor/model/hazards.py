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

from .schema import AssetBase, Scenario

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


def reach(asset: AssetBase, cell_tree: cKDTree, cell_side: np.ndarray,
          site_xy: np.ndarray, site_side: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(cell, site) pairs within radius_km, on the site's own side unless the asset crosses the line.

    One KD-tree query over all sites of the asset (no loop over cells x sites).
    """
    if len(site_xy) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    site_tree = cKDTree(site_xy)
    m = site_tree.sparse_distance_matrix(cell_tree, asset.radius_km, output_type="ndarray")
    j, i = m["i"].astype(np.int64), m["j"].astype(np.int64)
    if not asset.crosses_line:
        keep = cell_side[i] == site_side[j]
        i, j = i[keep], j[keep]
    order = np.lexsort((i, j))
    return i[order], j[order]


def pattern(asset: AssetBase, i: np.ndarray, j: np.ndarray, n_sites: int,
            cell_area_km2: np.ndarray) -> np.ndarray:
    """b[i, j] for the pairs in reach: 1 for sensors, lambda_j = S / (24 A_j) for mobile assets."""
    if asset.kind == "sensor":
        return np.ones(len(i))
    area_j = np.bincount(j, weights=cell_area_km2[i], minlength=n_sites)
    lam = np.divide(sweep_km2_per_day(asset) / 24.0, area_j, out=np.zeros(n_sites), where=area_j > 0)
    return lam[j]
