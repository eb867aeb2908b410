"""Plans that know their scenario: lon/lat snapped to candidate sites or refused, a plan of
another scenario refused, a changed config warned about, --strict, and result objects in
place of plan files."""

from __future__ import annotations

import copy
import json
import logging

import pytest
from conftest import CONFIGS, TOY
from test_cli import assert_clean_failure, run

import monitor
from monitor.model.plans import SNAP_KM, config_hash


@pytest.fixture(scope="module")
def solved():
    return monitor.solve(TOY)


def test_a_plan_records_its_scenario_a_config_hash_and_lon_lat(solved):
    doc = solved.to_dict()
    assert doc["scenario"] == "toy" and doc["variants"] == []
    assert doc["config_sha256"] == config_hash(solved.model.scenario) and len(doc["config_sha256"]) == 64
    assert all({"lon", "lat", "site", "asset", "units"} <= set(p) for p in doc["placements"])


def test_a_placement_moved_onto_another_site_is_snapped_with_a_warning(solved, caplog):
    doc = copy.deepcopy(solved.to_dict())
    st, model = solved.model.sites, solved.model
    free = [j for j in range(len(st)) if solved.solution.units[j] == 0]
    first, j = next((p, j) for p in doc["placements"] for j in free
                    if model.scenario.assets[st.asset[j]].name == p["asset"])
    first["lon"], first["lat"] = float(st.lon[j]) + 1e-4, float(st.lat[j])  # about 11 m from site j
    with caplog.at_level(logging.WARNING, logger="monitor"):
        units = monitor.read_plan(doc, model)
    assert units[j] == first["units"] and units.sum() == solved.solution.units.sum()
    assert any(f"on site {int(st.index[j])}" in r.getMessage() and f"not site {first['site']}" in r.getMessage()
               for r in caplog.records)


def test_a_placement_far_from_every_site_is_refused(solved, tmp_path):
    doc = copy.deepcopy(solved.to_dict())
    for p in doc["placements"]:
        p["lat"] += 0.1  # 11 km across the line: far from every site
    path = tmp_path / "moved.json"
    path.write_text(json.dumps(doc))
    code, _, err = run(["evaluate", TOY, path])
    lines = assert_clean_failure(code, err, n_lines=len(doc["placements"]))
    assert all("lon/lat" in line and f"(at most {SNAP_KM:g} km)" in line for line in lines)


def test_a_plan_without_lon_lat_is_placed_by_site_number(solved):
    doc = copy.deepcopy(solved.to_dict())
    for p in doc["placements"]:
        del p["lon"], p["lat"]
    assert (monitor.read_plan(doc, solved.model) == solved.solution.units).all()


def test_a_plan_of_another_scenario_is_one_line(tmp_path):
    ukraine = tmp_path / "uk"
    code, _, err = run(["solve", CONFIGS / "uniimog-1988.toml", "--out", ukraine])
    assert code == 0, err
    code, _, err = run(["evaluate", TOY, ukraine / "plan.json"])
    (line,) = assert_clean_failure(code, err)
    assert 'scenario = "uniimog-1988": is a plan of another scenario, not of toy' in line


def test_a_changed_config_is_a_warning(solved, tmp_path):
    doc = copy.deepcopy(solved.to_dict())
    doc["config_sha256"] = "0" * 64
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    code, out, err = run(["evaluate", TOY, path])
    assert code == 0 and "the config has changed since this plan was made" in err


def test_strict_exits_1_for_a_plan_over_budget(solved, tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(solved.to_dict()))
    assert run(["evaluate", TOY, path, "--strict"])[0] == 0
    code, out, err = run(["evaluate", TOY, path, "--strict", "--set", "budget.annual_usd=1e6"])
    assert code == 1 and "BREAKS" in out and "--strict: the plan breaks" in err
    assert run(["evaluate", TOY, path, "--set", "budget.annual_usd=1e6"])[0] == 0  # a finding, not an error
    code, _, err = run(["schedule", TOY, path, "--strict", "--set", "budget.annual_usd=1e6", "--out", tmp_path / "s"])
    assert code == 1 and "--strict" in err


def test_every_plan_verb_takes_a_result_in_place_of_a_plan_file(solved):
    ev = monitor.evaluate(TOY, solved)
    assert ev.metrics["detection"] == pytest.approx(solved.metrics["detection"], abs=1e-12)
    sch = monitor.schedule(TOY, ev)
    sim = monitor.simulate(TOY, sch, violations=2_000, seed=1)
    assert (sim.units == solved.solution.units).all() and (sch.units == solved.solution.units).all()
    with pytest.raises(monitor.InputError, match="holds no plan"):
        monitor.evaluate(TOY, monitor.validate(TOY))
