"""GIS layers of a plan, as GeoJSON in WGS84 (EPSG:4326, written in each file's `crs`), for
QGIS, GDAL or a web map:

    cells.geojson        cell polygons: zone, side, area, violation weight, detection overall and per class
    line.geojson         the line
    zones.geojson        each zone band on each side, as the union of its cells
    placements.geojson   placed sites: asset, kind, units, radius_km, yearly cost
    coverage.geojson     the circle of radius_km around each placed site, or the sector's cells

Numbers are JSON numbers, so readers type the columns (Integer, Real, String).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..model.build import ScenarioModel
from ..model.metrics import detection_by_cell, placements
from ..model.schema import SECTOR_KINDS
from ..model.verification import verified_share_by_cell

CRS84 = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}  # WGS84, lon/lat order
CIRCLE_SEGMENTS = 16  # segments a quarter circle of a coverage layer


def collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "crs": CRS84, "features": features}


def _lonlat(model: ScenarioModel, geom):
    """A shapely geometry in local km to lon/lat, on a grid of 1e-6 degrees (about 0.1 m); snapping keeps
    polygons valid (rounding alone can make a band's ring touch itself where the line bends tightly)."""
    def to(xy):
        lon, lat = model.geometry.to_lonlat(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])
    return shapely.set_precision(shapely.transform(geom, to), 1e-6)


def _feature(geom, props: dict) -> dict:
    return {"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": props}


def cells_geojson(model: ScenarioModel, units: np.ndarray) -> dict:
    """One polygon a cell, with its weight (share of all violations), detection and verified share."""
    s, c, inst = model.scenario, model.cells, model.instance
    P = inst.fold(inst.detection_by_cell(units))  # per cell, over outage states
    det = detection_by_cell(model, units)
    ver = verified_share_by_cell(model, units)
    weight = (inst.cell_W * inst.share).sum(axis=1)
    polys = _lonlat(model, shapely.polygons(np.concatenate([c.corners_km, c.corners_km[:, :1]], axis=1)))
    names = [k.name for k in s.violations.classes]
    zones = [z.name for z in s.zones]
    feats = []
    for i, poly in enumerate(polys):
        props = {"cell": i, "zone": zones[c.zone[i]], "side": model.sides[c.side[i]],
                 "s_km": round(float(c.s_km[i]), 3), "offset_km": round(float(c.offset_km[i]), 3),
                 "area_km2": round(float(c.area_km2[i]), 6), "weight": float(weight[i]),
                 "detection": round(float(det[i]), 9)}
        props.update({f"detection_{n}": round(float(P[i, k]), 9) for k, n in enumerate(names)})
        props["verified"] = round(float(ver[i]), 9)
        feats.append(_feature(poly, props))
    return collection(feats)


def line_geojson(model: ScenarioModel) -> dict:
    g = model.geometry
    return collection([_feature(_lonlat(model, g.line), {"name": model.scenario.name,
                                                         "length_km": round(g.length_km, 3),
                                                         "side_a": model.sides[0], "side_b": model.sides[1]})])


def zones_geojson(model: ScenarioModel) -> dict:
    """Each zone on each side: the union of its cells (a band along the line)."""
    c = model.cells
    polys = shapely.polygons(np.concatenate([c.corners_km, c.corners_km[:, :1]], axis=1))
    feats = []
    for zi, z in enumerate(model.scenario.zones):
        for side in (0, 1):
            sel = (c.zone == zi) & (c.side == side)
            if sel.any():
                band = shapely.union_all(shapely.buffer(polys[sel], 1e-6))
                feats.append(_feature(_lonlat(model, band), {
                    "zone": z.name, "side": model.sides[side], "inner_km": z.inner_km, "outer_km": z.outer_km,
                    "area_km2": round(float(c.area_km2[sel].sum()), 3)}))
    return collection(feats)


def placements_geojson(model: ScenarioModel, units: np.ndarray) -> dict:
    """Placed sites, with what a map needs to draw their coverage: radius_km and the yearly cost."""
    assets = {a.name: a for a in model.scenario.assets}
    feats = []
    for p in placements(model, units):
        a = assets[p["asset"]]
        props = {**p, "radius_km": a.radius_km, "annual_usd": round(a.annual_usd * p["units"], 2)}
        feats.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
                      "properties": props})
    return collection(feats)


def coverage_area(model: ScenarioModel, j: int):
    """What the unit at site j covers, in km of the local projection: the circle of radius_km, or for a
    sector asset (satellite, inspection) the union of the cells it reaches (its stretch of its zones)."""
    a, st = model.scenario.assets[model.sites.asset[j]], model.sites
    if a.kind not in SECTOR_KINDS:
        return shapely.buffer(shapely.points(st.x_km[j], st.y_km[j]), a.radius_km, quad_segs=CIRCLE_SEGMENTS)
    key = ("sector", int(j))  # the union is costly: computed once for the GIS layers and report.html
    if key not in model.cache:
        rows = model.instance.B[:, [j]].nonzero()[0]
        cells = np.unique(rows if model.instance.row_cell is None else model.instance.row_cell[rows])
        model.cache[key] = shapely.union_all(shapely.buffer(shapely.polygons(model.cells.corners_km[cells]), 1e-6))
    return model.cache[key]


def coverage_geojson(model: ScenarioModel, units: np.ndarray) -> dict:
    """The area each placed unit covers: the circle of radius_km around its site, or its sector's cells
    (in the local metric projection, then to lon/lat)."""
    s, st = model.scenario, model.sites
    feats = []
    for j in np.flatnonzero(np.asarray(units) > 0):
        a = s.assets[st.asset[j]]
        circle = coverage_area(model, j)
        feats.append(_feature(_lonlat(model, circle), {"asset": a.name, "kind": a.kind, "site": int(st.index[j]),
                                                       "units": int(units[j]), "radius_km": a.radius_km}))
    return collection(feats)


def layers(model: ScenarioModel, units: np.ndarray) -> dict[str, dict]:
    """Every layer, by file name."""
    return {"cells.geojson": cells_geojson(model, units), "line.geojson": line_geojson(model),
            "zones.geojson": zones_geojson(model), "placements.geojson": placements_geojson(model, units),
            "coverage.geojson": coverage_geojson(model, units)}
