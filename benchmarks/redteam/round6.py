"""Round 6: noise the identifier rule (``IDENTIFIER_MIN``, commit 49b9b18) does not cover,
two single-key harvesters that dilute or converse, and three benign look-alikes.

The identifier rule leaves out of signatures and items the words of 5+ bytes that hold a
digit (``_python_fields`` in ``detectors/fingerprints.py``). The swarms here (as round 5's:
120 keys of as many accounts, residential /24s, the browser's agent, 15-40 requests a day,
a fixed harness per key) append per-request noise it does not see: dictionary words,
letter-only ids, and UUIDs (whose 4-hex-digit groups are words of 4 bytes, kept).
Profile ``round6`` writes these plus ``baseline``.
"""

from __future__ import annotations

import random

from benchmarks.redteam import content as c
from benchmarks.redteam.emit import HOUR, Key, arrivals
from benchmarks.redteam.harvest import SYSTEM_HASH
from benchmarks.redteam.instance import (
    ABUSE,
    BENIGN_LABEL,
    SDK_UA,
    Builder,
    Instance,
    Scenario,
    rate,
    text_hash,
)
from benchmarks.redteam.round5 import residential
from pipeline.simulate.infra import BROWSER_UA

__all__ = ["DICTIONARY", "MEMBERS", "ROUND6", "domain_item", "entity", "noise", "swarm_item"]

#: Keys of one swarm.
MEMBERS = 120

#: One curriculum (vocabulary and item template) per swarm, none shared with another
#: swarm of this round, so that what links a swarm is its own frame and topics.
_DOMAINS = {
    "swarm_control6": (
        "Estimate how {a} would {r} {b} at the {x} {y} plant if {z} rose by {n} percent.",
        "turbine boiler condenser compressor gearbox bearing flywheel impeller nozzle"
        " manifold piston crankshaft camshaft valve gasket radiator throttle exhaust"
        " intake alternator dynamo rotor stator armature coolant lubricant sprocket"
        " clutch chassis axle",
    ),
    "swarm_wordnoise": (
        "Explore whether {a} tends to {r} {b} across the {x} {y} basin when {z} holds {n}.",
        "glacier moraine estuary delta aquifer watershed floodplain lagoon fjord atoll"
        " tundra steppe savanna monsoon permafrost sediment erosion dune canyon plateau"
        " caldera geyser basalt granite limestone sandstone shale gneiss tributary karst",
    ),
    "swarm_idnodigit": (
        "Consider how {a} might {r} {b} inside the {x} {y} cluster while {z} serves {n} users.",
        "scheduler allocator compiler linker loader kernel hypervisor container daemon"
        " socket buffer cache mutex semaphore deadlock livelock thread coroutine pipeline"
        " interrupt paging swapping journaling checksum replication consensus quorum"
        " sharding gossip heartbeat",
    ),
    "swarm_uuid": (
        "Evaluate if {a} could {r} {b} during the {x} {y} trial after {z} enrols {n} patients.",
        "placebo cohort biomarker endpoint dosage titre antiviral vaccine adjuvant"
        " pharmacokinetics clearance toxicity efficacy comorbidity prognosis remission"
        " relapse incidence prevalence randomisation blinding stratification attrition"
        " confounder mortality morbidity screening triage sepsis",
    ),
}
_RELATIONS = ("limit", "amplify", "depend on", "compete with", "replace", "stabilise")
_SYLLABLES = "ka lo mi ne ru sa te vo zi bra cle dro fen gul hax jor kem lun".split()

