"""The line of a scenario as lon/lat points: inline in the config, or read from a GeoJSON file.

A GeoJSON line is read once per scenario and kept on it (`Scenario._line`), so checking the
file, building the geometry and hashing a frontier sweep do not parse it again.
"""

from __future__ import annotations

import math
from pathlib import Path

from ..errors import InputError, Problem
from ..reading import parse_json, read_text
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

    if not Path(s.line.geojson).is_absolute() and not _inside(path, Path(s.base_dir)):
        raise bad("lies outside the config's folder (through .. or a symlink); give its absolute path to use it")

    text = read_text(path, "line.geojson", s.line.geojson, s.source)
    try:
        data = parse_json(text, "GeoJSON")
    except ValueError as exc:
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


def _inside(path: Path, folder: Path) -> bool:
    """Whether `path`, symlinks resolved, lies in `folder` (resolved too)."""
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except OSError:
        return False
