"""Where requests come from: address pools, user agents, model catalogue.

Address pools hand out one address per request. Kinds:

``single``            one cloud address (a VM, a NAT gateway)
``few``               a handful of addresses in one /24 (an office, an autoscaled service)
``rotating_dc``       several datacenter /24s, rotating hourly, a new host each request
``residential``       a residential proxy network: every request on its own address
``sticky_residential`` one residential address per key, replaced every few hours
``ipv6``              random interface ids inside one /48
``home``              a home line whose address changes about daily
``shared``            addresses shared with other keys (a platform's egress)

>>> import random
>>> pool = make_pool("residential", random.Random(1))
>>> a, b = pool.address(random.Random(2), 0.0), pool.address(random.Random(3), 0.0)
>>> a != b
True
"""

from __future__ import annotations

import random

CLOUD_PREFIXES: tuple[str, ...] = (
    "3.208",
    "18.204",
    "34.82",
    "35.196",
    "52.14",
    "54.236",
    "20.81",
    "40.112",
    "104.196",
    "13.57",
    "44.201",
    "146.148",
    "130.211",
    "159.65",
    "167.99",
    "65.108",
    "95.216",
    "51.79",
    "141.94",
    "139.59",
    "172.105",
    "45.77",
    "64.225",
    "138.68",
    "157.230",
    "178.128",
)

RESIDENTIAL_FIRST: tuple[int, ...] = (
    73,
    24,
    98,
    71,
    76,
    68,
    86,
    92,
    81,
    2,
    79,
    188,
    177,
    189,
    187,
    201,
    101,
    112,
    121,
    14,
    49,
    110,
    182,
    115,
    39,
    109,
    178,
    37,
    90,
    93,
    62,
    84,
    85,
    94,
    95,
    122,
    175,
    180,
    190,
)

CLOUD_V6: tuple[str, ...] = ("2600:1f18", "2a05:d014", "2600:1900", "2a01:4f8", "2604:a880")
RESIDENTIAL_V6: tuple[str, ...] = (
    "2a02:8108",
    "2601:645",
    "2003:e7",
    "240e:3b2",
    "2804:14c",
    "2409:8a1e",
)

#: The most common desktop browser user agent.
BROWSER_COMMON = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
BROWSERS_OTHER: tuple[str, ...] = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 "
    "Safari/537.36",
)
SCRIPT_UAS: tuple[str, ...] = (
    "python-requests/2.31.0",
    "python-requests/2.32.3",
    "curl/8.4.0",
    "curl/7.81.0",
    "aiohttp/3.9.5",
    "Go-http-client/2.0",
    "Go-http-client/1.1",
    "axios/1.6.8",
    "okhttp/4.12.0",
    "python-httpx/0.27.0",
    "Java-http-client/17.0.9",
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
)
#: A popular SDK's default user agents.
SDK_UAS: tuple[str, ...] = (
    "OpenAI/Python 1.35.10",
    "OpenAI/Python 1.30.1",
    "OpenAI/Python 1.51.0",
    "OpenAI/JS 4.52.0",
)
#: The framework app's header (one product used by hundreds of customers).
FRAMEWORK_UA = "Pallet/2.8.1 (pallet-ai; python 3.11)"
#: A popular open-source client library (its default prompts are shared by many users).
LIBRARY_UA = "weavechain/0.9.4 (python 3.12)"

UA_KINDS: tuple[str, ...] = ("script", "browser_common", "sdk_default")

#: name -> (reasoning model?, output tokens per second)
MODELS: dict[str, tuple[bool, float]] = {
    "gpt-4o": (False, 80.0),
    "gpt-4o-2024-08-06": (False, 80.0),
    "gpt-4o-mini": (False, 110.0),
    "gpt-4.1": (False, 75.0),
    "gpt-4.1-mini": (False, 105.0),
    "gpt-4.1-nano": (False, 160.0),
    "gpt-3.5-turbo": (False, 120.0),
    "o1": (True, 55.0),
    "o1-mini": (True, 90.0),
    "o3": (True, 50.0),
    "o3-mini": (True, 95.0),
    "o4-mini": (True, 100.0),
}
REASONING_MODELS: tuple[str, ...] = tuple(m for m, (r, _) in MODELS.items() if r)
CHAT_MODELS: tuple[str, ...] = tuple(m for m, (r, _) in MODELS.items() if not r)


