"""A placement problem as arrays: the sparse hazard matrix, weights, costs and caps; the score
of a plan, and the one feasibility oracle every solver, baseline and check uses.

With n[j] units at candidate site j, the summed hazard of class c in cell i is

    u[i, c] = sum_j b[i, j] * f[j, c] * n[j]            (U = B @ (n * F))

and the plan's score, the expected share of all violations it detects, is

    D(n) = sum_c share_c * sum_i w[i, c] * (1 - exp(-u[i, c])),   sum_i w[i, c] = 1.

`Instance` holds only arrays (B, F, W, costs, caps), so solvers and their tests need no
geometry: `Instance.from_arrays` builds one by hand; `model.build.build_instance` from a scenario.

Verified detection (objective "verified"). A detected violation counts as verified when a
placed verifier (a team, or a drone that verifies) reaches the cell within the class's window.
With r[i, c, q] = sum_{j of verifier group q} R_c[i, j] n[j] the units of group q that can reach
cell i in time for class c, and alpha_q the group's availability,

    rho[i, c] = max_q alpha_q 1[r[i, c, q] >= 1],
    V(n) = sum_c share_c * sum_i w[i, c] * P[i, c] * rho[i, c]   <= D(n).

rho counts the best single verifier in reach, not a second one standing by: conservative when
verifiers overlap, and it keeps V linear in the program's variables (see solvers/exact/program.py).

Worst segment (objective "worst_segment"). Each (cell, class) belongs to a group g: the segment
of metrics.segment_km holding the cell, or with per_class the pair (segment, class). A group's
score is the share of its violations the plan gets by `measure` (D's P, or V's P rho):

    S_g(n) = sum_{(i, c) in g} share_c w[i, c] X[i, c](n) / sum_{(i, c) in g} share_c w[i, c],

and the objective is min_g S_g(n): what a violator who picks the least watched stretch faces.
With min_segment > 0 every plan must keep S_g(n) >= min_segment for every group (a constraint
on the objective detection or verified, by its own measure). With every_cell_seen (on by
default for worst_segment), every cell with violations must also be in reach of a placed unit:
sum_j 1[b[i, j] > 0] n[j] >= 1, for a violator may pick a single cell as well as a segment.

Outages (model/outages.py). With [[outages]], the rows of B, W and the R_c are (cell, outage
state) pairs, W carrying the state's probability, so every formula above is the expectation over
states; `fold` and `cell_W` take per-row arrays back to cells.

Feasibility. A plan n keeps the budget when cost.n <= budget (1 + BUDGET_TOL): one relative
tolerance, for the rounding of sums of costs, used everywhere a budget is compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

BUDGET_TOL = 1e-9  # relative slack on the budget, for the rounding of sums of costs
PARITY_TOL = 1e-9  # absolute slack on max_side_gap, for the rounding of the sides' sums


@dataclass
class Verification:
    """Who can verify what in time: per class a (cells, sites) 0/1 matrix R_c, each site's verifier group."""

    R: list               # per class, sp.csc_matrix (cells, sites): 1 where a unit at j reaches i in time
    group: np.ndarray     # (sites,) verifier group q (one per verifying asset), -1 where units do not verify
    alpha: np.ndarray     # (groups,) availability of each group

    @property
    def Q(self) -> int:
        return len(self.alpha)

    def counts(self, units: np.ndarray) -> np.ndarray:
        """r[i, c, q]: units of group q that reach cell i in time for class c."""
        n = np.asarray(units, float)
        by_group = np.stack([np.where(self.group == q, n, 0.0) for q in range(self.Q)], axis=1)  # (sites, Q)
        return np.stack([np.asarray(Rc @ by_group) for Rc in self.R], axis=1)

    def rho(self, units: np.ndarray) -> np.ndarray:
        """rho[i, c] = max_q alpha_q 1[r[i, c, q] >= 1]: the chance the best verifier in reach answers."""
        return self.rho_of(self.counts(units))

    def rho_of(self, r: np.ndarray) -> np.ndarray:
        """rho from verifier counts r[..., q] (any leading shape)."""
        if r.shape[-1] == 0:
            return np.zeros(r.shape[:-1])
        return np.where(r >= 0.5, self.alpha, 0.0).max(axis=-1)


OBJECTIVES = ("detection", "verified", "worst_segment")
SEGMENT_TOL = 1e-9  # absolute slack on min_segment, for the rounding of the groups' sums


