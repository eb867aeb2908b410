"""Inspections in the Monte Carlo (`monitor simulate`): visits on a fixed cycle at a phase the
violator does not know, and the (violation, unit) pair helpers the simulation shares.

A unit at an inspection site visits every part of its sector every T = 24 cycle_days hours.
After a violation starts, its first visit comes at U ~ uniform(0, T) (the phase, drawn per
violation and unit), then at U + T, U + 2T, ...; each visit inside [0, tau) notices it with
q = availability * p. The first visit that notices it is the G-th, G ~ Geometric(q), so it is
detected when U + (G - 1) T < tau, at that time plus the unit's alert_delay_h. Its chance is the
model's P = 1 - (1 - q)^k (1 - phi q) (`model/hazards.py`), which this checks without using it.
"""

from __future__ import annotations

import numpy as np

from ..model.build import ScenarioModel


def pairs(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (violation, entry) pairs of a CSR matrix's rows `rows`: violation index and entry position."""
    counts = indptr[rows + 1] - indptr[rows]
    v = np.repeat(np.arange(len(rows)), counts)
    pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(indptr[rows], counts)
    return v, pos


def min_by(v: np.ndarray, t: np.ndarray, n: int) -> np.ndarray:
    """Per violation, the least t over its entries (v sorted); inf where none."""
    out = np.full(n, np.inf)
    if len(v):
        starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
        out[v[starts]] = np.minimum.reduceat(t, starts)
    return out


class Inspections:
    """The plan's inspection units, ready to detect draws (see the module's docstring)."""

    def __init__(self, model: ScenarioModel, units: np.ndarray, sites: np.ndarray, p_table: np.ndarray):
        """`sites`: the placed inspection sites; `p_table[k, c]`: p of site k's asset for class c."""
        s, st = model.scenario, model.sites
        assets = [s.assets[a] for a in st.asset[sites]]
        self.B = model.instance.B[:, sites].tocsr()  # rows of the instance: outage states included
        self.n = np.asarray(units)[sites].astype(np.int64)
        self.cycle_h = np.array([a.cycle_h for a in assets], float)
        self.q = np.array([a.availability for a in assets], float)[:, None] * p_table
        self.delay = np.array([a.alert_delay_h for a in assets], float)

    def detect(self, d, rng: np.random.Generator) -> np.ndarray:
        """Hours to the alert of each violation by inspection; inf where no visit notices it."""
        v, pos = pairs(self.B.indptr, d.row)
        k = self.B.indices[pos]
        reps = self.n[k]
        v, k = np.repeat(v, reps), np.repeat(k, reps)  # every unit at a site keeps its own phase
        T, q = self.cycle_h[k], self.q[k, d.cls[v]]
        first = rng.random(len(v)) * T
        g = rng.geometric(np.where(q > 0, q, 1.0)).astype(float)
        t = np.where(q > 0, first + (g - 1) * T, np.inf)
        hit = t < d.tau_h[v]
        return min_by(v[hit], t[hit] + self.delay[k[hit]], len(d.cell))
