"""Every figure: the plan's map, the day's routes, the frontier; and PNG bytes of a figure.

The only module that imports matplotlib. It draws on `matplotlib.figure.Figure` objects,
never through pyplot's global state and never by switching the backend, so a notebook's
inline plots keep working. Each `plot_*` takes `ax=None` (a new figure's axes) and returns
the axes it drew on.
"""

from __future__ import annotations

import io
import math

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from ..model.build import ScenarioModel
from ..model.metrics import detection_by_cell
from ..studies.frontier.analysis import knee
from ..studies.schedule import Schedule, residual_weight
from .text import pct, usd


def plot_routes(model: ScenarioModel, schedule: Schedule, units: np.ndarray, ax=None, focus: int | None = None):
    """Cells shaded by the violation weight the sensors leave, the line, the sites and their routes.

    `focus` (an index into schedule.sites) zooms on that site's reach.
    """
    if ax is None:
        ax = Figure(figsize=(10, 10)).subplots()
    cells, s = model.cells, model.scenario
    dens = residual_weight(model, units) / cells.area_km2
    pc = PolyCollection(cells.corners_km, array=dens / max(dens.max(), 1e-300), cmap="Greys", clim=(0, 1),
                        edgecolors="none", alpha=0.3)
    ax.add_collection(pc)
    lx, ly = model.geometry.line.xy
    ax.plot(lx, ly, color="black", lw=0.8, label="line")
    colors = matplotlib.colormaps["tab10"]
    seen = set()
    for k, x in enumerate(schedule.sites):
        c = colors(k % 10)
        if x.routes:
            ax.add_collection(LineCollection([r.xy_km for r in x.routes], colors=[c], linewidths=0.8))
        kind = s.assets[x.asset].kind
        label = None if kind in seen else ("team site" if kind == "patrol" else "drone base")
        seen.add(kind)
        ax.scatter(*model.sites.xy_km[x.site], marker="o" if kind == "patrol" else "s", color=c,
                   edgecolors="black", s=40, zorder=3, label=label)
    ax.set_aspect("equal")
    ax.autoscale_view()
    if focus is not None:
        x = schedule.sites[focus]
        r = s.assets[x.asset].radius_km * 1.1
        cx, cy = model.sites.xy_km[x.site]
        ax.set_xlim(cx - r, cx + r)
        ax.set_ylim(cy - r, cy + r)
    ax.set_xlabel("x (km, local transverse Mercator)")
    ax.set_ylabel("y (km)")
    ax.legend(loc="best", fontsize=8)
    return ax


def routes_png(model: ScenarioModel, schedule: Schedule, units: np.ndarray, title: str) -> bytes:
    """The whole line, and beside it a zoom on the first scheduled site."""
    fig = Figure(figsize=(16, 9))
    axes = fig.subplots(1, 2)
    plot_routes(model, schedule, units, ax=axes[0])
    axes[0].set_title(title, fontsize=10)
    if schedule.sites:
        plot_routes(model, schedule, units, ax=axes[1], focus=0)
        x = schedule.sites[0]
        axes[1].set_title(f"{model.scenario.assets[x.asset].name} at site {int(model.sites.index[x.site])}: "
                          f"{len(x.routes)} routes, {x.km_per_day:,.0f} km a day", fontsize=10)
    else:
        axes[1].set_axis_off()
    return _png(fig, dpi=100)


def plot_map(model: ScenarioModel, units: np.ndarray, ax=None):
    """Cells coloured by detection, the line, placed sites sized by units, a legend and a km scale."""
    if ax is None:
        ax = Figure(figsize=(10, 10)).subplots()
    det = detection_by_cell(model, units)
    pc = PolyCollection(model.cells.corners_km, array=det, cmap="viridis", clim=(0, 1), edgecolors="none")
    ax.add_collection(pc)
    ax.figure.colorbar(pc, ax=ax, shrink=0.6, label="detected share of violations in the cell")
    lx, ly = model.geometry.line.xy
    ax.plot(lx, ly, color="black", lw=0.8, label="line")
    for k, h in enumerate(model.scenario.hotspots):
        hx, hy = model.geometry.to_km([h.lon], [h.lat])
        ax.add_patch(Circle((hx[0], hy[0]), h.radius_km, fill=False, ls="--", color="crimson", lw=1,
                                label="hotspot" if k == 0 else None))
    markers = {"sensor": "^", "drone": "s", "patrol": "o"}
    colors = matplotlib.colormaps["tab10"]
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


