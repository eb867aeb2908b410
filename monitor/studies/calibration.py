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

from dataclasses import dataclass

import numpy as np

from ..errors import InputError, Problem
from ..model.build import ScenarioModel
from ..model.comments import key_comments
from ..model.hazards import zone_mask
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


@dataclass
class _Force:
    """The force's numbers that several figures share."""

    model: ScenarioModel
    force: bl.Baseline
    ai: int
    ref_km: float
    drawn_km: float
    zone_km2: float
    teams: int
    observers: int
    patrols: float
    patrol_km: float
    swept_km2: float
    area_in_km2: float
    passes_in: float

    @classmethod
    def of(cls, model: ScenarioModel, force: bl.Baseline) -> "_Force":
        s, cells = model.scenario, model.cells
        ai = [a.name for a in s.assets].index(force.asset)
        a = s.assets[ai]
        teams = int(force.units.sum())
        patrols = teams * a.patrols_per_day
        patrol_km = patrols * a.patrol_km
        inst = model.instance
        per_hour = inst.fold(np.asarray(inst.B @ np.where(model.sites.asset == ai, force.units, 0).astype(float)))
        reached = per_hour > 0
        area_in = float(cells.area_km2[reached].sum())
        passes_in = float(24 * (cells.area_km2 * per_hour)[reached].sum() / area_in) if area_in > 0 else 0.0
        watched = zone_mask(model.scenario, a, cells.zone)  # the zones the teams patrol (all by default)
        zone_km2 = float(cells.area_km2.sum() if watched is None else cells.area_km2[watched].sum())
        return cls(model, force, ai, bl.reference_km(model), model.geometry.length_km, zone_km2,
                   teams, teams * a.observers, patrols, patrol_km, patrol_km * a.view_width_km * a.availability,
                   area_in, passes_in)

    @property
    def asset(self):
        return self.model.scenario.assets[self.ai]


class _Rows:
    """The figures as rows: value, unit, densities per km, formula, parameters and their sources."""

    def __init__(self, f: _Force, comments: dict[str, str]):
        self.f, self.comments, self.rows = f, comments, []
        self.key = f"assets[{f.asset.name}]"

    def p(self, name: str, value) -> tuple[str, object]:
        return (f"{self.key}.{name}", value)

    def add(self, name, value, unit, formula, params=(), sources=(), density=True):
        ref, drawn = self.f.ref_km, self.f.drawn_km
        self.rows.append({"figure": name, "value": value, "unit": unit,
                          "per_km_reference": value / ref if density else None,
                          "per_km_line": value / drawn if density else None, "formula": formula,
                          "parameters": {k: v for k, v in params},
                          "sources": list(sources) + _sources(params, self.comments)})


def _figures(model: ScenarioModel, force: bl.Baseline, comments: dict[str, str]) -> dict:
    f = _Force.of(model, force)
    r = _Rows(f, comments)
    _force_rows(r)
    _effort_rows(r)
    _detection_rows(r)
    return _document(f, r.rows)


def _force_rows(r: _Rows) -> None:
    """Observers, teams, and patrols a day: from UNIIMOG's density to the force placed."""
    f, a, s = r.f, r.f.asset, r.f.model.scenario
    ref_key = "line.reference_length_km" if s.line.reference_length_km else "the line as drawn"
    uni = bl.UNIIMOG_SOURCES
    target = bl.uniimog_observers(f.ref_km)
    r.add("observers (target)", target, "observers",
          f"{bl.UNIIMOG_OBSERVERS} / {bl.UNIIMOG_LINE_KM:,.0f} km x {f.ref_km:,.1f} km ({ref_key})",
          [("line.reference_length_km", s.line.reference_length_km)], [uni["observers"], uni["line_km"]])
    r.add("teams", f.teams, "teams",
          f"round({target:,.1f} / {a.observers} observers a team), at least 1, evenly spaced over "
          f"{int((f.model.sites.asset == f.ai).sum())} candidate sites" + "".join(f"; {n}" for n in f.force.notes),
          [r.p("observers", a.observers), r.p("max_units_per_site", a.max_units_per_site),
           r.p("max_units", a.max_units), ("budget.max_observers", s.budget.max_observers)])
    r.add("observers", f.observers, "observers", f"{f.teams} teams x {a.observers}", [r.p("observers", a.observers)])
    if a.duty_share is not None:  # then patrols_per_day = observers x duty_share / observers_per_patrol
        r.add("observers on patrol a day", f.observers * a.duty_share, "observers",
              f"{f.observers} x duty_share {a.duty_share:g}", [r.p("duty_share", a.duty_share)])
        r.add("patrols a day", f.patrols, "patrols",
              f"{f.observers} x {a.duty_share:g} / {a.observers_per_patrol} observers a patrol "
              f"({f.teams} teams x {a.patrols_per_day:g})",
              [r.p("duty_share", a.duty_share), r.p("observers_per_patrol", a.observers_per_patrol)])
    else:
        r.add("patrols a day", f.patrols, "patrols", f"{f.teams} teams x patrols_per_day {a.patrols_per_day:g}",
              [r.p("patrols_per_day", a.patrols_per_day)])