@dataclass
class Instance:
    """A placement problem as arrays: what solvers, metrics and evaluate share."""

    B: sp.csc_matrix          # (cells, sites) hazard pattern b[i, j]
    F: np.ndarray             # (sites, classes) class factor f[j, c]
    W: np.ndarray             # (cells, classes) violation weights, each column sums to 1
    share: np.ndarray         # (classes,)
    cost_usd: np.ndarray      # (sites,) yearly cost of one unit
    observers: np.ndarray     # (sites,) observers per unit
    site_cap: np.ndarray      # (sites,) max units per site
    site_asset: np.ndarray    # (sites,) asset index
    asset_cap: np.ndarray     # (assets,) max units per asset
    budget_usd: float
    max_observers: float = np.inf
    is_sensor: np.ndarray | None = None   # (sites,) sensors watch all the time; others search
    duration_h: np.ndarray | None = None  # (classes,)
    names: dict = field(default_factory=dict)  # class and asset names, for reports
    verify: Verification | None = None    # who verifies what in time; none: nothing is ever verified
    objective: str = "detection"          # what score() returns: "detection" D or "verified" V
    site_min: np.ndarray | None = None    # (sites,) units a site must hold (existing units)
    asset_min: np.ndarray | None = None   # (assets,) units an asset must hold (a mandated force)
    cell_side: np.ndarray | None = None   # (cells,) 0 for side A, 1 for side B (for max_side_gap)
    max_side_gap: float = np.inf          # |score of side A - score of side B| a plan may not exceed
    cell_segment: np.ndarray | None = None  # (cells,) segment of metrics.segment_km holding each cell
    per_class: bool = False               # worst segment over (segment, class) pairs, not segments
    measure: str = "detection"            # what worst_segment and min_segment measure: detection or verified
    min_segment: float = 0.0              # every group's score must reach this (0: no constraint)
    every_cell_seen: bool = False         # every cell with violations must be in reach of a placed unit
    row_cell: np.ndarray | None = None    # (rows,) with outages: the cell of each row (model/outages.py)
    row_prob: np.ndarray | None = None    # (rows,) with outages: the probability of the row's state
    row_down: np.ndarray | None = None    # (rows,) with outages: bit mask of the assets failed in the row's state

    @classmethod
    def from_arrays(cls, hazard, weights, cost_usd, budget_usd, share=None, observers=None,
                    site_cap=None, site_asset=None, asset_cap=None, max_observers=np.inf):
        """An instance from a plain (cells x sites) hazard matrix, one class unless `weights` has more columns.

        `hazard` may be dense or sparse; weights are normalised per class.
        """
        W = np.asarray(weights, float)
        W = W[:, None] if W.ndim == 1 else W
        W = W / W.sum(axis=0, keepdims=True)
        B = sp.csc_matrix(hazard, dtype=float)
        n_sites, n_cls = B.shape[1], W.shape[1]
        site_asset = np.zeros(n_sites, int) if site_asset is None else np.asarray(site_asset)
        n_assets = int(site_asset.max()) + 1 if n_sites else 1
        return cls(
            B=B, F=np.ones((n_sites, n_cls)), W=W,
            share=np.full(n_cls, 1 / n_cls) if share is None else np.asarray(share, float),
            cost_usd=np.broadcast_to(np.asarray(cost_usd, float), (n_sites,)).copy(),
            observers=np.zeros(n_sites) if observers is None else np.asarray(observers, float),
            site_cap=np.ones(n_sites, int) if site_cap is None else np.broadcast_to(site_cap, (n_sites,)).astype(int),
            site_asset=site_asset,
            asset_cap=np.full(n_assets, np.iinfo(np.int64).max) if asset_cap is None else np.asarray(asset_cap),
            budget_usd=float(budget_usd), max_observers=max_observers,
            is_sensor=np.ones(n_sites, bool), duration_h=np.ones(n_cls),
        )

    @property
    def n_sites(self) -> int:
        return self.B.shape[1]

    @property
    def n_cells(self) -> int:
        """Cells of the zones: rows of B, or with outages the cells the rows belong to."""
        return self.B.shape[0] if self.row_cell is None else int(self.row_cell.max(initial=-1)) + 1

    def fold(self, X: np.ndarray) -> np.ndarray:
        """A per-row array as per cell: sum over the cell's rows r of pi_r X[r] (the expectation over
        outage states); X itself without outages."""
        if self.row_cell is None:
            return X
        X = np.asarray(X, float)
        flat = X.reshape(len(X), -1) * self.row_prob[:, None]
        out = np.stack([np.bincount(self.row_cell, weights=flat[:, k], minlength=self.n_cells)
                        for k in range(flat.shape[1])], axis=1)
        return out.reshape((self.n_cells,) + X.shape[1:])

    @property
    def cell_W(self) -> np.ndarray:
        """(cells, classes) violation weights per cell (the rows' W summed back; W itself without outages)."""
        if self.row_cell is None:
            return self.W
        return np.stack([np.bincount(self.row_cell, weights=self.W[:, c], minlength=self.n_cells)
                         for c in range(self.W.shape[1])], axis=1)

    def hazard(self, units: np.ndarray) -> np.ndarray:
        """U[i, c] = sum_j b[i, j] f[j, c] n[j]."""
        return np.asarray(self.B @ (np.asarray(units, float)[:, None] * self.F))

    def detection_by_cell(self, units: np.ndarray) -> np.ndarray:
        """P[i, c] = 1 - exp(-U[i, c])."""
        return -np.expm1(-self.hazard(units))

    def detected(self, units: np.ndarray) -> float:
        """D(n): the expected share of all violations detected."""
        P = self.detection_by_cell(units)
        return float(self.share @ (self.W * P).sum(axis=0))

    def verified_by_cell(self, units: np.ndarray) -> np.ndarray:
        """P[i, c] rho[i, c]: the chance a violation of class c in cell i is detected and verified."""
        P = self.detection_by_cell(units)
        return P * self.verify.rho(units) if self.verify is not None else np.zeros_like(P)

    def verified(self, units: np.ndarray) -> float:
        """V(n): the expected share of all violations detected and verified in time."""
        return float(self.share @ (self.W * self.verified_by_cell(units)).sum(axis=0))

    def score(self, units: np.ndarray) -> float:
        """The objective of a plan: D(n), V(n) or the worst group's score, as `objective` says."""
        if self.objective == "worst_segment":
            return self.worst_segment(units)
        return self.verified(units) if self.objective == "verified" else self.detected(units)

    @property
    def base(self) -> str:
        """The per-cell measure the objective, the sides and the groups are scored by: detection or verified."""
        return self.measure if self.objective == "worst_segment" else self.objective

    def base_by_cell(self, units: np.ndarray) -> np.ndarray:
        """P[i, c] (detection) or P rho (verified), as `base` says."""
        return self.verified_by_cell(units) if self.base == "verified" else self.detection_by_cell(units)

    @property
    def has_segments(self) -> bool:
        """Whether groups enter the problem: the worst_segment objective or a min_segment constraint."""
        return self.cell_segment is not None and (self.objective == "worst_segment" or self.min_segment > 0)

    def entry_group(self) -> np.ndarray:
        """(cells, classes) group of each (cell, class): its segment, or (segment, class) with per_class."""
        seg = np.zeros(self.W.shape[0], np.int64) if self.cell_segment is None else self.cell_segment.astype(np.int64)
        C = self.W.shape[1]
        return seg[:, None] * C + np.arange(C) if self.per_class else np.repeat(seg[:, None], C, axis=1)

    def group_weight(self) -> np.ndarray:
        """(groups,) each group's share of all violations (0 for groups with none)."""
        return np.bincount(self.entry_group().ravel(), weights=(self.W * self.share).ravel())

    def segment_scores(self, units: np.ndarray) -> np.ndarray:
        """(groups,) S_g(n), the share of each group's violations the plan gets by `base`; nan where a group has none."""
        G, WS = self.entry_group().ravel(), (self.W * self.share).ravel()
        num = np.bincount(G, weights=WS * self.base_by_cell(units).ravel())
        den = np.bincount(G, weights=WS)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)

    def worst_segment(self, units: np.ndarray) -> float:
        """min_g S_g(n) over groups holding violations (0 if none does)."""
        S = self.segment_scores(units)
        return float(np.nanmin(S)) if np.isfinite(S).any() else 0.0

    def cover_rows(self) -> np.ndarray:
        """The rows every_cell_seen asks a unit to reach: cells with violations, in the state with no
        outage on (a unit out in an outage cannot be asked to see)."""
        rows = self.W.sum(axis=1) > 0
        return rows if self.row_down is None else rows & (self.row_down == 0)

    def sight(self) -> sp.csc_matrix:
        """(rows, sites) 1 where a unit at the site sees the row at all (b > 0): what every_cell_seen asks for."""
        return (abs(self.B) > 0).astype(float).tocsc()

    def unseen_cells(self, units: np.ndarray) -> np.ndarray:
        """With every_cell_seen: the cover rows no placed unit reaches (none otherwise)."""
        if not self.every_cell_seen:
            return np.zeros(0, np.int64)
        seen = (self.sight() @ (np.asarray(units, float) > 0).astype(float)) > 0
        return np.flatnonzero(~seen & self.cover_rows())

    def side_scores(self, units: np.ndarray) -> np.ndarray:
        """(2,) each side's score by `base`, as a share of that side's violations (0 for an empty side)."""
        WS = self.W * self.share
        got = WS * self.base_by_cell(units)
        side = np.zeros(WS.shape[0], int) if self.cell_side is None else self.cell_side
        num = np.bincount(side, weights=got.sum(axis=1), minlength=2)
        den = np.bincount(side, weights=WS.sum(axis=1), minlength=2)
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)

    @property
    def has_parity(self) -> bool:
        """Whether max_side_gap constrains plans."""
        return bool(np.isfinite(self.max_side_gap)) and self.cell_side is not None

    def side_gap(self, units: np.ndarray) -> float:
        """|S_A - S_B|: how far apart the sides' scores are."""
        a, b = self.side_scores(units)
        return abs(float(a - b))

    def with_objective(self, objective: str) -> "Instance":
        """The same instance scored by `objective` ("detection", "verified" or "worst_segment")."""
        from dataclasses import replace
        return replace(self, objective=objective)

    def as_worst_segment(self, every_cell_seen: bool) -> "Instance":
        """The same instance scored by its least watched segment, measured as its own objective is
        (`base`), without min_segment: the problem of a plan for a violator who picks the stretch."""
        from dataclasses import replace
        return replace(self, objective="worst_segment", measure=self.base, min_segment=0.0,
                       every_cell_seen=every_cell_seen)

    def restrict(self, sites: np.ndarray) -> "Instance":
        """The instance on a subset of candidate sites: columns of B and R, rows of the per-site arrays.

        Asset indices are kept, so per-asset caps still apply; an asset left without sites loses its min_units.
        """
        from dataclasses import replace
        sites = np.asarray(sites)
        ver = self.verify
        if ver is not None:
            ver = Verification(R=[Rc[:, sites].tocsc() for Rc in ver.R], group=ver.group[sites], alpha=ver.alpha)
        asset_min = self.asset_min
        if asset_min is not None:
            asset_min = np.where(np.bincount(self.site_asset[sites], minlength=len(asset_min)) > 0, asset_min, 0)
        return replace(
            self, B=self.B[:, sites], F=self.F[sites], cost_usd=self.cost_usd[sites],
            observers=self.observers[sites], site_cap=self.site_cap[sites], site_asset=self.site_asset[sites],
            is_sensor=None if self.is_sensor is None else self.is_sensor[sites], verify=ver,
            site_min=None if self.site_min is None else self.site_min[sites], asset_min=asset_min)

    def share_by_cell(self, X: np.ndarray) -> np.ndarray:
        """Per cell, sum_c share_c w[i, c] X[i, c] / sum_c share_c w[i, c]: the share of its violations X
        (per row) holds, over outage states by their probability."""
        WS = self.cell_W * self.share
        den = WS.sum(axis=1)
        return np.where(den > 0, (WS * self.fold(X)).sum(axis=1) / np.where(den > 0, den, 1), 0.0)

    @property
    def lower(self) -> np.ndarray:
        """Units each site must hold (0 unless existing units stand there)."""
        return np.zeros(self.n_sites, int) if self.site_min is None else self.site_min

    def cost(self, units: np.ndarray) -> float:
        return float(self.cost_usd @ units)

    @property
    def budget_limit_usd(self) -> float:
        """The most a plan may cost: the budget with its rounding tolerance."""
        return self.budget_usd * (1 + BUDGET_TOL)

    def units_within_budget(self, cost_usd) -> np.ndarray:
        """Most units at cost_usd each (> 0) that keep the budget: floor(budget (1 + BUDGET_TOL) / cost),
        with a guard of 1e-9 units so that the division's rounding never undercounts."""
        return np.floor(self.budget_limit_usd / np.asarray(cost_usd, float) + 1e-9)

    def room(self, units: np.ndarray | None = None) -> "Room":
        """What is left under the budget and caps after `units` (none by default), as a Room."""
        return Room(self, np.zeros(self.n_sites, int) if units is None else units)

    def fits_alone(self) -> np.ndarray:
        """Sites where one unit alone keeps the budget and every cap."""
        return self.room().fits_all()

    def check(self, units: np.ndarray, minimums: bool = True) -> list[str]:
        """What a plan breaks: budget, observer cap, per-site and per-asset caps, and (unless
        minimums=False) existing units, min_units and max_side_gap; empty if feasible."""
        n = np.asarray(units)
        out = []
        if (n < 0).any():
            out.append("negative units")
        if self.cost(n) > self.budget_limit_usd:
            out.append(f"yearly cost {self.cost(n):,.0f} USD exceeds the budget {self.budget_usd:,.0f} USD")
        if self.observers @ n > self.max_observers:
            out.append(f"{self.observers @ n:g} observers exceed the cap of {self.max_observers:g}")
        over = np.flatnonzero(n > self.site_cap)
        if len(over):
            out.append(f"{len(over)} sites hold more units than max_units_per_site")
        per_asset = np.bincount(self.site_asset, weights=n, minlength=len(self.asset_cap))
        for a in np.flatnonzero(per_asset > self.asset_cap):
            out.append(f"asset {self._asset_name(a)}: {per_asset[a]:g} units exceed max_units {self.asset_cap[a]}")
        if not minimums:
            return out
        short = np.flatnonzero(n < self.lower)
        if self.has_parity and self.side_gap(n) > self.max_side_gap + PARITY_TOL:
            out.append(f"the sides' {self.objective} differs by {100 * self.side_gap(n):.2f} points, more than "
                       f"max_side_gap {100 * self.max_side_gap:.2f}")
        if len(short):
            out.append(f"{len(short)} sites of existing units are left empty")
        out += self.segment_problems(n)
        if self.asset_min is not None:
            for a in np.flatnonzero(per_asset < self.asset_min):
                out.append(f"asset {self._asset_name(a)}: {per_asset[a]:g} units are fewer than min_units "
                           f"{self.asset_min[a]}")
        return out

    def segment_problems(self, units: np.ndarray) -> list[str]:
        """What a plan breaks of every_cell_seen and min_segment (whatever the budget); empty if nothing."""
        out = []
        blind = self.unseen_cells(units)
        if len(blind):
            out.append(f"{len(blind)} cells with violations are seen by no unit (every_cell_seen)")
        if self.min_segment > 0 and self.cell_segment is not None:
            worst = self.worst_segment(units)
            if worst < self.min_segment - SEGMENT_TOL:
                out.append(f"the worst segment's {self.base} is {100 * worst:.2f}%, below min_segment_detection "
                           f"{100 * self.min_segment:.2f}%")
        return out

    def _asset_name(self, a: int):
        return self.names.get("assets", [])[a] if self.names.get("assets") else a


