"""Named scenarios and overrides of any key: [scenarios.NAME] in a config, --scenario and --set
on every command, and the API's `scenarios` and `overrides`; every problem told as where the
value came from."""

from __future__ import annotations

import json

import pytest
from conftest import TOY
from test_cli import assert_clean_failure, run

import monitor
from monitor.errors import InputError
from monitor.model.load import load_scenario, with_overrides
from monitor.model.overrides import Override, apply, parse_set

SCENARIOS = """

[scenarios.short]                      # shorter towers and a smaller budget
"assets.tower.radius_km" = 1.2
budget.annual_usd = 4e6

[scenarios.cheap]
"budget.annual_usd" = 3e6

[scenarios.wrong]
"assets.tower.radius_km" = -1.0
"""


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY.read_text(encoding="utf-8") + SCENARIOS, encoding="utf-8")
    return path


def test_overrides_reach_items_of_arrays_of_tables_by_name_or_index():
    raw = {"assets": [{"name": "tower", "radius_km": 2.0}, {"name": "team", "radius_km": 3.0}],
           "violations": {"classes": [{"name": "incursion", "share": 0.5}]}, "budget": {"annual_usd": 1.0}}
    applied = apply(raw, [Override("assets.team.radius_km", 5.0), Override("violations.classes.incursion.share", 0.7),
                          Override("assets.0.radius_km", 1.0), Override("budget.annual_usd", 2.0),
                          Override("metrics.segment_km", 20.0)], "x.toml")
    assert raw["assets"][1]["radius_km"] == 5.0 and raw["assets"][0]["radius_km"] == 1.0
    assert raw["violations"]["classes"][0]["share"] == 0.7 and raw["metrics"] == {"segment_km": 20.0}
    assert set(applied) == {"assets[team].radius_km", "violations.classes[incursion].share", "assets[0].radius_km",
                            "budget.annual_usd", "metrics.segment_km"}


@pytest.mark.parametrize("key, words", [
    ("assets.nosuch.radius_km", "assets has no item named 'nosuch' (tower, team)"),
    ("budget.annual_usd.more", "budget.annual_usd is a value, not a table with 'more'"),
    ("assets.tower", "names the item 'tower' of assets, not one of its keys"),
])
def test_a_key_that_names_nothing_is_one_problem(key, words):
    raw = {"assets": [{"name": "tower"}, {"name": "team"}], "budget": {"annual_usd": 1.0}}
    with pytest.raises(InputError) as exc:
        apply(raw, [Override(key, 1.0, flag="--set")], "x.toml")
    (line,) = exc.value.lines
    assert line.startswith(f"--set \"{key}=1.0\": ") and words in line


@pytest.mark.parametrize("text, value", [("a.b=5", 5), ("a.b=4e7", 4e7), ("a.b=true", True), ("a.b=[1, 2]", [1, 2]),
                                         ('a.b="x y"', "x y"), ("a.b=plain", "plain"), ("a.b = 2.5", 2.5)])
def test_set_values_are_read_as_toml(text, value):
    assert parse_set(text) == ("a.b", value)


def test_set_needs_a_key_and_a_value():
    with pytest.raises(InputError, match="--set"):
        parse_set("no-equals-sign")


def test_named_scenarios_apply_in_order_and_name_the_output_folder(config, tmp_path, monkeypatch):
    s = load_scenario(config, scenarios=["short", "cheap"])
    assert s.asset("tower").radius_km == 1.2 and s.budget.annual_usd == 3e6  # cheap, given last, wins
    assert s.variants == ["short", "cheap"] and s.label == "toy+short+cheap"
    assert load_scenario(config, scenarios=["cheap", "short"]).budget.annual_usd == 4e6
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run(["solve", config, "--scenario", "short"])
    assert code == 0, err
    doc = json.loads((tmp_path / "out" / "toy+short" / "plan.json").read_text())
    assert doc["variants"] == ["short"] and doc["budget_usd"] == 4e6 and stdout.startswith("toy+short: ")