def plot_frontier(res, ax=None):
    """The sweep's objective (D or V) against yearly budget, one curve per mix, the gap to the bound
    as a band, the knee starred, the other measure (V or D) of the same plans as a thin dotted
    curve, and baseline plans as points at their yearly cost (by the same objective). Returns the axes."""
    if ax is None:
        ax = Figure(figsize=(9, 6)).subplots()
    verified = getattr(res, "objective", "detection") == "verified"
    colors = matplotlib.colormaps["tab10"]
    styles = ["-", "--", ":", "-."]  # mixes whose curves coincide stay visible
    for i, m in enumerate(res.mixes):
        pts = res.of(m.name)
        b = np.array([p.budget_usd for p in pts]) / 1e6
        d = 100 * np.array([p.value for p in pts])
        other = 100 * np.array([p.detection if verified else p.verified for p in pts])
        col = colors(i % 10)
        ax.plot(b, d, marker="o", ms=3, color=col, ls=styles[i % 4], lw=2.2 - 0.4 * (i % 4),
                label=f"{m.name} ({', '.join(m.assets)})")
        ax.plot(b, other, color=col, ls=":", lw=1.0, label=f"{m.name}: {'detection' if verified else 'verified'}")
        if all(p.bound is not None for p in pts):
            ax.fill_between(b, d, 100 * np.array([p.bound for p in pts]), color=col, alpha=0.15, lw=0)
        k = knee(b, d)
        if k is not None:
            ax.scatter([b[k]], [d[k]], marker="*", s=180, color=col, edgecolors="black", zorder=4)
            ax.annotate(f"knee ${b[k]:,.0f}M", (b[k], d[k]), textcoords="offset points", xytext=(6, -14), fontsize=8)
    names = list(dict.fromkeys(bl["name"] for bl in res.baselines))
    key = "verified" if verified else "detection"
    marks = "DvP^sX"
    for j, name in enumerate(names):  # each baseline at its own yearly cost
        pts = [bl for bl in res.baselines if bl["name"] == name]
        ax.scatter([bl["annual_usd"] / 1e6 for bl in pts], [100 * bl[key] for bl in pts], zorder=5,
                   marker=marks[j % len(marks)], s=36 if len(pts) == 1 else 18, color="black" if j == 0 else "none",
                   edgecolors="black", linewidths=0.8, label=f"baseline {name}")
    ax.fill_between([], [], [], color="grey", alpha=0.15, label="up to the bound (gap)")
    ax.scatter([], [], marker="*", s=120, color="grey", edgecolors="black", label="knee")
    ax.set_xlabel("yearly budget (US$ million); baselines at their yearly cost")
    ax.set_ylabel("expected share of violations " + ("detected and verified" if verified else "detected") + " (%)")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_title(f"{res.scenario}: cost-coverage frontier of {'verified detection' if verified else 'detection'} "
                 f"({res.solver})")
    return ax


def figure_png(draw, figsize=(10, 10), dpi: int = 110) -> bytes:
    """Render `draw(ax)` on a new figure to PNG bytes."""
    fig = Figure(figsize=figsize)
    draw(fig.subplots())
    return _png(fig, dpi)


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return buf.getvalue()


def map_png(model: ScenarioModel, units: np.ndarray, title: str) -> bytes:
    return figure_png(lambda ax: (plot_map(model, units, ax=ax), ax.set_title(title)))


def frontier_png(res) -> bytes:
    return figure_png(lambda ax: plot_frontier(res, ax=ax), figsize=(10, 6))


