"""Text the way people type it, and the questions end users ask products."""

from __future__ import annotations

import random

from benchmarks.heldout import vocab as V
from benchmarks.heldout.tasks import DOMAINS, make_item

_OPENERS = ("", "", "", "hey ", "hi, ", "quick q: ", "ok so ", "hello! ", "um ", "Hi there. ")
_TAILS = ("", "", "", " thanks", " pls", " thx!", "?", " :)", " asap", "!!")

_EVERYDAY = (
    "what's the difference between {a} and {b}",
    "is it safe to {act}",
    "how long does it take to {act}",
    "recommend a {thing} for {who}",
    "write a short {doc} about {topic}",
    "explain {concept} simply",
    "what does {term} mean in {field}",
    "rewrite this so it sounds better: {sentence}",
    "summarise this for me: {sentence}",
    "fix the grammar: {sentence}",
    "can you shorten this: {sentence}",
    "how do i {act}",
    "is {claim} true?",
    "give me 5 names for a {thing}",
)
_A_B = (
    ("a roth ira", "a 401k"),
    ("baking soda", "baking powder"),
    ("weather", "climate"),
    ("a virus", "bacteria"),
    ("TCP", "UDP"),
    ("affect", "effect"),
    ("an LLC", "a sole proprietorship"),
    ("stocks", "bonds"),
    ("latte", "flat white"),
    ("RAM", "storage"),
)
_ACTS = (
    "freeze cooked rice",
    "descale a kettle",
    "learn to swim as an adult",
    "charge an e-bike overnight",
    "repaint a bathroom",
    "get a passport renewed",
    "clean a cast iron pan",
    "run a 10k",
    "set up a vpn at home",
    "train a puppy to sit",
    "reheat pizza",
    "back up my phone",
)
_THINGS = (
    "podcast",
    "bakery",
    "fantasy football team",
    "band",
    "cat",
    "boat",
    "newsletter",
    "startup",
)
_WHO = ("my dad who likes fishing", "a 7 year old", "a new manager", "my team", "a beginner runner")
_DOCS = ("poem", "speech", "bio", "product description", "thank you note", "linkedin post", "toast")
_CONCEPTS = (
    "inflation",
    "machine learning",
    "compound interest",
    "the blockchain",
    "photosynthesis",
    "the electoral college",
    "black holes",
    "recursion",
    "supply and demand",
)
_TERMS = (
    ("churn", "business"),
    ("p-value", "statistics"),
    ("idempotent", "programming"),
    ("escrow", "real estate"),
    ("tannins", "wine"),
    ("latency", "networking"),
)
_CLAIMS = (
    "cracking knuckles causes arthritis",
    "goldfish have 3 second memory",
    "you lose most heat through your head",
    "lightning never strikes twice",
)


def casual(rng: random.Random, text: str) -> str:
    """Make ``text`` look typed by a person (case, openers, tails, the odd typo)."""
    if rng.random() < 0.5:
        text = text[0].lower() + text[1:]
    if rng.random() < 0.4:
        text = text.rstrip("?.!")
    if rng.random() < 0.08 and len(text) > 12:
        i = rng.randrange(1, len(text) - 2)
        text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return rng.choice(_OPENERS) + text + rng.choice(_TAILS)


def everyday(rng: random.Random) -> str:
    """An everyday question of the kind chat and assistant products receive."""
    a, b = rng.choice(_A_B)
    term, field = rng.choice(_TERMS)
    verb = rng.choice(("wasnt", "was not", "isnt"))
    sentence = (
        f"{rng.choice(V.NAMES)} said the {rng.choice(V.PRODUCTS)} {verb} worth it "
        "and we should of waited"
    )
    text = rng.choice(_EVERYDAY).format(
        a=a,
        b=b,
        act=rng.choice(_ACTS),
        thing=rng.choice(_THINGS),
        who=rng.choice(_WHO),
        doc=rng.choice(_DOCS),
        topic=rng.choice(V.CHAT_TOPICS),
        concept=rng.choice(_CONCEPTS),
        term=term,
        field=field,
        sentence=sentence,
        claim=rng.choice(_CLAIMS),
    )
    return casual(rng, text)


def chat_opener(rng: random.Random) -> str:
    """First message of a chat conversation."""
    roll = rng.random()
    if roll < 0.45:
        return casual(rng, rng.choice(V.CHAT_ASKS).format(topic=rng.choice(V.CHAT_TOPICS)))
    if roll < 0.85:
        return everyday(rng)
    # now and then a user pastes a homework or work question
    domain = rng.choice(("math_word", "science", "coding", "finance", "law", "medicine"))
    return casual(rng, make_item(domain, rng.choice(DOMAINS[domain][0]), rng).text)


def support_message(rng: random.Random) -> str:
    """An end user's message to a support bot."""
    issue = rng.choice(V.SUPPORT_ISSUES).replace("{code}", str(rng.randint(10, 99)))
    lead = rng.choice(
        (
            "",
            "",
            "I've already tried restarting. ",
            "This is the third time I'm writing. ",
            f"Order #{rng.randint(100000, 999999)}: ",
            "Urgent - ",
        )
    )
    return casual(rng, f"{lead}{rng.choice(V.SUPPORT_PRODUCTS)} {issue}")


SUPPORT_FOLLOWUPS: tuple[str, ...] = (
    "I did that, still not working",
    "ok it worked, thanks",
    "can I talk to a human",
    "how long will the refund take",
    "what's the order number format?",
    "it says invalid code",
    "and if that doesn't work?",
    "no I don't have the receipt",
    "fine. cancel it then",
)
