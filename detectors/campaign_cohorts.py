"""Cohorts of new accounts: how strongly an account's opening ties it to a cluster.

A campaign run through residential proxies shares no address, no client and, without
prompt text, no content: what its accounts share is that they were opened in the same
days, more of them than the provider usually sees opened in those days. A fixed window
around the cohort's median opening (``COHORT_WINDOW``) misses a swarm whose accounts
were opened over a week, and would tie any customer opened in a busy week. So the tie
is weighed by the burst: per opening day, how far that day's openings (and its
neighbours') exceed the usual day's (:meth:`OpeningDays.burst`), and how much of the
excess the cluster's own new accounts are. The result is log-odds that an account
opened then is one of the burst's, capped: at a provider opening thousands of accounts
a day, a campaign's few dozen a day are no burst, and its accounts are tied by
content, addresses or rhythm or not at all.

Only account ages that came with the data count; an age assumed from a key's first
sighting says when it was first seen, which a replay's start makes the same for many.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from detectors.campaign_population import DAY, Population
from detectors.evidence.families import ramp

__all__ = ["BURST_CAP", "burst_link", "burst_tie", "opening_bursts", "opening_days"]

#: Most an account's opening gives its tie (log-odds): with rhythm or a client, enough
#: to tie; alone, it ties only where openings run at e^1.5 (about 4.5) times the usual.
BURST_CAP = 2.0
#: Share of the cluster's new accounts opened around a day from which the day's burst
#: is read as theirs, and fully: a swarm opened over a week has a third of its accounts
#: in any three of its days, a customer base opened over years next to none.
BURST_SHARE = (0.1, 0.3)


def opening_days(onsets: Iterable[float]) -> dict[int, int]:
    """How many of ``onsets`` (account openings, seconds) fall on each day."""
    days: dict[int, int] = {}
    for onset in onsets:
        day = int(onset // DAY)
        days[day] = days.get(day, 0) + 1
    return days


def opening_bursts(
    days: dict[int, int], population: Population, now: float
) -> tuple[tuple[int, float], ...]:
    """Per day around a cluster's new accounts (``days``: openings per day, from
    :func:`opening_days`), the log-odds that an account opened then is one of them.

    For each day, ``opened`` accounts were opened from the day before to the day after,
    against ``usual`` on such three days: the odds of an opening being part of the burst
    are ``(opened - usual) / usual``, capped at :data:`BURST_CAP`, and the burst is the
    cluster's as far as its new accounts were opened in it (:data:`BURST_SHARE`). A
    cluster of one new account is the burst's as much as a swarm: a campaign's first
    accounts find each other this way, where nothing else ties them.

    Examples
    --------
    A population opening two accounts a day for eight weeks, and a cluster of 40
    accounts opened over four days of the last week:

    >>> from detectors.campaign_population import Population
    >>> population = Population(6 * 3600.0, 7 * 86400.0, 5.0)
    >>> now = 56 * 86400.0
    >>> for i in range(112):
    ...     population.openings.add(f"a{i}", (i // 2) * 86400.0, now)
    >>> swarm = [50 * 86400.0 + i * 8640.0 for i in range(40)]
    >>> for i, onset in enumerate(swarm):
    ...     population.openings.add(f"s{i}", onset, now)
    >>> bursts = dict(opening_bursts(opening_days(swarm), population, now))
    >>> bursts[51], bursts.get(56, 0.0)  # ~30 opened beyond ~6 usual: ln 5; none later
    (1.63, 0.0)
    """
    if not days:
        return ()
    openings = population.openings
    total = sum(days.values())
    out = []
    for day in range(min(days) - 1, max(days) + 2):
        members = days.get(day - 1, 0) + days.get(day, 0) + days.get(day + 1, 0)
        if not members:
            continue
        opened, usual = openings.burst(day, now)
        excess = opened - usual
        if excess <= 0.0:
            continue
        odds = min(math.log(excess / usual), BURST_CAP)
        strength = odds * ramp(members / total, *BURST_SHARE)
        if strength > 0.0:
            out.append((day, round(strength, 3)))
    return tuple(out)


def burst_link(onset: float, bursts: tuple[tuple[int, float], ...]) -> float:
    """The tie of an account opened at ``onset`` to a cluster with ``bursts``.

    >>> burst_link(50.5 * 86400.0, ((49, 0.8), (50, 1.6))), burst_link(0.0, ((50, 1.6),))
    (1.6, 0.0)
    """
    day = int(onset // DAY)
    for burst_day, strength in bursts:
        if burst_day == day:
            return strength
    return 0.0


def burst_tie(a: tuple[tuple[int, float], ...], b: tuple[tuple[int, float], ...]) -> float:
    """How strongly two clusters with bursts ``a`` and ``b`` are one cohort: the strongest
    day both have a burst on, read as the weaker of the two (fragments of one swarm,
    founded before they could see each other, have their accounts in the same days).

    >>> burst_tie(((49, 0.8), (50, 2.0)), ((50, 1.6), (51, 2.0))), burst_tie(((49, 2.0),), ())
    (1.6, 0.0)
    """
    theirs = dict(b)
    best = 0.0
    for day, strength in a:
        other = theirs.get(day)
        if other is not None:
            weaker = strength if strength < other else other
            best = weaker if weaker > best else best
    return best
