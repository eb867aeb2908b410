"""`monitor` on the command line: thin subcommands over the API in monitor/api.py.

Bad input (a config or plan problem, a bad flag) prints one line per problem naming the
file, key and value, exits with status 2, and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import __version__, api, solvers
from .config import ConfigError
from .reports import dumps, summary_rows, summary_text

EXAMPLES = {
    "validate": "monitor validate configs/ukraine-2025.toml",
    "solve": "monitor solve configs/ukraine-2025.toml --budget-usd 25e6 --out out/ukraine",
    "evaluate": "monitor evaluate configs/ukraine-2025.toml out/ukraine/plan.json --json",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="monitor", description="Plan how to watch a ceasefire line: place sensors, drones and "
                                            "observer patrols to detect as many violations as a budget allows.")
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="check a scenario file and print its size",
                       description="Check a scenario file and print its size: line km, zone km2, cells, "
                                   "candidate sites per asset, budget.", epilog=f"example: {EXAMPLES['validate']}")
    v.add_argument("config", help="scenario file (TOML)")
    v.add_argument("--json", action="store_true", help="print the size as JSON")

    s = sub.add_parser("solve", help="place assets to maximise detection within the budget",
                       description="Solve a scenario: choose units per candidate site to maximise the expected "
                                   "share of violations detected, within the yearly budget and caps. Prints a "
                                   "summary and writes plan.json, placements.geojson, cells.csv, map.png and "
                                   "report.md to --out.", epilog=f"example: {EXAMPLES['solve']}")
    s.add_argument("config", help="scenario file (TOML)")
    s.add_argument("--budget-usd", type=_positive_float, help="yearly budget (overrides budget.annual_usd)")
    s.add_argument("--solver", default="greedy", choices=solvers.names(), help="solver (default: greedy)")
    s.add_argument("--out", default=None, help="output folder (default: out/<scenario name>)")
    s.add_argument("--seed", type=_seed, help="random seed (overrides the config's seed)")
    s.add_argument("--time-limit-s", type=_positive_float, help="stop the solver after this many seconds")

    e = sub.add_parser("evaluate", help="re-score a plan.json with a scenario's model",
                       description="Re-score a plan (for example one edited by hand): detection, costs, and "
                                   "whether it keeps the budget and caps.", epilog=f"example: {EXAMPLES['evaluate']}")
    e.add_argument("config", help="scenario file (TOML)")
    e.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        for line in exc.problems:
            print(f"monitor: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("monitor: interrupted; no file was left half written", file=sys.stderr)
        return 130


def _validate(args) -> int:
    size = api.validate(args.config)
    if args.json:
        sys.stdout.write(dumps(size))
        return 0
    ref = f" (reference {size['reference_length_km']:,.0f} km)" if size["reference_length_km"] else ""
    zones = ", ".join(f"{k} {v:,.1f} km2" for k, v in size["zone_km2"].items())
    sites = ", ".join(f"{k} {v:,}" for k, v in size["candidate_sites"].items())
    hot = size["hotspot_weight_share"]
    print(f"{args.config}: valid")
    print(f"  line             {size['line_km']:,.1f} km as drawn{ref}")
    print(f"  zones            {zones}")
    print(f"  cells            {size['cells']:,}")
    print(f"  candidate sites  {sites}")
    print(f"  matrix nonzeros  {size['matrix_nonzeros']:,}")
    if hot is not None:
        print(f"  at hotspots      {100 * hot:.1f}% of violations")
    print(f"  budget           ${size['budget_usd']:,.0f} a year")
    return 0


def _solve(args) -> int:
    out = args.out
    if out is None:
        from .config import load_scenario

        out = Path("out") / load_scenario(args.config).name
    options = {} if args.time_limit_s is None else {"time_limit_s": args.time_limit_s}
    res = api.solve(args.config, budget_usd=args.budget_usd, solver=args.solver, seed=args.seed, out=out, **options)
    sys.stdout.write(summary_text(res.document))
    print(f"  outputs in {out}/: " + ", ".join(p.name for p in res.files))
    return 0


def _evaluate(args) -> int:
    res = api.evaluate(args.config, args.plan)
    if args.json:
        sys.stdout.write(dumps(res))
        return 0
    m = res["metrics"]
    doc = {"metrics": m, "cost": res["cost"], "budget_usd": res["budget_usd"],
           "solver": {"name": "evaluate", "status": "feasible" if res["feasible"] else "infeasible",
                      "bound": None, "gap": None, "seconds": 0.0}}
    rows = [r for r in summary_rows(doc) if not r[0].startswith("solver")]
    width = max(len(k) for k, _ in rows)
    print(f"{args.plan} on {res['scenario']}: " + ("keeps the budget and caps" if res["feasible"]
                                                   else "BREAKS " + "; ".join(res["problems"])))
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")
    return 0


COMMANDS = {"validate": _validate, "solve": _solve, "evaluate": _evaluate}
