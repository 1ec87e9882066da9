"""Turn a request's content into an event dict: ids, network, status, latency.

A *style* (see :mod:`pipeline.simulate.styles`) decides what a request asks
for and how big it is; the :class:`Emitter` of its key adds what the gateway
observes around it. Events leave as ``(time, uid, event)`` items: ``time`` orders
the merge and ``uid`` (the request id's random bits) breaks ties without comparing
dicts. ``event["ts"]`` holds the float time until the delivery stage formats it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.simulate.infra import Pools
    from pipeline.simulate.structure import Structure

__all__ = [
    "FRAMEWORK_UA",
    "Content",
    "Emitter",
    "Item",
    "KeyContext",
    "Network",
    "ip_prefixes",
]

Item = tuple[float, int, dict[str, Any]]

#: The user agent of a popular open-source app framework (many benign apps share it).
FRAMEWORK_UA = "chainkit/0.3.7 (python 3.11) atlas-python/1.12.0"

_OCTETS = {
    "residential": (24, 67, 73, 86, 92, 101, 112, 176, 187, 189, 200, 201),
    "cloud": (3, 13, 18, 20, 34, 35, 40, 52, 54, 104, 130, 167),
    "proxy": (5, 31, 37, 45, 91, 146, 154, 156, 185, 193, 194, 212),
}


def ip_prefixes(rng: random.Random, kind: str, count: int, ipv6_share: float) -> tuple[str, ...]:
    """``count`` address prefixes to which a host part is appended per request.

    IPv4 prefixes are ``/24``s ("a.b.c."); IPv6 ones end in ``::`` plus a hex host.

    Examples
    --------
    >>> ip_prefixes(random.Random(0), "cloud", 2, 0.0)
    ('40.20.132.', '52.207.155.')
    """
    firsts = _OCTETS[kind]
    out = []
    for _ in range(count):
        if rng.random() < ipv6_share:
            net, site = rng.randrange(0x100, 0xFFFF), rng.randrange(1, 0xFFFF)
            out.append(f"2a0{rng.randrange(1, 10)}:{net:x}:{site:x}::")
        else:
            first = firsts[rng.randrange(len(firsts))]
            out.append(f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.")
    return tuple(out)


@dataclass(frozen=True, slots=True)
class Network:
    """Where a key's requests come from: addresses and user agents.

    Each entry of ``prefixes`` is one of: an IPv4 ``/24`` ("a.b.c.", a host is
    appended per request), an IPv6 prefix ending in ``::`` (a hex host is appended),
    or a complete address (used as is: one fixed egress address). With ``fresh``,
    entries are first octets ("a.") and every request gets a random address under
    one of them (residential proxies: each request on its own address). With
    ``rotate`` > 0, the key uses one prefix at a time and moves to the next every
    ``rotate`` seconds of event time (rotating datacenter prefixes).

    Examples
    --------
    >>> Network(("52.1.2.3",), ("ua",)).prefixes
    ('52.1.2.3',)
    """

    prefixes: tuple[str, ...]
    user_agents: tuple[str, ...]
    rotate: float = 0.0
    fresh: bool = False

    def __post_init__(self) -> None:
        if not self.prefixes or not self.user_agents:
            raise ValueError("a network needs at least one prefix and one user agent")
        if self.rotate < 0:
            raise ValueError("rotate must be >= 0")


#: What a request asks for, before the gateway's view is added: ``(model, endpoint,
#: prompt_text, prompt_tokens, completion_tokens, reasoning_tokens | None, n,
#: temperature | None, max_tokens | None, system_prompt_hash | None)``. A plain tuple:
#: a NamedTuple's Python-level ``__new__`` cost half a microsecond per event.
Content = tuple[str, str, str, int, int, int | None, int, float | None, int | None, str | None]


class Emitter:
    """Per-key event factory: request ids, client address, status, latency.

    Parameters
    ----------
    api_key_id, account_id
        The key and its owner.
    rng
        The key's own generator (also used by its styles and schedules).
    error_429, error_5xx
        Shares of requests answered 429 (rate limited) and 5xx.
    omit
        Optional fields this key's gateway does not log (set by the key's ``fields``
        structure, e.g. ``("prompt_text",)``); empty by default.
    """

    __slots__ = (
        "_r",
        "account_id",
        "api_key_id",
        "bits",
        "created",
        "error_5xx",
        "error_429",
        "omit",
    )

    def __init__(
        self,
        api_key_id: str,
        account_id: str,
        rng: random.Random,
        error_429: float,
        error_5xx: float,
    ) -> None:
        self.api_key_id = api_key_id
        self.account_id = account_id
        self._r = rng.random
        self.bits = rng.getrandbits
        self.error_429 = error_429
        self.error_5xx = error_5xx
        self.omit: tuple[str, ...] = ()
        #: ``account_created_at`` written on every event (None: not logged)
        self.created: str | None = None

    def emit(self, t: float, c: Content, net: Network) -> Item:
        """Build one event at time ``t`` from content ``c`` sent from ``net``."""
        r = self._r
        model, endpoint, text, prompt, completion, reasoning, n, temp, max_tokens, system = c
        u = r()
        if u >= self.error_429 + self.error_5xx:
            status = 200
            out = completion + reasoning if reasoning else completion
            latency = 150.0 + 400.0 * r() + prompt * 0.03 + out * (12.0 + 14.0 * r())
        elif u < self.error_429:
            status, latency = 429, 3.0 + 40.0 * r()
            completion, reasoning = 0, (None if reasoning is None else 0)
        else:
            status = (500, 502, 503, 504)[int(r() * 4)]
            latency = 50.0 + 30000.0 * r() * r()
            completion, reasoning = 0, (None if reasoning is None else 0)
        prefixes = net.prefixes
        if net.rotate:
            prefix = prefixes[int(t // net.rotate) % len(prefixes)]
        else:
            prefix = prefixes[int(r() * len(prefixes))]
        if net.fresh:
            ip = f"{prefix}{int(r() * 256)}.{int(r() * 256)}.{int(r() * 254) + 1}"
        elif prefix[-1] == ".":
            ip = f"{prefix}{int(r() * 254) + 1}"
        elif prefix[-1] == ":":
            ip = f"{prefix}{int(r() * 65535) + 1:x}"
        else:
            ip = prefix
        uas = net.user_agents
        rid = self.bits(64)
        event: dict[str, Any] = {
            "ts": t,
            "request_id": f"req_{rid:016x}",
            "api_key_id": self.api_key_id,
            "account_id": self.account_id,
            "model": model,
            "endpoint": endpoint,
            "status": status,
            "latency_ms": int(latency),
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "n": n,
            "client_ip": ip,
            "user_agent": uas[0] if len(uas) == 1 else uas[int(r() * len(uas))],
            "prompt_text": text,
        }
        if reasoning is not None:
            event["reasoning_tokens"] = reasoning
        if temp is not None:
            event["temperature"] = temp
        if max_tokens is not None:
            event["max_tokens"] = max_tokens
        if system is not None:
            event["system_prompt_hash"] = system
        if self.created is not None:
            event["account_created_at"] = self.created
        if self.omit:
            for name in self.omit:
                event.pop(name, None)
        # The random request id doubles as the merge tie-breaker (unique with overwhelming odds).
        return t, rid, event


@dataclass(slots=True)
class KeyContext:
    """Everything a key's stream builder needs: its ids, time span, generator, emitter,
    its drawn structure and the simulation's shared egress pools."""

    api_key_id: str
    account_id: str
    start: float
    end: float
    rng: random.Random
    emitter: Emitter
    structure: Structure
    pools: Pools
