"""What a plan achieves: detection overall, by class, side and stretch of line; time to
detection; costs and staff. Everything is computed afresh from the units, never taken
from the solver, so `evaluate` can check any plan.

Time to detection. Sensors watch all the time, so with sensor hazard u_s a violation is
seen at its start with probability q = 1 - exp(-u_s). Mobile assets pass at rate
r = u_m / tau (hazard per hour), so the first detection by them comes at an exponential
time. Over a violation of duration tau,

    E[T; detected] = (1 - q) * (1 - exp(-r tau) (1 + r tau)) / r,

and the mean time to detection is the weighted sum of E[T; detected] over the weighted
detection D. It counts until a human sees the alert: each unit's alert_delay_h is added to
the detections it makes, as the hazard-weighted mean delay of the sensors (d_s) and of the
mobile units (d_m) over the cell (exact where one kind of unit watches it):

    E[T; detected] += q d_s + (1 - q) (1 - exp(-r tau)) d_m.

Verified detection, reach and response times are in `verification.py`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from .build import ScenarioModel
from .geometry import segment_index
from .hazards import sector_reach, zone_mask
from .losses import worst_losses
from .schema import SIDES
from .verification import verification_metrics


def _hazards(model: ScenarioModel, units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(U_sensor, U_mobile): summed hazards of sensor and of mobile units, (cells, classes) each."""
    inst = model.instance
    n = np.asarray(units, float)
    return inst.hazard(np.where(inst.is_sensor, n, 0.0)), inst.hazard(np.where(inst.is_sensor, 0.0, n))


