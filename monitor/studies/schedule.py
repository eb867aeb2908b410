"""From a plan to one day's patrol routes and drone sorties (`monitor schedule`).

For every placed team site (drone base), the day's patrols (sorties) are routed together
with OR-Tools as a prize-collecting vehicle routing problem, one vehicle per patrol:

    nodes      0 = the site (every route starts and ends there), 1..n = waypoints
    minimise   sum_k sum_(a->b) in route k  d_ab  +  sum_(i dropped) pi_i           (1)
    s.t.       each waypoint visited at most once, or dropped at penalty pi_i      (2) disjunctions
               sum of d_ab along route k            <= max_km                     (3) distance dimension
               arrival time (d / speed) along k     <= max_h                      (4) time dimension
               no arc crosses the line unless the asset crosses it                (5) d_ab = max_km + 1

    patrol: max_km = patrol_km, max_h = patrol_km / speed_kmh
    drone:  max_km = speed_kmh * endurance_h, max_h = endurance_h

Penalties pi_i = prize_i / max prize * 1e9 dwarf any route length in metres, so the solver
collects prize first and shortens routes second. (3) and (4) coincide while patrols move
at constant speed; the time dimension gives the arrival time at each waypoint. If every
reachable waypoint is collected and patrols are left over, the leftovers are routed again
over the same waypoints (another round of the day); a route that comes home with length to
spare flies (drives) its loop of waypoints again while the length allows (`lap_path`).
The times the simulation uses are the route's length so far at patrol (cruise) speed.

Waypoints sweep the zone: tracks parallel to the line at offsets spread evenly across
each zone band, one track per view width (swath for drones), with a waypoint every
cell_km along them (coarser if more than MAX_WAYPOINTS would fall in reach), within the
asset's radius and on the site's side unless the asset crosses the line. The prize of a
waypoint is the share of violations in the strip it stands for that the plan's sensors
miss: sum_c share_c w[i, c] exp(-U_sensor[i, c]) * (strip area / cell area), i the cell
under it. Distances are straight lines (no road network). The search is deterministic:
first solution by the cheapest arc, then greedy descent to a local optimum (no wall-clock
limit involved, unless the safety time limit per site is hit, which the status reports).
The day's patrols of a site start at evenly spaced times, k * 24 / m hours (estimate: the
phase does not change expected detection, as violations start at any time of day).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy.spatial import cKDTree

from ..model.build import ScenarioModel as Model
from ..model.schema import PatrolAsset

log = logging.getLogger(__name__)

MAX_WAYPOINTS = 300     # estimate: keeps one site's routing within a few seconds on 2 cores
PENALTY_SCALE = 1e9     # penalty of the largest prize, in metres of route: prize always comes first
DEFAULT_TIME_LIMIT_S = 60.0  # safety net per site; the greedy descent normally stops well before


@dataclass(frozen=True)
class Routing:
    """Routes of one site's day: waypoint indices in visiting order, their length, duration, arrival times."""

    routes: list[np.ndarray]
    km: np.ndarray
    hours: np.ndarray
    arrival_h: list[np.ndarray]   # hours from the start of the route at each waypoint
    status: str                   # "local optimum", "time_limit" or "no waypoints"
    seconds: float


