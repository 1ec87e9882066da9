"""Where requests come from: egress pools shared across keys, and a key's network.

:class:`Pools` holds the egress that many keys of one simulation share, drawn
from the seed: a big cloud provider's NAT gateways (a handful of addresses),
a hosting provider's datacenter ``/24``s, and residential ISP ranges — which
is where both home users and residential proxy networks live. A key whose
structure says ``sharing: shared`` draws its addresses from these pools (so
sharing infrastructure with other keys, benign ones included, is no label);
``own`` draws private ones.

>>> pools = make_pools(1)
>>> net = network(random.Random(2), pools, "cloud_single", "shared", "sdk")
>>> net.prefixes[0] in pools.cloud_nat, net.user_agents
(True, ('atlas-python/1.12.0',))
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from pipeline.simulate.emit import Network, ip_prefixes

__all__ = [
    "BROWSER_UA",
    "SCRIPT_UAS",
    "SDK_UA",
    "Pools",
    "make_pools",
    "network",
    "user_agent",
]

SCRIPT_UAS = (
    "python-httpx/0.27.2", "aiohttp/3.10.5", "python-requests/2.32.3",
    "Go-http-client/2.0", "node-fetch/3.3.2", "curl/8.5.0",
)  # fmt: skip
#: The most common browser's user agent (many apps call the API from a browser).
BROWSER_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
#: The popular SDK's default user agent (what most benign apps send too).
SDK_UA = "atlas-python/1.12.0"

_RESIDENTIAL_FIRSTS = ("24.", "67.", "73.", "86.", "92.", "101.", "112.", "176.", "187.", "189.")


@dataclass(frozen=True, slots=True)
class Pools:
    """Egress shared by many keys of one simulation."""

    cloud_nat: tuple[str, ...]
    datacenter: tuple[str, ...]
    residential: tuple[str, ...]


@lru_cache(maxsize=4)
def make_pools(seed: int) -> Pools:
    """The simulation's shared egress, from its own generator (keys do not shift it).

    Cached: the roster and the delivery stage ask for it (it is immutable)."""
    rng = random.Random(f"{seed}/pools")
    nat = tuple(f"{prefix}{rng.randint(1, 254)}" for prefix in ip_prefixes(rng, "cloud", 6, 0.0))
    return Pools(
        cloud_nat=nat,
        datacenter=ip_prefixes(rng, "cloud", 120, 0.05),
        residential=ip_prefixes(rng, "residential", 2000, 0.1),
    )


def user_agent(rng: random.Random, kind: str) -> str:
    """A user agent of ``kind``: ``script``, ``browser`` or ``sdk``."""
    if kind == "script":
        return rng.choice(SCRIPT_UAS)
    if kind == "browser":
        return BROWSER_UA
    if kind == "sdk":
        return SDK_UA
    raise ValueError(f"unknown user agent kind {kind!r}")


def network(rng: random.Random, pools: Pools, infra: str, sharing: str, ua: str) -> Network:
    """A key's network for an ``infra`` value (see :mod:`.structure`) and user-agent kind."""
    agent = user_agent(rng, ua)
    shared = sharing == "shared"
    if infra == "cloud_single":
        if shared:
            address = rng.choice(pools.cloud_nat)
        else:
            address = f"{ip_prefixes(rng, 'cloud', 1, 0.0)[0]}{rng.randint(1, 254)}"
        return Network((address,), (agent,))
    if infra == "datacenter_rotating":
        count = rng.randint(8, 40)
        if shared:
            prefixes = tuple(rng.sample(pools.datacenter, min(count, len(pools.datacenter))))
        else:
            prefixes = ip_prefixes(rng, "cloud", count, 0.05)
        return Network(prefixes, (agent,), rotate=rng.uniform(600.0, 7200.0))
    if infra == "residential":
        if shared:  # a proxy network's exits: random hosts of home users' ranges
            return Network(pools.residential, (agent,))
        return Network(_RESIDENTIAL_FIRSTS, (agent,), fresh=True)
    raise ValueError(f"unknown infra {infra!r}")
