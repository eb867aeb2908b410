"""The outputs of a solve: plan.json, placements.geojson, cells.csv, map.png, report.md,
and the summary printed on stdout. Every file is written to a temporary name in the
output folder and renamed, so an interrupted run never leaves half a file.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from . import __version__
from .coverage import Model
from .metrics import detection_by_cell, plan_metrics
from .solvers import Solution


def atomic_write(path: str | Path, data: str | bytes) -> None:
    """Write `data` to `path` whole or not at all (temporary file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the usual mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _clean(x):
    """JSON-safe copy: numpy scalars to Python, non-finite floats to None."""
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [_clean(v) for v in x.tolist()]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def dumps(doc: dict) -> str:
    return json.dumps(_clean(doc), indent=2, allow_nan=False) + "\n"


def placements(model: Model, units: np.ndarray) -> list[dict]:
    """One record per site with units, in site order."""
    s, st = model.scenario, model.sites
    out = []
    for j in np.flatnonzero(np.asarray(units) > 0):
        a = s.assets[st.asset[j]]
        out.append({"asset": a.name, "kind": a.kind, "site": int(st.index[j]),
                    "lon": round(float(st.lon[j]), 6), "lat": round(float(st.lat[j]), 6),
                    "side": model.sides[st.side[j]], "s_km": round(float(st.s_km[j]), 3),
                    "offset_km": round(float(st.offset_km[j]), 3), "units": int(units[j])})
    return out


def plan_document(model: Model, sol: Solution, config_path: str | None = None,
                  metrics: dict | None = None, baselines: list[dict] | None = None,
                  baselines_skipped: list[str] | None = None) -> dict:
    """The content of plan.json (see README, "Outputs"); `baselines` are Baseline.summary() records."""
    s = model.scenario
    m = metrics if metrics is not None else plan_metrics(model, sol.units)
    doc = {
        "monitor_version": __version__,
        "scenario": s.name,
        "config": config_path or s.source,
        "seed": s.seed,
        "budget_usd": s.budget.annual_usd,
        "max_observers": s.budget.max_observers,
        "size": scenario_size(model),
        "solver": {"name": sol.solver, "status": sol.status, "objective": sol.objective,
                   "bound": sol.bound, "gap": sol.gap, "seconds": sol.seconds, "log": sol.log},
        "cost": {"annual_usd": m["annual_usd"], "capex_usd": m["capex_usd"],
                 "opex_usd_per_year": m["opex_usd_per_year"], "observers": m["observers"],
                 "operators": m["operators"]},
        "metrics": m,
        "placements": placements(model, sol.units),
    }
    if baselines is not None:
        doc["baselines"] = baselines
        doc["baselines_skipped"] = list(baselines_skipped or [])
    return doc


def scenario_size(model: Model) -> dict:
    """What `validate` prints: line length, zone areas, cells, candidate sites, budget."""
    s, c = model.scenario, model.cells
    zones = {z.name: float(c.area_km2[c.zone == k].sum()) for k, z in enumerate(s.zones)}
    sites = {a.name: int((model.sites.asset == k).sum()) for k, a in enumerate(s.assets)}
    return {"line_km": model.geometry.length_km, "geodesic_km": model.geometry.geodesic_km,
            "reference_length_km": s.line.reference_length_km, "zone_km2": zones,
            "cells": len(c), "candidate_sites": sites, "matrix_nonzeros": int(model.instance.B.nnz),
            "hotspot_weight_share": hotspot_share(model), "build_seconds": model.seconds}


def hotspot_share(model: Model) -> float | None:
    """Share of all violations (by class share) that fall in cells a hotspot reaches."""
    s, cells, inst = model.scenario, model.cells, model.instance
    if not s.hotspots:
        return None
    from scipy.spatial import cKDTree

    tree = cKDTree(cells.xy_km)
    hit = np.zeros(len(cells), bool)
    for h in s.hotspots:
        xy = np.concatenate(model.geometry.to_km([h.lon], [h.lat]))
        hit[np.asarray(tree.query_ball_point(xy, h.radius_km), int)] = True
    return float((inst.W[hit] * inst.share).sum())


def placements_geojson(model: Model, units: np.ndarray) -> dict:
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [p["lon"], p["lat"]]},
              "properties": p} for p in placements(model, units)]
    return {"type": "FeatureCollection", "features": feats}


