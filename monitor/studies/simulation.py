"""Monte Carlo of violations against a plan (`monitor simulate`): proof of the analytic model.

Violations. N violations start at times uniform over `days` (a Poisson process given its
count); each draws its class by share, its cell by the class's weights w[:, c], a point
uniform in the cell, and lasts the class's duration_h. N is a sample size, not a forecast:
the default 1,000,000 gives 95% intervals of about +-0.1 points, where the config's own
per_year * days / 365 violations (`violations=None`: N ~ Poisson of that) would give
intervals of several points; the expected count detected in the horizon is reported as
the detected share times per_year * days / 365.

Sensors (both modes) watch all the time, as in the model: n units at a site whose
radius covers the cell see the violation at its start unless all miss, each with
probability availability * p.

Patrols, drones and satellites, mode `random-search` (the analytic model's own assumption): the units
at site j pass the cell as a Poisson process of rate r = n_j lambda_j / availability per
hour (lambda_j = S / (24 A_j), docs/model.md, where S counts availability: r is the rate
before it); over a violation of duration tau the number of passes is K ~ Poisson(r tau),
each seen with q = availability * p, so with M ~ Binomial(K, q) seen passes the first
comes at tau (1 - U^(1/M)) (the first of M uniform times). Thinning gives seen passes at
the model's rate n_j lambda_j p, so the expected detected share is exactly the analytic D;
passes are counted before availability, as in schedule mode.

Satellites look at rate r_j (hazards.py) in both modes, as Poisson looks; inspections visit on
their cycle at an unknown phase in both modes (`cycles.py`).

Mode `schedule`: the day's routes of `monitor schedule` repeat every day; a pass is a
stretch of a route within half the view width (swath) of the violation's point, on the
team's side unless the asset crosses the line; the pass at time of day h recurs at
h + 24 k, each recurrence seen with availability * p (availability drawn per pass,
not per sortie). The violation is detected at its first seen recurrence inside
[start, start + tau). Schedule mode also runs random search on the same violations, so
the report can tell the schedule's effect from sampling noise.

Times count until a person sees the alert, as in the analytic model: a violation seen by
sensors at its start is detected after their least alert_delay_h (a sensor's alert comes
first even if a patrol would report sooner, as the model's formula has it); otherwise at the
first seen pass plus the passing unit's alert_delay_h. With [[outages]], each violation
draws its state with its cell (a row of the instance), and a route's asset out in that
state sees nothing.

Intervals are Wilson's 95% score intervals for shares and normal intervals for means.
Violations are drawn and detected in chunks of CHUNK, so the (violation, unit) pairs stay
bounded in memory (about 50 bytes a violation are kept for the summary); each part draws
from its own stream spawned from the seed, so runs repeat exactly.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely

from ..errors import InputError, Problem
from ..model.build import ScenarioModel as Model
from ..model.metrics import plan_metrics
from .cycles import Inspections, min_by, pairs
from .schedule import Schedule, build_schedule, route_segments

log = logging.getLogger(__name__)
Z95 = 1.959963984540054
CHUNK = 250_000
HIST_EDGES_H = (0.0, 1e-9, 0.5, 1, 2, 4, 8, 24, 72, math.inf)


@dataclass
class Draws:
    """A chunk of violations as parallel arrays."""

    cell: np.ndarray
    cls: np.ndarray
    start_h: np.ndarray
    xy_km: np.ndarray
    tau_h: np.ndarray
    row: np.ndarray | None = None   # the row of the instance (the cell and, with outages, its state); the cell by default
    down: np.ndarray | None = None  # bit mask of the assets failed in that state; 0 by default (no outages)

    def __post_init__(self):
        if self.row is None:
            self.row = self.cell
        if self.down is None:
            self.down = np.zeros(len(self.cell), np.int64)


def draw_violations(model: Model, n: int, days: float, rng: np.random.Generator) -> Draws:
    """n violations: class by share, cell by weight, start uniform over the days, point uniform in the cell.

    The point is the bilinear image of (u, v) ~ U(0,1)^2 on the cell's corners: exactly
    uniform on parallelogram cells, nearly so on the slightly bent cells of a curved line.
    """
    inst, cells = model.instance, model.cells
    share = np.cumsum(inst.share)
    cls = np.minimum(np.searchsorted(share / share[-1], rng.random(n), side="right"), len(share) - 1)
    row = np.empty(n, np.int64)
    u = rng.random(n)
    for c in range(len(share)):  # a row by its weight: the cell, and with outages the state (W holds pi_s)
        sel = cls == c
        cum = np.cumsum(inst.W[:, c])
        row[sel] = np.minimum(np.searchsorted(cum / cum[-1], u[sel], side="right"), len(cum) - 1)
    cell = row if inst.row_cell is None else inst.row_cell[row]
    down = np.zeros(n, np.int64) if inst.row_down is None else inst.row_down[row]
    start = rng.random(n) * 24.0 * days
    a, b = rng.random((2, n))
    q = cells.corners_km[cell]
    xy = (((1 - a) * (1 - b))[:, None] * q[:, 0] + (a * (1 - b))[:, None] * q[:, 1]
          + (a * b)[:, None] * q[:, 2] + ((1 - a) * b)[:, None] * q[:, 3])
    return Draws(cell, cls, start, xy, inst.duration_h[cls], row, down)


def _p_table(model: Model, assets: list[int]) -> np.ndarray:
    """p[k, c]: probability that one pass (or look) of asset assets[k] notices class c."""
    s = model.scenario
    return np.array([[s.p_detect(s.assets[a], c) for c in s.violations.classes] for a in assets]).reshape(
        len(assets), len(s.violations.classes))


class Detectors:
    """The plan's units, ready to detect draws: sensors, random search, and the scheduled routes."""

    def __init__(self, model: Model, units: np.ndarray, schedule: Schedule | None = None):
        inst, st, s = model.instance, model.sites, model.scenario
        n = np.asarray(units)
        placed = np.flatnonzero(n > 0)
        sens = placed[inst.is_sensor[placed]]
        cyc = np.array([s.assets[a].kind == "inspection" for a in st.asset[placed]], bool)
        mob = placed[~inst.is_sensor[placed] & ~cyc]
        self.inspections = Inspections(model, n, placed[cyc], _p_table(model, list(st.asset[placed[cyc]])))
        # Sensors: q[k, c] = 1 - (1 - availability p)^n, over the cells each one covers.
        self.sensor = inst.B[:, sens].tocsr()
        avail = np.array([s.assets[a].availability for a in st.asset[sens]])
        self.sensor_q = 1 - (1 - avail[:, None] * _p_table(model, list(st.asset[sens]))) ** n[sens][:, None]
        # Random search: passes at n_j lambda_j / availability per hour (B holds lambda_j, whose sweep S
        # counts availability), each seen with availability p: the model's thinned rate n_j lambda_j p.
        avail = np.array([s.assets[a].availability for a in st.asset[mob]])
        self.mobile = inst.B[:, mob].tocsr()
        raw = np.divide(n[mob], avail, out=np.zeros(len(mob)), where=avail > 0)
        self.mobile.data = self.mobile.data * raw[self.mobile.indices]
        self.mobile_p = avail[:, None] * _p_table(model, list(st.asset[mob]))
        self.in_reach = np.diff(self.mobile.indptr) > 0
        # alert_delay_h of each unit: a detection counts once a person sees its alert (as in the analytic model)
        self.sensor_delay = np.array([s.assets[a].alert_delay_h for a in st.asset[sens]], float)
        self.mobile_delay = np.array([s.assets[a].alert_delay_h for a in st.asset[mob]], float)
        self.mobile_looks = np.array([s.assets[a].kind == "satellite" for a in st.asset[mob]], bool)  # not routed
        self.routes = None if schedule is None else _RouteIndex(model, schedule)

    def sensors(self, d: Draws, rng: np.random.Generator) -> np.ndarray:
        """Hours to the alert of the sensors that see each violation at its start (their least
        alert delay); inf where none sees it."""
        v, pos = pairs(self.sensor.indptr, d.row)
        seen = rng.random(len(v)) < self.sensor_q[self.sensor.indices[pos], d.cls[v]]
        return min_by(v[seen], self.sensor_delay[self.sensor.indices[pos[seen]]], len(d.cell))

    def random_search(self, d: Draws, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time to detection, passes of patrols and drones, time to detection by satellite looks alone) of
        each violation under random search (Poisson passes and looks); inf when not seen."""
        v, pos = pairs(self.mobile.indptr, d.row)
        k = rng.poisson(self.mobile.data[pos] * d.tau_h[v])
        seen = rng.binomial(k, self.mobile_p[self.mobile.indices[pos], d.cls[v]])
        hit = seen > 0
        t = d.tau_h[v[hit]] * (1 - rng.random(hit.sum()) ** (1.0 / seen[hit]))
        t = t + self.mobile_delay[self.mobile.indices[pos[hit]]]
        look = self.mobile_looks[self.mobile.indices[pos]]
        passes = np.bincount(v, weights=np.where(look, 0, k), minlength=len(d.cell))
        return min_by(v[hit], t, len(d.cell)), passes, min_by(v[hit][look[hit]], t[look[hit]], len(d.cell))

    def scheduled(self, d: Draws, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time to detection, passes, within view of a route at all) of each violation along the routes."""
        return self.routes.detect(d, rng)


