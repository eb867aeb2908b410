"""Shared helpers: small hand-checkable scenarios on a straight line along the equator.

A line that runs east along the equator projects (local transverse Mercator) to a
straight line whose length is exact to a few parts per million, so cell areas are
1 km2 to that precision and every detection figure can be worked out by hand. Side A
is the left of the line's direction: north of an eastward line.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest

from monitor.model.build import build_model
from monitor.model.load import validate_scenario

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "configs"
TOY = CONFIGS / "toy.toml"

# km per degree of longitude on the equator: WGS84 semi-major axis 6378.137 km x pi / 180.
KM_PER_DEG = 6378.137 * math.pi / 180


def east_line(length_km: float) -> list[list[float]]:
    """A straight line of `length_km` running east along the equator from lon 0."""
    return [[0.0, 0.0], [length_km / KM_PER_DEG, 0.0]]


def one_class(name: str = "incursion", duration_h: float = 6.0, sensor: float = 0.8, drone: float = 0.5,
              patrol: float = 0.5, share: float = 1.0) -> dict:
    return {"name": name, "share": share, "duration_h": duration_h,
            "p_detect": {"sensor": sensor, "drone": drone, "patrol": patrol}}


def sensor(name: str = "tower", radius_km: float = 1.6, availability: float = 0.9, spacing_km: float = 20.0,
           offsets_km=(0.5,), **extra) -> dict:
    return {"name": name, "kind": "sensor", "capex_usd": 100_000, "lifetime_years": 10, "opex_usd_per_year": 10_000,
            "radius_km": radius_km, "availability": availability,
            "sites": {"spacing_km": spacing_km, "offsets_km": list(offsets_km)}, **extra}


def patrol(name: str = "team", radius_km: float = 3.0, patrols_per_day: float = 2, patrol_km: float = 12,
           view_width_km: float = 0.5, spacing_km: float = 20.0, offsets_km=(0.5,), **extra) -> dict:
    return {"name": name, "kind": "patrol", "capex_usd": 50_000, "lifetime_years": 5, "opex_usd_per_year": 1_000_000,
            "observers": 6, "patrols_per_day": patrols_per_day, "patrol_km": patrol_km,
            "view_width_km": view_width_km, "speed_kmh": 20, "response_speed_kmh": 40, "radius_km": radius_km,
            "sites": {"spacing_km": spacing_km, "offsets_km": list(offsets_km)}, **extra}


def drone(name: str = "uav", radius_km: float = 50.0, speed_kmh: float = 50, swath_km: float = 0.5,
          endurance_h: float = 2.0, sorties_per_day: float = 1, availability: float = 0.8,
          spacing_km: float = 20.0, offsets_km=(5.0,), **extra) -> dict:
    return {"name": name, "kind": "drone", "capex_usd": 1_000_000, "lifetime_years": 5, "opex_usd_per_year": 500_000,
            "operators": 3, "speed_kmh": speed_kmh, "endurance_h": endurance_h, "sorties_per_day": sorties_per_day,
            "swath_km": swath_km, "radius_km": radius_km, "availability": availability,
            "sites": {"spacing_km": spacing_km, "offsets_km": list(offsets_km)}, **extra}


def line_scenario(assets: list[dict], length_km: float = 20.0, outer_km: float = 1.0, cell_km: float = 1.0,
                  classes: list[dict] | None = None, budget_usd: float = 1e8, per_year: float = 100.0,
                  **extra) -> dict:
    """A scenario dict: a straight east line, one DMZ band of `outer_km` a side, cells of `cell_km`.

    With the defaults: 20 stations x 1 row x 2 sides = 40 cells of 1 km2, centred at
    s = 0.5, 1.5, ..., 19.5 km and offsets +-0.5 km.
    """
    return {
        "name": "hand",
        "line": {"coordinates": east_line(length_km), "side_names": ["North", "South"]},
        "zones": [{"name": "dmz", "inner_km": 0.0, "outer_km": outer_km}],
        "grid": {"cell_km": cell_km},
        "violations": {"per_year": per_year, "classes": classes or [one_class()]},
        "assets": assets,
        "budget": {"annual_usd": budget_usd},
        **extra,
    }


def model_of(raw: dict):
    """Validate a scenario dict and build its model."""
    return build_model(validate_scenario(copy.deepcopy(raw)))


def units_at(model, asset: str, per_site: dict[int, int]) -> np.ndarray:
    """A plan: `per_site` maps a site number of `asset` (its index within the asset) to units."""
    s, st = model.scenario, model.sites
    ai = [a.name for a in s.assets].index(asset)
    n = np.zeros(len(st), int)
    for k, units in per_site.items():
        (j,) = np.flatnonzero((st.asset == ai) & (st.index == k))
        n[j] = units
    return n


# A small valid scenario as TOML: the base that bad-input tests break one key at a time.
# 20 km east along the equator (20 / 111.3195 degrees), a DMZ of 1 km a side: 40 cells of 1 km2.
BASE_TOML = """\
name = "hand"
seed = 0

[line]
coordinates = [[0.0, 0.0], [0.179664, 0.0]]
side_names = ["North", "South"]

[[zones]]
name = "dmz"
outer_km = 1.0

[grid]
cell_km = 1.0

[violations]
per_year = 100
[[violations.classes]]
name = "incursion"
share = 0.5
duration_h = 6.0
p_detect = { sensor = 0.8, drone = 0.5, patrol = 0.5 }
[[violations.classes]]
name = "firing"
share = 0.5
duration_h = 0.5
p_detect = { sensor = 0.9, drone = 0.3, patrol = 0.8 }

[[assets]]
name = "tower"
kind = "sensor"
capex_usd = 100_000
lifetime_years = 10
opex_usd_per_year = 10_000
radius_km = 1.6
availability = 0.9
sites = { spacing_km = 5.0, offsets_km = [0.5, -0.5] }

[[assets]]
name = "team"
kind = "patrol"
capex_usd = 50_000
lifetime_years = 5
opex_usd_per_year = 1_000_000
observers = 6
patrols_per_day = 2
patrol_km = 12
view_width_km = 0.5
speed_kmh = 20
response_speed_kmh = 40
radius_km = 3.0
sites = { spacing_km = 10.0, offsets_km = [0.5, -0.5] }

[budget]
annual_usd = 1_500_000
max_observers = 12
"""


@pytest.fixture
def write_config(tmp_path):
    """Write BASE_TOML to tmp_path with text replacements {old: new}; each `old` must occur exactly once."""

    def write(replace: dict[str, str] | None = None, name: str = "scenario.toml") -> Path:
        text = BASE_TOML
        for old, new in (replace or {}).items():
            assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in BASE_TOML"
            text = text.replace(old, new)
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
