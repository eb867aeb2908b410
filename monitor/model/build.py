"""A scenario made concrete: its geometry, cells, candidate sites, violation weights and the
hazard matrix, assembled into an `Instance` (see `instance.py` for the score).

    b[i, j], f[j, c]  per asset kind from `hazards.py`, for the (cell, site) pairs in reach
    w[i, c]           base rate by area in the class's zones, times hotspot factors; sum_i w[i, c] = 1
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..errors import InputError, Problem
from . import hazards as hz
from . import outages
from .geometry import (
    CandidateSites,
    Cells,
    Geometry,
    build_cells,
    build_geometry,
    build_sites,
    segment_index,
    side_names,
)
from .instance import Instance, Verification
from .schema import SECTOR_KINDS, Scenario
from .size import check_size

log = logging.getLogger(__name__)


@dataclass
class ScenarioModel:
    """A scenario made concrete: geometry, cells, candidate sites and the instance."""

    scenario: Scenario
    geometry: Geometry
    cells: Cells
    sites: CandidateSites
    instance: Instance
    sides: tuple[str, str] = ("side A", "side B")
    seconds: float = 0.0
    cache: dict = field(default_factory=dict, repr=False, compare=False)  # derived geometry the outputs share


def violation_weights(s: Scenario, cells: Cells, geo: Geometry) -> np.ndarray:
    """w[i, c]: base rate by area in the class's zones, times the factors of hotspots in reach; normalised.

    w[i, c] is proportional to area_i * prod_{h covers i, applies to c} factor_h for cells in
    the zones of c, and 0 elsewhere.
    """
    zone_names = [z.name for z in s.zones]
    tree = cKDTree(cells.xy_km)
    mult = np.ones((len(cells), len(s.violations.classes)))
    problems, hits = [], {}
    for h in s.hotspots:
        xy = np.concatenate(geo.to_km([h.lon], [h.lat]))
        hit = np.asarray(tree.query_ball_point(xy, h.radius_km), dtype=int)
        if len(hit) == 0:
            d, _ = tree.query(xy)
            problems.append(Problem(f"reaches no cell (the nearest cell is {d:.1f} km away)", s.source,
                                    f"hotspots[{h.name}].radius_km", h.radius_km))
            continue
        hits[h.name] = set(hit.tolist())
        for ci, c in enumerate(s.violations.classes):
            if h.classes is None or c.name in h.classes:
                with np.errstate(over="ignore"):
                    mult[hit, ci] *= h.factor
    W = np.zeros_like(mult)
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, not warned about
        for ci, c in enumerate(s.violations.classes):
            allowed = np.isin(cells.zone, [zone_names.index(z) for z in (c.zones or zone_names)])
            W[:, ci] = np.where(allowed, cells.area_km2 * mult[:, ci], 0.0)
            if W[:, ci].sum() <= 0:
                problems.append(Problem("its zones hold no cells", s.source, f"violations.classes[{c.name}].zones",
                                        c.zones))
        total = W.sum(axis=0, keepdims=True)
    if not np.isfinite(total).all():
        problems.append(_overflow(s, hits, mult))
    if problems:
        raise InputError(problems)
    return W / total


def _overflow(s: Scenario, hits: dict, mult: np.ndarray) -> Problem:
    """The hotspot of largest factor among those on the cell of largest weight: the weights overflow there."""
    i = int(np.argmax(mult.max(axis=1)))  # factors are finite and > 0: products overflow to inf, never NaN
    on = [h for h in s.hotspots if i in hits.get(h.name, ())] or list(s.hotspots)
    h = max(on, key=lambda x: x.factor)
    return Problem("makes the violation weights overflow (they pass 1e308 where hotspots add up); use smaller "
                   "factors", s.source, f"hotspots[{h.name}].factor", h.factor)


def build_model(s: Scenario) -> ScenarioModel:
    """Geometry, cells, sites and the hazard matrix of a scenario."""
    t0 = time.perf_counter()
    geo = build_geometry(s)
    check_size(s, geo.length_km)
    cells = build_cells(s, geo)
    sites = build_sites(s, geo)
    W = violation_weights(s, cells, geo)
    inst = outages.expand(build_instance(s, cells, sites, W, geo.length_km), *outages.outage_rows(s, geo, cells))
    check_mandates(s, inst)
    model = ScenarioModel(s, geo, cells, sites, inst, sides=side_names(s, geo), seconds=time.perf_counter() - t0)
    log.info("model: %s cells, %s candidate sites, %s nonzeros in %.2f s", f"{len(cells):,}", f"{len(sites):,}",
             f"{inst.B.nnz:,}", model.seconds)
    return model


def build_instance(s: Scenario, cells: Cells, sites: CandidateSites, W: np.ndarray,
                   length_km: float | None = None) -> Instance:
    """Assemble B (cells x sites, CSC) asset by asset from KD-tree queries, the verifiers' reach
    R_c, and F, costs, caps and the units existing sites and mandates require."""
    tree = cKDTree(cells.xy_km)
    n_classes = len(s.violations.classes)
    rows, cols, vals = [], [], []
    reach = [([], []) for _ in range(n_classes)]  # per class, (cells, sites) a verifier reaches in time
    F = np.zeros((len(sites), n_classes))
    group = np.full(len(sites), -1, np.int64)
    alpha = []
    problems = []
    for ai, a in enumerate(s.assets):
        idx = np.flatnonzero(sites.asset == ai)
        ok = hz.zone_mask(s, a, cells.zone)
        i, j, d = _pairs(a, tree, cells, sites, idx, ok)
        problems += _useless_sites(s, a, sites.index[idx], j, len(idx))
        v = hz.pattern(a, i, j, len(idx), cells.area_km2)
        rows.append(i)
        cols.append(idx[j])
        vals.append(v)
        F[idx] = hz.class_factors(s, a)
        if getattr(a, "verifies", False):
            group[idx] = len(alpha)
            alpha.append(a.availability)
            if ok is not None:  # `zones` limits what a unit watches, not where it answers an alert
                i, j, d = _pairs(a, tree, cells, sites, idx, None)
            for c, hit in enumerate(hz.verify_reach(s, a, i, j, d)):
                reach[c][0].append(i[hit])
                reach[c][1].append(idx[j[hit]])
    if problems:
        raise InputError(problems)
    shape = (len(cells), len(sites))
    B = _csc(rows, cols, vals, shape)
    R = [_csc(r, c, [np.ones(len(x)) for x in r], shape) for r, c in reach]
    a_of = sites.asset
    big = np.iinfo(np.int64).max
    existing = np.zeros(len(sites), bool) if sites.existing is None else sites.existing
    cost = np.array([s.assets[k].annual_usd for k in a_of], float)
    cost[existing & ~np.array([s.assets[k].existing_in_budget for k in a_of], bool)] = 0.0
    return Instance(
        B=B, F=F, W=W,
        share=np.array([c.share for c in s.violations.classes]),
        cost_usd=cost,
        observers=np.array([s.assets[k].observers for k in a_of], float),
        site_cap=np.where(existing, 1, np.array([s.assets[k].max_units_per_site for k in a_of], int)),
        site_asset=a_of.astype(int),
        asset_cap=np.array([big if a.max_units is None else a.max_units for a in s.assets], np.int64),
        budget_usd=s.budget.annual_usd, cell_side=cells.side.astype(np.int8),
        max_observers=np.inf if s.budget.max_observers is None else s.budget.max_observers,
        max_side_gap=np.inf if s.budget.max_side_gap is None else s.budget.max_side_gap,
        is_sensor=np.array([s.assets[k].kind == "sensor" for k in a_of], bool),
        duration_h=np.array([c.duration_h for c in s.violations.classes]),
        names={"classes": [c.name for c in s.violations.classes], "assets": [a.name for a in s.assets]},
        verify=Verification(R=[r.astype(bool).astype(float).tocsc() for r in R], group=group,
                            alpha=np.array(alpha, float)) if alpha else None,
        **_objective(s, cells, length_km),
        site_min=existing.astype(int),
        asset_min=np.array([a.min_units for a in s.assets], np.int64),
    )


def _csc(rows: list, cols: list, vals: list, shape: tuple[int, int]) -> sp.csc_matrix:
    """A CSC matrix from lists of (row, column, value) arrays, duplicates summed."""
    if not rows:
        return sp.csc_matrix(shape)
    m = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=shape)
    m.sum_duplicates()
    return m


def _pairs(a, tree: cKDTree, cells: Cells, sites: CandidateSites, idx: np.ndarray, ok: np.ndarray | None):
    """(cell, site within idx, distance) pairs in reach of an asset's sites: a disc, or a sector along the line."""
    if a.kind in SECTOR_KINDS:
        return hz.sector_reach(a, cells.s_km, cells.side, sites.s_km[idx], sites.side[idx], ok)
    return hz.reach(a, tree, cells.side, sites.xy_km[idx], sites.side[idx], cell_ok=ok)


