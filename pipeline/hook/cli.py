"""``distillwatch hook run|audit|release|check``: the suspension hook's command line.

Secrets come from the environment only (``$DISTILLWATCH_HOOK_HMAC_KEY`` or
``$DISTILLWATCH_HOOK_HMAC_KEY_FILE``; ``$DISTILLWATCH_HOOK_AM_TOKEN`` or
``..._FILE``), never from arguments, which other users can read in ``ps``.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
import time
from pathlib import Path

import orjson

from pipeline.config import Settings, load_settings
from pipeline.hook import audit
from pipeline.hook.policy import (
    PolicyError,
    load_policy,
    parse_duration,
    parse_rfc3339,
)
from pipeline.hook.signing import SecretError, load_secret
from pipeline.hook.store import Store

__all__ = ["add_arguments", "broker_settings", "main", "run"]

HMAC_ENV = "DISTILLWATCH_HOOK_HMAC_KEY"
TOKEN_ENV = "DISTILLWATCH_HOOK_AM_TOKEN"
DEFAULT_DB = "distillwatch-hook.db"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``hook`` sub-actions to ``parser``."""
    actions = parser.add_subparsers(dest="hook_action", metavar="ACTION", required=True)

    run_p = actions.add_parser("run", help="consume alerts, apply the policy, deliver actions")
    run_p.add_argument("--policy", required=True, type=Path, help="policy file (.toml or .json)")
    _db(run_p)
    _broker(run_p)
    run_p.add_argument("--alerts-topic", help="default: the settings' alerts_topic")
    run_p.add_argument("--group-id", default="distillwatch-hook")
    run_p.add_argument(
        "--session-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="Kafka group session timeout: how soon a crashed hook's partitions move (default 10)",
    )
    run_p.add_argument("--feedback-topic", default="distillwatch-feedback")
    run_p.add_argument(
        "--feedback-file",
        type=Path,
        default=_env_path("DISTILLWATCH_FEEDBACK_FILE"),
        help="JSON Lines file of `distillwatch label` (default $DISTILLWATCH_FEEDBACK_FILE)",
    )
    run_p.add_argument(
        "--listen",
        metavar="[HOST:]PORT",
        help="serve the Alertmanager webhook receiver (needs $DISTILLWATCH_HOOK_AM_TOKEN)",
    )
    run_p.add_argument(
        "--metrics",
        metavar="[HOST:]PORT",
        default="127.0.0.1:9109",
        help="Prometheus metrics address (default 127.0.0.1:9109; 'off' to disable)",
    )
    run_p.add_argument(
        "--listen-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="receiver: seconds a connection may take per request before it is closed",
    )
    run_p.add_argument(
        "--listen-max-connections",
        type=int,
        default=512,
        help="receiver: connections served at once; more are answered 503 and closed",
    )
    run_p.add_argument("--endpoint-url", help="override delivery.url of the policy file")
    run_p.add_argument(
        "--until-idle",
        type=float,
        metavar="SECONDS",
        help="exit after this long with no input and nothing pending (batch runs, tests)",
    )
    run_p.add_argument("--max-seconds", type=float, metavar="SECONDS", help="exit after this long")

    audit_p = actions.add_parser("audit", help="query the audit log")
    _db(audit_p)
    audit_p.add_argument("--key", dest="api_key_id", help="only this api_key_id")
    audit_p.add_argument("--account", dest="account_id", help="only this account_id")
    audit_p.add_argument("--alert", dest="alert_id", help="only this alert_id")
    audit_p.add_argument(
        "--outcome",
        help="acted, held, shadow-acted, shadow-held, skipped, rejected, delivered,"
        " dead-lettered, released, requeued",
    )
    audit_p.add_argument("--since", help="a duration back from now (24h) or an RFC 3339 time")
    audit_p.add_argument("--limit", type=int, default=50)
    audit_p.add_argument("--json", action="store_true", help="one JSON object per line")

    release_p = actions.add_parser(
        "release", help="send held (limiter) or dead-lettered actions after human review"
    )
    _db(release_p)
    release_p.add_argument("outbox_ids", type=int, nargs="+", metavar="OUTBOX_ID")
    release_p.add_argument("--reason", required=True, help="why (goes to the audit log)")

    check_p = actions.add_parser("check", help="validate a policy file and summarise it")
    check_p.add_argument("policy", type=Path)


