"""Overrides of any key of a scenario: named scenarios in the file, `--set KEY=VALUE`, and the
API's keywords, applied in that order to the parsed file before it is validated.

A key is dotted; a segment after an array of tables (assets, zones, violations.classes,
hotspots) names an item by its `name` (or its index): `assets.ift.radius_km`,
`violations.classes.incursion.share`. A config's `[scenarios.NAME]` table holds such keys:

    [scenarios.short-towers]                    # line of sight: towers see less
    "assets.ift.radius_km" = 5.0
    "assets.ast.radius_km" = 1.5

An override is checked like the file itself; a problem with an overridden value is told as
where the value came from: the scenario (`scenarios.short-towers."assets.ift.radius_km"`),
the `--set` flag, or another flag (`--budget-usd`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace

from ..errors import InputError, Problem

SCENARIO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")  # used in output folders: as schema.Name


@dataclass(frozen=True)
class Override:
    """One dotted key set to a value, and where the value came from."""

    key: str
    value: object
    flag: str | None = None      # the command-line flag that set it (--set, --budget-usd), if any
    scenario: str | None = None  # the named scenario of the file that set it, if any


def parse_set(text: str) -> tuple[str, object]:
    """`KEY=VALUE` from --set: VALUE read as a TOML value (5, 4e7, true, [1, 2], "text"), else as text."""
    key, sep, value = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise InputError(Problem("must be KEY=VALUE, for example assets.ift.radius_km=5", key="--set", value=text))
    try:
        return key, tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value.strip()


def scenario_tables(raw: dict, source: str) -> dict[str, dict]:
    """The file's [scenarios.NAME] tables as {name: {dotted key: value}}; the table leaves `raw`."""
    table = raw.pop("scenarios", {})
    if not isinstance(table, dict) or not all(isinstance(v, dict) for v in table.values()):
        raise InputError(Problem("must be tables [scenarios.NAME] of dotted keys", source, "scenarios"))
    bad = [n for n in table if not SCENARIO_NAME.match(n)]
    if bad:
        raise InputError(Problem("a scenario's name has letters, digits, _ . - and starts with a letter or digit",
                                 source, f"scenarios.{bad[0]}"))
    return {name: dict(_flatten(t)) for name, t in table.items()}


def scenario_overrides(tables: dict[str, dict], names: list[str]) -> list[Override]:
    """The overrides of the named scenarios, in the order given."""
    out = []
    for name in names:
        if name not in tables:
            known = ", ".join(tables) or "none in the file"
            raise InputError(Problem(f"no such scenario (scenarios: {known})", key="--scenario", value=name))
        out += [Override(k, v, scenario=name) for k, v in tables[name].items()]
    return out


def _flatten(table: dict, prefix: str = ""):
    """("a.b.c", value) for every leaf of a table: quoted dotted keys and nested tables alike."""
    for k, v in table.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict):
            yield from _flatten(v, key)
        else:
            yield key, v


def apply(raw: dict, overrides: list[Override], source: str) -> dict[str, Override]:
    """Set every override in `raw` (in place), in order; return them by the key path a problem names
    (`assets[ift].radius_km`). A key that names no item, or runs through a value, is an InputError."""
    applied, problems = {}, []
    for o in overrides:
        try:
            applied[_set(raw, o.key, o.value)] = o
        except KeyError as exc:
            problems.append(told(Problem(str(exc.args[0]), source, o.key, o.value), o))
    if problems:
        raise InputError(problems)
    return applied


def _set(raw: dict, key: str, value) -> str:
    node, path = raw, ""
    parts = key.split(".")
    for k, part in enumerate(parts):
        last = k == len(parts) - 1
        if isinstance(node, list):
            item = _item(node, part, path)
            path += f"[{part}]"
            if last:
                raise KeyError(f"names the item {part!r} of {path.rsplit('[', 1)[0]}, not one of its keys")
            node = item
            continue
        if not isinstance(node, dict):
            raise KeyError(f"{path or 'the key'} is a value, not a table with {part!r}")
        path += ("." if path else "") + part
        if last:
            node[part] = value
        else:
            node = node.setdefault(part, {})
    return path


def _item(items: list, part: str, path: str):
    """The item of an array of tables named `part` (or at index `part`)."""
    for item in items:
        if isinstance(item, dict) and item.get("name") == part:
            return item
    if part.isdigit() and int(part) < len(items):
        return items[int(part)]
    names = ", ".join(str(i.get("name")) for i in items if isinstance(i, dict))
    raise KeyError(f"{path} has no item named {part!r} ({names})")


def told(p: Problem, o: Override) -> Problem:
    """A problem with an overridden value, told as where the value came from."""
    if o.flag == "--set":
        return Problem(p.message, key="--set", value=f"{o.key}={_text(o.value)}")
    if o.flag:
        return p.as_flag(o.flag)
    if o.scenario:
        return replace(p, key=f'scenarios.{o.scenario}."{o.key}"')
    return replace(p, origin="an override, not from the file")


def _text(value) -> str:
    return value if isinstance(value, str) else repr(value)


def relabel(problems: list[Problem], applied: dict[str, Override]) -> list[Problem]:
    """Each problem at (or inside) an overridden key path, told as its override's."""
    out = []
    for p in problems:
        o = next((o for path, o in applied.items()
                  if p.key == path or (p.key or "").startswith((path + ".", path + "["))), None)
        out.append(p if o is None else told(p, o))
    return out
