"""What shape a key's traffic takes, drawn per instance, and which shapes are held out.

Every abuse instance (a single key, or a whole hydra/swarm campaign) draws its
*structure* independently on each axis:

=============  ===============================================================
axis           values
=============  ===============================================================
``timing``     ``flat`` (24/7), ``working_hours`` (weekdays, a random time
               zone), ``duty_cycle`` (hours of bursts, then idle hours),
               ``daily_curve`` (a daily load curve), ``drip`` (a few requests a
               day up to ~2 an hour), ``bursty_sessions``
``pacing``     ``machine`` (fixed interval with jitter) or ``poisson``
               (campaigns: ``rounds`` for hydra, ``quota`` for swarm)
``infra``      ``cloud_single`` (one cloud address), ``datacenter_rotating``
               (a pool of datacenter /24s, one at a time), ``residential``
               (residential proxies: each request on its own address)
``sharing``    ``shared`` (addresses from a pool other keys use too; for a
               campaign: its members share infrastructure) or ``own``
``user_agent`` ``script`` (an HTTP library), ``browser`` (the most common
               browser's), ``sdk`` (the popular SDK's default)
``prompts``    ``templates`` (fixed templates), ``grammar`` (generated fresh
               per request, several task domains), ``paraphrased`` (templates
               reworded per request, the ask for reasoning reworded too)
``model``      ``reasoning`` (hidden ``reasoning_tokens``) or ``standard``
``fields``     ``all``, ``no_prompt_text``, ``no_request_params`` (no
               ``max_tokens``/``temperature``/``n``), ``no_client`` (no
               ``user_agent``/``client_ip``), ``bare`` (none of those)
=============  ===============================================================

A family can fix an axis its definition implies (a mixed reseller's extraction
goes through the reseller's own gateway); :data:`FIXED` lists those. Benign
keys record their own structure with the same axes (see
:mod:`pipeline.simulate.benign`), and ``fields`` is drawn for them from the
same distribution, so a missing field says nothing about the label.

Held-out structures
-------------------
:data:`HOLDOUT` names, per family, one timing shape and one prompt style that
nobody may tune on; :data:`HOLDOUT_BENIGN` is a benign look-alike held out the
same way. Every timing shape and every prompt style is held out for some family:

===================  ===================  ===========
family               timing held out      prompts held out
===================  ===================  ===========
bulk_harvest         duty_cycle           grammar
low_and_slow         working_hours        paraphrased
output_capped_sweep  daily_curve          templates
paraphrased          bursty_sessions      grammar
curriculum_walk      drip                 paraphrased
key_takeover         working_hours        grammar
mixed_reseller       daily_curve          paraphrased
hydra                flat                 templates
swarm                duty_cycle           grammar
===================  ===================  ===========

An instance is *held out* when its timing or its prompt style is its family's
held-out value. ``split="tune"`` never draws either; ``split="holdout"`` draws
only held-out instances (the held-out timing, the held-out prompt style, or
both, in turn); ``split="all"`` draws from everything. The held-out benign
look-alike appears in ``all`` and ``holdout``, never in ``tune``; other benign
keys are never held out (they are the population a detector calibrates on).
Every label carries ``structure["split"]`` (``"tune"`` or ``"holdout"``).

Within a split, an instance's timing and prompt style are *stratified*: the
``i``-th instance of a family in seed ``s`` takes the value at position
``s * instances + i`` of a fixed per-family order (prompt styles with a
per-seed offset), so each family meets every allowed timing shape within a few
seeds and every allowed prompt style within one seed of three instances. The
other axes are independent random draws.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "FIELDS",
    "FIELD_GROUPS",
    "FIXED",
    "HOLDOUT",
    "HOLDOUT_BENIGN",
    "INFRAS",
    "MODELS",
    "PINNABLE",
    "PROMPT_STYLES",
    "SPLITS",
    "TIMINGS",
    "USER_AGENTS",
    "Structure",
    "check_pins",
    "check_split",
    "draw_abuse",
    "draw_benign",
    "draw_fields",
    "omitted",
]

TIMINGS: tuple[str, ...] = (
    "flat",
    "working_hours",
    "duty_cycle",
    "daily_curve",
    "drip",
    "bursty_sessions",
)
INFRAS: tuple[str, ...] = ("cloud_single", "datacenter_rotating", "residential")
USER_AGENTS: tuple[str, ...] = ("script", "browser", "sdk")
PROMPT_STYLES: tuple[str, ...] = ("templates", "grammar", "paraphrased")
MODELS: tuple[str, ...] = ("reasoning", "standard")
#: Which structures a dataset draws.
SPLITS: tuple[str, ...] = ("all", "tune", "holdout")

#: Optional fields each ``fields`` value leaves out of every event of the key.
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "all": (),
    "no_prompt_text": ("prompt_text",),
    "no_request_params": ("max_tokens", "temperature", "n"),
    "no_client": ("user_agent", "client_ip"),
    "bare": ("prompt_text", "max_tokens", "temperature", "n", "user_agent", "client_ip"),
}
FIELDS: tuple[str, ...] = tuple(FIELD_GROUPS)
#: Cumulative weights of :data:`FIELDS` (all 40 %, each reduced form 15 %).
_FIELD_CUM = (0.40, 0.55, 0.70, 0.85, 1.0)

#: Per family: (held-out timing shape, held-out prompt style). See the module docstring.
HOLDOUT: dict[str, tuple[str, str]] = {
    "bulk_harvest": ("duty_cycle", "grammar"),
    "low_and_slow": ("working_hours", "paraphrased"),
    "output_capped_sweep": ("daily_curve", "templates"),
    "paraphrased": ("bursty_sessions", "grammar"),
    "curriculum_walk": ("drip", "paraphrased"),
    "key_takeover": ("working_hours", "grammar"),
    "mixed_reseller": ("daily_curve", "paraphrased"),
    "hydra": ("flat", "templates"),
    "swarm": ("duty_cycle", "grammar"),
}
#: The benign look-alike held out: it appears only in the ``all`` and ``holdout`` splits.
HOLDOUT_BENIGN = "support_bot"

#: Axes a family's definition fixes (recorded as drawn, never randomised).
FIXED: dict[str, dict[str, str]] = {
    # Extraction through a reseller's gateway: the reseller's prefixes and user agent.
    "mixed_reseller": {"infra": "reseller_gateway", "sharing": "own", "user_agent": "gateway"},
}


@dataclass(frozen=True, slots=True)
class Structure:
    """One drawn structure; :meth:`as_dict` is the label's ``structure`` field."""

    timing: str
    pacing: str
    infra: str
    sharing: str
    user_agent: str
    prompts: str
    model: str
    fields: str
    split: str
    held_out: str = ""

    def as_dict(self) -> dict[str, str]:
        """A flat dict of strings; ``held_out`` only when something is held out.

        >>> Structure("flat", "machine", "residential", "own", "sdk", "grammar", "reasoning",
        ...           "all", "tune").as_dict()["timing"]
        'flat'
        """
        out = {
            "timing": self.timing,
            "pacing": self.pacing,
            "infra": self.infra,
            "sharing": self.sharing,
            "user_agent": self.user_agent,
            "prompts": self.prompts,
            "model": self.model,
            "fields": self.fields,
            "split": self.split,
        }
        if self.held_out:
            out["held_out"] = self.held_out
        return out


