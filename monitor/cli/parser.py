"""The command line's parser: every verb, its flags and their types.

Flags are checked here where argparse can (numbers, ranges, choices): a bad one is one line
naming the flag and the value, exit status 2. What needs the scenario (a mix's assets, a
solver's options) is checked by the API and reported under the flag's name too.
"""

from __future__ import annotations

import argparse

import monitor.solvers as solvers

from .._version import __version__
from ..model.instance import OBJECTIVES
from ..studies.frontier import parse_budgets
from ..studies.pareto import parse_levels

EXAMPLES = {
    "validate": "monitor validate configs/ukraine-2025.toml",
    "solve": "monitor solve configs/ukraine-2025.toml --budget-usd 25e6 --out out/ukraine",
    "evaluate": "monitor evaluate configs/ukraine-2025.toml out/ukraine/plan.json --json",
    "calibrate": "monitor calibrate configs/uniimog-1988.toml",
    "frontier": "monitor frontier configs/ukraine-2025.toml --budgets-usd 5e6:100e6:20 --mix all --mix observers "
                "--mix remote --mix towers=ast,ift --out out/ukraine-frontier",
    "pareto": "monitor pareto configs/ukraine-2025.toml --levels 0:0.6:4",
    "schedule": "monitor schedule configs/uniimog-1988.toml out/uniimog-1988/plan.json",
    "simulate": "monitor simulate configs/uniimog-1988.toml out/uniimog-1988/plan.json --mode schedule",
    "schema": "monitor schema > scenario.schema.json",
    "sensitivity": "monitor sensitivity configs/ukraine-2025.toml out/ukraine-2025/plan.json --draws 200 --seed 1",
}
LOG_LEVELS = ("debug", "info", "warning", "error")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, status 2
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="monitor", description="Plan how to watch a ceasefire line: place sensors, drones and "
                                            "observer patrols to detect as many violations as a budget allows.")
    p.add_argument("--version", action="version", version=f"monitor {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true",
                        help="print each step with its elapsed time, plan and bound on stderr (--log-level info)")
    common.add_argument("--log-level", choices=LOG_LEVELS, help="how much to print on stderr (default: warning)")
    common.add_argument("--scenario", action="append", default=[], metavar="NAME",
                        help="apply the config's [scenarios.NAME] table of overrides; repeat to apply several in order")
    common.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one key of the config, after the scenarios: assets.ift.radius_km=5, "
                             "budget.annual_usd=4e7 (assets, zones, classes and hotspots by name); repeatable")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in (_add_validate, _add_solve, _add_evaluate, _add_calibrate, _add_frontier, _add_pareto, _add_schedule,
                _add_simulate):
        add(sub, common)
    se = sub.add_parser("sensitivity", parents=[common], help="how a plan's detection moves over the estimates' ranges",
                        description="Re-score a plan with each [[uncertain]] range of the config at its low and "
                                    "high end (a tornado) and with every range drawn at once (a seeded Monte "
                                    "Carlo, on the cores), and print the 5th, 50th and 95th percentiles beside the "
                                    "detection with the file's values. Writes sensitivity.json, sensitivity.md, "
                                    "tornado.png and draws.png to --out.", epilog=f"example: {EXAMPLES['sensitivity']}")
    se.add_argument("config", help="scenario file (TOML)")
    se.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    se.add_argument("--draws", type=_whole_number(0), default=200, help="draws of every range at once (default 200)")
    se.add_argument("--seed", type=_seed, help="random seed (default: the config's seed)")
    se.add_argument("--workers", type=_positive_int, help="processes (default: 2, or fewer cores)")
    se.add_argument("--out", default=None, help="output folder (default: the plan's folder)")
    se.add_argument("--json", action="store_true", help="print sensitivity.json instead of the summary")
    sub.add_parser("schema", help="print the JSON Schema of a scenario file",
                   description="Print the JSON Schema of a scenario file (every key, its type, range, default "
                               "and meaning), for an editor that checks and completes TOML or JSON against it.",
                   epilog=f"example: {EXAMPLES['schema']}")
    return p


def _add_validate(sub, common) -> None:
    v = sub.add_parser("validate", parents=[common], help="check a scenario file and print its size",
                       description="Check a scenario file and print its size: line km, zone km2, cells, "
                                   "candidate sites per asset, budget.", epilog=f"example: {EXAMPLES['validate']}")
    v.add_argument("config", help="scenario file (TOML)")
    v.add_argument("--json", action="store_true", help="print the size as JSON")


