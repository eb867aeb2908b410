"""Scenario files: the pydantic schema, and `load_scenario`, which reads a TOML file.

Every model is frozen and forbids unknown keys. Validation happens in two passes:
pydantic checks types and ranges field by field; `_check_semantics` then checks what
needs the whole file (shares that sum to 1, names that refer to each other, a line that
does not cross itself, a budget that buys at least one unit). Every problem becomes a
`ConfigError` that names the file, the key path and the value, so the CLI can print one
line per problem and exit with status 2 before anything is written.
"""

from __future__ import annotations

import json
import math
import tomllib
from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SIDES = ("A", "B")
KINDS = ("sensor", "drone", "patrol")


class ConfigError(Exception):
    """One or more problems in an input file; each line names file, key path and value."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def problem(file: str | Path, key: str, value: object, message: str) -> str:
    """Format one problem as `file: key = value: message` (the value shown as TOML would)."""
    return f"{file}: {key} = {_show(value)}: {message}"


def _show(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return repr(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, use_attribute_docstrings=True)


# Strict numbers: TOML gives real numbers, so a string or a boolean where a number belongs
# is a mistake to report, not to convert (a TOML integer is still a valid float).
Positive = Annotated[float, Field(gt=0, strict=True)]
Probability = Annotated[float, Field(ge=0, le=1, strict=True)]
NonNegative = Annotated[float, Field(ge=0, strict=True)]
Lon = Annotated[float, Field(ge=-180, le=180, strict=True)]
Lat = Annotated[float, Field(ge=-90, le=90, strict=True)]
Count = Annotated[int, Field(ge=0, strict=True)]
Flag = Annotated[bool, Field(strict=True)]
Side = Literal["A", "B"]
Name = Annotated[str, Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")]


class LineConfig(Model):
    geojson: str | None = None
    """GeoJSON file (LineString, or a FeatureCollection whose first feature is one), relative to the config."""
    coordinates: list[tuple[Lon, Lat]] | None = None
    """The line inline, as [lon, lat] pairs in WGS84."""
    reference_length_km: Positive | None = None
    """Length of the real line when the drawn one is simplified; densities are also given per km of it."""
    side_names: tuple[str, str] | None = None
    """Names of side A (left of the line's direction) and side B (right); the GeoJSON's left_side/right_side by default."""


class Zone(Model):
    name: Name
    """Zone name, referred to by violation classes."""
    inner_km: NonNegative = 0.0
    """Distance from the line where the band starts, on each side."""
    outer_km: Positive
    """Distance from the line where the band ends, on each side."""
    sides: list[Side] = ["A", "B"]
    """Sides the band lies on."""


DEFAULT_DMZ = Zone(name="dmz", inner_km=0.0, outer_km=8.047 / 2)  # 5 miles wide: Kavanagh, Defense Priorities 2025


class Grid(Model):
    cell_km: Positive = 1.0
    """Cell length along the line."""
    row_km: Positive | None = None
    """Cell depth across the line (rows are spread evenly over each zone); cell_km by default."""


class ViolationClass(Model):
    name: Name
    """Class name (letters, digits, _ . -)."""
    share: Probability
    """Share of all violations that are of this class."""
    duration_h: Positive
    """How long one violation lasts (and can be seen)."""
    zones: list[Name] | None = None
    """Zones where it counts; all zones by default."""
    p_detect: dict[Literal["sensor", "drone", "patrol"], Probability]
    """Probability that one pass (or a sensor in range) of each asset kind notices it."""


class Violations(Model):
    per_year: NonNegative
    """Expected violations a year, for `detected_per_year`."""
    classes: list[ViolationClass] = Field(min_length=1)
    """The violation classes; their shares sum to 1."""


class Hotspot(Model):
    name: Name
    """Hotspot name."""
    lon: Lon
    """Longitude of its centre (WGS84)."""
    lat: Lat
    """Latitude of its centre (WGS84)."""
    radius_km: Positive
    """Cells whose centroid is within this distance are affected."""
    factor: Positive
    """Multiplier on the base rate of cells within radius_km."""
    classes: list[Name] | None = None
    """Classes it applies to; all by default."""


class Sites(Model):
    spacing_km: Positive | None = None
    """Candidate sites every spacing_km along the line, starting at half a spacing."""
    offsets_km: list[Annotated[float, Field(strict=True)]] = []
    """Signed offsets from the line for spaced sites: positive on side A, negative on side B."""
    points: list[tuple[Lon, Lat]] | None = None
    """Or a list of candidate sites as [lon, lat]."""


class AssetBase(Model):
    name: Name
    """Asset name, used in plans."""
    capex_usd: NonNegative
    """Purchase cost of one unit."""
    lifetime_years: Positive
    """Years over which the purchase is written off in the yearly cost."""
    opex_usd_per_year: NonNegative
    """Running cost of one unit a year (staff, maintenance, losses)."""
    observers: Count = 0
    """Observers per unit (counted against budget.max_observers)."""
    operators: Count = 0
    """Other staff per unit (operators, technicians)."""
    sides: list[Side] = ["A", "B"]
    """Sides where a unit may stand."""
    max_units: Count | None = None
    """Cap on units of this asset in a plan; none by default."""
    max_units_per_site: Annotated[int, Field(ge=1, strict=True)] = 1
    """Cap on units at one candidate site."""
    sites: Sites
    """Where candidate sites are."""
    p_detect: dict[Name, Probability] = {}
    """Per-class overrides of the class's p_detect for this asset's kind."""
    radius_km: Positive
    """Sensor range, or operating radius of a drone base or team site."""
    availability: Probability = 1.0
    """Share of the time the unit works (uptime, weather)."""

    @property
    def annual_usd(self) -> float:
        """Yearly cost of one unit: capex written off over its lifetime plus running cost."""
        return self.capex_usd / self.lifetime_years + self.opex_usd_per_year


class SensorAsset(AssetBase):
    kind: Literal["sensor"]
    """sensor: watches all the time within radius_km."""
    crosses_line: Flag = True
    """Whether it sees cells on the other side of the line."""


class DroneAsset(AssetBase):
    kind: Literal["drone"]
    """drone: a drone system flying from a base, searching within radius_km."""
    speed_kmh: Positive
    """Cruise speed while searching."""
    endurance_h: Positive
    """Flight time of one sortie."""
    sorties_per_day: Positive
    """Sorties a day per unit."""
    swath_km: Positive
    """Width of ground its sensor watches."""
    crosses_line: Flag = True
    """Whether it flies over the other side of the line."""

    @property
    def flight_hours_per_day(self) -> float:
        return self.endurance_h * self.sorties_per_day

    @property
    def sweep_km2_per_day(self) -> float:
        """S = speed x swath x flight hours a day x availability (DESIGN.md)."""
        return self.speed_kmh * self.swath_km * self.flight_hours_per_day * self.availability


class PatrolAsset(AssetBase):
    kind: Literal["patrol"]
    """patrol: a team of observers at a team site, patrolling within radius_km."""
    patrols_per_day: Positive | None = None
    """Patrols the team runs a day; if left out, derived from its observers: observers x duty_share / observers_per_patrol."""
    observers_per_patrol: Annotated[int, Field(ge=1)] = 2
    """Observers on one patrol: 2 of different nationalities, plus a host liaison officer not counted here (a Norwegian UNIIMOG observer's memoir)."""
    duty_share: Probability | None = None
    """Share of the team's observers out on patrol on an average day, the rest being on leave, in rotation, resting or keeping the team site."""
    patrol_km: Positive
    """Length of one patrol."""
    view_width_km: Positive
    """Width of the strip a patrol watches."""
    speed_kmh: Positive
    """Patrol speed, for patrol hours."""
    response_speed_kmh: Positive
    """Travel speed when answering a reported violation."""
    crosses_line: Flag = False
    """Ground observers stay on their own side by default."""

    @model_validator(mode="after")
    def _derive_patrols(self) -> "PatrolAsset":
        """Fill patrols_per_day from the observers when the file leaves it out (checked in _check_semantics)."""
        if self.patrols_per_day is None and self.patrols_from_observers:
            object.__setattr__(self, "patrols_per_day", self.patrols_from_observers)  # frozen: set once, here
        return self

    @property
    def patrols_from_observers(self) -> float | None:
        """observers x duty_share / observers_per_patrol: patrols a day the team's observers can man; none without duty_share."""
        if self.duty_share is None:
            return None
        return self.observers * self.duty_share / self.observers_per_patrol

    @property
    def sweep_km2_per_day(self) -> float:
        """S = patrols a day x patrol length x view width (DESIGN.md)."""
        return self.patrols_per_day * self.patrol_km * self.view_width_km * self.availability


Asset = Annotated[Union[SensorAsset, DroneAsset, PatrolAsset], Field(discriminator="kind")]


class Budget(Model):
    annual_usd: Positive
    """Yearly budget: the sum over units of capex / lifetime + opex."""
    max_observers: Count | None = None
    """Cap on observers over all assets; none by default."""


class MetricsConfig(Model):
    segment_km: Positive = 10.0
    """Length of the segments for the worst-segment metric."""
    target_detection: Probability = 0.5
    """Detection a stretch of line must reach to count as covered."""


class Scenario(Model):
    name: Name
    """Scenario name (used for the default output folder)."""
    description: str = ""
    """Free text."""
    seed: Count = 0
    """Random seed, for the parts of the tool that draw random numbers."""
    line: LineConfig
    """The line: [line]."""
    zones: list[Zone] = Field(default=[DEFAULT_DMZ], min_length=1)
    """Bands along the line: [[zones]]. Default: a 5-mile (8.047 km) DMZ, half on each side (Kavanagh 2025)."""
    grid: Grid = Grid()
    """Cell sizes: [grid]."""
    violations: Violations
    """What is to be detected: [violations] and [[violations.classes]]."""
    hotspots: list[Hotspot] = []
    """Places where violations concentrate: [[hotspots]]."""
    assets: list[Asset] = Field(min_length=1)
    """Sensors, drones and patrol teams: [[assets]], each with kind = sensor | drone | patrol."""
    budget: Budget
    """The yearly budget and the observer cap: [budget]."""
    metrics: MetricsConfig = MetricsConfig()
    """Settings of the plan metrics: [metrics]."""

    # Filled by load_scenario, not by the file.
    source: str = Field(default="<memory>", exclude=True)
    base_dir: str = Field(default=".", exclude=True)

    def asset(self, name: str) -> AssetBase:
        return next(a for a in self.assets if a.name == name)

    def p_detect(self, asset: AssetBase, cls: ViolationClass) -> float:
        """Probability that one pass of `asset` notices a violation of `cls`."""
        return asset.p_detect.get(cls.name, cls.p_detect.get(asset.kind, 0.0))

    def line_path(self) -> Path | None:
        return None if self.line.geojson is None else Path(self.base_dir) / self.line.geojson


def load_scenario(path: str | Path, overrides: dict | None = None) -> Scenario:
    """Read and validate a scenario file; raise ConfigError listing every problem found.

    `overrides` maps dotted keys to values (for example {"budget.annual_usd": 5e6}) and
    is applied before validation, so an override is checked like the file itself.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the file: {exc.strerror or exc}"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    try:
        return validate_scenario(_apply(raw, overrides), source=str(path), base_dir=str(path.parent))
    except ConfigError as exc:
        raise _label_overrides(exc, str(path), overrides) from None


def with_overrides(s: Scenario, overrides: dict | None) -> Scenario:
    """A copy of a scenario with dotted-key overrides, validated again."""
    if not overrides:
        return s
    return validate_scenario(_apply(s.model_dump(), overrides), source=s.source, base_dir=s.base_dir)


def _label_overrides(exc: ConfigError, source: str, overrides: dict | None) -> ConfigError:
    """Say when a rejected value came from an override (a command-line flag), not from the file."""
    lines = []
    for line in exc.problems:
        for key in overrides or {}:
            head = f"{source}: {key} = "
            if line.startswith(head):
                value, _, rest = line[len(head):].partition(": ")
                line = f"{head}{value} (an override, not from the file): {rest}"
        lines.append(line)
    return ConfigError(lines)


def _apply(raw: dict, overrides: dict | None) -> dict:
    for key, value in (overrides or {}).items():
        node = raw
        *parents, leaf = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return raw


def validate_scenario(raw: dict, source: str = "<memory>", base_dir: str = ".") -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML)."""
    for reserved in ("source", "base_dir"):
        if reserved in raw:
            raise ConfigError([problem(source, reserved, raw[reserved], "unknown key")])
    try:
        scenario = Scenario.model_validate({**raw, "source": source, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError([_format_error(source, raw, e) for e in exc.errors()]) from None
    problems = _check_semantics(scenario)
    if problems:
        raise ConfigError(problems)
    return scenario


def _format_error(source: str, raw: dict, err: dict) -> str:
    """Turn a pydantic error into `file: key.path = value: message`, naming list items by their name."""
    parts: list[str] = []
    node: object = raw
    for loc in err["loc"]:
        if loc == "[key]":
            continue  # pydantic's marker for a bad dict key; the key itself is the previous part
        if isinstance(loc, int):
            item = node[loc] if isinstance(node, list) and loc < len(node) else None
            label = item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{label}]" if isinstance(label, str) else f"[{loc}]")
            node = item
        elif isinstance(node, dict) and loc not in node and loc in KINDS and node.get("kind") == loc:
            continue  # the discriminator's tag, not a key of the file
        else:
            parts.append(("." if parts else "") + str(loc))
            node = node.get(loc) if isinstance(node, dict) else None
    key = "".join(parts) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        return f"{source}: {key}: required key is missing"
    if kind == "extra_forbidden":
        return problem(source, key, err["input"], "unknown key")
    message = err["msg"]
    message = message[0].lower() + message[1:]
    if kind == "finite_number":
        message = "must be a finite number (NaN and infinity are not allowed)"
    return problem(source, key, err["input"], message)


def _check_semantics(s: Scenario) -> list[str]:
    """Checks that need more than one field; each names its key path."""
    from shapely.geometry import LineString

    from .geometry import read_line_lonlat

    out: list[str] = []
    src = s.source

    # The line: exactly one source, at least two points, simple.
    line = s.line
    if (line.geojson is None) == (line.coordinates is None):
        out.append(problem(src, "line", "geojson and coordinates", "give exactly one of line.geojson or line.coordinates"))
    else:
        try:
            coords, _ = read_line_lonlat(s)
        except ConfigError as exc:
            out.extend(exc.problems)
            coords = None
        if coords is not None:
            key = "line.coordinates" if line.coordinates is not None else "line.geojson"
            if len(coords) < 2:
                out.append(problem(src, key, coords, "a line needs at least two points"))
            elif not LineString(coords).is_simple:
                out.append(problem(src, key, line.geojson or coords, "the line crosses itself"))
            elif LineString(coords).length == 0:
                out.append(problem(src, key, coords, "the line has zero length"))

    # Zones: unique names, inner < outer, no overlap on a side.
    zone_names = [z.name for z in s.zones]
    out += _duplicates(src, "zones", zone_names)
    for z in s.zones:
        if z.inner_km >= z.outer_km:
            out.append(problem(src, f"zones[{z.name}].inner_km", z.inner_km, f"must be below outer_km ({z.outer_km})"))
    for side in SIDES:
        bands = sorted((z.inner_km, z.outer_km, z.name) for z in s.zones if side in z.sides)
        for (_, o1, n1), (i2, _, n2) in zip(bands, bands[1:]):
            if i2 < o1:
                out.append(problem(src, f"zones[{n2}].inner_km", i2, f"overlaps zone '{n1}' on side {side}"))

    # Violation classes: unique names, shares sum to 1, zones exist.
    classes = s.violations.classes
    class_names = [c.name for c in classes]
    out += _duplicates(src, "violations.classes", class_names)
    total = sum(c.share for c in classes)
    if abs(total - 1.0) > 1e-6:
        out.append(problem(src, "violations.classes.share", round(total, 9), "shares must sum to 1"))
    for c in classes:
        for z in c.zones or []:
            if z not in zone_names:
                out.append(problem(src, f"violations.classes[{c.name}].zones", z, f"no such zone (zones: {', '.join(zone_names)})"))

    # Hotspots: classes exist.
    for h in s.hotspots:
        for c in h.classes or []:
            if c not in class_names:
                out.append(problem(src, f"hotspots[{h.name}].classes", c, "no such violation class"))

    # Assets: unique names, sites given one way, overrides name real classes.
    out += _duplicates(src, "assets", [a.name for a in s.assets])
    for a in s.assets:
        key = f"assets[{a.name}]"
        sites = a.sites
        if (sites.spacing_km is None) == (sites.points is None):
            out.append(problem(src, f"{key}.sites", sites.model_dump(exclude_defaults=True), "give exactly one of spacing_km or points"))
        if sites.spacing_km is not None:
            if not sites.offsets_km:
                out.append(problem(src, f"{key}.sites.offsets_km", [], "give at least one offset with spacing_km"))
            for o in sites.offsets_km:
                if not math.isfinite(o):
                    out.append(problem(src, f"{key}.sites.offsets_km", o, "must be a finite number"))
                elif o == 0:
                    out.append(problem(src, f"{key}.sites.offsets_km", o, "an offset of 0 is on the line, on neither side"))
        for c in a.p_detect:
            if c not in class_names:
                out.append(problem(src, f"{key}.p_detect.{c}", a.p_detect[c], "no such violation class"))
        if not a.sides:
            out.append(problem(src, f"{key}.sides", [], "an asset needs at least one side"))
        if a.kind == "patrol":
            derived = a.patrols_from_observers
            if "patrols_per_day" not in a.model_fields_set and not derived:
                out.append(f"{src}: {key}.patrols_per_day: required key is missing "
                           "(or give duty_share, with observers > 0, to derive it)")
            elif "patrols_per_day" in a.model_fields_set and derived is not None \
                    and not math.isclose(a.patrols_per_day, derived, rel_tol=1e-9):
                out.append(problem(src, f"{key}.duty_share", a.duty_share,
                                   f"gives {derived:g} patrols a day (observers x duty_share / observers_per_patrol), "
                                   f"not patrols_per_day = {a.patrols_per_day:g}; give one of the two"))
        if a.kind == "sensor" and a.radius_km < s.grid.cell_km / 2:
            out.append(problem(src, f"{key}.radius_km", a.radius_km,
                               f"is below half a cell ({s.grid.cell_km / 2:g} km): the sensor would be credited "
                               f"with whole cells; use grid.cell_km <= {2 * a.radius_km:g}"))

    # Budget: buys at least one unit.
    if s.assets:
        cheapest = min(s.assets, key=lambda a: a.annual_usd)
        if s.budget.annual_usd < cheapest.annual_usd:
            out.append(problem(src, "budget.annual_usd", s.budget.annual_usd,
                               f"is below the cheapest unit ({cheapest.name}: {cheapest.annual_usd:,.0f} USD a year)"))
    return out


def _duplicates(src: str, key: str, names: list[str]) -> list[str]:
    seen, out = set(), []
    for n in names:
        if n in seen:
            out.append(problem(src, f"{key}[{n}].name", n, "the name is used twice"))
        seen.add(n)
    return out
