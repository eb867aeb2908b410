"""The [[assets]] tables of the scenario schema: candidate sites and the five asset kinds (sensor, drone,
patrol, satellite, inspection), each a pydantic model with its derived figures (see `schema.py`)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, model_validator

from .fields import SIDES, Count, Flag, Lat, Lon, Name, NonNegative, Positive, Probability, Side, StrictModel


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
    """Zones whose cells a unit watches, searches or inspects; all zones by default (a verifier still answers alerts in every zone it reaches)."""

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
    radius_km: Positive | None = Field(default=None, exclude=True)
    """Half of sector_km, filled in: the unit's reach along the line (not a circle); left out of dumps, so a
    scenario re-read with another sector_km (an override, a sensitivity draw) fills it in again."""
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
