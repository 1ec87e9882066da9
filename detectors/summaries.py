"""Compact per-key summaries: what the per-key stage tells the cross-key (campaign) stage.

A summary carries no prompt text and no raw addresses: frame signatures, topic
and address/agent bitmaps and prompt hashes are integers already folded into
sketches. One is made each time a key is scored.
"""

from __future__ import annotations

import math
from typing import NamedTuple

__all__ = ["IP_PREFIX_BITS", "KeySummary"]

#: Width of the per-key IP-prefix bitmap. Wider than the 64 bits used for user agents
#: and models: a campaign's proxy pool may hold dozens of prefixes, and at 64 bits an
#: ordinary key's few prefixes would overlap it by chance.
IP_PREFIX_BITS = 256


class KeySummary(NamedTuple):
    """One scoring of one key, as the campaign stage sees it.

    Attributes
    ----------
    api_key_id, account_id
        The key and its account (when known).
    ts
        Event time of the scoring.
    first_ts
        The key's first event time (as this engine saw it).
    account_created
        When its account was opened, from the events' ``account_created_at``
        (``inf`` when no event said).
    events
        Requests at the day horizon (decayed).
    requests_per_hour
        Its request rate over its age (at most a day).
    frames
        Signatures of its recurring prompt frames (64-bit bottom-k MinHash bitmaps,
        see :mod:`detectors.fingerprints`).
    probes
        Without recurring frames yet, the signatures of its latest one-off prompts.
    topics
        256-bit bitmap of its prompts' item hashes over today and yesterday: what it
        asks about.
    prompts
        Up to 8 of the smallest item identities it ever sent (a MinHash sample of the
        items it asked for, whatever harness wrapped them: two keys running the same
        items share most of them; see ``IDENTITY_WORDS`` in
        :mod:`detectors.state.layout`).
    ip_prefix_bits, user_agent_bits
        Bitmaps (``IP_PREFIX_BITS`` and 64 bits wide) of today's and yesterday's /24
        (/48) prefixes and user agents.
    active_hours
        24-bit mask of the hours it was active (bit 0: the latest hour).
    total
        Its total evidence (log-odds units, see :mod:`detectors.evidence.combine`).
    harvest, elicitation, coverage, structure, quantity
        Its core families' evidence.
    timing
        The timing support signal in [0, 1].
    score
        Its score in [0, 1].
    """

    api_key_id: str
    account_id: str | None
    ts: float
    first_ts: float
    account_created: float = math.inf
    events: float = 0.0
    requests_per_hour: float = 0.0
    frames: tuple[int, ...] = ()
    probes: tuple[int, ...] = ()
    topics: int = 0
    prompts: tuple[int, ...] = ()
    ip_prefix_bits: int = 0
    user_agent_bits: int = 0
    active_hours: int = 0
    total: float = 0.0
    harvest: float = 0.0
    elicitation: float = 0.0
    coverage: float = 0.0
    structure: float = 0.0
    quantity: float = 0.0
    timing: float = 0.0
    score: float = 0.0
