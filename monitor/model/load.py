"""Reading a scenario: a TOML file, dotted-key overrides, and validation in two passes.

Pydantic checks types and ranges field by field (`schema.py`); the consistency rules of
`checks.py` then check what needs the whole file. Every problem becomes a `Problem` naming
the file, the key path and the value, and all of them are raised at once as an
`InputError`. A value that came from an override (a command-line flag) is reported under
the flag's name when the caller says which flag set it.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from ..errors import InputError, Problem
from ..reading import parse_toml, read_text
from .checks import check_scenario
from .overrides import Override, apply, relabel, scenario_overrides, scenario_tables
from .schema import KINDS, Scenario


def load_scenario(path: str | Path, overrides: dict | None = None, flags: dict | None = None,
                  scenarios: list[str] | tuple = ()) -> Scenario:
    """Read and validate a scenario file; raise InputError listing every problem found.

    `scenarios` names tables [scenarios.NAME] of the file whose overrides apply first, in
    order; then `overrides`, a map of dotted keys to values (`{"assets.ift.radius_km": 5}`,
    items of arrays of tables by name; see `overrides.py`). Both are applied before
    validation, so an override is checked like the file itself. `flags` maps an overridden
    key to the flag that set it (`--budget-usd`, `--set`), for the error message.
    """
    path = Path(path)
    try:
        raw = parse_toml(read_text(path))
    except ValueError as exc:  # tomllib.TOMLDecodeError, or nesting too deep
        raise InputError(Problem(f"not valid TOML: {exc}", str(path))) from None
    tables = scenario_tables(raw, str(path))
    changes = scenario_overrides(tables, list(scenarios)) + _overrides(overrides, flags)
    applied = apply(raw, changes, str(path))
    try:
        s = validate_scenario(raw, source=str(path), base_dir=str(path.parent), variants=list(scenarios))
    except InputError as exc:
        raise InputError(relabel(exc.problems, applied)) from None
    s._scenarios = tables
    return s


def with_overrides(s: Scenario, overrides: dict | None, flags: dict | None = None,
                   scenarios: list[str] | tuple = ()) -> Scenario:
    """A copy of a scenario with more named scenarios of its file and dotted-key overrides applied,
    validated again (the line is not read again)."""
    if not overrides and not scenarios:
        return s
    raw = s.model_dump()
    applied = apply(raw, scenario_overrides(s._scenarios, list(scenarios)) + _overrides(overrides, flags), s.source)
    try:
        new = validate_scenario(raw, source=s.source, base_dir=s.base_dir, line=s._line,
                                variants=s.variants + list(scenarios))
    except InputError as exc:
        raise InputError(relabel(exc.problems, applied)) from None
    new._scenarios = s._scenarios
    return new


def _overrides(overrides: dict | None, flags: dict | None) -> list[Override]:
    return [Override(k, v, flag=(flags or {}).get(k)) for k, v in (overrides or {}).items()]


def validate_scenario(raw: dict, source: str = "<memory>", base_dir: str = ".", line: tuple | None = None,
                      variants: list[str] | None = None) -> Scenario:
    """Validate a scenario given as a dict (as parsed from TOML); `line` is the line already read, if any;
    `variants` the named scenarios applied to it."""
    tables = scenario_tables(raw, source) if "scenarios" in raw else None  # a parsed file may carry them
    for reserved in ("source", "base_dir", "variants"):
        if reserved in raw:
            raise InputError(Problem("unknown key", source, reserved, raw[reserved]))
    try:
        scenario = Scenario.model_validate({**raw, "source": source, "base_dir": base_dir,
                                            "variants": list(variants or [])})
    except ValidationError as exc:
        raise InputError([_problem(source, raw, e) for e in exc.errors()]) from None
    if line is not None and raw.get("line") is not None:
        scenario._line = line
    problems = check_scenario(scenario)
    if problems:
        raise InputError(problems)
    if tables is not None:
        scenario._scenarios = tables
    return scenario


def _problem(source: str, raw: dict, err: dict) -> Problem:
    """A pydantic error as a Problem at its key path, naming list items by their name."""
    key = _key_path(raw, err["loc"])
    kind = err["type"]
    if kind == "missing":
        return Problem("required key is missing", source, key)
    if kind == "extra_forbidden":
        return Problem("unknown key", source, key, err["input"])
    message = err["msg"]
    message = message[0].lower() + message[1:]
    if kind == "finite_number":
        message = "must be a finite number (NaN and infinity are not allowed)"
    return Problem(message, source, key, err["input"])


def _key_path(raw: dict, loc: tuple) -> str:
    parts: list[str] = []
    node: object = raw
    for part in loc:
        if part == "[key]":
            continue  # pydantic's marker for a bad dict key; the key itself is the previous part
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            label = item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{label}]" if isinstance(label, str) else f"[{part}]")
            node = item
        elif isinstance(node, dict) and part not in node and part in KINDS and node.get("kind") == part:
            continue  # the discriminator's tag, not a key of the file
        else:
            parts.append(("." if parts else "") + str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return "".join(parts) or "(top level)"
