"""The frontier's outputs: frontier.csv, frontier.png and frontier.md (the sweep itself is
`monitor/studies/frontier/`), and the table the CLI prints.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

from ..studies.frontier.analysis import FrontierResult, knee, marginal_usd_per_point
from ..studies.frontier.checkpoint import CHECKPOINT
from .files import write_files
from .html import frontier_html
from .plots import frontier_png
from .text import pct


def frontier_csv(res: FrontierResult) -> str:
    """One row per mix and budget (see the README for the columns)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    zones = _zones(res)
    w.writerow(["mix", "budget_usd", "annual_usd", "detection", "verified", "bound", "gap", "worst_segment_detection",
                "worst_segment_from_km", "worst_segment_to_km", "observers"]
               + [f"units_{n}" for n in res.asset_names] + ["solver_bound", "status", "plan_from", "seconds"]
               + [f"detection_{z}" for z in zones])
    num = lambda x, f: "" if x is None else format(x, f)  # noqa: E731
    for p in res.points:
        ws = p.worst_segment
        w.writerow([p.mix, f"{p.budget_usd:.2f}", f"{p.annual_usd:.2f}", f"{p.detection:.6f}", f"{p.verified:.6f}",
                    num(p.bound, ".6f"), num(p.gap, ".6f"), f"{ws['detection']:.6f}", f"{ws['from_km']:.1f}", f"{ws['to_km']:.1f}",
                    p.observers] + [p.units_by_asset[n] for n in res.asset_names]
                   + [num(p.solver_bound, ".6f"), p.status, p.plan_from, f"{p.seconds:.3f}"]
                   + [num(p.by_zone.get(z), ".6f") for z in zones])
    return buf.getvalue()


def _zones(res: FrontierResult) -> list[str]:
    """The zone names, when there is more than one (each point then reports its detection per zone)."""
    names = list(res.points[0].by_zone) if res.points else []
    return names if len(names) > 1 else []


def _musd(x) -> str:
    return "n/a" if x is None else "no gain" if x == math.inf else f"${x / 1e6:,.2f}M"


def frontier_md(res: FrontierResult) -> str:
    """A report section: per mix, each budget's detection, bound, gap and marginal cost; the knee."""
    opts = ", ".join(f"{k} {v}" for k, v in res.options.items()) or "default options"
    what = _objective_words(res)
    lines = [f"## Cost-coverage frontier: {res.scenario}", "",
             f"Solver {res.solver} ({opts}), maximising {what}; {len(res.points)} points. Detection is the model's "
             "expected share of violations detected, verified the share also reached by a verifier in time; the "
             f"bound (on {what}) is the least solver bound at this budget or above (the best plan at a budget "
             "does at most that well); the marginal cost is the extra yearly budget per percentage point of "
             f"{what} gained since the previous budget. The mixes' table shows {what}.", ""]
    budgets = sorted({p.budget_usd for p in res.points})
    by = {(p.mix, p.budget_usd): p for p in res.points}
    cols = list(dict.fromkeys(x["name"] for x in res.baselines if x["budget_usd"] is not None))
    got = {(x["name"], x["budget_usd"]): _scored(x, res.objective) for x in res.baselines}
    if cols:
        lines += ["Beside the mixes, the baselines of monitor.baselines, scored by the same model: uniform_<asset> "
                  "spends the budget on one asset, evenly spaced.", ""]
    lines += ["| yearly budget | " + " | ".join([m.name for m in res.mixes] + cols) + " |",
              "|---|" + "---|" * (len(res.mixes) + len(cols))]
    for b in budgets:
        lines.append(f"| {_musd(b)} | " + " | ".join([pct(by[(m.name, b)].value) for m in res.mixes]
                                                      + [pct(got.get((c, b))) for c in cols]) + " |")
    for bl in (x for x in res.baselines if x["budget_usd"] is None):
        above = [b for b in budgets if b >= bl["annual_usd"]]
        near = "" if not above else "; at " + _musd(above[0]) + " the frontier reaches " + ", ".join(
            f"{m.name} {pct(by[(m.name, above[0])].value)}" for m in res.mixes)
        lines += ["", f"Baseline {bl['name']}: {_musd(bl['annual_usd'])} a year, {pct(_scored(bl, res.objective))} "
                      f"{what}{near}."]
    for m in res.mixes:
        pts = res.of(m.name)
        k = knee([p.budget_usd for p in pts], [p.value for p in pts])
        lines += ["", f"### Mix {m.name}: {', '.join(m.assets)}", ""]
        if k is not None:
            after = marginal_usd_per_point(pts)[k + 1] if k + 1 < len(pts) else None
            lines += [f"Knee at {_musd(pts[k].budget_usd)} a year: {pct(pts[k].value)} {what} "
                      f"(bound {pct(pts[k].bound)})" + (f"; from there to the next budget each percentage point "
                                                           f"costs {_musd(after)}." if after is not None else "."), ""]
        zones = _zones(res)
        by_zone = " | by zone" if zones else ""
        lines += ["| yearly budget | spent | detection | verified | bound | gap | marginal cost per point "
                  f"| worst segment | observers | units{by_zone} |", "|---|---|---|---|---|---|---|---|---|---|"
                  + ("---|" if zones else "")]
        for p, mc in zip(pts, marginal_usd_per_point(pts)):
            ws = p.worst_segment
            units = ", ".join(f"{n} {v}" for n, v in p.units_by_asset.items() if v) or "none"
            lines.append(f"| {_musd(p.budget_usd)} | {_musd(p.annual_usd)} | {pct(p.detection)} | {pct(p.verified)} "
                         f"| {pct(p.bound)} "
                         f"| {pct(p.gap)} | {_musd(mc) if mc is not None else '-'} | km {ws['from_km']:.0f}-"
                         f"{ws['to_km']:.0f}: {pct(ws['detection'])} | {p.observers} | {units}"
                         + (f"; breaks {'; '.join(p.problems)}" if p.problems else "") + " |"
                         + (" " + ", ".join(f"{z} {pct(p.by_zone.get(z))}" for z in zones) + " |" if zones else ""))
    return "\n".join(lines) + "\n"


