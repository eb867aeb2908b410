"""The scenario file's schema: pydantic models, frozen, unknown keys forbidden.

Each field is documented by the docstring under it (the README's key table is made from
them, see `monitor/model/keys.py`). Types and ranges are checked here, field by field;
what needs the whole file (shares that sum to 1, names that refer to each other, a line
that does not cross itself) is checked in `monitor/model/checks.py`, and reading a file
with its overrides is `monitor/model/load.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

SIDES = ("A", "B")
KINDS = ("sensor", "drone", "patrol", "satellite", "inspection")
SECTOR_KINDS = ("satellite", "inspection")  # a unit covers a stretch of the line (sector_km), not a disc
Kind = Literal["sensor", "drone", "patrol", "satellite", "inspection"]


class StrictModel(BaseModel):
    """The base of every table: frozen, unknown keys forbidden, no NaN or infinity."""

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
# A name is used in output paths (out/<scenario>, baselines/<name>.json): no separators, no "..", no leading dot
Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class LineConfig(StrictModel):
    geojson: str | None = None
    """GeoJSON file (LineString, or a FeatureCollection whose first feature is one), relative to the config."""
    coordinates: list[tuple[Lon, Lat]] | None = None
    """The line inline, as [lon, lat] pairs in WGS84."""
    reference_length_km: Positive | None = None
    """Length of the real line when the drawn one is simplified; densities are also given per km of it."""
    side_names: tuple[str, str] | None = None
    """Names of side A (left of the line's direction) and side B (right); the GeoJSON's left_side/right_side by default."""


class Zone(StrictModel):
    name: Name
    """Zone name, referred to by violation classes."""
    inner_km: NonNegative = 0.0
    """Distance from the line where the band starts, on each side."""
    outer_km: Positive
    """Distance from the line where the band ends, on each side."""
    sides: list[Side] = ["A", "B"]
    """Sides the band lies on."""
    cell_km: Positive | None = None
    """Cell length along the line in this zone; grid.cell_km by default (a wide limitation zone can take coarser cells)."""
    row_km: Positive | None = None
    """Cell depth across the line in this zone; the zone's cell_km if it sets one, else grid.row_km, by default."""


DEFAULT_DMZ = Zone(name="dmz", inner_km=0.0, outer_km=8.047 / 2)  # 5 miles wide: Kavanagh, Defense Priorities 2025


class Grid(StrictModel):
    cell_km: Positive = 1.0
    """Cell length along the line."""
    row_km: Positive | None = None
    """Cell depth across the line (rows are spread evenly over each zone); cell_km by default."""
    max_cells: Annotated[int, Field(ge=1, strict=True)] = 2_000_000
    """Refuse a scenario predicted to have more cells than this, before building it (memory guard)."""
    max_nonzeros: Annotated[int, Field(ge=1, strict=True)] = 30_000_000
    """Refuse a scenario predicted to have more (cell, site) pairs in reach than this: about 100 bytes each at peak."""


class ViolationClass(StrictModel):
    name: Name
    """Class name (letters, digits, _ . -)."""
    share: Probability
    """Share of all violations that are of this class."""
    duration_h: Positive
    """How long one violation lasts (and can be seen)."""
    zones: list[Name] | None = None
    """Zones where it counts; all zones by default."""
    p_detect: dict[Kind, Probability]
    """Probability that one pass, look or inspection (or a sensor in range) of each asset kind notices it; 0 for a kind left out."""
    verify_within_h: Positive | None = None
    """Hours from the alert within which a verifier must reach the violation for it to count as verified; duration_h by default (the evidence lasts about as long as the violation)."""

    @property
    def verify_window_h(self) -> float:
        """verify_within_h, or duration_h when the file leaves it out."""
        return self.duration_h if self.verify_within_h is None else self.verify_within_h


class Violations(StrictModel):
    per_year: NonNegative
    """Expected violations a year, for `detected_per_year`."""
    classes: list[ViolationClass] = Field(min_length=1)
    """The violation classes; their shares sum to 1."""


class Hotspot(StrictModel):
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


class Sites(StrictModel):
    spacing_km: Positive | None = None
    """Candidate sites every spacing_km along the line, starting at half a spacing."""
    offsets_km: list[Annotated[float, Field(strict=True)]] = []
    """Signed offsets from the line for spaced sites: positive on side A, negative on side B."""
    points: list[tuple[Lon, Lat]] | None = None
    """Or a list of candidate sites as [lon, lat]."""


class AssetBase(StrictModel):
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
    operators: NonNegative = 0.0
    """Analysts and operators per unit who watch its feeds or fly it; a fraction where several units share a post."""
    operator_usd_per_year: NonNegative = 0.0
    """Yearly cost of one operator, added to the unit's yearly cost (0 where opex_usd_per_year already pays them)."""
    alert_delay_h: NonNegative = 0.0
    """Hours from the unit sensing a violation to a human seeing the alert (relay, queue, analysis)."""
    sides: list[Side] = ["A", "B"]
    """Sides where a unit may stand."""
    enters: list[Side] | None = None
    """Sides whose cells a unit may watch or visit (patrol, respond); its own side, or both if crosses_line, by default."""
    max_units: Count | None = None
    """Cap on units of this asset in a plan; none by default."""
    min_units: Count = 0
    """Units every plan must hold (a mandated force); existing units count towards it."""
    existing: list[tuple[Lon, Lat]] = []
    """Units that already stand, one per [lon, lat]: kept in every plan, each at its own site."""
    existing_in_budget: Flag = True
    """Whether the existing units' yearly cost counts against the budget (false: paid by someone else)."""
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
    zones: list[Name] | None = None
    """Zones whose cells a unit watches, searches or inspects; all zones by default."""

    @property
    def annual_usd(self) -> float:
        """Yearly cost of one unit: capex written off over its lifetime, running cost, and its operators."""
        return self.capex_usd / self.lifetime_years + self.opex_usd_per_year + self.operators * self.operator_usd_per_year

    def entered_sides(self, site_side: str) -> list[str]:
        """Sides a unit standing on `site_side` may watch or visit."""
        if self.enters is not None:
            return list(self.enters)
        return list(SIDES) if getattr(self, "crosses_line", False) else [site_side]

    def verify_reach_km(self, window_h: float) -> float:
        """How far a verifier gets within window_h of the alert (0 for units that do not verify)."""
        return 0.0


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
    verifies: Flag = False
    """Whether a drone re-tasked to an alert can confirm it (flying from its base within radius_km)."""
    dispatch_h: NonNegative = 0.25
    """Hours from the alert to a drone leaving to verify it (estimate: one aircraft kept ready)."""

    @property
    def verify_speed_kmh(self) -> float:
        """Straight-line km an hour towards an alert: flight from the base."""
        return self.speed_kmh

    def verify_reach_km(self, window_h: float) -> float:
        """min(radius_km, verify_speed_kmh x (window_h - dispatch_h))."""
        if not self.verifies:
            return 0.0
        return min(self.radius_km, self.verify_speed_kmh * max(window_h - self.dispatch_h, 0.0))

    @property
    def flight_hours_per_day(self) -> float:
        return self.endurance_h * self.sorties_per_day

    @property
    def sweep_km2_per_day(self) -> float:
        """S = speed x swath x flight hours a day x availability (docs/model.md)."""
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
    verifies: Flag = True
    """Whether the team answers alerts and confirms violations on the spot (a mission's core job)."""
    dispatch_h: NonNegative = 0.5
    """Hours from the alert to the team leaving its site (estimate: a duty pair on standby)."""
    road_factor: Annotated[float, Field(ge=1, strict=True)] = 1.4
    """Road distance over straight-line distance (estimate: published circuity factors run 1.2-1.6, higher in broken country)."""

    @property
    def verify_speed_kmh(self) -> float:
        """Straight-line km an hour towards an alert: response_speed_kmh / road_factor, by road."""
        return self.response_speed_kmh / self.road_factor

    def verify_reach_km(self, window_h: float) -> float:
        """min(radius_km, verify_speed_kmh x (window_h - dispatch_h)): the team's sector, as far as
        the roads take it in time."""
        if not self.verifies:
            return 0.0
        return min(self.radius_km, self.verify_speed_kmh * max(window_h - self.dispatch_h, 0.0))

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
        """S = patrols a day x patrol length x view width (docs/model.md)."""
        return self.patrols_per_day * self.patrol_km * self.view_width_km * self.availability


class SectorAsset(AssetBase):
    """A unit whose region is a stretch of the line, not a circle: a satellite tasking contract or an
    inspection team. Its cells are those of its zones within sector_km / 2 along the line of its site."""

    sector_km: Positive
    """Length of line whose zone cells one unit covers, centred on its site (sites.spacing_km tiles the line)."""
    radius_km: Positive | None = None
    """Half of sector_km, filled in: the unit's reach along the line (not a circle)."""
    crosses_line: Flag = True
    """Whether it covers cells on both sides of the line (imagery needs no consent; inspections by agreement)."""

    @model_validator(mode="after")
    def _half_sector(self) -> "SectorAsset":
        if self.radius_km is None:
            object.__setattr__(self, "radius_km", self.sector_km / 2)  # frozen: set once, here
        return self


class SatelliteAsset(SectorAsset):
    kind: Literal["satellite"]
    """satellite: imagery of a sector of the line on a revisit cycle (a constellation or an imagery contract)."""
    revisit_h: Positive
    """Hours between looks at a point of the sector (the constellation's revisit, or the contract's tasking)."""
    usable_share: Probability = 1.0
    """Share of looks that give usable imagery: the cloud-free share for optical, 1 for radar."""
    area_km2_per_day: Positive
    """Area the unit can have imaged a day; a sector larger than revisit_h / 24 days of it is looked at less often."""
    price_usd_per_km2: NonNegative = 0.0
    """Price of one km2 imaged; area_km2_per_day x 365 of it is added to the yearly cost (0 where opex pays a subscription)."""

    @property
    def annual_usd(self) -> float:
        """Yearly cost of one unit: as for every asset, plus the imagery bought, price x area a day x 365."""
        return super().annual_usd + self.price_usd_per_km2 * self.area_km2_per_day * 365


class InspectionAsset(SectorAsset):
    kind: Literal["inspection"]
    """inspection: a team that inspects its sector of the zones on a fixed cycle, for violations that persist."""
    cycle_days: Positive
    """Days between inspections of each part of the sector."""

    @property
    def cycle_h(self) -> float:
        return 24 * self.cycle_days


Asset = Annotated[Union[SensorAsset, DroneAsset, PatrolAsset, SatelliteAsset, InspectionAsset],
                  Field(discriminator="kind")]


class Budget(StrictModel):
    annual_usd: Positive
    """Yearly budget: the sum over units of capex / lifetime + opex."""
    max_observers: Count | None = None
    """Cap on observers over all assets; none by default."""
    max_side_gap: Probability | None = None
    """Largest difference allowed between the two sides' scores (the objective's, each as a share of that side's violations): both sides watched alike; none by default."""


class MetricsConfig(StrictModel):
    segment_km: Positive = 10.0
    """Length of the segments for the worst-segment metric."""
    target_detection: Probability = 0.5
    """Detection a stretch of line must reach to count as covered."""
    losses: Annotated[int, Field(ge=0, le=50, strict=True)] = 3
    """Report detection after the worst 1..losses units lost (0: none)."""


class ObjectiveConfig(StrictModel):
    name: Literal["detection", "verified", "worst_segment"] = "detection"
    """What solvers maximise: detection (violations seen), verified (seen, and reached by a verifier in time) or worst_segment (the least watched segment's share, by measure)."""
    measure: Literal["detection", "verified"] = "detection"
    """What worst_segment scores each segment by: detection or verified."""
    per_class: bool = False
    """worst_segment over each (segment, class) pair rather than over segments, all classes weighed together."""
    every_cell_seen: bool = True
    """With worst_segment: only plans that leave no cell where violations happen unseen by every unit (a violator could pick it)."""
    min_segment_detection: Probability = 0.0
    """Every segment (of metrics.segment_km) must reach this share of its violations, scored as the objective is (detection, or verified); 0 by default: no constraint."""


class Outage(StrictModel):
    name: Name
    """Outage name (a jammer, a weather state, a strike)."""
    share_of_time: Probability
    """Share of the time the outage is on: the chance a violation happens under it (it lasts the whole violation)."""
    assets: list[Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    """Assets that fail, by name or by kind (sensor, drone, patrol): their units see, and verify, nothing in the region."""
    from_km: NonNegative | None = None
    """Start of the stretch of line it covers (km along the line); with to_km. Neither, nor a point: the whole line."""
    to_km: Positive | None = None
    """End of the stretch (km along the line)."""
    lon: Lon | None = None
    """Centre of a circular region (WGS84), with lat and radius_km, instead of a stretch."""
    lat: Lat | None = None
    """Latitude of the centre."""
    radius_km: Positive | None = None
    """Radius of the circular region: cells whose centroid lies within it."""
    source: str = ""
    """Where the figures come from, or the word estimate."""


class Uncertain(StrictModel):
    key: Annotated[str, Field(min_length=1)]
    """A dotted key whose figure is an estimate (items by name: assets.ift.radius_km)."""
    low: Annotated[float, Field(strict=False)]
    """Lowest plausible value."""
    high: Annotated[float, Field(strict=False)]
    """Highest plausible value."""
    distribution: Literal["uniform", "triangular", "loguniform"] = "uniform"
    """How draws spread between low and high: uniform, triangular (with mode) or loguniform (low > 0)."""
    mode: float | None = None
    """The most likely value, for a triangular distribution; the file's value by default."""
    reason: str = ""
    """One line on why the range is what it is."""


class Scenario(StrictModel):
    name: Name
    """Scenario name (used for the default output folder)."""
    description: str = ""
    """Free text."""
    seed: Annotated[int, Field(ge=0, le=2**31 - 1, strict=True)] = 0
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
    """Sensors, drones, patrol teams, satellite imagery and inspection teams: [[assets]], each with kind = sensor | drone | patrol | satellite | inspection."""
    budget: Budget
    """The yearly budget and the observer cap: [budget]."""
    metrics: MetricsConfig = MetricsConfig()
    """Settings of the plan metrics: [metrics]."""
    objective: ObjectiveConfig = ObjectiveConfig()
    """What solvers maximise: [objective]."""
    uncertain: list[Uncertain] = []
    """Ranges of estimated figures, for `monitor sensitivity`: [[uncertain]]."""
    outages: list[Outage] = []
    """Correlated failures, each on a share of the time: [[outages]]; scores are expectations over their states."""

    # Filled by load_scenario, not by the file.
    source: str = Field(default="<memory>", exclude=True)
    base_dir: str = Field(default=".", exclude=True)
    variants: list[str] = Field(default=[], exclude=True)  # the named scenarios applied, in order
    _line: tuple | None = PrivateAttr(default=None)  # (lon/lat points, properties), read once (model/linefile.py)
    _scenarios: dict = PrivateAttr(default_factory=dict)  # the file's [scenarios.NAME] tables, by name

    @property
    def label(self) -> str:
        """The name with the named scenarios applied: `ukraine-2025+short-towers`; also the default output folder."""
        return self.name + "".join(f"+{v}" for v in self.variants)

    def zone_grid(self, z: Zone) -> tuple[float, float]:
        """(cell_km along, row_km across) of a zone's cells: its own, else the grid's."""
        if z.cell_km is None:
            return self.grid.cell_km, z.row_km or self.grid.row_km or self.grid.cell_km
        return z.cell_km, z.row_km or z.cell_km

    def asset(self, name: str) -> AssetBase:
        return next(a for a in self.assets if a.name == name)

    def p_detect(self, asset: AssetBase, cls: ViolationClass) -> float:
        """Probability that one pass of `asset` notices a violation of `cls`."""
        return asset.p_detect.get(cls.name, cls.p_detect.get(asset.kind, 0.0))

    def line_path(self) -> Path | None:
        return None if self.line.geojson is None else Path(self.base_dir) / self.line.geojson


def json_schema() -> dict:
    """The JSON Schema of a scenario file, from the pydantic schema: the loader's own fields left out,
    the [scenarios] tables (which the loader takes out before validation) put in."""
    doc = Scenario.model_json_schema()
    for internal in ("source", "base_dir", "variants"):
        doc.get("properties", {}).pop(internal, None)
    doc["properties"]["scenarios"] = {
        "type": "object", "description": "Named scenarios: tables of dotted keys that override the rest of the file, "
        "applied with --scenario NAME.", "additionalProperties": {"type": "object"}}
    doc["title"] = "monitor scenario"
    return doc
