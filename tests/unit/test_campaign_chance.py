"""A key whose prefixes overlap a campaign's pool only as often as chance would is no member."""

from __future__ import annotations

from detectors.campaign_score import CHANCE_LIMIT, KeyRecord, chance_in_pool, score_members

NOW = 1_791_158_400.0


def record(account: str, ip_bits: int, ua_bits: int = 1 << 62) -> KeyRecord:
    rec = KeyRecord(account, NOW - 3600.0)
    rec.ip_bits, rec.ua_bits, rec.content = ip_bits, ua_bits, 0.9
    rec.mark_hour(NOW - 60.0)
    return rec


def pool(bits: range) -> int:
    return sum(1 << b for b in bits)


def score(members: list[tuple[str, KeyRecord]]) -> tuple[str, ...]:
    return score_members(members, NOW, 0.3, 0.5, 7 * 86400.0, 3 * 3600.0).core


def test_members_spread_over_the_pool_are_core() -> None:
    # Twelve keys, each over six of a 20-prefix proxy pool: all in the shared pool.
    members = [(f"k{i}", record(f"a{i}", pool(range(i % 14, i % 14 + 6)))) for i in range(12)]
    assert set(score(members)) == {key for key, _ in members}


def test_a_customer_hitting_the_pool_by_chance_is_left_out() -> None:
    members = [(f"k{i}", record(f"a{i}", pool(range(i % 14, i % 14 + 6)))) for i in range(12)]
    # Two prefixes, one of them on a pooled bit: ~1 in 10 customers does that by chance.
    bystander = record("tutor", (1 << 3) | (1 << 200))
    core = score([*members, ("tutor", bystander)])
    assert "tutor" not in core and len(core) == 12


def test_the_chance_limit_follows_the_binomial_tail() -> None:
    share = 20 / 256
    assert chance_in_pool(2, 1, share) > CHANCE_LIMIT  # one of two: common
    assert chance_in_pool(6, 6, share) < CHANCE_LIMIT  # all of six: a member
    assert abs(chance_in_pool(3, 0, share) - 1.0) < 1e-12  # zero of three: certain


def test_two_pooled_prefixes_are_not_enough() -> None:
    # 39 swarm keys over a 6-prefix pool, and a customer whose two prefixes both fall in
    # it: rarer than the chance limit (6/256 squared), but two prefixes are too few.
    members = [(f"k{i}", record(f"a{i}", pool(range(10, 16)))) for i in range(39)]
    lucky = record("tutor", (1 << 11) | (1 << 14))
    assert chance_in_pool(2, 2, 6 / 256) < CHANCE_LIMIT
    core = score([*members, ("tutor", lucky)])
    assert "tutor" not in core and len(core) == 39
