"""Detection hazards of one unit of each asset kind (docs/model.md, "Detection").

A unit at site j misses a violation of class c in cell i with probability exp(-a[i, j, c]).
Every kind factors as a[i, j, c] = b[i, j] * f[j, c]: a pattern b over cells in reach of
the site, times a factor per class. That keeps one sparse matrix for all classes.

    sensor:     b = 1 within radius_km,       f_c = -ln(1 - availability * p_c)
    drone,      b = lambda_j = S / (24 A_j)   f_c = tau_c * p_c
    patrol:     within radius_km,             (Koopman's random search: a = lambda tau p)
    satellite:  b = r_j in its sector,        f_c = tau_c * p_c   (Poisson looks: a = r tau p)
    inspection: b = 1 in its sector,          f_c = -ln(1 - P_c), P_c = 1 - (1 - q)^k (1 - phi q)

S is the area one unit sweeps a day (km^2) and A_j the zone area within its reach, so
lambda_j is how often a point of that area is passed per hour. A satellite's usable looks
come at r_j = availability * usable_share * min(1 / revisit_h, area_km2_per_day / (24 A_j))
an hour: the revisit, or the tasking capacity spread over a sector too large for it. An
inspection every T = 24 cycle_days hours, at a phase the violator does not know, falls
k = floor(tau / T) or k + 1 times into a violation lasting tau, the extra one with chance
phi = tau / T - k; each look notices it with q = availability * p. For tau < T that is
tau / T * q, the issue's min(1, tau / T) p; the Poisson form 1 - exp(-tau q / T) would
understate a fixed cycle (0.63 q instead of q at tau = T).
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
    tau = np.array([c.duration_h for c in classes])
    if asset.kind == "inspection":
        return inspection_factors(tau, p, asset.availability, asset.cycle_h)
    if asset.kind == "sensor":
        q = asset.availability * p
        with np.errstate(divide="ignore"):
            return np.minimum(-np.log1p(-q), MAX_HAZARD)
    return tau * p


def inspection_factors(tau_h: np.ndarray, p: np.ndarray, availability: float, cycle_h: float) -> np.ndarray:
    """-ln(1 - P) with P = 1 - (1 - q)^k (1 - phi q), k = floor(tau / T), phi = tau / T - k, q = availability p."""
    ratio = np.asarray(tau_h, float) / cycle_h
    k = np.floor(ratio)
    phi = ratio - k
    q = availability * np.asarray(p, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = -k * np.log1p(-q) - np.log1p(-phi * q)
    return np.minimum(np.nan_to_num(a, nan=MAX_HAZARD, posinf=MAX_HAZARD), MAX_HAZARD)


def look_rate_per_h(asset: AssetBase, sector_km2: np.ndarray) -> np.ndarray:
    """r = availability x usable_share x min(1 / revisit_h, area_km2_per_day / (24 A)): a satellite unit's
    usable looks an hour at a point of a sector of A km2 (its tasking capacity spread over the sector)."""
    a = np.asarray(sector_km2, float)
    capacity = np.divide(asset.area_km2_per_day, 24 * a, out=np.zeros_like(a), where=a > 0)
    return asset.availability * asset.usable_share * np.minimum(1 / asset.revisit_h, capacity)


def zone_mask(s: Scenario, asset: AssetBase, cell_zone: np.ndarray) -> np.ndarray | None:
    """Cells of the zones the asset watches (`zones`), or None for all."""
    if asset.zones is None:
        return None
    return np.isin(cell_zone, [k for k, z in enumerate(s.zones) if z.name in asset.zones])


def entry_table(asset: AssetBase) -> np.ndarray:
    """(2, 2) bool: may a unit standing on side s watch or visit a cell on side t (`enters`)."""
    return np.array([[t in asset.entered_sides(s) for t in SIDES] for s in SIDES])


def reach(asset: AssetBase, cell_tree: cKDTree, cell_side: np.ndarray,
          site_xy: np.ndarray, site_side: np.ndarray, radius_km: float | None = None,
          cell_ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell, site, distance) of pairs within radius_km (the asset's by default), on the sides it enters.

    One KD-tree query over all sites of the asset (no loop over cells x sites); `cell_ok` masks the
    cells of the zones it watches.
    """
    radius_km = asset.radius_km if radius_km is None else radius_km
    if len(site_xy) == 0 or radius_km <= 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    site_tree = cKDTree(site_xy)
    m = site_tree.sparse_distance_matrix(cell_tree, radius_km, output_type="ndarray")
    j, i, d = m["i"].astype(np.int64), m["j"].astype(np.int64), m["v"]
    keep = entry_table(asset)[site_side[j], cell_side[i]]
    if cell_ok is not None:
        keep &= cell_ok[i]
    i, j, d = i[keep], j[keep], d[keep]
    order = np.lexsort((i, j))
    return i[order], j[order], d[order]


def sector_reach(asset: AssetBase, cell_s_km: np.ndarray, cell_side: np.ndarray, site_s_km: np.ndarray,
                 site_side: np.ndarray, cell_ok: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cell, site, distance along the line) of a sector asset: cells within sector_km / 2 along the line
    of the site's station, on the sides it enters, in its zones. Sorted cell positions, one search per site."""
    order = np.argsort(cell_s_km, kind="stable")
    s_sorted = cell_s_km[order]
    half = asset.sector_km / 2
    lo = np.searchsorted(s_sorted, site_s_km - half, side="left")
    hi = np.searchsorted(s_sorted, site_s_km + half, side="left")
    counts = hi - lo
    j = np.repeat(np.arange(len(site_s_km)), counts)
    pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(lo, counts)
    i = order[pos]
    keep = entry_table(asset)[site_side[j], cell_side[i]]
    if cell_ok is not None:
        keep &= cell_ok[i]
    i, j = i[keep], j[keep]
    srt = np.lexsort((i, j))
    i, j = i[srt], j[srt]
    return i, j, np.abs(cell_s_km[i] - site_s_km[j])


def verify_reach(s: Scenario, asset: AssetBase, i: np.ndarray, j: np.ndarray, d_km: np.ndarray) -> list[np.ndarray]:
    """Per class, a mask over the pairs (i, j, d) in reach: can a verifier at j reach cell i in time?

        team:   dispatch_h + road_factor d / response_speed_kmh <= verify_within_h,  d <= radius_km
        drone:  dispatch_h + d / speed_kmh                      <= verify_within_h,  d <= radius_km

    (`AssetBase.verify_reach_km` gives the distance each allows.) None reach for a unit that does not verify.
    """
    return [d_km <= asset.verify_reach_km(c.verify_window_h) for c in s.violations.classes]


def pattern(asset: AssetBase, i: np.ndarray, j: np.ndarray, n_sites: int,
            cell_area_km2: np.ndarray) -> np.ndarray:
    """b[i, j] for the pairs in reach: 1 for sensors and inspections, lambda_j = S / (24 A_j) for mobile
    assets, the usable look rate r_j for satellites."""
    if asset.kind in ("sensor", "inspection"):
        return np.ones(len(i))
    area_j = np.bincount(j, weights=cell_area_km2[i], minlength=n_sites)
    if asset.kind == "satellite":
        return look_rate_per_h(asset, area_j)[j]
    lam = np.divide(sweep_km2_per_day(asset) / 24.0, area_j, out=np.zeros(n_sites), where=area_j > 0)
    return lam[j]
