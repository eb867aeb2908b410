"""Map context: the Natural Earth layers ship with the package, the right region is picked for a
line, features land where they are on the ground once projected, and the maps draw them (or, for
a line outside every region, draw without them)."""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pytest
import shapely
from conftest import CONFIGS, TOY
from matplotlib.figure import Figure

import monitor
from monitor.model.metrics import plan_metrics
from monitor.outputs import basemap
from monitor.outputs.plots import plot_map, plot_routes
from monitor.outputs.text import pct

UKRAINE = CONFIGS / "ukraine-2025.toml"
UNIIMOG = CONFIGS / "uniimog-1988.toml"


@pytest.fixture(scope="module")
def models():
    return {p.stem: monitor.validate(p).model for p in (UKRAINE, UNIIMOG, TOY)}


@pytest.fixture(scope="module")
def uniimog():
    return monitor.solve(UNIIMOG)


def cell_extent(model) -> tuple[float, float, float, float]:
    xy = model.cells.corners_km.reshape(-1, 2)
    return (*xy.min(axis=0), *xy.max(axis=0))


def test_the_layers_load_from_the_package():
    folder = resources.files("monitor") / "data" / "basemap"
    assert (folder / "README.md").is_file()
    assert basemap.region_names() == ("iran-iraq-region", "ukraine-region")
    for name, places in (("ukraine-region", 123), ("iran-iraq-region", 152)):  # the counts the README gives
        region = basemap.load_region(name)
        layers = [layer for layer, _, _ in region.features]
        assert set(layers) == set(basemap.LAYERS) and layers.count("place") == places
        raw = json.loads((folder / f"{name}.geojson").read_text(encoding="utf-8"))
        assert region.bbox == tuple(raw["bbox"]) and len(region.features) == len(raw["features"])
    assert basemap.load_region("ukraine-region") is basemap.load_region("ukraine-region")  # parsed once


def test_a_region_is_picked_for_the_bundled_lines_and_none_for_the_toy(models):
    assert [r.name for r in basemap.regions_for(models["ukraine-2025"].geometry)] == ["ukraine-region"]
    assert [r.name for r in basemap.regions_for(models["uniimog-1988"].geometry)] == ["iran-iraq-region"]
    assert basemap.regions_for(models["toy"].geometry) == []
    assert basemap.features(models["toy"].geometry, cell_extent(models["toy"])) == []


def test_towns_near_the_ukraine_line_project_into_the_map_and_back(models):
    model = models["ukraine-2025"]
    geo, extent = model.geometry, cell_extent(model)
    feats = basemap.features(geo, extent)
    towns = {f.props["name"]: f for f in feats if f.layer == "place"}
    assert {"Donetsk", "Zaporizhzhya", "Kherson"} <= set(towns) and "Kiev" not in towns  # Kiev is 400 km off
    for name in ("Donetsk", "Kherson"):
        f = towns[name]
        (x, y), = f.xy_km
        assert extent[0] <= x <= extent[2] and extent[1] <= y <= extent[3]
        lon, lat = geo.to_lonlat([x], [y])
        assert (lon[0], lat[0]) == pytest.approx((f.props["lon"], f.props["lat"]), abs=1e-6)
    # Kherson stands on the Dnieper: the projected river passes within 5 km of the projected town
    dnieper = shapely.MultiLineString([f.xy_km for f in feats
                                       if f.layer == "river" and f.props.get("name") == "Dnieper"])
    assert dnieper.distance(shapely.Point(towns["Kherson"].xy_km[0])) < 5
    lines = np.concatenate([f.xy_km for f in feats if f.layer != "place"])
    assert (lines.min(axis=0) >= np.array(extent[:2]) - 1e-6).all()  # clipped to the extent
    assert (lines.max(axis=0) <= np.array(extent[2:]) + 1e-6).all()


def test_the_uniimog_line_runs_along_the_natural_earth_iran_iraq_border(models):
    """The line was drawn by hand along the border: projected the same way, the two keep within a few km."""
    model = models["uniimog-1988"]
    feats = basemap.features(model.geometry, cell_extent(model))
    border = shapely.MultiLineString([f.xy_km for f in feats
                                      if f.layer == "border" and f.props["name"] == "Iraq / Iran"])
    d = shapely.distance(border, shapely.points(np.asarray(model.geometry.line.coords)))
    assert np.median(d) < 10 and d.max() < 40