#: Everyday English words (letters only; no cue or constraint wording): the tag noise.
DICTIONARY = """
apple river candle garden window pencil blanket kitten meadow basket ladder orange
pillow mirror carpet bottle forest island harbor lantern marble needle oyster parrot
pebble rabbit saddle tomato turtle violin wagon walnut yellow zebra anchor bamboo
beacon biscuit bucket butter cabin camel canyon carrot castle cherry chimney cinnamon
clover cobweb comet copper cotton cradle crayon crystal cushion dagger daisy dolphin
donkey dragon eagle elbow ember falcon feather ferry fiddle flame flute fossil fountain
frost gazelle ginger glove goose granite grape gravel guitar hammer hazel helmet honey
hornet iceberg ivory jacket jasmine jelly jewel jungle kettle kiwi koala lemon lettuce
lily lizard lobster magnet mango maple meadowlark melon mitten monkey moose mushroom
napkin nectar nest noodle nutmeg oak olive onion otter owl paddle palace panda panther
paper peach peanut pearl pepper pickle pigeon pine pirate planet plum pony potato
pumpkin puppy quilt radish raven ribbon robin rocket rose ruby saffron salmon sandal
scarf shell shovel silver sparrow spider spoon squirrel stable starfish stone straw
sugar sunflower swan tablet teapot thimble thistle thunder tiger timber toast tulip
tunnel umbrella valley velvet village walrus wheat whistle willow wizard wool yarn
acorn almond amber antelope apricot attic autumn avocado badger bagel balloon banjo
barley barn beetle berry blossom bonnet boulder bracelet bramble breeze brick bridge
broom bubble buffalo bumblebee cactus canoe caramel cardigan cedar cellar chestnut
chipmunk cider cliff cloak coconut cocoa coral cottage cricket crow cupboard curtain
dandelion dew doorbell dove dumpling eggplant elm emerald fern fig firefly flamingo
flannel fox frog gecko geranium glacier goblet gorilla grasshopper hamster harp
hedgehog heron hickory hippo holly horizon hummingbird iris jaguar kayak kelp lagoon
lavender leopard lilac llama lotus lynx mackerel magpie mantis marigold marshmallow
meteor mink mole moth muffin mulberry nightingale nugget orchid ostrich pancake
papaya parsley peacock pelican penguin peppermint petal pheasant pinecone pistachio
poppy porcupine pretzel quail raccoon raspberry reindeer rhubarb saucer seagull
sesame shrimp skunk sleigh snail sorrel spinach sprout stork strawberry sycamore
tangerine thrush toucan trout truffle turnip vanilla vulture waffle weasel wren
""".split()


def entity(rng: random.Random) -> str:
    """A made-up name of three syllables (a place, a firm, a compound)."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(3))


def domain_item(rng: random.Random, template: str, vocabulary: str) -> str:
    """One item of a curriculum (``template`` filled with two of ``vocabulary``'s
    concepts, a relation, three made-up names and a quantity); round 7 uses it too."""
    a, b = rng.sample(vocabulary.split(), 2)
    return template.format(a=a, b=b, r=rng.choice(_RELATIONS), n=rng.randint(2, 999),
                           x=entity(rng), y=entity(rng), z=entity(rng))  # fmt: skip


def swarm_item(rng: random.Random, scenario: str) -> str:
    """One item of ``scenario``'s curriculum: two concepts, three names, a quantity.

    >>> swarm_item(random.Random(1), "swarm_uuid").startswith("Evaluate")
    True
    """
    return domain_item(rng, *_DOMAINS[scenario])


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[rng.randrange(4)]}{h[17:20]}-{h[20:32]}"


def noise(rng: random.Random, kind: str) -> str:
    """Per-request noise appended to a prompt: ``words`` (32 dictionary words as a
    "tags:" line), ``letters`` (16 ids of 8 random lower-case letters) or ``uuid``
    (8 random version-4 UUIDs).

    >>> len(noise(random.Random(2), "words").split()), noise(random.Random(2), "uuid")[:4]
    (33, ' (re')
    """
    if kind == "words":
        return "\ntags: " + " ".join(rng.choice(DICTIONARY) for _ in range(32))
    if kind == "letters":
        ids = ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8))
               for _ in range(16))  # fmt: skip
        return f" (ids {' '.join(ids)})"
    if kind == "uuid":
        return f" (request ids {' '.join(_uuid(rng) for _ in range(8))})"
    raise ValueError(f"unknown noise {kind!r}")


def _send(key: Key, t: float, text: str, answer: int, max_tokens: int = 4096) -> None:
    key.emit(t, text, 24 + c.text_tokens(text), answer, max_tokens=max_tokens,
             system_prompt_hash=SYSTEM_HASH)  # fmt: skip


def _swarm(kind: str | None) -> Builder:
    """120 members, each its own harness around items of the scenario's curriculum, with
    ``kind`` of :func:`noise` appended to every prompt (``None``: the control)."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        rng = inst.rng
        keys: list[Key] = []
        vocabulary = _DOMAINS[inst.scenario][1].split()
        for k in range(MEMBERS):
            key = inst.key(f"_{k:03d}", agents=(BROWSER_UA,))
            key.account_id = f"{key.account_id}_{k:03d}"
            key.prefixes = residential(rng)
            start = inst.log_start + rng.uniform(7.0, 12.0) * HOUR
            w1, w2 = rng.sample(vocabulary, 2)
            opener, ask = f"Unit on {w1} and {w2}:", rng.choice(c.CUE_ASKS)
            for t in arrivals(rng, start, inst.log_end, rng.uniform(15.0, 40.0)):
                text = f"{opener} {swarm_item(rng, inst.scenario)} {ask}"
                if kind is not None:
                    text += noise(rng, kind)
                _send(key, t, text, c.answer_tokens(rng, 1100.0, 0.5, 4096))
            keys.append(key)
        return keys, None

    return build


