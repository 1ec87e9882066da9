"""Policy files: the example loads; bad files fail with errors that name the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.hook.policy import PolicyError, load_policy, parse_policy

from .support import REPO


def test_example_policy_loads_in_shadow_mode() -> None:
    policy = load_policy(REPO / "examples" / "policy.toml")
    assert [r.name for r in policy.rules] == [
        "campaign-members",
        "repeat-critical",
        "warnings-notify-only",
    ]
    assert all(r.mode == "shadow" for r in policy.rules)  # the example must not enforce
    assert not policy.any_enforcing
    assert "key-internal-redteam" in policy.allow_keys
    assert len(policy.exemptions) == 2
    assert policy.limits.cooldown == 6 * 3600


def test_mode_defaults_to_shadow() -> None:
    policy = parse_policy({"policies": [{"name": "x"}]})
    assert policy.rules[0].dry_run


def test_json_policy(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"policies": [{"name": "j", "mode": "enforce"}]}))
    assert load_policy(path).rules[0].mode == "enforce"


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({}, "at least one [[policies]]"),
        ({"policies": [{"name": "a", "mdoe": "enforce"}]}, "unknown field(s) ['mdoe']"),
        ({"policies": [{"name": "a", "mode": "on"}]}, "policies['a'].mode"),
        ({"policies": [{"name": "a", "severities": ["high"]}]}, "policies['a'].severities"),
        ({"policies": [{"name": "a", "ladder": ["suspend", "notify"]}]}, "must climb"),
        ({"policies": [{"name": "a", "ladder": ["throttle", "cap"]}]}, "must climb"),
        ({"policies": [{"name": "a", "ladder": ["ban"]}]}, "ladder: expected actions"),
        ({"policies": [{"name": "a", "confirmations": 0}]}, "confirmations: expected an integer"),
        ({"policies": [{"name": "a", "window": "soon"}]}, "window: expected a duration"),
        ({"policies": [{"name": "a", "min_score": 2}]}, "min_score"),
        ({"policies": [{"name": "a"}, {"name": "a"}]}, "names must be unique"),
        ({"policies": [{"name": "a"}], "version": 2}, "version"),
        ({"policies": [{"name": "a"}], "limits": {"max_actions_per_hour": -1}}, "max_actions"),
        ({"policies": [{"name": "a"}], "delivery": {"url": "ftp://x"}}, "delivery.url"),
        ({"policies": [{"name": "a"}], "exemptions": [{"api_key_id": "k"}]}, "reason"),
        (
            {"policies": [{"name": "a"}], "exemptions": [{"api_key_id": "k", "reason": "r"}]},
            "an expiry is required",
        ),
        (
            {"policies": [{"name": "a"}], "exemptions": [{"reason": "r", "expires": "x"}]},
            "needs api_key_id or account_id",
        ),
        (
            {
                "policies": [{"name": "a"}],
                "exemptions": [{"api_key_id": "k", "reason": "r", "expires": "2026-10-05T00:00"}],
            },
            "UTC offset",
        ),
    ],
)
def test_bad_policies_name_the_problem(doc: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(doc)
    assert message in str(info.value)


def test_bad_files_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[[policies]\nname = 'x'\n")
    with pytest.raises(PolicyError, match=r"broken\.toml: not valid toml"):
        load_policy(broken)
    with pytest.raises(PolicyError, match=r"missing\.toml: cannot read"):
        load_policy(tmp_path / "missing.toml")
    typo = tmp_path / "typo.toml"
    typo.write_text("[[policies]]\nname = 'x'\nmode = 'enforce'\nladdder = ['suspend']\n")
    with pytest.raises(PolicyError, match=r"typo\.toml: policies\['x'\]: unknown field"):
        load_policy(typo)


def test_toml_datetimes_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        "[[policies]]\nname = 'x'\n[[exemptions]]\napi_key_id = 'k'\nreason = 'eval'\n"
        "expires = 2026-10-06T00:00:00Z\n"
    )
    exemption = load_policy(path).exemptions[0]
    assert exemption.covers("k", None, 1_791_158_400.0)  # 2026-10-05
    assert not exemption.covers("k", None, 1_791_244_800.0)  # exactly at expiry
