"""Ctrl-C: a solve stops at its next safe point, even inside OR-Tools, and returns (and the CLI
writes, whole) the best plan so far with its bound; exit status 130."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import CONFIGS, REPO

from monitor.solvers import stop
from monitor.solvers.lp import LinearModel


def test_a_stop_interrupts_a_running_mip_and_keeps_its_bound():
    """A knapsack-like MIP that SCIP cannot close in a minute stops within seconds of request()."""
    rng = np.random.default_rng(0)
    n, m = 120, 60
    lm = LinearModel()
    x = lm.add_vars(np.zeros(n), np.ones(n), obj=rng.random(n), integer=True)
    A = sp.csr_matrix(rng.integers(1, 60, (m, n)) * (rng.random((m, n)) < 0.3))
    lm.add_rows(A, -np.inf, np.full(m, 100.0))
    timer = threading.Timer(1.0, stop.request)
    with stop.sigint_stops():
        timer.start()
        t0 = time.perf_counter()
        r = lm.solve_mip("scip", 60.0)
        took = time.perf_counter() - t0
        assert stop.requested()
    assert not stop.requested()  # the stop does not outlive its solve
    assert took < 30, took
    assert r.x is not None and np.isfinite(r.bound) and r.bound >= r.objective - 1e-9
    assert x.shape == (n,)


def interrupt_exact(out, sig: int, wait_s: float = 1.0):
    """Run `monitor solve --solver exact` on Ukraine and send `sig` once its LP phase has begun:
    (exit status, stdout, stderr, plan.json's content)."""
    cmd = [sys.executable, "-m", "monitor", "solve", str(CONFIGS / "ukraine-2025.toml"), "--solver", "exact",
           "--time-limit-s", "40", "-v", "--out", str(out)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    seen = []
    for line in proc.stderr:  # the step before the LP is logged when the LP starts
        seen.append(line)
        if "continuous bound" in line:
            break
    assert any("continuous bound" in s for s in seen), "".join(seen)
    time.sleep(wait_s)
    proc.send_signal(sig)
    stdout, rest = proc.communicate(timeout=120)
    return proc.returncode, stdout, "".join(seen) + rest, json.loads((out / "plan.json").read_text())


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_exact_writes_the_best_plan_with_its_bound(tmp_path, sig):
    """Ctrl-C (and SIGTERM alike) on a real exact solve: exit 130, the set written whole."""
    out = tmp_path / "out"
    code, stdout, err, doc = interrupt_exact(out, sig)
    assert code == 130, err
    assert "Traceback" not in err and "interrupted: the best plan so far and its bound are written" in err
    sv = doc["solver"]
    assert sv["status"] == "interrupted"
    assert sv["bound"] >= sv["objective"] > 0.5 and 0 <= sv["gap"] < 0.1
    assert sv["seconds"] < 36  # stopped, not run to its 40 s limit
    assert abs(doc["metrics"]["detection"] - sv["objective"]) < 1e-12
    assert {p.name for p in out.iterdir()} == {"plan.json", "placements.geojson", "cells.csv", "map.png",
                                               "report.md", "baselines", "cells.geojson", "line.geojson",
                                               "zones.geojson", "coverage.geojson", "report.html"}
    assert not list(out.rglob(".*.tmp"))
    assert "interrupted" in stdout  # the summary says how the solve ended