def route_patrols(depot_xy_km, waypoints_xy_km, prize, vehicles: int, max_km: float, max_h: float,
                  speed_kmh: float, forbidden: np.ndarray | None = None,
                  time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Routing:
    """Solve the prize-collecting routing problem (1)-(5) above for one site.

    `forbidden[a, b]` (nodes: 0 = depot, 1.. = waypoints) marks arcs that may not be used.
    Geometry-free, so tests can check it by hand.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    wp = np.asarray(waypoints_xy_km, float).reshape(-1, 2)
    prize = np.asarray(prize, float)
    use = np.flatnonzero(prize > 0)                              # waypoints worth a visit
    if vehicles < 1 or len(use) == 0:
        return Routing([], np.zeros(0), np.zeros(0), [], "no waypoints", time.perf_counter() - t0)
    nodes_of = np.concatenate([[0], 1 + use])                    # routing node -> depot/waypoint node
    pts = np.vstack([np.asarray(depot_xy_km, float).reshape(1, 2), wp])[nodes_of]
    d_km = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    max_m, max_s = int(round(max_km * 1000)), int(round(max_h * 3600))
    dist_m = np.rint(d_km * 1000).astype(np.int64)
    time_s = np.rint(d_km / speed_kmh * 3600).astype(np.int64)
    if forbidden is not None:                                    # (5)
        ban = np.asarray(forbidden, bool)[np.ix_(nodes_of, nodes_of)]
        dist_m[ban] = max_m + 1
        time_s[ban] = max_s + 1

    manager = pywrapcp.RoutingIndexManager(len(pts), int(vehicles), 0)
    routing = pywrapcp.RoutingModel(manager)
    dist_cb = routing.RegisterTransitMatrix(dist_m.tolist())
    time_cb = routing.RegisterTransitMatrix(time_s.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist_cb)            # (1) route length
    routing.AddDimension(dist_cb, 0, max_m, True, "distance")    # (3)
    routing.AddDimension(time_cb, 0, max_s, True, "time")        # (4)
    penalty = np.maximum(np.rint(prize[use] / prize[use].max() * PENALTY_SCALE), 1).astype(np.int64)
    for k in range(len(use)):                                    # (2), and (1) the dropped prizes
        routing.AddDisjunction([manager.NodeToIndex(k + 1)], int(penalty[k]))

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    seconds = time.perf_counter() - t0
    if solution is None:
        return Routing([], np.zeros(0), np.zeros(0), [], "time_limit", seconds)
    done = routing.status() in (routing_enums_pb2.RoutingSearchStatus.ROUTING_SUCCESS,
                                routing_enums_pb2.RoutingSearchStatus.ROUTING_OPTIMAL)
    status = "local optimum" if done else "time_limit"

    routes, km, hours, arrivals = _read_routes(routing, manager, solution, int(vehicles), dist_m, use)
    return Routing(routes, km, hours, arrivals, status, seconds)


def _read_routes(routing, manager, solution, vehicles: int, dist_m: np.ndarray, use: np.ndarray):
    """Each vehicle's waypoints (in `use`'s numbering), km, hours and arrival times from a routing solution."""
    time_dim = routing.GetDimensionOrDie("time")
    routes, km, hours, arrivals = [], [], [], []
    for v in range(vehicles):
        index = routing.Start(v)
        nodes, arrive, length_m = [], [], 0
        while not routing.IsEnd(index):
            nxt = solution.Value(routing.NextVar(index))
            length_m += dist_m[manager.IndexToNode(index), manager.IndexToNode(nxt)]
            index = nxt
            if not routing.IsEnd(index):
                nodes.append(use[manager.IndexToNode(index) - 1])
                arrive.append(solution.Value(time_dim.CumulVar(index)) / 3600)
        routes.append(np.array(nodes, int))
        arrivals.append(np.array(arrive, float))
        km.append(length_m / 1000)
        hours.append(solution.Value(time_dim.CumulVar(routing.End(v))) / 3600)
    return routes, np.array(km), np.array(hours), arrivals


@dataclass
class Route:
    """One patrol (sortie) of the day: its path from the site and back, and when it passes each vertex."""

    number: int
    start_h: float                # time of day it leaves the site
    xy_km: np.ndarray             # (k, 2) vertices: site, waypoints..., site
    t_h: np.ndarray               # (k,) hours since start_h at each vertex
    km: float
    hours: float


@dataclass
class SiteSchedule:
    """The day's routes of one team site or drone base."""

    asset: int                    # index into scenario.assets
    site: int                     # global candidate-site index j
    units: int
    planned: int                  # patrols (sorties) a day the plan implies: round(units * per_day)
    max_km: float
    max_h: float
    half_width_km: float          # half the view width (swath) of a pass
    waypoints: int
    prize_share: float            # share of the waypoints' prize that the routes collect
    status: str
    seconds: float
    routes: list[Route] = field(default_factory=list)

    @property
    def km_per_day(self) -> float:
        return float(sum(r.km for r in self.routes))

    @property
    def hours_per_day(self) -> float:
        return float(sum(r.hours for r in self.routes))


@dataclass
class Schedule:
    sites: list[SiteSchedule]
    seconds: float = 0.0

    def totals(self, model: Model) -> dict:
        """Patrols (sorties), km and hours a day over all sites, by kind."""
        out = {}
        for kind, word in (("patrol", "patrols"), ("drone", "sorties")):
            mine = [x for x in self.sites if model.scenario.assets[x.asset].kind == kind]
            out[f"{word}_per_day"] = sum(len(x.routes) for x in mine)
            out[f"planned_{word}_per_day"] = sum(x.planned for x in mine)
            out[f"{kind}_km_per_day"] = sum(x.km_per_day for x in mine)
            out[f"{kind}_hours_per_day"] = sum(x.hours_per_day for x in mine)
        return out