def schedule_png(model: ScenarioModel, schedule: Schedule, units: np.ndarray) -> bytes:
    """routes.png, titled with the day's totals."""
    t = schedule.totals(model)
    title = (f"{model.scenario.name}: {t['patrols_per_day']} patrols ({t['patrol_km_per_day']:,.0f} km) and "
             f"{t['sorties_per_day']} drone sorties ({t['drone_km_per_day']:,.0f} km) a day")
    return routes_png(model, schedule, units, title)


def plan_png(model: ScenarioModel, units: np.ndarray, doc: dict) -> bytes:
    """map.png, titled with the plan's detection and yearly cost."""
    return map_png(model, units, f"{doc['scenario']}: detection {pct(doc['metrics']['detection'])}, "
                                 f"{usd(doc['cost']['annual_usd'])} a year")


def plot_tornado(doc: dict, ax=None, top: int = 12):
    """Detection at each range's low and high end, one bar per range, the largest swing at the top."""
    if ax is None:
        ax = Figure(figsize=(9, 6)).subplots()
    rows = doc["tornado"][:top][::-1]
    nominal = 100 * doc["nominal_detection"]
    for k, r in enumerate(rows):
        lo, hi = 100 * r["detection_low"], 100 * r["detection_high"]
        ax.barh(k, lo - nominal, left=nominal, color="#d62728", height=0.6)
        ax.barh(k, hi - nominal, left=nominal, color="#1f77b4", height=0.6)
    ax.axvline(nominal, color="black", lw=1)
    ax.set_yticks(range(len(rows)), [f"{r['key']} ({r['low']:g} .. {r['high']:g})" for r in rows], fontsize=8)
    ax.set_xlabel("detection (%): red at the range's low end, blue at its high end")
    ax.set_title(f"{doc['scenario']}: one range at a time (nominal {nominal:.2f}%)")
    return ax


def plot_draws(doc: dict, ax=None):
    """The detection of every draw as a histogram, with the percentiles and the nominal value."""
    if ax is None:
        ax = Figure(figsize=(8, 5)).subplots()
    d = 100 * np.asarray(doc["detection_by_draw"])
    ax.hist(d, bins=min(40, max(5, len(d) // 5)), color="#7f7f7f")
    for name, x in doc["percentiles"].items():
        if x is not None:
            ax.axvline(100 * x, color="#1f77b4", ls="--", lw=1)
            ax.annotate(name, (100 * x, ax.get_ylim()[1] * 0.95), fontsize=8)
    ax.axvline(100 * doc["nominal_detection"], color="black", lw=1.5, label="the file's values")
    ax.set_xlabel("detection (%)")
    ax.set_ylabel("draws")
    ax.legend(fontsize=8)
    return ax


def tornado_png(doc: dict) -> bytes:
    return figure_png(lambda ax: plot_tornado(doc, ax=ax), figsize=(10, 6))


def draws_png(doc: dict) -> bytes:
    return figure_png(lambda ax: plot_draws(doc, ax=ax), figsize=(8, 5))


def plot_pareto(points, label, ax=None):
    """`monitor pareto`: detection (y) against the worst segment (x), one point a plan, named by `label(point)`."""
    if ax is None:
        ax = Figure(figsize=(8, 6)).subplots()
    xs = [100 * p.worst_segment for p in points]
    ys = [100 * p.detection for p in points]
    ax.plot(xs, ys, color="#888", lw=1, zorder=1)
    labels: dict[tuple, list[str]] = {}  # plans that coincide share one label
    for p, x, y in zip(points, xs, ys):
        ax.scatter([x], [y], color="#1f77b4" if p.meets else "#d62728", zorder=2)
        labels.setdefault((round(x, 6), round(y, 6)), []).append(label(p))
    for (x, y), names in labels.items():
        ax.annotate(", ".join(names), (x, y), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ax.set_xlabel("worst segment detection (%)")
    ax.set_ylabel("expected detection (%)")
    ax.set_title("What closing the gaps costs (red: level not met)")
    ax.grid(alpha=0.3)
    return ax


def pareto_png(points, label) -> bytes:
    return figure_png(lambda ax: plot_pareto(points, label, ax=ax), figsize=(8, 6))