_COUNTRIES = "Chile Kenya Norway Vietnam Peru Ghana Poland Canada Egypt Nepal Japan Spain".split()
_LANGUAGES = ("French", "Spanish", "German", "Italian", "Portuguese", "Dutch")
_PHRASES = ("good morning", "see you soon", "thank you very much", "where is the station",
            "happy birthday", "the bill, please", "I am hungry", "nice to meet you")  # fmt: skip
_FILLERS = (
    "Translate '{p}' into {lang}.",
    "What is the capital of {country}?",
    "Suggest a name for a {animal}.",
    "Give me a synonym for {word}.",
    "Convert {n} miles to kilometres.",
    "Is {n} an even number?",
    "Spell {word} backwards.",
    "What rhymes with {word}?",
)


def _filler(rng: random.Random) -> str:
    return rng.choice(_FILLERS).format(
        p=rng.choice(_PHRASES), lang=rng.choice(_LANGUAGES), country=rng.choice(_COUNTRIES),
        animal=rng.choice(DICTIONARY), word=rng.choice(DICTIONARY), n=rng.randint(2, 9999),
    )  # fmt: skip


def _filler_mix(inst: Instance) -> tuple[list[Key], float | None]:
    """One key at ~500 requests an hour, 24/7: 60-80 % (per instance) cheap fillers
    (short questions, 4-60-token answers), the rest cue-worded harvest asks."""
    rng = inst.rng
    key = inst.key()
    filler_share = rng.uniform(0.6, 0.8)
    for t in arrivals(rng, inst.attack_start, inst.log_end, rng.uniform(450.0, 550.0) * 24):
        if rng.random() < filler_share:
            text = _filler(rng)
            key.emit(t, text, 24 + c.text_tokens(text), rng.randint(4, 60), max_tokens=64,
                     temperature=0.2, system_prompt_hash=SYSTEM_HASH)  # fmt: skip
        else:
            _send(key, t, c.harvest_prompt(rng, "cue"), c.answer_tokens(rng, 1100.0, 0.5, 4096))
    return [key], None


#: The scripted follow-ups of :func:`_scripted_turns` (the same two on every item).
FOLLOW_UPS = ("Go on.", "Now the full derivation.")


def _scripted_turns(inst: Instance) -> tuple[list[Key], float | None]:
    """One key, 24/7, 300-800 items a day: each item a 3-turn conversation (the question,
    then "Go on.", then "Now the full derivation."), every turn carrying the history."""
    rng = inst.rng
    key = inst.key()
    for t in arrivals(rng, inst.attack_start, inst.log_end, rate(inst, 300.0, 800.0)):
        question = c.harvest_prompt(rng, "cue")
        history = 24
        for turn, text in enumerate((question, *FOLLOW_UPS)):
            if t >= inst.log_end:
                break
            prompt = history + c.text_tokens(text) + (4 if turn else 0)
            answer = c.answer_tokens(rng, 1100.0, 0.5, 4096)
            key.emit(t, text, prompt, answer, system_prompt_hash=SYSTEM_HASH)
            history = prompt + answer
            t += answer / 60.0 + rng.uniform(3.0, 20.0)  # the answer streams, then the script
    return [key], None


_PRODUCTS = ("router", "blender", "smart watch", "headphones", "coffee maker", "e-reader",
             "vacuum robot", "office chair", "desk lamp", "air purifier")  # fmt: skip