class Room:
    """Budget, observers and units left after a plan, kept up to date as units are added.

    `fits(j)` (one site, for loops that add a unit at a time) and `fits_all()` (every site,
    vectorised) answer the same question: does one more unit at j keep the budget (unless
    budget=False), the observer cap, max_units_per_site and the asset's max_units?
    """

    def __init__(self, inst: Instance, units: np.ndarray):
        self.inst = inst
        self.units = np.array(units, dtype=np.int64)
        self.spent_usd = inst.cost(self.units)
        self.observers = float(inst.observers @ self.units)
        self.per_asset = np.bincount(inst.site_asset, weights=self.units,
                                     minlength=len(inst.asset_cap)).astype(np.int64)

    def fits(self, j: int) -> bool:
        inst, a = self.inst, self.inst.site_asset[j]
        return bool(self.units[j] < inst.site_cap[j] and self.per_asset[a] < inst.asset_cap[a]
                    and self.spent_usd + inst.cost_usd[j] <= inst.budget_limit_usd
                    and self.observers + inst.observers[j] <= inst.max_observers)

    def fits_all(self, budget: bool = True, extra_usd: float = 0.0) -> np.ndarray:
        """fits(j) for every site; `extra_usd` more money (a unit taken out), or no budget test."""
        inst = self.inst
        ok = ((self.units < inst.site_cap) & (self.per_asset[inst.site_asset] < inst.asset_cap[inst.site_asset])
              & (self.observers + inst.observers <= inst.max_observers))
        if budget:
            ok &= self.spent_usd + inst.cost_usd <= inst.budget_limit_usd + extra_usd
        return ok

    def add(self, j: int, k: int = 1) -> None:
        self.units[j] += k
        self.spent_usd += k * self.inst.cost_usd[j]
        self.observers += k * self.inst.observers[j]
        self.per_asset[self.inst.site_asset[j]] += k
