"""Peers on the yes/no special case (maximal covering): spopt's MCLP (PuLP + CBC) and HiGHS.

Both get the same instance as `monitor`: cell i is covered by site j when b[i, j] > 0, cell
weights w[i] (summing to 1), at most p sites (the budget over the unit cost). The textbook
model (Church and ReVelle 1974), which spopt builds and which is handed to HiGHS here:

    max sum_i w_i y_i  s.t.  y_i <= sum_j a_ij x_j,  sum_j x_j <= p,  x binary, 0 <= y <= 1.

Peers are optional (`pip install -e '.[bench]'`); each function returns None when its
package is missing. Times include building the peer's model from arrays.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import scipy.sparse as sp

from monitor.model.instance import Instance


def mclp_arrays(inst: Instance) -> tuple[sp.csc_matrix, np.ndarray, int]:
    """Coverage matrix a (cells x sites, 0/1), weights and p of a yes/no instance."""
    if inst.W.shape[1] != 1 or np.ptp(inst.cost_usd) > 0 or (inst.site_cap != 1).any():
        raise ValueError("not a yes/no instance: one class, equal unit costs and one unit per site are needed")
    A = sp.csc_matrix((inst.B > 0).astype(float))
    return A, inst.W[:, 0] * inst.share[0], int(np.floor(inst.budget_usd / inst.cost_usd[0] + 1e-9))


def spopt_mclp(inst: Instance, time_limit_s: float = 3600.0) -> dict | None:
    """spopt's MCLP.from_cost_matrix solved by CBC through PuLP."""
    try:
        import pulp
        from spopt.locate import MCLP
    except ImportError:
        return None
    A, w, p = mclp_arrays(inst)
    t0 = time.perf_counter()
    cost = np.where(A.toarray() > 0, 0.0, 2.0)  # covered iff cost <= service_radius = 1
    with warnings.catch_warnings():  # PuLP and spopt deprecation notices, one per variable
        warnings.simplefilter("ignore")
        model = MCLP.from_cost_matrix(cost, w, service_radius=1.0, p_facilities=p, name="mclp")
        t1 = time.perf_counter()
        model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s))
    t2 = time.perf_counter()
    chosen = np.array([v.value() > 0.5 for v in model.fac_vars])
    return {"peer": "spopt MCLP (PuLP + CBC)", "objective": float(w @ (A @ chosen > 0)),
            "status": pulp.LpStatus[model.problem.status], "build_s": t1 - t0, "solve_s": t2 - t1,
            "seconds": t2 - t0}


def highs_mclp(inst: Instance, time_limit_s: float = 3600.0) -> dict | None:
    """The textbook model above, passed to HiGHS (highspy) as sparse arrays."""
    try:
        import highspy
    except ImportError:
        return None
    A, w, p = mclp_arrays(inst)
    n_cells, n_sites = A.shape
    t0 = time.perf_counter()
    # columns: x (sites) then y (cells); rows: y_i - sum_j a_ij x_j <= 0, then sum_j x_j <= p
    M = sp.vstack([sp.hstack([-A, sp.identity(n_cells)]),
                   sp.hstack([sp.csr_matrix(np.ones((1, n_sites))), sp.csr_matrix((1, n_cells))])]).tocsc()
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_sites + n_cells, n_cells + 1
    lp.col_cost_ = np.concatenate([np.zeros(n_sites), w])
    lp.col_lower_ = np.zeros(n_sites + n_cells)
    lp.col_upper_ = np.ones(n_sites + n_cells)
    lp.row_lower_ = np.full(n_cells + 1, -highspy.kHighsInf)
    lp.row_upper_ = np.concatenate([np.zeros(n_cells), [p]])
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
    lp.integrality_ = [highspy.HighsVarType.kInteger] * n_sites + [highspy.HighsVarType.kContinuous] * n_cells
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.passModel(lp)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    x = np.asarray(h.getSolution().col_value[:n_sites]) > 0.5
    return {"peer": "HiGHS (highspy)", "objective": float(w @ (A @ x > 0)), "status": h.modelStatusToString(h.getModelStatus()),
            "build_s": t1 - t0, "solve_s": t2 - t1, "seconds": t2 - t0}