_TICKETS = (
    "My order {n} for a {p} still hasn't arrived after {d} days. What can I do?",
    "Why was I charged twice for my {p} this month?",
    "Can you explain the difference between the Basic and Pro plans for the {p} app?",
    "The {p} keeps disconnecting from wifi every few minutes. How do I fix it?",
    "I want to return the {p} I bought {d} days ago. How does that work?",
    "Is it possible to change the delivery address for order {n}?",
    "How do I reset my password if I lost access to my old email?",
    "My {p} shows error E{d} after the last update, what does that mean?",
    "Do you ship the {p} to {country}, and how long does it take?",
    "I was promised a discount code for my {p} but never got it. Can you check?",
)
_FOLLOWS = (
    "That didn't work, the button is greyed out.",
    "Thanks. How long does the refund usually take?",
    "Ok, and what if I paid with a gift card?",
    "I already tried restarting it twice.",
    "Can I talk to a human about this?",
    "Great, that fixed it. One more thing: is the warranty still valid?",
)


def _helpdesk(inst: Instance) -> tuple[list[Key], float | None]:
    """A support bot on a reasoning model, 24/7, one key for many end users: a 350-token
    policy prompt, each customer's message, 300-900-token visible answers plus hidden
    reasoning; a quarter of the conversations go on for one or two more turns."""
    rng = inst.rng
    key = inst.key(agents=(SDK_UA,))
    policy = text_hash(f"helpdesk policy {inst.index}")
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(1500.0, 4000.0)):
        history = 350
        turns = 1 if rng.random() < 0.75 else rng.randint(2, 3)
        for turn in range(turns):
            text = (rng.choice(_TICKETS) if turn == 0 else rng.choice(_FOLLOWS)).format(
                n=rng.randint(100000, 999999), p=rng.choice(_PRODUCTS),
                d=rng.randint(2, 40), country=rng.choice(_COUNTRIES))  # fmt: skip
            prompt = history + c.text_tokens(text) + (4 if turn else 0)
            visible = max(300, c.answer_tokens(rng, 520.0, 0.35, 900))
            thought = int(visible * rng.uniform(0.3, 1.5))
            key.emit(t, text, prompt, visible + thought, "atlas-2-reason", 1, 0.3, 2048,
                     thought, system_prompt_hash=policy)  # fmt: skip
            history = prompt + visible
            t += rng.uniform(40.0, 240.0)  # the customer reads and types
            if t >= inst.log_end:
                break
    return [key], None


