"""The seven verbs: each through the Python API (a typed result with to_dict, text and write)
and through the CLI (which prints the same numbers); one error family with its fields; every
kind of bad flag as one line naming the flag; -v on every command."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import TOY
from test_cli import assert_clean_failure, run, without_seconds

import monitor
from monitor import api
from monitor.errors import InputError, MonitorError, Problem, SolverError
from monitor.outputs.files import dumps

VERBS = ["validate", "solve", "evaluate", "calibrate", "frontier", "schedule", "simulate"]


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    """The toy's greedy plan, written by the API as `monitor solve` writes it."""
    out = tmp_path_factory.mktemp("plan")
    res = api.solve(TOY)
    res.write(out)
    return out / "plan.json"


def api_result(verb: str, plan, tmp_path):
    return {
        "validate": lambda: api.validate(TOY),
        "solve": lambda: api.solve(TOY),
        "evaluate": lambda: api.evaluate(TOY, plan),
        "calibrate": lambda: api.calibrate(TOY),
        "frontier": lambda: api.frontier(TOY, "2e6:8e6:3", workers=1, checkpoint_dir=tmp_path / "ckpt"),
        "schedule": lambda: api.schedule(TOY, plan),
        "simulate": lambda: api.simulate(TOY, plan, violations=20_000, seed=3),
    }[verb]()


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_returns_a_typed_result(verb, plan, tmp_path):
    res = api_result(verb, plan, tmp_path)
    assert type(res).__module__ == "monitor.api" and res.scenario == "toy"
    doc = res.to_dict()
    assert isinstance(doc, dict) and json.loads(dumps(doc))  # JSON as written, NaN-free
    assert res.text().strip()
    if hasattr(res, "write"):
        files = res.write(tmp_path / "out")
        assert files and all(p.is_file() and p.stat().st_size > 0 for p in files)
        assert not list((tmp_path / "out").rglob(".*.tmp"))


def test_each_verb_has_one_name_in_the_package():
    for verb in VERBS:
        assert getattr(monitor, verb) is getattr(api, verb)


@pytest.mark.parametrize("verb, argv", [
    ("validate", ["validate", TOY, "--json"]),
    ("evaluate", ["evaluate", TOY, "{plan}", "--json"]),
    ("calibrate", ["calibrate", TOY, "--json"]),
    ("schedule", ["schedule", TOY, "{plan}", "--json", "--out", "{out}"]),
    ("simulate", ["simulate", TOY, "{plan}", "--json", "--violations", "20000", "--seed", "3", "--out", "{out}"]),
])
def test_the_cli_prints_what_the_api_returns(verb, argv, plan, tmp_path):
    argv = [str(a).format(plan=plan, out=tmp_path / "out") for a in argv]
    code, stdout, err = run(argv)
    assert code == 0, err
    expected = json.loads(dumps(api_result(verb, plan, tmp_path).to_dict()))
    assert without_seconds(json.loads(stdout)) == without_seconds(expected)


def test_the_cli_solve_writes_what_the_api_solves(tmp_path):
    code, stdout, err = run(["solve", TOY, "--out", tmp_path])
    assert code == 0, err
    doc = json.loads((tmp_path / "plan.json").read_text())
    expected = json.loads(dumps(api.solve(TOY).to_dict()))
    assert without_seconds(doc) == without_seconds(expected)
    assert f"{100 * doc['metrics']['detection']:.2f}%" in stdout


def test_the_cli_frontier_writes_what_the_api_sweeps(tmp_path):
    code, stdout, err = run(["frontier", TOY, "--budgets-usd", "2e6:8e6:3", "--workers", "1", "--quiet",
                             "--out", tmp_path / "cli"])
    assert code == 0, err
    run_ = api.frontier(TOY, "2e6:8e6:3", workers=1)
    csv = (tmp_path / "cli" / "frontier.csv").read_text().splitlines()
    assert len(csv) == 1 + len(run_.result.points)
    for p in run_.result.points:
        assert f"{100 * p.detection:.2f}%" in stdout


# --- one error family -----------------------------------------------------------------------------

