"""Every figure: the plan's map, the day's routes, the frontier; and PNG bytes of a figure.

The only module that imports matplotlib. It draws on `matplotlib.figure.Figure` objects,
never through pyplot's global state and never by switching the backend, so a notebook's
inline plots keep working. Each `plot_*` takes `ax=None` (a new figure's axes) and returns
the axes it drew on.
"""

from __future__ import annotations

import functools
import io
import math
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Circle
from matplotlib.transforms import Bbox, offset_copy

from ..model.build import ScenarioModel
from ..model.metrics import best_response, detection_by_cell
from ..studies.frontier.analysis import knee
from ..studies.schedule import Schedule, residual_weight
from . import basemap
from .text import pct, usd

# Map context (see basemap.py), drawn under the plan: zorder below the cells (1) and the line (2).
BASE_STYLE = {"border": {"colors": "#9b9b9b", "linewidths": 0.9},
              "coast": {"colors": "#5d7d96", "linewidths": 0.8},
              "river": {"colors": "#7ba4c4", "linewidths": 1.0}}
BASE_LABEL = {"border": "border", "coast": "coast", "river": "river"}
LABEL_POP = 150_000  # towns of at least this pop_max are named; smaller ones (down to the layer's 50,000) are dots
HALO = [patheffects.withStroke(linewidth=2.2, foreground="white")]  # text stays legible over lines and cells


