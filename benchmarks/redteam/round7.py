"""Round 7: attacks on the campaign stage after the pairwise public-dataset rule and the
candidate split (commit 9e3a924), with two benign look-alikes.

What changed: a cluster's "public dataset" subtraction (up to 4 log-odds,
``shared_prompt_share`` in ``detectors/campaign_clusters.py``) counts a member in
proportion to how many of its eight sampled item identities a typical other member
holds (fully from ``SAME_OVERLAP`` = 0.1), and only when more than ``SAME_CHANCE`` (1) of
them are held by anyone; keys with prompt text become candidates from own evidence 1.0
(``candidate_total``), keys without from 1.5 (``metadata_candidate_total``).

Every swarm is round 5's and round 6's: 120 keys of as many accounts, one residential
/24 each, the browser's agent, 15-40 requests a day from 7-12 h into the log, a fixed
harness per key ("Unit on X and Y:" plus one cue ask) around items of a curriculum of
its own. Each abuse scenario changes one thing. Profile ``round7`` writes these plus
``baseline``.
"""

from __future__ import annotations

import math
import random

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import HOUR, Key, arrivals, cloud_prefixes
from benchmarks.redteam.harvest import SYSTEM_HASH
from benchmarks.redteam.instance import (
    ABUSE,
    BENIGN_LABEL,
    SDK_UA,
    SWARM_AGENTS,
    Builder,
    Instance,
    Scenario,
    text_hash,
)
from benchmarks.redteam.round5 import HARNESSES, benchmark, residential
from benchmarks.redteam.round6 import domain_item, entity
from pipeline.simulate.infra import BROWSER_UA

__all__ = [
    "BENCH_SIZE",
    "GENERIC_ASKS",
    "LIST_SIZE",
    "MEMBERS",
    "ROUND7",
    "SEED_SIZE",
    "bench_list",
    "shared_list",
    "swarm_item",
]

#: Keys of one swarm.
MEMBERS = 120
#: Items of the fixed list every ``swarm_sharedlist`` member asks for (own harness).
LIST_SIZE = 12
#: Items of the seed set every ``swarm_resample`` member re-samples (same text).
SEED_SIZE = 8

#: One curriculum per swarm (template and vocabulary), none shared with another swarm of
#: this round or of rounds 5-6, so that what links a swarm is its own frames and topics.
_DOMAINS = {
    "swarm_control7": (
        "Work out how {a} would {r} {b} on the {x} {y} route once {z} carries {n} tonnes.",
        "freight tanker barge container pallet forklift crane gantry dock berth"
        " pilotage tugboat ballast draught hull keel rudder propeller mooring anchorage"
        " customs tariff manifest consignment demurrage stevedore warehouse depot"
        " railhead terminal",
    ),
    "swarm_sharedlist": (
        "Figure out why {a} could {r} {b} in the {x} {y} orchard after {z} sprays {n} litres.",
        "pollinator aphid blight fungicide rootstock grafting pruning mulch compost"
        " irrigation drainage loam humus nitrogen phosphorus potash orchard vineyard"
        " trellis canopy blossom fruitset thinning harvest ripening storage frost hail"
        " drought pest",
    ),
    "swarm_resample": (
        "Decide when {a} might {r} {b} at the {x} {y} observatory if {z} tracks {n} stars.",
        "telescope mirror aperture eyepiece spectrograph photometer parallax redshift"
        " nebula quasar pulsar galaxy supernova exoplanet transit eclipse occultation"
        " meridian azimuth declination ascension magnitude luminosity seeing"
        " interferometer radiotelescope dome mount guider",
    ),
    "swarm_benchlist": (
        "Assess why {a} may {r} {b} for the {x} {y} clinic when {z} books {n} visits.",
        "triage referral waitlist appointment radiology pathology pharmacy dosage"
        " prescription vaccination screening outpatient inpatient ward discharge"
        " telehealth billing formulary nursing rota ambulance admission consent"
        " allergy diagnosis prognosis followup dressing sterilisation",
    ),
    "swarm_quiet": (
        "Compute how {a} will {r} {b} in the {x} {y} kitchen when {z} serves {n} covers.",
        "sourdough brine emulsion roux caramel ganache meringue custard braise sear"
        " poach blanch ferment marinade reduction stock glaze dough batter crumb crust"
        " rising tempering knead whisk simmer skillet oven griddle",
    ),
    "swarm_sysitem": (
        "Show how {a} can {r} {b} in the {x} {y} stadium when {z} seats {n} fans.",
        "turnstile concourse floodlight scoreboard grandstand pitch turf drainage"
        " ticketing stewarding evacuation capacity acoustics roof cantilever truss"
        " broadcast gantry hospitality concession kiosk parking shuttle crowd barrier"
        " perimeter surveillance tunnel dugout",
    ),
    "swarm_textless": (
        "Reason about how {a} should {r} {b} in the {x} {y} museum after {z} lends {n} works.",
        "curator archive conservation provenance catalogue exhibit gallery vitrine"
        " humidity pigment varnish canvas fresco tapestry manuscript codex artefact"
        " loan insurance restoration lighting plinth accession deaccession inventory"
        " docent audio label",
    ),
}

