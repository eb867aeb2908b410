"""Benchmark scenarios built from a size and a seed, plus the bundled configs.

A synthetic line is a seeded random walk heading east with gentle turns (so it never
crosses itself), drawn in km and placed near 48N 30E. Sizes follow issue 3: 200, 965 and
2,000 km lines with 2, 1 and 0.5 km cells. Two kinds of scenario on such a line:

- `mixed`: the Ukraine config's four assets, classes and budget per km, with a few seeded
  hotspots, so the exact solver meets the same structure as on configs/ukraine-2025.toml;
- `yesno`: the maximal covering location problem (every p = 1, one sensor kind of unit
  cost, `p` of them), for the comparison with spopt's MCLP and HiGHS. 965 km at 1 km
  cells gives the issue's "Ukraine size": 7,720 cells and 1,930 candidate sites.

Every figure here that is not copied from configs/ukraine-2025.toml is an estimate chosen
for benchmarking only.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from monitor.model.load import load_scenario, validate_scenario
from monitor.model.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ["toy", "uniimog-1988", "ukraine-2025"]
SIZES = {"200km": (200.0, 2.0), "965km": (965.0, 1.0), "2000km": (2000.0, 0.5)}
KM_PER_DEG = 111.32  # km per degree of latitude (WGS84 mean), for placing the synthetic line
UKRAINE_LINE_KM = 965.0  # reference length of configs/ukraine-2025.toml, for budget per km


@dataclass(frozen=True)
class Spec:
    """One benchmark case: a builder in this module and its arguments (picklable, for subprocesses)."""

    name: str
    builder: str  # "config", "mixed" or "yesno"
    args: tuple

    def scenario(self) -> Scenario:
        return globals()[self.builder](*self.args)


def wiggly_line(length_km: float, seed: int, step_km: float = 5.0) -> list[list[float]]:
    """A seeded random walk of `length_km` heading east (turns within +-45 degrees), as [lon, lat]."""
    rng = np.random.default_rng(seed)
    steps = max(int(np.ceil(length_km / step_km)), 2)
    heading = np.clip(np.cumsum(rng.normal(0.0, 0.25, steps)), -np.pi / 4, np.pi / 4)
    step = length_km / steps
    x = np.concatenate([[0.0], np.cumsum(step * np.cos(heading))])
    y = np.concatenate([[0.0], np.cumsum(step * np.sin(heading))])
    lat0, lon0 = 48.0, 30.0
    lat = lat0 + y / KM_PER_DEG
    lon = lon0 + x / (KM_PER_DEG * np.cos(np.radians(lat0)))
    return np.round(np.column_stack([lon, lat]), 6).tolist()


def _hotspots(line: list[list[float]], seed: int, count: int) -> list[dict]:
    rng = np.random.default_rng(seed + 1)
    pts = np.asarray(line)[rng.choice(len(line), size=count, replace=False)]
    return [{"name": f"h{k}", "lon": float(lon), "lat": float(lat), "radius_km": 12.0, "factor": 10.0}
            for k, (lon, lat) in enumerate(pts)]


def mixed(length_km: float, cell_km: float, seed: int = 0) -> Scenario:
    """The Ukraine config's assets and classes on a synthetic line, budget in proportion to length."""
    base = tomllib.loads((ROOT / "configs" / "ukraine-2025.toml").read_text(encoding="utf-8"))
    line = wiggly_line(length_km, seed)
    raw = {k: v for k, v in base.items() if k not in ("line", "hotspots", "grid", "budget", "name", "description",
                                                     "scenarios", "uncertain")}  # those name the real line's items
    raw.update(name=f"mixed-{length_km:g}km-{cell_km:g}km-s{seed}",
               description="synthetic wiggly line with the Ukraine config's assets (benchmark)",
               line={"coordinates": line}, grid={"cell_km": cell_km},
               hotspots=_hotspots(line, seed, count=max(2, int(length_km // 250))),
               budget={"annual_usd": base["budget"]["annual_usd"] * length_km / UKRAINE_LINE_KM})
    return validate_scenario(raw, source=f"<benchmark {raw['name']}>", base_dir=str(ROOT / "configs"))


def yesno(length_km: float = 965.0, cell_km: float = 1.0, seed: int = 0, p: int = 40,
          radius_km: float = 10.0) -> Scenario:
    """Maximal covering: one sensor kind, p = 1, unit yearly cost, budget p, sites every cell_km on both sides."""
    line = wiggly_line(length_km, seed)
    raw = {
        "name": f"yesno-{length_km:g}km-{cell_km:g}km-p{p}-s{seed}",
        "description": "maximal covering location problem on a synthetic line (benchmark)",
        "seed": seed,
        "line": {"coordinates": line},
        "grid": {"cell_km": cell_km},
        "violations": {"per_year": 1, "classes": [{"name": "any", "share": 1.0, "duration_h": 1.0,
                                                   "p_detect": {"sensor": 1.0}}]},
        "hotspots": _hotspots(line, seed, count=max(2, int(length_km // 100))),
        "assets": [{"name": "post", "kind": "sensor", "capex_usd": 0.0, "lifetime_years": 1.0,
                    "opex_usd_per_year": 1.0, "radius_km": radius_km, "availability": 1.0,
                    "sites": {"spacing_km": cell_km, "offsets_km": [2.0, -2.0]}}],
        "budget": {"annual_usd": float(p)},
    }
    return validate_scenario(raw, source=f"<benchmark {raw['name']}>", base_dir=str(ROOT / "configs"))


def config(name: str, cell_km: float | None = None, objective: str | None = None, scenarios: tuple = ()) -> Scenario:
    """A bundled config, at another cell size, scored by another objective ("verified", "worst_segment")
    or with its named scenarios applied, if given."""
    overrides = {k: v for k, v in (("grid.cell_km", cell_km), ("objective.name", objective)) if v is not None}
    return load_scenario(ROOT / "configs" / f"{name}.toml", overrides or None, scenarios=scenarios)


def all_specs(smoke: bool = False, seed: int = 0) -> list[Spec]:
    """The smoke set (smallest size only), or every size and config."""
    if smoke:
        return [Spec("toy", "config", ("toy",)), Spec("toy-verified", "config", ("toy", None, "verified")),
                Spec("toy-worst", "config", ("toy", None, "worst_segment")),
                Spec("mixed-200km", "mixed", (200.0, 2.0, seed)), Spec("yesno-200km", "yesno", (200.0, 2.0, seed, 10))]
    out = [Spec(c, "config", (c,)) for c in CONFIGS]
    out += [Spec(f"{c}-verified", "config", (c, None, "verified")) for c in ("uniimog-1988", "ukraine-2025")]
    out += [Spec("ukraine-2025-worst", "config", ("ukraine-2025", None, "worst_segment")),
            Spec("ukraine-2025-contested", "config", ("ukraine-2025", None, None, ("contested",)))]
    out += [Spec(f"mixed-{k}", "mixed", (L, c, seed)) for k, (L, c) in SIZES.items()]
    out += [Spec(f"yesno-{k}", "yesno", (L, c, seed, max(10, int(L / 25)))) for k, (L, c) in SIZES.items()]
    return out
