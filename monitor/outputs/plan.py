"""The documents of a plan: plan.json, placements.geojson, cells.csv, the baselines' plan files,
and the set of files a solve writes (with map.png and report.md).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from .._version import __version__
from ..model.build import ScenarioModel
from ..model.comments import estimates
from ..model.metrics import detection_by_cell, placements, plan_metrics, scenario_size
from ..model.plans import config_hash
from ..model.verification import verified_share_by_cell
from .files import dumps, write_files
from .gis import layers
from .html import report_html
from .plots import plan_png
from .text import report_md


def solver_record(sol) -> dict:
    """plan.json's `solver`: name, status, objective, bound, gap, seconds and the phase log."""
    return {"name": sol.solver, "status": str(sol.status), "objective_name": sol.objective_name,
            "objective": sol.objective, "bound": sol.bound,
            "gap": sol.gap, "bound_from": sol.bound_from, "seconds": sol.seconds, "log": sol.log}


def plan_document(model: ScenarioModel, units: np.ndarray, solver: dict | None, metrics: dict | None = None,
                  baselines: list[dict] | None = None, baselines_skipped: list[str] | None = None,
                  baseline: dict | None = None) -> dict:
    """The content of plan.json (docs/outputs.md); `baselines` are Baseline.summary() records.

    `solver` is `solver_record(solution)`, or None for a plan no solver made (a baseline,
    described by `baseline`).
    """
    s = model.scenario
    m = metrics if metrics is not None else plan_metrics(model, units)
    doc = {
        "monitor_version": __version__,
        "scenario": s.name,
        "variants": list(s.variants),
        "config": s.source,
        "config_sha256": config_hash(s),
        "seed": s.seed,
        "budget_usd": s.budget.annual_usd,
        "max_observers": s.budget.max_observers,
        "size": scenario_size(model),
        "solver": solver,
        "cost": {"annual_usd": m["annual_usd"], "capex_usd": m["capex_usd"],
                 "opex_usd_per_year": m["opex_usd_per_year"], "observers": m["observers"],
                 "operators": m["operators"]},
        "metrics": m,
        "placements": placements(model, units),
        "assets": {a.name: {"kind": a.kind, "radius_km": a.radius_km, "annual_usd": a.annual_usd}
                   for a in s.assets},
        "assumptions": estimates(s),
    }
    if baseline is not None:
        doc["baseline"] = baseline
    if baselines is not None:
        doc["baselines"] = baselines
        doc["baselines_skipped"] = list(baselines_skipped or [])
    return doc


def baseline_document(model: ScenarioModel, b) -> dict:
    """A baseline (studies.baselines.Baseline) as a plan.json document, so `monitor evaluate` can re-score it."""
    about = {"name": b.name, "description": b.description, "notes": b.notes, "problems": b.problems}
    return plan_document(model, b.units, None, metrics=b.metrics, baseline=about)


def cells_csv(model: ScenarioModel, units: np.ndarray) -> str:
    """One row per cell: position, side, zone, area, weight_<class>, detection (overall), detection_<class>,
    verified (overall)."""
    s, c, inst = model.scenario, model.cells, model.instance
    P = inst.fold(inst.detection_by_cell(units))  # per cell, over outage states
    det = detection_by_cell(model, units)
    ver = verified_share_by_cell(model, units)
    names = [k.name for k in s.violations.classes]
    W = inst.cell_W
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cell", "lon", "lat", "s_km", "offset_km", "side", "zone", "area_km2"]
               + [f"weight_{n}" for n in names] + ["detection"] + [f"detection_{n}" for n in names] + ["verified"])
    zones = [z.name for z in s.zones]
    for i in range(len(c)):
        w.writerow([i, f"{c.lon[i]:.6f}", f"{c.lat[i]:.6f}", f"{c.s_km[i]:.3f}", f"{c.offset_km[i]:.3f}",
                    model.sides[c.side[i]], zones[c.zone[i]], f"{c.area_km2[i]:.6f}"]
                   + [f"{x:.6e}" for x in W[i]] + [f"{det[i]:.9f}"] + [f"{x:.9f}" for x in P[i]]
                   + [f"{ver[i]:.9f}"])
    return buf.getvalue()


def write_plan(out_dir: str | Path, model: ScenarioModel, doc: dict, units: np.ndarray,
               baselines: list = ()) -> list[Path]:
    """Every output of a solve in `out_dir`: plan.json, cells.csv, the GIS layers (gis.py), map.png,
    report.md, and baselines/<name>.json for each baseline; as one set. Returns the paths."""
    files = {
        "plan.json": dumps(doc),
        "cells.csv": cells_csv(model, units),
        **{name: dumps(layer, compact=True) for name, layer in layers(model, units).items()},
        "map.png": plan_png(model, units, doc),
        "report.md": report_md(doc),
        "report.html": report_html(model, units, doc),
    }
    files.update({f"baselines/{b.name}.json": dumps(baseline_document(model, b)) for b in baselines})
    return write_files(out_dir, files)
