//! Where a key's state lives in its four typed arrays: `detectors/state/layout.py`,
//! mirrored. `native_layout()` returns every constant the compiled path uses, by
//! the Python module and name it mirrors; tests/unit/test_native_build.py compares each
//! one with the Python value, so a counter added on one side only fails there, and
//! `detectors/native.py` runs pure Python (with a warning) when a build disagrees
//! with the Python layout or lexicon.
//!
//! Adding a counter: append its name to `COUNTER_NAMES` (and the unpacking below it)
//! in layout.py and here, with its `pub(crate) const` (appending keeps every other
//! index); count it in the reference (`detectors/state/keystate.py`) and, if the
//! per-event step counts it, in `keystate.rs` (`observe` or `add_prompt`); bump
//! `PROTOCOL` in lib.rs and `detectors/native.py`. The same for a `times` field or a
//! `bits` word. The parity tests then compare the arrays both ways.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::confusables::{CONFUSABLES, IGNORABLES, LATIN_LETTERS, LOOKALIKE_SCRIPTS, STYLED_LATIN};
use crate::engine::{EVENT_FIELDS, EXPIRY_EVERY, MILESTONES};
use crate::fingerprint::{
    BOTTOM_K, BYTES_PER_TOKEN, DEFAULT_WORD_KEY, IDENTIFIER_JOINERS, IDENTIFIER_MIN, ITEM_SAMPLE,
    LIMITS, NUMBER_MIN, PUNCTUATION, STOPWORDS,
};
use crate::lexicon::{CUE_GROUPS, LIMIT_CUES, MAX_CUE_GROUPS};
use crate::prompt_memory::{ANSWER_CLASSES, SAMPLE};
use crate::statistics::{MIN_SD, Z};

/// Per-window counters, in array order (`layout.COUNTER_NAMES`).
pub(crate) const COUNTER_NAMES: [&str; 27] = [
    "N",
    "CTOK",
    "ANS",
    "ANS2",
    "YLD",
    "YLD2",
    "CONT",
    "PLACEBO",
    "REASONED",
    "GAP_N",
    "GAP_SUM",
    "GAP_SQ",
    "NEW_IP",
    "NEW_UA",
    "FP",
    "CUE",
    "HIDDEN",
    "HIDDEN2",
    "REPEAT",
    "TRACKED",
    "SHARED",
    "SAMPLED",
    "SWEEP",
    "LIMIT",
    "HARVESTLIKE",
    "W2",
    "SAME_CONTEXT",
];
pub(crate) const N: usize = 0;
pub(crate) const CTOK: usize = 1;
pub(crate) const ANS: usize = 2;
pub(crate) const ANS2: usize = 3;
pub(crate) const YLD: usize = 4;
pub(crate) const YLD2: usize = 5;
pub(crate) const CONT: usize = 6;
pub(crate) const PLACEBO: usize = 7;
pub(crate) const REASONED: usize = 8;
pub(crate) const GAP_N: usize = 9;
pub(crate) const GAP_SUM: usize = 10;
pub(crate) const GAP_SQ: usize = 11;
pub(crate) const NEW_IP: usize = 12;
pub(crate) const NEW_UA: usize = 13;
pub(crate) const FP: usize = 14;
pub(crate) const CUE: usize = 15;
pub(crate) const HIDDEN: usize = 16;
pub(crate) const HIDDEN2: usize = 17;
pub(crate) const REPEAT: usize = 18;
pub(crate) const TRACKED: usize = 19;
pub(crate) const SHARED: usize = 20;
pub(crate) const SAMPLED: usize = 21;
pub(crate) const SWEEP: usize = 22;
pub(crate) const LIMIT: usize = 23;
pub(crate) const HARVESTLIKE: usize = 24;
pub(crate) const W2: usize = 25;
pub(crate) const SAME_CONTEXT: usize = 26;
pub(crate) const COUNTERS: usize = COUNTER_NAMES.len();

pub(crate) const HOUR: f64 = 3600.0;
pub(crate) const DAY: f64 = 86400.0;
pub(crate) const HORIZONS: [f64; 2] = [HOUR, DAY];
pub(crate) const WEEK: f64 = 7.0 * DAY;
pub(crate) const PROFILE_TAU: f64 = 7.0 * DAY;
pub(crate) const PROFILE: usize = COUNTERS * (1 + HORIZONS.len());
pub(crate) const RING: usize = 8;
pub(crate) const RING_START: usize = PROFILE + 24;
pub(crate) const FRAMES: usize = 6;
pub(crate) const FRAME_WEIGHTS: usize = RING_START + 3 * RING;
pub(crate) const VALUES_SIZE: usize = FRAME_WEIGHTS + FRAMES;