def plot_routes(model: ScenarioModel, schedule: Schedule, units: np.ndarray, ax=None, focus: int | None = None):
    """Cells shaded by the violation weight the sensors leave, the line, the sites and their routes,
    over the map context (`_context`) and with the side names.

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
                   edgecolors="black", s=40, zorder=3, label=label, gid="sites")
    ax.set_aspect("equal")
    ax.autoscale_view()
    if focus is not None:
        x = schedule.sites[focus]
        r = s.assets[x.asset].radius_km * 1.1
        cx, cy = model.sites.xy_km[x.site]
        ax.set_xlim(cx - r, cx + r)
        ax.set_ylim(cy - r, cy + r)
    labels = [_side_names(ax, model), *_context(ax, model)]
    ax.set_xlabel("x (km, local transverse Mercator)")
    ax.set_ylabel("y (km)")
    _map_legend(ax, model, labels)
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
    """Cells coloured by detection, the line, named hotspots, placed sites sized by units, the worst
    segment in red, and under them the map context (`_context`); a legend and a km scale."""
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
    markers = {"sensor": "^", "drone": "s", "patrol": "o", "satellite": "D", "inspection": "P"}
    colors = matplotlib.colormaps["tab10"]
    st = model.sites
    n = np.asarray(units)
    for k, a in enumerate(model.scenario.assets):
        sel = (st.asset == k) & (n > 0)
        if sel.any():
            ax.scatter(st.x_km[sel], st.y_km[sel], s=25 + 25 * n[sel], marker=markers[a.kind],
                       color=colors(k % 10), edgecolors="black", linewidths=0.5,
                       label=f"{a.name} ({a.kind}): {int(n[sel].sum())}", zorder=3, gid="sites")
    ax.set_aspect("equal")
    ax.autoscale_view()
    context = _context(ax, model)
    labels = [*_worst_segment(ax, model, units), *_hotspot_names(ax, model), _side_names(ax, model), *context]
    _scale_bar(ax, model.cells.xy_km)
    ax.set_xlabel("x (km, local transverse Mercator)")
    ax.set_ylabel("y (km)")
    _map_legend(ax, model, labels)
    return ax


@dataclass
class _Label:
    """A map label and the places it may go, best first: each a function that draws it there and
    returns its artists (the two side names together; the worst segment's with its leader line)."""

    places: list
    keep: bool = False      # drawn even if no place fits (the worst segment, the hotspots), at the best one
    off_line: bool = False  # must not cross the line (all but the river names, which may follow it)


def _text_at(ax, xy, text: str, dx: float = 0.0, dy: float = 0.0, **style) -> list:
    """A text `dx`, `dy` points from the km point `xy`, in HALO (legible over lines and cells)."""
    tr = offset_copy(ax.transData, fig=ax.figure, x=dx, y=dy, units="points")
    return [ax.text(*xy, text, transform=tr, path_effects=HALO, **style)]


def _map_legend(ax, model: ScenarioModel, labels: list[_Label]) -> None:
    """The legend below the map, where it hides no town or river; then the labels placed."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    below = offset_copy(ax.transAxes, fig=ax.figure, y=-40, units="points")  # under the ticks and the x label
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), bbox_transform=below, ncol=3 if x1 - x0 >= y1 - y0 else 2,
              fontsize=8, frameon=False)
    _place_labels(ax, model, labels)


def _context(ax, model: ScenarioModel) -> list[_Label]:
    """What lets a reader place the map: borders, coast, rivers and towns of the bundled region (none
    for a line outside every region) and a lon/lat graticule labelled on the top and right edges.
    The extent stays the one the plan set: the layers are clipped to it. Returns the town and river
    names, for `_place_labels`."""
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    extent = (xlim[0], ylim[0], xlim[1], ylim[1])
    span = max(xlim[1] - xlim[0], ylim[1] - ylim[0])
    geo = model.geometry
    feats = basemap.features(geo, extent)
    rank = _river_rank(span)
    for layer, style in BASE_STYLE.items():
        segs = [f.xy_km for f in feats if f.layer == layer and (layer != "river" or f.props["scalerank"] <= rank)]
        if segs:
            ax.add_collection(LineCollection(segs, zorder=0.5, gid=f"basemap-{layer}", label=BASE_LABEL[layer],
                                             **style), autolim=False)
    labels = _towns(ax, model, [f for f in feats if f.layer == "place"], span)  # first: a river name can move along
    labels += _river_names(ax, [f for f in feats if f.layer == "river" and f.props["scalerank"] <= rank], span)
    _graticule(ax, basemap.graticule(geo, extent))
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return labels


def _river_rank(span_km: float) -> int:
    """The largest Natural Earth scalerank of river drawn on a map `span_km` across: all the layer
    holds (8) up to 400 km, 7 (the Donets, not the Karkheh) up to 1,000 km, only the major ones
    (6 or less: Dnieper, Don, Tigris, Euphrates) beyond."""
    return 8 if span_km <= 400 else 7 if span_km <= 1000 else 6


def _river_names(ax, rivers: list, span: float) -> list[_Label]:
    """Each named river once, along its longest visible piece if that is at least a tenth of the map
    across: at the piece's middle, else a third or a sixth of the way from either end; above the
    river, else below it."""
    longest: dict[str, np.ndarray] = {}
    for f in rivers:
        name = f.props.get("name")
        if name and (name not in longest or _length(f.xy_km) > _length(longest[name])):
            longest[name] = f.xy_km
    out = []
    for name, xy in longest.items():
        if _length(xy) < 0.1 * span:
            continue
        run = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
        places = []
        for frac in (0.5, 0.33, 0.67, 0.17, 0.83):
            k = int(np.searchsorted(run, frac * run[-1]))
            a, b = xy[max(k - 2, 0)], xy[min(k + 2, len(xy) - 1)]
            angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
            angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
            places += [functools.partial(_text_at, ax, xy[k], name, fontsize=7.5, style="italic", color="#3f6f96",
                                         rotation=angle, rotation_mode="anchor", ha="center", va=va, zorder=2.3,
                                         gid="basemap-river-name") for va in ("bottom", "top")]
        out.append(_Label(places))
    return out


def _length(xy: np.ndarray) -> float:
    return float(np.hypot(*np.diff(xy, axis=0).T).sum())


def _towns(ax, model: ScenarioModel, places: list, span: float) -> list[_Label]:
    """Every town as a dot; the towns of at least LABEL_POP named (beside the dot at a corner, else
    above or below it), largest first, leaving out a name that would fall within 5% of the map of a
    larger town's or of a hotspot (which is named itself)."""
    if not places:
        return []
    places = sorted(places, key=lambda f: -f.props["pop_max"])
    xy = np.concatenate([f.xy_km for f in places])
    ax.scatter(xy[:, 0], xy[:, 1], s=10, color="#505050", edgecolors="white", linewidths=0.4, zorder=2.2,
               gid="basemap-place", label=f"town (named: pop. {LABEL_POP:,} or more)")
    big = [k for k, f in enumerate(places) if f.props["pop_max"] >= LABEL_POP]
    hot = [np.concatenate(model.geometry.to_km([h.lon], [h.lat])) for h in model.scenario.hotspots]
    out = []
    for k in basemap.spaced(xy[big], 0.05 * span, np.array(hot) if hot else None):
        p, name = xy[big[k]], places[big[k]].props["name"]
        out.append(_Label([functools.partial(_text_at, ax, p, name, 3 * sx, 2 * sy, fontsize=7, color="#303030",
                                             ha="left" if sx > 0 else "right", va="bottom" if sy > 0 else "top",
                                             zorder=2.3, gid="basemap-place-name")
                           for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1))]
                          + [functools.partial(_text_at, ax, p, name, 0, 4 * sy, fontsize=7, color="#303030",
                                               ha="center", va="bottom" if sy > 0 else "top", zorder=2.3,
                                               gid="basemap-place-name") for sy in (1, -1)], off_line=True))
    return out


