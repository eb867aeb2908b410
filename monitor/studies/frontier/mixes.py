"""The frontier's inputs: budgets as FROM:TO:N, and mixes of assets.

A mix restricts the placement problem to the candidate sites of some assets: `all`; `observers`
(patrol and inspection teams only); `remote` (no ground observers: sensors, drones and
satellites); or a named subset
`NAME=asset,asset`. A mix's instance is a column selection of B, F and the per-site arrays, so
a mix's plan is a plan of the full model with zeros elsewhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...errors import InputError, Problem
from ...model.instance import Instance
from ...model.schema import KINDS, Scenario

MAX_BUDGETS = 10_000
KEYWORD_MIXES = {
    "all": KINDS,
    "observers": ("patrol", "inspection"),      # observer-only regime: team sites, patrols and inspections
    "remote": ("sensor", "drone", "satellite"),  # no ground observers
}


@dataclass(frozen=True)
class Mix:
    """A named set of assets; its sites are the candidate sites of those assets."""

    name: str
    assets: tuple[str, ...]


def parse_budgets(text: str) -> list[float]:
    """`FROM:TO:N` -> N budgets evenly spaced from FROM to TO (USD a year); ValueError on bad text."""
    parts = text.split(":")
    if len(parts) != 3:
        raise ValueError(f"must be FROM:TO:N (for example 5e6:100e6:20), got {text!r}")
    try:
        lo, hi, n = float(parts[0]), float(parts[1]), int(parts[2])
    except ValueError:
        raise ValueError(f"FROM and TO must be numbers and N a whole number, got {text!r}") from None
    if not (0 < lo <= hi < math.inf) or n < 1 or (n == 1 and lo != hi):
        raise ValueError(f"needs 0 < FROM <= TO and N >= 1 (N = 1 only when FROM = TO), got {text!r}")
    if n > MAX_BUDGETS:
        raise ValueError(f"needs N <= {MAX_BUDGETS:,} budgets (each is a solve per mix), got {text!r}")
    return [float(b) for b in np.linspace(lo, hi, n)]


def parse_mixes(texts: list[str] | None, scenario: Scenario) -> list[Mix]:
    """Mixes from `all`, `observers`, `remote`, an asset name, or `NAME=asset,asset`.

    None gives all, observers and remote (those of them the scenario has assets for).
    """
    kinds = {a.name: a.kind for a in scenario.assets}
    if texts is None:
        out = [Mix(k, tuple(n for n in kinds if kinds[n] in v)) for k, v in KEYWORD_MIXES.items()]
        return [m for m in out if m.assets]
    out, problems = [], []
    for text in texts:
        name, sep, rest = text.partition("=")
        if sep:
            names = tuple(dict.fromkeys(x.strip() for x in rest.split(",") if x.strip()))
        elif name in KEYWORD_MIXES:
            names = tuple(n for n in kinds if kinds[n] in KEYWORD_MIXES[name])
        else:
            names = (name,)
        unknown = [n for n in names if n not in kinds]
        if not name or unknown or not names:
            why = (f"no asset {', '.join(map(repr, unknown))} in the config" if unknown else "names no asset")
            problems.append(Problem(f"{why}; use all, observers, remote, an asset name or NAME=asset,asset "
                                    f"with assets from {', '.join(kinds)}", key="--mix", value=text))
        elif any(m.name == name for m in out):
            problems.append(Problem(f"a mix named {name!r} is given twice", key="--mix", value=text))
        else:
            out.append(Mix(name, names))
    for m in out:
        if not m.assets:
            problems.append(Problem("the config has no asset of this kind", key="--mix", value=m.name))
    if problems:
        raise InputError(problems)
    return out


def restrict(inst: Instance, sites: np.ndarray) -> Instance:
    """The instance on a subset of candidate sites: columns of B and rows of the per-site arrays.

    Asset indices are kept, so per-asset caps still apply; nothing is rebuilt (`Instance.restrict`).
    """
    return inst.restrict(sites)


# ----------------------------------------------------------------------------- one point (runs on a worker)
