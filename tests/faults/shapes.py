"""The hostile record shapes of issue 15, shared by the replay and fault-injection tests.

Each once passed validation and then crashed a worker or a replay (or would
have): every one must end as exactly one dead letter (one rejected row in
replay) with its reason, while the valid records around it give exactly the
alerts a control run gives.
"""

from __future__ import annotations

import orjson

_BASE = b'"ts": 1791205451.5, "api_key_id": "hostile-key", "prompt_tokens": 10'


def _event(extra: bytes, completion: bytes = b"20") -> bytes:
    return b"{" + _BASE + b', "completion_tokens": ' + completion + extra + b"}"


#: name -> (record value, the dead letter's expected reason)
SHAPES: dict[str, tuple[bytes, str]] = {
    "deep_nesting": (_event(b', "x": ' + b'{"a":' * 1200 + b"1" + b"}" * 1200), "invalid_json"),
    "temperature_1e307": (_event(b', "temperature": 1e307'), "out_of_range"),
    "tokens_309_digits": (_event(b"", b"1" + b"0" * 309), "out_of_range"),
    "tokens_above_2_53": (_event(b"", b"9007199254740993"), "out_of_range"),
    "nan_literal": (_event(b', "latency_ms": NaN'), "invalid_json"),
    "infinite_number": (_event(b', "latency_ms": 1e400'), "out_of_range"),
    "control_characters_only": (orjson.dumps("\x00\x1b[31m\x7f"), "not_an_object"),
    "huge_string_key": (_event(b"").replace(b"hostile-key", b"k" * 200_000), "out_of_range"),
    "far_future_ts": (_event(b"").replace(b"1791205451.5", b'"2100-01-01T00:00:00Z"'),
                      "out_of_range"),
}  # fmt: skip
