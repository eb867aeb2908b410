"""The line of a scenario as lon/lat points: inline in the config, or read from a GeoJSON file.

A GeoJSON line is read once per scenario and kept on it (`Scenario._line`), so checking the
file, building the geometry and hashing a frontier sweep do not parse it again.
"""

from __future__ import annotations

import json
import math

from ..errors import InputError, Problem
from .schema import Scenario

Points = list[tuple[float, float]]


def line_of(s: Scenario) -> tuple[Points, dict]:
    """The line's lon/lat vertices and, for a GeoJSON line, its feature's properties (read once)."""
    if s._line is None:
        s._line = _read(s)
    return s._line


def _read(s: Scenario) -> tuple[Points, dict]:
    if s.line.coordinates is not None:
        return [tuple(map(float, c)) for c in s.line.coordinates], {}
    path = s.line_path()

    def bad(message: str) -> InputError:
        return InputError(Problem(message, s.source, "line.geojson", s.line.geojson))

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise bad(f"file not found ({path})") from None
    except (OSError, ValueError) as exc:
        raise bad(f"cannot read GeoJSON: {exc}") from None
    props: dict = {}
    geom = data
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or [None]
        geom = features[0]
    if isinstance(geom, dict) and geom.get("type") == "Feature":
        props = geom.get("properties") or {}
        geom = geom.get("geometry")
    if not (isinstance(geom, dict) and geom.get("type") == "LineString"):
        raise bad("needs a LineString (or a FeatureCollection whose first feature is one)")
    coords = geom.get("coordinates") or []
    try:
        pts = [(float(c[0]), float(c[1])) for c in coords]
    except (TypeError, ValueError, IndexError):
        raise bad("coordinates must be [lon, lat] numbers") from None
    for lon, lat in pts:
        if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise bad(f"point [{lon}, {lat}] is out of range")
    return pts, props
