"""Where the frontier's points run: in this process, on a local process pool, or on Dask.

A point is one task: solve one budget of one mix from its chain's warm start (see the
package docstring). Each runner submits tasks and hands back the first finished ones.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import re
import signal
import threading
import time
from collections import deque

import numpy as np

import monitor.solvers as solvers

from ...errors import InputError, Problem
from ...model.instance import Instance
from .mixes import restrict

CONNECT_TIMEOUT_S = 5  # seconds to reach a Dask scheduler before giving up with one line
SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$")
_WORKER: dict = {}  # the instance a pool worker received once
_CUTS: dict = {}    # the mixes' instances cut from it, by (instance, sites)


def init_worker(inst: Instance, parent: int | None = None) -> None:
    """A pool worker's start: keep the instance, and die with the parent (see die_with_parent).

    SIGTERM ends a worker at once (the parent's Ctrl-C handling is not inherited: a worker that
    caught it would wait on), and Ctrl-C is the parent's to handle: it stops the workers itself."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["instance"] = inst
    die_with_parent(parent)


def die_with_parent(parent: int | None = None) -> None:
    """End this process when the one that started it dies, even by SIGKILL.

    On Linux the kernel sends SIGTERM at the parent's death (prctl PR_SET_PDEATHSIG); elsewhere,
    and as a second guard, a thread checks once a second whether the parent is gone (the process
    is then adopted, so its parent id changes). `parent` is the pid the parent had before the
    fork; a parent already gone by now is noticed at once."""
    parent = os.getppid() if parent is None else parent
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before the guard was set
        os._exit(1)

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="monitor-parent-watch", daemon=True).start()


def _restricted(inst: Instance, sites: np.ndarray) -> Instance:
    key = (id(inst), sites.tobytes())
    hit = _CUTS.get(key)
    if hit is None or hit[0] is not inst:
        if len(_CUTS) > 16:  # a long-lived process that sweeps many models keeps only the recent ones
            _CUTS.clear()
        hit = _CUTS[key] = (inst, restrict(inst, sites))
    return hit[1]


def solve_point(inst: Instance | None, sites: np.ndarray, budget_usd: float, solver: str, options: dict,
                seed: int, start: list | None) -> dict:
    """Solve one budget of one mix; see the module doc for the warm start and the envelope.

    `start` and the returned `units` are [[site, units], ...] in the full model's site numbers.
    """
    base = _WORKER["instance"] if inst is None else inst
    r = dataclasses.replace(_restricted(base, sites), budget_usd=float(budget_usd))
    local = {int(j): k for k, j in enumerate(sites)}
    n0 = None
    if start:
        n0 = np.zeros(len(sites), int)
        for j, k in start:
            n0[local[j]] = k
    runs = [("warm start" if n0 is not None else "cold start", solvers.run(r, solver, options, seed=seed, start=n0))]
    if n0 is not None and solver == "greedy":  # greedy only adds to its start; a cold run may do better
        runs.append(("cold start", solvers.run(r, solver, options, seed=seed)))
    plan_from, best = max(runs, key=lambda x: x[1].objective)
    units, objective = best.units, best.objective
    if n0 is not None:
        prev = r.score(n0)
        if prev > objective + 1e-12:
            plan_from, units, objective = "previous point", n0, prev
    bounds = [s.bound for _, s in runs if s.bound is not None]
    return {"units": [[int(sites[k]), int(units[k])] for k in np.flatnonzero(units)],
            "objective": float(objective), "solver_bound": min(bounds) if bounds else None,
            "status": str(best.status), "plan_from": plan_from, "seconds": sum(s.seconds for _, s in runs)}


# ----------------------------------------------------------------------------- where the points run