def cells_csv(model: Model, units: np.ndarray) -> str:
    """One row per cell: position, side, zone, area, then weight_<class> and detection_<class>."""
    s, c, inst = model.scenario, model.cells, model.instance
    P = inst.detection_by_cell(units)
    names = [k.name for k in s.violations.classes]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["cell", "lon", "lat", "s_km", "offset_km", "side", "zone", "area_km2"]
               + [f"weight_{n}" for n in names] + [f"detection_{n}" for n in names])
    zones = [z.name for z in s.zones]
    for i in range(len(c)):
        w.writerow([i, f"{c.lon[i]:.6f}", f"{c.lat[i]:.6f}", f"{c.s_km[i]:.3f}", f"{c.offset_km[i]:.3f}",
                    model.sides[c.side[i]], zones[c.zone[i]], f"{c.area_km2[i]:.6f}"]
                   + [f"{x:.6e}" for x in inst.W[i]] + [f"{x:.9f}" for x in P[i]])
    return buf.getvalue()


def plot_map(model: Model, units: np.ndarray, ax=None):
    """Cells coloured by detection, the line, placed sites sized by units, a legend and a km scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 10))
    det = detection_by_cell(model, units)
    pc = PolyCollection(model.cells.corners_km, array=det, cmap="viridis", clim=(0, 1), edgecolors="none")
    ax.add_collection(pc)
    ax.figure.colorbar(pc, ax=ax, shrink=0.6, label="detected share of violations in the cell")
    lx, ly = model.geometry.line.xy
    ax.plot(lx, ly, color="black", lw=0.8, label="line")
    for k, h in enumerate(model.scenario.hotspots):
        hx, hy = model.geometry.to_km([h.lon], [h.lat])
        ax.add_patch(plt.Circle((hx[0], hy[0]), h.radius_km, fill=False, ls="--", color="crimson", lw=1,
                                label="hotspot" if k == 0 else None))
    markers = {"sensor": "^", "drone": "s", "patrol": "o"}
    colors = plt.get_cmap("tab10")
    st = model.sites
    n = np.asarray(units)
    for k, a in enumerate(model.scenario.assets):
        sel = (st.asset == k) & (n > 0)
        if sel.any():
            ax.scatter(st.x_km[sel], st.y_km[sel], s=25 + 25 * n[sel], marker=markers[a.kind],
                       color=colors(k % 10), edgecolors="black", linewidths=0.5,
                       label=f"{a.name} ({a.kind}): {int(n[sel].sum())}", zorder=3)
    ax.set_aspect("equal")
    ax.autoscale_view()
    _scale_bar(ax, model.cells.xy_km)
    ax.set_xlabel("x (km, local transverse Mercator)")
    ax.set_ylabel("y (km)")
    ax.legend(loc="best", fontsize=8)
    return ax


def _scale_bar(ax, xy_km: np.ndarray) -> None:
    """A round-length km bar in the bottom corner (left or right) that holds fewer cells."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = (x1 - x0) / 5
    length = 10 ** math.floor(math.log10(span))
    length *= 5 if span / length >= 5 else 2 if span / length >= 2 else 1
    ys = y0 + 0.05 * (y1 - y0)
    low = xy_km[:, 1] < y0 + 0.12 * (y1 - y0)
    left = int((low & (xy_km[:, 0] < x0 + 0.1 * (x1 - x0) + length)).sum())
    right = int((low & (xy_km[:, 0] > x1 - 0.1 * (x1 - x0) - length)).sum())
    xs = x0 + 0.05 * (x1 - x0) if left <= right else x1 - 0.05 * (x1 - x0) - length
    ax.plot([xs, xs + length], [ys, ys], color="black", lw=3)
    ax.text(xs + length / 2, ys + 0.015 * (y1 - y0), f"{length:g} km", ha="center", va="bottom", fontsize=9,
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})


