"""Reading and writing a cost-coverage frontier: the knee, marginal costs, baselines at each
budget, and the outputs frontier.csv, frontier.png and frontier.md (see monitor/frontier.py
for the sweep itself).
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .coverage import Model
from .reports import atomic_write, figure_png, pct

if TYPE_CHECKING:
    from .frontier import FrontierResult, Point


# ----------------------------------------------------------------------------- reading a frontier

def knee(budgets_usd: np.ndarray, detection: np.ndarray) -> int | None:
    """Index of the knee: where the curve, scaled to the unit square, lies furthest above its chord
    (Kneedle, Satopaa et al. 2011): argmax_k (D_k - D_1)/(D_K - D_1) - (b_k - b_1)/(b_K - b_1)."""
    b, d = np.asarray(budgets_usd, float), np.asarray(detection, float)
    if len(b) < 3 or d[-1] - d[0] <= 1e-9 or b[-1] <= b[0]:
        return None
    lift = (d - d[0]) / (d[-1] - d[0]) - (b - b[0]) / (b[-1] - b[0])
    k = int(np.argmax(lift))
    return k if lift[k] > 1e-9 else None


def marginal_usd_per_point(points: list[Point]) -> list[float | None]:
    """USD of budget per percentage point of detection from the previous budget (None for the first;
    inf where detection did not rise)."""
    out: list[float | None] = [None]
    for a, b in zip(points, points[1:]):
        rise = 100 * (b.detection - a.detection)
        out.append((b.budget_usd - a.budget_usd) / rise if rise > 1e-9 else math.inf)
    return out


def baseline_points(model: Model, budgets: list[float]) -> list[dict]:
    """The plans of monitor.baselines at each budget, scored by the model:
    uniform_<asset> spends each budget on one asset; uniimog_density costs what it costs, at any budget."""
    from . import baselines

    out, seen = [], set()
    for b in budgets:
        for bl in baselines.compare(model, b)[0]:
            fixed = bl.name == "uniimog_density"  # its plan does not depend on the budget
            if fixed and bl.name in seen:
                continue
            seen.add(bl.name)
            out.append({"name": bl.name, "budget_usd": None if fixed else b,
                        "annual_usd": bl.metrics["annual_usd"], "detection": bl.metrics["detection"]})
    return out


# ----------------------------------------------------------------------------- outputs

def frontier_csv(res: FrontierResult) -> str:
    """One row per mix and budget (see the README for the columns)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["mix", "budget_usd", "annual_usd", "detection", "bound", "gap", "worst_segment_detection",
                "worst_segment_from_km", "worst_segment_to_km", "observers"]
               + [f"units_{n}" for n in res.asset_names] + ["solver_bound", "status", "plan_from", "seconds"])
    num = lambda x, f: "" if x is None else format(x, f)  # noqa: E731
    for p in res.points:
        ws = p.worst_segment
        w.writerow([p.mix, f"{p.budget_usd:.2f}", f"{p.annual_usd:.2f}", f"{p.detection:.6f}", num(p.bound, ".6f"),
                    num(p.gap, ".6f"), f"{ws['detection']:.6f}", f"{ws['from_km']:.1f}", f"{ws['to_km']:.1f}",
                    p.observers] + [p.units_by_asset[n] for n in res.asset_names]
                   + [num(p.solver_bound, ".6f"), p.status, p.plan_from, f"{p.seconds:.3f}"])
    return buf.getvalue()