#: Items of the fixed list every ``swarm_benchlist`` member asks for (bare, the same text).
BENCH_SIZE = 16
#: ``swarm_benchlist``'s list: short items of a vocabulary of their own (none of the
#: curriculum's words, so the key's previous prompts never hide one of their words).
_BENCH_TEMPLATE = "Find the {a} of the {x} {y} lattice at {n} kelvin."
_BENCH_WORDS = "bandgap phonon exciton polaron magnon plasmon soliton vortex".split()

#: User messages of ``swarm_sysitem`` (the item itself is in the system message): no cue
#: or constraint wording of the lexicon.
GENERIC_ASKS = (
    "Work on the task in the system message.",
    "Proceed with the assignment above.",
    "Respond to the brief above.",
)


def swarm_item(rng: random.Random, scenario: str) -> str:
    """One item of ``scenario``'s curriculum: two concepts, three names, a quantity.

    >>> swarm_item(random.Random(1), "swarm_quiet").startswith("Compute")
    True
    """
    return domain_item(rng, *_DOMAINS[scenario])


def shared_list(scenario: str, size: int) -> list[str]:
    """The fixed items every member of ``scenario`` asks for (the same for all members).

    >>> shared_list("swarm_sharedlist", 3) == shared_list("swarm_sharedlist", 3)
    True
    """
    rng = random.Random(f"list/{scenario}")
    return [swarm_item(rng, scenario) for _ in range(size)]


def bench_list() -> list[str]:
    """``swarm_benchlist``'s fixed items (the same text for every member).

    >>> len(set(bench_list())) == BENCH_SIZE
    True
    """
    rng = random.Random("list/swarm_benchlist/bare")
    return [_BENCH_TEMPLATE.format(a=rng.choice(_BENCH_WORDS), x=entity(rng), y=entity(rng),
                                   n=rng.randint(2, 999)) for _ in range(BENCH_SIZE)]  # fmt: skip


def _send(
    key: Key,
    t: float,
    text: str,
    answer: int,
    hidden: int = 24,
    system: str | None = SYSTEM_HASH,
    temperature: float = 0.7,
    max_tokens: int = 4096,
) -> None:
    key.emit(t, text, hidden + c.text_tokens(text), answer, temperature=temperature,
             max_tokens=max_tokens, system_prompt_hash=system)  # fmt: skip


def _members(inst: Instance) -> list[tuple[Key, list[float], str, str]]:
    """The swarm's keys, each with its arrival times and its own harness (opener, ask)."""
    rng = inst.rng
    vocabulary = _DOMAINS[inst.scenario][1].split()
    out = []
    for k in range(MEMBERS):
        key = inst.key(f"_{k:03d}", agents=(BROWSER_UA,))
        key.account_id = f"{key.account_id}_{k:03d}"
        key.prefixes = residential(rng)
        start = inst.log_start + rng.uniform(7.0, 12.0) * HOUR
        times = list(arrivals(rng, start, inst.log_end, rng.uniform(15.0, 40.0)))
        w1, w2 = rng.sample(vocabulary, 2)
        out.append((key, times, f"Unit on {w1} and {w2}:", rng.choice(c.CUE_ASKS)))
    return out


def _answer(rng: random.Random) -> int:
    return c.answer_tokens(rng, 1100.0, 0.5, 4096)