def _binned(key: np.ndarray, num: np.ndarray, den: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = np.unique(key, return_inverse=True)[1]
    return np.bincount(k, weights=num), np.bincount(k, weights=den)


def plan_metrics(model: ScenarioModel, units: np.ndarray) -> dict:
    """All metrics of a plan as a plain dict (the `metrics` object of plan.json)."""
    s, inst, cells = model.scenario, model.instance, model.cells
    Us, Um = _hazards(model, units)  # per row; folded to cells (over outage states) below
    P = inst.fold(-np.expm1(-(Us + Um)))
    PV = inst.fold(inst.verified_by_cell(units))
    W = inst.cell_W
    WS = W * inst.share
    hit = WS * P
    D = float(hit.sum())
    names = [c.name for c in s.violations.classes]
    sides = model.sides

    by_side = {}
    for k, name in enumerate(sides):
        m = cells.side == k
        weight = float(WS[m].sum())
        by_side[name] = {"side": SIDES[k], "share_of_violations": weight,
                         "detection": float(hit[m].sum() / weight) if weight > 0 else None}

    # Stretches of line: stations of grid.cell_km (a zone with longer cells counts at its centre's station).
    num, den = _binned(np.floor(cells.s_km / s.grid.cell_km), hit.sum(axis=1), WS.sum(axis=1))
    ok = den > 0
    above = float(((num[ok] / den[ok]) >= s.metrics.target_detection).mean()) if ok.any() else 0.0

    et = inst.fold(_time_to_detection(model, units, Us, Um))
    mttd = float((WS * et).sum() / D) if D > 0 else None
    mttd_class = {n_: (float((W[:, c] * et[:, c]).sum() / (W[:, c] * P[:, c]).sum())
                       if (W[:, c] * P[:, c]).sum() > 0 else None) for c, n_ in enumerate(names)}

    out = {
        "detection": D,
        "by_class": {n_: float((W[:, c] * P[:, c]).sum()) for c, n_ in enumerate(names)},
        "by_side": by_side,
        "by_zone": by_zone(model, P, PV),
        **best_response(model, P, PV, inst.fold(Us + Um)),
        "segment_km": s.metrics.segment_km,
        "target_detection": s.metrics.target_detection,
        "line_share_above_target": above,
        "detected_per_year": D * s.violations.per_year,
        "violations_per_year": s.violations.per_year,
        "mean_time_to_detection_h": mttd,
        "mean_time_to_detection_h_by_class": mttd_class,
    }
    out["losses"] = lost_units(model, units)
    out.update(verification_metrics(model, units, P, PV))
    out.update(staff_and_effort(model, units))
    return out


def by_zone(model: ScenarioModel, P: np.ndarray, PV: np.ndarray) -> dict:
    """Per zone: its share of all violations, and the detected and verified shares of those, overall and
    by class (None for a class or zone that holds no violations): a limitation zone scored apart from the DMZ."""
    s, inst, cells = model.scenario, model.instance, model.cells
    W = inst.cell_W
    out = {}
    for k, z in enumerate(s.zones):
        m = cells.zone == k
        w_c = W[m].sum(axis=0)
        weight = float((w_c * inst.share).sum())
        det_c = (W[m] * P[m]).sum(axis=0)
        ver_c = (W[m] * PV[m]).sum(axis=0)
        share = lambda x: float((x * inst.share).sum() / weight) if weight > 0 else None  # noqa: E731
        out[z.name] = {"share_of_violations": weight, "area_km2": float(cells.area_km2[m].sum()),
                       "detection": share(det_c), "verified": share(ver_c),
                       "by_class": {c.name: (float(det_c[i] / w_c[i]) if w_c[i] > 0 else None)
                                    for i, c in enumerate(s.violations.classes)}}
    return out


def _worst_stretch(model: ScenarioModel, seg: np.ndarray, WS: np.ndarray, X: np.ndarray, key: str) -> dict:
    """The segment of metrics.segment_km (`seg`, per cell) where X (per cell and class) holds the least
    share of its violations weighted by WS: its km and that share, under `key`."""
    seg_km = model.scenario.metrics.segment_km
    L = model.geometry.length_km
    num, den = _binned(seg, (WS * X).sum(axis=1), WS.sum(axis=1))
    ids = np.unique(seg)
    ok = den > 0
    if not ok.any():
        return {"from_km": 0.0, "to_km": float(L), key: None}
    share = np.where(ok, num / np.where(ok, den, 1), np.inf)
    w = int(np.argmin(share))
    return {"from_km": float(ids[w] * seg_km), "to_km": float(min((ids[w] + 1) * seg_km, L)), key: float(share[w])}


def best_response(model: ScenarioModel, P: np.ndarray, PV: np.ndarray, U: np.ndarray) -> dict:
    """(P, PV, U per cell.) What a violator who sees the plan would pick: the least watched segment (by detection, by
    verified detection, and per class), the least watched cell per class, and the zones' area no
    unit sees (summed hazard 0 for every class)."""
    inst, cells, names = model.instance, model.cells, model.instance.names.get("classes", [])
    W = inst.cell_W
    WS = W * inst.share
    seg = segment_index(cells.s_km, model.geometry.length_km, model.scenario.metrics.segment_km)
    out = {"worst_segment": _worst_stretch(model, seg, WS, P, "detection"),
           "worst_segment_verified": _worst_stretch(model, seg, WS, PV, "verified"),
           "worst_segment_by_class": {}, "worst_cell_by_class": {}}
    for c, name in enumerate(names):
        wc = np.zeros_like(WS)
        wc[:, c] = W[:, c]
        out["worst_segment_by_class"][name] = _worst_stretch(model, seg, wc, P, "detection")
        where = np.flatnonzero(W[:, c] > 0)
        if len(where):
            i = int(where[np.argmin(P[where, c])])
            out["worst_cell_by_class"][name] = {"lon": round(float(cells.lon[i]), 6), "lat": round(float(cells.lat[i]), 6),
                                                "s_km": round(float(cells.s_km[i]), 3), "side": model.sides[cells.side[i]],
                                                "detection": float(P[i, c])}
    blind = (U <= 0).all(axis=1)
    area = float(cells.area_km2.sum())
    out["unseen_area_share"] = float(cells.area_km2[blind].sum() / area) if area > 0 else 0.0
    return out


def lost_units(model: ScenarioModel, units: np.ndarray) -> list[dict]:
    """Detection after the worst 1..metrics.losses units lost (`losses.py`), the sites named."""
    st = model.sites
    found = worst_losses(model.instance, units, model.scenario.metrics.losses)
    for rec in found:
        rec["lost"] = [{"asset": model.scenario.assets[st.asset[j]].name, "site": int(st.index[j]),
                        "s_km": round(float(st.s_km[j]), 3), "side": model.sides[st.side[j]]}
                       for j in rec.pop("lost_sites")]
    return found


def _time_to_detection(model: ScenarioModel, units: np.ndarray, Us: np.ndarray, Um: np.ndarray) -> np.ndarray:
    """E[T; detected] per cell and class, alert delays included (see the module doc)."""
    inst, s = model.instance, model.scenario
    tau = inst.duration_h
    q = -np.expm1(-Us)
    r = Um / tau
    x = Um
    delay = np.array([s.assets[k].alert_delay_h for k in model.sites.asset], float)
    n = np.asarray(units, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        et = np.where(r > 0, (1 - q) * (-np.expm1(-x) - x * np.exp(-x)) / np.where(r > 0, r, 1), 0.0)
        if delay.any():
            ds = np.where(Us > 0, inst.hazard(np.where(inst.is_sensor, n * delay, 0.0)) / np.where(Us > 0, Us, 1), 0.0)
            dm = np.where(Um > 0, inst.hazard(np.where(inst.is_sensor, 0.0, n * delay)) / np.where(Um > 0, Um, 1), 0.0)
            et = et + q * ds + (1 - q) * -np.expm1(-x) * dm
    return et


def staff_and_effort(model: ScenarioModel, units: np.ndarray) -> dict:
    """Units per asset, costs, staff, patrols, flight hours, km2 of imagery and sector inspections a day."""
    s, sites = model.scenario, model.sites
    per_asset = np.bincount(sites.asset, weights=np.asarray(units, float), minlength=len(s.assets))
    capex = opex = annual = observers = operators = patrols = flight_h = visits = 0.0
    for a, k in zip(s.assets, per_asset):
        capex += k * a.capex_usd
        opex += k * a.opex_usd_per_year
        annual += k * a.annual_usd
        observers += k * a.observers
        operators += k * a.operators
        if a.kind == "patrol":
            patrols += k * a.patrols_per_day
        if a.kind == "drone":
            flight_h += k * a.flight_hours_per_day * a.availability
        if a.kind == "inspection":
            visits += k / a.cycle_days
    return {
        "units_by_asset": {a.name: int(k) for a, k in zip(s.assets, per_asset)},
        "annual_usd": annual, "capex_usd": capex, "opex_usd_per_year": opex,
        "observers": int(observers), "operators": round(float(operators), 2),
        "patrols_per_day": patrols, "drone_flight_hours_per_day": flight_h,
        "imagery_km2_per_day": imagery_km2_per_day(model, units), "inspections_per_day": visits,
    }


def imagery_km2_per_day(model: ScenarioModel, units: np.ndarray) -> float:
    """km2 the plan's satellite units image a day: per unit, min(area_km2_per_day, A_j x 24 / revisit_h),
    its sector's area A_j at every revisit, or its tasking capacity where that is less."""
    s, st, cells = model.scenario, model.sites, model.cells
    n = np.asarray(units, float)
    total = 0.0
    for ai, a in enumerate(s.assets):
        j = np.flatnonzero((st.asset == ai) & (n > 0))
        if a.kind != "satellite" or len(j) == 0:
            continue
        ok = zone_mask(s, a, cells.zone)
        i, jj, _ = sector_reach(a, cells.s_km, cells.side, st.s_km[j], st.side[j], ok)
        area = np.bincount(jj, weights=cells.area_km2[i], minlength=len(j))
        total += float((n[j] * np.minimum(a.area_km2_per_day, area * 24 / a.revisit_h)).sum())
    return total


def detection_by_cell(model: ScenarioModel, units: np.ndarray) -> np.ndarray:
    """Per cell, the share of its violations (all classes) detected: sum_c share_c w P / sum_c share_c w."""
    inst = model.instance
    return inst.share_by_cell(inst.detection_by_cell(units))


def scenario_size(model: ScenarioModel) -> dict:
    """What `validate` prints: line length, zone areas, cells, candidate sites, budget."""
    s, c = model.scenario, model.cells
    zones = {z.name: float(c.area_km2[c.zone == k].sum()) for k, z in enumerate(s.zones)}
    sites = {a.name: int((model.sites.asset == k).sum()) for k, a in enumerate(s.assets)}
    return {"line_km": model.geometry.length_km, "geodesic_km": model.geometry.geodesic_km,
            "reference_length_km": s.line.reference_length_km, "zone_km2": zones,
            "line_file_outside_config": _outside_line_file(s),
            "scenarios": list(s._scenarios), "variants": list(s.variants),
            "cells": len(c), "candidate_sites": sites, "matrix_nonzeros": int(model.instance.B.nnz),
            "outages": {o.name: o.share_of_time for o in s.outages}, "rows": int(model.instance.B.shape[0]),
            "hotspot_weight_share": hotspot_share(model), "build_seconds": model.seconds}


def hotspot_share(model: ScenarioModel) -> float | None:
    """Share of all violations (by class share) that fall in cells a hotspot reaches."""
    s, cells, inst = model.scenario, model.cells, model.instance
    if not s.hotspots:
        return None
    tree = cKDTree(cells.xy_km)
    hit = np.zeros(len(cells), bool)
    for h in s.hotspots:
        xy = np.concatenate(model.geometry.to_km([h.lon], [h.lat]))
        hit[np.asarray(tree.query_ball_point(xy, h.radius_km), int)] = True
    return float((inst.cell_W[hit] * inst.share).sum())


def placements(model: ScenarioModel, units: np.ndarray) -> list[dict]:
    """One record per site with units, in site order."""
    s, st = model.scenario, model.sites
    out = []
    for j in np.flatnonzero(np.asarray(units) > 0):
        a = s.assets[st.asset[j]]
        out.append({"asset": a.name, "kind": a.kind, "site": int(st.index[j]),
                    "lon": round(float(st.lon[j]), 6), "lat": round(float(st.lat[j]), 6),
                    "side": model.sides[st.side[j]], "s_km": round(float(st.s_km[j]), 3),
                    "offset_km": round(float(st.offset_km[j]), 3), "units": int(units[j])})
    return out


def _outside_line_file(s) -> str | None:
    """The line file's path when the config names one outside its own folder (by absolute path), else None."""
    path = s.line_path()
    if path is None or not Path(s.line.geojson).is_absolute():
        return None
    return None if path.resolve().is_relative_to(Path(s.base_dir).resolve()) else str(path.resolve())
