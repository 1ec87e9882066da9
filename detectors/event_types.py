"""What a validated request and a rejected input item are (EVENTS.md v1), and the bounds.

Kept apart from the decoders (:mod:`detectors.events`) so that modules which only
handle events need not import msgspec and the parsing paths; ``detectors.events``
re-exports every name here.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["MAX_COUNT", "MAX_TEMPERATURE", "REASON_CODES", "Event", "Rejection"]


class Event(NamedTuple):
    """One validated API request. Immutable; ``prompt_text`` stays in memory only.

    A NamedTuple rather than a frozen dataclass: it is built once per event on
    the hot path, and tuple construction is several times cheaper.
    """

    ts: float
    api_key_id: str
    prompt_tokens: int
    completion_tokens: int
    request_id: str | None = None
    account_id: str | None = None
    model: str | None = None
    endpoint: str | None = None
    status: int = 200
    latency_ms: float | None = None
    reasoning_tokens: int = 0
    n: int = 1
    temperature: float | None = None
    max_tokens: int | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    system_prompt_hash: str | None = None
    prompt_text: str | None = None
    #: When the account was opened (``account_created_at``, an optional extension of
    #: the contract: absent or unreadable, it is None and the key's age is unknown).
    account_created: float | None = None

    def __repr__(self) -> str:  # never print prompt text by accident
        return (
            f"Event(ts={self.ts!r}, api_key_id={self.api_key_id!r}, request_id={self.request_id!r})"
        )


class Rejection(NamedTuple):
    """A rejected input item: reason code, human message, position in its batch."""

    code: str
    message: str
    index: int = 0  # type: ignore[assignment]  # shadows tuple.index on purpose: the contract name
    api_key_id: str | None = None


REASON_CODES = (
    "invalid_json",
    "not_an_object",
    "missing_field",
    "wrong_type",
    "out_of_range",
    "invalid_timestamp",
    "empty",
    # no exception escapes a decoder or the engine: these name what went wrong instead
    "undecodable",
    "processing_error",
)

#: Largest token count, ``n`` or ``max_tokens`` accepted: floats count integers exactly
#: up to here, so sums and ratios of counts stay finite and exact enough.
MAX_COUNT = 2**53
#: Largest ``temperature`` accepted (APIs use 0-2): a value near float's limit made
#: ``temperature * 20`` infinite downstream.
MAX_TEMPERATURE = 100.0