def _control(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm as rounds 5 and 6 ran it: every request a new item in the key's harness."""
    rng = inst.rng
    keys = []
    for key, times, opener, ask in _members(inst):
        for t in times:
            _send(key, t, f"{opener} {swarm_item(rng, inst.scenario)} {ask}", _answer(rng))
        keys.append(key)
    return keys, None


def _walk_list(
    inst: Instance, items: list[str], share: float, harnessed: bool
) -> tuple[list[Key], float | None]:
    """The swarm; a ``share`` of each member's requests walk ``items`` in the member's own
    order (again when done) at temperature 1, in its harness or (``harnessed`` False)
    bare; the rest are its curriculum's items."""
    rng = inst.rng
    keys = []
    for key, times, opener, ask in _members(inst):
        order = rng.sample(items, len(items))
        walked = 0
        for t in times:
            if rng.random() < share:
                item = order[walked % len(order)]
                walked += 1
                text = f"{opener} {item} {ask}" if harnessed else item
                _send(key, t, text, _answer(rng), temperature=1.0)
            else:
                _send(key, t, f"{opener} {swarm_item(rng, inst.scenario)} {ask}", _answer(rng))
        keys.append(key)
    return keys, None


def _sharedlist(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm; 40 % of each member's requests walk one fixed list of ``LIST_SIZE``
    items (the same items for all members: every member asks for every one, some twice
    at temperature 1), each in the member's own harness and in its own order. Item
    identities (the item's words) are shared by all members, exact prompt hashes are
    not: a typical pair shares a large part of its sampled identities, as labs running
    one benchmark do."""
    return _walk_list(inst, shared_list(inst.scenario, LIST_SIZE), 0.4, harnessed=True)


def _benchlist(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm; half of each member's requests are items of one fixed list of
    ``BENCH_SIZE`` short items (:func:`bench_list`), sent bare as a public benchmark's
    items are (the same text from every member, no harness, temperature 1: several traces
    per item), walked in the member's own order and again when done. The list's words
    are not the curriculum's, so the same words make each item's identity in every
    member: a typical pair shares most of its sampled identities."""
    return _walk_list(inst, bench_list(), 0.5, harnessed=False)


def _resample(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm; 40 % of each member's requests re-sample one of ``SEED_SIZE`` seed items
    at temperature 1, sent bare (the same text from every member, several times each:
    self-consistency traces for the distilled model). Exact repeats within a key and
    prompts other accounts sent before."""
    rng = inst.rng
    seeds = shared_list(inst.scenario, SEED_SIZE)
    keys = []
    for key, times, opener, ask in _members(inst):
        for t in times:
            if rng.random() < 0.4:
                _send(key, t, f"{rng.choice(seeds)} {ask}", _answer(rng), temperature=1.0)
            else:
                _send(key, t, f"{opener} {swarm_item(rng, inst.scenario)} {ask}", _answer(rng))
        keys.append(key)
    return keys, None


def _quiet(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm kept under ``candidate_total`` (own evidence 1.0): no cue ask (the items
    are hard enough to be worked anyway) and a cached block of a log-uniform number of
    style rules (8-960 tokens) in the system prompt of every request, so the context
    beyond the visible prompt varies from request to request."""
    rng = inst.rng
    keys = []
    for key, times, opener, _ask in _members(inst):
        for t in times:
            rules = int(math.exp(rng.uniform(math.log(8.0), math.log(960.0))))
            _send(key, t, f"{opener} {swarm_item(rng, inst.scenario)}", _answer(rng),
                  hidden=24 + rules, system=text_hash(f"rules {rules}"))  # fmt: skip
        keys.append(key)
    return keys, None


def _sysitem(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm with the item (in the key's harness) in the *system* message and a
    generic user message (one of :data:`GENERIC_ASKS`, fixed per key): the logged
    ``prompt_text`` is the user prompt (docs/contracts/EVENTS.md), so the text features
    see one constant line per key; the item shows only as input tokens and a new
    ``system_prompt_hash`` on every request."""
    rng = inst.rng
    keys = []
    for key, times, opener, ask in _members(inst):
        line = rng.choice(GENERIC_ASKS)
        for t in times:
            system = f"{opener} {swarm_item(rng, inst.scenario)} {ask}"
            _send(key, t, line, _answer(rng), hidden=24 + c.text_tokens(system),
                  system=text_hash(system))  # fmt: skip
        keys.append(key)
    return keys, None


#: Share of ``swarm_textless`` requests sent on a path whose prompt the gateway does not log.
TEXTLESS = 0.85


def _textless(inst: Instance) -> tuple[list[Key], float | None]:
    """The swarm; ``TEXTLESS`` of each member's requests go to the Responses endpoint with
    the item in an attached file (the gateway logs no ``prompt_text`` there), the rest
    as the control's."""
    rng = inst.rng
    keys = []
    for key, times, opener, ask in _members(inst):
        for t in times:
            _send(key, t, f"{opener} {swarm_item(rng, inst.scenario)} {ask}", _answer(rng))
            if rng.random() < TEXTLESS:
                event = key.events[-1][1]
                del event["prompt_text"]
                event["endpoint"] = "/v1/responses"
        keys.append(key)
    return keys, None


def _bench_subsets(inst: Instance) -> tuple[list[Key], float | None]:
    """30 unrelated labs (own accounts, cloud addresses and clients, new to the provider)
    each run a random 25-60 % subset of one 200-item public benchmark, once, in their own
    order, behind one of four harnesses, a request every 5-40 s, starting 7-24 h into the
    log: what a fix demanding a *higher* pairwise overlap (or all of a list) would link."""
    rng = inst.rng
    test = benchmark(inst.scenario, 200)
    keys = []
    for k in range(30):
        agent = (SDK_UA, *SWARM_AGENTS)[k % (1 + len(SWARM_AGENTS))]
        key = inst.key(f"_{k:02d}", agents=(agent,))
        key.account_id = f"{key.account_id}_{k:02d}"
        key.prefixes = cloud_prefixes(rng, 1)
        harness = HARNESSES[k % len(HARNESSES)]
        subset = rng.sample(test, int(len(test) * rng.uniform(0.25, 0.6)))
        t = inst.log_start + rng.uniform(7.0, 24.0) * HOUR
        for q in subset:
            t += rng.uniform(5.0, 40.0)
            if t >= inst.log_end:
                break
            text = harness.format(q=q)
            key.emit(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 700.0, 0.4, 2048),
                     temperature=0.0, max_tokens=2048)  # fmt: skip
        keys.append(key)
    return keys, None


#: The study app's onboarding tour: the same "try me" prompts every new customer sends.
STARTERS = (
    "Try me: explain photosynthesis like I'm twelve, step by step.",
    "Try me: walk through how to solve 3x + 7 = 22 and explain each step.",
    "Try me: explain why the sky is blue in detail.",
    "Try me: explain the causes of the First World War step by step.",
    "Try me: explain how compound interest works with a worked example.",
    "Try me: explain what a derivative is, step by step, with an example.",
    "Try me: explain how vaccines train the immune system in detail.",
    "Try me: explain the water cycle step by step.",
)
_SUBJECTS = ("biology", "algebra", "history", "chemistry", "physics", "geography")
_QUESTIONS = (
    "Explain step by step how {a} relates to {b} in {s}, with an example.",
    "Explain in detail why {a} matters for {b} in {s}.",
    "Walk me through {a} in {s}, step by step.",
)
_TOPICS = (
    "cell division energy enzymes gravity friction momentum fractions equations graphs"
    " revolutions empires treaties rivers climate erosion atoms bonds acids"
).split()


def _starter_prompts(inst: Instance) -> tuple[list[Key], float | None]:
    """60 new customers of one study app (own accounts, homes, browsers), onboarding over
    the log: each first sends the app's eight "try me" prompts (the same text for
    everyone), then 10-25 questions a day of its own in the app's templates."""
    rng = inst.rng
    keys = []
    for k in range(60):
        key = inst.key(f"_{k:02d}", agents=(BROWSER_UA,))
        key.account_id = f"{key.account_id}_{k:02d}"
        key.prefixes = residential(rng)
        start = inst.log_start + rng.uniform(7.0, 20.0) * HOUR
        tour = start
        for text in STARTERS:
            tour += rng.uniform(20.0, 120.0)
            _send(key, tour, text, c.answer_tokens(rng, 600.0, 0.4, 2048), max_tokens=2048)
        for t in arrivals(
            rng, tour + 60.0, inst.log_end, rng.uniform(10.0, 25.0), "consumer", -5.0
        ):
            a, b = rng.sample(_TOPICS, 2)
            text = rng.choice(_QUESTIONS).format(a=a, b=b, s=rng.choice(_SUBJECTS))
            _send(key, t, text, c.answer_tokens(rng, 600.0, 0.4, 2048), max_tokens=2048)
        keys.append(key)
    return keys, None


def _swarm(name: str, idea: str, build: Builder) -> Scenario:
    return Scenario.once(name, ABUSE, idea, build)


ROUND7: tuple[Scenario, ...] = (
    _swarm("swarm_control7", "round 5's 120-key swarm on a curriculum of its own (control)",
           _control),
    _swarm("swarm_sharedlist", "the swarm; 40 % of requests walk one fixed 12-item list"
           " (every member every item, own harness, temperature 1): shared item identities",
           _sharedlist),
    _swarm("swarm_benchlist", "the swarm; half of its requests walk one fixed list of 16"
           " short bare items (the same text for all, temperature 1), as labs send a"
           " benchmark", _benchlist),
    _swarm("swarm_resample", "the swarm; 40 % of requests re-sample one of 8 bare seed items"
           " at temperature 1 (the same text from every member)", _resample),
    _swarm("swarm_quiet", "the swarm with no cue ask and a cached style-rules block of"
           " random length per request: own evidence under candidate_total", _quiet),
    _swarm("swarm_sysitem", "the swarm with the item in the system message and one generic"
           " user line per key (prompt_text is the user prompt)", _sysitem),
    _swarm("swarm_textless", "the swarm with 85 % of requests on an endpoint whose prompt"
           " text the gateway does not log", _textless),
    Scenario.once(
        "bench_subsets",
        BENIGN_LABEL,
        "30 unrelated new labs each run a random 25-60 % subset of one 200-item public"
        " benchmark behind one of four harnesses",
        _bench_subsets,
    ),
    Scenario.once(
        "starter_prompts",
        BENIGN_LABEL,
        "60 new customers of one study app: its 8 'try me' prompts, then their own questions",
        _starter_prompts,
    ),
)  # fmt: skip