/// `times` fields (`layout.T_FIELDS`).
pub(crate) const T_FIELDS: [&str; 19] = [
    "FIRST_TS",
    "LAST_TS",
    "WINDOW_END",
    "FOLDED_TS",
    "SCORED_TS",
    "POP_TS",
    "TOTAL",
    "WINDOW_EVENTS",
    "ACTIVE_MASK",
    "MASK_HOUR",
    "STREAK_START",
    "DAY_INDEX",
    "RING_NEXT",
    "ITEM_NEXT",
    "LAST_SCORE",
    "ACCOUNT_CREATED",
    "ELEVATED_SINCE",
    "WEEK_N",
    "WEEK_HARVESTLIKE",
];
pub(crate) const FIRST_TS: usize = 0;
pub(crate) const LAST_TS: usize = 1;
pub(crate) const WINDOW_END: usize = 2;
pub(crate) const FOLDED_TS: usize = 3;
pub(crate) const TOTAL: usize = 6;
pub(crate) const WINDOW_EVENTS: usize = 7;
pub(crate) const ACTIVE_MASK: usize = 8;
pub(crate) const MASK_HOUR: usize = 9;
pub(crate) const STREAK_START: usize = 10;
pub(crate) const DAY_INDEX: usize = 11;
pub(crate) const RING_NEXT: usize = 12;
pub(crate) const ITEM_NEXT: usize = 13;
pub(crate) const ACCOUNT_CREATED: usize = 15;
pub(crate) const WEEK_N: usize = 17;
pub(crate) const WEEK_HARVESTLIKE: usize = 18;
pub(crate) const TIMES_SIZE: usize = T_FIELDS.len();

pub(crate) const IP_WORDS: usize = 4;
pub(crate) const IP_TODAY: usize = 0;
pub(crate) const IP_YESTERDAY: usize = IP_TODAY + IP_WORDS;
pub(crate) const IP_HISTORY: usize = IP_YESTERDAY + IP_WORDS;
pub(crate) const UA_TODAY: usize = IP_HISTORY + IP_WORDS;
pub(crate) const UA_YESTERDAY: usize = UA_TODAY + 1;
pub(crate) const UA_HISTORY: usize = UA_YESTERDAY + 1;
pub(crate) const MODEL_TODAY: usize = UA_HISTORY + 1;
pub(crate) const MODEL_YESTERDAY: usize = MODEL_TODAY + 1;
pub(crate) const TOPIC_WORDS: usize = 4;
pub(crate) const TOPIC_TODAY: usize = MODEL_YESTERDAY + 1;
pub(crate) const TOPIC_YESTERDAY: usize = TOPIC_TODAY + TOPIC_WORDS;
pub(crate) const FRAME_SIGS: usize = TOPIC_YESTERDAY + TOPIC_WORDS;
pub(crate) const CONTEXT_SLOTS: usize = 4;
pub(crate) const CONTEXT_BINS: f64 = 256.0;
pub(crate) const CONTEXT_RECENT: usize = FRAME_SIGS + FRAMES;
pub(crate) const BITS_SIZE: usize = CONTEXT_RECENT + 1;
pub(crate) const IP_PREFIX_BITS: usize = 64 * IP_WORDS;

pub(crate) const ITEMS: usize = 16;
pub(crate) const SKETCH: usize = 24;
pub(crate) const IDENTITIES: usize = 8;
pub(crate) const IDENTITY_WORDS: usize = 4;
pub(crate) const IDENTITY_FLOOR: u32 = 0x8000_0000;
pub(crate) const IDENTITY_MIN_WORDS: usize = 2;
pub(crate) const SKETCH_EMPTY: u32 = 0xFFFF_FFFF;
pub(crate) const TURN_SLACK: f64 = 256.0;
pub(crate) const TURN_MINUTES: f64 = 30.0;
pub(crate) const TURN_MIN_ANSWER: f64 = 32.0;
pub(crate) const TURN_NEW_SHARE: f64 = 0.5;
pub(crate) const TURN_CHARS_PER_TOKEN: usize = 4;
pub(crate) const HIDDEN_FLOOR: f64 = 32.0;
pub(crate) const CONTEXT_MATCH: u64 = 19;
pub(crate) const FRAME_MATCH: f64 = 0.5;

