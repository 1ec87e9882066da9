"""Word lists the prompt builders draw from.

Kept as plain tuples (indexing a tuple with ``int(random() * len)`` is the
cheapest draw in CPython). The topic taxonomy is combinatorial: domains x
subtopics x levels gives ~10k topics, which is
what a harvester sweeps and what an eval harness sweeps too.
"""

from __future__ import annotations

__all__ = [
    "ASPECTS",
    "AUDIENCES",
    "CITIES",
    "DOMAINS",
    "FILLERS",
    "FIRST_NAMES",
    "FOODS",
    "LANGUAGES",
    "LEVELS",
    "PRODUCTS",
    "PRODUCT_ADJECTIVES",
    "PROGRAMMING",
    "SUBTOPICS",
    "SYNONYMS",
    "TECH_TERMS",
    "TOPIC_COUNT",
    "topic",
]

DOMAINS: tuple[str, ...] = (
    "algebra", "calculus", "statistics", "number theory", "geometry", "linear algebra",
    "classical mechanics", "thermodynamics", "electromagnetism", "quantum physics",
    "organic chemistry", "biochemistry", "genetics", "cell biology", "ecology", "neuroscience",
    "microeconomics", "macroeconomics", "finance", "accounting", "marketing", "law",
    "world history", "philosophy", "psychology", "sociology", "linguistics", "literature",
    "computer networks", "operating systems", "databases", "compilers", "machine learning",
    "cryptography", "distributed systems", "medicine", "pharmacology", "astronomy",
    "geology", "climate science",
)  # fmt: skip

SUBTOPICS: tuple[str, ...] = (
    "core definitions", "a classic theorem", "common misconceptions", "historical development",
    "a worked example", "edge cases", "real-world applications", "key formulas",
    "experimental evidence", "open problems", "a comparison of two approaches",
    "the underlying intuition", "typical exam questions", "proof techniques",
    "measurement methods", "failure modes", "design trade-offs", "notation and conventions",
    "limiting behaviour", "a counterexample", "dimensional analysis", "best practices",
    "ethical considerations", "recent advances", "the standard model", "a case study",
    "boundary conditions", "approximations", "an analogy", "a derivation from first principles",
)  # fmt: skip

ASPECTS: tuple[str, ...] = (
    "explain", "derive", "prove", "summarize", "compare", "critique", "solve", "analyze",
    "illustrate", "classify", "evaluate", "apply",
)  # fmt: skip

LEVELS: tuple[str, ...] = (
    "high school", "undergraduate", "graduate", "expert", "beginner", "intermediate",
    "olympiad", "professional",
)  # fmt: skip

AUDIENCES: tuple[str, ...] = (
    "small business owners", "software engineers", "nurses", "teachers", "parents",
    "college students", "retirees", "product managers", "investors", "hobbyists",
    "marketing teams", "first-time home buyers",
)  # fmt: skip

#: Number of distinct topics :func:`topic` can return.
TOPIC_COUNT = len(DOMAINS) * len(SUBTOPICS) * len(LEVELS)


def topic(index: int) -> str:
    """The ``index``-th topic of the taxonomy (wraps around), as a harvester enumerates it.

    Examples
    --------
    >>> topic(0)
    'core definitions in algebra (high school level)'
    >>> topic(TOPIC_COUNT) == topic(0)
    True
    """
    index %= TOPIC_COUNT
    d, rest = divmod(index, len(SUBTOPICS) * len(LEVELS))
    s, lvl = divmod(rest, len(LEVELS))
    return f"{SUBTOPICS[s]} in {DOMAINS[d]} ({LEVELS[lvl]} level)"


TECH_TERMS: tuple[str, ...] = (
    "async generators", "a Postgres deadlock", "Kubernetes liveness probes", "a React useEffect",
    "CORS errors", "a memory leak in Node", "Docker layer caching", "OAuth refresh tokens",
    "pandas groupby", "a segfault in C", "Rust lifetimes", "gRPC streaming", "Terraform state",
    "a flaky integration test", "TypeScript generics", "nginx reverse proxy", "SQL windows",
    "Python type hints", "git rebase conflicts", "Redis eviction", "S3 presigned URLs",
    "a race condition", "JWT validation", "webpack config", "CSS grid", "bash quoting",
    "Go channels", "JVM garbage collection", "Kafka consumer lag", "regex lookahead",
)  # fmt: skip

PROGRAMMING: tuple[str, ...] = (
    "Python", "TypeScript", "Go", "Rust", "Java", "C#", "Kotlin", "Ruby", "SQL", "bash",
)  # fmt: skip

PRODUCTS: tuple[str, ...] = (
    "headphones", "blender", "running shoes", "phone case", "coffee maker", "backpack",
    "desk lamp", "vacuum", "laptop stand", "water bottle", "sofa", "mattress", "router",
    "air fryer", "keyboard", "monitor", "jacket", "tent", "stroller", "smartwatch",
)  # fmt: skip

PRODUCT_ADJECTIVES: tuple[str, ...] = (
    "great", "terrible", "okay", "flimsy", "sturdy", "overpriced", "cheap", "excellent",
    "noisy", "quiet", "disappointing", "amazing", "average", "broken", "comfortable", "ugly",
)  # fmt: skip

FIRST_NAMES: tuple[str, ...] = (
    "Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
    "Liam", "Mei", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq",
)  # fmt: skip

CITIES: tuple[str, ...] = (
    "Lisbon", "Osaka", "Denver", "Nairobi", "Toronto", "Krakow", "Lima", "Seoul", "Austin",
    "Lyon", "Melbourne", "Cape Town", "Hanoi", "Oslo", "Istanbul", "Bogota",
)  # fmt: skip

FOODS: tuple[str, ...] = (
    "lentil soup", "banana bread", "pad thai", "shakshuka", "risotto", "tacos", "ramen",
    "chili", "pancakes", "curry", "focaccia", "dumplings",
)  # fmt: skip

LANGUAGES: tuple[str, ...] = (
    "French", "German", "Spanish", "Japanese", "Portuguese", "Italian", "Korean", "Dutch",
    "Polish", "Turkish", "Vietnamese", "Arabic",
)  # fmt: skip

#: Paraphrase table: a word of an extraction template and its stand-ins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "explain": ("describe", "clarify", "break down", "elucidate", "walk through"),
    "detailed": ("thorough", "in-depth", "comprehensive", "exhaustive", "careful"),
    "detail": ("depth", "full detail", "great detail", "thorough detail"),
    "provide": ("give", "offer", "write", "produce", "supply"),
    "complete": ("full", "entire", "whole", "unabridged"),
    "answer": ("response", "reply", "solution", "conclusion"),
    "question": ("problem", "query", "prompt", "task"),
    "reasoning": ("reasoning", "thought process", "chain of thought", "line of reasoning"),
    "show": ("include", "display", "write out", "present"),
    "final": ("concluding", "ultimate", "last", "definitive"),
    "expert": ("specialist", "authority", "professor", "seasoned practitioner"),
    "topic": ("subject", "area", "theme", "field"),
    "write": ("compose", "draft", "produce", "author"),
    "before": ("prior to", "ahead of", "preceding"),
    "following": ("next", "below", "subsequent"),
    "solve": ("work out", "resolve", "figure out", "crack"),
}

#: Filler a paraphraser (or a real user) wraps around a request.
FILLERS: tuple[str, ...] = (
    "Please", "Hey,", "Hi!", "I was wondering:", "Quick one:", "Thanks in advance!",
    "Could you help?", "Kindly", "For my notes:", "No rush.", "If possible,", "Much appreciated.",
)  # fmt: skip
