"""monitor from Python, as in a notebook: solve, look at the plan as tables and a map, try a
change without writing a file, and sweep budgets. Run it with `python docs/example.py`
(the tests run it too); each step prints what a notebook cell would show.
"""

from pathlib import Path

import matplotlib.pyplot as plt

import monitor
from monitor.outputs.plots import plot_map

CONFIG = Path(__file__).resolve().parent.parent / "configs" / "toy.toml"

# 1. Solve: a typed result with the plan, its score, the solver's bound and gap.
res = monitor.solve(CONFIG, solver="exact", time_limit_s=10)
print(res.solution)                        # Solution(exact, optimal, objective=..., bound=..., gap=...)
print(res.placements_frame().head())       # used sites: asset, lon, lat, units, radius_km, annual_usd
cells = res.cells_frame()                  # one row per cell, detection overall and per class
print(cells[["zone", "side", "detection"]].describe())

# 2. A map on axes of your own: monitor draws on them and never switches the backend.
fig, ax = plt.subplots(figsize=(8, 4))
plot_map(res.model, res.solution.units, ax=ax)
ax.set_title(f"{res.scenario}: {100 * res.metrics['detection']:.2f}% detected")

# 3. What if: the same plan with a smaller budget, and a new solve with shorter towers,
#    without editing the file or writing plan.json.
same_plan = monitor.evaluate(CONFIG, res, overrides={"budget.annual_usd": 3e6})
print("keeps $3M a year:", same_plan.feasible, same_plan.problems)
shorter = monitor.solve(CONFIG, overrides={"assets.tower.radius_km": 1.2})
print(f"shorter towers: {100 * shorter.metrics['detection']:.2f}% (was {100 * res.metrics['detection']:.2f}%)")

# 4. What each extra dollar buys: a small frontier as a DataFrame.
frontier = monitor.frontier(CONFIG, "2e6:8e6:4", mixes=["all", "observers"], workers=1)
print(frontier.to_frame()[["mix", "budget_usd", "detection", "bound", "gap"]])