/// `detectors.attributes`: user agents and models map to one of this many bits.
pub(crate) const TEXT_BITS: u32 = 64;

/// Every constant above and those of the modules the compiled path mirrors, as
/// `{python module: {name: value}}` (the test compares each with the module's own).
#[pyfunction]
pub fn native_layout(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);

    let layout = PyDict::new(py);
    // Each index constant by its own name (what the code indexes with), so a constant
    // that drifted from its name's position in COUNTER_NAMES/T_FIELDS fails the test.
    macro_rules! by_name {
        ($($name:ident),* $(,)?) => {
            $(layout.set_item(stringify!($name), $name)?;)*
        };
    }
    by_name!(
        N,
        CTOK,
        ANS,
        ANS2,
        YLD,
        YLD2,
        CONT,
        PLACEBO,
        REASONED,
        GAP_N,
        GAP_SUM,
        GAP_SQ,
        NEW_IP,
        NEW_UA,
        FP,
        CUE,
        HIDDEN,
        HIDDEN2,
        REPEAT,
        TRACKED,
        SHARED,
        SAMPLED,
        SWEEP,
        LIMIT,
        HARVESTLIKE,
        W2,
        SAME_CONTEXT,
        FIRST_TS,
        LAST_TS,
        WINDOW_END,
        FOLDED_TS,
        TOTAL,
        WINDOW_EVENTS,
        ACTIVE_MASK,
        MASK_HOUR,
        STREAK_START,
        DAY_INDEX,
        RING_NEXT,
        ITEM_NEXT,
        ACCOUNT_CREATED,
        WEEK_N,
        WEEK_HARVESTLIKE,
    );
    layout.set_item("COUNTER_NAMES", COUNTER_NAMES.to_vec())?;
    layout.set_item("T_FIELDS", T_FIELDS.to_vec())?;
    for (name, value) in [
        ("COUNTERS", COUNTERS),
        ("PROFILE", PROFILE),
        ("RING", RING),
        ("RING_START", RING_START),
        ("FRAMES", FRAMES),
        ("FRAME_WEIGHTS", FRAME_WEIGHTS),
        ("CONTEXT_SLOTS", CONTEXT_SLOTS),
        ("CONTEXT_RECENT", CONTEXT_RECENT),
        ("CONTEXT_MATCH", CONTEXT_MATCH as usize),
        ("VALUES_SIZE", VALUES_SIZE),
        ("TIMES_SIZE", TIMES_SIZE),
        ("IP_WORDS", IP_WORDS),
        ("IP_TODAY", IP_TODAY),
        ("IP_YESTERDAY", IP_YESTERDAY),
        ("IP_HISTORY", IP_HISTORY),
        ("UA_TODAY", UA_TODAY),
        ("UA_YESTERDAY", UA_YESTERDAY),
        ("UA_HISTORY", UA_HISTORY),
        ("MODEL_TODAY", MODEL_TODAY),
        ("MODEL_YESTERDAY", MODEL_YESTERDAY),
        ("TOPIC_WORDS", TOPIC_WORDS),
        ("TOPIC_TODAY", TOPIC_TODAY),
        ("TOPIC_YESTERDAY", TOPIC_YESTERDAY),
        ("FRAME_SIGS", FRAME_SIGS),
        ("BITS_SIZE", BITS_SIZE),
        ("IP_PREFIX_BITS", IP_PREFIX_BITS),
        ("ITEMS", ITEMS),
        ("SKETCH", SKETCH),
        ("IDENTITIES", IDENTITIES),
        ("IDENTITY_WORDS", IDENTITY_WORDS),
        ("IDENTITY_MIN_WORDS", IDENTITY_MIN_WORDS),
        ("TURN_CHARS_PER_TOKEN", TURN_CHARS_PER_TOKEN),
    ] {
        layout.set_item(name, value)?;
    }
    layout.set_item("SKETCH_EMPTY", SKETCH_EMPTY)?;
    layout.set_item("IDENTITY_FLOOR", IDENTITY_FLOOR)?;
    for (name, value) in [
        ("HOUR", HOUR),
        ("DAY", DAY),
        ("PROFILE_TAU", PROFILE_TAU),
        ("TURN_SLACK", TURN_SLACK),
        ("TURN_MINUTES", TURN_MINUTES),
        ("TURN_MIN_ANSWER", TURN_MIN_ANSWER),
        ("TURN_NEW_SHARE", TURN_NEW_SHARE),
        ("WEEK", WEEK),
        ("HIDDEN_FLOOR", HIDDEN_FLOOR),
        ("CONTEXT_BINS", CONTEXT_BINS),
        ("FRAME_MATCH", FRAME_MATCH),
    ] {
        layout.set_item(name, value)?;
    }
    layout.set_item("HORIZONS", HORIZONS.to_vec())?;
    out.set_item("detectors.state.layout", layout)?;

    let fingerprints = PyDict::new(py);
    fingerprints.set_item("STOPWORDS", STOPWORDS.to_vec())?;
    fingerprints.set_item("PUNCTUATION", pyo3::types::PyBytes::new(py, PUNCTUATION))?;
    fingerprints.set_item("BOTTOM_K", BOTTOM_K)?;
    fingerprints.set_item("ITEM_SAMPLE", ITEM_SAMPLE)?;
    fingerprints.set_item("LIMITS", LIMITS)?;
    fingerprints.set_item("BYTES_PER_TOKEN", BYTES_PER_TOKEN)?;
    fingerprints.set_item("IDENTIFIER_MIN", IDENTIFIER_MIN)?;
    fingerprints.set_item("NUMBER_MIN", NUMBER_MIN)?;
    fingerprints.set_item(
        "IDENTIFIER_JOINERS",
        pyo3::types::PyBytes::new(py, IDENTIFIER_JOINERS),
    )?;
    fingerprints.set_item("DEFAULT_WORD_KEY", DEFAULT_WORD_KEY)?;
    out.set_item("detectors.fingerprints", fingerprints)?;

    let lexicon = PyDict::new(py);
    let groups: Vec<Vec<&str>> = CUE_GROUPS.iter().map(|g| g.to_vec()).collect();
    lexicon.set_item("CUE_GROUPS", groups)?;
    lexicon.set_item("LIMIT_CUES", LIMIT_CUES.to_vec())?;
    lexicon.set_item("MAX_CUE_GROUPS", MAX_CUE_GROUPS)?;
    let confusables = PyDict::new(py);
    for (from, to) in CONFUSABLES {
        confusables.set_item(from, to)?;
    }
    lexicon.set_item("CONFUSABLES", confusables)?;
    lexicon.set_item("IGNORABLES", IGNORABLES.to_vec())?;
    lexicon.set_item("LATIN_LETTERS", LATIN_LETTERS.to_vec())?;
    lexicon.set_item("LOOKALIKE_SCRIPTS", LOOKALIKE_SCRIPTS.to_vec())?;
    lexicon.set_item("STYLED_LATIN", STYLED_LATIN.to_vec())?;
    out.set_item("detectors.lexicon", lexicon)?;

    let memory = PyDict::new(py);
    memory.set_item("SAMPLE", SAMPLE)?;
    memory.set_item("ANSWER_CLASSES", ANSWER_CLASSES.to_vec())?;
    out.set_item("detectors.state.prompt_memory", memory)?;

    let attributes = PyDict::new(py);
    attributes.set_item("TEXT_BITS", TEXT_BITS)?;
    attributes.set_item("IP_PREFIX_BITS", IP_PREFIX_BITS)?;
    out.set_item("detectors.attributes", attributes)?;

    let engine = PyDict::new(py);
    engine.set_item("EXPIRY_EVERY", EXPIRY_EVERY)?;
    engine.set_item("MILESTONES", MILESTONES.to_vec())?;
    out.set_item("detectors.engine.engine", engine)?;

    let events = PyDict::new(py);
    events.set_item("EVENT_FIELDS", EVENT_FIELDS.to_vec())?;
    out.set_item("detectors.events", events)?;

    let statistics = PyDict::new(py);
    statistics.set_item("Z", Z)?;
    statistics.set_item("MIN_SD", MIN_SD)?;
    out.set_item("detectors.evidence.statistics", statistics)?;
    Ok(out)
}
