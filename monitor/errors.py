"""One family of errors for everything that can go wrong in a run.

    MonitorError                 the base; the CLI catches it once
      InputError                 bad input: a config, a plan or a flag (exit status 2)
      SolverError                a solver failed on good input (exit status 1)

An error holds a list of `Problem`s, each with the file, the key (a config key path such
as `assets[ift].radius_km`, or a flag such as `--mix`), the value and a message as fields,
so callers can read them and the CLI prints one line per problem.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()  # a problem that names no value (a missing key, an unreadable file)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input: where (file, key), what was given (value) and why (message)."""

    message: str
    file: str | None = None
    key: str | None = None
    value: object = UNSET
    origin: str | None = None  # where the value came from, when not the file (an override)

    @property
    def is_flag(self) -> bool:
        return bool(self.key) and self.key.startswith("--")

    def as_flag(self, flag: str) -> "Problem":
        """The same problem, told as a command-line flag's (the value came from it, not from the file)."""
        return replace(self, file=None, key=flag)

    def __str__(self) -> str:
        shown = "" if self.value is UNSET else show(self.value)
        if self.origin:
            shown = f"{shown} ({self.origin})"
        if self.is_flag:  # --mix "nosuch": message
            return f"{self.key}{' ' + shown if shown else ''}: {self.message}"
        where = ": ".join(x for x in (self.file, self.key) if x)
        if self.key and shown:
            where = f"{where} = {shown}"
        elif shown:
            where = f"{where}: {shown}" if where else shown
        return f"{where}: {self.message}" if where else self.message


def show(value: object) -> str:
    """A value as TOML would show it (strings quoted), cut to 80 characters."""
    if isinstance(value, str):
        text = json.dumps(value)
    elif isinstance(value, float) and math.isfinite(value) and value == int(value):
        text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class MonitorError(Exception):
    """The base of the family: one or more problems."""

    exit_status = 1

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, (Problem, str)):
            problems = [problems]
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class InputError(MonitorError):
    """Bad input: a config, a plan or a flag. Nothing has been written."""

    exit_status = 2


class SolverError(MonitorError):
    """A solver failed on input that was valid (an LP or MIP backend error)."""

    exit_status = 1
