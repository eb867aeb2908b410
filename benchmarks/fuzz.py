"""A mutation fuzzer over every bundled config and a plan: bad input must give exit 0 or 2.

Each case takes a bundled config (or the toy's plan.json), changes one thing and runs a
command on it in this process:

    a value's type (string, boolean, list, table), its sign, zero, NaN, infinity, a huge
    number, a deep nest of lists; a key deleted, an unknown key added; the file cut short.

Every run must end with exit status 0 or 2, print no traceback, and on status 2 write
nothing. Configs are written as TOML with inline tables (a small writer below: the
standard library reads TOML but does not write it). Deterministic for a seed.

    python -m benchmarks.fuzz --count 2000 --seed 1     # the long run; the tests run a few dozen
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import math
import shutil
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ["toy.toml", "uniimog-1988.toml", "ukraine-2025.toml"]
MUTATIONS = ["string", "bool", "list", "table", "negative", "zero", "nan", "inf", "huge", "deep", "delete",
             "unknown", "truncate"]


def toml_value(x) -> str:
    """x as a TOML value: inline tables and arrays, quoted keys, nan and inf as TOML spells them."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf") if math.isinf(x) else repr(x)
    if isinstance(x, str):
        return json.dumps(x)
    if isinstance(x, list):
        return "[" + ", ".join(toml_value(v) for v in x) + "]"
    if isinstance(x, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in x.items()) + "}"
    raise TypeError(type(x))


def toml_text(doc: dict) -> str:
    return "".join(f"{json.dumps(k)} = {toml_value(v)}\n" for k, v in doc.items())


def _paths(x, here=()):
    """Every (path, value) in a nested document, tables and lists included."""
    yield here, x
    if isinstance(x, dict):
        for k, v in x.items():
            yield from _paths(v, here + (k,))
    elif isinstance(x, list):
        for i, v in enumerate(x):
            yield from _paths(v, here + (i,))


def _set(doc, path, value=None, delete=False):
    node = doc
    for p in path[:-1]:
        node = node[p]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value


def mutate(doc: dict, rng: np.random.Generator) -> tuple[dict | None, str]:
    """One change to a copy of doc: (new doc, what changed); (None, "truncate") for a cut file."""
    kind = MUTATIONS[int(rng.integers(len(MUTATIONS)))]
    if kind == "truncate":
        return None, kind
    doc = copy.deepcopy(doc)
    paths = [p for p, _ in _paths(doc) if p]
    path = paths[int(rng.integers(len(paths)))]
    node = doc
    for p in path[:-1]:
        node = node[p]
    old = node[path[-1]]
    if kind == "delete":
        _set(doc, path, delete=True)
    elif kind == "unknown":
        target = old if isinstance(old, dict) else node if isinstance(node, dict) else doc
        target["no_such_key"] = 1
    else:
        new = {"string": "x", "bool": True, "list": [1, "a"], "table": {"a": 1}, "zero": 0,
               "nan": float("nan"), "inf": float("inf"), "huge": 1e300,
               "negative": -old if isinstance(old, (int, float)) and not isinstance(old, bool) else -1,
               "deep": _deep(200)}[kind]
        _set(doc, path, new)
    return doc, f"{kind} at {'.'.join(map(str, path))}"


def _deep(n: int):
    x: list = []
    for _ in range(n):
        x = [x]
    return x


def _run(argv: list[str]) -> tuple[int | str, str]:
    from monitor.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code
        except BaseException as exc:  # anything escaping main is a failure of ours
            code = f"raised {type(exc).__name__}: {exc}"
    return code, err.getvalue()


def _check(code, err: str, out: Path, what: str) -> str | None:
    if not isinstance(code, int) or code not in (0, 2):
        return f"{what}: exit {code!r}: {err.strip()[-300:]}"
    if "Traceback" in err:
        return f"{what}: a traceback: {err.strip()[-300:]}"
    if code == 2 and out.exists():
        return f"{what}: exit 2 but {out} was written"
    if code == 2 and not err.strip():
        return f"{what}: exit 2 without a message"
    return None


def fuzz(count: int, seed: int = 0, work: Path | None = None) -> tuple[list[str], dict]:
    """Run `count` cases; return the failures (empty if none) and counts by exit status."""
    rng = np.random.default_rng(seed)
    work = Path(work or tempfile.mkdtemp(prefix="monitor-fuzz-"))
    shutil.copytree(ROOT / "configs" / "data", work / "data", dirs_exist_ok=True)
    docs = {name: tomllib.loads((ROOT / "configs" / name).read_text(encoding="utf-8")) for name in CONFIGS}
    code, err = _run(["solve", str(ROOT / "configs" / "toy.toml"), "--out", str(work / "toy-plan")])
    assert code == 0, err
    plan = json.loads((work / "toy-plan" / "plan.json").read_text(encoding="utf-8"))
    failures, counts = [], {}
    for k in range(count):
        case = work / f"case{k}"
        out = work / f"out{k}"
        if rng.random() < 0.25:  # a plan for the toy
            doc, what = mutate(plan, rng)
            path = case.with_suffix(".json")
            text = json.dumps(plan) if doc is None else json.dumps(doc, allow_nan=True)
            path.write_text(text[: int(rng.integers(len(text)))] if doc is None else text, encoding="utf-8")
            argv = ["evaluate", str(ROOT / "configs" / "toy.toml"), str(path)]
            what = f"plan: {what}"
        else:
            name = CONFIGS[int(rng.integers(len(CONFIGS)))]
            doc, what = mutate(docs[name], rng)
            path = work / f"case{k}.toml"
            text = toml_text(docs[name] if doc is None else doc)
            path.write_text(text[: int(rng.integers(len(text)))] if doc is None else text, encoding="utf-8")
            argv = ["solve", str(path), "--out", str(out)] if name == "toy.toml" else ["validate", str(path)]
            what = f"{name}: {what}"
        code, err = _run(argv)
        counts[code if isinstance(code, int) else "raised"] = counts.get(code if isinstance(code, int) else
                                                                          "raised", 0) + 1
        problem = _check(code, err, out, what)
        if problem:
            failures.append(problem)
    return failures, counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=500, help="cases to run (default 500)")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="monitor-fuzz-") as work:
        failures, counts = fuzz(args.count, args.seed, Path(work))
    print(f"fuzz: {args.count} cases, seed {args.seed}, {time.perf_counter() - t0:.1f} s; exit statuses "
          + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) + f"; {len(failures)} failures")
    for f in failures:
        print(f"FAILED: {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
