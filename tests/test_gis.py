"""The GIS layers of a solve, read back with GDAL (pyogrio): WGS84, typed columns, valid
geometries; cells whose areas add up to the zones', and that do not overlap where the line bends
less tightly than the bands are wide (the toy); on the Ukraine line of 2025 they overlap by what
`monitor validate` reports (docs/model.md, "Cells")."""

from __future__ import annotations

import csv
import json

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from conftest import CONFIGS, TOY
from test_cli import run

from monitor import api

LAYERS = {"cells": "Polygon", "line": "LineString", "zones": "Polygon", "placements": "Point", "coverage": "Polygon"}


@pytest.fixture(scope="module", params=[TOY, CONFIGS / "ukraine-2025.toml"], ids=["toy", "ukraine"])
def solved(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("gis")
    code, _, err = run(["solve", request.param, "--out", out])
    assert code == 0, err
    return out, json.loads((out / "plan.json").read_text())


def read(path):
    meta, _, geometry, fields = pyogrio.raw.read(path)
    return meta, shapely.from_wkb(geometry), dict(zip(meta["fields"], fields))


@pytest.mark.parametrize("layer", LAYERS)
def test_every_layer_opens_in_gdal_in_wgs84_with_valid_geometries(solved, layer):
    out, _ = solved
    info = pyogrio.read_info(out / f"{layer}.geojson")
    assert info["crs"] == "EPSG:4326" and info["geometry_type"] == LAYERS[layer] and info["features"] > 0
    _, geoms, _ = read(out / f"{layer}.geojson")
    assert shapely.is_valid(geoms).all()


def test_columns_are_typed(solved):
    out, plan = solved
    info = pyogrio.read_info(out / "cells.geojson")
    dtypes = dict(zip(info["fields"], info["dtypes"]))
    assert dtypes["cell"] == "int32" and dtypes["detection"] == "float64" and dtypes["area_km2"] == "float64"
    assert all(dtypes[f"detection_{c}"] == "float64" for c in plan["metrics"]["by_class"])
    pinfo = pyogrio.read_info(out / "placements.geojson")
    p = dict(zip(pinfo["fields"], pinfo["dtypes"]))
    assert p["units"] == "int32" and p["radius_km"] == "float64" and p["annual_usd"] == "float64"


def test_cells_do_not_overlap_and_add_up_to_the_zones(solved):
    out, plan = solved
    _, cells, fields = read(out / "cells.geojson")
    geod = pyproj.Geod(ellps="WGS84")
    areas = np.array([abs(geod.geometry_area_perimeter(c)[0]) for c in cells]) / 1e6
    zone_km2 = sum(plan["size"]["zone_km2"].values())
    assert areas.sum() == pytest.approx(zone_km2, rel=0.01)
    assert np.allclose(areas, fields["area_km2"], rtol=0.01, atol=1e-3)  # atol: 0.1 m corners on tiny cells
    bands = api.validate(plan["config"]).to_dict()["bands"]
    for name, band in bands.items():  # overlapping cells make a zone's union smaller: by what validate says
        mine = fields["zone"] == name
        union = shapely.union_all(shapely.buffer(cells[mine], 0))
        overlap = 1 - abs(geod.geometry_area_perimeter(union)[0]) / 1e6 / areas[mine].sum()
        assert overlap == pytest.approx(band["overlap_share"], abs=2e-3), name
    _, zones, _ = read(out / "zones.geojson")  # each zone's band on each side: the union of its cells
    covered = sum(plan["size"]["zone_km2"][n] * (1 - b["overlap_share"]) for n, b in bands.items())
    assert sum(abs(geod.geometry_area_perimeter(z)[0]) for z in zones) / 1e6 == pytest.approx(covered, rel=0.01)


def test_cells_carry_the_detection_the_map_colours_and_the_csv_agrees(solved):
    out, plan = solved
    _, _, fields = read(out / "cells.geojson")
    weight, det = fields["weight"], fields["detection"]
    assert float((weight * det).sum()) == pytest.approx(plan["metrics"]["detection"], abs=1e-6)
    with open(out / "cells.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert np.allclose([float(r["detection"]) for r in rows], det, atol=1e-9)


def test_placements_and_coverage_match_the_plan(solved):
    out, plan = solved
    _, points, fields = read(out / "placements.geojson")
    assert int(fields["units"].sum()) == sum(p["units"] for p in plan["placements"])
    assert float(fields["annual_usd"].sum()) == pytest.approx(plan["cost"]["annual_usd"], rel=1e-6)
    _, circles, cov = read(out / "coverage.geojson")
    assert len(circles) == len(points) and shapely.contains(circles, points).all()
