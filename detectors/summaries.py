"""Compact per-key summaries: what the per-key stage tells the cross-key (campaign) stage.

A summary carries no prompt text and no raw addresses: template signatures and
address/agent bitmaps are integers already folded into sketches.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["IP_PREFIX_BITS", "KeySummary"]

#: Width of the per-key IP-prefix bitmap. Wider than the 64 bits used for user agents
#: and models: a campaign's proxy pool may hold dozens of prefixes, and at 64 bits an
#: ordinary key's few prefixes would overlap it by chance.
IP_PREFIX_BITS = 256


class KeySummary(NamedTuple):
    """One scored window of one key, as the campaign stage sees it.

    ``templates`` are the key's recurring prompt-template signatures (64-bit
    bottom-k bitmaps, see :mod:`detectors.fingerprints`); ``ip_prefix_bits`` and
    ``user_agent_bits`` are bitmaps (``IP_PREFIX_BITS`` and 64 bits wide) of the
    day's /24 (or /48) prefixes and user agents; ``harvest``, ``content`` and
    ``pacing`` are the key's family evidence in [0, 1]. ``probes`` are, for a key
    without recurring templates yet, the signatures of its latest one-off prompts:
    enough for the stage to find the campaign a light key belongs to, never enough
    to found a group (see :meth:`detectors.campaigns.CampaignStage.process`).
    """

    api_key_id: str
    account_id: str | None
    ts: float
    first_ts: float
    events: float
    requests_per_hour: float
    templates: tuple[int, ...]
    ip_prefix_bits: int
    user_agent_bits: int
    reasoning_prompt_share: float
    template_share: float
    output_tokens_mean: float
    harvest: float
    content: float
    pacing: float
    score: float
    probes: tuple[int, ...] = ()
