"""The command line: validate, solve, evaluate in process (monitor.cli.main) and once through
`python -m monitor`; the output contract; help texts; determinism; bad input."""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import subprocess
import sys

import pytest
from conftest import REPO, TOY
from test_config import BAD

from monitor import api
from monitor.cli import build_parser, main
from monitor.errors import InputError as ConfigError

OUTPUTS = {"plan.json", "placements.geojson", "cells.csv", "map.png", "report.md"}


def run(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in process: (exit status, stdout, stderr); argparse's exits count as statuses."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def assert_clean_failure(code: int, err: str, n_lines: int | None = 1) -> list[str]:
    """Status 2, one line per problem on stderr, no traceback."""
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    if n_lines is not None:
        assert len(lines) == n_lines, err
    assert all(line.startswith("monitor") and "error:" in line for line in lines), err
    return lines


def without_seconds(x):
    """A plan document without its timings (solver and build seconds)."""
    if isinstance(x, dict):
        return {k: without_seconds(v) for k, v in x.items() if "seconds" not in k}
    if isinstance(x, list):
        return [without_seconds(v) for v in x]
    return x


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    """`monitor solve configs/toy.toml --out <tmp>/a`, run once for the module."""
    out = tmp_path_factory.mktemp("solve") / "a"
    code, stdout, err = run(["solve", TOY, "--out", out])
    assert code == 0, err
    return out, stdout


# --- validate ---------------------------------------------------------------------------------------

def test_validate_prints_the_size():
    code, out, err = run(["validate", TOY])
    assert code == 0 and err == ""
    assert f"{TOY}: valid" in out
    assert "cells            120" in out
    code, out, _ = run(["validate", TOY, "--json"])
    size = json.loads(out)
    assert code == 0
    assert size["cells"] == 120
    assert size["zone_km2"]["dmz"] == pytest.approx(30 * 4, rel=0.01)
    assert size["candidate_sites"] == {"tower": 12, "drone": 2, "team": 6}
    assert size["budget_usd"] == 5e6


# --- solve: files and the plan.json contract ----------------------------------------------------------

def test_solve_writes_every_output(solved):
    out, stdout = solved
    assert OUTPUTS <= {p.name for p in out.iterdir()}
    assert not [p for p in out.rglob("*.tmp")]  # no temporary file left behind
    doc = json.loads((out / "plan.json").read_text())
    assert f"{100 * doc['metrics']['detection']:.2f}%" in stdout
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    report = (out / "report.md").read_text()
    assert report.startswith("# Monitoring plan: toy")
    assert f"{100 * doc['metrics']['detection']:.2f}%" in report


def test_plan_json_contract(solved):
    out, _ = solved
    doc = json.loads((out / "plan.json").read_text())
    assert doc["scenario"] == "toy"
    assert doc["budget_usd"] == 5e6
    sv = doc["solver"]
    assert {"name", "objective", "bound", "gap", "seconds"} <= set(sv)
    assert sv["name"] == "greedy"
    assert 0 <= sv["objective"] <= sv["bound"] <= 1
    assert sv["gap"] == pytest.approx((sv["bound"] - sv["objective"]) / sv["bound"])
    cost = doc["cost"]
    assert {"annual_usd", "capex_usd", "opex_usd_per_year", "observers"} <= set(cost)
    assert 0 < cost["annual_usd"] <= doc["budget_usd"]
    m = doc["metrics"]
    assert 0 <= m["detection"] <= 1
    assert m["detection"] == pytest.approx(sv["objective"], abs=1e-9)
    assert set(m["by_class"]) == {"incursion", "firing"}
    assert set(m["by_side"]) == {"North", "South"}
    assert {"from_km", "to_km", "detection"} <= set(m["worst_segment"])
    assert 0 <= m["worst_segment"]["detection"] <= m["detection"] + 1e-12
    assert m["detected_per_year"] == pytest.approx(m["detection"] * 100)
    keys = {"asset", "kind", "site", "lon", "lat", "side", "s_km", "offset_km", "units"}
    assert doc["placements"]
    for p in doc["placements"]:
        assert keys <= set(p)
        assert p["units"] >= 1 and p["side"] in ("North", "South")
        assert (p["offset_km"] > 0) == (p["side"] == "North")
    units = {}
    for p in doc["placements"]:
        units[p["asset"]] = units.get(p["asset"], 0) + p["units"]
    assert {k: v for k, v in m["units_by_asset"].items() if v} == units


def test_cells_csv_and_geojson(solved):
    out, _ = solved
    rows = list(csv.reader((out / "cells.csv").read_text().splitlines()))
    assert rows[0] == ["cell", "lon", "lat", "s_km", "offset_km", "side", "zone", "area_km2",
                       "weight_incursion", "weight_firing", "detection", "detection_incursion", "detection_firing",
                       "verified"]
    body = rows[1:]
    assert len(body) == 120
    assert sum(float(r[8]) for r in body) == pytest.approx(1.0, rel=1e-5)
    assert all(0 <= float(r[11]) <= 1 for r in body)
    # The overall detection is the class detections weighted by share and weight.
    for r in body:
        w = 0.5 * float(r[8]) + 0.5 * float(r[9])
        if w > 0:
            assert float(r[10]) == pytest.approx((0.5 * float(r[8]) * float(r[11]) + 0.5 * float(r[9]) * float(r[12])) / w,
                                                 abs=1e-8)
    assert {r[5] for r in body} == {"North", "South"} and {r[6] for r in body} == {"dmz"}
    assert all(0 <= float(r[13]) <= float(r[10]) + 1e-9 for r in body)  # verified never exceeds detected
    doc = json.loads((out / "plan.json").read_text())
    # The per-cell detections add up to plan.json's detection: sum_c share_c sum_i w P.
    D = sum(0.5 * float(r[8]) * float(r[11]) + 0.5 * float(r[9]) * float(r[12]) for r in body)
    assert D == pytest.approx(doc["metrics"]["detection"], rel=1e-5)
    gj = json.loads((out / "placements.geojson").read_text())
    assert gj["type"] == "FeatureCollection"
    assert [{k: v for k, v in f["properties"].items() if k not in ("radius_km", "annual_usd")}
            for f in gj["features"]] == doc["placements"]
    assert all(f["geometry"]["coordinates"] == [f["properties"]["lon"], f["properties"]["lat"]]
               for f in gj["features"])


# --- evaluate -----------------------------------------------------------------------------------------

def test_evaluate_reproduces_the_solve(solved):
    out, _ = solved
    doc = json.loads((out / "plan.json").read_text())
    D = doc["metrics"]["detection"]
    code, text, err = run(["evaluate", TOY, out / "plan.json"])
    assert code == 0 and err == ""
    assert "keeps the budget and caps" in text
    assert f"{100 * D:.2f}%" in text
    code, text, _ = run(["evaluate", TOY, out / "plan.json", "--json"])
    res = json.loads(text)
    assert code == 0 and res["feasible"] and res["problems"] == []
    assert res["metrics"]["detection"] == pytest.approx(D, abs=1e-9)
    assert res["cost"]["annual_usd"] == pytest.approx(doc["cost"]["annual_usd"])
    assert api.evaluate(TOY, out / "plan.json").to_dict()["metrics"]["detection"] == pytest.approx(D, abs=1e-9)


def test_evaluate_flags_a_plan_over_budget(solved, tmp_path):
    out, _ = solved
    doc = json.loads((out / "plan.json").read_text())
    # Two drones (2 x 2.08M USD) and a team (2.44M USD) a year: over the toy's 5M USD.
    doc["placements"] = [{"asset": "drone", "site": 0, "units": 1}, {"asset": "drone", "site": 1, "units": 1},
                         {"asset": "team", "site": 0, "units": 1}]
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    code, text, _ = run(["evaluate", TOY, path])
    assert code == 0 and "BREAKS" in text and "exceeds the budget" in text
    res = api.evaluate(TOY, path).to_dict()
    assert not res["feasible"] and res["cost"]["annual_usd"] == pytest.approx(2 * (5.4e6 / 5 + 1e6) + 2.44e6)


BAD_PLANS = [
    ("not-a-list", {"placements": "x"}, "placements", None, "must be a list"),
    ("no-placements", {"scenario": "toy"}, "placements", None, "must be a list"),
    ("entry-not-object", {"placements": [3]}, "placements[0]", "3", "must be an object"),
    ("unknown-asset", {"placements": [{"asset": "radar", "site": 0, "units": 1}]}, "placements[0].asset",
     '"radar"', "no such asset"),
    ("no-such-site", {"placements": [{"asset": "tower", "site": 99, "units": 1}]}, "placements[0].site", "99",
     "no such candidate site of asset 'tower'"),
    ("site-as-text", {"placements": [{"asset": "tower", "site": "0", "units": 1}]}, "placements[0].site", '"0"',
     "no such candidate site"),
    ("negative-units", {"placements": [{"asset": "tower", "site": 0, "units": -1}]}, "placements[0].units", "-1",
     "whole number from 0 to 1,000,000"),
    ("fractional-units", {"placements": [{"asset": "tower", "site": 0, "units": 1.5}]}, "placements[0].units",
     "1.5", "whole number from 0 to 1,000,000"),
    ("missing-units", {"placements": [{"asset": "tower", "site": 0}]}, "placements[0].units", "None",
     "whole number from 0 to 1,000,000"),
]


@pytest.mark.parametrize("doc, key, value, words", [b[1:] for b in BAD_PLANS], ids=[b[0] for b in BAD_PLANS])
def test_bad_plan_entries(tmp_path, doc, key, value, words):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError) as exc:
        api.evaluate(TOY, path)
    (line,) = exc.value.lines
    assert line.startswith(f"{path}: {key}" + ("" if value is None else f" = {value}:")), line
    assert words in line
    code, _, err = run(["evaluate", TOY, path])
    (cli_line,) = assert_clean_failure(code, err)
    assert cli_line == f"monitor: error: {line}"


