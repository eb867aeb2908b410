"""Stopping a solve early on Ctrl-C, at the next safe point, with the best plan so far.

A solve runs inside `sigint_stops()`: the first SIGINT (or SIGTERM) sets a flag instead of raising
KeyboardInterrupt, so every phase can finish its step and return its plan and bound; a
second SIGINT raises KeyboardInterrupt as usual. Solvers poll `requested()` between steps,
and `lp.py` passes the flag to OR-Tools through a SolveInterrupter, so a running LP or MIP
stops too. Outside the main thread (a notebook's worker, a pool process) signals are left
alone and the flag can still be set by `request()`.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

_FLAG = threading.Event()
SIGNALS = (signal.SIGINT, signal.SIGTERM)  # SIGTERM (kill, a scheduler's stop) behaves like Ctrl-C


def requested() -> bool:
    """Whether a stop was asked for since the current solve began."""
    return _FLAG.is_set()


def request() -> None:
    """Ask the running solve to stop at its next safe point."""
    _FLAG.set()


@contextmanager
def sigint_stops():
    """Within the block, the first Ctrl-C asks for a stop; the second raises KeyboardInterrupt.

    The flag is cleared on entry and on exit, so a stop never leaks into the next solve.
    """
    _FLAG.clear()
    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            _FLAG.clear()
        return

    def on_signal(signum, frame):
        request()
        for sig in SIGNALS:
            signal.signal(sig, signal.default_int_handler)

    previous = {sig: signal.signal(sig, on_signal) for sig in SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _FLAG.clear()
