"""The yes/no coverage DP: its loss identity, exactness for any duals, honest bounds, and its use by exact.

Random covering instances have no line structure and random site orders, so the DP's
correctness cannot lean on the geometry; duals are drawn at random (not the LP's), since
the identity and the DP are exact for every mu >= 0, only slower for poor ones.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import solvers
from monitor.model.hazards import MAX_HAZARD
from monitor.model.instance import Instance
from monitor.solvers.covering import Covering, covering_form, dual_terms, solve_covering
from monitor.solvers.outer import Pieces

SEEDS = st.integers(min_value=0, max_value=2**31 - 1)
FEW = settings(max_examples=30, deadline=None, derandomize=True)


def random_covering(seed: int) -> tuple[Covering, np.ndarray]:
    """A 0/1 coverage matrix, weights, a count p, and random duals (some above the weights)."""
    rng = np.random.default_rng(seed)
    rows, sites = int(rng.integers(3, 16)), int(rng.integers(2, 10))
    A = (rng.random((rows, sites)) < rng.uniform(0.15, 0.6)).astype(float)
    A[np.arange(rows), rng.integers(0, sites, rows)] = 1.0  # every row reachable
    w = rng.random(rows) + 0.01
    w /= w.sum()
    cov = Covering(A=sp.csr_matrix(A), w=w, p=int(rng.integers(0, sites + 1)), sites=rng.permutation(sites),
                   rows=np.arange(rows))
    mu = w * rng.choice([0.0, 0.3, 1.0, 1.7], size=rows) * rng.random(rows)
    return cov, mu


def every_plan(cov: Covering):
    J = cov.A.shape[1]
    for k in range(min(cov.p, J) + 1):
        for chosen in itertools.combinations(range(J), k):
            y = np.zeros(J)
            y[list(chosen)] = 1
            yield y


def score(cov: Covering, y: np.ndarray) -> float:
    return float(cov.w @ np.minimum(cov.A @ y, 1.0))


@FEW
@given(SEEDS)
def test_loss_identity_holds_for_every_plan(seed):
    cov, mu = random_covering(seed)
    du = dual_terms(cov, mu)
    assert min(du.nu.min(), du.s.min(), du.rho.min(), du.d.min(), du.lam) >= 0
    for y in every_plan(cov):
        n = cov.A @ y
        z = np.minimum(n, 1.0)
        loss = (du.d @ y + du.rho @ (1 - y) + du.lam * (cov.p - y.sum())
                + du.mu @ (n - z) + du.s @ z + du.nu @ (1 - z))
        assert score(cov, y) == pytest.approx(du.UB - loss, abs=1e-12)


def test_dual_terms_by_hand():
    # two rows (weights 0.6, 0.4), site 0 covers both, site 1 covers row 1; p = 1; mu = (0.5, 0.5)
    cov = Covering(A=sp.csr_matrix([[1.0, 0.0], [1.0, 1.0]]), w=np.array([0.6, 0.4]), p=1,
                   sites=np.arange(2), rows=np.arange(2))
    du = dual_terms(cov, [0.5, 0.5])
    assert du.c.tolist() == [1.0, 0.5]
    assert du.lam == 1.0                                  # the largest c (p = 1)
    assert du.nu.tolist() == pytest.approx([0.1, 0.0])    # w - mu where positive
    assert du.s.tolist() == pytest.approx([0.0, 0.1])     # mu - w where positive
    assert du.UB == pytest.approx(0.1 + 1.0)              # sum nu + lam p + sum rho, rho = 0
    assert du.d.tolist() == [0.0, 0.5]


@FEW
@given(SEEDS)
def test_dp_finds_the_optimum_for_any_duals(seed):
    cov, mu = random_covering(seed)
    best = max(score(cov, y) for y in every_plan(cov))
    n_sites = int(cov.sites.max()) + 1
    out = solve_covering(cov, mu, n_sites, best=0.0, gap=0.0, deadline=np.inf)
    assert out.optimal
    y = out.units[cov.sites]
    assert y.sum() <= cov.p and out.units.sum() == y.sum()
    assert score(cov, y) == pytest.approx(best, abs=1e-12)
    assert out.bound == pytest.approx(best, abs=1e-9)


@FEW
@given(SEEDS)
def test_a_round_that_finds_nothing_gives_an_honest_bound(seed):
    cov, mu = random_covering(seed)
    best = max(score(cov, y) for y in every_plan(cov))
    # claim a plan better than any: every round fails, the bound must still hold
    out = solve_covering(cov, mu, int(cov.sites.max()) + 1, best=best + 0.01, gap=0.0, deadline=np.inf)
    assert out.units is None and not out.optimal
    assert out.bound >= best - 1e-12


def yes_no_line(cells: int = 60, sites: int = 16, p: int = 3, seed: int = 0) -> Instance:
    """Cells along a 2-row strip, sites along it covering within 4 cells: a small line."""
    rng = np.random.default_rng(seed)
    x = np.repeat(np.arange(cells // 2), 2).astype(float)
    sx = np.linspace(0, cells // 2 - 1, sites) + rng.normal(0, 0.3, sites)
    covered = np.abs(x[:, None] - sx[None, :]) <= 4.0
    return Instance.from_arrays(covered * MAX_HAZARD, rng.random(cells) ** 2 + 0.01, 2.0, budget_usd=2.0 * p + 1.0)


def test_covering_form_of_yes_no_and_not_of_probabilistic():
    inst = yes_no_line()
    cov = covering_form(inst, Pieces.from_instance(inst), inst.fits_alone())
    assert cov is not None and cov.p == 3  # floor(7 / 2)
    assert cov.A.shape[1] == 16 and set(np.unique(cov.A.data)) == {1.0}
    assert cov.w.sum() == pytest.approx(1.0)
    half = Instance.from_arrays(np.where(inst.B.toarray() > 0, 0.7, 0.0), inst.W[:, 0], 2.0, budget_usd=7.0)
    assert covering_form(half, Pieces.from_instance(half), half.fits_alone()) is None  # p < 1: not yes/no
    costs = Instance.from_arrays(inst.B, inst.W[:, 0], np.r_[1.0, np.full(15, 2.0)], budget_usd=7.0)
    assert covering_form(costs, Pieces.from_instance(costs), costs.fits_alone()) is None  # unequal costs


def test_exact_proves_yes_no_on_a_line_with_the_dp():
    inst = yes_no_line(cells=80, sites=20, p=4, seed=3)
    best = 0.0
    for chosen in itertools.combinations(range(20), 4):
        n = np.zeros(20, int)
        n[list(chosen)] = 1
        best = max(best, inst.score(n))
    sol = solvers.run(inst, "exact", gap=0.0, time_limit_s=30)
    assert sol.status == "optimal" and sol.gap == 0.0
    assert sol.objective == pytest.approx(best, abs=1e-12)
    proofs = [e["result"] for e in sol.log if e.get("phase") == "covering dp" and "result" in e]
    assert proofs[-1] in ("found", "duals")


def test_exact_dp_finds_a_better_plan_than_the_warm_start():
    # here greedy and swaps stop at 0.7645 and the optimum is 0.7786: the DP finds it itself
    inst = yes_no_line(cells=120, sites=30, p=5, seed=3)
    brute = max(inst.score(n) for n in _plans(30, 5))
    sol = solvers.run(inst, "exact", gap=0.0, time_limit_s=30)
    assert sol.status == "optimal" and sol.objective == pytest.approx(brute, abs=1e-12)
    before = next(e["objective"] for e in sol.log if e.get("phase") == "lp (0 cuts)")
    assert before < brute - 0.01
    assert [e["result"] for e in sol.log if e.get("phase") == "covering dp" and "result" in e][-1] == "found"


def _plans(J: int, k: int):
    for chosen in itertools.combinations(range(J), k):
        n = np.zeros(J, int)
        n[list(chosen)] = 1
        yield n
