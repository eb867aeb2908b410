"""A linear or mixed-integer program built from arrays, solved with OR-Tools MathOpt.

Rows and columns go in as numpy arrays and scipy sparse matrices through MathOpt's
vectorised model storage (`elemental`), so building a model with 10^5-10^6 nonzeros
takes no Python loop. LPs are solved incrementally (GLOP keeps its basis when cut rows
are added, so a cutting-plane loop re-solves warm); MIPs go to SCIP, HiGHS or CP-SAT
with a time limit and a hint. Every solve runs in a helper thread (OR-Tools releases the
GIL) while this one polls for a stop (Ctrl-C, `stop.py`) and interrupts the solver, which
then returns its best point and proven bound so far.

The ortools import happens here, on first use of the exact solver, not when `monitor`
is imported (it costs about half a second).
"""

from __future__ import annotations

import datetime
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.math_opt.elemental.python import enums
from ortools.math_opt.python import mathopt
from ortools.util.python.solve_interrupter import SolveInterrupter

from ..errors import SolverError
from .stop import requested as stop_requested

_VAR, _ROW = enums.ElementType.VARIABLE, enums.ElementType.LINEAR_CONSTRAINT
_A = enums.DoubleAttr1
MIP_SOLVERS = {"scip": mathopt.SolverType.GSCIP, "highs": mathopt.SolverType.HIGHS,
               "cp-sat": mathopt.SolverType.CP_SAT}


@dataclass
class Result:
    """What a solve returns: values of all variables, objective, proven bound, and whether it is optimal."""

    x: np.ndarray | None
    objective: float
    bound: float
    optimal: bool
    reason: str
    reduced: np.ndarray | None = None  # reduced costs of an optimal LP: c.x <= objective + reduced.(x - x*)
    dual_values: dict | None = None    # row duals of an optimal LP by constraint (>= 0 on binding <= rows of a max)

    def duals(self, rows: np.ndarray) -> np.ndarray:
        """Row duals of `rows` (ids from LinearModel.add_rows) as an array; 0 for rows the LP did not see."""
        rows = np.asarray(rows, np.int64)
        size = max([c.id for c in self.dual_values] + [int(rows.max()) if len(rows) else -1]) + 1
        return _dense(self.dual_values, size)[rows]


class LinearModel:
    """max c.x s.t. lo <= A x <= hi, lb <= x <= ub, some x integer; grown by blocks of columns and rows."""

    def __init__(self):
        self.model = mathopt.Model(name="monitor")
        self._e = self.model._elemental  # MathOpt's vectorised storage (public module, private handle)
        self._e.set_attr(enums.BoolAttr0.MAXIMIZE, (), True)
        self.n_vars = 0
        self.n_rows = 0
        self._lp = None  # incremental GLOP solver, made on first LP solve

    def add_vars(self, lb, ub, obj=None, integer=False) -> np.ndarray:
        """Add len(lb) variables; returns their column indices."""
        lb = np.asarray(lb, float)
        k = len(lb)
        ids = self._e.add_elements(_VAR, k)
        keys = ids[:, None]
        self._e.set_attrs(_A.VARIABLE_LOWER_BOUND, keys, lb)
        self._e.set_attrs(_A.VARIABLE_UPPER_BOUND, keys, np.broadcast_to(np.asarray(ub, float), (k,)).copy())
        if obj is not None:
            o = np.broadcast_to(np.asarray(obj, float), (k,))
            nz = o != 0
            self._e.set_attrs(_A.OBJECTIVE_LINEAR_COEFFICIENT, keys[nz], o[nz].copy())
        if integer:
            self._e.set_attrs(enums.BoolAttr1.VARIABLE_INTEGER, keys, np.ones(k, bool))
        self.n_vars += k
        return ids

    def add_rows(self, A: sp.spmatrix, lo, hi) -> np.ndarray:
        """Add rows lo <= A x <= hi (A has one column per variable added so far, or fewer)."""
        A = sp.coo_matrix(A)
        m = A.shape[0]
        ids = self._e.add_elements(_ROW, m)
        self._e.set_attrs(_A.LINEAR_CONSTRAINT_LOWER_BOUND, ids[:, None], np.broadcast_to(np.asarray(lo, float), (m,)).copy())
        self._e.set_attrs(_A.LINEAR_CONSTRAINT_UPPER_BOUND, ids[:, None], np.broadcast_to(np.asarray(hi, float), (m,)).copy())
        keep = A.data != 0
        keys = np.column_stack([ids[A.row[keep]], A.col[keep].astype(np.int64)])
        if len(keys):
            self._e.set_attrs(enums.DoubleAttr2.LINEAR_CONSTRAINT_COEFFICIENT, keys, A.data[keep].astype(float))
        self.n_rows += m
        return ids

    def set_integer(self, cols, integer: bool) -> None:
        cols = np.asarray(cols, np.int64)
        self._e.set_attrs(enums.BoolAttr1.VARIABLE_INTEGER, cols[:, None], np.full(len(cols), integer))

    def set_bounds(self, cols, lb, ub) -> None:
        cols = np.asarray(cols, np.int64)[:, None]
        self._e.set_attrs(_A.VARIABLE_LOWER_BOUND, cols, np.broadcast_to(np.asarray(lb, float), (len(cols),)).copy())
        self._e.set_attrs(_A.VARIABLE_UPPER_BOUND, cols, np.broadcast_to(np.asarray(ub, float), (len(cols),)).copy())

    def _values(self, res) -> np.ndarray | None:
        if not res.has_primal_feasible_solution():
            return None
        sol = res.solutions[0].primal_solution
        return _dense(sol.variable_values, self.n_vars) if sol is not None else None

    def solve_lp(self, time_limit_s: float) -> Result:
        """Solve the LP (all variables continuous) with GLOP, warm from the last basis."""
        params = mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=max(time_limit_s, 0.01)))
        warm = self._lp is not None
        if not warm:
            self._lp = mathopt.IncrementalSolver(self.model, mathopt.SolverType.GLOP)
        else:  # after adding cuts the last basis stays dual feasible: dual simplex re-solves warm
            params.glop.use_dual_simplex = True
        try:
            res = _interruptible(lambda intr: self._lp.solve(params=params, interrupter=intr), "glop")
        except SolverError:
            if not warm:
                raise
            # GLOP can end a warm re-solve abnormally (seen on tiny programs): solve once from scratch
            self._lp = None
            return self.solve_lp(time_limit_s)
        out = _result(res, self._values(res))
        if out.optimal and res.has_dual_feasible_solution():
            dual = res.solutions[0].dual_solution
            out.reduced = _dense(dual.reduced_costs, self.n_vars)
            out.dual_values = dual.dual_values
        return out

    def solve_mip(self, solver: str, time_limit_s: float, hint: np.ndarray | None = None,
                  threads: int = 2, seed: int = 0, rel_gap: float = 0.0) -> Result:
        """Solve with integrality; `hint` (all variables) is a starting solution."""
        params = mathopt.SolveParameters(time_limit=datetime.timedelta(seconds=max(time_limit_s, 0.01)),
                                         relative_gap_tolerance=rel_gap, absolute_gap_tolerance=0.0,
                                         random_seed=seed)
        if solver == "cp-sat":  # SCIP here runs one thread (asking for 2 fails); HiGHS reads globals
            params.threads = threads
        mp = mathopt.ModelSolveParameters()
        if hint is not None:
            vals = {self.model.get_variable(int(j)): float(v) for j, v in enumerate(hint)}
            mp = mathopt.ModelSolveParameters(solution_hints=[mathopt.SolutionHint(variable_values=vals)])
        with _without_scip_event_noise(solver == "scip"):
            res = _interruptible(lambda intr: mathopt.solve(self.model, MIP_SOLVERS[solver], params=params,
                                                            model_params=mp, interrupter=intr), solver)
        return _result(res, self._values(res))


