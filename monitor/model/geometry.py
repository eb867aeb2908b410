"""The line in a local metric projection, the zone bands, the cells, and candidate sites.

A point at arc position s (km along the line) and signed offset o (km, positive on
side A, the left of the line's direction) sits at

    X(s, o) = P(s) + o * N(s),

where P(s) is the point of the line at s and N(s) the left unit normal of the line's
direction smoothed over +-h, so that bands do not fold at the sharp vertices of a drawn
line: for a zone's cells h is the larger of its cell length and its outer edge, for sites
and located points the larger of grid.cell_km and the outer edge of the narrowest zone. A cell is the
quadrilateral between two stations along the line and two row edges across it; its area
and centroid come from the shoelace formula on its four corners, so on a straight line
zone areas are exactly length x width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from shapely.geometry import LineString

from ..errors import InputError, Problem
from .linefile import line_of
from .schema import SECTOR_KINDS, SIDES, Scenario


@dataclass(frozen=True)
class Places:
    """Points along the line as parallel arrays: projected km, lon/lat, arc position, offset, side."""

    x_km: np.ndarray
    y_km: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    s_km: np.ndarray
    offset_km: np.ndarray
    side: np.ndarray  # 0 = A, 1 = B

    def __len__(self) -> int:
        return len(self.x_km)

    @property
    def xy_km(self) -> np.ndarray:
        return np.column_stack([self.x_km, self.y_km])


@dataclass(frozen=True)
class Cells(Places):
    """Cells of all zones (one entry per cell), at their centroids."""

    zone: np.ndarray  # index into Scenario.zones
    area_km2: np.ndarray
    corners_km: np.ndarray  # (n, 4, 2)


@dataclass(frozen=True)
class CandidateSites(Places):
    """Candidate sites of all assets (one entry per site)."""

    asset: np.ndarray  # index into Scenario.assets
    index: np.ndarray  # site number within its asset (existing units follow the candidates)
    existing: np.ndarray | None = None  # (sites,) a unit already stands here and stays in every plan


class Geometry:
    """The projected line, with the functions that place points along and across it."""

    def __init__(self, lonlat: list[tuple[float, float]], smooth_km: float):
        lon = np.array([p[0] for p in lonlat])
        lat = np.array([p[1] for p in lonlat])
        lon0, lat0 = (lon.min() + lon.max()) / 2, (lat.min() + lat.max()) / 2
        crs = pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m")
        self.crs = crs
        self._fwd = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        self._inv = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        x, y = self.to_km(lon, lat)
        self.line = LineString(np.column_stack([x, y]))
        self.length_km = float(self.line.length)
        self.geodesic_km = float(pyproj.Geod(ellps="WGS84").line_length(lon, lat)) / 1000
        self.smooth_km = smooth_km
        self.properties: dict = {}  # the GeoJSON feature's properties, when the line came from a file

    def to_km(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        x, y = self._fwd.transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x) / 1000, np.asarray(y) / 1000

    def to_lonlat(self, x_km, y_km) -> tuple[np.ndarray, np.ndarray]:
        lon, lat = self._inv.transform(np.asarray(x_km, float) * 1000, np.asarray(y_km, float) * 1000)
        return np.asarray(lon), np.asarray(lat)

    def point_at(self, s_km: np.ndarray) -> np.ndarray:
        """P(s): points of the line at arc positions s (clamped to the line)."""
        s = np.clip(np.asarray(s_km, float), 0, self.length_km)
        return shapely.get_coordinates(shapely.line_interpolate_point(self.line, s))

    def normal_at(self, s_km: np.ndarray, smooth_km: float | None = None) -> np.ndarray:
        """N(s): left unit normal of the direction P(s + h) - P(s - h), h = smooth_km (the line's own by default)."""
        s = np.clip(np.asarray(s_km, float), 0, self.length_km)  # a sector's station may lie past the end
        h = min(self.smooth_km if smooth_km is None else smooth_km, self.length_km / 2)
        d = self.point_at(s + h) - self.point_at(s - h)
        d /= np.linalg.norm(d, axis=1, keepdims=True)
        return np.column_stack([-d[:, 1], d[:, 0]])

    def place(self, s_km: np.ndarray, offset_km: np.ndarray) -> np.ndarray:
        """X(s, o) = P(s) + o N(s)."""
        s = np.asarray(s_km, float)
        return self.point_at(s) + np.asarray(offset_km, float)[:, None] * self.normal_at(s)

    def locate(self, x_km: np.ndarray, y_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Arc position and signed offset (positive on side A) of projected points."""
        pts = shapely.points(np.asarray(x_km, float), np.asarray(y_km, float))
        s = shapely.line_locate_point(self.line, pts)
        foot = self.point_at(s)
        d = np.column_stack([x_km, y_km]) - foot
        n = self.normal_at(s)
        dist = np.hypot(d[:, 0], d[:, 1])
        sign = np.where((d * n).sum(axis=1) >= 0, 1.0, -1.0)
        return s, sign * dist


def segment_index(s_km: np.ndarray, length_km: float, segment_km: float) -> np.ndarray:
    """The segment of `segment_km` along the line holding each position s_km: floor(s / segment_km),
    the last (shorter) segment taking the line's end."""
    last = max(np.ceil(length_km / segment_km) - 1, 0)
    return np.minimum(np.floor(np.asarray(s_km) / segment_km), last).astype(np.int64)


def build_geometry(s: Scenario) -> Geometry:
    lonlat, props = line_of(s)
    nearest = min(z.outer_km for z in s.zones)  # sites and located points follow the band nearest the line
    geo = Geometry(lonlat, smooth_km=max(s.grid.cell_km, nearest))
    geo.properties = props
    return geo


def side_names(s: Scenario, geo: Geometry) -> tuple[str, str]:
    """Names of sides A and B: the config's, else the GeoJSON's left_side/right_side."""
    if s.line.side_names is not None:
        return s.line.side_names
    props = geo.properties
    return (str(props.get("left_side", "side A")), str(props.get("right_side", "side B")))


def build_cells(s: Scenario, geo: Geometry) -> Cells:
    """Cut every zone band into cells: round(L / cell_km) equal stations along, rows evenly across,
    with the zone's own cell sizes (`Scenario.zone_grid`). Each band's normals are smoothed over
    its own outer edge (at least its cell length), so a wide limitation zone does not fold at the
    line's bends and a narrow DMZ still follows them."""
    L = geo.length_km
    blocks = {k: [] for k in ("corners", "s", "o", "side", "zone")}
    for zi, z in enumerate(s.zones):
        cell_km, row_km = s.zone_grid(z)
        n_st = max(1, round(L / cell_km))  # equal stations of about cell_km: no sliver at the end
        edges_s = np.linspace(0.0, L, n_st + 1)
        n_rows = max(1, math.ceil((z.outer_km - z.inner_km) / row_km - 1e-9))
        dist = np.linspace(z.inner_km, z.outer_km, n_rows + 1)
        P = geo.point_at(edges_s)
        N = geo.normal_at(edges_s, smooth_km=max(cell_km, z.outer_km))
        for side in z.sides:
            offs = (1.0 if side == "A" else -1.0) * dist
            grid = P[:, None, :] + offs[None, :, None] * N[:, None, :]  # (n_st+1, n_rows+1, 2)
            c = np.stack([grid[:-1, :-1], grid[1:, :-1], grid[1:, 1:], grid[:-1, 1:]], axis=2)  # (n_st, n_rows, 4, 2)
            blocks["corners"].append(c.reshape(-1, 4, 2))
            blocks["s"].append(np.repeat((edges_s[:-1] + edges_s[1:]) / 2, n_rows))
            blocks["o"].append(np.tile((offs[:-1] + offs[1:]) / 2, n_st))
            blocks["side"].append(np.full(n_st * n_rows, SIDES.index(side), dtype=np.int8))
            blocks["zone"].append(np.full(n_st * n_rows, zi, dtype=np.int16))
    corners = _untwist(np.concatenate(blocks["corners"]))
    area, cx, cy = _polygon_area_centroid(corners)
    lon, lat = geo.to_lonlat(cx, cy)
    return Cells(
        x_km=cx, y_km=cy, lon=lon, lat=lat,
        s_km=np.concatenate(blocks["s"]), offset_km=np.concatenate(blocks["o"]),
        side=np.concatenate(blocks["side"]), zone=np.concatenate(blocks["zone"]),
        area_km2=area, corners_km=corners,
    )


def _untwist(corners: np.ndarray) -> np.ndarray:
    """Quadrilaterals (n, 4, 2) whose side edges p1-p2 and p3-p0 cross (a cell folded where the line bends
    more tightly than its row is far from it: the outer corners come in reverse order) get p2 and p3
    swapped; those whose row edges p0-p1 and p2-p3 cross get their corners in angular order; so every
    cell is a simple polygon. The others are returned as they are."""
    def side(a, b, c):  # sign of the cross product (b - a) x (c - a)
        return np.sign((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0]))
    p0, p1, p2, p3 = (corners[:, k] for k in range(4))
    crossed = (side(p1, p2, p3) * side(p1, p2, p0) < 0) & (side(p3, p0, p1) * side(p3, p0, p2) < 0)
    out = corners.copy()
    out[crossed, 2], out[crossed, 3] = corners[crossed, 3], corners[crossed, 2]
    # Folds across the row edges instead (p0-p1 crossing p2-p3): order those corners by angle around their mean.
    q0, q1, q2, q3 = (out[:, k] for k in range(4))
    twisted = (side(q0, q1, q2) * side(q0, q1, q3) < 0) & (side(q2, q3, q0) * side(q2, q3, q1) < 0)
    if twisted.any():
        c = out[twisted]
        d = c - c.mean(axis=1, keepdims=True)
        order = np.argsort(np.arctan2(d[..., 1], d[..., 0]), axis=1)
        out[twisted] = np.take_along_axis(c, order[..., None], axis=1)
    return out


def _polygon_area_centroid(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Shoelace area and centroid of many quadrilaterals (n, 4, 2), whatever their winding.

    A = 1/2 sum_k (x_k y_{k+1} - x_{k+1} y_k),  C = 1/(6A) sum_k (p_k + p_{k+1}) (x_k y_{k+1} - x_{k+1} y_k).
    Corners are taken relative to the first one to keep the products small.
    """
    p = corners - corners[:, :1, :]
    q = np.roll(p, -1, axis=1)
    cross = p[..., 0] * q[..., 1] - q[..., 0] * p[..., 1]
    a = cross.sum(axis=1) / 2
    safe = np.where(np.abs(a) > 1e-12, a, 1.0)
    cx = ((p[..., 0] + q[..., 0]) * cross).sum(axis=1) / (6 * safe)
    cy = ((p[..., 1] + q[..., 1]) * cross).sum(axis=1) / (6 * safe)
    mean = p.mean(axis=1)
    cx = np.where(np.abs(a) > 1e-12, cx, mean[:, 0]) + corners[:, 0, 0]
    cy = np.where(np.abs(a) > 1e-12, cy, mean[:, 1]) + corners[:, 0, 1]
    return np.abs(a), cx, cy


def build_sites(s: Scenario, geo: Geometry) -> CandidateSites:
    """Candidate sites of every asset, on the sides it may use, in the order of s.assets."""
    cols = {k: [] for k in ("asset", "index", "x", "y", "s", "o", "existing")}
    problems: list[Problem] = []
    for ai, a in enumerate(s.assets):
        x, y, sk, ok = _candidates(a, geo)
        side = np.where(ok >= 0, 0, 1)  # a point exactly on the line counts as side A
        allowed = np.isin(side, [SIDES.index(x_) for x_ in a.sides])
        n = int(allowed.sum())
        if n == 0:
            problems.append(Problem(f"gives no candidate site on the sides it may use ({', '.join(a.sides)}) "
                                    f"along the {geo.length_km:.1f} km line", s.source, f"assets[{a.name}].sites",
                                    a.sites.model_dump(exclude_defaults=True)))
        ex_x, ex_y, ex_s, ex_o = _existing(s, a, geo, problems)
        cols["asset"].append(np.full(n + len(ex_x), ai, dtype=np.int32))
        cols["index"].append(np.concatenate([np.arange(len(allowed))[allowed],
                                             len(allowed) + np.arange(len(ex_x))]).astype(np.int32))
        cols["x"].append(np.concatenate([np.asarray(x)[allowed], ex_x]))
        cols["y"].append(np.concatenate([np.asarray(y)[allowed], ex_y]))
        cols["s"].append(np.concatenate([np.asarray(sk)[allowed], ex_s]))
        cols["o"].append(np.concatenate([np.asarray(ok)[allowed], ex_o]))
        cols["existing"].append(np.arange(n + len(ex_x)) >= n)
    if problems:
        raise InputError(problems)
    x, y = np.concatenate(cols["x"]), np.concatenate(cols["y"])
    lon, lat = geo.to_lonlat(x, y)
    o = np.concatenate(cols["o"])
    return CandidateSites(
        asset=np.concatenate(cols["asset"]), index=np.concatenate(cols["index"]),
        x_km=x, y_km=y, lon=lon, lat=lat, s_km=np.concatenate(cols["s"]),
        offset_km=o, side=np.where(o >= 0, 0, 1).astype(np.int8), existing=np.concatenate(cols["existing"]),
    )


def _candidates(a, geo: Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, s, offset) of an asset's candidate sites: its listed points, or spaced along the line."""
    if a.sites.points is not None:
        x, y = geo.to_km(np.array([p[0] for p in a.sites.points]), np.array([p[1] for p in a.sites.points]))
        sk, ok = geo.locate(x, y)
        return x, y, sk, ok
    sp = a.sites.spacing_km
    # Sectors tile the line: the last one reaches its end even when its station lies past it.
    end = geo.length_km + (sp / 2 if a.kind in SECTOR_KINDS else 0.0)
    stations = np.arange(sp / 2, end, sp)
    sk = np.repeat(stations, len(a.sites.offsets_km))
    ok = np.tile(np.array(a.sites.offsets_km, float), len(stations))
    xy = geo.place(sk, ok)
    return xy[:, 0], xy[:, 1], sk, ok


def _existing(s: Scenario, a, geo: Geometry, problems: list) -> tuple[np.ndarray, ...]:
    """(x, y, s, offset) of an asset's existing units; a problem for each on a side it may not stand on."""
    if not a.existing:
        return tuple(np.zeros(0) for _ in range(4))
    x, y = geo.to_km(np.array([p[0] for p in a.existing]), np.array([p[1] for p in a.existing]))
    sk, ok = geo.locate(x, y)
    side = np.where(ok >= 0, 0, 1)
    for k in np.flatnonzero(~np.isin(side, [SIDES.index(x_) for x_ in a.sides])):
        problems.append(Problem(f"stands on side {SIDES[side[k]]}, where the asset may not stand (sides = "
                                f"{list(a.sides)})", s.source, f"assets[{a.name}].existing[{k}]", list(a.existing[k])))
    return np.asarray(x, float), np.asarray(y, float), np.asarray(sk, float), np.asarray(ok, float)


def band_fidelity(s: Scenario, geo: Geometry, cells: Cells) -> dict:
    """Per zone, how well its cells tile the true band (the points within inner_km..outer_km of the line
    on its sides, from shapely's one-sided buffers): the band's area, the share of it the cells cover,
    and the share of the cells' summed area that overlaps another cell (where the line bends more
    tightly than the band is wide). A straight line gives 1 and 0; a drawn line with salients less."""
    out = {}
    for zi, z in enumerate(s.zones):
        band = None
        for side in z.sides:
            sign = 1.0 if side == "A" else -1.0  # shapely: a positive distance buffers the left side
            outer = shapely.buffer(geo.line, sign * z.outer_km, single_sided=True)
            part = outer if z.inner_km <= 0 else shapely.difference(
                outer, shapely.buffer(geo.line, sign * z.inner_km, single_sided=True))
            band = part if band is None else shapely.union(band, part)
        polys = shapely.make_valid(shapely.polygons(cells.corners_km[cells.zone == zi]))
        union = shapely.union_all(polys)
        total = float(cells.area_km2[cells.zone == zi].sum())
        out[z.name] = {"band_km2": float(band.area), "covered_share": float(shapely.intersection(union, band).area
                                                                            / band.area) if band.area > 0 else 0.0,
                       "overlap_share": max(0.0, 1 - float(union.area) / total) if total > 0 else 0.0}
    return out
