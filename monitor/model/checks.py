"""Consistency rules that need more than one field of a scenario, one function per rule.

Each rule returns the problems it finds (file, key path, value, message); `check_scenario`
runs them all, so every problem of a file is reported at once.
"""

from __future__ import annotations

import math

from shapely.geometry import LineString

from ..errors import InputError, Problem
from .linefile import line_of
from .overrides import Override, apply
from .schema import KINDS, SECTOR_KINDS, SIDES, Scenario


def check_scenario(s: Scenario) -> list[Problem]:
    """Every rule below, in order."""
    out: list[Problem] = []
    for rule in (check_distances, check_line, check_zones, check_classes, check_hotspots, check_asset_names, check_outages, check_sites,
                 check_patrols, check_sensor_radius, check_budget, check_uncertain):
        out += rule(s)
    return out


def _p(s: Scenario, key: str, value, message: str) -> Problem:
    return Problem(message, s.source, key, value)


EARTH_KM = 40_075.0  # the equator's length: no distance on a ceasefire line comes near it


def check_distances(s: Scenario) -> list[Problem]:
    """Every distance (a key ending in _km, or a list of them) is at most the Earth's circumference."""
    return [_p(s, key, value, f"is farther than the Earth's circumference ({EARTH_KM:,.0f} km)")
            for key, value in _leaves(s.model_dump(), "")
            if key.rsplit(".", 1)[-1].endswith("_km") and isinstance(value, (int, float)) and abs(value) > EARTH_KM]


def _leaves(node, key: str):
    """(key path, value) of every number or string in a dumped scenario; list items by name where named."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{key}.{k}" if key else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                name = v.get("name") if isinstance(v, dict) else None
                yield from _leaves(v, f"{key}[{name if isinstance(name, str) else i}]")
            else:
                yield key, v  # a list of values (offsets_km) keeps its key
    else:
        yield key, node


def check_line(s: Scenario) -> list[Problem]:
    """Exactly one source, at least two points, simple, of positive length."""
    line = s.line
    if (line.geojson is None) == (line.coordinates is None):
        return [_p(s, "line", "geojson and coordinates", "give exactly one of line.geojson or line.coordinates")]
    try:
        coords, _ = line_of(s)
    except InputError as exc:
        return exc.problems
    key = "line.coordinates" if line.coordinates is not None else "line.geojson"
    if len(coords) < 2:
        return [_p(s, key, coords, "a line needs at least two points")]
    if not LineString(coords).is_simple:
        return [_p(s, key, line.geojson or coords, "the line crosses itself")]
    if LineString(coords).length == 0:
        return [_p(s, key, coords, "the line has zero length")]
    return []


def check_zones(s: Scenario) -> list[Problem]:
    """Unique names, inner < outer, no overlap on a side."""
    out = _duplicates(s, "zones", [z.name for z in s.zones])
    for z in s.zones:
        if z.inner_km >= z.outer_km:
            out.append(_p(s, f"zones[{z.name}].inner_km", z.inner_km, f"must be below outer_km ({z.outer_km})"))
    for side in SIDES:
        bands = sorted((z.inner_km, z.outer_km, z.name) for z in s.zones if side in z.sides)
        for (_, o1, n1), (i2, _, n2) in zip(bands, bands[1:]):
            if i2 < o1:
                out.append(_p(s, f"zones[{n2}].inner_km", i2, f"overlaps zone '{n1}' on side {side}"))
    return out


def check_classes(s: Scenario) -> list[Problem]:
    """Unique names, shares that sum to 1, zones that exist."""
    classes = s.violations.classes
    zone_names = [z.name for z in s.zones]
    out = _duplicates(s, "violations.classes", [c.name for c in classes])
    total = sum(c.share for c in classes)
    if abs(total - 1.0) > 1e-6:
        out.append(_p(s, "violations.classes.share", round(total, 9), "shares must sum to 1"))
    for c in classes:
        for z in c.zones or []:
            if z not in zone_names:
                out.append(_p(s, f"violations.classes[{c.name}].zones", z,
                              f"no such zone (zones: {', '.join(zone_names)})"))
    return out


def check_hotspots(s: Scenario) -> list[Problem]:
    """Hotspots name classes that exist."""
    names = [c.name for c in s.violations.classes]
    return [_p(s, f"hotspots[{h.name}].classes", c, "no such violation class")
            for h in s.hotspots for c in h.classes or [] if c not in names]


MAX_OUTAGES = 8  # outages at most: a cell under k of them has up to 2^k states


def check_outages(s: Scenario) -> list[Problem]:
    """Outages name existing assets or kinds, one region each (a stretch, a circle or the whole line)."""
    names = {a.name for a in s.assets} | set(KINDS)
    out = [_p(s, f"outages[{o.name}].assets", a, f"no such asset or kind ({', '.join(KINDS)})")
           for o in s.outages for a in o.assets if a not in names]
    for o in s.outages:
        key = f"outages[{o.name}]"
        stretch = (o.from_km, o.to_km)
        circle = (o.lon, o.lat, o.radius_km)
        if any(v is not None for v in stretch) and any(v is not None for v in circle):
            out.append(_p(s, f"{key}.from_km", o.from_km, "give a stretch (from_km, to_km) or a circle "
                                                          "(lon, lat, radius_km), not both"))
        elif any(v is not None for v in stretch) and None in stretch:
            out.append(_p(s, f"{key}.from_km", o.from_km, "a stretch needs both from_km and to_km"))
        elif None not in stretch and o.to_km <= o.from_km:
            out.append(_p(s, f"{key}.to_km", o.to_km, f"must be above from_km = {o.from_km:g}"))
        elif any(v is not None for v in circle) and None in circle:
            out.append(_p(s, f"{key}.radius_km", o.radius_km, "a circle needs lon, lat and radius_km"))
    if len(s.outages) > MAX_OUTAGES:
        out.append(_p(s, "outages", len(s.outages), f"at most {MAX_OUTAGES} outages (a cell under k has 2^k states)"))
    return out + _duplicates(s, "outages", [o.name for o in s.outages])


def check_asset_names(s: Scenario) -> list[Problem]:
    """Unique asset names; p_detect overrides name classes that exist; at least one side."""
    names = [c.name for c in s.violations.classes]
    out = _duplicates(s, "assets", [a.name for a in s.assets])
    for a in s.assets:
        out += [_p(s, f"assets[{a.name}].p_detect.{c}", a.p_detect[c], "no such violation class")
                for c in a.p_detect if c not in names]
        if not a.sides:
            out.append(_p(s, f"assets[{a.name}].sides", [], "an asset needs at least one side"))
        zone_names = [z.name for z in s.zones]
        out += [_p(s, f"assets[{a.name}].zones", z, f"no such zone (zones: {', '.join(zone_names)})")
                for z in a.zones or [] if z not in zone_names]
        if a.kind in SECTOR_KINDS and "radius_km" in a.model_fields_set:
            out.append(_p(s, f"assets[{a.name}].radius_km", a.radius_km, f"a {a.kind} covers sector_km along the "
                          "line, not a radius: leave radius_km out (it is filled in as sector_km / 2)"))
    return out


def check_sites(s: Scenario) -> list[Problem]:
    """Sites given one way; spaced sites with finite, non-zero offsets."""
    out = []
    for a in s.assets:
        key, sites = f"assets[{a.name}].sites", a.sites
        if (sites.spacing_km is None) == (sites.points is None):
            out.append(_p(s, key, sites.model_dump(exclude_defaults=True), "give exactly one of spacing_km or points"))
        if sites.spacing_km is None:
            continue
        if not sites.offsets_km:
            out.append(_p(s, f"{key}.offsets_km", [], "give at least one offset with spacing_km"))
        for o in sites.offsets_km:
            if not math.isfinite(o):
                out.append(_p(s, f"{key}.offsets_km", o, "must be a finite number"))
            elif o == 0:
                out.append(_p(s, f"{key}.offsets_km", o, "an offset of 0 is on the line, on neither side"))
    return out


def check_patrols(s: Scenario) -> list[Problem]:
    """patrols_per_day given, or derived from duty_share, and not both in disagreement."""
    out = []
    for a in s.assets:
        if a.kind != "patrol":
            continue
        key, derived = f"assets[{a.name}]", a.patrols_from_observers
        if "patrols_per_day" not in a.model_fields_set and not derived:
            out.append(Problem("required key is missing (or give duty_share, with observers > 0, to derive it)",
                               s.source, f"{key}.patrols_per_day"))
        elif "patrols_per_day" in a.model_fields_set and derived is not None \
                and not math.isclose(a.patrols_per_day, derived, rel_tol=1e-9):
            out.append(_p(s, f"{key}.duty_share", a.duty_share,
                          f"gives {derived:g} patrols a day (observers x duty_share / observers_per_patrol), "
                          f"not patrols_per_day = {a.patrols_per_day:g}; give one of the two"))
    return out


def check_sensor_radius(s: Scenario) -> list[Problem]:
    """A sensor's radius is at least half a cell, or it would be credited with whole cells."""
    half = s.grid.cell_km / 2
    return [_p(s, f"assets[{a.name}].radius_km", a.radius_km,
               f"is below half a cell ({half:g} km): the sensor would be credited with whole cells; "
               f"use grid.cell_km <= {2 * a.radius_km:g}")
            for a in s.assets if a.kind == "sensor" and a.radius_km < half]


