"""Tables of a plan and a frontier as pandas DataFrames, for notebooks (pandas comes with OR-Tools).

`cells_frame` is a GeoDataFrame of the cell polygons in WGS84 when geopandas is installed,
else a DataFrame with the centroids' lon/lat.
"""

from __future__ import annotations

import numpy as np

from ..model.build import ScenarioModel
from .gis import cells_geojson, placements_geojson


def placements_frame(model: ScenarioModel, units: np.ndarray):
    """One row per used site: asset, kind, site, lon, lat, side, s_km, offset_km, units, radius_km, annual_usd."""
    import pandas as pd

    rows = [f["properties"] for f in placements_geojson(model, units)["features"]]
    columns = ["asset", "kind", "site", "lon", "lat", "side", "s_km", "offset_km", "units", "radius_km", "annual_usd"]
    return pd.DataFrame(rows, columns=columns)


def cells_frame(model: ScenarioModel, units: np.ndarray):
    """One row per cell: position, zone, side, area, weight, detection overall and per class."""
    import pandas as pd

    layer = cells_geojson(model, units)
    frame = pd.DataFrame([f["properties"] for f in layer["features"]])
    frame.insert(1, "lon", model.cells.lon)
    frame.insert(2, "lat", model.cells.lat)
    try:
        import geopandas
    except ImportError:
        return frame
    return geopandas.GeoDataFrame.from_features(layer["features"], crs="EPSG:4326").assign(
        lon=model.cells.lon, lat=model.cells.lat)


def frontier_frame(res):
    """One row per mix and budget: detection, bound, gap, cost, observers, units per asset, how it was found."""
    import pandas as pd

    rows = []
    for p in res.points:
        row = {"mix": p.mix, "budget_usd": p.budget_usd, "annual_usd": p.annual_usd, "detection": p.detection,
               "bound": p.bound, "gap": p.gap, "worst_segment_detection": p.worst_segment["detection"],
               "observers": p.observers}
        row.update({f"units_{n}": p.units_by_asset.get(n, 0) for n in res.asset_names})
        row.update({"solver_bound": p.solver_bound, "status": p.status, "plan_from": p.plan_from,
                    "seconds": p.seconds})
        rows.append(row)
    return pd.DataFrame(rows)
