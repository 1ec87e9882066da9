"""Round 5: attacks on the campaign stage's public-dataset rule (item identities, commit
a231c18) and on what ties a swarm's members at all, with benign look-alikes.

A swarm here is what docs/CAMPAIGNS.md says reported swarms are: 120 keys of as many
accounts, each on its own residential /24, the common browser's user agent, 15-40
requests a day, each key its own fixed harness (opener and ask) around items of one
curriculum. The stage counts a member that shares more than ``SAME_CHANCE`` (1) of its
eight sampled item identities with other members as running a public dataset
(``shared_prompt_share``, ``_rest`` in ``detectors/campaign_clusters.py``); the attacks
make members do exactly that. Profile ``round5`` writes these plus ``baseline``.
"""

from __future__ import annotations

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
)
from pipeline.simulate.infra import BROWSER_UA

__all__ = ["HARNESSES", "MEMBERS", "ROUND5", "benchmark", "curriculum_item", "residential"]

#: Keys of one swarm.
MEMBERS = 120
_RESIDENTIAL = (24, 67, 73, 86, 92, 101, 112, 176, 187, 189)

#: One curriculum per swarm (so that swarms of different scenarios do not merge): domain
#: vocabularies, three concepts and a quantity per item.
_DOMAINS = {
    "swarm_plain": "entropy torque inertia buoyancy resonance diffraction capacitance"
    " inductance momentum viscosity refraction superconductivity photon isotope enthalpy"
    " magnetism friction pendulum projectile orbit plasma lattice phonon semiconductor"
    " polarization interference turbulence convection radiation fission",
    "swarm_decoy5": "mitochondria ribosome enzyme chromosome allele mutation photosynthesis"
    " osmosis antibody antigen neuron synapse hormone insulin protein membrane nucleotide"
    " transcription translation plasmid bacteriophage microbiome cytokine macrophage"
    " glycolysis respiration meiosis mitosis phenotype genotype",
    "swarm_decoy15": "inflation tariff oligopoly monopsony elasticity liquidity arbitrage"
    " dividend bond equity subsidy externality recession deflation wage productivity"
    " unemployment austerity seigniorage annuity collateral leverage depreciation"
    " amortization cartel duopoly surplus quota embargo remittance",
    "swarm_decoy30": "treaty tort estoppel easement injunction lien covenant indemnity"
    " negligence bailment trespass nuisance defamation probate fiduciary escrow subpoena"
    " arbitration restitution rescission novation mortgage warranty liability statute"
    " precedent jurisdiction appeal verdict damages",
    "swarm_twins": "polymer catalyst isomer enantiomer oxidation reduction titration"
    " electrolysis alkane alkene benzene ester amide ketone aldehyde nitrile halide"
    " buffer solvent precipitate chelate ligand zeolite colloid emulsion surfactant"
    " sublimation distillation crystallization chromatography",
    "swarm_noise": "recursion memoization hashing heap trie graph bitmask backtracking"
    " greedy quicksort mergesort treap segment fenwick dijkstra kruskal prim topological"
    " bipartite matching flow knapsack interval sweepline convexhull rabin kmp automaton"
    " bloom skiplist",
}
_RELATIONS = ("limit", "amplify", "depend on", "compete with", "replace", "stabilise")
#: Per swarm (in ``_DOMAINS`` order): its curriculum's item template, and its public
#: benchmark's (the decoys): no two swarms share a frame, so none merge.
_ITEMS = (
    "How does {a} {r} {b} in the {x} {y} setup when {z} is {n} times higher?",
    "Describe why {a} would {r} {b} for a {x} {y} sample under {z} at level {n}.",
    "Predict whether {a} can {r} {b} in the {x} {y} market after {z} moves by {n}.",
    "Assess if {a} may {r} {b} in a {x} {y} dispute once {z} lapses after {n} days.",
    "Determine how {a} might {r} {b} within a {x} {y} reactor with {z} at {n} kelvin.",
    "Analyse when {a} should {r} {b} for the {x} {y} dataset with {z} of size {n}.",
)
_DECOYS = (
    "Which quantity is conserved when {a} meets {b} in experiment {x}-{n}?",
    "Which organelle links {a} and {b} in organism {x}-{n}?",
    "Which indicator best tracks {a} against {b} in country {x}-{n}?",
    "Which doctrine decides {a} versus {b} in case {x}-{n}?",
    "Which reagent converts {a} into {b} in procedure {x}-{n}?",
    "Which structure answers {a} with {b} in benchmark task {x}-{n}?",
)
_SYLLABLES = "ka lo mi ne ru sa te vo zi bra cle dro fen gul hax jor kem lun".split()


