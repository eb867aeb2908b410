"""report.html: the plan as one self-contained page that opens without a network.

The map is inline SVG in the line's local km (cells coloured by detection, the zones, the
line, hotspots, the sites used and their coverage circles), with a few lines of JavaScript
of its own (no library, nothing fetched): drag to pan, wheel to zoom, hover a cell or a site
for its numbers, tick a layer to show or hide it. Below the map: the summary, what the
figures mean, the plan beside its baselines, the sites with coordinates, the assumptions.
The page marks the map with the number of features drawn (`data-features`) and counts
script errors (`data-errors`), so a browser test can check both.
"""

from __future__ import annotations

import html
import json

import numpy as np

from ..model.build import ScenarioModel
from ..model.metrics import detection_by_cell
from ..model.schema import SECTOR_KINDS
from .gis import coverage_area
from .text import baseline_table, bound_meaning, label, pct, summary_rows, usd

# Viridis at nine stops, for cells coloured by detection from 0 to 1.
VIRIDIS = np.array([[68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
                    [31, 158, 137], [53, 183, 121], [110, 206, 88], [253, 231, 37]], float)
KIND_COLOURS = {"sensor": "#d62728", "drone": "#1f77b4", "patrol": "#ff7f0e", "satellite": "#9467bd",
                "inspection": "#2ca02c"}


def colours(values: np.ndarray) -> list[str]:
    """Hex colours of values in [0, 1] on the viridis scale."""
    x = np.clip(np.asarray(values, float), 0, 1) * (len(VIRIDIS) - 1)
    lo = np.minimum(np.floor(x).astype(int), len(VIRIDIS) - 2)
    rgb = VIRIDIS[lo] + (x - lo)[:, None] * (VIRIDIS[lo + 1] - VIRIDIS[lo])
    return ["#%02x%02x%02x" % tuple(int(round(c)) for c in row) for row in rgb]


def _pts(xy: np.ndarray) -> str:
    return " ".join(f"{x:.3f},{-y:.3f}" for x, y in xy)  # SVG's y runs down


def _sector_svg(area, col: str) -> str:
    """A sector's cells (a shapely polygon or multipolygon in km) as SVG polygons, y flipped."""
    out = ""
    for poly in getattr(area, "geoms", [area]):
        ring = np.asarray(poly.exterior.coords)
        out += f'<polygon points="{_pts(ring)}" fill="{col}" fill-opacity="0.06" stroke="{col}" stroke-width="0.3"/>'
    return out


def map_svg(model: ScenarioModel, units: np.ndarray) -> tuple[str, int]:
    """The map's SVG (in km, y flipped) and the number of features drawn."""
    c, s, st, inst = model.cells, model.scenario, model.sites, model.instance
    det = detection_by_cell(model, units)
    P = inst.fold(inst.detection_by_cell(units))  # per cell, over outage states
    names = [k.name for k in s.violations.classes]
    fill = colours(det)
    cells = "".join(f'<polygon points="{_pts(c.corners_km[i])}" fill="{fill[i]}" data-i="{i}"/>' for i in range(len(c)))
    lx, ly = model.geometry.line.xy
    line = f'<polyline points="{_pts(np.column_stack([lx, ly]))}" fill="none" stroke="#000" stroke-width="0.6"/>'
    hot = ""
    for h in s.hotspots:
        hx, hy = model.geometry.to_km([h.lon], [h.lat])
        hot += (f'<circle cx="{hx[0]:.3f}" cy="{-hy[0]:.3f}" r="{h.radius_km}" fill="none" stroke="crimson" '
                f'stroke-dasharray="2,2" stroke-width="0.5"><title>hotspot {html.escape(h.name)}: x{h.factor:g}'
                f'</title></circle>')
    used = np.flatnonzero(np.asarray(units) > 0)
    cover, sites = "", ""
    for j in used:
        a = s.assets[st.asset[j]]
        col = KIND_COLOURS[a.kind]
        cx, cy = st.x_km[j], -st.y_km[j]
        if a.kind in SECTOR_KINDS:
            cover += _sector_svg(coverage_area(model, j), col)
        else:
            cover += f'<circle cx="{cx:.3f}" cy="{cy:.3f}" r="{a.radius_km}" fill="{col}" fill-opacity="0.08" ' \
                     f'stroke="{col}" stroke-width="0.3"/>'
        reach = f"sector {a.sector_km:g} km" if a.kind in SECTOR_KINDS else f"radius {a.radius_km:g} km"
        tip = (f"{a.name} ({a.kind}) site {int(st.index[j])}: {int(units[j])} unit(s), {reach}, "
               f"{usd(a.annual_usd * units[j])} a year; lon {st.lon[j]:.5f}, lat {st.lat[j]:.5f}")
        sites += f'<circle class="site" cx="{cx:.3f}" cy="{cy:.3f}" r="1.2" fill="{col}" stroke="#000" ' \
                 f'stroke-width="0.3" data-tip="{html.escape(tip)}"/>'
    stats = [[round(float(det[i]), 4)] + [round(float(v), 4) for v in P[i]] for i in range(len(c))]
    x0, y0 = c.corners_km[..., 0].min(), c.corners_km[..., 1].min()
    x1, y1 = c.corners_km[..., 0].max(), c.corners_km[..., 1].max()
    pad = 0.03 * max(x1 - x0, y1 - y0)
    box = f"{x0 - pad:.2f} {-y1 - pad:.2f} {x1 - x0 + 2 * pad:.2f} {y1 - y0 + 2 * pad:.2f}"
    svg = (f'<svg id="map" viewBox="{box}" data-features="{len(c) + len(used) * 2 + 1 + len(s.hotspots)}" '
           f'data-errors="0" preserveAspectRatio="xMidYMid meet">'
           f'<g id="layer-cells">{cells}</g><g id="layer-coverage">{cover}</g><g id="layer-line">{line}</g>'
           f'<g id="layer-hotspots">{hot}</g><g id="layer-sites">{sites}</g></svg>'
           f'<script id="cell-stats" type="application/json">{json.dumps({"classes": names, "cells": stats})}</script>')
    return svg, len(c) + len(used) * 2 + 1 + len(s.hotspots)


def _table(head: list[str], rows: list[list]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _sections(doc: dict) -> str:
    """The summary, what the figures mean, baselines, sites and assumptions, as HTML."""
    out = ["<h2>Summary</h2>", _table(["figure", "value"], summary_rows(doc))]
    sv, m = doc.get("solver"), doc["metrics"]
    meaning = [f"Detection {pct(m['detection'])} is the expected share of all violations this plan detects."]
    if sv and sv.get("bound") is not None:
        meaning.append(f"{bound_meaning(sv).capitalize()}: this plan is within {pct(sv['gap'])} of the best one.")
    if m["mean_time_to_detection_h"] is not None:
        meaning.append("A mean time to detection near 0 h means sensors see violations as they start; drones and "
                       "patrols find them later, when they pass.")
    out += ["<h2>What the figures mean</h2>", "<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in meaning) + "</ul>"]
    table = baseline_table(doc)
    if table:
        out += ["<h2>Beside the baselines</h2>", _table(table[0], table[1:])]
    assets = doc.get("assets", {})
    rows = [[p["asset"], p["kind"], p["site"], f"{p['lon']:.5f}", f"{p['lat']:.5f}", p["side"], p["units"],
             assets.get(p["asset"], {}).get("radius_km", ""),
             usd(assets[p["asset"]]["annual_usd"] * p["units"]) if p["asset"] in assets else ""]
            for p in doc["placements"]]
    out += ["<h2>Sites</h2>", _table(["asset", "kind", "site", "lon", "lat", "side", "units", "radius km",
                                      "yearly cost"], rows)]
    if doc.get("assumptions"):
        out += ["<h2>Assumptions</h2>", "<p>The config marks these figures as estimates.</p>",
                _table(["key", "value", "note"], [[e["key"], json.dumps(e["value"]), e["note"]]
                                                  for e in doc["assumptions"]])]
    return "\n".join(out)


def report_html(model: ScenarioModel, units: np.ndarray, doc: dict) -> str:
    """The whole page."""
    svg, _ = map_svg(model, units)
    layers = "".join(f'<label><input type="checkbox" data-layer="layer-{k}" checked> {k}</label> '
                     for k in ("cells", "coverage", "line", "hotspots", "sites"))
    return PAGE.format(title=html.escape(f"Monitoring plan: {label(doc)}"), layers=layers, svg=svg,
                       sections=_sections(doc), script=SCRIPT)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1.5em; max-width: 1200px; }}
#map {{ width: 100%; height: 560px; border: 1px solid #999; background: #f4f4f0; cursor: grab; }}
#tip {{ position: fixed; pointer-events: none; background: #fff; border: 1px solid #666; padding: 3px 6px;
        font-size: 12px; display: none; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; font-size: 13px; }}
