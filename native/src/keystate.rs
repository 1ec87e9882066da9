//! `detectors.features.KeyState.add`, compiled: count one event into a key's open window.
//!
//! The state stays a Python `KeyState` (its fold, features, pickling and tests are
//! unchanged); this function does the per-event counting on its arrays and slots.
//! Anything outside the fast path's exact range (an int past 2**53, a key's first
//! fingerprint, a non-tuple event) is handed to `KeyState.add` itself, so the
//! results are always the reference's.

use std::mem::MaybeUninit;

use pyo3::exceptions::PyBufferError;
use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;

use crate::slots::{Slot, Slots};
use pyo3::types::{PyDict, PyTuple};

// Indices of the per-window counters (`detectors.features`).
const N: usize = 0;
const PTOK: usize = 1;
const CTOK: usize = 2;
const RTOK: usize = 3;
const MULTI: usize = 4;
const CAPPED: usize = 5;
const HIMAX: usize = 6;
const ERR: usize = 7;
const THROTTLED: usize = 8;
const FP: usize = 9;
const TEMPLATE: usize = 10;
const REASONING: usize = 11;
const NEW_IP: usize = 12;
const NEW_UA: usize = 13;
const GAP_N: usize = 14;
const GAP_SUM: usize = 15;
const GAP_SQ: usize = 16;
const REASONED_CTOK: usize = 17;
const COUNTERS: usize = 18;
const HIGH_MAX_TOKENS: i64 = 4000;
const MAX_TEMPLATES: usize = 6;
const TEMPLATE_MATCH: f64 = 0.5;
// `detectors.events.Event` field positions (a test checks them against `Event._fields`).
const EVENT_FIELDS: [&str; 18] = [
    "ts",
    "api_key_id",
    "prompt_tokens",
    "completion_tokens",
    "request_id",
    "account_id",
    "model",
    "endpoint",
    "status",
    "latency_ms",
    "reasoning_tokens",
    "n",
    "temperature",
    "max_tokens",
    "client_ip",
    "user_agent",
    "system_prompt_hash",
    "prompt_text",
];
const TS: usize = 0;
const PROMPT_TOKENS: usize = 2;
const COMPLETION_TOKENS: usize = 3;
const STATUS: usize = 8;
const REASONING_TOKENS: usize = 10;
const SAMPLES: usize = 11;
const TEMPERATURE: usize = 12;
const MAX_TOKENS: usize = 13;
/// Ints up to this convert to f64 exactly, so f64 arithmetic equals Python's int/float mix.
const EXACT: i64 = 1 << 53;

/// The constants this module was compiled with, for the test that compares them.
#[pyfunction]
pub fn keystate_layout(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let layout = PyDict::new(py);
    for (name, value) in [
        ("N", N),
        ("PTOK", PTOK),
        ("CTOK", CTOK),
        ("RTOK", RTOK),
        ("MULTI", MULTI),
        ("CAPPED", CAPPED),
        ("HIMAX", HIMAX),
        ("ERR", ERR),
        ("THROTTLED", THROTTLED),
        ("FP", FP),
        ("TEMPLATE", TEMPLATE),
        ("REASONING", REASONING),
        ("NEW_IP", NEW_IP),
        ("NEW_UA", NEW_UA),
        ("GAP_N", GAP_N),
        ("GAP_SUM", GAP_SUM),
        ("GAP_SQ", GAP_SQ),
        ("REASONED_CTOK", REASONED_CTOK),
        ("COUNTERS", COUNTERS),
        ("MAX_TEMPLATES", MAX_TEMPLATES),
    ] {
        layout.set_item(name, value)?;
    }
    layout.set_item("HIGH_MAX_TOKENS", HIGH_MAX_TOKENS)?;
    layout.set_item("TEMPLATE_MATCH", TEMPLATE_MATCH)?;
    layout.set_item("EVENT_FIELDS", EVENT_FIELDS.to_vec())?;
    Ok(layout)
}

/// An event's numeric fields, read before anything is written (so a fallback is clean).
struct Numbers {
    ts: f64,
    prompt_tokens: i64,
    completion_tokens: i64,
    reasoning_tokens: i64,
    samples: i64,
    max_tokens: Option<i64>,
    status: i64,
    temperature_bit: Option<u32>,
}

fn exact_int(value: &Bound<'_, PyAny>) -> Option<i64> {
    let v: i64 = value.extract().ok()?;
    (-EXACT < v && v < EXACT).then_some(v)
}

