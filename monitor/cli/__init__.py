"""`monitor` on the command line: parse the flags (`parser.py`), call the API, hand the result
to its writer, print its text.

Bad input (a config or plan problem, a bad flag) prints one line per problem naming the
file, key (or flag) and value, exits with status 2, and writes nothing: the output folder
is checked before any work. Ctrl-C during a solve stops the solver at its next safe point;
the best plan so far is written whole and the exit status is 130.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

import monitor.api as api

from ..errors import MonitorError
from ..model.overrides import parse_set
from ..outputs.files import check_out_dir, dumps
from ..outputs.progress import Progress
from ..solvers.solution import check_time_limit
from .parser import build_parser

INTERRUPTED = 130
STARTED = time.monotonic()  # when this module was imported: a console command's start, for --deadline-s


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.started = STARTED if argv is None else time.monotonic()  # a console run counts its imports too
    args.verbose, args.log_level = getattr(args, "verbose", False), getattr(args, "log_level", None)
    _logging(args)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler) if main_thread else None
    try:  # SIGTERM ends a command as Ctrl-C does
        return COMMANDS[args.command](args)
    except MonitorError as exc:
        for line in exc.lines:
            print(f"monitor: error: {line}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        print("monitor: interrupted; no file was left half written", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:  # stdout closed early (monitor ... | head): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


def _logging(args) -> None:
    """-v or --log-level: the steps of the work on stderr, through the standard logging module."""
    level = args.log_level or ("info" if args.verbose else "warning")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("monitor: %(message)s"))
    root = logging.getLogger("monitor")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False


def _outputs(out: Path, files: list[Path]) -> None:
    print(f"  outputs in {out}/: " + ", ".join(p.relative_to(out).as_posix() for p in files))


def _print(res, as_json: bool) -> None:
    sys.stdout.write(dumps(res.to_dict()) if as_json else res.text())


def _scenario(args, **flagged):
    """The config with its --scenario tables and --set overrides applied, and the flags given as keys."""
    sets = dict(parse_set(text) for text in args.set)
    flags = {k: "--set" for k in sets}
    given = {k: v for k, v in flagged.items() if v is not None}
    return api.scenario(args.config, {**sets, **given}, args.scenario, flags)


def _validate(args) -> int:
    _print(api.validate(_scenario(args)), args.json)
    return 0


def _solve(args) -> int:
    s = _scenario(args, **{"budget.annual_usd": args.budget_usd, "seed": args.seed, "objective.name": args.objective,
                           "objective.min_segment_detection": args.min_segment_detection})
    out = check_out_dir(args.out if args.out is not None else Path("out") / s.label)
    check_time_limit(args.deadline_s, "deadline_s")  # the value given, before what is left of it
    left = None if args.deadline_s is None else args.deadline_s - (time.monotonic() - args.started)
    res = api.solve(s, solver=args.solver, time_limit_s=args.time_limit_s, gap=args.gap,
                    robust_losses=args.robust_losses,
                    deadline_s=None if left is None else max(left, 0.1))
    files = res.write(out)
    sys.stdout.write(res.text())
    _outputs(out, files)
    if res.interrupted:
        print("monitor: interrupted: the best plan so far and its bound are written", file=sys.stderr)
        return INTERRUPTED
    return 0


def _evaluate(args) -> int:
    res = api.evaluate(_scenario(args, **{"metrics.losses": args.losses}), args.plan)
    _print(res, args.json)
    return _strict(args, res.problems)


def _strict(args, problems: list[str]) -> int:
    """Status 1 for a plan that breaks the budget or a cap, when --strict asks for it."""
    if args.strict and problems:
        print(f"monitor: --strict: the plan breaks {'; '.join(problems)}", file=sys.stderr)
        return 1
    return 0


def _calibrate(args) -> int:
    _print(api.calibrate(_scenario(args), asset=args.asset), args.json)
    return 0


def _frontier(args) -> int:
    s = _scenario(args, **{"objective.name": args.objective})
    out = check_out_dir(args.out if args.out is not None else Path("out") / f"{s.label}-frontier")
    run = api.frontier(s, args.budgets_usd, mixes=args.mix, solver=args.solver, checkpoint_dir=out,
                       scheduler=args.scheduler, workers=args.workers, split=args.split,
                       progress=Progress(enabled=not args.quiet), gap=args.gap, time_limit_s=args.time_limit_s)
    files = run.write(out)
    sys.stdout.write(run.text())
    _outputs(out, files)
    return 0


def _schedule(args) -> int:
    out = check_out_dir(args.out if args.out is not None else Path(args.plan).parent)
    res = api.schedule(_scenario(args), args.plan, time_limit_s=args.time_limit_s)
    _written(res, out, args.json)
    return _strict(args, res.model.instance.check(res.units))


def _simulate(args) -> int:
    out = check_out_dir(args.out if args.out is not None else Path(args.plan).parent)
    res = api.simulate(_scenario(args), args.plan, days=args.days, seed=args.seed, mode=args.mode,
                       violations=args.violations, time_limit_s=args.time_limit_s)
    _written(res, out, args.json)
    return _strict(args, res.model.instance.check(res.units))


def _written(res, out: Path, as_json: bool) -> int:
    """Write a plan study's files to `out`, then print its JSON or its text and the files."""
    files = res.write(out)
    _print(res, as_json)
    if not as_json:
        _outputs(out, files)
    return 0


def _sensitivity(args) -> int:
    out = check_out_dir(args.out if args.out is not None else Path(args.plan).parent)
    res = api.sensitivity(_scenario(args), args.plan, draws=args.draws, seed=args.seed, workers=args.workers)
    return _written(res, out, args.json)


def _pareto(args) -> int:
    s = _scenario(args)
    out = check_out_dir(args.out if args.out is not None else Path("out") / f"{s.label}-pareto")
    run = api.pareto(s, args.levels, solver=args.solver, time_limit_s=args.time_limit_s)
    files = run.write(out)
    _print(run, args.json)
    if not args.json:
        _outputs(out, files)
    return 0


def _schema(args) -> int:
    sys.stdout.write(dumps(api.schema()))
    return 0


COMMANDS = {"schema": _schema, "sensitivity": _sensitivity, "validate": _validate, "solve": _solve, "evaluate": _evaluate, "calibrate": _calibrate,
            "frontier": _frontier, "pareto": _pareto, "schedule": _schedule, "simulate": _simulate}