def check_budget(s: Scenario) -> list[Problem]:
    """The budget buys at least one unit."""
    if not s.assets:
        return []
    cheapest = min(s.assets, key=lambda a: a.annual_usd)
    if s.budget.annual_usd >= cheapest.annual_usd:
        return []
    return [_p(s, "budget.annual_usd", s.budget.annual_usd,
               f"is below the cheapest unit ({cheapest.name}: {cheapest.annual_usd:,.0f} USD a year)")]


def _duplicates(s: Scenario, key: str, names: list[str]) -> list[Problem]:
    seen, out = set(), []
    for n in names:
        if n in seen:
            out.append(_p(s, f"{key}[{n}].name", n, "the name is used twice"))
        seen.add(n)
    return out


def check_uncertain(s: Scenario) -> list[Problem]:
    """Each range is ordered, its mode inside it, a loguniform one above 0, and its key a number of the file
    (items by name); that the values are valid for their key is checked when a draw is made."""
    out, raw = [], s.model_dump(mode="json")
    for k, u in enumerate(s.uncertain):
        key = f"uncertain[{k}]"
        if not u.low <= u.high:
            out.append(_p(s, f"{key}.low", u.low, f"must be at most high ({u.high:g})"))
        if u.distribution == "loguniform" and u.low <= 0:
            out.append(_p(s, f"{key}.low", u.low, "must be > 0 for a loguniform range"))
        if u.mode is not None and not u.low <= u.mode <= u.high:
            out.append(_p(s, f"{key}.mode", u.mode, f"must lie in [{u.low:g}, {u.high:g}]"))
        try:
            apply(raw, [Override(u.key, u.low)], s.source)
        except InputError as exc:
            out.append(_p(s, f"{key}.key", u.key, exc.problems[0].message))
    return out