fn read_numbers(event: &Bound<'_, PyTuple>) -> Option<Numbers> {
    if event.len() != EVENT_FIELDS.len() {
        return None;
    }
    let item = |i: usize| event.get_item(i).ok();
    let max_tokens = item(MAX_TOKENS)?;
    let temperature = item(TEMPERATURE)?;
    let temperature_bit = if temperature.is_none() {
        None
    } else {
        let scaled = temperature.extract::<f64>().ok()? * 20.0;
        // int(t * 20) & 63 for the finite, non-negative temperatures the parser lets in.
        if !(scaled.is_finite() && (0.0..EXACT as f64).contains(&scaled)) {
            return None;
        }
        Some(((scaled as i64) & 63) as u32)
    };
    Some(Numbers {
        ts: item(TS)?.extract::<f64>().ok()?,
        prompt_tokens: exact_int(&item(PROMPT_TOKENS)?)?,
        completion_tokens: exact_int(&item(COMPLETION_TOKENS)?)?,
        reasoning_tokens: exact_int(&item(REASONING_TOKENS)?)?,
        samples: exact_int(&item(SAMPLES)?)?,
        max_tokens: if max_tokens.is_none() {
            None
        } else {
            Some(exact_int(&max_tokens)?)
        },
        status: exact_int(&item(STATUS)?)?,
        temperature_bit,
    })
}

/// A writable view of an `array.array`'s items, released on drop.
struct View<T> {
    view: ffi::Py_buffer,
    _item: std::marker::PhantomData<T>,
}

impl<T> View<T> {
    fn new(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let mut view = MaybeUninit::<ffi::Py_buffer>::uninit();
        // SAFETY: a successful PyObject_GetBuffer fills the view; it is released in Drop.
        let view = unsafe {
            if ffi::PyObject_GetBuffer(obj.as_ptr(), view.as_mut_ptr(), ffi::PyBUF_WRITABLE) != 0 {
                return Err(PyErr::fetch(obj.py()));
            }
            view.assume_init()
        };
        let me = View {
            view,
            _item: std::marker::PhantomData,
        };
        if me.view.itemsize as usize != std::mem::size_of::<T>() {
            return Err(PyBufferError::new_err("unexpected array item size"));
        }
        Ok(me)
    }

    fn slice(&mut self) -> &mut [T] {
        let len = self.view.len as usize / std::mem::size_of::<T>();
        // SAFETY: the exporter keeps `buf` valid and unresized while the view is held.
        unsafe { std::slice::from_raw_parts_mut(self.view.buf as *mut T, len) }
    }
}

impl<T> Drop for View<T> {
    fn drop(&mut self) {
        // SAFETY: acquired in `new`; the GIL is held by every caller.
        unsafe { ffi::PyBuffer_Release(&mut self.view) }
    }
}

#[inline]
fn bump(w: &mut [f32], i: usize, by: f64) {
    // Python reads the float32, adds in double, stores float32 again: do the same.
    w[i] = (f64::from(w[i]) + by) as f32;
}

/// `state.add(event, fp, ip_bit, ua_bit, model_bit)`, compiled where exact.
#[pyfunction]
#[pyo3(signature = (state, event, fp, ip_bit=None, ua_bit=None, model_bit=None))]
pub fn add_event(
    py: Python<'_>,
    state: &Bound<'_, PyAny>,
    event: &Bound<'_, PyAny>,
    fp: &Bound<'_, PyAny>,
    ip_bit: Option<&Bound<'_, PyAny>>,
    ua_bit: Option<&Bound<'_, PyAny>>,
    model_bit: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let bits = [ip_bit, ua_bit, model_bit];
    add_event_with(py, &Slots::by_name(), state, event, fp, bits)
}

