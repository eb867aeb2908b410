"""The sparse hazard matrix of a scenario, the violation weights, and the score of a plan.

With n[j] units at candidate site j, the summed hazard of class c in cell i is

    u[i, c] = sum_j b[i, j] * f[j, c] * n[j]            (U = B @ (n * F))

and the plan's score, the expected share of all violations it detects, is

    D(n) = sum_c share_c * sum_i w[i, c] * (1 - exp(-u[i, c])),   sum_i w[i, c] = 1.

`Instance` holds only arrays (B, F, W, costs, caps), so solvers and their tests need no
geometry: `Instance.from_arrays` builds one by hand; `build_instance` from a scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from . import assets as hz
from .config import ConfigError, Scenario, problem
from .geometry import Cells, Geometry, Sites, build_cells, build_geometry, build_sites, side_names


@dataclass
class Instance:
    """A placement problem as arrays: what solvers, metrics and evaluate share."""

    B: sp.csc_matrix          # (cells, sites) hazard pattern b[i, j]
    F: np.ndarray             # (sites, classes) class factor f[j, c]
    W: np.ndarray             # (cells, classes) violation weights, each column sums to 1
    share: np.ndarray         # (classes,)
    cost_usd: np.ndarray      # (sites,) yearly cost of one unit
    observers: np.ndarray     # (sites,) observers per unit
    site_cap: np.ndarray      # (sites,) max units per site
    site_asset: np.ndarray    # (sites,) asset index
    asset_cap: np.ndarray     # (assets,) max units per asset
    budget_usd: float
    max_observers: float = np.inf
    is_sensor: np.ndarray | None = None   # (sites,) sensors watch all the time; others search
    duration_h: np.ndarray | None = None  # (classes,)
    names: dict = field(default_factory=dict)  # class and asset names, for reports

    @classmethod
    def from_arrays(cls, hazard, weights, cost_usd, budget_usd, share=None, observers=None,
                    site_cap=None, site_asset=None, asset_cap=None, max_observers=np.inf):
        """An instance from a plain (cells x sites) hazard matrix, one class unless `weights` has more columns.

        `hazard` may be dense or sparse; weights are normalised per class.
        """
        W = np.asarray(weights, float)
        W = W[:, None] if W.ndim == 1 else W
        W = W / W.sum(axis=0, keepdims=True)
        B = sp.csc_matrix(hazard, dtype=float)
        n_sites, n_cls = B.shape[1], W.shape[1]
        site_asset = np.zeros(n_sites, int) if site_asset is None else np.asarray(site_asset)
        n_assets = int(site_asset.max()) + 1 if n_sites else 1
        return cls(
            B=B, F=np.ones((n_sites, n_cls)), W=W,
            share=np.full(n_cls, 1 / n_cls) if share is None else np.asarray(share, float),
            cost_usd=np.broadcast_to(np.asarray(cost_usd, float), (n_sites,)).copy(),
            observers=np.zeros(n_sites) if observers is None else np.asarray(observers, float),
            site_cap=np.ones(n_sites, int) if site_cap is None else np.broadcast_to(site_cap, (n_sites,)).astype(int),
            site_asset=site_asset,
            asset_cap=np.full(n_assets, np.iinfo(np.int64).max) if asset_cap is None else np.asarray(asset_cap),
            budget_usd=float(budget_usd), max_observers=max_observers,
            is_sensor=np.ones(n_sites, bool), duration_h=np.ones(n_cls),
        )

    @property
    def n_sites(self) -> int:
        return self.B.shape[1]

    def hazard(self, units: np.ndarray) -> np.ndarray:
        """U[i, c] = sum_j b[i, j] f[j, c] n[j]."""
        return np.asarray(self.B @ (np.asarray(units, float)[:, None] * self.F))

    def detection_by_cell(self, units: np.ndarray) -> np.ndarray:
        """P[i, c] = 1 - exp(-U[i, c])."""
        return -np.expm1(-self.hazard(units))

    def score(self, units: np.ndarray) -> float:
        """D(n): the expected share of all violations detected."""
        P = self.detection_by_cell(units)
        return float(self.share @ (self.W * P).sum(axis=0))

    def cost(self, units: np.ndarray) -> float:
        return float(self.cost_usd @ units)

    def check(self, units: np.ndarray) -> list[str]:
        """What a plan breaks: budget, observer cap, per-site and per-asset caps (empty if feasible)."""
        n = np.asarray(units)
        out = []
        if (n < 0).any():
            out.append("negative units")
        if self.cost(n) > self.budget_usd * (1 + 1e-9):
            out.append(f"yearly cost {self.cost(n):,.0f} USD exceeds the budget {self.budget_usd:,.0f} USD")
        if self.observers @ n > self.max_observers:
            out.append(f"{self.observers @ n:g} observers exceed the cap of {self.max_observers:g}")
        over = np.flatnonzero(n > self.site_cap)
        if len(over):
            out.append(f"{len(over)} sites hold more units than max_units_per_site")
        per_asset = np.bincount(self.site_asset, weights=n, minlength=len(self.asset_cap))
        for a in np.flatnonzero(per_asset > self.asset_cap):
            name = self.names.get("assets", [])[a] if self.names.get("assets") else a
            out.append(f"asset {name}: {per_asset[a]:g} units exceed max_units {self.asset_cap[a]}")
        return out


@dataclass
class Model:
    """A scenario made concrete: geometry, cells, candidate sites and the instance."""

    scenario: Scenario
    geometry: Geometry
    cells: Cells
    sites: Sites
    instance: Instance
    sides: tuple[str, str] = ("side A", "side B")
    seconds: float = 0.0


def violation_weights(s: Scenario, cells: Cells, geo: Geometry) -> np.ndarray:
    """w[i, c]: base rate by area in the class's zones, times the factors of hotspots in reach; normalised.

    w[i, c] is proportional to area_i * prod_{h covers i, applies to c} factor_h for cells in
    the zones of c, and 0 elsewhere.
    """
    zone_names = [z.name for z in s.zones]
    tree = cKDTree(cells.xy_km)
    mult = np.ones((len(cells), len(s.violations.classes)))
    problems = []
    for h in s.hotspots:
        xy = np.concatenate(geo.to_km([h.lon], [h.lat]))
        hit = np.asarray(tree.query_ball_point(xy, h.radius_km), dtype=int)
        if len(hit) == 0:
            d, _ = tree.query(xy)
            problems.append(problem(s.source, f"hotspots[{h.name}].radius_km", h.radius_km,
                                    f"reaches no cell (the nearest cell is {d:.1f} km away)"))
            continue
        for ci, c in enumerate(s.violations.classes):
            if h.classes is None or c.name in h.classes:
                mult[hit, ci] *= h.factor
    W = np.zeros_like(mult)
    for ci, c in enumerate(s.violations.classes):
        allowed = np.isin(cells.zone, [zone_names.index(z) for z in (c.zones or zone_names)])
        W[:, ci] = np.where(allowed, cells.area_km2 * mult[:, ci], 0.0)
        if W[:, ci].sum() <= 0:
            problems.append(problem(s.source, f"violations.classes[{c.name}].zones", c.zones, "its zones hold no cells"))
    if problems:
        raise ConfigError(problems)
    return W / W.sum(axis=0, keepdims=True)


def build_model(s: Scenario) -> Model:
    """Geometry, cells, sites and the hazard matrix of a scenario."""
    import time

    t0 = time.perf_counter()
    geo = build_geometry(s)
    cells = build_cells(s, geo)
    sites = build_sites(s, geo)
    W = violation_weights(s, cells, geo)
    inst = build_instance(s, cells, sites, W)
    return Model(s, geo, cells, sites, inst, sides=side_names(s, geo), seconds=time.perf_counter() - t0)


def build_instance(s: Scenario, cells: Cells, sites: Sites, W: np.ndarray) -> Instance:
    """Assemble B (cells x sites, CSC) asset by asset from KD-tree queries, and F, costs, caps."""
    tree = cKDTree(cells.xy_km)
    rows, cols, vals = [], [], []
    F = np.zeros((len(sites), len(s.violations.classes)))
    problems = []
    for ai, a in enumerate(s.assets):
        idx = np.flatnonzero(sites.asset == ai)
        i, j = hz.reach(a, tree, cells.side, sites.xy_km[idx], sites.side[idx])
        problems += _useless_sites(s, a, sites.index[idx], j, len(idx))
        v = hz.pattern(a, i, j, len(idx), cells.area_km2)
        rows.append(i)
        cols.append(idx[j])
        vals.append(v)
        F[idx] = hz.class_factors(s, a)
    if problems:
        raise ConfigError(problems)
    B = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(len(cells), len(sites)))
    B.sum_duplicates()
    a_of = sites.asset
    big = np.iinfo(np.int64).max
    return Instance(
        B=B, F=F, W=W,
        share=np.array([c.share for c in s.violations.classes]),
        cost_usd=np.array([s.assets[k].annual_usd for k in a_of], float),
        observers=np.array([s.assets[k].observers for k in a_of], float),
        site_cap=np.array([s.assets[k].max_units_per_site for k in a_of], int),
        site_asset=a_of.astype(int),
        asset_cap=np.array([big if a.max_units is None else a.max_units for a in s.assets], np.int64),
        budget_usd=s.budget.annual_usd,
        max_observers=np.inf if s.budget.max_observers is None else s.budget.max_observers,
        is_sensor=np.array([s.assets[k].kind == "sensor" for k in a_of], bool),
        duration_h=np.array([c.duration_h for c in s.violations.classes]),
        names={"classes": [c.name for c in s.violations.classes], "assets": [a.name for a in s.assets]},
    )


def _useless_sites(s: Scenario, a, site_index: np.ndarray, j: np.ndarray, n_sites: int) -> list[str]:
    """Listed sites that reach no cell, or an asset none of whose sites reaches a cell: likely typos."""
    reached = np.bincount(j, minlength=n_sites) > 0
    if a.sites.points is not None:
        return [problem(s.source, f"assets[{a.name}].sites.points[{k}]", list(a.sites.points[k]),
                        f"reaches no cell within radius_km = {a.radius_km:g}") for k in site_index[~reached]]
    if n_sites and not reached.any():
        return [problem(s.source, f"assets[{a.name}].radius_km", a.radius_km,
                        "no candidate site reaches a cell: widen radius_km or bring offsets_km closer to the line")]
    return []