def figure_png(draw, figsize=(10, 10), dpi: int = 110) -> bytes:
    """Render `draw(ax)` on a new figure to PNG bytes, closing the figure whatever happens."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize)
    try:
        draw(ax)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        return buf.getvalue()
    finally:
        plt.close(fig)


def map_png(model: Model, units: np.ndarray, title: str) -> bytes:
    return figure_png(lambda ax: (plot_map(model, units, ax=ax), ax.set_title(title)))


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _usd(x) -> str:
    return f"${x / 1e6:,.2f}M"


def summary_rows(doc: dict) -> list[tuple[str, str]]:
    """The figures shown on stdout and at the top of report.md."""
    m, sv, cost = doc["metrics"], doc["solver"], doc["cost"]
    units = ", ".join(f"{k} {v}" for k, v in m["units_by_asset"].items())
    ws = m["worst_segment"]
    mttd = m["mean_time_to_detection_h"]
    resp = m["mean_response_h"]
    return [
        ("detection (expected share of violations)", pct(m["detection"])),
        ("solver bound / gap", f"{pct(sv['bound'])} / {pct(sv['gap'])} ({sv['name']}, {sv['status']}, {sv['seconds']:.2f} s)"),
        ("by class", ", ".join(f"{k} {pct(v)}" for k, v in m["by_class"].items())),
        ("by side", ", ".join(f"{k} {pct(v['detection'])}" for k, v in m["by_side"].items())),
        (f"worst {m['segment_km']:g}-km segment", f"km {ws['from_km']:.0f}-{ws['to_km']:.0f}: {pct(ws['detection'])}"),
        (f"line at or above {pct(m['target_detection'])}", pct(m["line_share_above_target"])),
        ("detected a year", f"{m['detected_per_year']:,.0f} of {m['violations_per_year']:,.0f}"),
        ("mean time to detection", "n/a" if mttd is None else f"{mttd:.2f} h"),
        ("mean response time of teams", "n/a" if resp is None else f"{resp:.2f} h"),
        ("yearly cost / budget", f"{_usd(cost['annual_usd'])} / {_usd(doc['budget_usd'])}"),
        ("purchase cost", _usd(cost["capex_usd"])),
        ("observers / operators", f"{cost['observers']} / {cost['operators']}"),
        ("patrols a day / drone flight hours a day", f"{m['patrols_per_day']:g} / {m['drone_flight_hours_per_day']:g}"),
        ("units", units),
    ]


def summary_text(doc: dict) -> str:
    rows = summary_rows(doc)
    width = max(len(k) for k, _ in rows)
    head = f"{doc['scenario']}: {doc['size']['cells']:,} cells, {sum(doc['size']['candidate_sites'].values()):,} candidate sites"
    lines = [head] + [f"  {k:<{width}}  {v}" for k, v in rows]
    table = baseline_table(doc)
    if table:
        w = [max(len(r[k]) for r in table) for k in range(len(table[0]))]
        lines.append(f"  beside the baselines (uniform ones sized to the budget, {_usd(doc['budget_usd'])} a year; "
                     "all scored by the same model):")
        lines += ["    " + "  ".join(c.ljust(w[k]) if k == 0 else c.rjust(w[k]) for k, c in enumerate(r)).rstrip()
                  for r in table]
    lines += [f"  {n}" for n in doc.get("baselines_skipped", [])]
    return "\n".join(lines) + "\n"


def baseline_table(doc: dict) -> list[list[str]]:
    """Header, this plan, then each baseline: detection, worst segment, observers, yearly cost, within budget."""
    if not doc.get("baselines"):
        return []
    m, seg = doc["metrics"], doc["metrics"]["segment_km"]
    rows = [["plan", "detection", f"worst {seg:g}-km", "observers", "patrols a day", "yearly cost", "keeps budget"],
            ["this plan", pct(m["detection"]), pct(m["worst_segment"]["detection"]), str(m["observers"]),
             f"{m['patrols_per_day']:g}", _usd(m["annual_usd"]),
             "yes" if m["annual_usd"] <= doc["budget_usd"] * (1 + 1e-9) else "no: over budget"]]
    for b in doc["baselines"]:
        rows.append([b["name"], pct(b["detection"]), pct(b["worst_segment"]["detection"]), str(b["observers"]),
                     f"{b['patrols_per_day']:g}", _usd(b["annual_cost_usd"]),
                     "yes" if b["feasible"] else "no: " + "; ".join(
                         "over budget" if q.startswith("yearly cost") else q for q in b["problems"])])
    return rows


def report_md(doc: dict) -> str:
    """A readable report of the plan; every figure is one of plan.json's."""
    m = doc["metrics"]
    lines = [f"# Monitoring plan: {doc['scenario']}", "",
             f"Config `{doc['config']}`, seed {doc['seed']}, monitor {doc['monitor_version']}.", "",
             "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(doc)]
    lines += ["", "## Detection by class", "", "| class | detection | mean time to detection |", "|---|---|---|"]
    for k, v in m["by_class"].items():
        t = m["mean_time_to_detection_h_by_class"][k]
        lines.append(f"| {k} | {pct(v)} | {'n/a' if t is None else f'{t:.2f} h'} |")
    lines += ["", "## By side", "", "| side | share of violations | detection |", "|---|---|---|"]
    for k, v in m["by_side"].items():
        lines.append(f"| {k} ({v['side']}) | {pct(v['share_of_violations'])} | {pct(v['detection'])} |")
    table = baseline_table(doc)
    if table:
        lines += ["", "## Beside the baselines", "",
                  "Each baseline is scored by the same model; the uniform ones buy what the same yearly budget "
                  f"({_usd(doc['budget_usd'])}) buys, `uniimog_density` costs what UNIIMOG's density costs here "
                  "(see monitor/baselines.py).", "",
                  "| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
        lines += ["| " + " | ".join(r) + " |" for r in table[1:]]
        lines += [""] + [f"- `{b['name']}`: {b['description']}" + "".join(f"; {n}" for n in b["notes"])
                         for b in doc["baselines"]]
        lines += [f"- {n}" for n in doc.get("baselines_skipped", [])]
    lines += ["", "## Placements", "", "| asset | kind | sites used | units |", "|---|---|---|---|"]
    per: dict[str, list] = {}
    for p in doc["placements"]:
        per.setdefault(p["asset"], [p["kind"], 0, 0])
        per[p["asset"]][1] += 1
        per[p["asset"]][2] += p["units"]
    for k, (kind, nsites, nunits) in per.items():
        lines.append(f"| {k} | {kind} | {nsites} | {nunits} |")
    size = doc["size"]
    lines += ["", "## Scenario", "",
              f"Line {size['line_km']:,.1f} km as drawn (geodesic {size['geodesic_km']:,.1f} km"
              + (f", reference {size['reference_length_km']:,.0f} km" if size["reference_length_km"] else "") + "); "
              + ", ".join(f"zone {k} {v:,.0f} km²" for k, v in size["zone_km2"].items())
              + f"; {size['cells']:,} cells; {size['matrix_nonzeros']:,} hazard-matrix nonzeros.", "",
              "Detection is the model's expected share of violations detected (DESIGN.md: independent units, "
              "sensors within their radius, drones and patrols as random search). The solver's bound is an "
              "upper bound on the best plan's detection under the same budget; the gap is (bound - plan) / bound.", ""]
    return "\n".join(lines)


def write_outputs(out_dir: str | Path, model: Model, doc: dict, units: np.ndarray) -> list[Path]:
    """Write every output of a solve to `out_dir`; return their paths."""
    out = Path(out_dir)
    files = {
        "plan.json": dumps(doc),
        "placements.geojson": dumps(placements_geojson(model, units)),
        "cells.csv": cells_csv(model, units),
        "map.png": map_png(model, units, f"{doc['scenario']}: detection {pct(doc['metrics']['detection'])}, "
                                         f"{_usd(doc['cost']['annual_usd'])} a year"),
        "report.md": report_md(doc),
    }
    paths = []
    for name, data in files.items():
        atomic_write(out / name, data)
        paths.append(out / name)
    return paths
