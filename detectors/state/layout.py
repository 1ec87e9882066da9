"""Where everything a key remembers lives in its four typed arrays.

A key's state is four flat arrays owned by Python (:class:`~detectors.state.KeyState`):

* ``values`` (``array('f')``): the open window's counters and their decayed sums
  at two horizons, ``[window | hour | day]`` of :data:`COUNTERS` each;
  the hour-of-day profile (24); the ring of recent requests used to recognise
  conversations (:data:`RING` entries of prompt tokens, completion tokens and
  minute); the weights of the frame clusters (:data:`FRAMES`).
* ``times`` (``array('d')``): event times and small integers (:data:`T_FIELDS`).
* ``bits`` (``array('Q')``): two-generation bitmaps of IP prefixes, user agents,
  models and topics (item hashes), the long-term IP and user-agent
  history, the frame clusters' signatures and the last few prompts' hidden-context
  sizes (:data:`CONTEXT_SLOTS`).
* ``items`` (``array('I')``, only for keys with prompt text): a ring of the item
  hashes of the latest prompts, which novelty is measured against, then the
  key's bottom-k sketch of prompt hashes (the :data:`SKETCH` smallest it ever
  sent, ascending), which repeats are counted against, then the :data:`IDENTITIES`
  smallest item identities it ever sent (ascending), which its summaries carry.

The compiled hot path (``native/``) reads and writes these arrays through the
buffer protocol with the same indices; ``native_layout()`` in Rust returns its
constants and a test compares every one with this module.
"""

from __future__ import annotations

__all__ = [
    "BITS_SIZE",
    "CONTEXT_SLOTS",
    "COUNTERS",
    "COUNTER_NAMES",
    "FRAMES",
    "HORIZONS",
    "IDENTITIES",
    "IDENTITY_FLOOR",
    "IDENTITY_MIN_WORDS",
    "IDENTITY_WORDS",
    "ITEMS",
    "PROFILE",
    "RING",
    "TIMES_SIZE",
    "VALUES_SIZE",
]

#: Per-window counters, in array order. Sums of logs (``ANS``, ``YLD``, ``HIDDEN``)
#: come with sums of squares, so a key's mean and spread are both known. ``ANS`` and
#: ``YLD`` weigh each request by what it delivered (``1 + delivered tokens``): a key is
#: judged on what it collects, and a thousand one-token fillers cannot dilute its
#: long answers (their total weight is ``N + CTOK``, their effective count
#: ``(N + CTOK)**2 / W2``).
COUNTER_NAMES: tuple[str, ...] = (
    "N",  # requests
    "CTOK",  # delivered output tokens (completion without hidden reasoning)
    "ANS",  # sum of w * log1p(delivered tokens per choice): answer length (w: WEIGHT)
    "ANS2",
    "YLD",  # sum of w * (log1p(delivered) - log1p(prompt)): output received per input
    "YLD2",
    "CONT",  # requests that continue a recent one (prompt = its prompt + its answer + a bit)
    "PLACEBO",  # the same test against a mismatched answer: what chance alone gives
    "REASONED",  # requests billed hidden reasoning tokens (a reasoning model)
    "GAP_N",  # inter-arrival gaps: count, sum, sum of squares
    "GAP_SUM",
    "GAP_SQ",
    "NEW_IP",  # requests from an IP prefix the key had not used before today
    "NEW_UA",  # same for user agents
    "FP",  # fingerprinted prompts (prompt text seen and sampled)
    "CUE",  # ... that touch at least one elicitation cue group
    "HIDDEN",  # sum of log(HIDDEN_FLOOR + prompt tokens beyond the visible prompt)
    "HIDDEN2",
    "REPEAT",  # tracked prompts this key sent before (its bottom-k sketch of prompts)
    "TRACKED",  # prompts whose hash falls in the range the sketch tracks
    "SHARED",  # sampled prompts other keys of the partition sent before, this one not
    "SAMPLED",  # prompts in the partition's sample (detectors.state.prompt_memory)
    "SWEEP",  # prompts in one of the key's frames with new items in it
    "LIMIT",  # prompts that constrain the answer (options, a label, a format)
    "HARVESTLIKE",  # requests whose own output per input and answer length are far up
    "W2",  # sum of squared weights: the effective request count of ANS and YLD
    "SAME_CONTEXT",  # prompts whose hidden context is the size of one of the last few
)
COUNTERS = len(COUNTER_NAMES)
(
    N, CTOK, ANS, ANS2, YLD, YLD2, CONT, PLACEBO, REASONED, GAP_N, GAP_SUM, GAP_SQ, NEW_IP,
    NEW_UA, FP, CUE, HIDDEN, HIDDEN2, REPEAT, TRACKED, SHARED, SAMPLED, SWEEP, LIMIT,
    HARVESTLIKE, W2, SAME_CONTEXT,
) = range(COUNTERS)  # fmt: skip