def _entity(rng: random.Random) -> str:
    """A proper name of the curriculum (a compound, a place, a firm): 3 syllables."""
    return "".join(rng.choice(_SYLLABLES) for _ in range(3))


def curriculum_item(rng: random.Random, domain: str, decoy: bool = False) -> str:
    """One item of ``domain``'s curriculum (or of its public benchmark, ``decoy``): two
    concepts, three names and a quantity.

    >>> curriculum_item(random.Random(1), "swarm_plain").startswith("How")
    True
    """
    index = list(_DOMAINS).index(domain)
    words = _DOMAINS[domain].split()
    a, b = rng.sample(words, 2)
    fill = {"a": a, "b": b, "r": rng.choice(_RELATIONS), "n": rng.randint(2, 999)}
    fill.update(x=_entity(rng), y=_entity(rng), z=_entity(rng))
    return (_DECOYS if decoy else _ITEMS)[index].format(**fill)


_NAMES = "Ava Ben Chloe Dev Emma Farid Grace Hiro Ines Jonas Kira Liam Maya Noor Omar Priya".split()
_OBJECTS = "apples stamps marbles pencils cookies tickets books coins shells cards".split()
_BENCH = (
    "{a} has {n} {o}. {a} gives {k} of them to {b} and then buys {m} more {p}."
    " How many {o} and {p} does {a} have now?",
    "A shop sells {o} at {n} cents each and {p} at {m} cents each. {a} buys {k} {o}"
    " and some {p} for {t} cents in total. How many {p} did {a} buy?",
    "{a} and {b} share {n} {o} in the ratio {k} to {m}. How many more {o} does the one"
    " with the larger share get?",
    "Every day {a} collects {k} {o} and {b} collects {m} {p}. After how many days will"
    " they have {n} items together?",
)


def benchmark(name: str, size: int) -> list[str]:
    """A public benchmark: ``size`` fixed word problems (the same text for everyone)."""
    rng = random.Random(f"benchmark/{name}")
    items = []
    for _ in range(size):
        a, b = rng.sample(_NAMES, 2)
        o, p = rng.sample(_OBJECTS, 2)
        n, k, m = rng.randint(12, 400), rng.randint(2, 11), rng.randint(2, 30)
        t = n + k * m
        items.append(rng.choice(_BENCH).format(a=a, b=b, o=o, p=p, n=n, k=k, m=m, t=t))
    return items


def residential(rng: random.Random) -> tuple[str, ...]:
    """One residential /24 of its own for a swarm member (rounds 5-7)."""
    return (f"{rng.choice(_RESIDENTIAL)}.{rng.randrange(256)}.{rng.randrange(256)}.",)


def _noise(rng: random.Random, words: int) -> str:
    """A per-request trace reference: ``words`` random hex groups (each a content word)."""
    return " ".join(f"{rng.getrandbits(24):06x}" for _ in range(words))


def _send(key: Key, t: float, text: str, answer: int, max_tokens: int = 4096) -> None:
    key.emit(t, text, 24 + c.text_tokens(text), answer, max_tokens=max_tokens,
             system_prompt_hash=SYSTEM_HASH)  # fmt: skip


