"""Request signing (HMAC-SHA256 over timestamp + body) and secret loading.

The signature covers ``f"{timestamp}.".encode() + body``; the timestamp is the
send time in Unix seconds and travels in its own header, so a receiver can
refuse stale (replayed) requests and a re-send of the same body gets a fresh
signature. docs/HOOK.md shows the receiver side.

Examples
--------
>>> headers = sign_headers(b"secret", b'{"a":1}', timestamp=1791158400)
>>> headers["X-Distillwatch-Timestamp"]
'1791158400'
>>> verify(b"secret", b'{"a":1}', headers["X-Distillwatch-Timestamp"],
...        headers["X-Distillwatch-Signature"], now=1791158410)
True
>>> verify(b"secret", b'{"a":2}', headers["X-Distillwatch-Timestamp"],
...        headers["X-Distillwatch-Signature"], now=1791158410)
False
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "Secret",
    "SecretError",
    "load_secret",
    "sign",
    "sign_headers",
    "verify",
]

TIMESTAMP_HEADER = "X-Distillwatch-Timestamp"
SIGNATURE_HEADER = "X-Distillwatch-Signature"
DEFAULT_TOLERANCE = 300.0


class SecretError(RuntimeError):
    """A required secret is missing or unreadable (the message never holds the value)."""


class Secret:
    """A secret value that never shows itself in ``repr``, ``str`` or logs."""

    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        if not value:
            raise SecretError("a secret must not be empty")
        self._value = value

    def reveal(self) -> bytes:
        """Return the raw bytes (only for HMAC and comparison)."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    __str__ = __repr__


def load_secret(name: str, environ: dict[str, str] | None = None) -> Secret | None:
    """Read secret ``name`` from ``$NAME`` or from the file named by ``$NAME_FILE``.

    Surrounding whitespace (the newline of ``echo > file``) is stripped.
    Returns ``None`` when neither variable is set.

    Raises
    ------
    SecretError
        When both are set, or the file cannot be read or is empty.
    """
    env = os.environ if environ is None else environ
    direct, path = env.get(name), env.get(f"{name}_FILE")
    if direct and path:
        raise SecretError(f"set only one of ${name} and ${name}_FILE")
    if direct:
        return Secret(direct.strip().encode())
    if path:
        try:
            value = Path(path).read_bytes().strip()
        except OSError as exc:
            raise SecretError(f"${name}_FILE: cannot read {path}: {exc.strerror}") from None
        if not value:
            raise SecretError(f"${name}_FILE: {path} is empty")
        return Secret(value)
    return None


def sign(key: bytes, timestamp: int, body: bytes) -> str:
    """Return the signature header value ``v1=<hex HMAC-SHA256>``."""
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def sign_headers(key: bytes, body: bytes, timestamp: int) -> dict[str, str]:
    """Return the timestamp and signature headers for ``body`` sent at ``timestamp``."""
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(key, timestamp, body)}


def verify(
    key: bytes,
    body: bytes,
    timestamp: str,
    signature: str,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """Check a signature and that the timestamp is within ``tolerance`` seconds of ``now``."""
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(now - ts) > tolerance:
        return False
    return hmac.compare_digest(sign(key, ts, body), signature)
