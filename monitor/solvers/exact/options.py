"""The exact solver's options: what a user sets, and the tuning of its phases.

Shares are of the time limit unless said otherwise; they were tuned on the benchmark
instances (`benchmarks/`), and every phase still returns a valid bound whatever they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..solution import check_time_limit, option_problem

MIP_SOLVERS = ("scip", "highs", "cp-sat")


@dataclass(frozen=True)
class Tuning:
    """How the exact solver shares its time and grows its program."""

    cut_tol: float = 1e-9
    """A cut is added when the LP's z exceeds it by more than this."""
    lp_rounds: int = 50
    """At most this many LP solves in the cut loop."""
    swap_share: float = 0.15
    """Of the time limit, for swaps from the greedy plan."""
    fw_share: float = 0.05
    """Of the time limit at most, for the Frank-Wolfe bound (it stops sooner once it stalls)."""
    lp_share: float = 0.5
    """Of the time left after the warm plan, for the LP cut loop."""
    lp_reserve: float = 0.1
    """Of the time limit, kept from the first LP solve for the phases after it."""
    lp_plan_share: float = 0.25
    """Of the time limit, for swaps from the LP's rounded plan."""
    lp_stall: float = 0.05
    """Stop the LP loop when a round lowers the bound by less than this share of the target gap."""
    dp_share: float = 0.5
    """Of the time left after the LP, for the yes/no coverage DP."""
    split_share: float = 0.6
    """V only: of the time left, at most, for the LPs on both sides of a split on the number of verifiers."""
    split_rounds: int = 1
    """V only: LP solves at most on each side of that split (the first gives the bound; later ones add cuts first)."""
    sub_mip_share: float = 0.15
    """Of the time limit, for the MIP restricted to the LP's sites (a heuristic: plans only)."""
    sub_mip_sites: int = 100
    """At least this many closed sites with the best reduced costs are opened too."""
    fix_tol: float = 1e-7
    """Relative safety margin of reduced-cost fixing, above the LP's tolerances."""
    min_slope: float = 1e-9
    """Cuts flatter than this are left out (see Program.add_cuts)."""
    max_cuts: int = 2000
    """Cuts added per LP round at most."""
    gap_tol: float = 1e-12
    """A gap this small counts as closed (floating point)."""


@dataclass(frozen=True)
class ExactOptions:
    """What `--solver exact` takes."""

    time_limit_s: float | None = 60.0
    """Stop after this many seconds with the best plan and bound so far (default 60)."""
    gap: float = 1e-3
    """Stop once (bound - plan) / bound is at most this; 0 asks for a proven optimum."""
    mip_solver: str = "scip"
    """The MIP solver of OR-Tools MathOpt for the branching phases: scip, highs or cp-sat."""
    tuning: Tuning = field(default_factory=Tuning)
    """How the phases share the time (see Tuning)."""

    def __post_init__(self):
        check_time_limit(self.time_limit_s)
        option_problem("gap", self.gap, 0 <= self.gap < 1, "must be a number in [0, 1)")
        option_problem("mip_solver", self.mip_solver, self.mip_solver in MIP_SOLVERS,
                       f"must be one of {', '.join(MIP_SOLVERS)}")

    @property
    def limit_s(self) -> float:
        return 60.0 if self.time_limit_s is None else float(self.time_limit_s)
