"""The comments beside a config's keys: where each figure comes from, or that it is an estimate.

Configs name the source of every figure in a comment on its line (`radius_km = 10.0  # about
10 km (Defense Daily)`) or say `estimate`. Calibration cites them beside each figure; a plan's
report lists the estimates it rests on.
"""

from __future__ import annotations

import re
from pathlib import Path

from .schema import Scenario

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*)$")


def key_comments(path: str | Path) -> dict[str, str]:
    """The comment beside each `key = value` of a TOML file, by key path (assets[team].patrol_km).

    Items of arrays of tables are named by their `name` key, as in error messages. A file
    that cannot be read gives no comments (the figures then say so).
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    out: dict[str, str] = {}
    table, array, block = "", False, {}

    def flush():
        label = block.get("name", ("", ""))[0].strip('"\'')
        prefix = f"{table}[{label}]." if array else (f"{table}." if table else "")
        for k, (_, c) in block.items():
            if c:
                out[prefix + k] = c

    for line in lines:
        h = _HEADER.match(line)
        if h:
            flush()
            table, array, block = h.group(2), h.group(1) == "[[", {}
            continue
        k = _KEY.match(line)
        if k:
            value, comment = _split_comment(k.group(2))
            block[k.group(1)] = (value.strip(), comment)
    flush()
    return out


def _split_comment(text: str) -> tuple[str, str]:
    """(value, comment) of the rest of a `key = value  # comment` line; quotes are respected."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            return text[:i], text[i + 1:].strip()
    return text, ""



def estimates(s: Scenario) -> list[dict]:
    """Every key whose comment calls its figure an estimate, with the value the scenario has now:
    [{key, value, note}] in file order (a named scenario or --set may have changed the value)."""
    dump = s.model_dump(mode="json")
    out = []
    for key, note in key_comments(s.source).items():
        if "estimate" in note.lower():
            out.append({"key": key, "value": value_at(dump, key), "note": note})
    return out


def value_at(dump: dict, key: str):
    """The value at a key path such as assets[ift].radius_km in a dumped scenario (None if absent)."""
    node = dump
    for part in re.findall(r"[^.\[\]]+|\[[^\]]*\]", key):
        if part.startswith("["):
            name = part[1:-1]
            node = next((x for x in node if isinstance(x, dict) and x.get("name") == name), None) \
                if isinstance(node, list) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node