class Serial:
    """Runs tasks in this process, one at a time, in the order submitted."""

    def __init__(self, inst: Instance):
        self.inst, self.queue = inst, deque()

    def submit(self, *args) -> cf.Future:
        fut = cf.Future()
        self.queue.append((fut, args))
        return fut

    def wait_first(self, futures) -> set:
        fut, args = self.queue.popleft()
        fut.set_result(solve_point(self.inst, *args))
        return {fut}

    def close(self, failed: bool) -> None:
        self.queue.clear()


class Local:
    """A process pool on this machine; each worker receives the instance once (initializer)."""

    def __init__(self, inst: Instance, workers: int):
        self.pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=init_worker, initargs=(inst, os.getpid()))

    def submit(self, *args) -> cf.Future:
        return self.pool.submit(solve_point, None, *args)

    def wait_first(self, futures) -> set:
        return cf.wait(futures, return_when=cf.FIRST_COMPLETED)[0]

    def close(self, failed: bool) -> None:
        procs = list((getattr(self.pool, "_processes", None) or {}).values()) if failed else []
        self.pool.shutdown(wait=not failed, cancel_futures=True)
        for p in procs:  # an interrupted sweep should not wait for the points still running
            p.terminate()


class Dask:
    """A Dask distributed cluster; the instance is scattered to every worker once."""

    def __init__(self, inst: Instance, address: str):
        check_scheduler_address(address)
        try:
            from distributed import Client, as_completed
        except ImportError:
            raise InputError(Problem("needs Dask: pip install 'monitor[cluster]'", key="--scheduler",
                                     value=address)) from None
        probe_scheduler(address)
        try:
            self.client = Client(address, set_as_default=False, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(Problem(f"cannot reach the scheduler: {exc}", key="--scheduler",
                                     value=address)) from None
        self.ref = self.client.scatter(inst, broadcast=True)
        self.finished = as_completed(loop=self.client.loop)

    def submit(self, *args):
        fut = self.client.submit(solve_point, self.ref, *args, pure=False)
        self.finished.add(fut)
        return fut

    def wait_first(self, futures) -> set:
        return {next(self.finished)}

    def close(self, failed: bool) -> None:
        self.client.close()


# ----------------------------------------------------------------------------- checkpoint and progress


def check_scheduler_address(address: str) -> None:
    """A Dask scheduler address is tcp://host:port or tls://host:port (port 1-65535); InputError otherwise,
    before any connection is tried."""
    if isinstance(address, str) and re.match(r"^inproc://\S+$", address):
        return  # a cluster in this process (distributed.LocalCluster(processes=False))
    m = SCHEDULER_ADDRESS.match(address if isinstance(address, str) else "")
    if m is None or not 1 <= int(m.group(3)) <= 65535:
        raise InputError(Problem("must be tcp://HOST:PORT or tls://HOST:PORT, for example tcp://10.0.0.5:8786",
                                 key="--scheduler", value=address))


def probe_scheduler(address: str) -> None:
    """Connect to the address and exchange Dask's handshake within CONNECT_TIMEOUT_S, or an InputError:
    something that is not a Dask scheduler (a web server, say) would otherwise keep the client waiting."""
    if address.startswith("inproc://"):
        return
    import asyncio

    from distributed.comm import connect

    async def handshake():
        comm = await connect(address, timeout=CONNECT_TIMEOUT_S)
        await comm.close()

    try:
        asyncio.run(asyncio.wait_for(handshake(), CONNECT_TIMEOUT_S + 2))
    except RuntimeError as exc:
        if "running event loop" in str(exc):  # a notebook's loop: leave it to the client's own timeout
            return
        raise InputError(Problem(f"no Dask scheduler answers there ({exc})", key="--scheduler",
                                 value=address)) from None
    except Exception as exc:  # anything else on the wire (a web server's bytes read as a frame length, ...)
        raise InputError(Problem(f"no Dask scheduler answers there within {CONNECT_TIMEOUT_S} s "
                                 f"({type(exc).__name__}{': ' + str(exc) if str(exc) else ''})",
                                 key="--scheduler", value=address)) from None
