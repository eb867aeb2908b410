"""Text of a plan for people: the summary printed on stdout, report.md, and number formats."""

from __future__ import annotations

import json

from ..model.instance import BUDGET_TOL


def pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def usd(x) -> str:
    return f"${x / 1e6:,.2f}M"


def summary_rows(doc: dict) -> list[tuple[str, str]]:
    """The figures shown on stdout and at the top of report.md."""
    m, sv, cost = doc["metrics"], doc["solver"], doc["cost"]
    units = ", ".join(f"{k} {v}" for k, v in m["units_by_asset"].items())
    mttd = m["mean_time_to_detection_h"]
    solver = [] if sv is None else [
        (f"solver bound / gap on {sv.get('objective_name', 'detection')}",
         f"{pct(sv['bound'])} / {pct(sv['gap'])} ({sv['name']}, {sv['status']}, {sv['seconds']:.2f} s)"),
        ("what the bound says", bound_meaning(sv))] + _robust(sv) + _constraint_cost(sv)
    return [("detection (expected share of violations)", pct(m["detection"])),
            ("verified (detected, and a verifier there in time)", pct(m["verified"]))] + solver + [
        ("detection by class", ", ".join(f"{k} {pct(v)}" for k, v in m["by_class"].items())),
        ("verified by class", ", ".join(f"{k} {pct(v)}" for k, v in m["verified_by_class"].items())),
        ("detection / verified by side", ", ".join(f"{k} {pct(v['detection'])} / {pct(m['verified_by_side'][k])}"
                                                   for k, v in m["by_side"].items())),
        *_zone_rows(m),
        ("detected, no verifier in reach", pct(m["detected_unreachable_share"])),
        (f"worst {m['segment_km']:g}-km segment (a violator's pick)", _worst(m)),
        ("worst segment by class", ", ".join(f"{k} km {v['from_km']:.0f}-{v['to_km']:.0f}: {pct(v['detection'])}"
                                            for k, v in m["worst_segment_by_class"].items())),
        ("least watched cell by class", ", ".join(f"{k} km {v['s_km']:.1f} {v['side']}: {pct(v['detection'])}"
                                                 for k, v in m["worst_cell_by_class"].items())),
        ("zones' area no unit sees", pct(m["unseen_area_share"])),
        *([(f"detection after the worst 1-{len(m['losses'])} units lost", _losses(m["losses"]))] if m.get("losses") else []),
        (f"line at or above {pct(m['target_detection'])}", pct(m["line_share_above_target"])),
        ("detected a year", f"{m['detected_per_year']:,.0f} of {m['violations_per_year']:,.0f}"),
        ("mean time to detection", "n/a" if mttd is None else f"{mttd:.2f} h"),
        ("verifiers' response, mean / 90th percentile", _response(m)),
        ("yearly cost / budget", f"{usd(cost['annual_usd'])} / {usd(doc['budget_usd'])}"),
        ("purchase cost", usd(cost["capex_usd"])),
        ("observers / operators", f"{cost['observers']} / {cost['operators']}"),
        ("patrols a day / drone flight hours a day", f"{m['patrols_per_day']:g} / {m['drone_flight_hours_per_day']:g}"),
        *([("imagery km2 a day / sector inspections a day",
            f"{m['imagery_km2_per_day']:,.0f} / {m['inspections_per_day']:.2f}")]
          if m.get("imagery_km2_per_day") or m.get("inspections_per_day") else []),
        ("units", units),
        *_scale_row(doc),
    ]


def _zone_rows(m: dict) -> list[tuple[str, str]]:
    """With more than one zone: detection and verified by zone, and by class within each zone."""
    zones = m.get("by_zone") or {}
    if len(zones) < 2:
        return []
    return [("detection / verified by zone", ", ".join(f"{k} {pct(v['detection'])} / {pct(v['verified'])}"
                                                       for k, v in zones.items())),
            ("detection by zone and class", "; ".join(
                f"{k}: " + ", ".join(f"{c} {pct(x)}" for c, x in v["by_class"].items() if x is not None)
                for k, v in zones.items()))]


