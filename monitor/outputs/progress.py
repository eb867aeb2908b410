"""A plain-text progress bar on stderr for long sweeps (the frontier)."""

from __future__ import annotations

import sys
import time


class Progress:
    """Redrawn in place on a terminal, a line per tenth otherwise; called as progress(done, total).

    The first call gives the points already done (from a checkpoint); each later call one more.
    """

    def __init__(self, enabled: bool = True, stream=None):
        self.stream = stream or sys.stderr
        self.enabled, self.tty = enabled, enabled and self.stream.isatty()
        self.total = self.done = self.start_done = None
        self.t0, self.last_tenth = time.perf_counter(), -1

    def __call__(self, done: int, total: int) -> None:
        if self.total is None:
            self.total, self.done, self.start_done = total, done, done
            self.t0 = time.perf_counter()
            if done:
                self._say(f"{done} point(s) from the checkpoint")
            return
        self.done = done
        if self.enabled:
            self._draw()

    def _say(self, text: str) -> None:
        if self.enabled:
            print(f"frontier: {text}", file=self.stream, flush=True)

    def _draw(self) -> None:
        elapsed = time.perf_counter() - self.t0
        rate = (self.done - self.start_done) / elapsed if elapsed > 0 else 0.0
        left = f", about {(self.total - self.done) / rate:.0f} s left" if rate > 0 and self.done < self.total else ""
        bar = "#" * round(30 * self.done / self.total)
        text = f"[{bar:<30}] {self.done}/{self.total} points, {elapsed:.0f} s{left}"
        if self.tty:
            end = "\n" if self.done == self.total else ""
            print(f"\rfrontier: {text}\033[K", end=end, file=self.stream, flush=True)
        elif (tenth := 10 * self.done // self.total) != self.last_tenth:
            self.last_tenth = tenth
            self._say(text)
