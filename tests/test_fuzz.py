"""The mutation fuzzer (benchmarks/fuzz.py) at a small count: no traceback, only exit 0 or 2,
nothing written on 2. `python -m benchmarks.fuzz --count 2000` runs it longer."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import numpy as np

from benchmarks import fuzz


def test_bundled_configs_and_a_plan_survive_mutation(tmp_path):
    failures, counts = fuzz.fuzz(60, seed=0, work=tmp_path)
    assert not failures, "\n".join(failures)
    assert set(counts) <= {0, 2} and counts.get(2, 0) > 0 and counts.get(0, 0) > 0  # both kinds of case ran


def test_the_checks_can_fail(tmp_path):
    out = tmp_path / "out"
    assert fuzz._check(1, "boom", out, "x") is not None
    assert fuzz._check(0, "Traceback (most recent call last):", out, "x") is not None
    assert fuzz._check("raised KeyError", "", out, "x") is not None
    out.mkdir()
    assert fuzz._check(2, "monitor: error: x", out, "x") is not None  # exit 2 but something was written
    assert fuzz._check(2, "monitor: error: x", tmp_path / "none", "x") is None


def test_the_toml_writer_round_trips():
    doc = {"a": 1, "b": [1.5, "x", {"c": True}], "d": {"e": [], "f": -2.0}, "g": math.inf}
    back = tomllib.loads(fuzz.toml_text(doc))
    assert back == doc
    assert math.isnan(tomllib.loads(fuzz.toml_text({"n": math.nan}))["n"])


def test_mutations_change_one_thing_and_repeat_for_a_seed():
    doc = tomllib.loads((Path(fuzz.ROOT) / "configs" / "toy.toml").read_text(encoding="utf-8"))
    a = [fuzz.mutate(doc, np.random.default_rng(7))[1] for _ in range(1)]
    b = [fuzz.mutate(doc, np.random.default_rng(7))[1] for _ in range(1)]
    assert a == b
    new, what = fuzz.mutate(doc, np.random.default_rng(3))
    assert new != doc or what == "truncate"