class _RouteIndex:
    """Route legs near each cell, and the detection of violations by the passes of daily routes."""

    def __init__(self, model: Model, schedule: Schedule):
        seg = route_segments(model, schedule)
        self.seg = seg
        self.delay = np.array([a.alert_delay_h for a in model.scenario.assets], float)
        n_cells = len(model.cells)
        if len(seg["route"]) == 0:
            self.near = sp.csr_matrix((n_cells, 0))
            self.q = np.zeros((0, len(model.scenario.violations.classes)))
            return
        legs = shapely.linestrings(np.stack([seg["a"], seg["b"]], axis=1))
        polys = shapely.polygons(model.cells.corners_km)
        tree = shapely.STRtree(legs)
        i, k = tree.query(polys, predicate="dwithin", distance=float(seg["half_width_km"].max()))
        ok = shapely.distance(polys[i], legs[k]) <= seg["half_width_km"][k]
        s = model.scenario
        crosses = np.array([getattr(a, "crosses_line", True) for a in s.assets])
        ok &= crosses[seg["asset"][k].astype(int)] | (model.cells.side[i] == seg["side"][k])
        i, k = i[ok], k[ok]
        order = np.lexsort((k, i))
        self.near = sp.csr_matrix((np.ones(len(i)), (i[order], k[order])), shape=(n_cells, len(legs)))
        self.near.sort_indices()
        assets = sorted(set(seg["asset"].astype(int)))
        avail = np.array([s.assets[a].availability for a in assets])
        q = avail[:, None] * _p_table(model, assets)
        self.q = np.zeros((len(s.assets), q.shape[1]))
        self.q[assets] = q

    def detect(self, d: Draws, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(d.cell)
        v, pos = pairs(self.near.indptr, d.cell)
        k = self.near.indices[pos]
        seg = self.seg
        # Closest approach of the leg A + u (B - A) to the point P.
        A, B, P = seg["a"][k], seg["b"][k], d.xy_km[v]
        AB = B - A
        L2 = (AB * AB).sum(axis=1)
        u = np.clip(np.divide(((P - A) * AB).sum(axis=1), L2, out=np.zeros(len(k)), where=L2 > 0), 0, 1)
        dist = np.hypot(*(P - A - u[:, None] * AB).T)
        hw = seg["half_width_km"][k]
        inside = dist <= hw
        v, k, u, dist, A, P, hw = v[inside], k[inside], u[inside], dist[inside], A[inside], P[inside], hw[inside]
        in_view = np.bincount(v, minlength=n) > 0
        # One pass per stretch within reach: a leg continues the previous leg's pass if it is the
        # next leg of the same route and their shared vertex is within reach of the point.
        cont = np.zeros(len(k), bool)
        if len(k) > 1:
            cont[1:] = ((v[1:] == v[:-1]) & (k[1:] == k[:-1] + 1) & (seg["route"][k[1:]] == seg["route"][k[:-1]])
                        & (np.hypot(*(P[1:] - A[1:]).T) <= hw[1:]))
        pid = np.cumsum(~cont) - 1
        order = np.lexsort((dist, pid))
        first = order[np.r_[True, pid[order][1:] != pid[order][:-1]]] if len(pid) else order
        v, k, u = v[first], k[first], u[first]
        h = np.mod(seg["t_a"][k] + u * (seg["t_b"][k] - seg["t_a"][k]), 24.0)
        # Recurrences h + 24 m inside [start, start + tau): the first, and how many.
        t0, tau = d.start_h[v], d.tau_h[v]
        t_first = h + 24.0 * np.ceil((t0 - h) / 24.0)
        m = np.maximum(np.ceil((t0 + tau - t_first) / 24.0), 0)      # k >= 0 with t_first + 24 k < start + tau
        q = self.q[seg["asset"][k].astype(int), d.cls[v]]
        q = np.where((d.down[v] >> seg["asset"][k].astype(np.int64)) & 1, 0.0, q)  # its asset is out in this state
        misses = rng.geometric(np.where(q > 0, q, 1.0)) - 1          # failures before the first seen recurrence
        hit = (q > 0) & (misses < m)
        t = t_first[hit] + 24.0 * misses[hit] - t0[hit] + self.delay[seg["asset"][k[hit]].astype(int)]
        return min_by(v[hit], t, n), np.bincount(v, weights=m, minlength=n), in_view


def wilson(k: float, n: float) -> tuple[float | None, float | None, float | None]:
    """(k / n, low, high): Wilson's 95% score interval of a binomial share."""
    if n <= 0:
        return None, None, None
    p = k / n
    den = 1 + Z95 ** 2 / n
    mid = (p + Z95 ** 2 / (2 * n)) / den
    half = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / den
    return p, max(0.0, mid - half), min(1.0, mid + half)


def _share(detected: np.ndarray, analytic: float | None) -> dict:
    p, lo, hi = wilson(float(detected.sum()), float(len(detected)))
    inside = None if p is None or analytic is None else bool(lo <= analytic <= hi)
    return {"simulated": p, "ci_low": lo, "ci_high": hi, "analytic": analytic, "analytic_inside_ci": inside,
            "violations": int(len(detected)), "detected": int(detected.sum())}


def _mean(t: np.ndarray, analytic: float | None) -> dict:
    if len(t) == 0:
        return {"mean": None, "ci_low": None, "ci_high": None, "analytic_mean": analytic}
    half = Z95 * float(t.std(ddof=1)) / math.sqrt(len(t)) if len(t) > 1 else math.inf
    mean = float(t.mean())
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "analytic_mean": analytic,
            "analytic_inside_ci": None if analytic is None else bool(abs(mean - analytic) <= half)}


