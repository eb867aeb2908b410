"""The simulation's outputs: simulation.json, simulation.md, and the text `monitor simulate` prints,
with the explanation of how scheduled detection differs from the analytic figure.
"""

from __future__ import annotations

from pathlib import Path

from .files import dumps, write_files
from .text import pct


def _ci(x: dict) -> str:
    if x["simulated"] is None:
        return "n/a"
    return f"{pct(x['simulated'])} ({100 * x['ci_low']:.2f}-{100 * x['ci_high']:.2f}%)"


def _yes(x) -> str:
    return "n/a" if x is None else "yes" if x else "NO"


def _hours(x) -> str:
    return "n/a" if x is None else f"{x:.2f} h"


def result_rows(res: dict) -> list[tuple[str, str, str, str]]:
    """(figure, simulated with 95% CI, analytic, analytic inside the CI) for one summarised sample."""
    rows = [("detection", _ci(res["detection"]), pct(res["detection"]["analytic"]),
             _yes(res["detection"]["analytic_inside_ci"]))]
    rows += [(f"class {k}", _ci(v), pct(v["analytic"]), _yes(v["analytic_inside_ci"]))
             for k, v in res["by_class"].items()]
    rows += [(f"side {k}", _ci(v), pct(v["analytic"]), _yes(v["analytic_inside_ci"]))
             for k, v in res["by_side"].items()]
    t = res["time_to_detection_h"]
    mean = "n/a" if t["mean"] is None else f"{t['mean']:.2f} h ({t['ci_low']:.2f}-{t['ci_high']:.2f})"
    rows.append(("mean time to detection", mean, _hours(t["analytic_mean"]), _yes(t.get("analytic_inside_ci"))))
    q = t["quantiles"]
    if q["p50"] is not None:
        rows.append(("time to detection p10 / p50 / p90", f"{q['p10']:.2f} / {q['p50']:.2f} / {q['p90']:.2f} h",
                     "n/a", ""))
        rows.append(("detected at once (by sensors)", pct(t["share_at_once"]), "n/a", ""))
    return rows


def explanation(doc: dict) -> list[str]:
    """Why scheduled detection differs from the analytic one, in sentences built from the figures."""
    D, R = doc["detection"], doc["random_search_same_violations"]["detection"]
    P, E = doc["passes"], doc["schedule"]
    if D["simulated"] is None:
        return ["No violation was drawn."]
    diff = 100 * (D["simulated"] - D["analytic"])
    out = [f"Scheduled detection is {_ci(D)}, {abs(diff):.2f} points {'below' if diff < 0 else 'above'} the "
           f"analytic {pct(D['analytic'])}. On the same violations random search gives {_ci(R)}, which "
           + ("contains the analytic value: the difference is the schedule's, not sampling noise."
              if R["analytic_inside_ci"] else "does not contain the analytic value (see random-search mode).")]
    if P.get("violations", 0) == 0:
        return out + ["No violation falls where patrols or drones reach, so their schedule changes nothing."]
    xr, xs = P["random_search_mean_passes"], P["schedule_mean_passes"]
    ar, as_ = P["random_search_passed_share"], P["schedule_passed_share"]
    view, when = P["schedule_in_view_share"], P["schedule_passed_share_in_view"]
    ratio = lambda a, b: pct(a / b if b else None)  # noqa: E731
    out.append(f"Effort: the routes run {E['route_km_per_day']:,.0f} km a day, "
               f"{ratio(E['route_km_in_zones_per_day'], E['route_km_per_day'])} of it inside the zones (the rest "
               f"is the way between the site and the zone), and sweep {E['swept_km2_in_zones_per_day']:,.0f} km2 a "
               f"day there (km x view width): {ratio(E['swept_km2_in_zones_per_day'], E['model_sweep_km2_per_day'])}"
               f" of the {E['model_sweep_km2_per_day']:,.0f} km2 a day that the analytic model credits (its sweep S "
               "before availability, which both apply alike).")
    out.append(f"Where and when: {pct(P['share_in_reach'])} of violations fall where patrols or drones reach. "
               f"Random search may pass any of them at any hour: it passes a violation {xr:.2f} times on average "
               f"while it lasts, and at least once {pct(ar)} of the time. The routes repeat every day: "
               f"{pct(view)} of these violations lie within half a view width of a route at all, and of those "
               f"{pct(when)} are passed while they last (the routes pass a place only at the hours they are "
               f"scheduled); so the routes pass a violation {xs:.2f} times on average, and at least once "
               f"{pct(as_)} of the time.")
    # as / ar = (xs / xr) * (fs / fr) = view * (when / ar): effort times spread, or places times hours.
    hours = when / ar if when is not None and ar > 0 else None
    text = f"So the routes reach {ratio(as_, ar)} as many violations as random search."
    if xs > 0 and xr > 0:
        fs, fr = as_ / xs, ar / xr
        spread = round(fs / fr, 3)
        text += (f" By effort and spread: {xs / xr:.3f} times the passes, times {spread:.3f} for how well they "
                 f"spread (the share of passes that are the first to pass a violation: {fs:.3f} on the routes, "
                 f"{fr:.3f} in random search; " + (
                     "the schedule's passes fall again and again on the same violations, where random search "
                     "spreads them over every place and hour)." if spread < 1 else
                     "the planned sweep wastes fewer passes on violations already passed than random search, "
                     "which passes some several times and others never)." if spread > 1 else
                     "they spread as well as random search's)."))
    if hours is not None:
        text += (f" By place and time: a factor {view:.3f} for the places the routes pass, times {hours:.3f} "
                 "for when they pass them" + (" (their passes bunch in the hours when patrols and drones are out)."
                                              if hours < 1 else " (where they pass, they pass more evenly in "
                                              "time than random search)."))
    out.append(text)
    by = doc["by_class"]
    worst = max(by, key=lambda k: -1 if by[k]["simulated"] is None else abs(by[k]["simulated"] - by[k]["analytic"]))
    c = P["by_class"][worst]
    if c.get("violations"):
        out.append(f"The class that differs most is {worst}: analytic {pct(by[worst]['analytic'])}, scheduled "
                   f"{pct(by[worst]['simulated'])}; it is passed {c['random_search_mean_passes']:.2f} times on "
                   f"average by random search and {c['schedule_mean_passes']:.2f} times by the routes, at least once "
                   f"{pct(c['random_search_passed_share'])} and {pct(c['schedule_passed_share'])} of the time.")
    return out