HOUR = 3600.0
DAY = 86400.0
#: Decay time of each horizon's sums (hour, day). The week keeps only its request and
#: harvest-like counts, in ``times`` (``WEEK_N``, ``WEEK_HARVESTLIKE``).
HORIZONS: tuple[float, ...] = (HOUR, DAY)
WEEK = 7 * DAY
#: Decay time of the hour-of-day profile.
PROFILE_TAU = 7 * DAY
#: Where the hour-of-day profile starts in ``values``.
PROFILE = COUNTERS * (1 + len(HORIZONS))
#: Recent requests remembered to recognise conversation turns.
RING = 8
RING_START = PROFILE + 24
#: Frame clusters per key (prompt templates or shared instruction wording).
FRAMES = 6
FRAME_WEIGHTS = RING_START + 3 * RING
VALUES_SIZE = FRAME_WEIGHTS + FRAMES

#: ``times`` fields (doubles: event times, and integers below 2**53).
T_FIELDS: tuple[str, ...] = (
    "FIRST_TS",  # first event time
    "LAST_TS",  # latest event time
    "WINDOW_END",  # end of the open window
    "FOLDED_TS",  # when the sums were last decayed
    "SCORED_TS",  # when the key was last scored
    "POP_TS",  # when the key last taught the population scales
    "TOTAL",  # events ever
    "WINDOW_EVENTS",  # events in the open window
    "ACTIVE_MASK",  # bit i: active i hours before MASK_HOUR (24 bits)
    "MASK_HOUR",
    "STREAK_START",  # first hour of the current run of active hours
    "DAY_INDEX",  # day of the bitmaps' "today" generation
    "RING_NEXT",  # next slot of the request ring
    "ITEM_NEXT",  # next slot of the item ring
    "LAST_SCORE",  # the key's latest score (scored again sooner while it is high)
    "ACCOUNT_CREATED",  # when its account was opened, from the events (inf: unknown)
    "ELEVATED_SINCE",  # since when its core evidence has stayed high (inf: it has not)
    "WEEK_N",  # requests, decayed over a week (folded windows)
    "WEEK_HARVESTLIKE",  # harvest-like requests, decayed over a week
)
TIMES_SIZE = len(T_FIELDS)
(
    FIRST_TS, LAST_TS, WINDOW_END, FOLDED_TS, SCORED_TS, POP_TS, TOTAL, WINDOW_EVENTS,
    ACTIVE_MASK, MASK_HOUR, STREAK_START, DAY_INDEX, RING_NEXT, ITEM_NEXT, LAST_SCORE,
    ACCOUNT_CREATED, ELEVATED_SINCE, WEEK_N, WEEK_HARVESTLIKE,
) = range(TIMES_SIZE)  # fmt: skip