def omitted(fields: str) -> tuple[str, ...]:
    """Event fields a ``fields`` value leaves out.

    >>> omitted("no_client")
    ('user_agent', 'client_ip')
    """
    return FIELD_GROUPS[fields]


def draw_fields(rng: random.Random) -> str:
    """The ``fields`` axis, with the same distribution for benign and abusive keys."""
    u = rng.random()
    for name, cum in zip(FIELDS, _FIELD_CUM, strict=True):
        if u < cum:
            return name
    return FIELDS[-1]


def _order(values: tuple[str, ...], salt: str) -> list[str]:
    order = list(values)
    random.Random(f"order/{salt}").shuffle(order)
    return order


#: Values each axis can be pinned to (``SimulationConfig.pins``, ``--pin AXIS=VALUE``).
PINNABLE: dict[str, tuple[str, ...]] = {
    "timing": TIMINGS,
    "pacing": ("machine", "poisson"),
    "infra": INFRAS,
    "sharing": ("own", "shared"),
    "user_agent": USER_AGENTS,
    "prompts": PROMPT_STYLES,
    "model": MODELS,
    "fields": FIELDS,
}


def check_pins(pins: Mapping[str, str]) -> None:
    """Raise ``ValueError`` for an unknown axis or value.

    >>> check_pins({"model": "huge"})
    Traceback (most recent call last):
    ...
    ValueError: cannot pin model to 'huge' (one of: reasoning, standard)
    """
    for axis, value in pins.items():
        if axis not in PINNABLE:
            raise ValueError(f"cannot pin {axis!r} (axes: {', '.join(PINNABLE)})")
        if value not in PINNABLE[axis]:
            raise ValueError(
                f"cannot pin {axis} to {value!r} (one of: {', '.join(PINNABLE[axis])})"
            )


def check_split(split: str, pins: Mapping[str, str], families: Sequence[str]) -> None:
    """Raise ``ValueError`` when ``pins`` put some family's instances outside ``split``.

    >>> check_split("tune", {"timing": "duty_cycle"}, ["low_and_slow"])
    >>> check_split("tune", {"timing": "duty_cycle"}, ["bulk_harvest"])
    Traceback (most recent call last):
    ...
    ValueError: pin timing=duty_cycle is held out for bulk_harvest: not in the tune split
    """
    for family in families:
        held = dict(zip(("timing", "prompts"), HOLDOUT[family], strict=True))
        hits = {axis: pins[axis] == value for axis, value in held.items() if axis in pins}
        if split == "tune" and any(hits.values()):
            axis = next(a for a, hit in hits.items() if hit)
            raise ValueError(
                f"pin {axis}={pins[axis]} is held out for {family}: not in the tune split"
            )
        if split == "holdout" and len(hits) == 2 and not any(hits.values()):
            raise ValueError(f"pins of timing and prompts hold out nothing of {family}")


