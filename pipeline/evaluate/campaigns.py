"""Campaign metrics: did the engine see labelled campaigns as campaigns?

Labelled campaigns come from ``labels.jsonl`` (``campaign_id``); detected
campaigns are the ``campaign_id`` values the engine put on alerts. The two id
spaces are unrelated, so a labelled campaign is matched to the detected ids
found on its members' alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.evaluate.outcomes import KeyOutcome
from pipeline.evaluate.records import AlertRecord
from pipeline.evaluate.stats import ratio

#: How many benign key ids the metrics list by name (the count is always exact).
MAX_LISTED_KEYS = 20


def campaign_metrics(
    outcomes: Mapping[str, KeyOutcome], alerts: Iterable[AlertRecord]
) -> dict[str, Any]:
    """Per labelled campaign and overall campaign numbers.

    Per labelled campaign: ``members``; ``members_alerted`` (detected at warning
    or above, at/after the attack start); ``members_in_detected_campaign`` (with
    an alert that carries a ``campaign_id``); ``alerts`` and
    ``alerts_with_campaign_id`` on members; ``detected_campaign_ids`` seen on
    members; ``benign_keys_pulled_in`` (benign keys with an alert carrying one
    of those ids). Overall: benign keys with any campaign alert, and detected
    campaign ids that contain no abusive key.
    """
    members: dict[str, list[str]] = {}
    for key, outcome in outcomes.items():
        if outcome.label.campaign_id is not None:
            members.setdefault(outcome.label.campaign_id, []).append(key)

    detected_ids_by_key: dict[str, set[str]] = {}
    alerts_by_key: dict[str, list[AlertRecord]] = {}
    for alert in alerts:
        alerts_by_key.setdefault(alert.api_key_id, []).append(alert)
        if alert.campaign_id is not None:
            detected_ids_by_key.setdefault(alert.api_key_id, set()).add(alert.campaign_id)

    first_seen: dict[tuple[str, str], float] = {}
    for alert in alerts_by_key_items(alerts_by_key):
        if alert.campaign_id is not None:
            slot = (alert.api_key_id, alert.campaign_id)
            first_seen[slot] = min(first_seen.get(slot, alert.ts), alert.ts)
    labelled_by_detected: dict[str, set[str]] = {}
    for cid, keys in members.items():
        for key in keys:
            for detected in detected_ids_by_key.get(key, ()):
                labelled_by_detected.setdefault(detected, set()).add(cid)

    benign_by_detected: dict[str, set[str]] = {}
    abusive_detected: set[str] = set()
    for key, ids in detected_ids_by_key.items():
        owner = outcomes.get(key)
        if owner is None:
            continue
        for cid in ids:
            if owner.is_abuse:
                abusive_detected.add(cid)
            else:
                benign_by_detected.setdefault(cid, set()).add(key)

    per_campaign: list[dict[str, Any]] = []
    for cid, keys in sorted(members.items()):
        key_alerts = [a for key in keys for a in alerts_by_key.get(key, [])]
        found = sorted({i for key in keys for i in detected_ids_by_key.get(key, ())})
        pulled = sorted({b for i in found for b in benign_by_detected.get(i, ())})
        alerted = sum(1 for key in keys if outcomes[key].levels["warning"].detected)
        per_campaign.append(
            {
                "campaign_id": cid,
                "members": len(keys),
                "members_alerted": alerted,
                "members_alerted_share": ratio(alerted, len(keys)),
                "members_in_detected_campaign": sum(
                    1 for key in keys if key in detected_ids_by_key
                ),
                "alerts": len(key_alerts),
                "alerts_with_campaign_id": sum(1 for a in key_alerts if a.campaign_id),
                "detected_campaign_ids": found,
                "detected_campaign_map": _detected_map(
                    cid,
                    keys,
                    detected_ids_by_key,
                    first_seen,
                    labelled_by_detected,
                    benign_by_detected,
                ),
                "members_without_campaign_id": sum(
                    1 for key in keys if key not in detected_ids_by_key
                ),
                "benign_keys_pulled_in": len(pulled),
            }
        )

    benign_in_campaigns = sorted({k for keys in benign_by_detected.values() for k in keys})
    all_detected = {i for ids in detected_ids_by_key.values() for i in ids}
    return {
        "labelled_campaigns": len(members),
        "detected_campaign_ids": len(all_detected),
        "detected_campaigns_without_abuse": len(all_detected - abusive_detected),
        "benign_keys_pulled_in": len(benign_in_campaigns),
        "benign_keys_pulled_in_sample": benign_in_campaigns[:MAX_LISTED_KEYS],
        "alerts_with_campaign_id_on_benign": sum(
            1
            for key, items in alerts_by_key.items()
            if key in outcomes and not outcomes[key].is_abuse
            for a in items
            if a.campaign_id
        ),
        "detected_ids_spanning_labelled_campaigns": sorted(
            i for i, labelled in labelled_by_detected.items() if len(labelled) > 1
        ),
        "campaigns": per_campaign,
    }


def alerts_by_key_items(alerts_by_key: Mapping[str, list[AlertRecord]]) -> Iterable[AlertRecord]:
    """Every alert of ``alerts_by_key``."""
    for items in alerts_by_key.values():
        yield from items


def _detected_map(
    labelled: str,
    keys: list[str],
    detected_ids_by_key: Mapping[str, set[str]],
    first_seen: Mapping[tuple[str, str], float],
    labelled_by_detected: Mapping[str, set[str]],
    benign_by_detected: Mapping[str, set[str]],
) -> list[dict[str, Any]]:
    """How one labelled campaign maps to detected campaign ids, largest part first.

    Each detected id is one part of a template group as the campaign stage saw it
    (docs/CAMPAIGNS.md): a labelled campaign shows under several ids when its members
    split into parts (fragments of its template cloud, different user agents), and one
    id shared with another labelled campaign means the stage merged them.
    """
    parts: dict[str, list[str]] = {}
    for key in keys:
        for detected in detected_ids_by_key.get(key, ()):
            parts.setdefault(detected, []).append(key)
    rows: list[dict[str, Any]] = []
    for detected, carriers in parts.items():
        first = min(first_seen.get((k, detected), float("inf")) for k in carriers)
        rows.append(
            {
                "detected_id": detected,
                "members": len(carriers),
                "member_share": ratio(len(carriers), len(keys)),
                "first_alert_ts": None if first == float("inf") else first,
                "other_labelled_campaigns": sorted(labelled_by_detected[detected] - {labelled}),
                "benign_keys": len(benign_by_detected.get(detected, ())),
            }
        )
    rows.sort(key=lambda r: (-int(r["members"]), r["first_alert_ts"] or 0.0, str(r["detected_id"])))
    return rows