def test_a_problem_carries_its_fields_and_reads_as_one_line():
    p = Problem("must be > 0", "configs/x.toml", "assets[ift].radius_km", -3.0)
    assert (p.file, p.key, p.value, p.message) == ("configs/x.toml", "assets[ift].radius_km", -3.0, "must be > 0")
    assert str(p) == "configs/x.toml: assets[ift].radius_km = -3.0: must be > 0"
    assert str(Problem("no asset 'x' in the config", key="--mix", value="x")) == '--mix "x": no asset \'x\' in the config'
    assert str(Problem("required key is missing", "a.toml", "budget")) == "a.toml: budget: required key is missing"
    assert str(Problem("cannot read the file", "a.toml")) == "a.toml: cannot read the file"
    err = InputError([p, Problem("m", key="--seed", value=-1)])
    assert isinstance(err, MonitorError) and err.exit_status == 2 and len(err.lines) == 2
    assert issubclass(SolverError, MonitorError) and SolverError("x").exit_status == 1


def test_api_errors_name_the_option_or_key_as_fields():
    with pytest.raises(InputError) as exc:
        api.solve(TOY, solver="greedy", gap=0.01)
    (p,) = exc.value.problems
    assert p.key == "--gap" and p.value == 0.01 and "greedy" in p.message
    with pytest.raises(InputError) as exc:
        api.solve(TOY, solver="exact", tme_limit_s=3)
    assert exc.value.problems[0].key == "--tme-limit-s"
    with pytest.raises(InputError) as exc:
        api.solve(TOY, budget_usd=-1.0)
    (p,) = exc.value.problems
    assert p.key == "--budget-usd" and p.value == -1.0 and p.file is None


@pytest.mark.parametrize("argv, flag, words", [
    (["solve", TOY, "--budget-usd", "-1"], "--budget-usd", "must be a finite number > 0"),
    (["solve", TOY, "--gap", "0.01"], "--gap", "the greedy solver takes no such option"),
    (["solve", TOY, "--solver", "swap", "--gap", "0.01"], "--gap", "the swap solver takes no such option"),
    (["frontier", TOY, "--budgets-usd", "1e6:2e6:2", "--mix", "nosuch"], "--mix", "no asset 'nosuch'"),
    (["frontier", TOY, "--budgets-usd", "1e6:2e6:2", "--gap", "0.1"], "--gap", "the greedy solver takes no such"),
    (["frontier", TOY, "--budgets-usd", "2e6:1e6:2"], "--budgets-usd", "FROM <= TO"),
    (["calibrate", TOY, "--asset", "tower"], "--asset", "is not a patrol team"),
    (["simulate", TOY, "plan.json", "--days", "0"], "--days", "must be a finite number > 0"),
])
def test_each_bad_flag_is_one_line_naming_the_flag(argv, flag, words, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = run([*argv, "--out", out] if argv[0] in ("solve", "frontier") else argv)
    (line,) = assert_clean_failure(code, err)
    assert f"{flag} " in line or f"{flag}:" in line, line
    assert words in line, line
    assert "toy.toml: --" not in line  # a flag is not a key of the file
    assert not out.exists() and not stdout


def test_an_unwritable_out_is_refused_before_any_work(tmp_path):
    t0 = time.perf_counter()
    code, stdout, err = run(["solve", TOY, "--solver", "exact", "--time-limit-s", "60", "--out", "/proc/monitor-x"])
    (line,) = assert_clean_failure(code, err)
    assert line.startswith("monitor: error: --out \"/proc/monitor-x\": cannot write in /proc")
    assert time.perf_counter() - t0 < 30  # refused before the 60 s solve, on however slow a machine
    assert not stdout


def test_verbose_prints_the_steps_on_stderr(tmp_path):
    code, _, err = run(["solve", TOY, "--solver", "exact", "--time-limit-s", "5", "-v", "--out", tmp_path])
    assert code == 0
    lines = err.splitlines()
    assert any(line.startswith("monitor: model: ") and "cells" in line for line in lines), err
    assert any("exact: greedy" in line and "plan" in line and "bound" in line for line in lines), err
    code, _, err = run(["solve", TOY, "--out", tmp_path])
    assert code == 0 and err == ""  # quiet by default
    for verb in VERBS:
        code, out, _ = run([verb, "--help"])
        assert code == 0 and "--log-level" in out and "-v" in out


def test_solver_status_is_one_type():
    from monitor.solvers import Status

    res = api.solve(TOY, solver="swap", time_limit_s=5)
    assert isinstance(res.solution.status, Status)
    assert res.to_dict()["solver"]["status"] in {s.value for s in Status}
    assert np.array_equal(res.solution.units, api.read_plan(res.to_dict(), res.model))
