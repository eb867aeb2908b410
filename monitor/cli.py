"""`monitor` on the command line: thin subcommands over the API in monitor/api.py.

Bad input (a config or plan problem, a bad flag) prints one line per problem naming the
file, key and value, exits with status 2, and writes nothing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, api, solvers
from .config import ConfigError
from .reports import dumps, summary_rows, summary_text

EXAMPLES = {
    "validate": "monitor validate configs/ukraine-2025.toml",
    "solve": "monitor solve configs/ukraine-2025.toml --budget-usd 25e6 --out out/ukraine",
    "evaluate": "monitor evaluate configs/ukraine-2025.toml out/ukraine/plan.json --json",
    "calibrate": "monitor calibrate configs/uniimog-1988.toml",
    "frontier": "monitor frontier configs/ukraine-2025.toml --budgets-usd 5e6:100e6:20 --mix all --mix observers "
                "--mix remote --mix towers=ast,ift --out out/ukraine-frontier",
    "schedule": "monitor schedule configs/uniimog-1988.toml out/uniimog-1988/plan.json",
    "simulate": "monitor simulate configs/uniimog-1988.toml out/uniimog-1988/plan.json --mode schedule",
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


def _whole_number(minimum: int):
    """An argparse type for whole numbers >= minimum."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {minimum}, got {text!r}")
        return value
    return parse


_seed = _whole_number(0)
_positive_int = _whole_number(1)


def _gap(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1), got {text!r}")
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
    s.add_argument("--gap", type=_gap, help="exact solver: stop once (bound - plan) / bound is at most "
                                                       "this (default 0.001)")

    e = sub.add_parser("evaluate", help="re-score a plan.json with a scenario's model",
                       description="Re-score a plan (for example one edited by hand): detection, costs, and "
                                   "whether it keeps the budget and caps.", epilog=f"example: {EXAMPLES['evaluate']}")
    e.add_argument("config", help="scenario file (TOML)")
    e.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")

    c = sub.add_parser("calibrate", help="what observer teams at UNIIMOG's density do on a line, figure by figure",
                       description="Place the config's patrol teams at UNIIMOG's density (400 observers per "
                                   "1,400 km of line, scaled to line.reference_length_km), evenly spaced, and derive "
                                   "observers, teams, patrols a day, patrol km and km2 swept a day, passes per km "
                                   "of line, and detection per violation class, each with the parameters and "
                                   "sources that produced it; densities per km of the reference and of the drawn "
                                   "line; and the UNIIMOG-equivalent yearly budget for the line.",
                       epilog=f"example: {EXAMPLES['calibrate']}")
    c.add_argument("config", help="scenario file (TOML)")
    c.add_argument("--asset", help="patrol asset to use (default: the first patrol asset with observers)")
    c.add_argument("--json", action="store_true", help="print the figures as JSON")

    f = sub.add_parser("frontier", help="sweep budgets and asset mixes: what each extra dollar buys",
                       description="Solve a range of yearly budgets for each mix of assets (all; observers: patrol "
                                   "teams only; remote: sensors and drones; or NAME=asset,asset), each budget "
                                   "warm-started from the one below, in parallel on all cores or on a Dask "
                                   "cluster. Prints detection per budget and mix, and writes frontier.csv, "
                                   "frontier.png and frontier.md to --out. Finished points are kept in "
                                   "points.jsonl there, so rerunning an interrupted sweep solves only the rest.",
                       epilog=f"example: {EXAMPLES['frontier']}")
    f.add_argument("config", help="scenario file (TOML)")
    f.add_argument("--budgets-usd", required=True, type=_budget_range, metavar="FROM:TO:N",
                   help="N yearly budgets evenly spaced from FROM to TO, for example 5e6:100e6:20")
    f.add_argument("--mix", action="append", metavar="NAME", help="all, observers, remote, an asset name, or "
                   "NAME=asset,asset; repeat for several (default: all, observers and remote)")
    f.add_argument("--solver", default="greedy", choices=solvers.names(), help="solver (default: greedy)")
    f.add_argument("--gap", type=_gap, help="relative gap at which the solver may stop, per point")
    f.add_argument("--time-limit-s", type=_positive_float, help="stop the solver after this many seconds, per point")
    f.add_argument("--out", default=None, help="output folder (default: out/<scenario name>-frontier)")
    f.add_argument("--workers", type=_positive_int, help="local worker processes (default: all cores)")
    f.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786) instead "
                   "of local processes; needs pip install 'monitor[cluster]'")
    f.add_argument("--split", type=_positive_int, default=1, help="cut each mix's budgets into this many chains "
                   "that start cold, for more parallel tasks (default 1)")
    f.add_argument("--quiet", action="store_true", help="no progress bar on stderr")
    _add_schedule_simulate(sub)
    return p