#: ``bits`` words: (name, first word, words per generation, generations).
IP_WORDS = 4  # 256-bit bitmap of /24 (IPv6 /48) prefixes
IP_TODAY = 0
IP_YESTERDAY = IP_TODAY + IP_WORDS
IP_HISTORY = IP_YESTERDAY + IP_WORDS
UA_TODAY = IP_HISTORY + IP_WORDS
UA_YESTERDAY = UA_TODAY + 1
UA_HISTORY = UA_YESTERDAY + 1
MODEL_TODAY = UA_HISTORY + 1
MODEL_YESTERDAY = MODEL_TODAY + 1
TOPIC_WORDS = 4  # 256-bit bitmap of the prompts' item hashes: what the key asks about
TOPIC_TODAY = MODEL_YESTERDAY + 1
TOPIC_YESTERDAY = TOPIC_TODAY + TOPIC_WORDS
FRAME_SIGS = TOPIC_YESTERDAY + TOPIC_WORDS
#: The hidden-context sizes of the key's last :data:`CONTEXT_SLOTS` prompts, in one
#: word: 16 bits each, newest lowest, as ``floor(log size * CONTEXT_BINS + 0.5)``
#: (the log ``HIDDEN`` counts; 0 marks an empty slot, a real size is never below
#: ``log(HIDDEN_FLOOR) * CONTEXT_BINS``). Packed so a key pays 8 bytes for them.
CONTEXT_SLOTS = 4
CONTEXT_BINS = 256.0
CONTEXT_RECENT = FRAME_SIGS + FRAMES
BITS_SIZE = CONTEXT_RECENT + 1
IP_PREFIX_BITS = 64 * IP_WORDS

#: Item hashes remembered for novelty (``items`` ring: the last two prompts' items).
ITEMS = 16
#: Prompt hashes in the key's bottom-k sketch (after the ring in ``items``).
SKETCH = 24
#: Item identities in the key's second bottom-k sketch (after the prompt sketch): what
#: the campaign stage compares to tell keys running *the same* items (a public
#: benchmark behind each lab's own harness) from keys splitting one task space.
IDENTITIES = 8
#: An item's identity is the hash of its prompt's largest (keyed) content words that
#: the key's previous two prompts did not also hold, at most :data:`IDENTITY_WORDS` of
#: them, and only words hashed at or above :data:`IDENTITY_FLOOR`: a harness's
#: instructions recur in every prompt and drop out, and which of the item's own words
#: are sampled does not depend on how many of the harness's words outrank them (a
#: threshold sample, not a top-k one: the prompt's 8 largest words hold every word
#: above the floor unless it has more than about 16 content words). Items with fewer
#: than :data:`IDENTITY_MIN_WORDS` such words get none (one word is too common a name).
IDENTITY_WORDS = 4
IDENTITY_FLOOR = 0x80000000
IDENTITY_MIN_WORDS = 2
#: An empty sketch slot (hashes are clamped below it).
SKETCH_EMPTY = 0xFFFFFFFF
#: A request continues one of the ring's when its prompt is that request's prompt plus
#: its answer plus at most this many tokens (the next user message).
TURN_SLACK = 256.0
#: ... and comes within this many minutes of it.
TURN_MINUTES = 30.0
#: With prompt text, a continuation also carries the new message: at least this share
#: of the visible prompt's estimated tokens (characters / ``BYTES_PER_TOKEN``, which
#: undercounts scripts with more tokens than four characters) beyond the previous
#: exchange, and the window widens by the whole estimate. A short prompt after a short
#: exchange then cannot pass for a follow-up by its size alone (one carrying a system
#: prompt of about the exchange's size still can: sizes are all the test reads).
TURN_NEW_SHARE = 0.5
#: Characters of prompt text per estimated token, for the turn test.
TURN_CHARS_PER_TOKEN = 4
#: Only a request that delivered at least this many tokens can be a previous turn: a
#: conversation carries answers back, and a ping's or a rejected request's few tokens
#: would let every short prompt after it pass for a follow-up.
TURN_MIN_ANSWER = 32.0
#: Added to the hidden-context tokens before their log: the visible prompt's token
#: count is an estimate, and a few tokens of error near zero must not read as spread.
HIDDEN_FLOOR = 32.0
#: A prompt's hidden context is "the same" as a recent one's within this much of its
#: log size (about 8 %): a few fixed system prompts (personas rotated per request, a
#: product's per-tool templates) recur; history and retrieved passages rarely land so
#: close to one of the last ``CONTEXT_SLOTS`` sizes by chance.
CONTEXT_MATCH = 19  # in 1/CONTEXT_BINS of log size: 0.074
#: A frame cluster absorbs a prompt whose signature shares this much with it.
FRAME_MATCH = 0.5