def asset_limits(asset) -> tuple[float, float, float, float]:
    """(routes a day per unit, max km, max hours, half width km) of a patrol team or drone."""
    if isinstance(asset, PatrolAsset):
        return asset.patrols_per_day, asset.patrol_km, asset.patrol_km / asset.speed_kmh, asset.view_width_km / 2
    return asset.sorties_per_day, asset.speed_kmh * asset.endurance_h, asset.endurance_h, asset.swath_km / 2


def waypoint_lattice(model: Model, asset) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Track waypoints over the whole line for one asset: (xy_km, side, station number, track spacing km)."""
    s, geo = model.scenario, model.geometry
    width_km = 2 * asset_limits(asset)[3]
    step_km = s.grid.cell_km
    stations = np.arange(step_km / 2, geo.length_km, step_km)
    xy, side, station, spacing = [], [], [], []
    for z in s.zones:
        n_tracks = max(1, math.ceil((z.outer_km - z.inner_km) / width_km - 1e-9))
        gap = (z.outer_km - z.inner_km) / n_tracks
        offsets = z.inner_km + gap * (np.arange(n_tracks) + 0.5)
        for sd in z.sides:
            sign, k = (1.0, 0) if sd == "A" else (-1.0, 1)
            ss = np.repeat(stations, n_tracks)
            oo = np.tile(sign * offsets, len(stations))
            xy.append(geo.place(ss, oo))
            side.append(np.full(len(ss), k, np.int8))
            station.append(np.repeat(np.arange(len(stations)), n_tracks))
            spacing.append(np.full(len(ss), gap))
    return np.concatenate(xy), np.concatenate(side), np.concatenate(station), np.concatenate(spacing)


def _crossing_arcs(model: Model, pts: np.ndarray) -> np.ndarray:
    """forbidden[a, b]: the straight leg between points a and b crosses the line."""
    n = len(pts)
    a, b = np.triu_indices(n, 1)
    legs = shapely.linestrings(np.stack([pts[a], pts[b]], axis=1))
    line = model.geometry.line
    shapely.prepare(line)
    cross = shapely.intersects(line, legs)
    out = np.zeros((n, n), bool)
    out[a[cross], b[cross]] = True
    out[b[cross], a[cross]] = True
    return out


def residual_weight(model: Model, units: np.ndarray) -> np.ndarray:
    """Per cell, the share of all violations there that the plan's sensors miss: sum_c share_c w exp(-U_s)."""
    inst = model.instance
    Us = inst.hazard(np.where(inst.is_sensor, np.asarray(units, float), 0.0))
    return (inst.cell_W * inst.share * inst.fold(np.exp(-Us))).sum(axis=1)  # per cell, over outage states


