"""Plans that hold up when their worst units are lost (`--robust-losses K`).

A plan tuned to the expected score puts each tower where it adds most, so a few towers carry
whole hotspots, and losing them costs much. Planning for the worst K losses exactly is a
max-min over sets of units; here the solver is run on the instance with every hazard scaled
by theta in THETAS (weaker units saturate later, so the plans overlap more: redundancy), each
plan is scored on the true instance after its worst K losses (`model/losses.py`: exhaustive
where few sets exist, else greedy removal), and the plan with the most detection left is kept
(ties: the higher score).

The claim is only this comparison: among the candidates, the kept plan leaves the most after
the worst K losses as found; with greedy removal a worse set of K losses may exist, and
`detection_at_least` bounds what any set leaves. The bound and gap reported are the nominal
solve's, on the objective, so they hold for every plan and show what robustness costs.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable

from ..model.instance import Instance
from ..model.losses import worst_losses
from .solution import Solution

THETAS = (1.0, 0.75, 0.5, 0.35, 0.25)  # hazard scales of the candidate plans; 1 is the nominal plan


def robust_losses(inst: Instance, K: int, solve: Callable[[Instance], Solution]) -> Solution:
    """The candidate plan (module doc) with the most detection left after its worst K losses."""
    t0 = time.perf_counter()
    nominal = None
    rows = []
    for theta in THETAS:
        sol = solve(inst if theta == 1.0 else replace(inst, B=inst.B * theta))
        nominal = nominal or sol
        units = sol.units
        after = worst_losses(inst, units, K)
        left = after[-1] if after else {"detection": inst.detected(units), "method": "none",
                                        "detection_at_least": inst.detected(units)}
        rows.append({"theta": theta, "objective": inst.score(units), "detection": inst.detected(units),
                     "detection_after_losses": left["detection"], "method": left["method"],
                     "detection_at_least": left["detection_at_least"], "units": units})
    best = max(rows, key=lambda r: (round(r["detection_after_losses"], 12), r["objective"]))
    log = nominal.log + [{"phase": f"robust to {K} losses", "chosen_theta": best["theta"],
                          "candidates": [{k: v for k, v in r.items() if k != "units"} for r in rows]}]
    return Solution(units=best["units"], objective=best["objective"], bound=max(nominal.bound, best["objective"]),
                    solver=nominal.solver, seconds=time.perf_counter() - t0, status=nominal.status,
                    log=log, bound_from=nominal.bound_from, objective_name=nominal.objective_name)
