"""Offline benchmarks: replay throughput and memory per tracked key (``make bench``).

Each benchmark is a module with a ``main()`` (``python -m benchmarks.<name>``) and a
``run_benchmark(...) -> dict`` that :mod:`benchmarks.run` calls. Numbers are printed
side by side with a baseline measured in the same run (a bare ``orjson`` loop over the
same file), because on a shared 2-core machine the ratios are the reliable part.
Targets are reported as PASS/MISS and never fail the command: speed is tracked here,
not asserted in unit tests.

This module holds the few helpers every benchmark shares.

Examples
--------
>>> verdict(120_000.0, 100_000.0)
'PASS'
>>> verdict(2_500.0, 2_048.0, higher_is_better=False)
'MISS'
>>> rate(300_000, 2.0)
150000.0
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

__all__ = [
    "CACHE_DIR",
    "QUICK_RESULTS_DIR",
    "REPO_ROOT",
    "RESULTS_DIR",
    "machine_info",
    "make_console",
    "rate",
    "run_parallel",
    "simulator_digest",
    "spread",
    "verdict",
    "write_json",
]

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Full runs write here (ignored by git: numbers belong to a machine, not to the code).
RESULTS_DIR = Path(__file__).resolve().parent / "results"
#: Generated inputs, keyed by their parameters so reruns skip generation.
CACHE_DIR = REPO_ROOT / ".cache" / "bench"
#: ``--quick`` runs write here, so a smoke test never overwrites a full run's results.
QUICK_RESULTS_DIR = CACHE_DIR / "quick-results"


def simulator_digest() -> str:
    """Short hash of the simulator's source, part of every cached dataset's name.

    A change to ``pipeline/simulate`` changes the events a seed produces; keying the
    cache on it means a benchmark never times a dataset the current simulator would
    not generate.
    """
    digest = hashlib.sha256()
    for source in sorted((REPO_ROOT / "pipeline" / "simulate").rglob("*.py")):
        digest.update(source.relative_to(REPO_ROOT).as_posix().encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def verdict(value: float, target: float, higher_is_better: bool = True) -> str:
    """``"PASS"`` when ``value`` meets ``target``, else ``"MISS"`` (never an error)."""
    ok = value >= target if higher_is_better else value <= target
    return "PASS" if ok else "MISS"


def rate(count: int, seconds: float) -> float:
    """Items per second; 0 when nothing was timed."""
    return count / seconds if seconds > 0 else 0.0


def spread(seconds: Sequence[float]) -> tuple[float, float]:
    """(best, median) of repeated timings.

    >>> spread([3.0, 1.0, 2.0])
    (1.0, 2.0)
    """
    return min(seconds), statistics.median(seconds)


def _git_commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def machine_info() -> dict[str, Any]:
    """What the numbers were measured on: cores, Python, platform, commit, hot path build."""
    from detectors.native import describe

    return {
        "nproc": os.cpu_count(),
        "cpus_allowed": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "commit": _git_commit(),
        "hot_path": describe(),
    }


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (atomically: a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    tmp.replace(path)


def run_parallel(
    commands: Sequence[Sequence[str]], jobs: int = 2, timeout: float = 1800.0
) -> list[bytes]:
    """Run commands, ``jobs`` at a time, from the repository root; return each one's stdout.

    Commands start in the order given (put the longest first); a free slot takes the
    next one. A command that exits non-zero, or the whole batch outlasting ``timeout``
    seconds, raises ``RuntimeError``; children are never left running.

    >>> run_parallel([[sys.executable, "-c", "print(1)"], [sys.executable, "-c", "print(2)"]])
    [b'1\\n', b'2\\n']
    """
    queue = list(enumerate(commands))
    running: dict[int, subprocess.Popen[bytes]] = {}
    deadline = time.monotonic() + timeout
    with contextlib.ExitStack() as stack:
        # stdout goes to files, not pipes: a chatty child can never block on a full pipe.
        files = [stack.enter_context(tempfile.TemporaryFile()) for _ in commands]
        try:
            while queue or running:
                while queue and len(running) < max(jobs, 1):
                    index, command = queue.pop(0)
                    running[index] = subprocess.Popen(
                        list(command), stdout=files[index], cwd=REPO_ROOT
                    )
                for index, process in list(running.items()):
                    code = process.poll()
                    if code is None:
                        continue
                    del running[index]
                    if code != 0:
                        raise RuntimeError(f"{' '.join(commands[index])} exited {code}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"benchmark commands still running after {timeout:.0f} s")
                time.sleep(0.1)
        finally:
            for process in running.values():  # only on an error: never leave children behind
                process.kill()
                process.wait()
        outputs = []
        for handle in files:
            handle.seek(0)
            outputs.append(handle.read())
    return outputs


def make_console() -> Any:
    """A rich console; wide enough off a terminal that table headers are never cut."""
    from rich.console import Console

    if sys.stdout.isatty():
        return Console()
    return Console(width=160)
