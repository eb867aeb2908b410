"""Calibration against UNIIMOG: what a force of observer teams does on a line, figure by figure.

The force is the `uniimog_density` baseline (monitor/studies/baselines.py): teams of one patrol
asset at UNIIMOG's density, evenly spaced over its candidate sites. With L the reference
length of the line, D the drawn length and the asset's parameters:

    observers (target)  = 400 / 1,400 km x L                    UNIIMOG's density
    teams               = max(1, round(target / observers per team))   as placed (caps apply)
    observers           = teams x observers per team
    on patrol a day     = observers x duty_share                 rotation, leave, rest, site duty
    patrols a day       = teams x patrols_per_day                = on patrol / observers_per_patrol
                                                                   when patrols_per_day is derived
    patrol km a day     = patrols a day x patrol_km
    patrol hours a day  = patrol km a day / speed_kmh
    km2 swept a day     = patrol km a day x view_width_km x availability     (S, docs/model.md)
    passes per km of line a day = patrol km a day / D
    passes a day in reach = 24 sum_j n_j b[i, j], the area-weighted mean over the cells a team
                            reaches (the model's lambda x 24), and the share of the zone reached
    detection by class  = plan_metrics of the force

Densities are given per km of L and of D. Each figure names the parameters (key = value)
that produced it and their sources: the comment beside the key in the config file, or the
UNIIMOG constants of monitor/studies/baselines.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..errors import InputError, Problem
from ..model.build import ScenarioModel
from ..model.metrics import placements
from . import baselines as bl


def calibrate(model: ScenarioModel, asset: str | None = None) -> dict:
    """Derive the figures of a UNIIMOG-density force of the config's patrol asset (see module doc).

    `asset` names the patrol asset (the first patrol asset with observers by default).
    Raises InputError when the config has no such asset.
    """
    s = model.scenario
    try:
        force = bl.uniimog_density(model, asset)
    except InputError as exc:
        p = exc.problems[0]
        if asset is None:
            p = Problem(p.message, s.source, "assets", [a.name for a in s.assets])
        raise InputError(Problem(f"{p.message} (calibrate needs a patrol asset with observers)", p.file, p.key,
                                 p.value)) from None
    return _figures(model, force, key_comments(s.source))


def _figures(model: ScenarioModel, force: bl.Baseline, comments: dict[str, str]) -> dict:
    s, inst, cells = model.scenario, model.instance, model.cells
    ai = [a.name for a in s.assets].index(force.asset)
    a = s.assets[ai]
    m = force.metrics
    key = f"assets[{a.name}]"
    ref, drawn = bl.reference_km(model), model.geometry.length_km
    ref_key = "line.reference_length_km" if s.line.reference_length_km else "the line as drawn"
    zone_km2 = float(cells.area_km2.sum())
    teams = int(force.units.sum())
    observers = teams * a.observers
    patrols = teams * a.patrols_per_day
    patrol_km = patrols * a.patrol_km
    swept = patrol_km * a.view_width_km * a.availability
    per_hour = np.asarray(inst.B @ np.where(model.sites.asset == ai, force.units, 0).astype(float))
    reached = per_hour > 0
    area_in = float(cells.area_km2[reached].sum())
    passes_in = float(24 * (cells.area_km2 * per_hour)[reached].sum() / area_in) if area_in > 0 else 0.0
    derived = a.duty_share is not None  # then patrols_per_day = observers x duty_share / observers_per_patrol (config.py)

    def p(name: str, value) -> tuple[str, object]:
        return (f"{key}.{name}", value)

    uni = bl.UNIIMOG_SOURCES
    rows: list[dict] = []

    def row(name, value, unit, formula, params=(), sources=(), density=True):
        rows.append({"figure": name, "value": value, "unit": unit,
                     "per_km_reference": value / ref if density else None,
                     "per_km_line": value / drawn if density else None, "formula": formula,
                     "parameters": {k: v for k, v in params},
                     "sources": list(sources) + _sources(params, comments)})

    target = bl.uniimog_observers(ref)
    row("observers (target)", target, "observers",
        f"{bl.UNIIMOG_OBSERVERS} / {bl.UNIIMOG_LINE_KM:,.0f} km x {ref:,.1f} km ({ref_key})",
        [("line.reference_length_km", s.line.reference_length_km)], [uni["observers"], uni["line_km"]])
    row("teams", teams, "teams",
        f"round({target:,.1f} / {a.observers} observers a team), at least 1, evenly spaced over "
        f"{int((model.sites.asset == ai).sum())} candidate sites" + "".join(f"; {n}" for n in force.notes),
        [p("observers", a.observers), p("max_units_per_site", a.max_units_per_site), p("max_units", a.max_units),
         ("budget.max_observers", s.budget.max_observers)])
    row("observers", observers, "observers", f"{teams} teams x {a.observers}", [p("observers", a.observers)])
    if a.duty_share is not None:
        row("observers on patrol a day", observers * a.duty_share, "observers",
            f"{observers} x duty_share {a.duty_share:g}", [p("duty_share", a.duty_share)])
    if derived:
        row("patrols a day", patrols, "patrols",
            f"{observers} x {a.duty_share:g} / {a.observers_per_patrol} observers a patrol "
            f"({teams} teams x {a.patrols_per_day:g})",
            [p("duty_share", a.duty_share), p("observers_per_patrol", a.observers_per_patrol)])
    else:
        row("patrols a day", patrols, "patrols", f"{teams} teams x patrols_per_day {a.patrols_per_day:g}",
            [p("patrols_per_day", a.patrols_per_day)])
    row("patrol km a day", patrol_km, "km", f"{patrols:g} x patrol_km {a.patrol_km:g}", [p("patrol_km", a.patrol_km)])
    row("patrol hours a day", patrol_km / a.speed_kmh, "h", f"{patrol_km:,.0f} km / speed_kmh {a.speed_kmh:g}",
        [p("speed_kmh", a.speed_kmh)])
    row("km2 swept a day", swept, "km2",
        f"{patrol_km:,.0f} km x view_width_km {a.view_width_km:g} x availability {a.availability:g}",
        [p("view_width_km", a.view_width_km), p("availability", a.availability)])
    row("passes per km of line a day", patrol_km / drawn, "passes",
        f"{patrol_km:,.0f} patrol km / {drawn:,.1f} km as drawn ({patrol_km / ref:.2f} per km of {ref:,.0f} km)",
        density=False)
    row("share of the zone in reach", area_in / zone_km2, "share",
        f"{area_in:,.0f} of {zone_km2:,.0f} km2 within radius_km {a.radius_km:g} of a team, on its own side"
        if not a.crosses_line else f"{area_in:,.0f} of {zone_km2:,.0f} km2 within radius_km {a.radius_km:g} of a team",
        [p("radius_km", a.radius_km), p("crosses_line", a.crosses_line)], density=False)
    row("passes a day of a point in reach", passes_in, "passes",
        "24 x sum of the teams' lambda = S / (24 A_j) (docs/model.md), area-weighted over the zone in reach",
        density=False)
    for c in s.violations.classes:
        pd = s.p_detect(a, c)
        row(f"detection: {c.name}", m["by_class"][c.name], "share",
            f"1 - exp(-passes x duration_h {c.duration_h:g} / 24 x p {pd:g}), weighted over the class's cells",
            [(f"violations.classes[{c.name}].duration_h", c.duration_h),
             (f"{key}.p_detect.{c.name}" if c.name in a.p_detect else f"violations.classes[{c.name}].p_detect.patrol", pd)],
            density=False)
    row("detection", m["detection"], "share", "sum over classes of share x detection",
        [(f"violations.classes[{c.name}].share", c.share) for c in s.violations.classes], density=False)
    row("yearly cost", m["annual_usd"], "USD",
        f"{teams} teams x ${a.annual_usd:,.0f} (capex / lifetime + opex)",
        [p("capex_usd", a.capex_usd), p("lifetime_years", a.lifetime_years), p("opex_usd_per_year", a.opex_usd_per_year)])

    notes = list(force.notes)
    if abs(drawn / ref - 1) > 0.05:
        notes.append(f"the drawn line is {drawn / ref:.0%} of the reference length: teams sized on {ref:,.0f} km "
                     f"stand {ref / drawn:.2f} times closer on the drawn line than on the real one")
    scaled = bl.UNIIMOG_PATROLS_PER_DAY / bl.UNIIMOG_LINE_KM * ref
    return {
        "scenario": s.name, "config": s.source, "asset": a.name,
        "line_km": drawn, "reference_length_km": ref, "reference_given": s.line.reference_length_km is not None,
        "zone_km2": zone_km2,
        "observers": observers, "teams": teams,
        "observers_on_patrol_per_day": None if a.duty_share is None else observers * a.duty_share,
        "patrols_per_day": patrols, "patrol_km_per_day": patrol_km, "patrol_hours_per_day": patrol_km / a.speed_kmh,
        "sweep_km2_per_day": swept, "passes_per_line_km_per_day": patrol_km / drawn,
        "zone_share_in_reach": area_in / zone_km2, "passes_per_day_in_reach": passes_in,
        "detection": m["detection"], "by_class": m["by_class"], "detected_per_year": m["detected_per_year"],
        "worst_segment": m["worst_segment"], "annual_cost_usd": m["annual_usd"],
        "duty_share": a.duty_share, "duty_share_implied": patrols * a.observers_per_patrol / observers,
        "uniimog": {"observers": bl.UNIIMOG_OBSERVERS, "patrols_per_day": bl.UNIIMOG_PATROLS_PER_DAY,
                    "line_km": bl.UNIIMOG_LINE_KM, "annual_usd": bl.UNIIMOG_ANNUAL_USD,
                    "duty_share": bl.UNIIMOG_PATROLS_PER_DAY * a.observers_per_patrol / bl.UNIIMOG_OBSERVERS,
                    "patrols_per_day_scaled": scaled, "sources": uni},
        "uniimog_equivalent_budget_usd": bl.uniimog_equivalent_budget_usd(ref),
        "figures": rows, "notes": notes, "placements": placements(model, force.units),
    }


def _sources(params, comments: dict[str, str]) -> list[str]:
    """The config's comment beside each parameter, or where its value came from when there is none."""
    out = []
    for k, v in params:
        if v is None:
            continue
        note = comments.get(k)
        if note is None and ".p_detect." in k:  # p_detect is an inline table: its comment is on its line
            note = comments.get(k.rsplit(".", 1)[0])
        out.append(f"{k} = {_show(v)}: {note}" if note else f"{k} = {_show(v)}: schema default or no comment in the file")
    return out


def _show(v) -> str:
    """A value as TOML writes it: 9375000, 0.32, false."""
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:g}"
    return str(v)


_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$")


def key_comments(path: str | Path) -> dict[str, str]:
    """The comment beside each `key = value` of a TOML file, by key path (assets[team].patrol_km).

    Items of arrays of tables are named by their `name` key, as in error messages. A file
    that cannot be read gives no comments (the figures then say so).
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, str] = {}
    table, array, block = "", False, {}

    def flush():
        label = block.get("name", ("", ""))[0].strip('"\'')
        prefix = f"{table}[{label}]." if array else (f"{table}." if table else "")
        for k, (_, c) in block.items():
            if c:
                out[prefix + k] = c

    for line in lines:
        h = _HEADER.match(line)
        if h:
            flush()
            table, array, block = h.group(2), h.group(1) == "[[", {}
            continue
        k = _KEY.match(line)
        if k:
            value, comment = _split_comment(k.group(2))
            block[k.group(1)] = (value.strip(), comment)
    flush()
    return out


def _split_comment(text: str) -> tuple[str, str]:
    """(value, comment) of the rest of a `key = value  # comment` line; quotes are respected."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return text[:i], text[i + 1:].strip()
    return text, ""


