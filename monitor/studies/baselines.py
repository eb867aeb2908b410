"""Baseline plans, scored by the same model as any solved plan, to set a plan beside.

- `uniimog_density`: observer teams only, at UNIIMOG's density. UNIIMOG kept about 400
  observers on a line of about 1,400 km, so a line of reference length L gets

      observers = 400 / 1,400 * L,   teams = round(observers / observers per team),

  of the config's first patrol asset (or a named one). Its cost is what those teams cost,
  whatever the budget: it answers "what would UNIIMOG's force buy here".
- `uniform_<asset>`: one asset only, as many units as a yearly budget buys
  (floor(budget / yearly cost of a unit)), within the caps (max_units, units per site,
  budget.max_observers). It answers "what would the same money buy with this asset alone".

Even spread. m units over the candidate sites of one asset go to the two sides in
proportion to their sites (largest remainder); on a side with n sites in arc order, every
site gets floor(m / n) units and the r = m mod n left over go to the sites at indices
floor((k + 1/2) n / r), k = 0 .. r - 1: evenly spaced and centred on the line.

L is line.reference_length_km when given (the real line, of which the drawn one is a
simplification), else the drawn length.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ..errors import InputError, Problem
from ..model.build import ScenarioModel as Model
from ..model.instance import BUDGET_TOL
from ..model.metrics import plan_metrics

# UNIIMOG, the UN Iran-Iraq Military Observer Group (Aug 1988 - Feb 1991); docs/sources.md, "UNIIMOG".
UNIIMOG_OBSERVERS = 400  # about 400 military observers: UN peacekeeping page "UNIIMOG background"; Kavanagh, Defense Priorities, Feb 2025
UNIIMOG_PATROLS_PER_DAY = 64  # on average 64 patrols a day: Kavanagh 2025, citing the UN "UNIIMOG background" page
UNIIMOG_LINE_KM = 1400.0  # almost 900 miles, about 1,400 km: Kavanagh 2025; Swedish armed forces UNIIMOG page
UNIIMOG_ANNUAL_USD = 150e6  # about $150M a year at the start: derived, about $75M for the first 6 months (UN Chronicle; LA Times, 17 Aug 1988)

UNIIMOG_SOURCES = {
    "observers": "UNIIMOG: about 400 observers (UN 'UNIIMOG background'; Kavanagh, Defense Priorities 2025)",
    "patrols_per_day": "UNIIMOG: on average 64 patrols a day (Kavanagh 2025, citing UN 'UNIIMOG background')",
    "line_km": "UNIIMOG: a line of about 1,400 km (Kavanagh 2025; Swedish armed forces)",
    "annual_usd": "UNIIMOG: about $150M a year at the start (derived: $75M for 6 months, UN Chronicle; LA Times 17 Aug 1988)",
}


def reference_km(model: Model) -> float:
    """L: line.reference_length_km, else the length of the line as drawn."""
    return float(model.scenario.line.reference_length_km or model.geometry.length_km)


def uniimog_observers(ref_km: float) -> float:
    """Observers at UNIIMOG's density on a line of ref_km: 400 / 1,400 x ref_km."""
    return UNIIMOG_OBSERVERS / UNIIMOG_LINE_KM * ref_km


def uniimog_equivalent_budget_usd(ref_km: float) -> float:
    """UNIIMOG's yearly cost scaled by line length: $150M / 1,400 km x ref_km."""
    return UNIIMOG_ANNUAL_USD / UNIIMOG_LINE_KM * ref_km


@dataclass
class Baseline:
    """A baseline plan: units per candidate site, its metrics, and what it breaks at the budget."""

    name: str
    description: str
    asset: str
    units: np.ndarray
    metrics: dict
    problems: list[str]  # Instance.check at the budget: empty if it keeps the budget and caps
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        """One entry of plan.json's `baselines`."""
        m = self.metrics
        return {"name": self.name, "description": self.description, "asset": self.asset,
                "detection": m["detection"], "verified": m["verified"], "by_class": m["by_class"],
                "worst_segment": m["worst_segment"],
                "detected_per_year": m["detected_per_year"], "observers": m["observers"],
                "patrols_per_day": m["patrols_per_day"], "drone_flight_hours_per_day": m["drone_flight_hours_per_day"],
                "annual_cost_usd": m["annual_usd"], "capex_usd": m["capex_usd"], "units_by_asset": m["units_by_asset"],
                "feasible": not self.problems, "problems": self.problems, "notes": self.notes}


def spread(model: Model, asset_index: int, m: int) -> np.ndarray:
    """Units per candidate site: m units of one asset spread evenly over its sites (see module doc)."""
    st = model.sites
    units = np.zeros(len(st), int)
    mine = np.flatnonzero(st.asset == asset_index)
    if m <= 0 or len(mine) == 0:
        return units
    sides = [mine[st.side[mine] == k] for k in (0, 1)]
    counts = np.array([len(x) for x in sides], float)
    quota = m * counts / counts.sum()
    per_side = np.floor(quota).astype(int)
    left = m - per_side.sum()
    for k in np.argsort(-(quota - per_side), kind="stable")[:left]:
        per_side[k] += 1
    for sites_k, m_k in zip(sides, per_side):
        n = len(sites_k)
        if m_k == 0 or n == 0:
            continue
        order = sites_k[np.argsort(st.s_km[sites_k], kind="stable")]
        units[order] += m_k // n
        r = m_k % n
        units[order[((np.arange(r) + 0.5) * n / r).astype(int)]] += 1
    return units


