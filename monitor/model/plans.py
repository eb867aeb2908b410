"""Reading a plan back (plan.json, or its content): units per candidate site, checked against
the scenario it is scored on.

A plan names its scenario (and the named scenarios applied), a hash of the resolved config,
and for each placement the asset, the site number, the units and the site's lon/lat:

- a plan of another scenario is an InputError (one line), a changed config a warning;
- a placement is placed at its lon/lat when it has them: at the asset's nearest candidate
  site within SNAP_KM (a warning names each placement that moves from its site number, as
  after a hand edit or a change of the site spacing), refused beyond;
- a placement without lon/lat is placed by its site number.
"""

from __future__ import annotations

import hashlib
import json
import logging

import numpy as np
from scipy.spatial import cKDTree

from ..errors import InputError, Problem
from .build import ScenarioModel
from .schema import Scenario

MAX_UNITS = 1_000_000  # units of one placement at most: far above any cap, far below int64's range
SNAP_KM = 1.0  # a placement's lon/lat may lie this far from a candidate site of its asset
log = logging.getLogger(__name__)


def config_hash(s: Scenario) -> str:
    """SHA-256 of the resolved scenario (every key after overrides, but the seed, the ranges and the
    objective) and the line's points."""
    from .linefile import line_of

    points, _ = line_of(s)
    dump = s.model_dump(mode="json")
    for setting in ("seed", "uncertain", "objective"):  # they do not change what a plan scores (D and V both)
        dump.pop(setting, None)
    doc = {"scenario": dump, "variants": s.variants, "line": points}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


def read_plan(doc: object, model: ScenarioModel, path: str = "<plan>") -> np.ndarray:
    """Units per candidate site of a plan document; InputError naming the file and the entry's key."""
    entries = doc.get("placements") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(Problem("must be a list of {asset, site, units}", path, "placements",
                                 type(entries).__name__ if entries is not None else None))
    _check_scenario(doc, model, path)
    units = np.zeros(len(model.sites), int)
    problems = []
    for k, p in enumerate(entries):
        j, n, problem = _placement(p, k, model, path)
        if problem is not None:
            problems.append(problem)
        else:
            units[j] += n
    if problems:
        raise InputError(problems)
    return units


def _check_scenario(doc: dict, model: ScenarioModel, path: str) -> None:
    s = model.scenario
    name = doc.get("scenario")
    if name is not None and name != s.name:
        raise InputError(Problem(f"is a plan of another scenario, not of {s.name} ({s.source})", path, "scenario",
                                 name))
    variants = doc.get("variants")
    if isinstance(variants, list) and variants != s.variants:
        log.warning("%s: a plan made with scenarios %s, scored with %s", path, variants or "none",
                    s.variants or "none")
    digest = doc.get("config_sha256")
    if isinstance(digest, str) and digest != config_hash(s):
        log.warning("%s: the config has changed since this plan was made; it is scored on the config as it is now",
                    path)


def _placement(p, k: int, model: ScenarioModel, path: str) -> tuple[int, int, Problem | None]:
    """(site index, units, None) for one entry, or (0, 0, the problem)."""
    s, st = model.scenario, model.sites
    key = f"placements[{k}]"
    if not isinstance(p, dict):
        return 0, 0, Problem("must be an object with asset, site and units", path, key, p)
    name, site, n = p.get("asset"), p.get("site"), p.get("units")
    names = [a.name for a in s.assets]
    if not isinstance(name, str) or name not in names:
        return 0, 0, Problem(f"no such asset in {s.source}", path, f"{key}.asset", name)
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_UNITS:
        return 0, 0, Problem(f"must be a whole number from 0 to {MAX_UNITS:,}", path, f"{key}.units", n)
    mine = np.flatnonzero(st.asset == names.index(name))
    by_number = {int(st.index[j]): int(j) for j in mine}
    lon, lat = p.get("lon"), p.get("lat")
    if _number(lon) and _number(lat):
        return _snapped(model, mine, by_number, name, site, float(lon), float(lat), n, key, path)
    if not isinstance(site, int) or isinstance(site, bool) or site not in by_number:
        return 0, 0, Problem(f"no such candidate site of asset '{name}'", path, f"{key}.site", site)
    return by_number[site], n, None


def _snapped(model, mine, by_number, name, site, lon, lat, n, key, path):
    """The candidate site of the asset nearest to (lon, lat), within SNAP_KM."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90) or len(mine) == 0:
        return 0, 0, Problem("must be a point in range with a candidate site of its asset", path, key, [lon, lat])
    x, y = model.geometry.to_km([lon], [lat])
    d, i = cKDTree(model.sites.xy_km[mine]).query([float(x[0]), float(y[0])])
    if d > SNAP_KM:
        return 0, 0, Problem(f"lies {d:,.1f} km from the nearest candidate site of asset '{name}' (at most "
                             f"{SNAP_KM:g} km): move it onto a site, or drop lon/lat to place it by its site number",
                             path, f"{key}.lon/lat", [lon, lat])
    j = int(mine[i])
    number = int(model.sites.index[j])
    if site != number:
        log.warning("%s: %s (%s units of %s) is placed at its lon/lat, on site %d (%.2f km away), not site %s",
                    path, key, n, name, number, d, site)
    return j, n, None


def _number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and np.isfinite(x)
