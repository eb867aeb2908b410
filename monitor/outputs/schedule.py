"""The schedule's outputs: schedule.json, routes.geojson, routes.png, and the text `monitor schedule` prints."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model.build import ScenarioModel
from ..studies.schedule import Schedule
from .files import dumps, write_files
from .gis import collection
from .plots import schedule_png


def schedule_document(model: ScenarioModel, schedule: Schedule) -> dict:
    """The content of schedule.json: totals, then every site with its routes (lon/lat and times)."""
    s, st, geo = model.scenario, model.sites, model.geometry
    sites = []
    for x in schedule.sites:
        a = s.assets[x.asset]
        routes = []
        for r in x.routes:
            lon, lat = geo.to_lonlat(r.xy_km[:, 0], r.xy_km[:, 1])
            routes.append({"number": r.number, "start_h": r.start_h, "km": r.km, "hours": r.hours,
                           "waypoints": len(r.xy_km) - 2,
                           "coordinates": np.round(np.column_stack([lon, lat]), 6).tolist(),
                           "t_h": np.round(r.t_h, 4).tolist()})
        sites.append({"asset": a.name, "kind": a.kind, "site": int(st.index[x.site]),
                      "lon": round(float(st.lon[x.site]), 6), "lat": round(float(st.lat[x.site]), 6),
                      "side": model.sides[st.side[x.site]], "units": x.units,
                      "planned_per_day": x.planned, "routes_per_day": len(x.routes),
                      "km_per_day": x.km_per_day, "hours_per_day": x.hours_per_day,
                      "max_km": x.max_km, "max_h": x.max_h, "view_width_km": 2 * x.half_width_km,
                      "waypoints": x.waypoints, "prize_share_collected": x.prize_share,
                      "status": x.status, "seconds": x.seconds, "routes": routes})
    return {"scenario": s.name, "totals": schedule.totals(model), "seconds": schedule.seconds, "sites": sites}


def routes_geojson(model: ScenarioModel, schedule: Schedule) -> dict:
    """One LineString feature per patrol (sortie), with its site, number, start, km and hours."""
    doc = schedule_document(model, schedule)
    feats = []
    for x in doc["sites"]:
        for r in x["routes"]:
            props = {"asset": x["asset"], "kind": x["kind"], "site": x["site"], "side": x["side"],
                     "number": r["number"], "start_h": round(r["start_h"], 3), "km": round(r["km"], 3),
                     "hours": round(r["hours"], 3), "waypoints": r["waypoints"]}
            feats.append({"type": "Feature", "properties": props,
                          "geometry": {"type": "LineString", "coordinates": r["coordinates"]}})
    return collection(feats)


def summary_text(model: ScenarioModel, schedule: Schedule) -> str:
    """What `monitor schedule` prints: per site patrols, km and hours a day, then the totals."""
    s, st = model.scenario, model.sites
    lines = [f"{s.name}: {len(schedule.sites)} team sites and drone bases scheduled in {schedule.seconds:.1f} s"]
    lines.append(f"  {'asset':<10} {'site':>5} {'side':<14} {'routes/day':>10} {'planned':>7} {'km/day':>8} "
                 f"{'h/day':>7} {'waypoints':>9} {'prize':>6}  status")
    for x in schedule.sites:
        a = s.assets[x.asset]
        lines.append(f"  {a.name:<10} {int(st.index[x.site]):>5} {model.sides[st.side[x.site]][:14]:<14} "
                     f"{len(x.routes):>10} {x.planned:>7} {x.km_per_day:>8.1f} {x.hours_per_day:>7.1f} "
                     f"{x.waypoints:>9} {100 * x.prize_share:>5.1f}%  {x.status}")
    t = schedule.totals(model)
    lines.append(f"  patrols a day {t['patrols_per_day']} (plan: {t['planned_patrols_per_day']}), "
                 f"{t['patrol_km_per_day']:,.0f} km, {t['patrol_hours_per_day']:,.1f} h; "
                 f"drone sorties a day {t['sorties_per_day']} (plan: {t['planned_sorties_per_day']}), "
                 f"{t['drone_km_per_day']:,.0f} km, {t['drone_hours_per_day']:,.1f} h")
    return "\n".join(lines) + "\n"


def write_outputs(out_dir, model: ScenarioModel, schedule: Schedule, units: np.ndarray, document: dict) -> list:
    """Write routes.geojson, routes.png and schedule.json (`document`) to `out_dir`; return their paths."""
    files = {"routes.geojson": dumps(routes_geojson(model, schedule)),
             "routes.png": schedule_png(model, schedule, units),
             "schedule.json": dumps(document)}
    return write_files(Path(out_dir), files)