def draw_abuse(
    family: str,
    split: str,
    seed: int,
    position: int,
    instances: int,
    pins: Mapping[str, str] | None = None,
) -> Structure:
    """The structure of the ``position``-th instance of ``family`` in ``split``.

    Deterministic in its arguments (its own generator: other keys do not shift it).
    ``pins`` fix axes for every instance (a family's own fixed axes and a campaign's
    pacing win); a pin that makes an instance leave its split raises ``ValueError``.

    Examples
    --------
    >>> s = draw_abuse("bulk_harvest", "tune", seed=1, position=0, instances=3)
    >>> s.split, s.timing != HOLDOUT["bulk_harvest"][0], s.prompts != "grammar"
    ('tune', True, True)
    >>> draw_abuse("bulk_harvest", "holdout", 1, 0, 3).split
    'holdout'
    >>> draw_abuse("hydra", "all", 1, 0, 3, {"timing": "drip"}).timing
    'drip'
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}")
    rng = random.Random(f"{seed}/structure/{split}/{family}/{position}")
    held_timing, held_prompts = HOLDOUT[family]
    slot = seed * max(instances, 1) + position
    timings = _order(tuple(t for t in TIMINGS if t != held_timing), f"t/{family}")
    styles = _order(tuple(p for p in PROMPT_STYLES if p != held_prompts), f"p/{family}")
    if split == "all":
        timings = _order(TIMINGS, f"t/{family}")
        styles = _order(PROMPT_STYLES, f"p/{family}")
    shift = random.Random(f"{seed}/shift/{family}").randrange(len(styles))
    values = {
        "timing": timings[slot % len(timings)],
        "prompts": styles[(position + shift) % len(styles)],
    }
    if split == "holdout":
        mode = (slot + shift) % 3  # 0: timing held out, 1: prompts held out, 2: both
        if mode != 1:
            values["timing"] = held_timing
        if mode != 0:
            values["prompts"] = held_prompts
    values.update(
        pacing="machine" if rng.random() < 0.7 else "poisson",
        infra=INFRAS[rng.randrange(len(INFRAS))],
        sharing="shared" if rng.random() < 0.5 else "own",
        user_agent=USER_AGENTS[rng.randrange(len(USER_AGENTS))],
        model=MODELS[rng.randrange(len(MODELS))],
        fields=draw_fields(rng),
    )
    pins = pins or {}
    values.update(pins)
    if split == "holdout":  # a pin off the held-out value: the other axis must be held out
        if values["timing"] != held_timing and "prompts" not in pins:
            values["prompts"] = held_prompts
        if values["prompts"] != held_prompts and "timing" not in pins:
            values["timing"] = held_timing
    if family in ("hydra", "swarm"):
        values["pacing"] = "rounds" if family == "hydra" else "quota"
    values.update(FIXED.get(family, {}))
    held = []
    if values["timing"] == held_timing:
        held.append("timing")
    if values["prompts"] == held_prompts:
        held.append("prompts")
    in_split = "holdout" if held else "tune"
    if split != "all" and in_split != split:
        pinned = ", ".join(f"{k}={v}" for k, v in sorted(pins.items()))
        raise ValueError(f"pins {pinned} put a {family} instance outside the {split} split")
    return Structure(
        timing=values["timing"],
        pacing=values["pacing"],
        infra=values["infra"],
        sharing=values["sharing"],
        user_agent=values["user_agent"],
        prompts=values["prompts"],
        model=values["model"],
        fields=values["fields"],
        split=in_split,
        held_out="+".join(held),
    )


def draw_benign(
    archetype: str, options: dict[str, tuple[str, ...]], seed: int, position: int
) -> Structure:
    """The structure of the ``position``-th benign key of ``archetype``.

    ``options`` lists the values the archetype can take per axis (an axis it does
    not list gets the archetype's only way, ``"-"``); ``fields`` is drawn with
    :func:`draw_fields`, the same as for abusive keys. Only :data:`HOLDOUT_BENIGN`
    is held out.

    >>> s = draw_benign("chat_app", {"timing": ("flat",)}, seed=1, position=0)
    >>> s.timing, s.infra, s.split
    ('flat', '-', 'tune')
    """
    rng = random.Random(f"{seed}/structure/benign/{archetype}/{position}")

    def pick(axis: str) -> str:
        values = options.get(axis, ("-",))
        return values[rng.randrange(len(values))]

    held = archetype == HOLDOUT_BENIGN
    timing, pacing, where, sharing, agent = (
        pick(axis) for axis in ("timing", "pacing", "infra", "sharing", "user_agent")
    )
    if where == "end_users":  # the app's end users call from their browsers
        agent = "browser"
    return Structure(
        timing=timing,
        pacing=pacing,
        infra=where,
        sharing=sharing,
        user_agent=agent,
        prompts=pick("prompts"),
        model=pick("model"),
        fields=draw_fields(rng),
        split="holdout" if held else "tune",
        held_out="archetype" if held else "",
    )