def test_problems_are_told_as_the_scenario_the_set_flag_or_the_api(config, tmp_path):
    code, _, err = run(["solve", config, "--scenario", "wrong", "--out", tmp_path / "a"])
    (line,) = assert_clean_failure(code, err)
    assert f'{config}: scenarios.wrong."assets.tower.radius_km" = -1.0: input should be greater than 0' in line
    code, _, err = run(["validate", config, "--set", "assets.tower.radius_km=-2"])
    (line,) = assert_clean_failure(code, err)
    assert '--set "assets.tower.radius_km=-2": input should be greater than 0' in line
    code, _, err = run(["validate", config, "--scenario", "nope"])
    (line,) = assert_clean_failure(code, err)
    assert '--scenario "nope": no such scenario (scenarios: short, cheap, wrong)' in line
    with pytest.raises(InputError) as exc:
        monitor.validate(config, overrides={"grid.cell_km": -1.0})
    assert "grid.cell_km = -1.0 (an override, not from the file): input should be greater than 0" in exc.value.lines[0]
    assert not (tmp_path / "a").exists()


def test_a_bad_scenario_name_in_the_file_is_one_problem(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text(TOY.read_text(encoding="utf-8") + '\n[scenarios.".."]\n"budget.annual_usd" = 1e6\n')
    code, _, err = run(["validate", path])
    (line,) = assert_clean_failure(code, err)
    assert "scenarios..." in line and "starts with a letter or digit" in line


@pytest.mark.parametrize("verb", ["validate", "solve", "evaluate", "calibrate", "frontier", "schedule", "simulate"])
def test_every_command_takes_scenario_and_set(verb):
    code, out, _ = run([verb, "--help"])
    assert code == 0 and "--scenario NAME" in out and "--set KEY=VALUE" in out


def test_set_and_scenario_change_what_each_command_computes(config, tmp_path):
    base = monitor.solve(config)
    plan = tmp_path / "plan.json"
    base.write(tmp_path)
    for argv in (["evaluate", config, plan, "--json"], ["validate", config, "--json"]):
        _, plain, _ = run(argv)
        _, short, _ = run([*argv, "--scenario", "short"])
        _, set_, _ = run([*argv, "--set", "budget.annual_usd=4e6"])
        assert json.loads(plain)["budget_usd"] == 5e6
        assert json.loads(short)["budget_usd"] == json.loads(set_)["budget_usd"] == 4e6
    _, plain, _ = run(["calibrate", config, "--json"])
    code, out, err = run(["calibrate", config, "--json", "--set", "assets.team.observers=2"])
    assert code == 0, err
    assert json.loads(plain)["teams"] != json.loads(out)["teams"]  # fewer observers a team: more teams
    assert json.loads(out)["observers"] == 2 * json.loads(out)["teams"]


def test_the_api_takes_scenarios_and_overrides_and_a_scenario_object(config):
    a = monitor.solve(config, scenarios=["short"])
    b = monitor.solve(config, overrides={"assets.tower.radius_km": 1.2, "budget.annual_usd": 4e6})
    assert a.solution.objective == b.solution.objective and a.model.scenario.label == "toy+short"
    s = load_scenario(config)
    again = with_overrides(s, None, scenarios=["short"])
    assert again.asset("tower").radius_km == 1.2 and again.variants == ["short"]
    assert monitor.solve(s, scenarios=["short"]).solution.objective == a.solution.objective


def test_a_parsed_file_with_scenarios_validates_and_keeps_them(config):
    import tomllib

    from monitor.model.load import validate_scenario

    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    s = validate_scenario(raw, source=str(config), base_dir=str(config.parent))
    assert list(s._scenarios) == ["short", "cheap", "wrong"] and "scenarios" not in raw
    assert with_overrides(s, None, scenarios=["cheap"]).budget.annual_usd == 3e6
