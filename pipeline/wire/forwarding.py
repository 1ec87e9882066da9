"""Events forwarded to the partition that owns their key, on the wire.

A batch record that mixes keys has its other events re-batched into one record
per target partition, written to the requests topic itself (prompt text never
goes to another topic), with a header naming the source ``(partition, offset)``
(pipeline/runtime/partition_state.py).
"""

from __future__ import annotations

from typing import Any

import orjson

from detectors.events import Event

__all__ = ["SOURCE_HEADER", "encode_event", "source_of"]

#: Header of forwarded records: ``b"<source partition>:<source offset>"``.
SOURCE_HEADER = "dw-source"


def source_of(headers: Any) -> tuple[int, int] | None:
    """The ``(partition, offset)`` a forwarded record came from, or ``None``.

    Examples
    --------
    >>> source_of([("dw-source", b"3:1200")])
    (3, 1200)
    >>> source_of([]) is None
    True
    """
    for name, value in headers or ():
        if name == SOURCE_HEADER:
            partition, offset = bytes(value).split(b":")
            return int(partition), int(offset)
    return None


def encode_event(event: Event) -> bytes:
    """JSON of a validated event with absent fields dropped (``parse_event`` reads it back).

    Used only to forward events to their own partition of the requests topic:
    prompt text never goes to any other topic.

    Examples
    --------
    >>> from detectors.events import parse_line
    >>> event = parse_line(b'{"ts": 1791205451.5, "api_key_id": "k", "prompt_tokens": 1, '
    ...                    b'"completion_tokens": 2, "n": 3}')
    >>> parse_line(encode_event(event)) == event
    True
    """
    return orjson.dumps({k: v for k, v in event._asdict().items() if v is not None})