def _graticule(ax, g: basemap.Graticule) -> None:
    """Meridians and parallels as faint dashed lines; their degrees on the top and right edges."""
    if g.lines:
        ax.add_collection(LineCollection([xy for _, _, xy in g.lines], colors="#c8c8c8", linewidths=0.5,
                                         linestyles=(0, (3, 3)), zorder=0.3, gid="graticule"), autolim=False)
    top = ax.secondary_xaxis("top")
    top.set_xticks([x for x, _ in g.top], [t for _, t in g.top])
    right = ax.secondary_yaxis("right")
    right.set_yticks([y for y, _ in g.right], [t for _, t in g.right])
    for sec in (top, right):
        sec.tick_params(labelsize=7, length=2, colors="#606060")


def _hotspot_names(ax, model: ScenarioModel) -> list[_Label]:
    """Each hotspot's name at a corner of its circle (upper right first)."""
    out = []
    for h in model.scenario.hotspots:
        hx, hy = model.geometry.to_km([h.lon], [h.lat])
        r = h.radius_km / math.sqrt(2)
        out.append(_Label([functools.partial(_text_at, ax, (hx[0] + sx * r, hy[0] + sy * r), h.name, fontsize=8,
                                             color="crimson", ha="left" if sx > 0 else "right",
                                             va="bottom" if sy > 0 else "top", zorder=4, gid="hotspot-name")
                           for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1))], keep=True, off_line=True))
    return out