def _objective(s: Scenario, cells: Cells, length_km: float | None) -> dict:
    """The instance's objective and the segments its worst_segment and min_segment_detection use."""
    L = float(cells.s_km.max(initial=0.0)) if length_km is None else length_km
    o = s.objective
    return {"objective": o.name, "cell_segment": segment_index(cells.s_km, L, s.metrics.segment_km),
            "per_class": o.per_class, "measure": o.measure, "min_segment": o.min_segment_detection,
            "every_cell_seen": o.every_cell_seen and o.name == "worst_segment"}


def _useless_sites(s: Scenario, a, site_index: np.ndarray, j: np.ndarray, n_sites: int) -> list[Problem]:
    """Listed sites that reach no cell, or an asset none of whose sites reaches a cell: likely typos."""
    reached = np.bincount(j, minlength=n_sites) > 0
    if a.sites.points is not None:
        return [Problem(f"reaches no cell within radius_km = {a.radius_km:g}", s.source,
                        f"assets[{a.name}].sites.points[{k}]", list(a.sites.points[k])) for k in site_index[~reached]]
    if n_sites and not reached.any():
        return [Problem("no candidate site reaches a cell: widen radius_km or bring offsets_km closer to the line",
                        s.source, f"assets[{a.name}].radius_km", a.radius_km)]
    return []


