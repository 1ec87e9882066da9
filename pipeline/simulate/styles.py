"""Request styles: what each kind of client asks for and how big requests are.

A style is built once per key from the key's ``random.Random`` (so its knobs
vary per key) and called once per request, returning a
:class:`~pipeline.simulate.emit.Content`. Token sizes come from the real-trace
quantile tables in :mod:`pipeline.simulate.tokens`, scaled per archetype.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence

from pipeline.simulate import grammar as g
from pipeline.simulate import prompts as p
from pipeline.simulate import vocab
from pipeline.simulate.emit import Content
from pipeline.simulate.tokens import CODE_CONTEXT, CODE_GENERATED, CONV_CONTEXT, CONV_GENERATED

__all__ = [
    "FRAMEWORK_SYSTEM_HASH",
    "Agent",
    "Capped",
    "Chat",
    "Classifier",
    "Dev",
    "Eval",
    "Extraction",
    "Longform",
    "Rag",
    "Reseller",
    "Style",
    "Translation",
    "Tutor",
    "system_hash",
]

LARGE, MINI, REASON, EMBED = "atlas-2-large", "atlas-2-mini", "atlas-2-reason", "atlas-embed-1"
CHAT, RESPONSES, LEGACY, EMBEDDINGS = (
    "/v1/chat/completions",
    "/v1/responses",
    "/v1/completions",
    "/v1/embeddings",
)


def system_hash(text: str) -> str:
    """What the gateway logs for a system prompt (first 16 hex digits of its SHA-256).

    >>> system_hash("You are a helpful assistant.")
    '75357d685f238b6a'
    """
    return hashlib.sha256(text.encode()).hexdigest()[:16]


#: The default system prompt of a popular app framework: shared by many unrelated apps.
FRAMEWORK_SYSTEM_HASH = system_hash("chainkit default assistant prompt v0.3")


def _loguniform(rng: random.Random, low: float, high: float) -> float:
    return float(low * (high / low) ** rng.random())


class Style:
    """Base: the key's draw function, model/endpoint choice and system prompt."""

    def __init__(self, rng: random.Random, system: str | None) -> None:
        self.r = rng.random
        self.system = system
        self.endpoint = CHAT if rng.random() < 0.8 else RESPONSES

    def __call__(self) -> Content:  # pragma: no cover - abstract
        raise NotImplementedError


class Dev(Style):
    """An individual developer: varied questions, models and settings, the odd n>1."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, None if rng.random() < 0.6 else system_hash(f"dev {rng.random()}"))
        self.models = rng.sample((LARGE, MINI, REASON), rng.randint(1, 3))

    def __call__(self) -> Content:
        r = self.r
        model = self.models[int(r() * len(self.models))]
        text = p.dev_question(r)
        if r() < 0.1:  # people ask for reasoning in the same words harvesters use
            text = f"{text} {g.ask(r)}"
        completion = int(CONV_GENERATED.draw(r()) * (0.8 + 1.5 * r()))
        n = 1 if r() > 0.03 else 2 + int(r() * 3)
        reasoning = int(completion * (0.5 + 2.5 * r())) if model == REASON else None
        max_tokens = None if r() < 0.7 else 2048
        if max_tokens is not None:
            completion = min(completion, max_tokens)
        return (
            model, self.endpoint, text, int(CONV_CONTEXT.draw(r()) * 0.4) + len(text) // 4,
            completion * n, reasoning, n, (None, 0.2, 0.7, 1.0)[int(r() * 4)], max_tokens,
            self.system,
        )  # fmt: skip


class Chat(Style):
    """A consumer chat app: many end users, diverse prompts, conversation history as context."""

    def __init__(
        self, rng: random.Random, system: str | None = None, reasoning: bool = False
    ) -> None:
        super().__init__(rng, system or system_hash(f"chat {rng.random()}"))
        self.model = LARGE if rng.random() < 0.6 else MINI
        if reasoning:
            self.model = REASON
        self.temperature = rng.choice((None, 0.7, 0.8, 1.0))
        self.max_tokens = rng.choice((None, 512, 1024, 2048))
        self.ctx = _loguniform(rng, 0.5, 1.6)
        self.gen = _loguniform(rng, 0.6, 1.4)

    def __call__(self) -> Content:
        r = self.r
        completion = int(CONV_GENERATED.draw(r()) * self.gen)
        if self.max_tokens is not None:
            completion = min(completion, self.max_tokens)
        reasoning = int(completion * (0.3 + 2 * r())) if self.model == REASON else None
        return (
            self.model, self.endpoint, p.chat_message(r),
            int(CONV_CONTEXT.draw(r()) * self.ctx) + 20, completion, reasoning, 1,
            self.temperature, self.max_tokens, self.system,
        )  # fmt: skip


class Classifier(Style):
    """A batch classifier: one template, few-shot context, tiny outputs (1-10 tokens)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, system_hash(f"classifier {rng.random()}"))
        self.endpoint = LEGACY if rng.random() < 0.3 else CHAT
        self.template = rng.randrange(4)
        self.shots = rng.randint(40, 1500)
        self.max_tokens = rng.choice((None, 5, 10, 16, 64))
        self.temperature = rng.choice((None, 0.0))

    def __call__(self) -> Content:
        r = self.r
        text = p.classifier_input(r, self.template)
        completion = 1 + int(r() ** 3 * 9)
        if self.max_tokens is not None:
            completion = min(completion, self.max_tokens)
        return (
            MINI, self.endpoint, text, self.shots + len(text) // 4, completion, None, 1,
            self.temperature, self.max_tokens, self.system,
        )  # fmt: skip