def run(args: argparse.Namespace) -> int:
    """Dispatch a ``hook`` sub-action; return the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("distillwatch").setLevel(logging.INFO)  # ours at INFO, Kafka's quieter
    try:
        if args.hook_action == "run":
            return _run(args)
        if args.hook_action == "audit":
            return _audit(args)
        if args.hook_action == "release":
            return _release(args)
        return _check(args)
    except (PolicyError, SecretError, ValueError) as exc:
        print(f"distillwatch hook: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from pipeline.hook.runner import RunSettings, run_hook

    policy = load_policy(args.policy)
    if args.endpoint_url:
        policy = replace(policy, delivery=replace(policy.delivery, url=args.endpoint_url))
    hmac_key = load_secret(HMAC_ENV)
    if policy.any_enforcing and (hmac_key is None or not policy.delivery.url):
        raise SecretError(
            f"a policy in enforce mode needs delivery.url and ${HMAC_ENV} (or ${HMAC_ENV}_FILE)"
        )
    token = load_secret(TOKEN_ENV) if args.listen else None
    if args.listen and token is None:
        raise SecretError(f"--listen needs ${TOKEN_ENV} (or ${TOKEN_ENV}_FILE): auth is required")
    for rule in policy.rules:
        logging.getLogger("distillwatch.hook").info("policy %s: %s mode", rule.name, rule.mode)
    broker = broker_settings(args)
    settings = RunSettings(
        db_path=args.db,
        kafka=broker.kafka_python_options() if broker.kafka_bootstrap_servers else None,
        alerts_topic=args.alerts_topic or broker.alerts_topic,
        group_id=args.group_id,
        session_timeout=args.session_timeout,
        feedback_topic=args.feedback_topic or None,
        feedback_file=args.feedback_file,
        listen=_address(args.listen) if args.listen else None,
        metrics=None if args.metrics == "off" else _address(args.metrics),
        until_idle=args.until_idle,
        max_seconds=args.max_seconds,
        listen_timeout=args.listen_timeout,
        listen_max_connections=args.listen_max_connections,
    )
    return run_hook(settings, policy, hmac_key, token)


def _broker(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="PATH", help="TOML config file (docs/CONFIG.md)")
    parser.add_argument(
        "--bootstrap-servers",
        help="Kafka brokers (default: the workers' setting, $KAFKA_BOOTSTRAP_SERVERS or the "
        "config file; none: no Kafka)",
    )


def broker_settings(args: argparse.Namespace) -> Settings:
    """The one settings object the workers read: broker address, SASL and TLS alike."""
    return load_settings(
        getattr(args, "config", None), kafka_bootstrap_servers=args.bootstrap_servers
    )


def _audit(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = time.time() - parse_duration(args.since, "--since")
        except PolicyError:
            since = parse_rfc3339(args.since, "--since")
    query = audit.AuditQuery(
        api_key_id=args.api_key_id,
        account_id=args.account_id,
        alert_id=args.alert_id,
        outcome=args.outcome,
        since=since,
        limit=args.limit,
    )
    store = _open_existing(args.db)
    try:
        rows = audit.query(store.conn, query)
    finally:
        store.close()
    for row in rows:
        if args.json:
            sys.stdout.buffer.write(orjson.dumps(row.to_dict()) + b"\n")
        else:
            # Key ids, policy names and reasons come from alerts and analysts: a control
            # character must not reach the terminal (escape sequences, forged lines).
            key, policy, reason = (_printable(v) for v in (row.api_key_id, row.policy, row.reason))
            print(
                f"{row.seq:>6} {audit.rfc3339(row.decided_at)} {row.outcome:<13} "
                f"{_printable(row.action) or '-':<8} {key or '-':<24} {policy or '-':<16} "
                f"{'outbox=' + str(row.outbox_id) + ' ' if row.outbox_id else ''}{reason}"
            )
            if row.summary:
                print(f"{'':>6} why: {_printable(row.summary)}")
    sys.stdout.flush()
    return 0


def _printable(text: str | None) -> str:
    r"""``text`` with non-printable characters escaped (``\x1b``, ``\u2028``).

    >>> _printable("key\x1b[31m\n"), _printable("clé")
    ('key\\x1b[31m\\x0a', 'clé')
    """
    if text is None:
        return ""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else (f"\\x{ord(c):02x}" if ord(c) < 256 else f"\\u{ord(c):04x}")
        for c in text
    )


def _release(args: argparse.Namespace) -> int:
    from pipeline.hook.release import release

    store = _open_existing(args.db)
    who = getpass.getuser()
    failed = 0
    try:
        for row_id in args.outbox_ids:
            done = release(store, row_id, args.reason, who, time.time(), "cli")
            if not done.ok:
                print(f"outbox {row_id}: {done.message}", file=sys.stderr)
                failed += 1
                continue
            print(f"outbox {row_id}: {done.message}")
    finally:
        store.close()
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    if policy.any_enforcing and not policy.delivery.url:
        enforcing = [rule.name for rule in policy.rules if not rule.dry_run]
        raise PolicyError(
            f"policies {enforcing} enforce, but delivery.url is not set: nothing could act "
            "(set it, or run them in shadow mode)"
        )
    print(f"{args.policy}: OK")
    for rule in policy.rules:
        print(
            f"  policy {rule.name}: {rule.mode}; severities={list(rule.severities)} "
            f"detectors={list(rule.detectors) or 'any'} min_score={rule.min_score} "
            f"confirmations={rule.confirmations} in {rule.window:.0f}s "
            f"campaign_confirms={rule.campaign_confirms} require_campaign={rule.require_campaign} "
            f"ladder={' -> '.join(rule.ladder)}"
        )
    limits = policy.limits
    print(f"  limiter: {limits.max_actions_per_hour} actions/hour; cooldown {limits.cooldown:.0f}s")
    print(
        f"  allowlist: {len(policy.allow_keys)} keys, {len(policy.allow_accounts)} accounts;"
        f" {len(policy.exemptions)} exemptions"
    )
    return 0


def _db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        default=_env_path("DISTILLWATCH_HOOK_DB") or Path(DEFAULT_DB),
        help=f"hook database (default $DISTILLWATCH_HOOK_DB or ./{DEFAULT_DB})",
    )


def _open_existing(path: Path) -> Store:
    if not path.exists():
        raise ValueError(f"{path}: no hook database here (run `distillwatch hook run` first)")
    return Store(path)


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def _address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        raise ValueError(f"expected [HOST:]PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def main(argv: list[str] | None = None) -> int:
    """Run as ``python -m pipeline.hook.cli ACTION ...`` (used by the crash test)."""
    parser = argparse.ArgumentParser(prog="distillwatch hook")
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
