"""Reading an input file safely: a regular file only, of bounded size, parsed with bounded depth.

Devices (/dev/zero), FIFOs and folders are refused before they are opened for reading, so
a bad path cannot hang a run or fill its memory; a file above MAX_BYTES is refused with
its size; text that nests deeper than MAX_DEPTH (a RecursionError in the parser) is one
line like any other bad input.
"""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

from .errors import InputError, Problem

MAX_BYTES = 256 * 1024 * 1024  # no config, line, plan or checkpoint of this tool comes near it
MAX_DEPTH = 64                 # nesting of tables, arrays and objects; the bundled files use at most 6


def read_text(path: str | Path, key: str | None = None, value: object = None, source: str | None = None,
              max_bytes: int = MAX_BYTES, errors: str = "strict") -> str:
    """The UTF-8 text of a regular file. A problem names `source` and `key` (the config key or flag
    that gave the path) when given, else the file itself. errors="replace" keeps going past bad bytes."""
    path = Path(path)

    def bad(message: str) -> InputError:
        if key is None:
            return InputError(Problem(message, str(path)))
        return InputError(Problem(message, source, key, value))

    try:
        info = os.stat(path)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and key is not None:
            raise bad(f"file not found ({path})") from None
        raise bad(f"cannot read the file: {exc.strerror or exc}") from None
    if not stat.S_ISREG(info.st_mode):
        raise bad(f"is not a regular file ({_kind(info.st_mode)})")
    if info.st_size > max_bytes:
        raise bad(f"is {info.st_size:,} bytes, above the limit of {max_bytes:,}")
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise bad(f"cannot read the file: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise bad(f"is above the limit of {max_bytes:,} bytes")
    try:
        return data.decode("utf-8", errors)
    except UnicodeDecodeError as exc:
        raise bad(f"not UTF-8 text: {exc}") from None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a device"),
                       (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def depth(x: object, limit: int = MAX_DEPTH) -> int:
    """How deeply `x` nests lists and dicts (iteratively, so a deep document cannot overflow the stack)."""
    deepest, todo = 0, [(x, 1)]
    while todo:
        node, d = todo.pop()
        if isinstance(node, dict):
            node = list(node.values())
        if isinstance(node, list):
            deepest = max(deepest, d)
            if d > limit:
                return d
            todo.extend((v, d + 1) for v in node if isinstance(v, (list, dict)))
    return deepest


def parse_json(text: str, what: str = "JSON") -> object:
    """JSON with bounded nesting; ValueError on bad or too deep text."""
    return _bounded(json.loads, text)


def parse_toml(text: str) -> dict:
    """TOML with bounded nesting; ValueError on bad or too deep text."""
    return _bounded(tomllib.loads, text)


def _bounded(loads, text: str):
    try:
        doc = loads(text)
    except RecursionError:
        raise ValueError(f"nests deeper than {MAX_DEPTH} levels") from None
    if depth(doc) > MAX_DEPTH:
        raise ValueError(f"nests deeper than {MAX_DEPTH} levels")
    return doc
