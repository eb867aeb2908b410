"""Patrol routes: hand-checkable routing cases, laps, and the day's schedule of real plans."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import CONFIGS, line_scenario, model_of, patrol, units_at

from monitor import api
from monitor.cli import main
from monitor.outputs.schedule import schedule_document
from monitor.studies.schedule import (
    build_schedule,
    lap_path,
    route_patrols,
    route_segments,
)

UNIIMOG = CONFIGS / "uniimog-1988.toml"


def test_route_collects_what_its_length_allows():
    # Waypoints 1, 2, 3 km east of the site; a fourth worth 100 times more lies 10 km south.
    wp = [(1, 0), (2, 0), (3, 0), (0, -10)]
    prize = [1, 1, 1, 100]
    r = route_patrols((0, 0), wp, prize, vehicles=1, max_km=6, max_h=10, speed_kmh=30)
    # 6 km: out to 3 km and back, collecting 1, 2, 3; the big prize needs 20 km.
    assert [list(x) for x in r.routes] == [[0, 1, 2]]
    assert r.km[0] == pytest.approx(6.0)
    assert r.hours[0] == pytest.approx(6 / 30, abs=1e-3)
    assert r.arrival_h[0] == pytest.approx([1 / 30, 2 / 30, 3 / 30], abs=1e-3)
    assert r.status == "local optimum"
    # 4 km: out to 2 km and back.
    r = route_patrols((0, 0), wp, prize, vehicles=1, max_km=4, max_h=10, speed_kmh=30)
    assert [list(x) for x in r.routes] == [[0, 1]] and r.km[0] == pytest.approx(4.0)
    # The duration binds like the length: 0.1 h at 30 km/h is 3 km, so only the first waypoint.
    r = route_patrols((0, 0), wp, prize, vehicles=1, max_km=100, max_h=0.1, speed_kmh=30)
    assert [list(x) for x in r.routes] == [[0]] and r.hours[0] <= 0.1 + 1e-9


def test_route_takes_the_larger_prize_first():
    # Within 4 km it can reach (2, 0) or (0, 2) but not both (2 + 2.83 + 2 km): it takes the larger prize.
    r = route_patrols((0, 0), [(2, 0), (0, 2)], [1, 5], vehicles=1, max_km=4, max_h=10, speed_kmh=30)
    assert [list(x) for x in r.routes] == [[1]]


def test_two_patrols_split_east_and_west():
    wp = [(1, 0), (2, 0), (-1, 0), (-2, 0)]
    r = route_patrols((0, 0), wp, [1, 1, 1, 1], vehicles=2, max_km=4, max_h=10, speed_kmh=30)
    assert sorted(sorted(x.tolist()) for x in r.routes) == [[0, 1], [2, 3]]
    assert r.km == pytest.approx([4.0, 4.0])


def test_forbidden_arcs_are_never_used():
    # The only waypoint lies across a line that the patrol may not cross: it stays home.
    forbidden = np.array([[False, True], [True, False]])
    r = route_patrols((0, -1), [(0, 1)], [1], vehicles=1, max_km=10, max_h=10, speed_kmh=30, forbidden=forbidden)
    assert all(len(x) == 0 for x in r.routes)


def test_no_prize_no_route():
    r = route_patrols((0, 0), [(1, 0)], [0.0], vehicles=2, max_km=10, max_h=10, speed_kmh=30)
    assert r.routes == [] and r.status == "no waypoints"


def test_lap_path_repeats_a_short_loop():
    pts = np.array([(0, 0), (1, 0), (1, 1)], float)
    # out 1, loop 1, close 1, back sqrt(2): 4 laps fit in 10 km (1 + 4 + 3 + 1.414 = 9.414), 5 do not.
    xy = lap_path(pts, np.array([1, 2]), 10.0, None)
    assert len(xy) == 2 + 4 * 2
    assert np.hypot(*np.diff(xy, axis=0).T).sum() == pytest.approx(8.0 + np.sqrt(2))
    # A closing leg that would cross the line: one lap only.
    forbidden = np.zeros((3, 3), bool)
    forbidden[2, 1] = True
    assert len(lap_path(pts, np.array([1, 2]), 10.0, forbidden)) == 4


@pytest.fixture(scope="module")
def line_model():
    # 20 km line, 1 km a side, 40 cells; team sites at s = 10 km, 0.5 km into each side.
    raw = line_scenario([patrol(radius_km=6.0, patrols_per_day=2, patrol_km=12, view_width_km=0.5,
                                offsets_km=(0.5, -0.5))])
    return model_of(raw)


def test_line_schedule_keeps_each_patrol_within_its_limits(line_model):
    m = line_model
    units = units_at(m, "team", {0: 1, 1: 1})
    sch = build_schedule(m, units)
    assert len(sch.sites) == 2
    for x in sch.sites:
        side = m.sites.side[x.site]
        assert x.planned == 2 and len(x.routes) == 2
        for r in x.routes:
            assert r.km <= 12 + 1e-6 and r.hours <= 12 / 20 + 1e-6
            assert np.allclose(r.xy_km[0], m.sites.xy_km[x.site]) and np.allclose(r.xy_km[-1], r.xy_km[0])
            _, offset = m.geometry.locate(r.xy_km[:, 0], r.xy_km[:, 1])
            assert ((offset > 0) == (side == 0)).all()        # on the team's own side
        # Two patrols a day start 12 h apart.
        assert [r.start_h for r in x.routes] == [0.0, 12.0]
    seg = route_segments(m, sch)
    assert len(seg["route"]) == sum(len(r.xy_km) - 1 for x in sch.sites for r in x.routes)


def test_schedule_is_repeatable(line_model):
    units = units_at(line_model, "team", {0: 1, 1: 1})
    a = schedule_document(line_model, build_schedule(line_model, units))
    b = schedule_document(line_model, build_schedule(line_model, units))
    strip = lambda d: [{k: v for k, v in s.items() if k != "seconds"} for s in d["sites"]]  # noqa: E731
    assert strip(a) == strip(b)


@pytest.fixture(scope="module")
def uniimog_plan(tmp_path_factory):
    res = api.solve(UNIIMOG)
    path = tmp_path_factory.mktemp("uniimog") / "plan.json"
    path.write_text(json.dumps({"placements": res.to_dict()["placements"]}))
    return path


def test_uniimog_plan_gives_64_patrols_a_day(uniimog_plan, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["schedule", str(UNIIMOG), str(uniimog_plan), "--out", str(out)]) == 0
    doc = json.loads((out / "schedule.json").read_text())
    assert doc["totals"]["planned_patrols_per_day"] == 64          # 16 teams x 4 patrols
    assert doc["totals"]["patrols_per_day"] == 64
    assert len(doc["sites"]) == 16
    for site in doc["sites"]:
        assert site["routes_per_day"] == 4
        assert site["km_per_day"] <= 4 * 60 + 1e-6 and site["hours_per_day"] <= 4 * 2 + 1e-6
        assert site["status"] == "local optimum"
    geo = json.loads((out / "routes.geojson").read_text())
    assert len(geo["features"]) == 64
    assert (out / "routes.png").stat().st_size > 0
    assert "patrols a day 64" in capsys.readouterr().out


def test_bad_plan_writes_nothing(tmp_path, capsys):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"placements": [{"asset": "team", "site": 99999, "units": 1}]}))
    out = tmp_path / "out"
    assert main(["schedule", str(UNIIMOG), str(plan), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "placements[0].site = 99999" in err and "Traceback" not in err
    assert not out.exists()