def summarise(model: Model, units: np.ndarray, t: np.ndarray, d_cls: np.ndarray, d_cell: np.ndarray,
              at_once: np.ndarray | None = None) -> dict:
    """Detected shares (overall, by class, by side) and time to detection, beside the analytic figures;
    `at_once` marks the violations sensors saw at their start (t == 0 if not given)."""
    m = plan_metrics(model, units)
    names = [c.name for c in model.scenario.violations.classes]
    det = np.isfinite(t)
    side = model.cells.side[d_cell]
    out = {"detection": _share(det, m["detection"]),
           "by_class": {n_: _share(det[d_cls == c], m["by_class"][n_]) for c, n_ in enumerate(names)},
           "by_side": {n_: _share(det[side == k], m["by_side"][n_]["detection"]) for k, n_ in enumerate(model.sides)}}
    td = t[det]
    q = np.quantile(td, [0.1, 0.25, 0.5, 0.75, 0.9]) if len(td) else [None] * 5
    counts = np.histogram(td, bins=np.array(HIST_EDGES_H))[0] if len(td) else np.zeros(len(HIST_EDGES_H) - 1)
    out["time_to_detection_h"] = {
        **_mean(td, m["mean_time_to_detection_h"]),
        "quantiles": dict(zip(("p10", "p25", "p50", "p75", "p90"), q)),
        "share_at_once": float((t == 0 if at_once is None else at_once)[det].mean()) if len(td) else None,
        "histogram": {"edges_h": list(HIST_EDGES_H), "counts": counts.astype(int).tolist()},
        "by_class": {n_: _mean(t[det & (d_cls == c)], m["mean_time_to_detection_h_by_class"][n_])
                     for c, n_ in enumerate(names)}}
    return out