def build_schedule(model: Model, units: np.ndarray, time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Schedule:
    """Route the day's patrols of every placed team site and the sorties of every placed drone base (satellite
    looks and inspection cycles follow no route)."""
    t0 = time.perf_counter()
    s, st, cells = model.scenario, model.sites, model.cells
    units = np.asarray(units)
    density = residual_weight(model, units) / cells.area_km2      # share of violations per km2
    cell_tree = cKDTree(cells.xy_km)
    out = []
    for ai, asset in enumerate(s.assets):
        placed = np.flatnonzero((st.asset == ai) & (units > 0))
        if asset.kind not in ("patrol", "drone") or len(placed) == 0:
            continue  # sensors watch, satellites look and inspections visit on their cycle: no route
        lattice, lat_side, lat_station, lat_gap = waypoint_lattice(model, asset)
        _, nearest = cell_tree.query(lattice)
        lat_tree = cKDTree(lattice)
        per_day, max_km, max_h, half_w = asset_limits(asset)
        for j in placed:
            near = np.asarray(lat_tree.query_ball_point(st.xy_km[j], asset.radius_km), int)
            if not asset.crosses_line:
                near = near[lat_side[near] == st.side[j]]
            near = np.sort(near)
            every = max(1, math.ceil(len(near) / MAX_WAYPOINTS))
            near = near[lat_station[near] % every == 0]
            prize = density[nearest[near]] * lat_gap[near] * s.grid.cell_km * every
            planned = int(math.floor(units[j] * per_day + 0.5))
            site = SiteSchedule(ai, int(j), int(units[j]), planned, max_km, max_h, half_w, len(near), 0.0,
                                "no waypoints" if len(near) == 0 else "no patrols planned", 0.0)
            out.append(site)
            if len(near) == 0 or planned == 0:
                continue
            pts = np.vstack([st.xy_km[j][None, :], lattice[near]])
            forbidden = None if asset.crosses_line else _crossing_arcs(model, pts)
            _route_site(site, pts, prize, asset.speed_kmh, forbidden, time_limit_s)
            log.info("schedule: %s site %d: %d routes, %.1f km a day, %s (%.1f s)", asset.name,
                     int(st.index[j]), len(site.routes), site.km_per_day, site.status, time.perf_counter() - t0)
    return Schedule(out, time.perf_counter() - t0)


def _route_site(site: SiteSchedule, pts: np.ndarray, prize: np.ndarray, speed_kmh: float,
                forbidden: np.ndarray | None, time_limit_s: float) -> None:
    """Route `site.planned` patrols in rounds (patrols a round leaves unused go round again), then laps."""
    left, collected, statuses = site.planned, np.zeros(len(prize), bool), []
    routes: list[np.ndarray] = []
    while left > 0:
        r = route_patrols(pts[0], pts[1:], prize, left, site.max_km, site.max_h, speed_kmh, forbidden,
                          time_limit_s)
        site.seconds += r.seconds
        statuses.append(r.status)
        used = [k for k, nodes in enumerate(r.routes) if len(nodes)]
        if not used:
            break
        for k in used:
            routes.append(r.routes[k])
            collected[r.routes[k]] = True
        left -= len(used)
    site.status = "time_limit" if "time_limit" in statuses else statuses[0] if statuses else "no waypoints"
    site.prize_share = float(prize[collected].sum() / prize.sum()) if prize.sum() > 0 else 0.0
    max_km = min(site.max_km, site.max_h * speed_kmh)
    for k, nodes in enumerate(routes):
        xy = lap_path(pts, 1 + nodes, max_km, forbidden)
        cum_km = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        site.routes.append(Route(k, 24.0 * k / len(routes), xy, cum_km / speed_kmh, float(cum_km[-1]),
                                 float(cum_km[-1] / speed_kmh)))


def lap_path(pts: np.ndarray, nodes: np.ndarray, max_km: float, forbidden: np.ndarray | None) -> np.ndarray:
    """The route's vertices, its loop of waypoints flown again while the patrol's length allows.

    A route that collects everything it can reach before its length runs out would come home
    early; instead it repeats the loop w1..wk (closing wk -> w1) r times, the most with
    out + r * loop + (r - 1) * close + back <= max_km, unless the closing leg crosses the line.
    """
    d = lambda a, b: float(np.hypot(*(pts[a] - pts[b])))  # noqa: E731
    loop = sum(d(a, b) for a, b in zip(nodes[:-1], nodes[1:]))
    close, out, back = d(nodes[-1], nodes[0]), d(0, nodes[0]), d(nodes[-1], 0)
    laps = 1
    if len(nodes) > 1 and (forbidden is None or not forbidden[nodes[-1], nodes[0]]) and loop + close > 0:
        laps = max(1, int(math.floor((max_km * (1 + 1e-9) - out - back - loop) / (loop + close))) + 1)
    return np.vstack([pts[0], np.tile(pts[nodes], (laps, 1)), pts[0]])


def route_segments(model: Model, schedule: Schedule) -> dict[str, np.ndarray]:
    """Every leg of every route as arrays: ends a, b (km), time of day at a and b, route, asset, half width.

    Legs are numbered route by route, so consecutive legs of one route have consecutive numbers.
    """
    cols = {k: [] for k in ("a", "b", "t_a", "t_b", "route", "asset", "side", "half_width_km")}
    r = 0
    for site in schedule.sites:
        for route in site.routes:
            k = len(route.xy_km) - 1
            cols["a"].append(route.xy_km[:-1])
            cols["b"].append(route.xy_km[1:])
            cols["t_a"].append(route.start_h + route.t_h[:-1])
            cols["t_b"].append(route.start_h + route.t_h[1:])
            cols["route"].append(np.full(k, r))
            cols["asset"].append(np.full(k, site.asset))
            cols["side"].append(np.full(k, model.sites.side[site.site]))
            cols["half_width_km"].append(np.full(k, site.half_width_km))
            r += 1
    if r == 0:
        return {"a": np.zeros((0, 2)), "b": np.zeros((0, 2)), **{k: np.zeros(0) for k in list(cols)[2:]}}
    return {k: np.concatenate(v) for k, v in cols.items()}