_SENDERS = ("Ana", "Bram", "Chen", "Dana", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo")
_MESSAGES = (
    "Hi, are we still on for lunch {day}? I can move it to {h}:30 if that's easier.",
    "Quick reminder that the {thing} is due {day}. Let me know if you need more time.",
    "Thanks for sending the {thing} over. I had a look and left a few comments.",
    "Can you join the call {day} at {h}? We'll go over the {thing} together.",
    "The {thing} got delayed again, the new estimate is {day}. Sorry about that!",
)
_THINGS = ("report", "invoice", "slide deck", "contract", "budget", "draft", "schedule")
_DAYS = ("tomorrow", "on Monday", "on Friday", "next week", "tonight", "this afternoon")


def _reply_suggest(inst: Instance) -> tuple[list[Key], float | None]:
    """A mail app's smart-reply feature: the incoming message (a thread of 1-4 of them
    quoted), n=3 candidate replies of 8-40 tokens each, consumer hours, ~8-20k a day."""
    rng = inst.rng
    key = inst.key(agents=(SDK_UA,))
    start = inst.log_start + rng.uniform(0.0, 1800.0)
    for t in arrivals(rng, start, inst.log_end, rng.uniform(8000.0, 20000.0), "consumer"):
        thread = "\n\n".join(
            f"From {rng.choice(_SENDERS)}: " + rng.choice(_MESSAGES).format(
                day=rng.choice(_DAYS), h=rng.randint(1, 11), thing=rng.choice(_THINGS))
            for _ in range(rng.randint(1, 4)))  # fmt: skip
        text = f"Suggest three short replies to the last message.\n\n{thread}"
        answer = sum(rng.randint(8, 40) for _ in range(3))
        key.emit(t, text, 60 + c.text_tokens(text), answer, n=3, temperature=0.9,
                 max_tokens=48, system_prompt_hash=SYSTEM_HASH)  # fmt: skip
    return [key], None


_CHAPTERS = ("linear equations", "quadratics", "kinematics", "percentages", "probability")
_EXERCISES = (
    "A train leaves at {h}:00 at {v} km/h and a second one follows {k} hours later at"
    " {w} km/h. When does the second catch up?",
    "Find both roots of x^2 - {v}x + {k} = 0 and check them.",
    "A jacket costs {v} euros after a {k} percent discount. What was the original price?",
    "A ball is thrown up at {v} m/s from a {k} m roof. How long until it lands?",
    "Two dice are rolled {k} times. What is the chance of at least one double {h}?",
)
_OWN = (
    "I don't get how my teacher got {v} for this, can you explain each step?",
    "Why do we divide by {k} here and not multiply? Explain it simply.",
    "Explain step by step how to check my answer of {w} to the last problem.",
)


def _class_cohort(inst: Instance) -> tuple[list[Key], float | None]:
    """A homework-help app's class: 36 students, each a new account with its own key, home
    address and browser, 12-30 requests a day in the evening, asking the app's fixed
    "explain step by step" template about the class's shared assignment (70 %: the day's
    chapter of one textbook, 40 exercises each) or their own follow-up questions."""
    rng = inst.rng
    book = random.Random(f"textbook/{inst.scenario}")
    exercises = [
        [_EXERCISES[ch].format(h=book.randint(1, 9), v=book.randint(3, 120),
                               k=book.randint(2, 9), w=book.randint(5, 200))
         for _ in range(40)]
        for ch in range(len(_CHAPTERS))
    ]  # fmt: skip
    first = inst.log_start + 7.0 * HOUR
    keys = []
    for k in range(36):
        key = inst.key(f"_{k:02d}", agents=(BROWSER_UA,))
        key.account_id = f"{key.account_id}_{k:02d}"
        key.prefixes = residential(rng)
        start = first + rng.uniform(0.0, 5.0) * HOUR
        for t in arrivals(rng, start, inst.log_end, rng.uniform(12.0, 30.0), "consumer", -5.0):
            chapter = min(int((t - first) // (12 * HOUR)), len(_CHAPTERS) - 1)
            if rng.random() < 0.7:
                item = rng.choice(exercises[chapter])
            else:
                item = rng.choice(_OWN).format(
                    v=rng.randint(2, 99), k=rng.randint(2, 9), w=rng.randint(2, 500)
                )
            text = (f"Homework helper ({_CHAPTERS[chapter]}). Explain step by step how to"
                    f" solve this problem: {item}")  # fmt: skip
            _send(key, t, text, c.answer_tokens(rng, 650.0, 0.4, 2048), 2048)
        keys.append(key)
    return keys, None


ROUND6: tuple[Scenario, ...] = (
    Scenario.once(
        "swarm_control6", ABUSE, "round 5's 120-key swarm, no noise (control)", _swarm(None)
    ),
    Scenario.once(
        "swarm_wordnoise",
        ABUSE,
        "the swarm with a 'tags:' line of 32 random dictionary words on every prompt",
        _swarm("words"),
    ),
    Scenario.once(
        "swarm_idnodigit",
        ABUSE,
        "the swarm with 16 ids of 8 random lower-case letters on every prompt",
        _swarm("letters"),
    ),
    Scenario.once(
        "swarm_uuid",
        ABUSE,
        "the swarm with 8 random UUIDs on every prompt (their 4-hex groups are 4-byte words)",
        _swarm("uuid"),
    ),
    Scenario(
        "filler_mix",
        ABUSE,
        "one key, ~500/h 24/7, 60-80 % cheap filler questions with short answers",
        _filler_mix,
    ),
    Scenario(
        "scripted_turns",
        ABUSE,
        "one key; each item a 3-turn conversation: question, 'Go on.', 'Now the full derivation.'",
        _scripted_turns,
    ),
    Scenario(
        "helpdesk_reasoner",
        BENIGN_LABEL,
        "support bot on a reasoning model, 24/7, many customers, 300-900-token answers,"
        " a quarter multi-turn",
        _helpdesk,
    ),
    Scenario(
        "reply_suggest",
        BENIGN_LABEL,
        "mail app smart replies: n=3 short candidates per incoming thread",
        _reply_suggest,
    ),
    Scenario.once(
        "class_cohort",
        BENIGN_LABEL,
        "36 students (new accounts, homes, browsers) of one homework app on a shared"
        " assignment, 'explain step by step' template",
        _class_cohort,
    ),
)