def check_mandates(s: Scenario, inst: Instance) -> None:
    """Existing units and min_units a plan must hold: an error naming the key when no plan can.

    The cheapest plan holding them puts the existing units in place and fills each asset's
    min_units with its cheapest candidate sites; if that breaks the budget, caps or observer cap,
    no plan keeps them.
    """
    problems = []
    lower_usd = float(inst.cost_usd @ inst.lower)
    for a_i, a in enumerate(s.assets):
        idx = np.flatnonzero(inst.site_asset == a_i)
        have = int(inst.lower[idx].sum())
        need = max(a.min_units - have, 0)
        room = inst.site_cap[idx] - inst.lower[idx]
        if a.min_units > int(inst.site_cap[idx].sum()) or (a.max_units is not None and a.min_units > a.max_units):
            problems.append(Problem(f"asks for more units than the asset's sites and max_units hold "
                                    f"({int(inst.site_cap[idx].sum())} sites' worth)", s.source,
                                    f"assets[{a.name}].min_units", a.min_units))
            continue
        unit = np.repeat(inst.cost_usd[idx], room)
        lower_usd += float(np.sort(unit)[:need].sum())
    if not problems and lower_usd > inst.budget_limit_usd:
        problems.append(Problem(f"is below the ${lower_usd:,.0f} a year the existing units and min_units cost",
                                s.source, "budget.annual_usd", s.budget.annual_usd))
    if problems:
        raise InputError(problems)