def simulate_plan(model: Model, units: np.ndarray, n: int | None = 1_000_000, days: float = 365.0, seed: int = 0,
        mode: str = "random-search", schedule: Schedule | None = None) -> dict:
    """Simulate and summarise; in schedule mode, random search on the same violations rides along.

    `n=None` draws N ~ Poisson(per_year * days / 365); schedule mode routes the plan first
    unless `schedule` is given.

    Returns the content of simulation.json without the file names (see `monitor.api.simulate`).
    """
    if mode not in ("random-search", "schedule"):
        raise InputError(Problem("must be random-search or schedule", key="--mode", value=mode))
    t_start = time.perf_counter()
    s = model.scenario
    g_draw, g_sensor, g_random, g_sched, g_cycle = (np.random.default_rng(c)
                                                    for c in np.random.SeedSequence(seed).spawn(5))
    expected_in_horizon = s.violations.per_year * days / 365.0
    N = int(g_draw.poisson(expected_in_horizon)) if n is None else int(n)
    if mode == "schedule" and schedule is None:
        schedule = build_schedule(model, units)
    det = Detectors(model, units, schedule if mode == "schedule" else None)
    cols = {k: [] for k in ("cls", "cell", "row", "at_once", "t_random", "passes_random", "t_sched", "passes_sched",
                            "in_view")}
    for lo in range(0, N, CHUNK):
        d = draw_violations(model, min(CHUNK, N - lo), days, g_draw)
        at_once = det.sensors(d, g_sensor)  # a sensor's alert comes first, as in the analytic model
        t_r, x_r, t_look = det.random_search(d, g_random)
        t_i = det.inspections.detect(d, g_cycle)  # visits on their cycle, in both modes
        t_r = np.minimum(t_r, t_i)
        cols["cls"].append(d.cls)
        cols["cell"].append(d.cell)
        cols["row"].append(d.row)
        cols["t_random"].append(np.where(np.isfinite(at_once), at_once, t_r))
        cols["at_once"].append(np.isfinite(at_once))
        cols["passes_random"].append(x_r)
        if mode == "schedule":
            t_s, x_s, near = det.scheduled(d, g_sched)
            t_s = np.minimum(np.minimum(t_s, t_i), t_look)  # satellites are not routed: their looks stay Poisson
            cols["t_sched"].append(np.where(np.isfinite(at_once), at_once, t_s))
            cols["passes_sched"].append(x_s)
            cols["in_view"].append(near)
        log.info("simulate: %s of %s violations, %.1f s", f"{min(lo + CHUNK, N):,}", f"{N:,}",
                 time.perf_counter() - t_start)
    arr = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in cols.items()}
    arr["cls"] = arr["cls"].astype(np.int64)
    arr["cell"] = arr["cell"].astype(np.int64)
    arr["row"] = arr["row"].astype(np.int64)
    main = "t_sched" if mode == "schedule" else "t_random"
    doc = {"scenario": s.name, "mode": mode, "seed": seed, "days": days, "violations": N,
           "violations_poisson": n is None, "expected_violations_in_horizon": expected_in_horizon}
    at_once = arr["at_once"].astype(bool)
    doc.update(summarise(model, units, arr[main], arr["cls"], arr["cell"], at_once))
    D = doc["detection"]
    doc["detected_in_horizon"] = {k: (None if D[k] is None else D[k] * expected_in_horizon)
                                  for k in ("simulated", "ci_low", "ci_high", "analytic")}
    if mode == "schedule":
        doc["random_search_same_violations"] = summarise(model, units, arr["t_random"], arr["cls"], arr["cell"],
                                                         at_once)
        doc["passes"] = _passes(model, det, arr)
    doc["seconds"] = time.perf_counter() - t_start
    return doc


