"""The frontier's checkpoint, points.jsonl: one finished point a line, keyed by what it depends on.

A point's key hashes the scenario's content (its budget excepted: the sweep sets it), the
line file's bytes, the solver and its options, the mix and the budgets of its chain so far,
so a rerun of the same sweep reuses its points and solves only the rest.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..._version import __version__
from ...atomic import atomic_write
from ...model.schema import Scenario
from ...reading import parse_json, read_text
from .mixes import Mix

CHECKPOINT = "points.jsonl"


def sweep_key(s: Scenario, solver: str, options: dict) -> str:
    """Hash of what a point depends on besides its mix and chain: the scenario's content
    (its budget excepted: the sweep sets it), the line file's bytes, the solver and its options."""
    content = s.model_dump(mode="json")
    content["budget"].pop("annual_usd", None)
    path = s.line_path()
    line = hashlib.sha256(path.read_bytes()).hexdigest() if path is not None and path.is_file() else None
    doc = {"scenario": content, "line_sha256": line, "solver": solver, "options": options, "monitor": __version__}
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:20]


def point_key(sweep: str, mix: Mix, chain: list[float]) -> str:
    doc = [sweep, mix.name, list(mix.assets), [repr(float(b)) for b in chain]]
    return hashlib.sha256(json.dumps(doc).encode()).hexdigest()[:20]


def load_checkpoint(path: Path, sweep: str) -> dict[str, dict]:
    """Finished points of this sweep by key; rewrites the file without other sweeps' or torn lines.

    Records are only read here; the sweep re-scores each before it trusts it (`sweep.rescored`).
    """
    if not path.exists():
        return {}
    text = read_text(path, "--out", str(path.parent), errors="replace")  # a folder or device there: one line
    keep, dropped = {}, 0
    for line in text.splitlines():
        try:
            rec = parse_json(line, "a checkpoint line")
            ok = isinstance(rec, dict) and rec.get("sweep") == sweep and isinstance(rec.get("key"), str)
        except (ValueError, RecursionError):
            ok = False
        if ok:
            keep[rec["key"]] = rec
        dropped += not ok
    if dropped or (text and not text.endswith("\n")):
        atomic_write(path, "".join(json.dumps(r) + "\n" for r in keep.values()))
    return keep


def append_point(path: Path, rec: dict) -> None:
    """Append one record as one line in one write, flushed to disk (a torn last line is skipped on load)."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(rec) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
