"""How sure a plan's detection (and verified detection) is: its figures under the ranges of the config's estimates.

A config's `[[uncertain]]` entries give a key, a low and a high value and a distribution.
The plan is kept fixed (its placements, by lon/lat) and re-scored on the scenario rebuilt
with other values:

    tornado      each range alone at its low end and at its high end, all else as in the file;
                 sorted by the larger swing, |D(high) - D(low)| or |V(high) - V(low)|, the largest first
    Monte Carlo  N draws of every range at once: draw k takes its values from the k-th
                 stream spawned from the seed, so the draws are the same for any number of
                 workers; reported as the 5th, 50th and 95th percentiles of D beside the
                 nominal D (the file's values)

    uniform      low + (high - low) U
    triangular   numpy's triangular(low, mode, high), mode the file's value unless given
    loguniform   exp(ln low + (ln high - ln low) U)

A key whose value in the file is a whole number (a count) is rounded in each draw.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import signal
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError, Problem
from ..model.build import build_model
from ..model.comments import value_at
from ..model.load import with_overrides
from ..model.metrics import plan_metrics
from ..model.plans import read_plan
from ..model.schema import Scenario

MAX_DRAWS = 100_000


@dataclass
class Sensitivity:
    nominal: float                 # D with the file's values
    tornado: list[dict]            # per range: key, low, high, D and V at each end, swing of D; largest first
    draws: np.ndarray              # D per draw
    values: list[dict] = field(default_factory=list)  # the drawn values per draw, by key
    seed: int = 0
    nominal_verified: float = 0.0  # V with the file's values
    draws_verified: np.ndarray = field(default_factory=lambda: np.zeros(0))  # V per draw

    def percentiles(self, verified: bool = False) -> dict:
        """5th, 50th and 95th percentiles of D (or V) over the draws."""
        x = self.draws_verified if verified else self.draws
        if len(x) == 0:
            return {"p5": None, "p50": None, "p95": None}
        p5, p50, p95 = np.percentile(x, [5, 50, 95])
        return {"p5": float(p5), "p50": float(p50), "p95": float(p95)}


def nominals(s: Scenario) -> dict:
    """The file's value at each range's key (items by name), read once from one dump of the scenario."""
    from ..model.overrides import Override, apply

    dump = s.model_dump(mode="json")
    probe = apply(s.model_dump(mode="json"), [Override(u.key, None) for u in s.uncertain], s.source)
    return {o.key: value_at(dump, path) for path, o in probe.items()}


def _typed(nominal, value: float):
    """A drawn value as the file's value is typed: counts stay whole numbers."""
    return int(round(value)) if isinstance(nominal, int) and not isinstance(nominal, bool) else float(value)


def rescore(s: Scenario, overrides: dict, plan: dict) -> tuple[float, float]:
    """(D, V) of the plan on the scenario with `overrides` applied (rebuilt), its placements put by lon/lat."""
    model = build_model(with_overrides(s, overrides))
    units = read_plan(plan, model)
    return model.instance.detected(units), model.instance.verified(units)


def tornado(s: Scenario, plan: dict, workers: int = 1) -> list[dict]:
    """Each range alone at its low and high end; the largest swing first."""
    nominal = nominals(s)
    cases = [{u.key: _typed(nominal[u.key], v)} for u in s.uncertain for v in (u.low, u.high)]
    scores = _map(s, plan, cases, workers)
    rows = []
    for k, u in enumerate(s.uncertain):
        (lo, v_lo), (hi, v_hi) = scores[2 * k], scores[2 * k + 1]
        rows.append({"key": u.key, "low": u.low, "high": u.high, "nominal": nominal[u.key],
                     "detection_low": lo, "detection_high": hi, "swing": abs(hi - lo),
                     "verified_low": v_lo, "verified_high": v_hi, "swing_verified": abs(v_hi - v_lo),
                     "reason": u.reason})
    return sorted(rows, key=lambda r: -max(r["swing"], r["swing_verified"]))


def draw_values(s: Scenario, n: int, seed: int) -> list[dict]:
    """n draws of every range; draw k from the k-th stream spawned from the seed."""
    if not isinstance(n, int) or not 0 <= n <= MAX_DRAWS:
        raise InputError(Problem(f"must be a whole number from 0 to {MAX_DRAWS:,}", key="--draws", value=n))
    nominal, out = nominals(s), []
    for stream in np.random.SeedSequence(seed).spawn(n):
        rng = np.random.default_rng(stream)
        draw = {}
        for u in s.uncertain:
            if u.distribution == "triangular":
                mode = u.mode if u.mode is not None else float(nominal[u.key])
                x = rng.triangular(u.low, min(max(mode, u.low), u.high), u.high) if u.high > u.low else u.low
            elif u.distribution == "loguniform":
                x = math.exp(math.log(u.low) + (math.log(u.high) - math.log(u.low)) * rng.random())
            else:
                x = u.low + (u.high - u.low) * rng.random()
            draw[u.key] = _typed(nominal[u.key], x)
        out.append(draw)
    return out


def sensitivity(s: Scenario, plan: dict, draws: int = 200, seed: int = 0, workers: int = 1) -> Sensitivity:
    """The tornado and the Monte Carlo of the module doc."""
    if not s.uncertain:
        raise InputError(Problem("the config gives no [[uncertain]] ranges to vary", s.source, "uncertain"))
    values = draw_values(s, draws, seed)
    nominal, nominal_v = rescore(s, {}, plan)
    rows = tornado(s, plan, workers)
    scores = np.array(_map(s, plan, values, workers), float).reshape(-1, 2)
    return Sensitivity(nominal=nominal, tornado=rows, draws=scores[:, 0], values=values, seed=seed,
                       nominal_verified=nominal_v, draws_verified=scores[:, 1])


def _map(s: Scenario, plan: dict, cases: list[dict], workers: int) -> list[tuple[float, float]]:
    """rescore over the cases, in order, on `workers` processes."""
    if workers <= 1 or len(cases) < 4:
        return [rescore(s, c, plan) for c in cases]
    with cf.ProcessPoolExecutor(max_workers=workers, initializer=_init, initargs=(os.getpid(),)) as pool:
        return list(pool.map(rescore, [s] * len(cases), cases, [plan] * len(cases), chunksize=4))


def _init(parent: int) -> None:
    """A worker dies with its parent and leaves Ctrl-C to it (as the frontier's workers do)."""
    from .frontier.runners import die_with_parent

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)
