"""Read-only questions to the triage store, answered as JSON-ready dicts.

The page (:mod:`pipeline.triage.pages`) and the JSON API (:mod:`pipeline.triage.web`)
both call these, so they always show the same thing. Every query is an indexed
lookup or an indexed scan with a ``LIMIT``: the ranked lists and a key's page stay
fast with a million alerts (benchmarks/triage_store.py).

The filters, the ranked lists, a key's page, a campaign's page and the audit log
each have a module; the public names are re-exported here.
"""

from __future__ import annotations

from pipeline.triage.queries.audit import audit_log
from pipeline.triage.queries.campaign_page import campaign_detail
from pipeline.triage.queries.filters import STATES, Filters
from pipeline.triage.queries.key_page import key_detail, resolve_key
from pipeline.triage.queries.ranked import ranked_alerts, ranked_campaigns, ranked_keys

__all__ = [
    "STATES",
    "Filters",
    "audit_log",
    "campaign_detail",
    "key_detail",
    "ranked_alerts",
    "ranked_campaigns",
    "ranked_keys",
    "resolve_key",
]