def _swarm(decoy: float = 0.0, twins: bool = False, noise: int = 0) -> Builder:
    """120 members; each request is a curriculum item in the key's own harness, or, with
    probability ``decoy``, the next item of one public benchmark that every key walks in
    the same order (so all members send its first items: the fixed decoy set). ``twins``:
    every curriculum item is asked by two members, each in its own harness (the second
    completion is a preference pair's other half). ``noise``: that many random hex words
    appended to every prompt (a per-request trace id)."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        rng = inst.rng
        domain = random.Random(f"benchmark/{inst.scenario}")
        bench = [curriculum_item(domain, inst.scenario, True) for _ in range(400)]
        keys: list[Key] = []
        times: list[list[float]] = []
        harness: list[tuple[str, str]] = []
        for k in range(MEMBERS):
            key = inst.key(f"_{k:03d}", agents=(BROWSER_UA,))
            key.account_id = f"{key.account_id}_{k:03d}"
            key.prefixes = residential(rng)
            start = inst.log_start + rng.uniform(7.0, 12.0) * HOUR
            times.append(list(arrivals(rng, start, inst.log_end, rng.uniform(15.0, 40.0))))
            w1, w2 = rng.sample(_DOMAINS[inst.scenario].split(), 2)
            harness.append((f"Unit on {w1} and {w2}:", rng.choice(c.CUE_ASKS)))
            keys.append(key)
        slots = [(k, i) for k, ts in enumerate(times) for i in range(len(ts))]
        items: dict[tuple[int, int], str] = {}
        if twins:  # each item to two slots drawn at random (almost always two members)
            rng.shuffle(slots)
            for j in range(0, len(slots), 2):
                item = curriculum_item(rng, inst.scenario)
                for slot in slots[j : j + 2]:
                    items[slot] = item
        for k, key in enumerate(keys):
            opener, ask = harness[k]
            walked = 0
            for i, t in enumerate(times[k]):
                if decoy and rng.random() < decoy:
                    _send(
                        key, t, bench[walked % len(bench)], c.answer_tokens(rng, 300.0, 0.4, 1024)
                    )
                    walked += 1
                    continue
                item = items.get((k, i)) or curriculum_item(rng, inst.scenario)
                text = f"{opener} {item} {ask}"
                if noise:
                    text += f" (trace {_noise(rng, noise)})"
                _send(key, t, text, c.answer_tokens(rng, 1100.0, 0.5, 4096))
        return keys, None

    return build


#: Evaluation harnesses labs wrap a public benchmark's items in (rounds 5 and 7).
HARNESSES = (
    "Question: {q}\nAnswer: Let's think step by step.",
    "Solve the following math problem. Show your reasoning, then give the final answer"
    " in \\boxed{{}}.\n\n{q}",
    "{q}\nPlease reason step by step, and put your final answer within \\boxed{{}}.",
    "You will be given a grade-school word problem. Work it out carefully and explain"
    " each step.\nProblem: {q}\nSolution:",
)
_WORKED = (
    " We add up what was gained and subtract what was given away, step by step, so the"
    " total follows from the counts in the problem. The answer is {x}.\n\n"
)


def _labs(shots: int) -> Builder:
    """Twelve labs (own accounts, addresses and clients) each run one public benchmark of
    300 items once, in their own shuffled order, behind one of four harnesses (with
    ``shots`` worked exemplars from the benchmark's train split before the question),
    fast (a request every 2-8 s), starting 7-20 h into the log."""

    def build(inst: Instance) -> tuple[list[Key], float | None]:
        rng = inst.rng
        test = benchmark(inst.scenario, 300)
        train = benchmark(f"{inst.scenario}/train", 40)
        keys = []
        for k in range(12):
            agent = (SDK_UA, *SWARM_AGENTS)[k % (1 + len(SWARM_AGENTS))]
            key = inst.key(f"_{k:02d}", agents=(agent,))
            key.account_id = f"{key.account_id}_{k:02d}"
            key.prefixes = cloud_prefixes(rng, 1)
            h = k % len(HARNESSES)
            shown = random.Random(f"{inst.scenario}/shots/{h}").sample(train, shots)
            prefix = "".join(f"Question: {q}\nAnswer:{_WORKED.format(x=i + 7)}" for i, q in
                             enumerate(shown))  # fmt: skip
            order = rng.sample(test, len(test))
            t = inst.log_start + rng.uniform(7.0, 20.0) * HOUR
            for q in order:
                t += rng.uniform(2.0, 8.0)
                if t >= inst.log_end:
                    break
                text = prefix + HARNESSES[h].format(q=q)
                key.emit(t, text, 24 + c.text_tokens(text), c.answer_tokens(rng, 700.0, 0.4, 2048),
                         temperature=0.0, max_tokens=2048)  # fmt: skip
            keys.append(key)
        return keys, None

    return build


_ERRORS = (
    "TypeError: cannot read properties of undefined (reading 'map') at render",
    "PHP Fatal error: Allowed memory size exhausted in wp-includes/class-wpdb.php",
    "SQLSTATE[23000]: Integrity constraint violation: duplicate entry for key PRIMARY",
    "cURL error 28: Operation timed out after 30001 milliseconds",
    "Uncaught ReferenceError: jQuery is not defined",
    "WooCommerce checkout failed: invalid payment gateway response",
)


def _byok_plugin(inst: Instance) -> tuple[list[Key], float | None]:
    """A site plugin whose customers bring their own key (40 new accounts, each its site's
    address, the browser's agent): 'explain this error in detail' with the site's own
    request ids and hashes in every prompt, 15-40 a day, 400-900-token answers."""
    rng = inst.rng
    keys = []
    for k in range(40):
        key = inst.key(f"_{k:02d}", agents=(BROWSER_UA,))
        key.account_id = f"{key.account_id}_{k:02d}"
        key.prefixes = residential(rng)
        start = inst.log_start + rng.uniform(7.0, 14.0) * HOUR
        for t in arrivals(rng, start, inst.log_end, rng.uniform(15.0, 40.0), "consumer", -5.0):
            text = (
                f"Explain in detail what causes this error on my site and how to fix it:"
                f" {rng.choice(_ERRORS)} (request {_noise(rng, rng.randint(4, 12))})"
            )
            _send(key, t, text, c.answer_tokens(rng, 600.0, 0.35, 1500), 1500)
        keys.append(key)
    return keys, None


ROUND5: tuple[Scenario, ...] = (
    Scenario.once(
        "swarm_plain",
        ABUSE,
        "120-key residential browser swarm, own harness per key, 15-40 a day, no decoys (control)",
        _swarm(),
    ),
    Scenario.once(
        "swarm_decoy5",
        ABUSE,
        "the swarm; 5 % of requests are one public benchmark's"
        " items, walked in the same order by every key",
        _swarm(0.05),
    ),
    Scenario.once("swarm_decoy15", ABUSE, "the same with 15 % decoys", _swarm(0.15)),
    Scenario.once("swarm_decoy30", ABUSE, "the same with 30 % decoys", _swarm(0.30)),
    Scenario.once(
        "swarm_twins",
        ABUSE,
        "every curriculum item asked by two members, each in its own harness (a preference pair)",
        _swarm(twins=True),
    ),
    Scenario.once(
        "swarm_noise",
        ABUSE,
        "the swarm with 32 random hex words (a 'trace id') appended to every prompt",
        _swarm(noise=32),
    ),
    Scenario.once(
        "bench_labs",
        BENIGN_LABEL,
        "12 labs run one 300-item public benchmark once, shuffled, behind four zero-shot harnesses",
        _labs(0),
    ),
    Scenario.once(
        "bench_labs_2shot",
        BENIGN_LABEL,
        "the same behind four 2-shot harnesses (different exemplars per harness)",
        _labs(2),
    ),
    Scenario.once(
        "byok_plugin",
        BENIGN_LABEL,
        "40 bring-your-own-key customers of one site plugin: error explainers with per-request ids",
        _byok_plugin,
    ),
)