def test_graticule_labels_sit_where_their_meridian_and_parallel_cross_the_edge(models):
    geo = models["uniimog-1988"].geometry
    x0, y0, x1, y1 = extent = cell_extent(models["uniimog-1988"])
    g = basemap.graticule(geo, extent)
    assert g.step_deg == 1.0 and len(g.top) >= 3 and len(g.right) >= 6
    for x, label in g.top:
        lon, _ = geo.to_lonlat([x], [y1])
        assert label == f"{lon[0]:.0f}°E" and lon[0] == pytest.approx(round(lon[0]), abs=1e-6)
    for y, label in g.right:
        _, lat = geo.to_lonlat([x1], [y])
        assert label == f"{lat[0]:.0f}°N" and lat[0] == pytest.approx(round(lat[0]), abs=1e-6)
    assert basemap.degrees(0.0, "lon", 0.05) == "0.00°" and basemap.degrees(-0.5, "lat", 0.5) == "0.5°S"


def test_side_points_stand_on_their_own_side(models):
    geo = models["uniimog-1988"].geometry
    pairs = basemap.side_points(geo, cell_extent(models["uniimog-1988"]), 40.0)
    assert pairs
    for a, b in pairs:
        _, o = geo.locate(np.array([a[0], b[0]]), np.array([a[1], b[1]]))
        assert o[0] > 0 > o[1]


def _drawn(ax, gid: str) -> list:
    return [a for a in [*ax.collections, *ax.lines, *ax.texts] if a.get_gid() == gid]


def test_the_uniimog_map_draws_the_layers_the_sides_and_the_worst_segment(uniimog):
    model, units = uniimog.model, uniimog.solution.units
    ax = plot_map(model, units, ax=Figure(figsize=(10, 10)).subplots())
    for layer in ("border", "river", "place"):
        assert _drawn(ax, f"basemap-{layer}"), layer
    assert len(_drawn(ax, "basemap-border")[0].get_segments()) > 0
    names = {t.get_text() for t in _drawn(ax, "basemap-place-name")}
    assert "Basra" in names and len(names) >= 8
    sides = {t.get_text(): t.get_position() for t in _drawn(ax, "side-name")}
    assert set(sides) == {"Iraq", "Iran"} and sides["Iran"][0] > sides["Iraq"][0]  # Iran lies east of the border
    worst = plan_metrics(model, units)["worst_segment"]
    label, = [t.get_text() for t in _drawn(ax, "worst-segment-label")]
    assert label == f"worst {model.scenario.metrics.segment_km:g}-km segment: {pct(worst['detection'])}"
    red, = _drawn(ax, "worst-segment")
    assert shapely.LineString(red.get_xydata()).length == pytest.approx(worst["to_km"] - worst["from_km"], rel=1e-6)
    # the extent is the plan's (the cells and matplotlib's 5% margins), not the 2,000 km region's
    x0, y0, x1, y1 = cell_extent(model)
    (a, b), (c, d) = ax.get_xlim(), ax.get_ylim()
    assert a <= x0 and b >= x1 and c <= y0 and d >= y1
    assert b - a < 1.12 * (x1 - x0) and d - c < 1.12 * (y1 - y0)


def test_the_map_labels_do_not_overlap_and_stay_inside(uniimog):
    ax = plot_map(uniimog.model, uniimog.solution.units, ax=Figure(figsize=(10, 10)).subplots())
    gids = ("worst-segment-label", "hotspot-name", "side-name", "basemap-place-name", "basemap-river-name")
    boxes = [t.get_window_extent() for t in ax.texts if t.get_gid() in gids]
    frame = ax.get_window_extent()
    assert len(boxes) >= 10
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    assert not [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]


def test_the_toy_map_draws_without_a_basemap(models):
    solved = monitor.solve(TOY)
    ax = plot_map(solved.model, solved.solution.units, ax=Figure().subplots())
    assert not [a for a in [*ax.collections, *ax.texts] if str(a.get_gid()).startswith("basemap")]
    assert _drawn(ax, "graticule") and _drawn(ax, "worst-segment")
    sch = monitor.schedule(TOY, solved)
    ax = plot_routes(solved.model, sch.schedule, sch.units, ax=Figure().subplots())
    assert not [a for a in [*ax.collections, *ax.texts] if str(a.get_gid()).startswith("basemap")]


def test_the_routes_map_draws_the_layers_too(uniimog):
    sch = monitor.schedule(UNIIMOG, uniimog)
    ax = plot_routes(uniimog.model, sch.schedule, sch.units, ax=Figure(figsize=(10, 10)).subplots())
    assert _drawn(ax, "basemap-border") and _drawn(ax, "basemap-place") and _drawn(ax, "graticule")