_EVAL_TEMPLATES = (
    "Q: {q} (topic: {t})\nChoices: (a) {a} (b) {b} (c) {c} (d) {d}\nA:",
    "Evaluate the following about {t}. {q} Options: {a} | {b} | {c} | {d}. Pick one option.",
)


class Eval(Style):
    """An eval harness: sweeps a topic taxonomy in order; some ask to think step by step."""

    def __init__(self, rng: random.Random, public: bool, reasoning: bool = False) -> None:
        super().__init__(rng, None)
        self.template = p.PUBLIC_BENCHMARK_TEMPLATE if public else rng.choice(_EVAL_TEMPLATES)
        self.cot = rng.random() < 0.45
        # A public benchmark's chain-of-thought prompt is the benchmark's own; a private
        # harness words its own (from the same pool harvesters draw their asks from).
        self.cue = "Let's think step by step." if public else g.ask(rng.random)
        self.index = 0 if public else rng.randrange(vocab.TOPIC_COUNT)
        self.model = REASON if reasoning else rng.choice((LARGE, MINI))
        self.n = 5 if rng.random() < 0.12 else 1
        self.temperature = 0.8 if self.n > 1 else rng.choice((None, 0.0))
        self.max_tokens = rng.choice((None, 1024, 4096)) if self.cot else rng.choice((1, 5, 16))

    def __call__(self) -> Content:
        r = self.r
        text = p.eval_item(r, self.index, self.template, False)
        if self.cot:
            text = f"{text} {self.cue}"
        self.index += 1
        # With a reasoning cue the answer is an explanation; without, a letter or two.
        completion = int(CONV_GENERATED.draw(r()) * 2.5) if self.cot else 1 + int(r() * 4)
        if self.max_tokens is not None:
            completion = min(completion, self.max_tokens)
        reasoning = int(completion * (1 + 3 * r())) if self.model == REASON else None
        return (
            self.model, self.endpoint, text, len(text) // 4 + 5, completion * self.n, reasoning,
            self.n, self.temperature, self.max_tokens, self.system,
        )  # fmt: skip


class Tutor(Style):
    """A tutoring app: students asking for step-by-step explanations (benign reasoning asks)."""

    def __init__(self, rng: random.Random, reasoning: bool = False) -> None:
        super().__init__(rng, system_hash(f"tutor {rng.random()}"))
        self.model = REASON if reasoning else LARGE
        self.temperature = rng.choice((0.3, 0.5, 0.7))

    def __call__(self) -> Content:
        r = self.r
        text = p.tutoring_request(r)
        if r() < 0.3:
            text = f"{text} {g.ask(r)}"
        completion = 120 + int(CONV_GENERATED.draw(r()) * 1.6)
        reasoning = int(completion * (0.5 + 2 * r())) if self.model == REASON else None
        return (
            self.model, self.endpoint, text, int(CONV_CONTEXT.draw(r()) * 0.5) + len(text) // 4,
            completion, reasoning, 1, self.temperature, 2048, self.system,
        )  # fmt: skip


class Longform(Style):
    """A content generator: templated article requests, long outputs, sometimes n variants."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, system_hash(f"longform {rng.random()}"))
        self.template = rng.randrange(3)
        self.brief = rng.randint(80, 600)
        self.n = rng.choice((1, 1, 1, 2, 3))

    def __call__(self) -> Content:
        r = self.r
        text = p.longform_request(r, self.template)
        completion = min(4096, 450 + int(CONV_GENERATED.draw(r()) * 4.0))
        return (
            LARGE, self.endpoint, text, self.brief + len(text) // 4, completion * self.n, None,
            self.n, 0.9, 4096, self.system,
        )  # fmt: skip


class Translation(Style):
    """A translation service: one frame, output about as long as the input."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, system_hash(f"translate {rng.random()}"))
        self.languages = tuple(rng.sample(vocab.LANGUAGES, rng.randint(1, 6)))
        self.ratio = rng.uniform(0.9, 1.4)

    def __call__(self) -> Content:
        r = self.r
        text = p.translation_request(r, self.languages[int(r() * len(self.languages))])
        body = len(text) // 4
        return (
            MINI, self.endpoint, text, body + 25, int(body * self.ratio * (0.85 + 0.3 * r())),
            None, 1, 0.0, None, self.system,
        )  # fmt: skip


