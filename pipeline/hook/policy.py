"""The suspension policy: configuration as code, validated with clear errors.

A policy file (TOML or JSON) says which alerts may act, how many confirmations
they need, which action ladder they climb, and the safety rails around all of
it: shadow mode, allowlists, time-boxed exemptions, a blast-radius limiter and
cooldowns. :func:`load_policy` turns the file into frozen dataclasses or
raises :class:`PolicyError` naming the file, the field and what is wrong, so a
typo never silently turns enforcement on (or off).

Examples
--------
>>> policy = parse_policy({"policies": [{"name": "p", "severities": ["critical"]}]})
>>> policy.rules[0].mode, policy.rules[0].ladder
('shadow', ('notify', 'throttle', 'suspend'))
>>> parse_duration("90m")
5400.0
"""

from __future__ import annotations

import itertools
import json
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = [
    "ACTION_STRENGTH",
    "DeliverySettings",
    "Exemption",
    "Limits",
    "Policy",
    "PolicyError",
    "Rule",
    "load_policy",
    "parse_duration",
    "parse_policy",
    "parse_rfc3339",
]

# How strong each action is. A ladder must climb strictly, so throttle and cap
# (the same rung, two provider vocabularies) cannot both appear in one ladder.
ACTION_STRENGTH: dict[str, int] = {"notify": 0, "throttle": 1, "cap": 1, "suspend": 2}
SEVERITIES = ("warning", "critical")
MODES = ("shadow", "enforce")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, None: 1.0}


class PolicyError(ValueError):
    """A policy file is unreadable or invalid; the message names the field."""