def _add_solve(sub, common) -> None:
    s = sub.add_parser("solve", parents=[common], help="place assets to maximise detection (or verified detection) within the budget",
                       description="Solve a scenario: choose units per candidate site to maximise the expected "
                                   "share of violations detected (or, with --objective verified, detected and "
                                   "reached by a verifier in time), within the yearly budget and caps. Prints a "
                                   "summary and writes plan.json, placements.geojson, cells.csv, map.png and "
                                   "report.md to --out.", epilog=f"example: {EXAMPLES['solve']}")
    s.add_argument("config", help="scenario file (TOML)")
    s.add_argument("--budget-usd", type=_positive_float, help="yearly budget (overrides budget.annual_usd)")
    s.add_argument("--solver", default="greedy", choices=solvers.names(), help="solver (default: greedy)")
    s.add_argument("--objective", choices=OBJECTIVES, help="what to maximise: detection, verified (detected "
                   "and reached by a verifier in time) or worst_segment (the least watched segment's share); "
                   "overrides [objective] name")
    s.add_argument("--min-segment-detection", type=_probability, metavar="SHARE", help="every segment of "
                   "metrics.segment_km must reach this share (by the objective's measure); overrides [objective] "
                   "min_segment_detection; the solver runs once more without it, to print its cost")
    s.add_argument("--robust-losses", type=_positive_int, metavar="K", help="keep, among plans made with the "
                   "units' hazards scaled down, the one that detects most after its worst K units are lost")
    s.add_argument("--out", default=None, help="output folder (default: out/<scenario name>)")
    s.add_argument("--seed", type=_seed, help="random seed (overrides the config's seed)")
    s.add_argument("--time-limit-s", type=_positive_float, help="the solver's own limit: stop it after this many "
                   "seconds (exact: 60 by default)")
    s.add_argument("--deadline-s", type=_positive_float, help="end the whole command (build, solve, baselines, "
                   "outputs) within about this many seconds, with the best plan so far")
    s.add_argument("--gap", type=_gap, help="exact solver: stop once (bound - plan) / bound is at most "
                                                       "this (default 0.001)")


def _add_evaluate(sub, common) -> None:
    e = sub.add_parser("evaluate", parents=[common], help="re-score a plan.json with a scenario's model",
                       description="Re-score a plan (for example one edited by hand): detection, costs, and "
                                   "whether it keeps the budget and caps.", epilog=f"example: {EXAMPLES['evaluate']}")
    e.add_argument("config", help="scenario file (TOML)")
    e.add_argument("plan", help="plan.json written by `monitor solve` (or edited)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument("--losses", type=_whole_number(0), metavar="K", help="detection after the worst 1..K units "
                   "lost, exhaustive where few sets exist, else greedy, with a bound (overrides metrics.losses)")
    e.add_argument("--strict", action="store_true", help="exit with status 1 if the plan breaks the budget or a cap")


def _add_calibrate(sub, common) -> None:
    c = sub.add_parser("calibrate", parents=[common], help="what observer teams at UNIIMOG's density do on a line, figure by figure",
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


def _add_frontier(sub, common) -> None:
    f = sub.add_parser("frontier", parents=[common], help="sweep budgets and asset mixes: what each extra dollar buys",
                       description="Solve a range of yearly budgets for each mix of assets (all; observers: patrol "
                                   "and inspection teams only; remote: sensors, drones and satellites; or NAME=asset,asset), each budget "
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
    f.add_argument("--objective", choices=OBJECTIVES, help="what each point maximises: detection, verified or "
                   "worst_segment (overrides [objective] name); detection and verified are both reported")
    f.add_argument("--gap", type=_gap, help="relative gap at which the solver may stop, per point")
    f.add_argument("--time-limit-s", type=_positive_float, help="stop the solver after this many seconds, per point")
    f.add_argument("--out", default=None, help="output folder (default: out/<scenario name>-frontier)")
    f.add_argument("--workers", type=_positive_int, help="local worker processes (default: all cores)")
    f.add_argument("--scheduler", metavar="ADDRESS", help="run on this Dask scheduler (tcp://host:8786) instead "
                   "of local processes; needs pip install 'monitor[cluster]'")
    f.add_argument("--split", type=_positive_int, default=1, help="cut each mix's budgets into this many chains "
                   "that start cold, for more parallel tasks (default 1)")
    f.add_argument("--quiet", action="store_true", help="no progress bar on stderr")


def _add_pareto(sub, common) -> None:
    pa = sub.add_parser("pareto", parents=[common], help="expected detection against the worst segment at one budget",
                        description="Solve the config at its budget once per level of min_segment_detection (every "
                                    "segment at the level or above), and once for the worst segment itself. Prints "
                                    "each plan's detection and worst segment, and writes pareto.md, pareto.png and "
                                    "pareto.json to --out: what closing the gaps costs.",
                        epilog=f"example: {EXAMPLES['pareto']}")
    pa.add_argument("config", help="scenario file (TOML)")
    pa.add_argument("--levels", type=_levels, default=[0.0, 0.2, 0.4, 0.6], metavar="FROM:TO:N",
                    help="N levels of min_segment_detection evenly spaced from FROM to TO in [0, 1] (default 0:0.6:4)")
    pa.add_argument("--solver", default="greedy", choices=solvers.names(), help="solver (default: greedy)")
    pa.add_argument("--time-limit-s", type=_positive_float, help="stop the solver after this many seconds, per plan")
    pa.add_argument("--out", default=None, help="output folder (default: out/<scenario name>-pareto)")
    pa.add_argument("--json", action="store_true", help="print pareto.json instead of the table")


def _add_schedule(sub, common) -> None:
    sc = sub.add_parser("schedule", parents=[common], help="turn a plan into one day's patrol routes and drone sorties",
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
    sc.add_argument("--strict", action="store_true", help="exit with status 1 if the plan breaks the budget or a cap")


def _add_simulate(sub, common) -> None:
    sm = sub.add_parser("simulate", parents=[common], help="check a plan against simulated violations (Monte Carlo)",
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
    sm.add_argument("--strict", action="store_true", help="exit with status 1 if the plan breaks the budget or a cap")


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


def _probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be a number in [0, 1], got {text!r}")
    return value


def _levels(text: str) -> list[float]:
    try:
        return parse_levels(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _budget_range(text: str) -> list[float]:
    try:
        return parse_budgets(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
