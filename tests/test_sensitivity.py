"""monitor sensitivity: a tornado of each [[uncertain]] range alone, and a seeded Monte Carlo of
all at once, the plan kept fixed and re-scored on the rebuilt scenario."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import TOY
from test_cli import assert_clean_failure, run

import monitor
from monitor.studies.sensitivity import draw_values

RANGES = """
[[uncertain]]
key = "assets.tower.availability"
low = 0.5
high = 0.9
reason = "test"

[[uncertain]]
key = "assets.team.observers"
low = 6
high = 12
reason = "a count: drawn as whole numbers"

[[uncertain]]
key = "assets.drone.swath_km"
low = 0.2
high = 2.0
distribution = "loguniform"

[[uncertain]]
key = "violations.classes.incursion.duration_h"
low = 2.0
high = 8.0
distribution = "triangular"
"""


@pytest.fixture()
def config(tmp_path):
    path = tmp_path / "toy.toml"
    path.write_text(TOY.read_text(encoding="utf-8") + RANGES, encoding="utf-8")
    return path


@pytest.fixture()
def plan(config, tmp_path):
    res = monitor.solve(config)
    res.write(tmp_path / "plan")
    return tmp_path / "plan" / "plan.json"


def test_the_tornado_is_each_range_alone_re_scored(config, plan):
    res = monitor.sensitivity(config, plan, draws=0, workers=1)
    rows = {r["key"]: r for r in res.study.tornado}
    low = monitor.evaluate(config, plan, overrides={"assets.tower.availability": 0.5}).metrics["detection"]
    high = monitor.evaluate(config, plan, overrides={"assets.tower.availability": 0.9}).metrics["detection"]
    tower = rows["assets.tower.availability"]
    assert tower["detection_low"] == pytest.approx(low, abs=1e-12) and tower["detection_high"] == pytest.approx(high)
    assert res.study.nominal == pytest.approx(monitor.evaluate(config, plan).metrics["detection"], abs=1e-12)
    v_low = monitor.evaluate(config, plan, overrides={"assets.tower.availability": 0.5}).metrics["verified"]
    assert tower["verified_low"] == pytest.approx(v_low, abs=1e-12) and tower["verified_low"] <= tower["detection_low"]
    assert res.study.nominal_verified == pytest.approx(monitor.evaluate(config, plan).metrics["verified"], abs=1e-12)
    swings = [max(r["swing"], r["swing_verified"]) for r in res.study.tornado]
    assert swings == sorted(swings, reverse=True) and low < high


def test_draws_repeat_for_a_seed_whatever_the_workers(config, plan):
    one = monitor.sensitivity(config, plan, draws=12, seed=5, workers=1).study
    two = monitor.sensitivity(config, plan, draws=12, seed=5, workers=2).study
    assert np.array_equal(one.draws, two.draws) and one.values == two.values
    assert np.array_equal(one.draws_verified, two.draws_verified) and (one.draws_verified <= one.draws + 1e-12).all()
    other = monitor.sensitivity(config, plan, draws=12, seed=6, workers=1).study
    assert not np.array_equal(one.draws, other.draws)
    p = one.percentiles()
    assert p["p50"] == pytest.approx(float(np.percentile(one.draws, 50)))


def test_draws_keep_their_ranges_and_counts_stay_whole(config):
    s = monitor.load_scenario(config)
    draws = draw_values(s, 300, seed=1)
    avail = [d["assets.tower.availability"] for d in draws]
    observers = [d["assets.team.observers"] for d in draws]
    swath = [d["assets.drone.swath_km"] for d in draws]
    assert 0.5 <= min(avail) and max(avail) <= 0.9
    assert all(isinstance(x, int) and 6 <= x <= 12 for x in observers) and len(set(observers)) > 3
    assert 0.2 <= min(swath) and max(swath) <= 2.0 and np.median(swath) < 0.9  # loguniform: median 0.63, not 1.1


@pytest.mark.parametrize("entry, words", [
    ('key = "assets.tower.availability"\nlow = 0.9\nhigh = 0.5', "must be at most high"),
    ('key = "assets.nosuch.availability"\nlow = 0.1\nhigh = 0.5', "assets has no item named 'nosuch'"),
    ('key = "assets.drone.swath_km"\nlow = 0.0\nhigh = 5.0\ndistribution = "loguniform"', "must be > 0"),
])
def test_a_bad_range_is_one_line(tmp_path, entry, words):
    path = tmp_path / "bad.toml"
    path.write_text(TOY.read_text(encoding="utf-8") + f"\n[[uncertain]]\n{entry}\n", encoding="utf-8")
    code, _, err = run(["validate", path])
    (line,) = assert_clean_failure(code, err)
    assert "uncertain[0]" in line and words in line


def test_the_command_writes_its_files_and_prints_the_percentiles(config, plan, tmp_path):
    out = tmp_path / "sens"
    code, stdout, err = run(["sensitivity", config, plan, "--draws", "20", "--seed", "2", "--workers", "1",
                             "--out", out])
    assert code == 0, err
    assert "5th / 50th / 95th percentile" in stdout and "assets.tower.availability" in stdout
    assert {p.name for p in out.iterdir()} >= {"sensitivity.json", "sensitivity.md", "tornado.png", "draws.png"}
    doc = json.loads((out / "sensitivity.json").read_text())
    assert len(doc["detection_by_draw"]) == 20 and doc["seed"] == 2
    code, _, err = run(["sensitivity", TOY, plan, "--draws", "5", "--out", tmp_path / "none"])
    (line,) = assert_clean_failure(code, err)
    assert "no [[uncertain]] ranges" in line