def _head(doc: dict) -> str:
    n = f"{doc['violations']:,} violations" + (" (Poisson count)" if doc["violations_poisson"] else "")
    return (f"{doc['scenario']}: {n} simulated over {doc['days']:g} days, mode {doc['mode']}, seed {doc['seed']}, "
            f"{doc['seconds']:.1f} s")


def _horizon(doc: dict) -> str:
    h = doc["detected_in_horizon"]
    if h["simulated"] is None:
        return "n/a"
    return (f"{h['simulated']:,.1f} ({h['ci_low']:,.1f}-{h['ci_high']:,.1f}) of "
            f"{doc['expected_violations_in_horizon']:,.1f} expected in {doc['days']:g} days; "
            f"analytic {h['analytic']:,.1f}")


def summary_text(doc: dict) -> str:
    """What `monitor simulate` prints."""
    rows = [("figure", "simulated (95% CI)", "analytic", "inside")] + result_rows(doc)
    w = [max(len(r[k]) for r in rows) for k in range(4)]
    lines = [_head(doc)] + [f"  {a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d}".rstrip() for a, b, c, d in rows]
    lines.append(f"  detected: {_horizon(doc)}")
    if doc["mode"] == "schedule":
        e = doc["schedule"]
        lines.append(f"  schedule: {e['patrols_per_day']} patrols a day ({e['patrol_km_per_day']:,.0f} km), "
                     f"{e['sorties_per_day']} drone sorties a day ({e['drone_km_per_day']:,.0f} km)")
        lines += [""] + explanation(doc)
    return "\n".join(lines) + "\n"


def report_md(doc: dict) -> str:
    """simulation.md: the same figures as Markdown tables, and in schedule mode the explanation."""
    lines = [f"# Simulation: {doc['scenario']}", "", _head(doc) + ".", "",
             "| figure | simulated (95% CI) | analytic | analytic inside CI |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in result_rows(doc)]
    lines += ["", f"Detected: {_horizon(doc)}.", ""]
    if doc["mode"] == "schedule":
        e = doc["schedule"]
        lines += ["## Schedule against the analytic model", "",
                  f"{e['patrols_per_day']} patrols a day ({e['patrol_km_per_day']:,.0f} km, "
                  f"{e['patrol_hours_per_day']:,.1f} h) and {e['sorties_per_day']} drone sorties a day "
                  f"({e['drone_km_per_day']:,.0f} km, {e['drone_hours_per_day']:,.1f} h).", ""]
        lines += ["\n\n".join(explanation(doc)), "", "### Random search on the same violations", "",
                  "| figure | simulated (95% CI) | analytic | analytic inside CI |", "|---|---|---|---|"]
        lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in result_rows(doc["random_search_same_violations"])]
        lines += ["", "### Passes while a violation lasts, where patrols or drones reach", "",
                  "| class | violations | random search: mean passes | passed at least once | "
                  "schedule: mean passes | passed at least once |", "|---|---|---|---|---|---|"]
        for k, c in [("all", doc["passes"])] + list(doc["passes"]["by_class"].items()):
            if c.get("violations"):
                lines.append(f"| {k} | {c['violations']:,} | {c['random_search_mean_passes']:.3f} | "
                             f"{pct(c['random_search_passed_share'])} | {c['schedule_mean_passes']:.3f} | "
                             f"{pct(c['schedule_passed_share'])} |")
        lines.append("")
    lines += ["## Method", "",
              "Violations start uniformly over the days, draw their class by share, their cell by weight and a "
              "point uniform in the cell, and last their class's duration. Sensors see a cell within their radius "
              "with availability x p. In random-search mode patrols and drones pass as a Poisson process at the "
              "model's rate lambda per hour, each pass seen with p: the analytic model's own assumption, so its "
              "value should fall inside the interval. In schedule mode they follow the day's routes of "
              "`monitor schedule`, repeated every day, and see a violation when a route passes within half the "
              "view width of it while it lasts, each pass with availability x p. Intervals: Wilson 95% for "
              "shares, normal 95% for means.", ""]
    return "\n".join(lines)


def write_outputs(out_dir, document: dict) -> list:
    """Write simulation.json (`document`) and simulation.md to `out_dir`; return their paths."""
    files = {"simulation.json": dumps(document), "simulation.md": report_md(document)}
    return write_files(Path(out_dir), files)
