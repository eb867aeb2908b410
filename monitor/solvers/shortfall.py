"""What stands between a budget and min_segment_detection, for the error that says so."""

from __future__ import annotations

from dataclasses import replace

from ..errors import Problem
from ..model.instance import Instance
from .greedy import solve_greedy
from .relax import frank_wolfe_bound
from .segments import saturate

BOUND_TIME_S = 2.0  # seconds for the worst_segment relaxation's bound in the message


def shortfall(inst: Instance, proven: bool = False) -> str:
    """Why no plan found meets min_segment: the best worst segment greedy reaches within the budget,
    the most any plan can (the worst_segment relaxation's bound), and what greedy's plan that meets
    it costs a year. `proven`: the exact solver's LP showed no plan meets it."""
    worst = inst.as_worst_segment(every_cell_seen=False)
    plans = [solve_greedy(inst.as_worst_segment(seen)).units for seen in (False, True)]
    plan = max(plans, key=worst.worst_segment)  # greedy's two plans for the worst segment: the better one
    reached = worst.worst_segment(plan)
    bound = frank_wolfe_bound(worst, plan, inst.fits_alone(), BOUND_TIME_S).bound
    rich = replace(worst, budget_usd=max(inst.budget_usd, 1.0) * 1e6)
    meets, ok = saturate(rich, inst.lower, inst.min_segment)
    costs = f"greedy meets it at ${rich.cost(meets):,.0f} a year" if ok else "no plan within the caps meets it at any budget"
    why = "the LP proves no plan within the budget meets it" if proven else \
        f"the best worst segment found is {100 * reached:.2f}%"
    return f"{why} (no plan exceeds {100 * min(bound, 1.0):.2f}%); {costs}"


def min_segment_unmet(inst: Instance, units, status: str) -> str | None:
    """Why the plan leaves a segment below min_segment (see `shortfall`), or None when it does not."""
    if inst.min_segment <= 0 or inst.worst_segment(units) >= inst.min_segment - 1e-9:
        return None
    return shortfall(inst, proven=status == "infeasible")


def note_constraint_cost(inst: Instance, sol, run) -> None:
    """With min_segment: the same solver (`run`) without it, logged in `sol` for the summary's cost line."""
    if inst.min_segment <= 0:
        return
    free = run(replace(inst, min_segment=0.0))
    sol.log.append({"phase": "without min_segment_detection", "objective": free.objective, "bound": free.bound,
                    "worst_segment": inst.worst_segment(free.units)})


def unmet_constraints(inst: Instance, sol, s) -> list[Problem]:
    """One problem naming objective.min_segment_detection, or every_cell_seen, when the plan breaks it
    (scenario `s` names the file and the value); none when it keeps both."""
    why = min_segment_unmet(inst, sol.units, sol.status)
    if why is not None:
        head = "cannot be met" if sol.status == "infeasible" else "is not met by any plan found"
        return [Problem(f"{head} within budget.annual_usd = {inst.budget_usd:,.0f}: {why}",
                        s.source, "objective.min_segment_detection", s.objective.min_segment_detection)]
    unseen = len(inst.unseen_cells(sol.units))
    if unseen:
        return [Problem(f"cannot be met within budget.annual_usd = {inst.budget_usd:,.0f}: {unseen} cells stay "
                        "unseen; set it to false to plan for segments only", s.source, "objective.every_cell_seen",
                        True)]
    return []