def _scale_row(doc: dict) -> list[tuple[str, str]]:
    size = doc.get("size") or {}
    if not scales(size):
        return []
    return [("line drawn / reference", line_scale(size, doc["cost"]["annual_usd"]))]


def _logged(sv: dict, wanted) -> dict | None:
    """The first entry of the solver's log that `wanted(entry)` picks, or None."""
    return next((e for e in sv.get("log", []) if isinstance(e, dict) and wanted(e)), None)


def _robust(sv: dict) -> list[tuple[str, str]]:
    """With --robust-losses: the candidate kept, against the nominal plan, after the worst losses."""
    rec = _logged(sv, lambda e: "chosen_theta" in e)
    if rec is None:
        return []
    nominal, chosen = rec["candidates"][0], next(c for c in rec["candidates"] if c["theta"] == rec["chosen_theta"])
    return [(rec["phase"], f"hazards x {chosen['theta']:g}: {pct(chosen['detection_after_losses'])} left "
             f"({pct(chosen['detection'])} in all), against the nominal plan's {pct(nominal['detection_after_losses'])} "
             f"({pct(nominal['detection'])}); {len(rec['candidates'])} candidates, losses by {chosen['method']}")]


def _constraint_cost(sv: dict) -> list[tuple[str, str]]:
    """With min_segment_detection: the plan the same solver makes without it, and what the constraint costs."""
    rec = _logged(sv, lambda e: e.get("phase") == "without min_segment_detection")
    if rec is None:
        return []
    lost = 100 * (rec["objective"] - sv["objective"])
    return [("cost of min_segment_detection", f"{lost:.2f} points of {sv.get('objective_name', 'detection')} (the "
             f"same solver without it: {pct(rec['objective'])}, worst segment {pct(rec['worst_segment'])})")]


def _losses(found: list[dict]) -> str:
    """Detection after each k worst losses, how it was found, and the bound below it."""
    return "; ".join(f"{r['k']}: {pct(r['detection'])} ({r['method']}; at least {pct(r['detection_at_least'])})"
                     for r in found)


def _worst(m: dict) -> str:
    """The least watched segment by detection, and by verified detection."""
    ws, wv = m["worst_segment"], m["worst_segment_verified"]
    return (f"km {ws['from_km']:.0f}-{ws['to_km']:.0f}: {pct(ws['detection'])} detected; verified: km "
            f"{wv['from_km']:.0f}-{wv['to_km']:.0f}: {pct(wv['verified'])}")


def _response(m: dict) -> str:
    """Mean and p90 response over the detected violations verifiers reach, with the share they do not."""
    if m["mean_response_h"] is None:
        return "n/a (no verifier reaches a detected violation)"
    return (f"{m['mean_response_h']:.2f} h / {m['p90_response_h']:.2f} h (of the detected violations a verifier "
            f"reaches; {pct(m['detected_unreachable_share'])} it cannot)")


def summary_text(doc: dict) -> str:
    rows = summary_rows(doc)
    width = max(len(k) for k, _ in rows)
    head = f"{label(doc)}: {doc['size']['cells']:,} cells, {sum(doc['size']['candidate_sites'].values()):,} candidate sites"
    lines = [head] + [f"  {k:<{width}}  {v}" for k, v in rows]
    table = baseline_table(doc)
    if table:
        w = [max(len(r[k]) for r in table) for k in range(len(table[0]))]
        lines.append(f"  beside the baselines (uniform ones sized to the budget, {usd(doc['budget_usd'])} a year; "
                     "all scored by the same model):")
        lines += ["    " + "  ".join(c.ljust(w[k]) if k == 0 else c.rjust(w[k]) for k, c in enumerate(r)).rstrip()
                  for r in table]
    lines += [f"  {n}" for n in doc.get("baselines_skipped", [])]
    return "\n".join(lines) + "\n"


