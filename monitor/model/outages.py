"""Correlated outages: the states a cell can be in, as more rows of the same matrix.

Outage k is on a share pi_k of the time, independently of the others, and while it is on the
units of its assets (by name or kind) see and verify nothing in its region (the whole line, a
stretch of it, or a circle). A violation happens under one state and keeps it while it lasts
(outages last days, violations hours). The score is the expectation over states s,

    D(n) = sum_s pi_s D_s(n),   pi_s = prod_{k on in s} pi_k prod_{k off in s} (1 - pi_k),

where D_s scores the plan with the failed units taken out of the cells their outages cover.
For cell i only the outages whose region holds it matter; each subset T of them gives the cell
a row of B (and of every R_c) with the columns of the failed assets zeroed, and weight
w[i, c] pi_T. Subsets that fail the same assets merge into one row with their summed weight.
A cell under no outage keeps its one row, so D keeps its form, sum over rows of w (1 - exp(-u)),
and every solver and bound works on the expanded instance unchanged.

`Instance.fold` takes a per-row array back to cells (sum_r pi_r X_r over the cell's rows):
the expected value per cell, for maps and per-cell metrics.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import numpy as np
import scipy.sparse as sp

from .geometry import Cells, Geometry
from .instance import Instance, Verification
from .schema import Scenario


def region_mask(s: Scenario, geo: Geometry, cells: Cells, o) -> np.ndarray:
    """(cells,) the cells outage o covers: a stretch by position along the line, a circle by centroid."""
    if o.from_km is not None:
        return (cells.s_km >= o.from_km) & (cells.s_km < o.to_km)
    if o.lon is not None:
        xy = np.concatenate(geo.to_km([o.lon], [o.lat]))
        return np.hypot(*(cells.xy_km - xy).T) <= o.radius_km
    return np.ones(len(cells), bool)


def asset_mask(s: Scenario, o) -> int:
    """The assets outage o fails, as a bit mask over the scenario's asset indices."""
    bits = 0
    for a_i, a in enumerate(s.assets):
        if a.name in o.assets or a.kind in o.assets:
            bits |= 1 << a_i
    return bits


def outage_rows(s: Scenario, geo: Geometry, cells: Cells) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row_cell, row_prob, row_down): for each row, its cell, its probability and the failed
    assets' bit mask; cells in order, each cell's rows by state (see the module doc)."""
    n = len(cells)
    if not s.outages:
        return np.arange(n), np.ones(n), np.zeros(n, np.int64)
    touch = np.zeros(n, np.int64)  # bit k: outage k covers the cell
    for k, o in enumerate(s.outages):
        touch |= region_mask(s, geo, cells, o).astype(np.int64) << k
    masks = [asset_mask(s, o) for o in s.outages]
    pi = np.array([o.share_of_time for o in s.outages])
    states = {}  # touch pattern -> [(down mask, probability)], merged by mask
    for code in np.unique(touch):
        ks = [k for k in range(len(pi)) if code >> k & 1]
        merged: dict[int, float] = {}
        for on in product((False, True), repeat=len(ks)):
            prob = float(np.prod([pi[k] if x else 1 - pi[k] for k, x in zip(ks, on)]))
            down = 0
            for k, x in zip(ks, on):
                down |= masks[k] if x else 0
            if prob > 0:
                merged[down] = merged.get(down, 0.0) + prob
        states[int(code)] = sorted(merged.items())
    per_cell = [states[int(c)] for c in touch]
    row_cell = np.repeat(np.arange(n), [len(x) for x in per_cell])
    row_down = np.array([d for x in per_cell for d, _ in x], np.int64)
    row_prob = np.array([p for x in per_cell for _, p in x])
    return row_cell, row_prob, row_down


def _rows(M: sp.spmatrix, row_cell: np.ndarray, row_down: np.ndarray, site_asset: np.ndarray) -> sp.csc_matrix:
    """M's rows by row_cell, with the entries of failed assets' sites dropped."""
    E = sp.csr_matrix(M)[row_cell].tocoo()
    keep = (row_down[E.row] >> site_asset[E.col].astype(np.int64)) & 1 == 0
    return sp.csc_matrix((E.data[keep], (E.row[keep], E.col[keep])), shape=E.shape)


def expand(inst: Instance, row_cell: np.ndarray, row_prob: np.ndarray, row_down: np.ndarray) -> Instance:
    """The instance over outage rows: B and R by row with failed assets dropped, W times the row's
    probability, each cell's side and segment carried to its rows."""
    if len(row_cell) == inst.B.shape[0] and not row_down.any():
        return inst
    ver = inst.verify
    if ver is not None:
        ver = Verification(R=[_rows(Rc, row_cell, row_down, inst.site_asset) for Rc in ver.R], group=ver.group,
                           alpha=ver.alpha)
    return replace(inst, B=_rows(inst.B, row_cell, row_down, inst.site_asset), W=inst.W[row_cell] * row_prob[:, None],
                   verify=ver, cell_side=None if inst.cell_side is None else inst.cell_side[row_cell],
                   cell_segment=None if inst.cell_segment is None else inst.cell_segment[row_cell],
                   row_cell=row_cell, row_prob=row_prob, row_down=row_down)