td, th {{ border: 1px solid #ccc; padding: 2px 6px; text-align: left; }}
#layers label {{ margin-right: 1em; }}
</style></head><body>
<h1>{title}</h1>
<div id="layers">{layers}<span>(drag to pan, wheel to zoom, hover for numbers; colour: share of a cell's
violations detected, dark 0% to yellow 100%)</span></div>
{svg}
<div id="tip"></div>
{sections}
<script>{script}</script>
</body></html>
"""

SCRIPT = """
(function () {
  var map = document.getElementById('map'), tip = document.getElementById('tip');
  window.addEventListener('error', function () {
    map.dataset.errors = String(Number(map.dataset.errors) + 1);
  });
  var stats = JSON.parse(document.getElementById('cell-stats').textContent);
  var vb = map.getAttribute('viewBox').split(' ').map(Number);
  function show() { map.setAttribute('viewBox', vb.join(' ')); }
  function pct(x) { return (100 * x).toFixed(1) + '%'; }
  map.addEventListener('wheel', function (e) {
    e.preventDefault();
    var r = map.getBoundingClientRect(), f = e.deltaY > 0 ? 1.2 : 1 / 1.2;
    var px = vb[0] + vb[2] * (e.clientX - r.left) / r.width, py = vb[1] + vb[3] * (e.clientY - r.top) / r.height;
    vb = [px - (px - vb[0]) * f, py - (py - vb[1]) * f, vb[2] * f, vb[3] * f];
    show();
  }, {passive: false});
  var drag = null;
  map.addEventListener('mousedown', function (e) { drag = [e.clientX, e.clientY, vb[0], vb[1]]; });
  window.addEventListener('mouseup', function () { drag = null; });
  map.addEventListener('mousemove', function (e) {
    if (drag) {
      var r = map.getBoundingClientRect();
      vb[0] = drag[2] - (e.clientX - drag[0]) * vb[2] / r.width;
      vb[1] = drag[3] - (e.clientY - drag[1]) * vb[3] / r.height;
      show();
      return;
    }
    var t = e.target, text = null;
    if (t.dataset && t.dataset.i !== undefined) {
      var s = stats.cells[Number(t.dataset.i)];
      text = 'cell ' + t.dataset.i + ': ' + pct(s[0]) + ' detected';
      for (var k = 0; k < stats.classes.length; k++) { text += '; ' + stats.classes[k] + ' ' + pct(s[k + 1]); }
    } else if (t.dataset && t.dataset.tip) {
      text = t.dataset.tip;
    }
    if (text) {
      tip.textContent = text; tip.style.display = 'block';
      tip.style.left = (e.clientX + 12) + 'px'; tip.style.top = (e.clientY + 12) + 'px';
    } else { tip.style.display = 'none'; }
  });
  document.querySelectorAll('#layers input').forEach(function (box) {
    box.addEventListener('change', function () {
      document.getElementById(box.dataset.layer).style.display = box.checked ? '' : 'none';
    });
  });
  map.dataset.drawn = String(map.querySelectorAll('polygon, circle, polyline').length);
})();
"""


def frontier_html(res, png: bytes) -> str:
    """frontier.html: the frontier's figure (embedded) and every point, self-contained like report.html."""
    import base64

    rows = [[p.mix, usd(p.budget_usd), usd(p.annual_usd), pct(p.detection), pct(p.bound), pct(p.gap),
             p.observers, ", ".join(f"{n} {v}" for n, v in p.units_by_asset.items() if v) or "none"]
            for p in res.points]
    table = _table(["mix", "yearly budget", "spent", "detection", "bound", "gap", "observers", "units"], rows)
    img = base64.b64encode(png).decode("ascii")
    title = html.escape(f"Cost-coverage frontier: {res.scenario}")
    return FRONTIER_PAGE.format(title=title, img=img, table=table, solver=html.escape(res.solver),
                                points=len(res.points))


FRONTIER_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: sans-serif; margin: 1.5em; max-width: 1200px; }}
table {{ border-collapse: collapse; font-size: 13px; }} td, th {{ border: 1px solid #ccc; padding: 2px 6px; }}
img {{ max-width: 100%; }}</style></head><body>
<h1>{title}</h1>
<p>{points} points solved with {solver}. Detection is the expected share of violations detected; the bound is
the least solver bound at this budget or above (no plan at the budget does better); the gap is
(bound - detection) / bound.</p>
<img id="frontier" alt="detection against yearly budget, one curve per mix" src="data:image/png;base64,{img}">
{table}
</body></html>
"""
