"""The Pareto sweep's outputs (`monitor pareto`): pareto.md, pareto.png, pareto.json, and the table printed."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from ..studies.pareto import ParetoPoint
from .files import write_files
from .plots import pareto_png
from .text import pct, usd


def _label(p: ParetoPoint) -> str:
    if p.level is None:
        return "max worst" + (" (every cell seen)" if p.every_cell_seen else "")
    return f">= {pct(p.level)}"


def pareto_rows(points: list[ParetoPoint]) -> list[list[str]]:
    head = ["every segment", "meets it", "objective", "detection", "verified", "worst segment", "bound / gap",
            "yearly cost", "units"]
    rows = [head]
    for p in points:
        units = ", ".join(f"{k} {v}" for k, v in p.units_by_asset.items() if v) or "none"
        rows.append([_label(p), "yes" if p.meets else "no", pct(p.objective), pct(p.detection), pct(p.verified),
                     pct(p.worst_segment), f"{pct(p.bound)} / {pct(p.gap)}", usd(p.annual_usd), units])
    return rows


def pareto_text(scenario: str, points: list[ParetoPoint]) -> str:
    rows = pareto_rows(points)
    w = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    lines = [f"{scenario}: expected score against the worst segment at one budget ({len(points)} plans; "
             "bound and gap on each plan's own objective)"]
    lines += ["  " + "  ".join(c.ljust(w[k]) if k in (0, 8) else c.rjust(w[k]) for k, c in enumerate(r)).rstrip()
              for r in rows]
    return "\n".join(lines) + "\n"


def pareto_md(scenario: str, points: list[ParetoPoint]) -> str:
    rows = pareto_rows(points)
    out = [f"## Detection against the worst segment: {scenario}", "",
           "Each row is one plan at the config's budget: the objective with every segment at the level or "
           "above (min_segment_detection), and last the plan that maximises the worst segment. \"meets it\" says "
           "whether the plan keeps its level (a no: the budget cannot, and the row shows the closest plan found). "
           "Bound and gap are on the row's own objective.", "",
           "| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out) + "\n"


def write_pareto(out: str | Path, scenario: str, points: list[ParetoPoint]) -> list[Path]:
    """pareto.md, pareto.png and pareto.json in `out`, written as one set."""
    doc = {"scenario": scenario, "points": [asdict(p) for p in points]}
    return write_files(out, {"pareto.md": pareto_md(scenario, points),
                             "pareto.png": pareto_png(points, _label),
                             "pareto.json": json.dumps(doc, indent=1) + "\n"})
