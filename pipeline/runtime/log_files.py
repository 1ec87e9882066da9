"""Reading event files: JSON Lines, gzip-compressed or not, or standard input."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

__all__ = ["InputError", "LineProgress", "check_inputs", "iter_input_blocks", "open_input"]


class InputError(OSError):
    """An input that cannot be read at all; the message names it and the problem."""


def open_input(path: str) -> IO[bytes]:
    """Open a replay input: ``-`` is standard input, ``*.gz`` is gzip."""
    if path == "-":
        return sys.stdin.buffer
    try:
        if path.endswith(".gz"):
            # The caller owns and closes the handle.
            handle: IO[bytes] = gzip.open(path, "rb")  # type: ignore[assignment]  # noqa: SIM115
            handle.peek(1)  # type: ignore[attr-defined]  # fail now on a non-gzip file
            return handle
        return open(path, "rb")
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def check_inputs(paths: Sequence[str]) -> None:
    """Fail before any work when an input is missing or unreadable."""
    if not paths:
        raise InputError("no input given")
    if sum(1 for p in paths if p == "-") > 1:
        raise InputError("standard input (-) can be given once")
    for path in paths:
        if path == "-":
            continue
        p = Path(path)
        if not p.exists():
            raise InputError(f"cannot read {path}: no such file")
        if p.is_dir():
            raise InputError(f"cannot read {path}: is a directory")
        open_input(path).close()


#: Bytes read at a time: lines are split in C per block, not yielded one by one
#: (a generator step per line cost ~10 % of a replay).
BLOCK_BYTES = 1 << 20


def iter_input_blocks(path: str) -> Iterator[list[bytes]]:
    """Yield the lines of one input in order, newlines stripped, a list per ~1 MiB read.

    Lines are what iterating the file yields, with their ``\r\n`` or ``\n`` removed.
    Raises :class:`InputError` when the input breaks off unreadably mid-way
    (e.g. a truncated gzip stream).
    """
    handle = open_input(path)
    lines_read = 0
    tail = b""
    try:
        while True:
            data = handle.read(BLOCK_BYTES)
            if not data:
                break
            lines = data.split(b"\n")
            if tail:  # the line the last block broke off (joined here, not the whole block)
                lines[0] = tail + lines[0]
            tail = lines.pop()  # the unfinished last line, or b"" after a newline
            # A "\r" ending a line is in this block, or ended the joined broken-off line.
            if b"\r" in data or (lines and lines[0].endswith(b"\r")):
                lines = [line.rstrip(b"\r") for line in lines]
            lines_read += len(lines)
            yield lines
        if tail:
            yield [tail.rstrip(b"\r")]
    except (OSError, EOFError) as exc:
        raise InputError(f"cannot read {path} after line {lines_read}: {exc}") from None
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()


class LineProgress:
    """A rich progress bar on standard error (only when it is a terminal)."""

    def __init__(self, label: str, total_bytes: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn(label),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[lines]:,} lines"),
            TimeElapsedColumn(),
            console=Console(file=sys.stderr),
            transient=True,
        )
        self._task = self._progress.add_task(label, total=total_bytes, lines=0)
        self._progress.start()

    def update(self, completed_bytes: int, lines: int) -> None:
        self._progress.update(self._task, completed=completed_bytes, lines=lines)

    def close(self) -> None:
        self._progress.stop()


def total_size(paths: Sequence[str]) -> int | None:
    """Sum of input sizes on disk (uncompressed size unknown for gzip: an estimate)."""
    if "-" in paths:
        return None
    return sum(Path(p).stat().st_size for p in paths)
