"""Scenario files: valid ones load with their defaults; every kind of bad input is one line naming
the file, the key path and the value."""

from __future__ import annotations

import json

import pytest
from conftest import BASE_TOML, line_scenario, sensor

from monitor.errors import InputError as ConfigError
from monitor.model.build import build_model
from monitor.model.load import load_scenario, validate_scenario, with_overrides

TOWER_RADIUS = "radius_km = 1.6\n"
BUDGET = "annual_usd = 1_500_000\n"
LINE = "coordinates = [[0.0, 0.0], [0.179664, 0.0]]\n"
TOWER_P = "p_detect = { sensor = 0.8, drone = 0.5, patrol = 0.5 }\n"

# (id, replacements in BASE_TOML, key path, value as shown, words of the message)
BAD = [
    ("unknown-key", {"seed = 0\n": "seed = 0\ncolour = \"red\"\n"}, "colour", '"red"', "unknown key"),
    ("unknown-nested-key", {"cell_km = 1.0\n": "cell_km = 1.0\ncell_size_km = 2.0\n"},
     "grid.cell_size_km", "2.0", "unknown key"),
    ("unknown-asset-key", {TOWER_RADIUS: TOWER_RADIUS + "range_km = 3.0\n"}, "assets[tower].range_km", "3.0",
     "unknown key"),
    ("missing-key", {TOWER_RADIUS: ""}, "assets[tower].radius_km", None, "required key is missing"),
    ("missing-table", {"[budget]\n" + BUDGET + "max_observers = 12\n": ""}, "budget", None,
     "required key is missing"),
    ("wrong-type-number", {TOWER_RADIUS: 'radius_km = "far"\n'}, "assets[tower].radius_km", '"far"',
     "valid number"),
    ("wrong-type-integer", {"observers = 6\n": "observers = 6.5\n"}, "assets[team].observers", "6.5",
     "valid integer"),
    ("wrong-type-list", {TOWER_RADIUS: TOWER_RADIUS + 'sides = "A"\n'}, "assets[tower].sides", '"A"',
     "valid list"),
    ("wrong-kind", {'kind = "sensor"': 'kind = "radar"'}, "assets[tower]", None, "'radar'"),
    ("nan", {TOWER_RADIUS: "radius_km = nan\n"}, "assets[tower].radius_km", "nan", "finite number"),
    ("inf", {BUDGET: "annual_usd = inf\n"}, "budget.annual_usd", "inf", "finite number"),
    ("minus-inf", {"duration_h = 6.0": "duration_h = -inf"}, "violations.classes[incursion].duration_h", "-inf",
     "finite number"),
    ("nan-in-inline-table", {TOWER_P: "p_detect = { sensor = nan, drone = 0.5, patrol = 0.5 }\n"},
     "violations.classes[incursion].p_detect.sensor", "nan", "finite number"),
    ("probability-above-1", {TOWER_P: "p_detect = { sensor = 1.8, drone = 0.5, patrol = 0.5 }\n"},
     "violations.classes[incursion].p_detect.sensor", "1.8", "less than or equal to 1"),
    ("probability-below-0", {"availability = 0.9": "availability = -0.1"}, "assets[tower].availability", "-0.1",
     "greater than or equal to 0"),
    ("negative-radius", {TOWER_RADIUS: "radius_km = -1.6\n"}, "assets[tower].radius_km", "-1.6", "greater than 0"),
    ("negative-cell", {"cell_km = 1.0": "cell_km = -1.0"}, "grid.cell_km", "-1.0", "greater than 0"),
    ("negative-zone", {"outer_km = 1.0": "outer_km = -1.0"}, "zones[dmz].outer_km", "-1.0", "greater than 0"),
    ("negative-spacing", {"spacing_km = 10.0": "spacing_km = -10.0"}, "assets[team].sites.spacing_km", "-10.0",
     "greater than 0"),
    ("negative-cost", {"capex_usd = 100_000": "capex_usd = -100_000"}, "assets[tower].capex_usd", "-100000",
     "greater than or equal to 0"),
    ("one-point-line", {LINE: "coordinates = [[0.0, 0.0]]\n"}, "line.coordinates", None, "at least two points"),
    ("self-crossing-line", {LINE: "coordinates = [[0.0, 0.0], [0.1, 0.1], [0.1, 0.0], [0.0, 0.1]]\n"},
     "line.coordinates", None, "crosses itself"),
    ("latitude-out-of-range", {LINE: "coordinates = [[0.0, 0.0], [0.179664, 91.0]]\n"},
     "line.coordinates[1][1]", "91.0", "less than or equal to 90"),
    ("longitude-out-of-range", {LINE: "coordinates = [[-181.0, 0.0], [0.179664, 0.0]]\n"},
     "line.coordinates[0][0]", "-181.0", "greater than or equal to -180"),
    ("shares-not-1", {"share = 0.5\nduration_h = 6.0": "share = 0.7\nduration_h = 6.0"},
     "violations.classes.share", "1.2", "shares must sum to 1"),
    ("budget-below-cheapest-unit", {BUDGET: "annual_usd = 1000\n"}, "budget.annual_usd", "1000.0",
     "below the cheapest unit (tower: 20,000 USD a year)"),
    ("missing-geojson", {LINE: 'geojson = "nowhere.geojson"\n'}, "line.geojson", '"nowhere.geojson"',
     "file not found"),
    ("no-such-zone", {"share = 0.5\nduration_h = 6.0": "share = 0.5\nzones = [\"rear\"]\nduration_h = 6.0"},
     "violations.classes[incursion].zones", '"rear"', "no such zone"),
    ("duplicate-name", {'name = "team"': 'name = "tower"'}, "assets[tower].name", '"tower"', "used twice"),
    ("inner-above-outer", {"outer_km = 1.0": "inner_km = 2.0\nouter_km = 1.0"}, "zones[dmz].inner_km", "2.0",
     "below outer_km"),
    ("offset-on-the-line", {"offsets_km = [0.5, -0.5] }\n\n[[assets]]": "offsets_km = [0.0] }\n\n[[assets]]"},
     "assets[tower].sites.offsets_km", "0.0", "on neither side"),
]


