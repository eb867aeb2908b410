"""python -m benchmarks: solver tables by size, the yes/no peer comparison, the Ukraine figures.

    python -m benchmarks --smoke        # smallest size, a few seconds a case; exit 1 on a failed check
    python -m benchmarks                # every size and config, peers, Ukraine figures:
                                        # writes benchmarks/results/solvers.md (tens of minutes)

Peers (spopt, PuLP, highspy) come from the optional extra: pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import run, specs

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="smallest size only, short limits; writes nothing unless --out")
    ap.add_argument("--time-limit-s", type=float, default=None, help="exact solver's limit per case (60; 10 in smoke)")
    ap.add_argument("--gap", type=float, default=1e-3, help="exact solver's gap target (default 0.001)")
    ap.add_argument("--only", nargs="*", default=None, help="case names to run (default: all; none if given empty)")
    ap.add_argument("--no-peers", action="store_true", help="skip the yes/no comparison with spopt and HiGHS")
    ap.add_argument("--no-ukraine", action="store_true", help="skip issue 2's Ukraine figures")
    ap.add_argument("--out", default=None, help="markdown file to write (default: benchmarks/results/solvers.md, "
                                                 "none in smoke mode)")
    args = ap.parse_args(argv)
    limit = args.time_limit_s if args.time_limit_s is not None else (10.0 if args.smoke else 60.0)
    command = "python -m benchmarks " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = ["# Solver benchmarks\n", f"Command: `{command.strip()}`  ", f"Machine: {run.machine()}  ",
             f"Date: {time.strftime('%Y-%m-%d %H:%M')}. Timings on a 2-core machine shared with other jobs: "
             "pessimistic.\n"]
    failures: list[str] = []

    head = ("| case | solver | cells | sites | nonzeros | build s | solve s | objective | bound | gap | "
            "status | peak MB | s to gap 5% / 1% / 0.5% / 0.1% |")
    lines += ["## Solvers by size\n", head, "|" + "---|" * (head.count("|") - 1)]
    for spec in specs.all_specs(smoke=args.smoke):
        if args.only is not None and spec.name not in args.only:
            continue
        greedy = None
        for solver, options in (("greedy", {}), ("swap", {"time_limit_s": limit / 4}),
                                ("exact", {"time_limit_s": limit, "gap": args.gap})):
            row = run.run_case((spec.name, spec.builder, spec.args), solver, options)
            failures += run.check_row(spec.name, solver, row, greedy if solver != "greedy" else None)
            if solver == "greedy":
                greedy = row
            lines.append(_row(spec.name, solver, row))
            print(lines[-1], flush=True)

    if not args.no_peers:
        L, c, p = (200.0, 2.0, 10) if args.smoke else (965.0, 1.0, 40)
        lines += ["", f"## Yes/no coverage (maximal covering) against peers: {L:g} km line, {c:g} km cells, "
                      f"p = {p}, seed 0\n",
                  "| solver | cells | sites | nonzeros | objective | bound | status | seconds | "
                  "of which model building s | time / proven exact's |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        rows = run.peer_rows(L, c, p, 0, limit, args.gap)
        proven = next(r for r in rows if r["peer"] == "monitor exact (gap 0%)")
        for r in rows:
            lines.append(f"| {r['peer']} | {r['cells']:,} | {r['sites']:,} | {r['nonzeros']:,} | {r['objective']:.6f} | "
                         f"{run.fmt(r.get('bound'), '.6f')} | {r['status']} | {r['seconds']:.2f} | "
                         f"{run.fmt(r.get('build_s'), '.2f')} | {r['seconds'] / proven['seconds']:.1f} |")
            print(lines[-1], flush=True)
            if r.get("status") == "Optimal" and r["objective"] > proven["bound"] + 1e-9:
                failures.append(f"yes/no: {r['peer']} found {r['objective']:.9f} above exact's bound {proven['bound']:.9f}")
        if len(rows) == 2:
            lines.append("\n(peers not installed: pip install -e '.[bench]')")
        lines += ["", "Where the proven run's time goes (its log):", ""] + run.phase_lines(proven["log"])

    if not args.no_ukraine and not args.smoke:
        u = run.ukraine_figures()
        lines += ["", "## Ukraine at 1 km cells (issue 2)\n", "| figure | value |", "|---|---|",
                  f"| cells | {u['cells']:,} |", f"| candidate sites | {u['sites']:,} |",
                  f"| matrix nonzeros | {u['nonzeros']:,} |", f"| build s | {u['build_s']:.2f} |",
                  f"| greedy solve s | {u['greedy_s']:.3f} |",
                  f"| `{u['command']}` wall s | {u['command_s']:.2f} |",
                  f"| `{u['command']}` peak MB | {u['command_peak_mb']:.0f} |"]
        if not u["ok"]:
            failures.append(f"{u['command']} failed: {u['stderr']}")

    if failures:
        lines += ["", "## Failed checks\n"] + [f"- {f}" for f in failures]
    text = "\n".join(lines) + "\n"
    out = Path(args.out) if args.out else (None if args.smoke else RESULTS / "solvers.md")
    if out is not None:
        from monitor.atomic import atomic_write

        out.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(out, text)
        print(f"wrote {out}")
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    return 1 if failures else 0


def _row(name: str, solver: str, r: dict) -> str:
    if "error" in r:
        return f"| {name} | {solver} | error: {r['error']} |"
    gaps = " / ".join(run.fmt(r["to_gap"][g], ".1f") for g in run.GAP_LEVELS)
    return (f"| {name} | {solver} | {r['cells']:,} | {r['sites']:,} | {r['nonzeros']:,} | {r['build_s']:.2f} | "
            f"{r['solve_s']:.2f} | {r['objective']:.6f} | {run.fmt(r['bound'], '.6f')} | "
            f"{run.fmt(None if r['gap'] is None else 100 * r['gap'], '.3f')}% | {r['status']} | {r['peak_mb']:.0f} | "
            f"{gaps} |")


if __name__ == "__main__":
    sys.exit(main())