def baseline_table(doc: dict) -> list[list[str]]:
    """Header, this plan, then each baseline: detection, verified, worst segment, observers, yearly cost, within budget."""
    if not doc.get("baselines"):
        return []
    m, seg = doc["metrics"], doc["metrics"]["segment_km"]
    rows = [["plan", "detection", "verified", f"worst {seg:g}-km", "observers", "patrols a day", "yearly cost",
             "keeps budget"],
            ["this plan", pct(m["detection"]), pct(m["verified"]), pct(m["worst_segment"]["detection"]), str(m["observers"]),
             f"{m['patrols_per_day']:g}", usd(m["annual_usd"]),
             "yes" if m["annual_usd"] <= doc["budget_usd"] * (1 + BUDGET_TOL) else "no: over budget"]]
    for b in doc["baselines"]:
        rows.append([b["name"], pct(b["detection"]), pct(b.get("verified")), pct(b["worst_segment"]["detection"]),
                     str(b["observers"]),
                     f"{b['patrols_per_day']:g}", usd(b["annual_cost_usd"]),
                     "yes" if b["feasible"] else "no: " + "; ".join(
                         "over budget" if q.startswith("yearly cost") else q for q in b["problems"])])
    return rows


def report_md(doc: dict) -> str:
    """The decision report: every figure is one of plan.json's, and it refers to no file but the map."""
    lines = [f"# Monitoring plan: {label(doc)}", "",
             f"Config `{doc['config']}`, seed {doc['seed']}, monitor {doc['monitor_version']}.", "",
             "![Cells coloured by the share of their violations detected, with the sites used](map.png)", "",
             "| figure | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary_rows(doc)]
    lines += _meaning(doc) + _classes_and_sides(doc["metrics"]) + _baselines(doc) + _sites(doc)
    lines += _assumptions(doc) + _scenario(doc)
    return "\n".join(lines)


def _meaning(doc: dict) -> list[str]:
    """What the headline figures mean, in a sentence each."""
    m, sv = doc["metrics"], doc.get("solver")
    out = ["", "## What the figures mean", "",
           f"- **Detection {pct(m['detection'])}** is the expected share of all violations that this plan "
           "detects, on the model's assumptions: units work independently; sensors see what is within their "
           "radius; drones and patrols search their area at random, so a violation that lasts longer is likelier "
           "to be passed."]
    out.append(f"- **Verified {pct(m['verified'])}** is the expected share of all violations detected *and* "
               "reached by a verifier (an observer team, or a drone that verifies) within the class's "
               "verify_within_h, on the sides it may enter, counting its availability; "
               f"{pct(m['detected_unreachable_share'])} of the detected violations are beyond every verifier's reach.")
    if sv and sv.get("bound") is not None:
        by = f" (proved by the {sv['bound_from']})" if sv.get("bound_from") else ""
        what = "detect and verify" if sv.get("objective_name") == "verified" else "detect"
        out.append(f"- **Bound {pct(sv['bound'])}, gap {pct(sv['gap'])}**: no plan within the same budget and "
                   f"caps can {what} more than {pct(sv['bound'])}{by}, so this plan is within {pct(sv['gap'])} of "
                   "the best possible one.")
    t = m["mean_time_to_detection_h"]
    if t is not None:
        out.append(f"- **Mean time to detection {t:.2f} h**, over the violations detected, until a person sees the "
                   "alert: a sensor sees a violation as it starts, drones and patrols find it later, when they "
                   "pass; each unit's alert_delay_h is added.")
    return out


def _classes_and_sides(m: dict) -> list[str]:
    out = ["", "## Detection by class", "", "| class | detection | verified | mean time to detection |",
           "|---|---|---|---|"]
    for k, v in m["by_class"].items():
        t = m["mean_time_to_detection_h_by_class"][k]
        out.append(f"| {k} | {pct(v)} | {pct(m['verified_by_class'][k])} | {'n/a' if t is None else f'{t:.2f} h'} |")
    out += ["", "## By side", "", "| side | share of violations | detection | verified |", "|---|---|---|---|"]
    for k, v in m["by_side"].items():
        out.append(f"| {k} ({v['side']}) | {pct(v['share_of_violations'])} | {pct(v['detection'])} "
                   f"| {pct(m['verified_by_side'][k])} |")
    return out


def _baselines(doc: dict) -> list[str]:
    table = baseline_table(doc)
    if not table:
        return []
    out = ["", "## Beside the baselines", "",
           "Each baseline is scored by the same model. The uniform ones spend the same yearly budget "
           f"({usd(doc['budget_usd'])}) on one asset, evenly spaced; `uniimog_density` places observer teams "
           "at the density of the UN's Iran-Iraq mission (about 400 observers on 1,400 km) and costs what "
           "they cost.", "", "| " + " | ".join(table[0]) + " |", "|" + "---|" * len(table[0])]
    out += ["| " + " | ".join(r) + " |" for r in table[1:]]
    out += [""] + [f"- `{b['name']}`: {b['description']}" + "".join(f"; {n}" for n in b["notes"])
                   for b in doc["baselines"]]
    return out + [f"- {n}" for n in doc.get("baselines_skipped", [])]


def _sites(doc: dict) -> list[str]:
    """Units per asset, then every site used with its coordinates, reach and yearly cost."""
    assets = doc.get("assets", {})
    out = ["", "## Sites", "", "| asset | kind | site | lon | lat | side | units | radius km | yearly cost |",
           "|---|---|---|---|---|---|---|---|---|"]
    for p in doc["placements"]:
        a = assets.get(p["asset"], {})
        cost = usd(a["annual_usd"] * p["units"]) if "annual_usd" in a else "n/a"
        out.append(f"| {p['asset']} | {p['kind']} | {p['site']} | {p['lon']:.5f} | {p['lat']:.5f} | {p['side']} "
                   f"| {p['units']} | {a.get('radius_km', 'n/a')} | {cost} |")
    if not doc["placements"]:
        out.append("| (none) | | | | | | | | |")
    return out


def _assumptions(doc: dict) -> list[str]:
    """The figures of the config that are estimates, as the plan used them."""
    items = doc.get("assumptions") or []
    if not items:
        return []
    out = ["", "## Assumptions", "", "The config marks these figures as estimates; the plan rests on them "
           "as they stand.", "", "| key | value | note |", "|---|---|---|"]
    for e in items:
        value = e["value"] if not isinstance(e["value"], (dict, list)) else json.dumps(e["value"])
        out.append(f"| `{e['key']}` | {value} | {e['note'].replace('|', '/')} |")
    return out


def _scenario(doc: dict) -> list[str]:
    size = doc["size"]
    return ["", "## Scenario", "",
            f"Line {size['line_km']:,.1f} km as drawn (geodesic {size['geodesic_km']:,.1f} km"
            + (f", reference {size['reference_length_km']:,.0f} km" if size["reference_length_km"] else "") + "); "
            + ", ".join(f"zone {k} {v:,.0f} km²" for k, v in size["zone_km2"].items())
            + f"; {size['cells']:,} cells; {size['matrix_nonzeros']:,} hazard-matrix nonzeros.", ""]


def label(doc: dict) -> str:
    """The scenario's name with the named scenarios applied to it: ukraine-2025+short-towers."""
    return doc["scenario"] + "".join(f"+{v}" for v in doc.get("variants") or [])


def scales(size: dict) -> bool:
    """Whether line.reference_length_km differs from the drawn length by more than half a percent."""
    ref = size.get("reference_length_km")
    return bool(ref) and abs(ref - size["line_km"]) > 0.005 * size["line_km"]


def line_scale(size: dict, annual_usd: float | None = None) -> str:
    """How costs scale when the drawn line's length differs from line.reference_length_km: units are
    placed and paid for along the drawn line, so the same density on the reference costs ref / drawn."""
    ratio = size["reference_length_km"] / size["line_km"]
    cost = "" if annual_usd is None else f" ({usd(annual_usd * ratio)} a year for this plan)"
    return (f"placed along the {size['line_km']:,.1f} km drawn; the same density on the "
            f"{size['reference_length_km']:,.0f} km reference costs x{ratio:.3f}{cost}")


def validate_text(source: str, size: dict) -> str:
    """What `monitor validate` prints: the scenario's size."""
    ref = f" (reference {size['reference_length_km']:,.0f} km)" if size["reference_length_km"] else ""
    zones = ", ".join(f"{k} {v:,.1f} km2" for k, v in size["zone_km2"].items())
    sites = ", ".join(f"{k} {v:,}" for k, v in size["candidate_sites"].items())
    hot = size["hotspot_weight_share"]
    lines = [f"{source}: valid",
             f"  line             {size['line_km']:,.1f} km as drawn{ref}"]
    if size.get("line_file_outside_config"):
        lines.append(f"  line file        {size['line_file_outside_config']} (outside the config's folder)")
    lines += [f"  zones            {zones}"]
    for k, b in (size.get("bands") or {}).items():
        lines.append(f"  cells of zone    {k}: cover {pct(b['covered_share'])} of its true band ({b['band_km2']:,.1f} km2); "
                     f"{pct(b['overlap_share'])} of their area overlaps where the line bends")
    if scales(size):
        lines.append(f"  costs            {line_scale(size)}")
    lines += [
              f"  cells            {size['cells']:,}",
              f"  candidate sites  {sites}",
              f"  matrix nonzeros  {size['matrix_nonzeros']:,}"]
    if hot is not None:
        lines.append(f"  at hotspots      {100 * hot:.1f}% of violations")
    if size.get("outages"):
        on = ", ".join(f"{k} {pct(v)} of the time" if v > 0 else f"{k} off" for k, v in size["outages"].items())
        rows = f" ({size['rows']:,} rows: cells by outage state)" if size["rows"] > size["cells"] else ""
        lines.append(f"  outages          {on}{rows}")
    lines.append(f"  budget           ${size['budget_usd']:,.0f} a year")
    if size.get("scenarios"):
        applied = f" (applied: {', '.join(size['variants'])})" if size.get("variants") else ""
        lines.append(f"  scenarios        {', '.join(size['scenarios'])}{applied}")
    return "\n".join(lines) + "\n"


def evaluate_text(res: dict) -> str:
    """What `monitor evaluate` prints: whether the plan keeps the budget and caps, then its figures."""
    doc = {"metrics": res["metrics"], "cost": res["cost"], "budget_usd": res["budget_usd"], "solver": None}
    rows = summary_rows(doc)
    width = max(len(k) for k, _ in rows)
    head = f"{res['plan']} on {res['scenario']}: " + ("keeps the budget and caps" if res["feasible"]
                                                       else "BREAKS " + "; ".join(res["problems"]))
    return "\n".join([head] + [f"  {k:<{width}}  {v}" for k, v in rows]) + "\n"


def bound_meaning(sv: dict) -> str:
    """One line on what plan.json's solver bound proves, and what proved it."""
    if sv.get("bound") is None:
        return "no bound"
    by = f" ({sv['bound_from']})" if sv.get("bound_from") else ""
    name = sv.get("objective_name")
    if name == "worst_segment":
        return f"no plan within the budget and caps lifts its worst segment above {pct(sv['bound'])}{by}"
    what = "detects and verifies" if name == "verified" else "detects"
    return f"no plan within the budget and caps {what} more than {pct(sv['bound'])}{by}"