/// [`add_event`], reading and writing the state's slots through `slots`.
pub(crate) fn add_event_with(
    py: Python<'_>,
    slots: &Slots,
    state: &Bound<'_, PyAny>,
    event: &Bound<'_, PyAny>,
    fp: &Bound<'_, PyAny>,
    [ip_bit, ua_bit, model_bit]: [Option<&Bound<'_, PyAny>>; 3],
) -> PyResult<()> {
    let fallback =
        || state.call_method1(intern!(py, "add"), (event, fp, ip_bit, ua_bit, model_bit));
    let Ok(tuple) = event.cast::<PyTuple>() else {
        fallback()?;
        return Ok(());
    };
    let Some(e) = read_numbers(tuple) else {
        fallback()?;
        return Ok(());
    };
    let fingerprint = if fp.is_none() {
        None
    } else {
        let clusters = slots.get(state, Slot::Clusters)?;
        if clusters.is_none() {
            // A key's first fingerprint allocates its template arrays: the reference does that.
            fallback()?;
            return Ok(());
        }
        let fields = fp.cast::<PyTuple>()?;
        let signature: u64 = fields.get_item(0)?.extract()?;
        Some((
            signature,
            fields.get_item(1)?,
            fields.get_item(2)?.is_truthy()?,
            clusters,
        ))
    };

    let mut values = View::<f32>::new(&slots.get(state, Slot::Values)?)?;
    let w = values.slice();
    bump(w, N, 1.0);
    bump(w, PTOK, e.prompt_tokens as f64);
    bump(w, CTOK, e.completion_tokens as f64);
    if e.reasoning_tokens != 0 {
        bump(w, RTOK, e.reasoning_tokens as f64);
    }
    if e.samples > 1 {
        bump(w, MULTI, 1.0);
    }
    if let Some(max_tokens) = e.max_tokens {
        if e.completion_tokens as f64 >= 0.95 * max_tokens as f64 {
            bump(w, CAPPED, 1.0);
        }
        if max_tokens >= HIGH_MAX_TOKENS {
            bump(w, HIMAX, 1.0);
        }
    }
    if e.status >= 400 {
        bump(w, ERR, 1.0);
        if e.status == 429 {
            bump(w, THROTTLED, 1.0);
        }
    }
    let last_ts: f64 = slots.get(state, Slot::LastTs)?.extract()?;
    let total_events: i64 = slots.get(state, Slot::TotalEvents)?.extract()?;
    let gap = e.ts - last_ts;
    if gap >= 0.0 {
        if total_events != 0 {
            bump(w, GAP_N, 1.0);
            bump(w, GAP_SUM, gap);
            bump(w, GAP_SQ, gap * gap);
        }
        // The event's own float object, as the reference stores it (pickles alike).
        slots.set(state, Slot::LastTs, tuple.get_item(TS)?)?;
    }
    slots.set(
        state,
        Slot::TotalEvents,
        (total_events + 1).into_pyobject(py)?.into_any(),
    )?;
    let window_events: i64 = slots.get(state, Slot::WindowEvents)?.extract()?;
    slots.set(
        state,
        Slot::WindowEvents,
        (window_events + 1).into_pyobject(py)?.into_any(),
    )?;
    if let Some(bit) = truthy(ip_bit)? {
        if or_bit(slots, state, Slot::IpBits, Slot::IpHistory, bit)? {
            bump(w, NEW_IP, 1.0);
        }
    }
    if let Some(bit) = truthy(ua_bit)? {
        if or_bit(slots, state, Slot::UaBits, Slot::UaHistory, bit)? {
            bump(w, NEW_UA, 1.0);
        }
    }
    if let Some(bit) = truthy(model_bit)? {
        let bits = slots.get(state, Slot::ModelBits)?;
        slots.set(state, Slot::ModelBits, bits.bitor(bit)?)?;
    }
    if let Some(shift) = e.temperature_bit {
        let bits = slots.get(state, Slot::TemperatureBits)?;
        slots.set(state, Slot::TemperatureBits, bits.bitor(1u64 << shift)?)?;
    }
    if let Some((signature, vocab_bits, asks_reasoning, clusters)) = fingerprint {
        bump(w, FP, 1.0);
        if asks_reasoning {
            bump(w, REASONING, 1.0);
            bump(w, REASONED_CTOK, e.completion_tokens as f64);
        }
        let vocab = slots.get(state, Slot::VocabBits)?;
        slots.set(state, Slot::VocabBits, vocab.bitor(&vocab_bits)?)?;
        let mut clusters = View::<u64>::new(&clusters)?;
        let mut weights = View::<f32>::new(&slots.get(state, Slot::ClusterWeights)?)?;
        if match_template(clusters.slice(), weights.slice(), signature) {
            bump(w, TEMPLATE, 1.0);
        }
    }
    Ok(())
}

/// The bit when it is given and not 0 (`if ip_bit:` in the reference).
fn truthy<'a, 'py>(bit: Option<&'a Bound<'py, PyAny>>) -> PyResult<Option<&'a Bound<'py, PyAny>>> {
    match bit {
        Some(b) if b.is_truthy()? => Ok(Some(b)),
        _ => Ok(None),
    }
}

/// `bits |= bit`; true when the key has a history and the bit is new to it.
fn or_bit(
    slots: &Slots,
    state: &Bound<'_, PyAny>,
    bits_slot: Slot,
    history_slot: Slot,
    bit: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let bits = slots.get(state, bits_slot)?;
    slots.set(state, bits_slot, bits.bitor(bit)?)?;
    let history = slots.get(state, history_slot)?;
    Ok(history.is_truthy()? && !history.bitand(bit)?.is_truthy()?)
}

/// `KeyState._add_fingerprint`'s cluster step; true when the prompt matched a template.
fn match_template(clusters: &mut [u64], weights: &mut [f32], signature: u64) -> bool {
    let slots = MAX_TEMPLATES.min(clusters.len()).min(weights.len());
    if let Some(i) = clusters[..slots].iter().position(|&c| c == signature) {
        if weights[i] > 0.0 {
            weights[i] = (f64::from(weights[i]) + 1.0) as f32;
            return true;
        }
    }
    let (mut best, mut best_sim, mut empty) = (None, 0.0f64, None);
    for i in 0..slots {
        if weights[i] == 0.0 {
            empty = empty.or(Some(i));
            continue;
        }
        let union = (clusters[i] | signature).count_ones();
        let sim = if union != 0 {
            f64::from((clusters[i] & signature).count_ones()) / f64::from(union)
        } else {
            0.0
        };
        if sim > best_sim {
            best = Some(i);
            best_sim = sim;
        }
    }
    if let Some(i) = best.filter(|_| best_sim >= TEMPLATE_MATCH) {
        weights[i] = (f64::from(weights[i]) + 1.0) as f32;
        return true;
    }
    // A new cluster takes a free slot, else the lightest (the first of equals, as min()).
    let slot = empty.unwrap_or_else(|| {
        (0..slots).fold(0, |lightest, i| {
            if weights[i] < weights[lightest] {
                i
            } else {
                lightest
            }
        })
    });
    clusters[slot] = signature;
    weights[slot] = 1.0;
    false
}

const HORIZONS: [f64; 3] = [3600.0, 86400.0, 7.0 * 86400.0];
const PROFILE: usize = COUNTERS * (1 + HORIZONS.len());
const PROFILE_TAU: f64 = 7.0 * 86400.0;

/// `detectors.features._fold_values`: decay the horizons and the hour-of-day profile,
/// add the closed window to them, and clear the window's counters.
#[pyfunction]
pub fn fold_values(values: &Bound<'_, PyAny>, elapsed: f64, slot: usize) -> PyResult<()> {
    let mut view = View::<f32>::new(values)?;
    let v = view.slice();
    if v.len() < PROFILE + 24 || slot >= 24 {
        return Err(PyBufferError::new_err("not a KeyState value array"));
    }
    for (h, horizon) in HORIZONS.iter().enumerate() {
        let decay = (-elapsed / horizon).exp();
        let base = COUNTERS * (h + 1);
        for i in 0..COUNTERS {
            v[base + i] = (f64::from(v[base + i]) * decay + f64::from(v[i])) as f32;
        }
    }
    let events = f64::from(v[N]);
    if events != 0.0 {
        let decay = (-elapsed / PROFILE_TAU).exp();
        for value in &mut v[PROFILE..PROFILE + 24] {
            *value = (f64::from(*value) * decay) as f32;
        }
        bump(v, PROFILE + slot, events);
    }
    v[..COUNTERS].fill(0.0);
    Ok(())
}

/// `KeyState.templates`: the cluster signatures whose weight is at least `min_weight`.
#[pyfunction]
pub fn templates<'py>(
    clusters: &Bound<'py, PyAny>,
    weights: &Bound<'py, PyAny>,
    min_weight: f64,
) -> PyResult<Bound<'py, PyTuple>> {
    let mut clusters_view = View::<u64>::new(clusters)?;
    let mut weights_view = View::<f32>::new(weights)?;
    let (signatures, weights_of) = (clusters_view.slice(), weights_view.slice());
    if signatures.len() != weights_of.len() {
        return Err(PyBufferError::new_err(
            "clusters and weights differ in length",
        ));
    }
    let kept: Vec<u64> = signatures
        .iter()
        .zip(weights_of.iter())
        .filter(|(_, &w)| f64::from(w) >= min_weight)
        .map(|(&c, _)| c)
        .collect();
    PyTuple::new(clusters.py(), kept)
}