def _objective_words(res: FrontierResult) -> str:
    return {"verified": "verified detection", "worst_segment": "worst-segment detection"}.get(res.objective, "detection")


def _scored(baseline: dict, objective: str):
    """A baseline's figure by the sweep's objective."""
    if objective == "worst_segment":
        return baseline["worst_segment"]["detection"]
    return baseline["verified" if objective == "verified" else "detection"]


def write_frontier(out: str | Path, res: FrontierResult) -> list[Path]:
    """frontier.csv, frontier.png and frontier.md in `out`, each written whole; the plans stay in points.jsonl."""
    png = frontier_png(res)
    files = {"frontier.csv": frontier_csv(res), "frontier.png": png, "frontier.md": frontier_md(res),
             "frontier.html": frontier_html(res, png)}
    ckpt = Path(out) / CHECKPOINT  # the sweep's own file, when its checkpoint is kept in `out`
    return write_files(out, files) + ([ckpt] if ckpt.is_file() else [])


def frontier_text(res: FrontierResult) -> str:
    """What `monitor frontier` prints: detection per budget and mix, and each mix's knee."""
    names = [m.name for m in res.mixes]
    width = max(len(n) for n in names + ["detection"]) + 2
    what = _objective_words(res)
    lines = [f"{res.scenario}: frontier of {len(res.points)} points, {what} ({res.solver}; {res.solved} solved, "
             f"{res.reused} from the checkpoint, {res.seconds:.1f} s)",
             f"  {'yearly budget':>14}" + "".join(f"{n:>{width}}" for n in names)]
    by = {(p.mix, p.budget_usd): p for p in res.points}
    for b in sorted({p.budget_usd for p in res.points}):
        lines.append(f"  {'$' + format(b / 1e6, ',.2f') + 'M':>14}"
                     + "".join(f"{format(100 * by[(n, b)].value, '.2f') + ('%*' if by[(n, b)].problems else '%'):>{width}}"
                               for n in names))
    for n in names:
        pts = res.of(n)
        k = knee([p.budget_usd for p in pts], [p.value for p in pts])
        if k is not None:
            lines.append(f"  knee of {n}: ${pts[k].budget_usd / 1e6:,.2f}M a year, "
                         f"{100 * pts[k].value:.2f}% {what}")
    broken = [p for p in res.points if p.problems]
    if broken:
        lines.append(f"  * {len(broken)} plans break a constraint the budget cannot meet ({broken[0].problems[0]} "
                     f"at {_musd(broken[0].budget_usd)}, {broken[0].mix})")
    return "\n".join(lines) + "\n"


def frontier_dict(res: FrontierResult) -> dict:
    """The frontier as plain data: the sweep's settings, every point (plans as units per asset) and the baselines."""
    points = [{"mix": p.mix, "budget_usd": p.budget_usd, "detection": p.detection, "verified": p.verified,
               "bound": p.bound, "gap": p.gap, "problems": p.problems,
               "solver_bound": p.solver_bound, "annual_usd": p.annual_usd, "observers": p.observers,
               "units_by_asset": p.units_by_asset, "worst_segment": p.worst_segment, "status": p.status,
               "plan_from": p.plan_from, "seconds": p.seconds} for p in res.points]
    return {"scenario": res.scenario, "solver": res.solver, "objective": res.objective, "options": res.options,
            "mixes": [{"name": m.name, "assets": list(m.assets)} for m in res.mixes], "points": points,
            "solved": res.solved, "reused": res.reused, "seconds": res.seconds, "baselines": res.baselines}
