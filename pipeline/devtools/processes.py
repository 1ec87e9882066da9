"""Stopping child processes (brokers, workers, Prometheus) politely, then firmly."""

from __future__ import annotations

import subprocess
from typing import Any

__all__ = ["stop_process"]


def stop_process(
    process: subprocess.Popen[Any], timeout: float = 30.0, kill_timeout: float = 10.0
) -> int | None:
    """SIGTERM ``process``, wait up to ``timeout`` seconds, then SIGKILL it.

    SIGTERM first so a worker checkpoints and leaves its group, a broker closes
    cleanly. Returns the exit code (``None`` only if even SIGKILL was not reaped in
    ``kill_timeout``). A process that already exited is left alone.

    Examples
    --------
    >>> import sys
    >>> child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    >>> stop_process(child, timeout=5) is not None
    True
    """
    if process.poll() is not None:
        return process.returncode
    process.terminate()
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        try:
            return process.wait(timeout=kill_timeout)
        except subprocess.TimeoutExpired:
            return None