def _worst_segment(ax, model: ScenarioModel, units: np.ndarray) -> list[_Label]:
    """The plan's least watched segment of metrics.segment_km (plan.json's metrics.worst_segment, by
    detection, from the same `best_response`) drawn thick in red over the line; its label goes
    30 or 60 points off the line on either side, else 40 or 80 points in one of eight directions,
    with a leader line."""
    inst = model.instance
    P = inst.fold(inst.detection_by_cell(units))
    w = best_response(model, P, inst.fold(inst.verified_by_cell(units)), inst.fold(inst.hazard(units)))["worst_segment"]
    if w["detection"] is None:
        return []
    geo = model.geometry
    xy = basemap.stretch(geo, w["from_km"], w["to_km"])
    label = f"worst {model.scenario.metrics.segment_km:g}-km segment: {pct(w['detection'])}"
    ax.plot(xy[:, 0], xy[:, 1], color="red", lw=4, solid_capstyle="butt", zorder=3.2, label=label, gid="worst-segment")
    mid = geo.point_at([(w["from_km"] + w["to_km"]) / 2])[0]
    n = geo.normal_at([(w["from_km"] + w["to_km"]) / 2])[0]

    def place(dx: float, dy: float) -> list:
        lead = ax.annotate("", mid, xytext=(dx, dy), textcoords="offset points", zorder=4,
                           arrowprops={"arrowstyle": "-", "color": "red", "lw": 0.8, "shrinkA": 0, "shrinkB": 0})
        return [lead, *_text_at(ax, mid, label, dx, dy, fontsize=8, color="red", weight="bold", zorder=4,
                                ha="left" if dx >= 0 else "right", va="bottom" if dy >= 0 else "top",
                                gid="worst-segment-label")]

    turns = [np.array([math.cos(a), math.sin(a)]) for a in np.radians(np.arange(0, 360, 45))]
    return [_Label([functools.partial(place, *(d * sign * n)) for d in (30, 60) for sign in (1, -1)]
                   + [functools.partial(place, *(d * u)) for d in (40, 80) for u in turns], keep=True, off_line=True)]


def _side_names(ax, model: ScenarioModel) -> _Label:
    """Each side's name on its side of the line: off the line's middle, else further along, else nearer."""
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    extent = (xlim[0], ylim[0], xlim[1], ylim[1])
    span = max(xlim[1] - xlim[0], ylim[1] - ylim[0])
    widest = max(z.outer_km for z in model.scenario.zones)

    def place(pts) -> list:
        return [ax.text(*p, name, fontsize=11, style="italic", weight="bold", color="#4a4a4a", ha="center",
                        va="center", zorder=4, path_effects=HALO, gid="side-name") for name, p in zip(model.sides, pts)]

    return _Label([functools.partial(place, pts)
                   for offset in (max(0.08 * span, 2 * widest), max(0.04 * span, 1.5 * widest))
                   for pts in basemap.side_points(model.geometry, extent, offset)], off_line=True)


def _place_labels(ax, model: ScenarioModel, labels: list[_Label]) -> None:
    """Put each label (in the order given: the most important first) at the first of its places where
    it overlaps no label placed before, no town's dot and no site, stays inside the map and, if it
    must, keeps off the line; else leave it out (or, if it must stay, put it where it at least stays
    inside, then off the line). Measured where matplotlib will draw them, after the equal aspect has
    set the axes' box."""
    ax.apply_aspect()
    frame = ax.get_window_extent()
    to_data = ax.transData.inverted()
    kept = [t.get_window_extent() for t in ax.texts if t.get_gid() == "scale-bar"]  # what no label may cover
    for c in ax.collections:  # and the towns' dots and the plan's sites, as squares of these half sides (pixels)
        half = {"basemap-place": 1.5, "sites": 4.0}.get(c.get_gid())
        if half is not None:
            kept += [Bbox.from_bounds(x - half, y - half, 2 * half, 2 * half)
                     for x, y in ax.transData.transform(c.get_offsets())]
    for lab in labels:
        scores = []
        for place in lab.places:
            arts = place()
            boxes = [a.get_window_extent() for a in arts if a.get_text()]
            inside = all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
            free = not any(b.overlaps(k) for b in boxes for k in kept)
            free = free and not (len(boxes) == 2 and boxes[0].overlaps(boxes[1]))
            clear = not lab.off_line or all(
                basemap.clear_of_line(model.geometry, *to_data.transform(b.get_points()).ravel()) for b in boxes)
            if inside and free and clear:
                kept += boxes
                break
            scores.append((inside, clear, free))
            for a in arts:
                a.remove()
        else:
            if lab.keep and lab.places:  # where it at least stays inside, then off the line
                best = max(range(len(scores)), key=lambda k: scores[k])
                kept += [a.get_window_extent() for a in lab.places[best]() if a.get_text()]


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
            bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1}, gid="scale-bar")


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