class Rag(Style):
    """A RAG app: long retrieved context, short answers, plus embedding calls."""

    def __init__(self, rng: random.Random, system: str | None = None) -> None:
        super().__init__(rng, system or system_hash(f"rag {rng.random()}"))
        self.ctx = _loguniform(rng, 0.8, 3.0)
        self.embed_share = rng.uniform(0.0, 0.4)
        self.model = rng.choice((LARGE, MINI))

    def __call__(self) -> Content:
        r = self.r
        text = p.rag_question(r)
        if r() < self.embed_share:
            return (EMBED, EMBEDDINGS, text, len(text) // 4, 0, None, 1, None, None, None)
        return (
            self.model, self.endpoint, text, 300 + int(CODE_CONTEXT.draw(r()) * self.ctx),
            int(CONV_GENERATED.draw(r()) * 0.6) + 5, None, 1, 0.1, 800, self.system,
        )  # fmt: skip


class Agent(Style):
    """A coding agent: big and growing prompts, code-sized outputs, tool loops."""

    def __init__(
        self, rng: random.Random, reasoning: bool = False, base: tuple[int, int] = (3000, 20000)
    ) -> None:
        super().__init__(rng, system_hash(f"agent {rng.random()}"))
        self.model = REASON if reasoning else LARGE
        self.base = rng.randint(*base)
        self.context = self.base

    def turn(self, step: int) -> Content:
        r = self.r
        if step == 0:
            self.context = self.base + int(r() * 4000)
        text = p.agent_turn(r, step == 0)
        completion = min(8192, int(CODE_GENERATED.draw(r()) * (3 + 10 * r())))
        self.context = min(self.context + len(text) // 4 + completion, 200_000)
        reasoning = int(completion * 2 * r()) if self.model == REASON else None
        return (
            self.model, self.endpoint, text, self.context, completion, reasoning, 1, 0.0, 8192,
            self.system,
        )  # fmt: skip

    def __call__(self) -> Content:
        return self.turn(int(self.r() * 3))


class Reseller(Style):
    """A reseller's gateway: its customers' traffic, a mix of dev, chat, RAG, tutoring,
    long-form writing and coding agents (the last two ask for high max_tokens)."""

    def __init__(self, rng: random.Random) -> None:
        super().__init__(rng, None)
        self.parts: Sequence[Style] = (
            Chat(rng), Chat(rng), Dev(rng), Rag(rng), Tutor(rng, rng.random() < 0.5),
            Longform(rng), Agent(rng, rng.random() < 0.5),
        )  # fmt: skip

    def __call__(self) -> Content:
        return self.parts[int(self.r() * len(self.parts))]()


class Extraction(Style):
    """A harvester: prompts from its prompt source (templates, grammar or paraphrased),
    long outputs, n>1, high max_tokens, temperature sweeps; on a reasoning model the
    hidden ``reasoning_tokens`` are billed on top."""

    def __init__(
        self,
        rng: random.Random,
        prompts: Callable[[], str],
        reasoning: bool,
        system: str | None = None,
        output_scale: tuple[float, float] = (2.5, 8.0),
    ) -> None:
        super().__init__(rng, system)
        self.prompts = prompts
        self.model = REASON if reasoning else (LARGE if rng.random() < 0.8 else MINI)
        self.ns = rng.choice(((1,), (1,), (1, 1, 1, 2), (1, 2, 4), (4, 8)))
        self.temps = rng.choice(((0.0, 0.3, 0.7, 1.0, 1.2), (0.7,), (1.0,), (0.2, 0.6, 1.0)))
        self.max_tokens = rng.choice((4096, 8192, 16384))
        self.scale = rng.uniform(*output_scale)
        self.turn = 0

    def __call__(self) -> Content:
        r = self.r
        self.turn += 1
        text = self.prompts()
        n = self.ns[int(r() * len(self.ns))]
        completion = min(int(CONV_GENERATED.draw(r()) * self.scale), self.max_tokens)
        reasoning = int(completion * (1 + 2 * r())) if self.model == REASON else None
        temps = self.temps
        return (
            self.model, self.endpoint, text, len(text) // 4 + 12, completion * n, reasoning, n,
            temps[self.turn % len(temps)], self.max_tokens, self.system,
        )  # fmt: skip


class Capped(Style):
    """Output-capped sweep: short answers that always hit ``max_tokens``, over a huge
    taxonomy (on a reasoning model, hidden reasoning comes on top of the capped answer)."""

    def __init__(
        self, rng: random.Random, prompts: Callable[[], str], reasoning: bool,
        system: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(rng, system)
        self.prompts = prompts
        self.caps = rng.choice(((1, 2, 4), (8, 16), (16, 32, 64)))
        self.model = REASON if reasoning else rng.choice((LARGE, MINI))

    def __call__(self) -> Content:
        r = self.r
        cap = self.caps[int(r() * len(self.caps))]
        text = self.prompts()
        reasoning = int(60 + 400 * r()) if self.model == REASON else None
        return (
            self.model, self.endpoint, text, len(text) // 4 + 8, cap, reasoning, 1, 0.0, cap,
            self.system,
        )  # fmt: skip
