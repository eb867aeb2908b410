"""The benchmark runner at its smallest size: it runs, checks, and writes its table."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # benchmarks/ is not installed: import it from the repo

from benchmarks import __main__ as bench  # noqa: E402
from benchmarks import peers, run, specs  # noqa: E402


def test_smoke_run_writes_a_table_and_passes(tmp_path):
    out = tmp_path / "solvers.md"
    status = bench.main(["--smoke", "--only", "yesno-200km", "--time-limit-s", "5", "--no-ukraine", "--out", str(out)])
    text = out.read_text(encoding="utf-8")
    assert status == 0, text
    assert "Command: `python -m benchmarks --smoke" in text
    assert "| yesno-200km | exact | 600 | 200 |" in text
    assert "monitor exact (gap 0%)" in text
    assert "Failed checks" not in text


def test_checks_catch_a_bad_row():
    good = {"problems": [], "rescored": 0.5, "objective": 0.5, "bound": 0.6}
    assert run.check_row("case", "exact", good, {"objective": 0.4}) == []
    assert run.check_row("case", "exact", {**good, "bound": 0.4}, None)  # bound below the plan
    assert run.check_row("case", "exact", good, {"objective": 0.7})      # below greedy
    assert run.check_row("case", "exact", {**good, "rescored": 0.45}, None)
    assert run.check_row("case", "exact", {"error": "boom"}, None)


def test_specs_are_seeded_and_sized():
    a, b = specs.wiggly_line(200.0, 3), specs.wiggly_line(200.0, 3)
    assert a == b and a != specs.wiggly_line(200.0, 4)
    s = specs.yesno(50.0, 2.0, 0, p=3)
    assert s.budget.annual_usd == 3.0 and s.assets[0].annual_usd == 1.0
    names = [c.name for c in specs.all_specs()]
    assert {"ukraine-2025", "ukraine-2025-verified", "mixed-965km", "yesno-2000km"} <= set(names)
    assert specs.config("toy", None, "verified").objective.name == "verified"
    # The synthetic mixed lines borrow the Ukraine config: whatever it gains must still validate there.
    mixed = specs.mixed(200.0, 2.0, 0)
    assert mixed.name == "mixed-200km-2km-s0" and not mixed.uncertain and not mixed._scenarios


def test_peer_arrays_refuse_a_probabilistic_instance():
    from monitor.model.instance import Instance

    inst = Instance.from_arrays(np.ones((3, 2)), np.ones(3), [1.0, 2.0], budget_usd=2.0)
    with pytest.raises(ValueError):
        peers.mclp_arrays(inst)