def unit_cap(model: Model, asset_index: int) -> tuple[int, str]:
    """Most units of one asset the caps allow (sites x max_units_per_site, max_units, max_observers), and which cap."""
    s = model.scenario
    a = s.assets[asset_index]
    n_sites = int((model.sites.asset == asset_index).sum())
    caps = {f"{n_sites} candidate sites x max_units_per_site {a.max_units_per_site}": n_sites * a.max_units_per_site}
    if a.max_units is not None:
        caps[f"assets[{a.name}].max_units"] = a.max_units
    if s.budget.max_observers is not None and a.observers > 0:
        caps[f"budget.max_observers {s.budget.max_observers} / {a.observers} observers a unit"] = \
            s.budget.max_observers // a.observers
    key = min(caps, key=caps.get)
    return int(caps[key]), key


def _score(model: Model, name: str, description: str, asset_index: int, m: int, notes: list[str],
           budget_usd: float) -> Baseline:
    units = spread(model, asset_index, m)
    problems = replace(model.instance, budget_usd=budget_usd).check(units)
    return Baseline(name=name, description=description, asset=model.scenario.assets[asset_index].name,
                    units=units, metrics=plan_metrics(model, units), problems=problems, notes=notes)


def uniimog_density(model: Model, asset: str | None = None, budget_usd: float | None = None) -> Baseline:
    """Observer teams of a patrol asset at UNIIMOG's density, evenly spread (see module doc).

    Its cost does not depend on the budget; `problems` says whether it keeps budget_usd
    (the scenario's budget by default).

    Raises InputError (naming --asset) when the config has no patrol asset with observers.
    """
    s = model.scenario
    ai = _patrol_asset(model, asset)
    a = s.assets[ai]
    ref = reference_km(model)
    teams = max(1, round(uniimog_observers(ref) / a.observers))
    notes = []
    cap, why = unit_cap(model, ai)
    if teams > cap:
        notes.append(f"{teams} teams at UNIIMOG's density, capped at {cap} by {why}")
        teams = cap
    desc = (f"observer teams '{a.name}' only, at UNIIMOG's density ({UNIIMOG_OBSERVERS} observers per "
            f"{UNIIMOG_LINE_KM:,.0f} km) on {ref:,.0f} km: {teams} teams of {a.observers}, evenly spaced")
    budget = s.budget.annual_usd if budget_usd is None else budget_usd
    return _score(model, "uniimog_density", desc, ai, teams, notes, budget)


def _patrol_asset(model: Model, asset: str | None) -> int:
    s = model.scenario
    if asset is not None:
        names = [a.name for a in s.assets]
        if asset not in names:
            raise InputError(Problem(f"no asset named '{asset}' (assets: {', '.join(names)})", key="--asset",
                                     value=asset))
        ai = names.index(asset)
        if s.assets[ai].kind != "patrol" or s.assets[ai].observers <= 0:
            raise InputError(Problem("is not a patrol team with observers", key="--asset", value=asset))
        return ai
    for ai, a in enumerate(s.assets):
        if a.kind == "patrol" and a.observers > 0 and (model.sites.asset == ai).any():
            return ai
    raise InputError(Problem("the config has no patrol asset with observers and candidate sites", s.source, "assets"))


def uniform(model: Model, asset_index: int, budget_usd: float) -> Baseline:
    """One asset only, as many units as budget_usd buys within the caps, evenly spread."""
    a = model.scenario.assets[asset_index]
    cap, why = unit_cap(model, asset_index)
    cost = a.annual_usd
    buys = np.inf if cost <= 0 else np.floor(budget_usd * (1 + BUDGET_TOL) / cost)
    bought = int(min(cap, buys))
    notes = [f"the budget buys {buys:,.0f} units, capped at {cap} by {why}"] if buys > cap else []
    desc = (f"{a.kind} '{a.name}' only: {bought} units (${cost / 1e6:,.3f}M a year each) for "
            f"${budget_usd / 1e6:,.2f}M a year, evenly spaced")
    return _score(model, f"uniform_{a.name}", desc, asset_index, bought, notes, budget_usd)


def compare(model: Model, budget_usd: float | None = None) -> tuple[list[Baseline], list[str]]:
    """Every baseline the config allows at budget_usd (the scenario's budget by default), and notes on those skipped.

    Order: uniimog_density, then uniform_<asset> for each sensor, drone and patrol asset.
    """
    s = model.scenario
    budget = s.budget.annual_usd if budget_usd is None else budget_usd
    out, skipped = [], []
    try:
        out.append(uniimog_density(model, budget_usd=budget))
    except InputError as exc:
        skipped.append(f"uniimog_density: skipped: {exc.problems[0].message}")
    for kind, label in (("sensor", "uniform sensors"), ("drone", "uniform drones"), ("patrol", "uniform teams"),
                        ("satellite", "uniform imagery"), ("inspection", "uniform inspections")):
        assets = [k for k, a in enumerate(s.assets) if a.kind == kind]
        if not assets:
            skipped.append(f"{label}: skipped: the config has no {kind} asset")
        for ai in assets:
            a = s.assets[ai]
            if not (model.sites.asset == ai).any():
                skipped.append(f"uniform_{a.name}: skipped: no candidate sites on the sides it may use")
            elif a.annual_usd > budget:
                skipped.append(f"uniform_{a.name}: skipped: one unit costs ${a.annual_usd:,.0f} a year, "
                               f"more than the budget ${budget:,.0f}")
            else:
                out.append(uniform(model, ai, budget))
    return out, skipped