def parse_duration(value: object, where: str = "duration") -> float:
    """Parse ``"30s"``, ``"5m"``, ``"2h"``, ``"1d"``, ``"250ms"`` or a number of seconds.

    Examples
    --------
    >>> parse_duration("2h"), parse_duration(1.5), parse_duration("250ms")
    (7200.0, 1.5, 0.25)
    """
    if isinstance(value, bool):
        raise PolicyError(f"{where}: expected a duration such as '30s' or '2h', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
    else:
        raise PolicyError(f"{where}: expected a duration such as '30s' or '2h', got {value!r}")
    if not 0 <= seconds < math.inf:  # also NaN: TOML has inf and nan floats
        raise PolicyError(f"{where}: must be a finite duration >= 0, got {value!r}")
    return seconds


def parse_rfc3339(value: object, where: str = "timestamp") -> float:
    """Parse an RFC 3339 timestamp with an explicit offset into Unix seconds.

    Fractions finer than microseconds (Alertmanager sends nanoseconds) are cut.

    Examples
    --------
    >>> parse_rfc3339("2026-10-05T00:00:00Z")
    1791158400.0
    >>> parse_rfc3339("2026-10-05T00:00:00.123456789+00:00")
    1791158400.123456
    """
    if not isinstance(value, str):
        raise PolicyError(f"{where}: expected an RFC 3339 string, got {value!r}")
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip())
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise PolicyError(f"{where}: not an RFC 3339 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise PolicyError(f"{where}: timestamp needs a UTC offset or 'Z': {value!r}")
    return parsed.timestamp()


@dataclass(frozen=True)
class Rule:
    """One named policy: which alerts it matches and what it does to their keys."""

    name: str
    mode: str = "shadow"
    severities: tuple[str, ...] = ("critical",)
    detectors: tuple[str, ...] = ()  # empty: any detector
    min_score: float = 0.0
    confirmations: int = 1
    window: float = 86400.0  # seconds of event time in which confirmations count
    campaign_confirms: bool = True  # a campaign_id on the alert is confirmation enough
    require_campaign: bool = False  # match only alerts that name a campaign
    ladder: tuple[str, ...] = ("notify", "throttle", "suspend")

    @property
    def dry_run(self) -> bool:
        """Whether this rule only audits (shadow mode) and sends nothing."""
        return self.mode == "shadow"

    def matches(
        self, severity: str, detector: str, score: float, campaign_id: str | None = None
    ) -> bool:
        """Return whether an alert with these fields falls under this rule."""
        return (
            (campaign_id is not None or not self.require_campaign)
            and severity in self.severities
            and (not self.detectors or detector in self.detectors)
            and score >= self.min_score
        )


@dataclass(frozen=True)
class Exemption:
    """A declared workload (an eval run, a load test) that must not be acted on."""

    reason: str
    expires: float
    expires_text: str
    api_key_id: str | None = None
    account_id: str | None = None
    starts: float | None = None

    def covers(self, api_key_id: str, account_id: str | None, event_ts: float) -> bool:
        """Return whether an alert on this key/account at ``event_ts`` is exempt.

        Event time decides, not processing time: behaviour that happened while
        the declared workload ran stays exempt even if the alert is late.
        """
        if self.api_key_id is not None and self.api_key_id != api_key_id:
            return False
        if self.account_id is not None and self.account_id != account_id:
            return False
        if self.starts is not None and event_ts < self.starts:
            return False
        return event_ts < self.expires


@dataclass(frozen=True)
class Limits:
    """Global safety rails: the blast-radius limiter and the per-key cooldown."""

    max_actions_per_hour: int = 10
    cooldown: float = 3600.0


@dataclass(frozen=True)
class DeliverySettings:
    """Where and how actions are delivered to the provider."""

    url: str | None = None
    page_url: str | None = None
    timeout: float = 5.0
    max_attempts: int = 8
    backoff_initial: float = 1.0
    backoff_max: float = 300.0


@dataclass(frozen=True)
class Policy:
    """A whole policy file."""

    rules: tuple[Rule, ...]
    limits: Limits = field(default_factory=Limits)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    allow_keys: frozenset[str] = frozenset()
    allow_accounts: frozenset[str] = frozenset()
    exemptions: tuple[Exemption, ...] = ()

    def rule_for(
        self, severity: str, detector: str, score: float, campaign_id: str | None = None
    ) -> Rule | None:
        """Return the first rule (in file order) that matches, or ``None``."""
        return next(
            (r for r in self.rules if r.matches(severity, detector, score, campaign_id)), None
        )

    @property
    def any_enforcing(self) -> bool:
        """Whether at least one rule is in enforce mode."""
        return any(not r.dry_run for r in self.rules)


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file (``.toml`` or ``.json``).

    Raises
    ------
    PolicyError
        When the file cannot be read or parsed, or a field is invalid; the
        message starts with the file name.
    """
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read policy file: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text.decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: not valid {path.suffix.lstrip('.') or 'TOML'}: {exc}") from None
    try:
        return parse_policy(data)
    except PolicyError as exc:
        raise PolicyError(f"{path}: {exc}") from None


def parse_policy(data: object) -> Policy:
    """Validate an already-parsed policy document (a mapping) into a :class:`Policy`."""
    top = _table(data, "policy file")
    _no_unknown(top, {"version", "policies", "limits", "delivery", "allowlist", "exemptions"}, "")
    version = top.get("version", 1)
    if version != 1:
        raise PolicyError(f"version: only version 1 is understood, got {version!r}")
    raw_rules = top.get("policies")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise PolicyError("policies: at least one [[policies]] entry is required")
    rules = tuple(_rule(r, f"policies[{i}]") for i, r in enumerate(raw_rules))
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise PolicyError(f"policies: names must be unique, got {names}")
    allow = _table(top.get("allowlist", {}), "allowlist")
    _no_unknown(allow, {"api_keys", "accounts"}, "allowlist")
    raw_exemptions = top.get("exemptions", [])
    if not isinstance(raw_exemptions, list):
        raise PolicyError("exemptions: expected a list of [[exemptions]] tables")
    return Policy(
        rules=rules,
        limits=_limits(top.get("limits", {})),
        delivery=_delivery(top.get("delivery", {})),
        allow_keys=frozenset(_strings(allow.get("api_keys", []), "allowlist.api_keys")),
        allow_accounts=frozenset(_strings(allow.get("accounts", []), "allowlist.accounts")),
        exemptions=tuple(_exemption(e, f"exemptions[{i}]") for i, e in enumerate(raw_exemptions)),
    )


def _rule(raw: object, where: str) -> Rule:
    table = _table(raw, where)
    known = {
        "name",
        "mode",
        "severities",
        "detectors",
        "min_score",
        "confirmations",
        "window",
        "campaign_confirms",
        "require_campaign",
        "ladder",
    }
    name = table.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}.name: a non-empty name is required")
    where = f"policies[{name!r}]"
    _no_unknown(table, known, where)
    mode = table.get("mode", "shadow")
    if mode not in MODES:
        raise PolicyError(f"{where}.mode: expected one of {list(MODES)}, got {mode!r}")
    severities = _strings(table.get("severities", ["critical"]), f"{where}.severities")
    if not severities or any(s not in SEVERITIES for s in severities):
        raise PolicyError(f"{where}.severities: expected values from {list(SEVERITIES)}")
    ladder = _strings(table.get("ladder", ["notify", "throttle", "suspend"]), f"{where}.ladder")
    unknown = [a for a in ladder if a not in ACTION_STRENGTH]
    if not ladder or unknown:
        raise PolicyError(
            f"{where}.ladder: expected actions from {sorted(ACTION_STRENGTH)}, got {ladder}"
        )
    strengths = [ACTION_STRENGTH[a] for a in ladder]
    if any(b <= a for a, b in itertools.pairwise(strengths)):
        raise PolicyError(
            f"{where}.ladder: must climb notify -> throttle|cap -> suspend, got {ladder}"
        )
    return Rule(
        name=name,
        mode=mode,
        severities=tuple(severities),
        detectors=tuple(_strings(table.get("detectors", []), f"{where}.detectors")),
        min_score=_number(table.get("min_score", 0.0), f"{where}.min_score", 0.0, 1.0),
        confirmations=_int(table.get("confirmations", 1), f"{where}.confirmations", 1),
        window=parse_duration(table.get("window", "24h"), f"{where}.window"),
        campaign_confirms=_bool(table.get("campaign_confirms", True), f"{where}.campaign_confirms"),
        require_campaign=_bool(table.get("require_campaign", False), f"{where}.require_campaign"),
        ladder=tuple(ladder),
    )


def _limits(raw: object) -> Limits:
    table = _table(raw, "limits")
    _no_unknown(table, {"max_actions_per_hour", "cooldown"}, "limits")
    return Limits(
        max_actions_per_hour=_int(
            table.get("max_actions_per_hour", 10), "limits.max_actions_per_hour", 0
        ),
        cooldown=parse_duration(table.get("cooldown", "1h"), "limits.cooldown"),
    )


def _delivery(raw: object) -> DeliverySettings:
    table = _table(raw, "delivery")
    known = {"url", "page_url", "timeout", "max_attempts", "backoff_initial", "backoff_max"}
    _no_unknown(table, known, "delivery")
    urls = {k: table.get(k) for k in ("url", "page_url")}
    for key, url in urls.items():
        if url is not None and not (isinstance(url, str) and re.match(r"^https?://\S+$", url)):
            raise PolicyError(f"delivery.{key}: expected an http:// or https:// URL, got {url!r}")
    settings = DeliverySettings(
        url=urls["url"],
        page_url=urls["page_url"],
        timeout=parse_duration(table.get("timeout", "5s"), "delivery.timeout"),
        max_attempts=_int(table.get("max_attempts", 8), "delivery.max_attempts", 1),
        backoff_initial=parse_duration(
            table.get("backoff_initial", "1s"), "delivery.backoff_initial"
        ),
        backoff_max=parse_duration(table.get("backoff_max", "5m"), "delivery.backoff_max"),
    )
    if settings.timeout <= 0:
        raise PolicyError("delivery.timeout: must be positive")
    if settings.backoff_max < settings.backoff_initial:
        raise PolicyError("delivery.backoff_max: must be >= delivery.backoff_initial")
    return settings


def _exemption(raw: object, where: str) -> Exemption:
    table = _table(raw, where)
    _no_unknown(table, {"api_key_id", "account_id", "reason", "expires", "starts"}, where)
    key, account = table.get("api_key_id"), table.get("account_id")
    if key is None and account is None:
        raise PolicyError(f"{where}: needs api_key_id or account_id")
    for name, value in (("api_key_id", key), ("account_id", account)):
        if value is not None and (not isinstance(value, str) or not value):
            raise PolicyError(f"{where}.{name}: expected a non-empty string")
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise PolicyError(f"{where}.reason: a reason is required (who declared what workload)")
    if "expires" not in table:
        raise PolicyError(f"{where}.expires: exemptions are time-boxed; an expiry is required")
    expires_raw = table["expires"]
    if isinstance(expires_raw, datetime):  # TOML has native datetimes
        expires_raw = expires_raw.isoformat()
    starts_raw = table.get("starts")
    if isinstance(starts_raw, datetime):
        starts_raw = starts_raw.isoformat()
    expires = parse_rfc3339(expires_raw, f"{where}.expires")
    starts = None if starts_raw is None else parse_rfc3339(starts_raw, f"{where}.starts")
    if starts is not None and starts >= expires:
        raise PolicyError(f"{where}: starts must be before expires")
    return Exemption(
        reason=reason,
        expires=expires,
        expires_text=str(expires_raw),
        api_key_id=key,
        account_id=account,
        starts=starts,
    )


def _table(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _no_unknown(table: Mapping[str, Any], known: set[str], where: str) -> None:
    # A misspelt key ("mdoe = 'enforce'") must fail loudly, not fall back to a default.
    unknown = sorted(set(table) - known)
    if unknown:
        prefix = f"{where}: " if where else ""
        raise PolicyError(f"{prefix}unknown field(s) {unknown}; known: {sorted(known)}")


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PolicyError(f"{where}: expected a list of non-empty strings, got {value!r}")
    return list(value)


def _int(value: object, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise PolicyError(f"{where}: expected an integer >= {minimum}, got {value!r}")
    return value


def _number(value: object, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise PolicyError(f"{where}: expected a number in [{low}, {high}], got {value!r}")
    return float(value)


def _bool(value: object, where: str) -> bool:
    if not isinstance(value, bool):
        raise PolicyError(f"{where}: expected true or false, got {value!r}")
    return value