def _passes(model: Model, det: Detectors, arr: dict) -> dict:
    """Among violations where patrols or drones reach: mean passes while they last, share passed at least once."""
    reach = det.in_reach[arr["row"]]
    view = arr["in_view"].astype(bool)
    names = [c.name for c in model.scenario.violations.classes]

    def stats(sel):
        if not sel.any():
            return {"violations": 0}
        return {"violations": int(sel.sum()),
                "random_search_mean_passes": float(arr["passes_random"][sel].mean()),
                "random_search_passed_share": float((arr["passes_random"][sel] > 0).mean()),
                "schedule_mean_passes": float(arr["passes_sched"][sel].mean()),
                "schedule_passed_share": float((arr["passes_sched"][sel] > 0).mean()),
                "schedule_in_view_share": float(arr["in_view"][sel].mean()),
                "schedule_passed_share_in_view": (float((arr["passes_sched"][sel & view] > 0).mean())
                                                  if (sel & view).any() else None)}

    return {"share_in_reach": float(reach.mean()) if len(reach) else None, **stats(reach),
            "by_class": {n_: stats(reach & (arr["cls"] == c)) for c, n_ in enumerate(names)}}


def effort(model: Model, units: np.ndarray, schedule: Schedule) -> dict:
    """The routes' km and sweep a day inside the zones (km x view width or swath), beside the model's S.

    S is what random search credits, all of it inside the zones; both are taken before
    availability (S / availability), which the two modes apply alike.
    """
    s, st = model.scenario, model.sites
    n = np.asarray(units, float)
    # union_all, not coverage_union_all: on a line that bends more tightly than its bands are wide the
    # cells overlap (docs/model.md, "Cells"), which a coverage union refuses
    zone = shapely.union_all(shapely.polygons(model.cells.corners_km))
    seg = route_segments(model, schedule)
    legs = shapely.linestrings(np.stack([seg["a"], seg["b"]], axis=1)) if len(seg["route"]) else np.zeros(0)
    inside = shapely.length(shapely.intersection(legs, zone)) if len(legs) else np.zeros(0)
    km = sum(x.km_per_day for x in schedule.sites)
    in_zone_km = float(inside.sum())
    swept = float((inside * 2 * seg["half_width_km"]).sum())
    model_km2 = 0.0    # S / availability: what the units sweep a day before availability, as the routes
    for j in np.flatnonzero(n > 0):
        a = s.assets[st.asset[j]]
        if a.kind in ("patrol", "drone") and a.availability > 0:
            model_km2 += float(n[j] * a.sweep_km2_per_day / a.availability)
    return {**schedule.totals(model), "route_km_per_day": km, "route_km_in_zones_per_day": in_zone_km,
            "swept_km2_in_zones_per_day": swept, "model_sweep_km2_per_day": model_km2}