def _budget_range(text: str) -> list[float]:
    from .frontier import parse_budgets

    try:
        return parse_budgets(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
    except BrokenPipeError:  # stdout closed early (monitor ... | head): not an error of ours
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def check_out_dir(out: str | Path, flag: str = "--out") -> Path:
    """Refuse an output folder that cannot be one (a file, or below a file) before any work is done."""
    out = Path(out)
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                what = "is a file" if p == out else f"lies below the file {p}"
                raise ConfigError([f"{flag} = {str(out)!r}: {what}, not a folder"])
            break
    return out


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
    check_out_dir(out)
    options = {} if args.time_limit_s is None else {"time_limit_s": args.time_limit_s}
    if args.gap is not None:
        options["gap"] = args.gap
    res = api.solve(args.config, budget_usd=args.budget_usd, solver=args.solver, seed=args.seed, out=out, **options)
    sys.stdout.write(summary_text(res.document))
    print(f"  outputs in {out}/: " + ", ".join(p.relative_to(out).as_posix() for p in res.files))
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


def _frontier(args) -> int:
    from .config import load_scenario
    from .frontier import frontier
    from .frontier_report import knee

    s = load_scenario(args.config)
    out = Path(args.out) if args.out is not None else Path("out") / f"{s.name}-frontier"
    res = frontier(s, args.budgets_usd, mixes=args.mix, solver=args.solver, out=out, scheduler=args.scheduler,
                   workers=args.workers, split=args.split, progress=not args.quiet, gap=args.gap,
                   time_limit_s=args.time_limit_s)
    names = [m.name for m in res.mixes]
    width = max(len(n) for n in names + ["detection"]) + 2
    print(f"{res.scenario}: frontier of {len(res.points)} points ({res.solver}; {res.solved} solved, "
          f"{res.reused} from the checkpoint, {res.seconds:.1f} s)")
    print(f"  {'yearly budget':>14}" + "".join(f"{n:>{width}}" for n in names))
    by = {(p.mix, p.budget_usd): p for p in res.points}
    for b in sorted({p.budget_usd for p in res.points}):
        print(f"  {'$' + format(b / 1e6, ',.2f') + 'M':>14}"
              + "".join(f"{format(100 * by[(n, b)].detection, '.2f') + '%':>{width}}" for n in names))
    for n in names:
        pts = res.of(n)
        k = knee([p.budget_usd for p in pts], [p.detection for p in pts])
        if k is not None:
            print(f"  knee of {n}: ${pts[k].budget_usd / 1e6:,.2f}M a year, {100 * pts[k].detection:.2f}% detected")
    print(f"  outputs in {out}/: " + ", ".join(p.name for p in res.files))
    return 0


def _calibrate(args) -> int:
    from .calibrate import calibrate, calibration_text

    doc = calibrate(args.config, asset=args.asset)
    sys.stdout.write(dumps(doc) if args.json else calibration_text(doc))
    return 0


COMMANDS = {"validate": _validate, "solve": _solve, "evaluate": _evaluate, "frontier": _frontier,
            "calibrate": _calibrate}


def _add_schedule_simulate(sub) -> None:
    """The `schedule` and `simulate` subcommands: from a plan to routes, and proof by simulation."""
    sc = sub.add_parser("schedule", help="turn a plan into one day's patrol routes and drone sorties",
                        description="Route one day's patrols of every placed team site and sorties of every "
                                    "placed drone base with OR-Tools (prize-collecting vehicle routing: waypoints "
                                    "on tracks across the zone, prizes from the violation weights the sensors "
                                    "leave, each patrol within its length and duration, from its site and back, "
                                    "on its own side unless the asset crosses the line). Prints patrols, km and "
                                    "hours a day per site, and writes routes.geojson, routes.png and "
                                    "schedule.json to --out.", epilog=f"example: {EXAMPLES['schedule']}")
    sc.add_argument("config", help="scenario file (TOML)")
    sc.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    sc.add_argument("--out", default=None, help="output folder (default: the plan's folder)")
    sc.add_argument("--time-limit-s", type=_positive_float,
                    help="safety limit of the route search per site (default 60); the search normally stops "
                         "at a local optimum first, so the routes do not depend on the machine's speed")
    sc.add_argument("--json", action="store_true", help="print schedule.json instead of the summary")

    sm = sub.add_parser("simulate", help="check a plan against simulated violations (Monte Carlo)",
                        description="Draw violations (class by share, cell by weight, a point in the cell, start "
                                    "time over --days, duration by class) and detect them with the plan's "
                                    "sensors and, by --mode, with patrols and drones either as random search "
                                    "(the analytic model's own assumption) or along the day's routes of "
                                    "`monitor schedule`. Prints the detected share per class and side with "
                                    "95% intervals and the time to detection beside the analytic figures, and "
                                    "writes simulation.json and simulation.md to --out.",
                        epilog=f"example: {EXAMPLES['simulate']}")
    sm.add_argument("config", help="scenario file (TOML)")
    sm.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    sm.add_argument("--mode", default="random-search", choices=["random-search", "schedule"],
                    help="how patrols and drones search (default: random-search)")
    sm.add_argument("--days", type=_positive_float, default=365.0,
                    help="days over which violations start (default 365)")
    sm.add_argument("--violations", type=_violations, default=1_000_000, metavar="N|poisson",
                    help="violations to draw (default 1000000, for intervals of about +-0.1 points); 'poisson' "
                         "draws Poisson(violations.per_year x days / 365), the count the config expects")
    sm.add_argument("--seed", type=_seed, help="random seed (default: the config's seed)")
    sm.add_argument("--out", default=None, help="output folder (default: the plan's folder)")
    sm.add_argument("--time-limit-s", type=_positive_float,
                    help="schedule mode: safety limit of the route search per site (default 60)")
    sm.add_argument("--json", action="store_true", help="print simulation.json instead of the summary")


def _violations(text: str) -> int | None:
    if text == "poisson":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 or 'poisson', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1 or 'poisson', got {text!r}")
    return value


def _schedule(args) -> int:
    from .schedule import summary_text as schedule_text

    out = check_out_dir(args.out if args.out is not None else Path(args.plan).parent)
    res = api.schedule(args.config, args.plan, out=out, time_limit_s=args.time_limit_s)
    if args.json:
        sys.stdout.write(dumps(res.document))
        return 0
    sys.stdout.write(schedule_text(res.model, res.schedule))
    print(f"  outputs in {out}/: " + ", ".join(p.name for p in res.files))
    return 0


def _simulate(args) -> int:
    from .simulate import summary_text as simulation_text

    out = check_out_dir(args.out if args.out is not None else Path(args.plan).parent)
    res = api.simulate(args.config, args.plan, days=args.days, seed=args.seed, mode=args.mode,
                       violations=args.violations, out=out, time_limit_s=args.time_limit_s)
    if args.json:
        sys.stdout.write(dumps(res.document))
        return 0
    sys.stdout.write(simulation_text(res.document))
    print(f"  outputs in {out}/: " + ", ".join(p.name for p in res.files))
    return 0


COMMANDS.update({"schedule": _schedule, "simulate": _simulate})