def plot_frontier(res: FrontierResult, ax=None):
    """Detection against yearly budget, one curve per mix, the gap to the bound as a band, the knee
    starred, and baseline plans as points at their yearly cost. Returns the axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 6))
    colors = plt.get_cmap("tab10")
    styles = ["-", "--", ":", "-."]  # mixes whose curves coincide stay visible
    for i, m in enumerate(res.mixes):
        pts = res.of(m.name)
        b = np.array([p.budget_usd for p in pts]) / 1e6
        d = 100 * np.array([p.detection for p in pts])
        col = colors(i % 10)
        ax.plot(b, d, marker="o", ms=3, color=col, ls=styles[i % 4], lw=2.2 - 0.4 * (i % 4),
                label=f"{m.name} ({', '.join(m.assets)})")
        if all(p.bound is not None for p in pts):
            ax.fill_between(b, d, 100 * np.array([p.bound for p in pts]), color=col, alpha=0.15, lw=0)
        k = knee(b, d)
        if k is not None:
            ax.scatter([b[k]], [d[k]], marker="*", s=180, color=col, edgecolors="black", zorder=4)
            ax.annotate(f"knee ${b[k]:,.0f}M", (b[k], d[k]), textcoords="offset points", xytext=(6, -14), fontsize=8)
    names = list(dict.fromkeys(bl["name"] for bl in res.baselines))
    marks = "DvP^sX"
    for j, name in enumerate(names):  # each baseline at its own yearly cost
        pts = [bl for bl in res.baselines if bl["name"] == name]
        ax.scatter([bl["annual_usd"] / 1e6 for bl in pts], [100 * bl["detection"] for bl in pts], zorder=5,
                   marker=marks[j % len(marks)], s=36 if len(pts) == 1 else 18, color="black" if j == 0 else "none",
                   edgecolors="black", linewidths=0.8, label=f"baseline {name}")
    ax.fill_between([], [], [], color="grey", alpha=0.15, label="up to the bound (gap)")
    ax.scatter([], [], marker="*", s=120, color="grey", edgecolors="black", label="knee")
    ax.set_xlabel("yearly budget (US$ million); baselines at their yearly cost")
    ax.set_ylabel("expected share of violations detected (%)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_title(f"{res.scenario}: cost-coverage frontier ({res.solver})")
    return ax


def _frontier_png(res: FrontierResult) -> bytes:
    return figure_png(lambda ax: plot_frontier(res, ax=ax), figsize=(10, 6))


def _musd(x) -> str:
    return "n/a" if x is None else "no gain" if x == math.inf else f"${x / 1e6:,.2f}M"


def frontier_md(res: FrontierResult) -> str:
    """A report section: per mix, each budget's detection, bound, gap and marginal cost; the knee."""
    opts = ", ".join(f"{k} {v}" for k, v in res.options.items()) or "default options"
    lines = [f"## Cost-coverage frontier: {res.scenario}", "",
             f"Solver {res.solver} ({opts}); {len(res.points)} points. Detection is the model's expected share "
             "of violations detected; the bound is the least solver bound at this budget or above (the best "
             "plan at a budget does at most that well); the marginal cost is the extra yearly budget per "
             "percentage point of detection gained since the previous budget.", ""]
    budgets = sorted({p.budget_usd for p in res.points})
    by = {(p.mix, p.budget_usd): p for p in res.points}
    cols = list(dict.fromkeys(x["name"] for x in res.baselines if x["budget_usd"] is not None))
    got = {(x["name"], x["budget_usd"]): x["detection"] for x in res.baselines}
    if cols:
        lines += ["Beside the mixes, the baselines of monitor.baselines, scored by the same model: uniform_<asset> "
                  "spends the budget on one asset, evenly spaced.", ""]
    lines += ["| yearly budget | " + " | ".join([m.name for m in res.mixes] + cols) + " |",
              "|---|" + "---|" * (len(res.mixes) + len(cols))]
    for b in budgets:
        lines.append(f"| {_musd(b)} | " + " | ".join([pct(by[(m.name, b)].detection) for m in res.mixes]
                                                      + [pct(got.get((c, b))) for c in cols]) + " |")
    for bl in (x for x in res.baselines if x["budget_usd"] is None):
        above = [b for b in budgets if b >= bl["annual_usd"]]
        near = "" if not above else "; at " + _musd(above[0]) + " the frontier reaches " + ", ".join(
            f"{m.name} {pct(by[(m.name, above[0])].detection)}" for m in res.mixes)
        lines += ["", f"Baseline {bl['name']}: {_musd(bl['annual_usd'])} a year, {pct(bl['detection'])} "
                      f"detected{near}."]
    for m in res.mixes:
        pts = res.of(m.name)
        k = knee([p.budget_usd for p in pts], [p.detection for p in pts])
        lines += ["", f"### Mix {m.name}: {', '.join(m.assets)}", ""]
        if k is not None:
            after = marginal_usd_per_point(pts)[k + 1] if k + 1 < len(pts) else None
            lines += [f"Knee at {_musd(pts[k].budget_usd)} a year: {pct(pts[k].detection)} detected "
                      f"(bound {pct(pts[k].bound)})" + (f"; from there to the next budget each percentage point "
                                                           f"costs {_musd(after)}." if after is not None else "."), ""]
        lines += ["| yearly budget | spent | detection | bound | gap | marginal cost per point | worst segment "
                  "| observers | units |", "|---|---|---|---|---|---|---|---|---|"]
        for p, mc in zip(pts, marginal_usd_per_point(pts)):
            ws = p.worst_segment
            units = ", ".join(f"{n} {v}" for n, v in p.units_by_asset.items() if v) or "none"
            lines.append(f"| {_musd(p.budget_usd)} | {_musd(p.annual_usd)} | {pct(p.detection)} | {pct(p.bound)} "
                         f"| {pct(p.gap)} | {_musd(mc) if mc is not None else '-'} | km {ws['from_km']:.0f}-"
                         f"{ws['to_km']:.0f}: {pct(ws['detection'])} | {p.observers} | {units} |")
    return "\n".join(lines) + "\n"


def write_frontier(out: str | Path, res: FrontierResult) -> list[Path]:
    """frontier.csv, frontier.png and frontier.md in `out`, each written whole; the plans stay in points.jsonl."""
    from .frontier import CHECKPOINT

    out = Path(out)
    files = {"frontier.csv": frontier_csv(res), "frontier.png": _frontier_png(res), "frontier.md": frontier_md(res)}
    for name, data in files.items():
        atomic_write(out / name, data)
    return [out / n for n in files] + [out / CHECKPOINT]
