"""What a map needs around the plan so a reader can place it: borders, coast, rivers and towns
from the bundled Natural Earth layers, a lon/lat graticule, and where the side names and the
worst stretch of line go, all in the km frame of the model's projection.

The figures module (`plots.py`) draws these; nothing here imports matplotlib, so the
geometry can be tested without a figure. The layers are `monitor/data/basemap/*.geojson`
(one file per region; the folder's README.md names the source and the filters), parsed once
per process. A line outside every region's box gets no layers, and no error: the map is
then drawn as before, with its graticule.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import LineString
from shapely.ops import substring

from ..model.geometry import Geometry

LAYERS = ("border", "coast", "river", "place")
STEPS_DEG = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)  # graticule spacings, finest first


@dataclass(frozen=True)
class Region:
    """One layers file: its name (the file's stem), its lon/lat box and its features in lon/lat."""

    name: str
    bbox: tuple[float, float, float, float]  # lon_min, lat_min, lon_max, lat_max
    features: tuple[tuple[str, dict, tuple[np.ndarray, ...]], ...]  # (layer, properties, parts (n, 2))


@dataclass(frozen=True)
class Feature:
    """A feature in the map's km frame: a polyline's vertices, or a place as one point (1, 2)."""

    layer: str
    props: dict
    xy_km: np.ndarray


def _folder():
    return resources.files("monitor") / "data" / "basemap"


@lru_cache(maxsize=1)
def region_names() -> tuple[str, ...]:
    """The bundled regions, by file stem (for instance "ukraine-region")."""
    return tuple(sorted(p.name.removesuffix(".geojson") for p in _folder().iterdir() if p.name.endswith(".geojson")))


@lru_cache(maxsize=None)
def load_region(name: str) -> Region:
    """Parse one layers file with the stdlib json (cached: every map of a run reuses it)."""
    doc = json.loads((_folder() / f"{name}.geojson").read_text(encoding="utf-8"))
    feats = []
    for f in doc["features"]:
        g = f["geometry"]
        parts = {"Point": [[g["coordinates"]]], "LineString": [g["coordinates"]],
                 "MultiLineString": g["coordinates"]}[g["type"]]
        arrays = tuple(np.asarray(p, float).reshape(-1, 2) for p in parts)
        for a in arrays:
            a.setflags(write=False)  # shared by every caller through the cache
        feats.append((f["properties"]["layer"], dict(f["properties"]), arrays))
    if "bbox" in doc:
        bbox = tuple(float(v) for v in doc["bbox"])
    else:
        allxy = np.concatenate([a for _, _, parts in feats for a in parts])
        bbox = (*allxy.min(axis=0), *allxy.max(axis=0))
    return Region(name, bbox, tuple(feats))


def line_bounds(geo: Geometry) -> tuple[float, float, float, float]:
    """lon_min, lat_min, lon_max, lat_max of the line's vertices."""
    x, y = np.asarray(geo.line.coords).T
    lon, lat = geo.to_lonlat(x, y)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def regions_for(geo: Geometry) -> list[Region]:
    """The bundled regions whose box overlaps the line's lon/lat bounds (none for a line elsewhere)."""
    a = line_bounds(geo)
    out = []
    for name in region_names():
        r = load_region(name)
        b = r.bbox
        if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
            out.append(r)
    return out


def extent_lonlat(geo: Geometry, extent: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """lon/lat bounds of a km extent (x0, y0, x1, y1), from points along its edges (the projection
    bends them, so the corners alone may miss a bulge)."""
    x0, y0, x1, y1 = extent
    t = np.linspace(0, 1, 41)
    xs = np.concatenate([x0 + (x1 - x0) * t, np.full_like(t, x1), x1 - (x1 - x0) * t, np.full_like(t, x0)])
    ys = np.concatenate([np.full_like(t, y0), y0 + (y1 - y0) * t, np.full_like(t, y1), y1 - (y1 - y0) * t])
    lon, lat = geo.to_lonlat(xs, ys)
    return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())


def _polylines(geom) -> list[np.ndarray]:
    """The vertices of each line piece of a clipped geometry (empty pieces and points dropped)."""
    return [shapely.get_coordinates(p) for p in shapely.get_parts(geom)
            if shapely.get_type_id(p) == 1 and not p.is_empty]


def features(geo: Geometry, extent: tuple[float, float, float, float]) -> list[Feature]:
    """The layers of every region overlapping the line, projected with `geo.to_km` and clipped to
    the km extent (x0, y0, x1, y1). Lines are first cut to the extent's lon/lat bounds (1 degree
    wider) so only what can show is projected; places keep only those inside the extent."""
    x0, y0, x1, y1 = extent
    lo0, la0, lo1, la1 = extent_lonlat(geo, extent)
    out = []
    for region in regions_for(geo):
        for layer, props, parts in region.features:
            if layer == "place":
                px, py = geo.to_km([props["lon"]], [props["lat"]])
                if x0 <= px[0] <= x1 and y0 <= py[0] <= y1:
                    out.append(Feature(layer, props, np.array([[px[0], py[0]]])))
                continue
            for part in parts:
                if len(part) < 2:
                    continue
                for ll in _polylines(shapely.clip_by_rect(LineString(part), lo0 - 1, la0 - 1, lo1 + 1, la1 + 1)):
                    kx, ky = geo.to_km(ll[:, 0], ll[:, 1])
                    for xy in _polylines(shapely.clip_by_rect(LineString(np.column_stack([kx, ky])), x0, y0, x1, y1)):
                        out.append(Feature(layer, props, xy))
    return out


@dataclass(frozen=True)
class Graticule:
    """Projected lines of constant lon and lat, and where they cross the map's top and right edges."""

    step_deg: float
    lines: list[tuple[str, float, np.ndarray]]  # ("lon" | "lat", degrees, (n, 2) km), clipped to the extent
    top: list[tuple[float, str]]    # (x km, label) where a meridian meets the top edge
    right: list[tuple[float, str]]  # (y km, label) where a parallel meets the right edge


def degrees(value: float, kind: str, step: float) -> str:
    """A graticule label such as 36°E, 48.5°N or 0°, with the decimals the step needs."""
    d = len(f"{step:g}".partition(".")[2])  # 0.05 -> 2, 0.5 -> 1, 2 -> 0
    hemi = "" if value == 0 else ("E" if value > 0 else "W") if kind == "lon" else ("N" if value > 0 else "S")
    return f"{abs(value):.{d}f}°{hemi}"


def graticule(geo: Geometry, extent: tuple[float, float, float, float], most: int = 10) -> Graticule:
    """Meridians and parallels every `step` degrees, the finest of STEPS_DEG that draws at most
    `most` lines across the extent's wider lon/lat span (every degree on a map 5 to 10 degrees
    across, as the bundled lines' are; every 2 up to 20), so a reader can read lon/lat off the edges."""
    x0, y0, x1, y1 = extent
    lo0, la0, lo1, la1 = extent_lonlat(geo, extent)
    span = max(lo1 - lo0, la1 - la0)
    step = next((s for s in STEPS_DEG if span / s <= most), STEPS_DEG[-1])
    frame = shapely.box(x0, y0, x1, y1)
    top_edge, right_edge = LineString([(x0, y1), (x1, y1)]), LineString([(x1, y0), (x1, y1)])
    lines, top, right = [], [], []
    t = np.linspace(0, 1, 200)
    for kind, a, b, c, d in (("lon", lo0, lo1, la0, la1), ("lat", la0, la1, lo0, lo1)):
        for v in np.arange(math.ceil(a / step) * step, b + 1e-9, step):
            v = round(float(v), 6)
            run = c + (d - c) * t
            lon, lat = (np.full_like(run, v), run) if kind == "lon" else (run, np.full_like(run, v))
            kx, ky = geo.to_km(lon, lat)
            full = LineString(np.column_stack([kx, ky]))
            for xy in _polylines(shapely.intersection(full, frame)):
                lines.append((kind, v, xy))
            edge, keep = (top_edge, top) if kind == "lon" else (right_edge, right)
            for p in shapely.get_parts(shapely.intersection(full, edge)):
                if shapely.get_type_id(p) == 0:
                    keep.append((float(p.x if kind == "lon" else p.y), degrees(v, kind, step)))
    return Graticule(step, lines, top, right)


def stretch(geo: Geometry, from_km: float, to_km: float) -> np.ndarray:
    """The line's vertices between two arc positions (km along the line), as an (n, 2) km polyline."""
    return shapely.get_coordinates(substring(geo.line, from_km, to_km))


def side_points(geo: Geometry, extent: tuple[float, float, float, float], offset_km: float) -> list[np.ndarray]:
    """Where the names of sides A and B may go: pairs of points (2, 2), A first, `offset_km` off the
    line on each side at arc positions from the middle outwards, kept where both fall inside the
    extent, on their own side and at least 0.7 x offset_km from every part of the line (a winding
    line can come back). The figure takes the first pair whose names clash with nothing."""
    x0, y0, x1, y1 = extent
    margin = 0.05 * min(x1 - x0, y1 - y0)
    fractions = 0.5 + np.array([0.0] + [d * k for k in range(1, 9) for d in (-0.05, 0.05)])
    s = np.repeat(fractions * geo.length_km, 2)
    pts = geo.place(s, np.tile([offset_km, -offset_km], len(fractions)))
    inside = ((pts[:, 0] > x0 + margin) & (pts[:, 0] < x1 - margin)
              & (pts[:, 1] > y0 + margin) & (pts[:, 1] < y1 - margin))
    far = shapely.distance(geo.line, shapely.points(pts)) >= 0.7 * offset_km
    _, o = geo.locate(pts[:, 0], pts[:, 1])
    own = np.where(np.arange(len(pts)) % 2 == 0, o > 0, o < 0)
    ok = (inside & far & own).reshape(-1, 2).all(axis=1)
    return [pts[2 * k: 2 * k + 2] for k in np.flatnonzero(ok)]


def clear_of_line(geo: Geometry, x0: float, y0: float, x1: float, y1: float) -> bool:
    """Whether a km box (a label's, say) keeps off the line."""
    return not shapely.intersects(geo.line, shapely.box(x0, y0, x1, y1))


def spaced(xy: np.ndarray, min_km: float, taken: np.ndarray | None = None) -> list[int]:
    """Indices of points (taken in the given order, the most important first) kept so that none lies
    within `min_km` of one kept before or of a point in `taken`: labels that do not pile up."""
    kept: list[int] = []
    others = np.zeros((0, 2)) if taken is None else np.asarray(taken, float).reshape(-1, 2)
    for i, p in enumerate(np.asarray(xy, float)):
        near = np.vstack([others, xy[kept]]) if kept else others
        if len(near) == 0 or np.hypot(*(near - p).T).min() >= min_km:
            kept.append(i)
    return kept