def test_plan_that_is_not_json_or_missing(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{placements: ")
    code, _, err = run(["evaluate", TOY, path])
    (line,) = assert_clean_failure(code, err)
    assert f"{path}: not valid JSON" in line
    code, _, err = run(["evaluate", TOY, tmp_path / "none.json"])
    (line,) = assert_clean_failure(code, err)
    assert f"{tmp_path / 'none.json'}: cannot read the file" in line


def test_every_bad_plan_entry_is_listed(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"placements": [{"asset": "radar", "site": 0, "units": 1},
                                               {"asset": "tower", "site": 0, "units": 1},
                                               {"asset": "tower", "site": 1, "units": -2}]}))
    code, _, err = run(["evaluate", TOY, path])
    lines = assert_clean_failure(code, err, n_lines=2)
    assert "placements[0].asset" in lines[0] and "placements[2].units" in lines[1]


# --- bad config through the CLI: status 2, one line per problem, nothing written ----------------------

@pytest.mark.parametrize("replace, key, value, words", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_through_the_cli(write_config, tmp_path, replace, key, value, words):
    path = write_config(replace)
    out = tmp_path / "out"
    code, _, err = run(["solve", path, "--out", out])
    (line,) = assert_clean_failure(code, err)
    assert line.startswith(f"monitor: error: {path}: {key}")
    assert words in line
    assert not out.exists()
    code, _, err = run(["validate", path])
    assert_clean_failure(code, err)


def test_two_problems_are_two_lines(write_config, tmp_path):
    path = write_config({"cell_km = 1.0": "cell_km = -1.0", "radius_km = 1.6": "radius_km = nan"})
    code, _, err = run(["solve", path, "--out", tmp_path / "out"])
    assert_clean_failure(code, err, n_lines=2)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("flags, words", [
    (["--budget-usd", "-5"], "--budget-usd"),
    (["--budget-usd", "nan"], "--budget-usd"),
    (["--budget-usd", "lots"], "--budget-usd"),
    (["--seed", "-1"], "--seed"),
    (["--solver", "nope"], "--solver"),
    (["--time-limit-s", "0"], "--time-limit-s"),
    (["--colour", "red"], "unrecognized arguments"),
])
def test_bad_flags(tmp_path, flags, words):
    out = tmp_path / "out"
    code, _, err = run(["solve", TOY, "--out", out, *flags])
    (line,) = assert_clean_failure(code, err)
    assert words in line
    assert not out.exists()


def test_budget_override_below_the_cheapest_unit(tmp_path):
    code, _, err = run(["solve", TOY, "--budget-usd", "1000", "--out", tmp_path / "out"])
    (line,) = assert_clean_failure(code, err)
    assert "--budget-usd 1000.0: " in line and "cheapest unit" in line
    assert not (tmp_path / "out").exists()


def test_out_that_is_a_file(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("")
    code, _, err = run(["solve", TOY, "--out", afile])
    (line,) = assert_clean_failure(code, err)
    assert "--out" in line and "is a file" in line
    code, _, err = run(["solve", TOY, "--out", afile / "below"])
    (line,) = assert_clean_failure(code, err)
    assert "lies below the file" in line


# --- help and determinism ----------------------------------------------------------------------------

def subcommands() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_subcommand_has_help_and_an_example():
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in action._choices_actions}
    assert {"validate", "solve", "evaluate"} <= set(subcommands())
    for name in subcommands():
        assert helps.get(name), f"{name} has no help text"
        code, out, _ = run([name, "--help"])
        assert code == 0
        assert "example:" in out, f"`monitor {name} --help` shows no example"
        example = out.split("example:", 1)[1].strip()
        assert example.startswith(f"monitor {name} ")
    code, out, _ = run(["--help"])
    assert code == 0 and all(name in out for name in subcommands())


def test_solve_is_deterministic(solved, tmp_path):
    first, _ = solved
    second = tmp_path / "b"
    code, _, err = run(["solve", TOY, "--out", second])
    assert code == 0, err
    a = json.loads((first / "plan.json").read_text())
    b = json.loads((second / "plan.json").read_text())
    assert without_seconds(a) == without_seconds(b)
    for name in ("placements.geojson", "cells.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


# --- through python -m monitor -----------------------------------------------------------------------

def test_python_m_monitor(tmp_path, write_config):
    out = tmp_path / "out"
    ok = subprocess.run([sys.executable, "-m", "monitor", "solve", str(TOY), "--out", str(out)],
                        capture_output=True, text=True, cwd=REPO, timeout=300, check=False)
    assert ok.returncode == 0, ok.stderr
    assert "detection" in ok.stdout
    assert OUTPUTS <= {p.name for p in out.iterdir()}
    bad = write_config({"radius_km = 1.6": "radius_km = -1.6"})
    out2 = tmp_path / "out2"
    fail = subprocess.run([sys.executable, "-m", "monitor", "solve", str(bad), "--out", str(out2)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False)
    assert fail.returncode == 2
    assert fail.stdout == ""
    assert fail.stderr.splitlines() == [
        f"monitor: error: {bad}: assets[tower].radius_km = -1.6: input should be greater than 0"]
    assert not out2.exists()


def test_solve_without_out_writes_to_out_slash_the_scenario_name(write_config, tmp_path, monkeypatch):
    path = write_config()
    monkeypatch.chdir(tmp_path)
    code, stdout, err = run(["solve", path])
    assert code == 0, err
    assert OUTPUTS <= {p.name for p in (tmp_path / "out" / "hand").iterdir()}
    assert "outputs in out/hand/" in stdout


def test_closed_stdout_is_not_a_traceback():
    # `monitor validate ... | head -1`: the reader goes away before monitor has finished printing.
    proc = subprocess.Popen([sys.executable, "-m", "monitor", "validate", str(TOY)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, cwd=REPO)
    proc.stdout.close()  # gone before monitor prints its first line
    err = proc.stderr.read().decode()
    assert proc.wait() == 0
    assert "Traceback" not in err
