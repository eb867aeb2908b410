"""Predicting a scenario's size before building it, so a mistaken setting is refused in
milliseconds instead of exhausting the memory.

From the line's length L and the settings alone (no cell is made):

    cells     = sum over zones and their sides of round(L / cell_km) x ceil(width / row_km)
    sites     = per asset: len(points), or (L / spacing_km) x len(offsets_km)
    nonzeros  = per asset: sites x min(cells, sum over its zones of 2 r x min(2 r, band) / (cell_km x row_km))

with `band` a zone's summed width on both sides (or one side, for an asset that does not
cross the line) and cell_km, row_km its cell sizes, r the asset's radius: the cells a disc of
radius r covers in a band of that width (for a sector asset, r = sector_km / 2 along the
line and the whole band across). The build takes about 100 bytes a nonzero at its peak.
"""

from __future__ import annotations

import math

from ..errors import InputError, Problem
from .schema import Scenario


def predicted_size(s: Scenario, length_km: float) -> dict:
    """Cells, sites per asset and nonzeros per asset that building `s` on a line of length_km would give."""
    cells, stations, rows, per_zone = 0, 0, 0, []
    for z in s.zones:
        cell_km, row_km = s.zone_grid(z)
        st_z = max(1, round(length_km / cell_km))
        rows_z = max(1, math.ceil((z.outer_km - z.inner_km) / row_km - 1e-9)) * len(z.sides)
        cells, stations, rows = cells + st_z * rows_z, max(stations, st_z), rows + rows_z
        per_zone.append((z, cell_km * row_km, {side: (z.outer_km - z.inner_km) * (side in z.sides) for side in "AB"}))
    sites, nonzeros = {}, {}
    for a in s.assets:
        n = (len(a.sites.points) if a.sites.points is not None
             else (length_km / a.sites.spacing_km + 1) * len(a.sites.offsets_km))
        reach = 0.0
        for z, cell_km2, band in per_zone:
            if a.zones is not None and z.name not in a.zones:
                continue
            width = band["A"] + band["B"] if a.crosses_line else max(band.values())
            across = width if a.kind in ("satellite", "inspection") else min(2 * a.radius_km, width)
            reach += 2 * a.radius_km * across / cell_km2
        sites[a.name] = n
        nonzeros[a.name] = n * min(cells, reach + 1)
    return {"cells": cells, "stations": stations, "rows": rows, "sites": sites, "nonzeros": nonzeros}


def check_size(s: Scenario, length_km: float) -> None:
    """InputError naming the setting, the predicted figure and the limit, if the build would be too large."""
    p = predicted_size(s, length_km)
    g = s.grid
    if p["cells"] > g.max_cells:
        if p["rows"] > p["stations"] and g.row_km is not None and g.row_km < g.cell_km:
            key, value = "grid.row_km", g.row_km  # thin rows across the zones
        elif p["rows"] > p["stations"]:  # the zones are deep for their rows: name the widest
            z = max(s.zones, key=lambda z: z.outer_km - z.inner_km)
            key, value = f"zones[{z.name}].outer_km", z.outer_km
        else:
            key, value = "grid.cell_km", g.cell_km
        raise InputError(Problem(f"gives about {p['cells']:,.0f} cells on the {length_km:,.0f} km line, above "
                                 f"grid.max_cells = {g.max_cells:,}; use larger cells, narrower zones, or raise "
                                 "grid.max_cells", s.source, key, value))
    total = sum(p["nonzeros"].values())
    if total > g.max_nonzeros:
        name = max(p["nonzeros"], key=p["nonzeros"].get)
        a = next(x for x in s.assets if x.name == name)
        key, value = ((f"assets[{name}].sites.spacing_km", a.sites.spacing_km) if a.sites.spacing_km is not None
                      else (f"assets[{name}].radius_km", a.radius_km))
        raise InputError(Problem(f"gives about {p['sites'][name]:,.0f} candidate sites and {total:,.0f} (cell, site) "
                                 f"pairs in reach in all (about {total * 100 / 1e9:,.1f} GB to build), above "
                                 f"grid.max_nonzeros = {g.max_nonzeros:,}; space the sites wider, use larger cells, "
                                 "or raise grid.max_nonzeros", s.source, key, value))