def user_agent(kind: str, rng: random.Random) -> str:
    """A user agent of ``kind`` (script / browser_common / sdk_default / browser_other)."""
    if kind == "script":
        return rng.choice(SCRIPT_UAS)
    if kind == "browser_common":
        return BROWSER_COMMON
    if kind == "sdk_default":
        return rng.choice(SDK_UAS)
    if kind == "browser_other":
        return rng.choice(BROWSERS_OTHER)
    raise ValueError(f"unknown user-agent kind {kind!r}")


def _cloud_host(rng: random.Random) -> str:
    return f"{rng.choice(CLOUD_PREFIXES)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _residential(rng: random.Random) -> str:
    first = rng.choice(RESIDENTIAL_FIRST)
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def _v6(prefix: str, rng: random.Random) -> str:
    groups = [f"{rng.getrandbits(16):x}" for _ in range(7 - prefix.count(":"))]
    return ":".join([prefix, *groups])


class Pool:
    """An address pool; ``address(rng, t)`` gives the caller address at time ``t``."""

    def __init__(self, kind: str, addresses: list[str], period: float = 0.0) -> None:
        self.kind = kind
        self.addresses = addresses
        self.period = period
        self._slot = -1
        self._current = ""

    def address(self, rng: random.Random, t: float) -> str:
        kind = self.kind
        if kind in ("single", "few", "shared"):
            return self.addresses[0] if len(self.addresses) == 1 else rng.choice(self.addresses)
        if kind == "residential":
            return _residential(rng)
        if kind == "ipv6":
            return _v6(self.addresses[0], rng)
        if kind == "rotating_dc":
            slot = int(t // 3600.0)
            prefix = self.addresses[(slot * 7 + 3) % len(self.addresses)]
            return f"{prefix}.{rng.randrange(1, 255)}"
        # sticky_residential, home: one address per period
        slot = int(t // self.period)
        if slot != self._slot:
            self._slot = slot
            self._current = _residential(rng)
        return self._current


def make_pool(kind: str, rng: random.Random) -> Pool:
    """A fresh pool of ``kind`` for one key (``shared`` pools are built by the caller)."""
    if kind == "single":
        return Pool(kind, [_cloud_host(rng)])
    if kind == "few":
        base = f"{rng.choice((*CLOUD_PREFIXES, '81.2', '62.40', '194.9'))}.{rng.randrange(256)}"
        return Pool(kind, [f"{base}.{h}" for h in rng.sample(range(2, 250), rng.randint(2, 6))])
    if kind == "rotating_dc":
        return Pool(
            kind,
            [
                f"{rng.choice(CLOUD_PREFIXES)}.{rng.randrange(256)}"
                for _ in range(rng.randint(3, 12))
            ],
        )
    if kind == "residential":
        return Pool(kind, [])
    if kind == "sticky_residential":
        return Pool(kind, [], period=3600.0 * rng.uniform(2, 24))
    if kind == "home":
        return Pool(kind, [], period=3600.0 * rng.uniform(20, 30))
    if kind == "ipv6":
        base = rng.choice(CLOUD_V6 + RESIDENTIAL_V6)
        return Pool(kind, [f"{base}:{rng.getrandbits(16):x}"])
    raise ValueError(f"unknown pool kind {kind!r}")


def shared_pool(rng: random.Random, size: int) -> Pool:
    """A platform egress: ``size`` addresses in one cloud /24, shared by many keys."""
    base = f"{rng.choice(CLOUD_PREFIXES)}.{rng.randrange(256)}"
    return Pool("shared", [f"{base}.{h}" for h in rng.sample(range(2, 250), size)])


INFRA_KINDS: tuple[str, ...] = ("single", "rotating_dc", "residential", "ipv6")