def _check_one(problems: list[str], path, key: str, value: str | None, words: str) -> None:
    assert len(problems) == 1, problems
    line = problems[0]
    assert "\n" not in line
    head = f"{path}: {key}" + ("" if value is None else f" = {value}")
    assert line.startswith(head + ":") or (value is None and line.startswith(head + " = ")), line
    assert words in line, line


@pytest.mark.parametrize("replace, key, value, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_one_line_with_file_key_and_value(write_config, replace, key, value, words):
    path = write_config(replace)
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    _check_one(exc.value.lines, path, key, value, words)


def test_base_config_is_valid(write_config):
    s = load_scenario(write_config())
    assert s.name == "hand" and len(s.assets) == 2
    assert s.source.endswith("scenario.toml")


def test_every_problem_of_one_kind_is_reported(write_config):
    path = write_config({"cell_km = 1.0": "cell_km = -1.0", TOWER_RADIUS: "radius_km = nan\n"})
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    keys = sorted(p.split(": ")[1].split(" = ")[0] for p in exc.value.lines)
    assert keys == ["assets[tower].radius_km", "grid.cell_km"]


def test_geojson_problems(tmp_path, write_config):
    def with_line(coords) -> list[str]:
        (tmp_path / "line.geojson").write_text(json.dumps(
            {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                        "geometry": {"type": "LineString", "coordinates": coords}}]}))
        path = write_config({LINE: 'geojson = "line.geojson"\n'})
        with pytest.raises(ConfigError) as exc:
            load_scenario(path)
        assert all(p.startswith(f"{path}: line.geojson = ") for p in exc.value.lines)
        return exc.value.lines

    assert "at least two points" in with_line([[0.0, 0.0]])[0]
    assert "crosses itself" in with_line([[0.0, 0.0], [0.1, 0.1], [0.1, 0.0], [0.0, 0.1]])[0]
    assert "out of range" in with_line([[0.0, 0.0], [0.1, 95.0]])[0]
    (tmp_path / "line.geojson").write_text("{not json")
    path = write_config({LINE: 'geojson = "line.geojson"\n'})
    with pytest.raises(ConfigError, match="cannot read GeoJSON"):
        load_scenario(path)
    (tmp_path / "line.geojson").write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}))
    with pytest.raises(ConfigError, match="needs a LineString"):
        load_scenario(path)


def test_geojson_line_loads_relative_to_the_config(tmp_path, write_config):
    (tmp_path / "line.geojson").write_text(json.dumps(
        {"type": "Feature", "properties": {"left_side": "West bank", "right_side": "East bank"},
         "geometry": {"type": "LineString", "coordinates": [[0.0, 0.0], [0.179664, 0.0]]}}))
    path = write_config({LINE: 'geojson = "line.geojson"\n', 'side_names = ["North", "South"]\n': ""})
    m = build_model(load_scenario(path))
    assert m.sides == ("West bank", "East bank")
    assert len(m.cells) == 40