def _effort_rows(r: _Rows) -> None:
    """Patrol km and hours, km2 swept, passes per km of line, the zone in reach and its passes."""
    f, a = r.f, r.f.asset
    km, drawn, ref = f.patrol_km, f.drawn_km, f.ref_km
    r.add("patrol km a day", km, "km", f"{f.patrols:g} x patrol_km {a.patrol_km:g}", [r.p("patrol_km", a.patrol_km)])
    r.add("patrol hours a day", km / a.speed_kmh, "h", f"{km:,.0f} km / speed_kmh {a.speed_kmh:g}",
          [r.p("speed_kmh", a.speed_kmh)])
    r.add("km2 swept a day", f.swept_km2, "km2",
          f"{km:,.0f} km x view_width_km {a.view_width_km:g} x availability {a.availability:g}",
          [r.p("view_width_km", a.view_width_km), r.p("availability", a.availability)])
    r.add("passes per km of line a day", km / drawn, "passes",
          f"{km:,.0f} patrol km / {drawn:,.1f} km as drawn ({km / ref:.2f} per km of {ref:,.0f} km)", density=False)
    reach = f"{f.area_in_km2:,.0f} of {f.zone_km2:,.0f} km2 within radius_km {a.radius_km:g} of a team"
    r.add("share of the zone in reach", f.area_in_km2 / f.zone_km2, "share",
          reach if a.crosses_line else reach + ", on its own side",
          [r.p("radius_km", a.radius_km), r.p("crosses_line", a.crosses_line)], density=False)
    r.add("passes a day of a point in reach", f.passes_in, "passes",
          "24 x sum of the teams' lambda = S / (24 A_j) (docs/model.md), area-weighted over the zone in reach",
          density=False)


def _detection_rows(r: _Rows) -> None:
    """Detection per class and overall, and the yearly cost."""
    f, a, s, m = r.f, r.f.asset, r.f.model.scenario, r.f.force.metrics
    for c in s.violations.classes:
        pd = s.p_detect(a, c)
        r.add(f"detection: {c.name}", m["by_class"][c.name], "share",
              f"1 - exp(-passes x duration_h {c.duration_h:g} / 24 x p {pd:g}), weighted over the class's cells",
              [(f"violations.classes[{c.name}].duration_h", c.duration_h),
               (f"{r.key}.p_detect.{c.name}" if c.name in a.p_detect else
                f"violations.classes[{c.name}].p_detect.patrol", pd)], density=False)
    r.add("detection", m["detection"], "share", "sum over classes of share x detection",
          [(f"violations.classes[{c.name}].share", c.share) for c in s.violations.classes], density=False)
    r.add("yearly cost", m["annual_usd"], "USD", f"{f.teams} teams x ${a.annual_usd:,.0f} (capex / lifetime + opex)",
          [r.p("capex_usd", a.capex_usd), r.p("lifetime_years", a.lifetime_years),
           r.p("opex_usd_per_year", a.opex_usd_per_year)])


def _document(f: _Force, rows: list[dict]) -> dict:
    s, a, m = f.model.scenario, f.asset, f.force.metrics
    drawn, ref = f.drawn_km, f.ref_km
    notes = list(f.force.notes)
    if abs(drawn / ref - 1) > 0.05:
        notes.append(f"the drawn line is {drawn / ref:.0%} of the reference length: teams sized on {ref:,.0f} km "
                     f"stand {ref / drawn:.2f} times closer on the drawn line than on the real one")
    scaled = bl.UNIIMOG_PATROLS_PER_DAY / bl.UNIIMOG_LINE_KM * ref
    return {
        "scenario": s.name, "config": s.source, "asset": a.name,
        "line_km": drawn, "reference_length_km": ref, "reference_given": s.line.reference_length_km is not None,
        "zone_km2": f.zone_km2,
        "observers": f.observers, "teams": f.teams,
        "observers_on_patrol_per_day": None if a.duty_share is None else f.observers * a.duty_share,
        "patrols_per_day": f.patrols, "patrol_km_per_day": f.patrol_km, "patrol_hours_per_day": f.patrol_km / a.speed_kmh,
        "sweep_km2_per_day": f.swept_km2, "passes_per_line_km_per_day": f.patrol_km / drawn,
        "zone_share_in_reach": f.area_in_km2 / f.zone_km2, "passes_per_day_in_reach": f.passes_in,
        "detection": m["detection"], "by_class": m["by_class"], "detected_per_year": m["detected_per_year"],
        "worst_segment": m["worst_segment"], "annual_cost_usd": m["annual_usd"],
        "duty_share": a.duty_share, "duty_share_implied": f.patrols * a.observers_per_patrol / f.observers,
        "uniimog": {"observers": bl.UNIIMOG_OBSERVERS, "patrols_per_day": bl.UNIIMOG_PATROLS_PER_DAY,
                    "line_km": bl.UNIIMOG_LINE_KM, "annual_usd": bl.UNIIMOG_ANNUAL_USD,
                    "duty_share": bl.UNIIMOG_PATROLS_PER_DAY * a.observers_per_patrol / bl.UNIIMOG_OBSERVERS,
                    "patrols_per_day_scaled": scaled, "sources": bl.UNIIMOG_SOURCES},
        "uniimog_equivalent_budget_usd": bl.uniimog_equivalent_budget_usd(ref),
        "figures": rows, "notes": notes, "placements": placements(f.model, f.force.units),
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




