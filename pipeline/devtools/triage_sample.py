"""Deterministic alerts for the triage: its tests, its browser test and its screenshots.

Built by the real alert code (:class:`detectors.alerts.Alert`, and
:func:`detectors.wording.summarize`, what the engine and the campaign stage call) with
fixed reasons, so the triage can be shown and tested without depending on what the
detector (retuned often) raises on some traffic.
"""

from __future__ import annotations

from detectors.alerts import Alert, Reason, alert_id
from detectors.campaigns import DETECTOR as CAMPAIGN
from detectors.engine.engine import DETECTOR as ENGINE
from detectors.timestamps import format_ts
from detectors.wording import summarize

T0 = 1_791_158_400.0  # 2026-10-05T00:00:00Z
CAMPAIGN_ID = "camp_00c0ffee00c0ffee"
HARVESTER = "key-harvester-1"
MEMBERS = tuple(f"key-swarm-{i:02d}" for i in range(6))
BENIGN_WARNING = "key-evalharness-1"
#: A second key of the harvester's account: related by account on its page.
SIBLING = "key-harvester-2"

KEY_REASONS = (
    Reason("elicitation_share", 0.97, 0.02),
    Reason("answer_tokens", 1650.0, 266.0),
    Reason("output_tokens_per_day", 2.4e6, 150_000.0),
    Reason("hourly_volume_cv", 0.01, 0.0),
)
CAMPAIGN_REASONS = (
    Reason("shared_ip_prefixes", 0.81, 0.06),
    Reason("accounts", 6.0, 1.0),
    Reason("shared_template_extraction_content", 0.9, 0.0),
    Reason("synchronized_first_seen", 0.7, 0.0),
)


def _alert(
    key: str,
    at: float,
    severity: str,
    score: float,
    detector: str = ENGINE,
    episode: int = 1,
    campaign: str | None = None,
    related: tuple[str, ...] = (),
    account: str | None = None,
) -> Alert:
    reasons = CAMPAIGN_REASONS if campaign else KEY_REASONS
    return Alert(
        alert_id=alert_id(key, detector, episode, severity),
        api_key_id=key,
        account_id=account or f"acct-{key}",
        ts=format_ts(at),
        severity=severity,
        score=score,
        detector=detector,
        reasons=reasons,
        campaign_id=campaign,
        related_keys=related,
        summary=summarize(severity, score, reasons, campaign, len(related)),
    )


def sample_alerts() -> list[Alert]:
    """A harvester (warning, then critical) and a second key of its account (warning), a
    six-key campaign growing over three hours, and a warning on a benign-looking key."""
    out = [
        _alert(HARVESTER, T0 + 3600, "warning", 0.71),
        _alert(HARVESTER, T0 + 7200, "critical", 0.93),
        _alert(BENIGN_WARNING, T0 + 5400, "warning", 0.64),
        _alert(SIBLING, T0 + 6000, "warning", 0.66, account=f"acct-{HARVESTER}"),
    ]
    for i, key in enumerate(MEMBERS):
        others = tuple(k for k in MEMBERS if k != key)
        out.append(
            _alert(
                key,
                T0 + 1800 * (i + 1),
                "critical",
                0.9 + i / 100,
                CAMPAIGN,
                campaign=CAMPAIGN_ID,
                related=others,
                account=f"acct-swarm-{i}",
            )
        )
    out.sort(key=lambda a: a.ts)
    return out


def sample_lines() -> bytes:
    """``sample_alerts`` as an ``alerts.jsonl``."""
    return b"".join(a.to_json() + b"\n" for a in sample_alerts())


def sample_scores() -> list[tuple[str, float, float]]:
    """A score every 15 minutes for the harvester: rising through warning to critical."""
    points = []
    for i in range(48):
        at = T0 + 900 * i
        score = min(0.97, 0.2 + 0.8 * max(0.0, (i - 4) / 40))
        points.append((HARVESTER, at, round(score, 4)))
    return points
