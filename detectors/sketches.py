"""Tiny, allocation-free sketches kept in plain ints: distinct counts and stable hashes.

A Python set per key and per attribute would cost hundreds of bytes each; a
64- or 512-bit bitmap in one int plus linear counting costs a few dozen bytes
and is accurate enough to tell "1 prefix" from "30 prefixes".
"""

from __future__ import annotations

import math
from zlib import crc32

__all__ = ["bit_of", "linear_count", "stable_hash"]


def stable_hash(text: str) -> int:
    """32-bit hash that is the same in every process (``hash()`` is salted per process).

    Examples
    --------
    >>> stable_hash("10.1.2")
    2035401259
    """
    return crc32(text.encode("utf-8"))


def bit_of(value: int, bits: int = 64) -> int:
    """The single bit that represents ``value`` in a ``bits``-wide bitmap.

    Examples
    --------
    >>> bit_of(65, 64)
    2
    """
    return 1 << (value % bits)


def linear_count(bitmap: int, bits: int = 64) -> float:
    """Estimate how many distinct values were OR-ed into ``bitmap`` (Whang et al. 1990).

    Examples
    --------
    >>> linear_count(0)
    0.0
    >>> round(linear_count(0b1011), 2)
    3.07
    >>> linear_count((1 << 64) - 1) > 200  # saturated: "very many"
    True
    """
    zeros = bits - bitmap.bit_count()
    if zeros == bits:
        return 0.0
    if zeros == 0:
        zeros = 1  # saturated: report the largest estimate the bitmap can support
    return -bits * math.log(zeros / bits)
