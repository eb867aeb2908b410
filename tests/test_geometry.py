"""Cells and candidate sites: counts, rows, sides, signed offsets, arc positions and areas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
from conftest import KM_PER_DEG, line_scenario, model_of, patrol, sensor

from monitor.model.geometry import build_geometry
from monitor.model.load import validate_scenario


def test_straight_line_cells_by_hand():
    # 30 km east along the equator, DMZ 2 km a side, 1 km cells: 30 stations x 2 rows x 2 sides.
    m = model_of(line_scenario([sensor(radius_km=2.4, spacing_km=5.0, offsets_km=[1.5, -1.5])],
                               length_km=30.0, outer_km=2.0))
    c, L = m.cells, m.geometry.length_km
    assert L == pytest.approx(30.0, rel=1e-5)
    assert len(c) == 120
    assert c.area_km2.sum() == pytest.approx(30.0 * 4.0, rel=0.01)
    assert c.area_km2 == pytest.approx(np.full(120, L / 30), rel=1e-6)  # every cell 1 km x 1 km
    # Stations at the middles of 30 equal pieces; rows at offsets +-0.5 and +-1.5 km.
    assert np.unique(c.s_km) == pytest.approx((np.arange(30) + 0.5) * L / 30)
    assert sorted(np.unique(c.offset_km)) == pytest.approx([-1.5, -0.5, 0.5, 1.5])
    assert (np.bincount(c.side) == [60, 60]).all()
    # Side A (0) is the left of an eastward line: north, positive offsets; side B south, negative.
    assert (c.offset_km[c.side == 0] > 0).all() and (c.lat[c.side == 0] > 0).all()
    assert (c.offset_km[c.side == 1] < 0).all() and (c.lat[c.side == 1] < 0).all()
    # Centroids sit where (s, offset) says: x along the line, y across it.
    assert c.x_km - c.x_km.min() == pytest.approx(c.s_km - c.s_km.min(), abs=1e-6)
    assert c.y_km - m.geometry.line.coords[0][1] == pytest.approx(c.offset_km, abs=1e-6)
    assert (c.zone == 0).all()


def test_meridian_line_zone_area_and_rows():
    # A 5-mile DMZ (4.0235 km a side) along 0.5 degrees of meridian at 48 N: a straight line in the projection.
    raw = line_scenario([sensor(radius_km=2.4, spacing_km=5.0, offsets_km=[2.0])], outer_km=4.0235)
    raw["line"]["coordinates"] = [[30.0, 48.0], [30.0, 48.5]]
    m = model_of(raw)
    c, L = m.cells, m.geometry.length_km
    geodesic_km = pyproj.Geod(ellps="WGS84").line_length([30.0, 30.0], [48.0, 48.5]) / 1000
    assert L == pytest.approx(geodesic_km, rel=1e-4)
    assert c.area_km2.sum() == pytest.approx(L * 2 * 4.0235, rel=0.01)
    n_st = round(L)
    assert len(c) == n_st * 5 * 2  # ceil(4.0235 / 1) = 5 rows a side, of 0.8047 km
    row = 4.0235 / 5
    assert sorted(np.unique(np.round(c.offset_km, 9))) == pytest.approx(
        sorted([sign * (k + 0.5) * row for k in range(5) for sign in (1, -1)]))
    # Northward line: side A (left) is west of the meridian.
    assert (c.lon[c.side == 0] < 30.0).all() and (c.lon[c.side == 1] > 30.0).all()


def test_limitation_zone_on_one_side_with_its_own_rows():
    raw = line_scenario([sensor(radius_km=2.4, spacing_km=5.0, offsets_km=[0.5])], length_km=10.0)
    raw["zones"].append({"name": "heavy", "inner_km": 1.0, "outer_km": 9.0, "sides": ["A"]})
    raw["grid"]["row_km"] = 2.0
    m = model_of(raw)
    c = m.cells
    heavy = c.zone == 1
    assert heavy.sum() == 10 * 4  # 10 stations x (8 km / 2 km) rows, side A only
    assert (c.side[heavy] == 0).all()
    assert sorted(np.unique(np.round(c.offset_km[heavy], 9))) == pytest.approx([2.0, 4.0, 6.0, 8.0])
    assert c.area_km2[heavy].sum() == pytest.approx(10.0 * 8.0, rel=0.01)
    assert c.area_km2[~heavy].sum() == pytest.approx(10.0 * 2.0, rel=0.01)


def test_stations_are_equal_pieces_without_a_sliver():
    m = model_of(line_scenario([sensor(radius_km=2.4, spacing_km=5.0)], length_km=10.4))
    c = m.cells
    assert len(np.unique(c.s_km)) == 10  # round(10.4 / 1)
    assert c.area_km2 == pytest.approx(np.full(len(c), 1.04), rel=1e-4)


def test_spaced_sites_positions_and_sides():
    raw = line_scenario([sensor(spacing_km=5.0, offsets_km=[1.5, -1.5]),
                         patrol(spacing_km=10.0, offsets_km=[3.0, -3.0], sides=["B"])], length_km=30.0,
                        outer_km=2.0)
    m = model_of(raw)
    st = m.sites
    tower, team = st.asset == 0, st.asset == 1
    # Towers: stations at 2.5, 7.5, ..., 27.5 km, each with offsets +1.5 (side A) and -1.5 (side B).
    assert st.s_km[tower] == pytest.approx(np.repeat(np.arange(2.5, 30, 5.0), 2), abs=1e-9)
    assert st.offset_km[tower] == pytest.approx(np.tile([1.5, -1.5], 6))
    assert (st.side[tower] == np.tile([0, 1], 6)).all()
    assert (st.index[tower] == np.arange(12)).all()
    # Teams may stand on side B only: the side-A candidates are dropped, site numbers keep their place.
    assert (st.side[team] == 1).all() and (st.offset_km[team] == -3.0).all()
    assert (st.index[team] == [1, 3, 5]).all()
    assert st.s_km[team] == pytest.approx([5.0, 15.0, 25.0], abs=1e-9)
    assert (st.lat[team] < 0).all()


def test_point_sites_are_located_on_the_line():
    # Two points given as lon/lat: 12 km along and 0.7 km north; 3 km along and 1.2 km south
    # (geodesic offsets, WGS84).
    geod = pyproj.Geod(ellps="WGS84")
    lon1, lat1, _ = geod.fwd(12.0 / KM_PER_DEG, 0.0, 0.0, 700.0)
    lon2, lat2, _ = geod.fwd(3.0 / KM_PER_DEG, 0.0, 180.0, 1200.0)
    m = model_of(line_scenario([sensor(sites={"points": [[lon1, lat1], [lon2, lat2]]})]))
    st = m.sites
    assert st.s_km == pytest.approx([12.0, 3.0], abs=1e-3)
    assert st.offset_km == pytest.approx([0.7, -1.2], abs=1e-3)
    assert list(st.side) == [0, 1]


def test_place_and_locate_round_trip():
    raw = line_scenario([sensor()])
    raw["line"]["coordinates"] = [[30.0, 48.0], [30.2, 48.1], [30.5, 48.1]]
    s = validate_scenario(raw)
    geo = build_geometry(s)
    sk = np.array([1.0, 10.0, 25.0])
    ok = np.array([0.5, -2.0, 3.0])
    xy = geo.place(sk, ok)
    s2, o2 = geo.locate(xy[:, 0], xy[:, 1])
    assert s2 == pytest.approx(sk, abs=0.05)
    assert o2 == pytest.approx(ok, abs=0.05)
    lon, lat = geo.to_lonlat(*geo.to_km([30.1, 30.4], [48.05, 48.1]))
    assert lon == pytest.approx([30.1, 30.4]) and lat == pytest.approx([48.05, 48.1])


def test_bent_line_zone_area_close_to_length_times_width():
    # A line with one 90-degree bend: the smoothed normal keeps the band from folding,
    # so the zone's area stays close to length x width.
    raw = line_scenario([sensor(radius_km=2.4, spacing_km=5.0)], outer_km=2.0)
    raw["line"]["coordinates"] = [[30.0, 48.0], [30.0, 48.3], [30.4, 48.3]]
    m = model_of(raw)
    L = m.geometry.length_km
    assert m.cells.area_km2.sum() == pytest.approx(L * 4.0, rel=0.05)
    assert (m.cells.area_km2 > 0).all()


def test_a_folded_cell_is_untwisted_into_a_simple_polygon():
    # p0, p1 on the line, the outer corners swapped by a fold: p1-p2 crosses p3-p0 (a bowtie)
    import shapely

    from monitor.model.geometry import _untwist
    bowtie = np.array([[[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])
    assert not shapely.is_valid(shapely.polygons(bowtie))[0]
    fixed = _untwist(bowtie)
    assert shapely.is_valid(shapely.polygons(fixed))[0] and shapely.area(shapely.polygons(fixed))[0] == 1.0
    square = np.array([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]])
    assert np.array_equal(_untwist(square), square)


def test_every_ukraine_cell_is_a_simple_polygon():
    import shapely

    from monitor.model.build import build_model
    from monitor.model.load import load_scenario
    m = build_model(load_scenario(Path(__file__).resolve().parents[1] / "configs" / "ukraine-2025.toml"))
    assert shapely.is_valid(shapely.polygons(m.cells.corners_km)).all()