# OR-Tools 9.15's gSCIP event handler, which an interrupter attaches, asks SCIP for an event kind
# SCIP refuses and prints these two lines on stderr at every solve; the solve is unaffected.
_SCIP_EVENT_NOISE = (b"SCIPcatchEvent does not support variable or row change events",
                     b"gscip_event_handler.cc:124] ERROR: Error <-9> in function call")


@contextmanager
def _without_scip_event_noise(active: bool = True):
    """Pass stderr (file descriptor 2) through a filter that drops exactly the two lines above."""
    try:
        saved = os.dup(2) if active else None
    except OSError:  # no stderr to filter
        saved = None
    if saved is None:
        yield
        return
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)

    def pump():
        with os.fdopen(read_fd, "rb") as pipe:
            for line in pipe:
                if not any(noise in line for noise in _SCIP_EVENT_NOISE):
                    os.write(saved, line)

    reader = threading.Thread(target=pump, name="monitor-stderr", daemon=True)
    reader.start()
    try:
        yield
    finally:
        os.dup2(saved, 2)  # the pipe's last writer closes: the reader sees its end
        reader.join()
        os.close(saved)


def _interruptible(solve, name: str):
    """Run `solve(interrupter)` in a thread; interrupt it when a stop is asked for; re-raise its error."""
    intr, out = SolveInterrupter(), {}

    def work():
        try:
            out["result"] = solve(intr)
        except Exception as exc:  # ortools' own error mapping fails on some builds: keep the message
            out["error"] = exc

    worker = threading.Thread(target=work, name=f"monitor-{name}", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(0.05)
        if stop_requested():
            intr.interrupt()
    if "error" in out:
        exc = out["error"]
        raise SolverError(f"{name} failed: {exc.__context__ or exc}") from None
    return out["result"]


def _dense(values: dict, n: int) -> np.ndarray:
    x = np.zeros(n)
    if values:
        x[np.fromiter((v.id for v in values), np.int64, len(values))] = np.fromiter(values.values(), float, len(values))
    return x


def _result(res, x) -> Result:
    r = res.termination.reason
    optimal = r == mathopt.TerminationReason.OPTIMAL
    obj = res.objective_value() if x is not None else -np.inf
    bound = res.termination.objective_bounds.dual_bound
    return Result(x=x, objective=obj, bound=bound, optimal=optimal, reason=r.name)
