"""Progress as plain lines, for when output is not a terminal (CI logs, ``| tee``, cron).

A live bar needs a terminal; off one, a long replay, simulation or evaluation would print
nothing until it ends. These print one line at most every ``every`` seconds, on standard
error, and nothing at all for runs shorter than that. ``$DISTILLWATCH_PROGRESS_SECONDS``
sets the interval (default 10).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import IO

__all__ = ["Heartbeat", "ProgressLines", "interval"]


def interval(default: float = 10.0) -> float:
    """Seconds between two progress lines (``$DISTILLWATCH_PROGRESS_SECONDS``)."""
    try:
        return max(float(os.environ.get("DISTILLWATCH_PROGRESS_SECONDS", default)), 0.01)
    except ValueError:
        return default


class ProgressLines:
    """``label: 45% 1,234,567 lines, 12 s`` every ``every`` seconds while :meth:`update` is fed.

    >>> import io
    >>> out, now = io.StringIO(), iter([0.0, 5.0, 11.0, 12.0, 30.0])
    >>> bar = ProgressLines("replay", 200, unit="lines", stream=out, clock=lambda: next(now))
    >>> bar.update(50, 1000); bar.update(100, 2000); bar.update(150, 3000); bar.close()
    >>> print(out.getvalue(), end="")
    replay: 50% 2,000 lines, 11 s
    replay: done, 3,000 lines in 30 s
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        unit: str = "lines",
        every: float | None = None,
        stream: IO[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit = label, total, unit
        self.every = interval() if every is None else every
        self.stream = stream
        self.clock = clock
        self.started = clock()
        self._next = self.started + self.every
        self._count = 0
        self._printed = False

    def _say(self, text: str) -> None:
        stream = self.stream or sys.stderr
        stream.write(f"{self.label}: {text}\n")
        stream.flush()
        self._printed = True

    def update(self, completed: int, count: int) -> None:
        """``completed`` of ``total`` (bytes, say), ``count`` items so far."""
        self._count = count
        now = self.clock()
        if now < self._next:
            return
        self._next = now + self.every
        share = f"{min(completed / self.total, 1.0):.0%} " if self.total else ""
        self._say(f"{share}{count:,} {self.unit}, {now - self.started:.0f} s")

    def close(self) -> None:
        """A last line, if any line was printed (short runs stay silent)."""
        if self._printed:
            elapsed = self.clock() - self.started
            self._say(f"done, {self._count:,} {self.unit} in {elapsed:.0f} s")


class Heartbeat:
    """Says which phase a long command is in, every ``every`` seconds, from a thread."""

    def __init__(
        self, label: str, every: float | None = None, stream: IO[str] | None = None
    ) -> None:
        self.label, self.stream = label, stream
        self.every = interval() if every is None else every
        self.phase = "starting"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"{label}-progress")
        self._started = time.monotonic()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            stream = self.stream or sys.stderr
            elapsed = time.monotonic() - self._started
            stream.write(f"{self.label}: {self.phase} ({elapsed:.0f} s)\n")
            stream.flush()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