def test_file_that_is_not_toml_or_missing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = \n")
    with pytest.raises(ConfigError) as exc:
        load_scenario(bad)
    assert exc.value.lines[0].startswith(f"{bad}: not valid TOML")
    with pytest.raises(ConfigError) as exc:
        load_scenario(tmp_path / "none.toml")
    assert exc.value.lines == [f"{tmp_path / 'none.toml'}: cannot read the file: No such file or directory"]


def test_overrides_are_validated_like_the_file(write_config):
    path = write_config()
    assert load_scenario(path, {"budget.annual_usd": 2e6}).budget.annual_usd == 2e6
    with pytest.raises(ConfigError) as exc:
        load_scenario(path, {"grid.cell_km": -2.0})
    _check_one(exc.value.lines, path, "grid.cell_km", "-2.0 (an override, not from the file)", "greater than 0")
    s = load_scenario(path)
    with pytest.raises(ConfigError, match="budget.annual_usd"):
        with_overrides(s, {"budget.annual_usd": 10.0})


def test_defaults():
    raw = line_scenario([sensor(radius_km=2.4, spacing_km=5.0)])
    del raw["zones"], raw["grid"]
    s = validate_scenario(raw)
    assert [z.name for z in s.zones] == ["dmz"]
    assert s.zones[0].outer_km == pytest.approx(8.047 / 2)  # a 5-mile DMZ, half a side
    assert s.grid.cell_km == 1.0 and s.metrics.segment_km == 10.0
    assert s.assets[0].annual_usd == pytest.approx(100_000 / 10 + 10_000)
    # Side names default to "side A" / "side B" for an inline line without names.
    raw["line"].pop("side_names")
    assert build_model(validate_scenario(raw)).sides == ("side A", "side B")


def test_reserved_keys_are_unknown_in_a_file(write_config):
    path = write_config({"seed = 0\n": 'seed = 0\nbase_dir = "/"\n'})
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    _check_one(exc.value.lines, path, "base_dir", '"/"', "unknown key")


# Numbers are strict: a TOML string or boolean where a number belongs is a wrong type, not converted.
def test_string_for_an_integer_is_a_wrong_type(write_config):
    path = write_config({"observers = 6\n": 'observers = "6"\n'})
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    _check_one(exc.value.lines, path, "assets[team].observers", '"6"', "integer")


def test_boolean_for_a_number_is_a_wrong_type(write_config):
    path = write_config({TOWER_RADIUS: "radius_km = true\n"})
    with pytest.raises(ConfigError) as exc:
        load_scenario(path)
    _check_one(exc.value.lines, path, "assets[tower].radius_km", "True", "number")


def test_base_toml_matches_the_hand_scenario_helpers():
    # The TOML base and the dict helpers describe the same line (20 km east along the equator).
    assert "0.179664" in BASE_TOML
    from conftest import east_line

    assert east_line(20.0)[1][0] == pytest.approx(0.179664, abs=1e-6)


def _build_problems(raw: dict) -> list[str]:
    with pytest.raises(ConfigError) as exc:
        build_model(validate_scenario(raw, source="hand.toml"))
    return exc.value.lines


def test_asset_with_no_candidate_site_is_rejected():
    # Side A only, but every offset is on side B: no site at all.
    raw = line_scenario([sensor(sides=["A"], offsets_km=(-0.5,))])
    (line,) = _build_problems(raw)
    assert line.startswith("hand.toml: assets[tower].sites = ") and "no candidate site" in line


def test_listed_site_that_reaches_no_cell_is_rejected():
    far = {"points": [[0.05, 0.0], [0.05, 6.0]]}  # the second is about 660 km north of the line
    raw = line_scenario([sensor(sites=far)])
    (line,) = _build_problems(raw)
    assert line.startswith("hand.toml: assets[tower].sites.points[1] = [0.05, 6.0]: reaches no cell")


def test_asset_whose_sites_all_miss_the_zone_is_rejected():
    raw = line_scenario([sensor(radius_km=1.0, offsets_km=(5.0,))])
    (line,) = _build_problems(raw)
    assert line.startswith("hand.toml: assets[tower].radius_km = 1.0: no candidate site reaches a cell")
