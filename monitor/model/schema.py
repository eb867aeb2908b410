"""The scenario file's schema: pydantic models, frozen, unknown keys forbidden.

Each field is documented by the docstring under it (the README's key table is made from
them, see `monitor/model/keys.py`). Types and ranges are checked here, field by field;
what needs the whole file (shares that sum to 1, names that refer to each other, a line
that does not cross itself) is checked in `monitor/model/checks.py`, and reading a file
with its overrides is `monitor/model/load.py`. The asset tables are in `assets.py`, the
strict base model and the number types in `fields.py`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr

from .assets import (  # noqa: F401  (re-exported: the schema's tables, by one import path)
    Asset,
    AssetBase,
    DroneAsset,
    InspectionAsset,
    PatrolAsset,
    SatelliteAsset,
    SectorAsset,
    SensorAsset,
    Sites,
)
from .fields import (  # noqa: F401
    KINDS,
    SECTOR_KINDS,
    SIDES,
    Count,
    Flag,
    Kind,
    Lat,
    Lon,
    Name,
    NonNegative,
    Positive,
    Probability,
    Side,
    StrictModel,
)

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
