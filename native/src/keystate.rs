//! `detectors.state.keystate`, compiled: count one event into a key's four arrays
//! (`KeyState.add`: `observe`, `_add_prompt`, `_track`, `_add_frame`).
//!
//! The state stays the Python `KeyState`: this code reads its public attributes
//! (`values`, `times`, `bits`, `items`) and their memory through the buffer
//! protocol, and writes through `Cell`s. Python reads a float32 item as a double,
//! computes in doubles and stores float32 again; so does this code, so both leave
//! the same bytes. Anything outside the exact range (an int past 2**53, a negative
//! count) is left to the
//! Python reference, which then does exactly what it always does (raise included).

use std::cell::Cell;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::layout::*;
use crate::prompt_memory::mix64;
use crate::request::{Request, EXACT};

/// `fingerprints.PromptFingerprint`'s fields, borrowed.
pub(crate) struct Prompt<'a> {
    pub(crate) signature: u64,
    pub(crate) items: &'a [u32],
    pub(crate) cues: u32,
    pub(crate) exact: u32,
    pub(crate) tokens: i64,
}

/// A key's arrays, held through the buffer protocol for one call.
pub(crate) struct Buffers {
    values: PyBuffer<f32>,
    times: PyBuffer<f64>,
    bits: PyBuffer<u64>,
}

/// Writable views of a key's arrays.
pub(crate) struct Arrays<'a> {
    pub(crate) values: &'a [Cell<f32>],
    pub(crate) times: &'a [Cell<f64>],
    pub(crate) bits: &'a [Cell<u64>],
}

impl Buffers {
    /// The arrays of a `KeyState` (its public attributes), or an error: not its arrays.
    pub(crate) fn of(state: &Bound<'_, PyAny>) -> PyResult<Buffers> {
        let py = state.py();
        Ok(Buffers {
            values: PyBuffer::get(&state.getattr(intern!(py, "values"))?)?,
            times: PyBuffer::get(&state.getattr(intern!(py, "times"))?)?,
            bits: PyBuffer::get(&state.getattr(intern!(py, "bits"))?)?,
        })
    }

    pub(crate) fn arrays<'a>(&'a self, py: Python<'a>) -> PyResult<Arrays<'a>> {
        let values = self.values.as_mut_slice(py);
        let times = self.times.as_mut_slice(py);
        let bits = self.bits.as_mut_slice(py);
        match (values, times, bits) {
            (Some(values), Some(times), Some(bits))
                if values.len() == VALUES_SIZE
                    && times.len() == TIMES_SIZE
                    && bits.len() == BITS_SIZE =>
            {
                Ok(Arrays {
                    values,
                    times,
                    bits,
                })
            }
            _ => Err(PyBufferError::new_err("not a KeyState's arrays")),
        }
    }

    pub(crate) fn release(self, py: Python<'_>) {
        self.values.release(py);
        self.times.release(py);
        self.bits.release(py);
    }
}

/// The key's item ring and prompt sketch (`KeyState.items`, made on its first prompt).
pub(crate) fn items_buffer(state: &Bound<'_, PyAny>) -> PyResult<PyBuffer<u32>> {
    let py = state.py();
    let mut items = state.getattr(intern!(py, "items"))?;
    if items.is_none() {
        items = state.call_method0(intern!(py, "prompt_items"))?;
    }
    PyBuffer::get(&items)
}

pub(crate) fn ring_of<'a>(buffer: &'a PyBuffer<u32>, py: Python<'a>) -> PyResult<&'a [Cell<u32>]> {
    match buffer.as_mut_slice(py) {
        Some(ring) if ring.len() == ITEMS + SKETCH + IDENTITIES => Ok(ring),
        _ => Err(PyBufferError::new_err("not a KeyState's item ring")),
    }
}

#[inline]
/// `observe.typical_answer`: the key's output-weighted typical answer (tokens).
fn typical_answer(v: &[Cell<f32>]) -> f64 {
    let read = |i: usize| f64::from(v[i].get());
    let day = COUNTERS * 2;
    let weight = read(N) + read(CTOK) + read(day + N) + read(day + CTOK);
    if weight <= 0.0 {
        return 0.0;
    }
    ((read(ANS) + read(day + ANS)) / weight).exp_m1()
}

/// `observe.carried_weight`: a continuation counts by the answer it carries back.
fn carried_weight(answer: f64, typical: f64) -> f64 {
    if typical <= answer {
        1.0
    } else {
        answer / typical
    }
}

pub(crate) fn bump(v: &[Cell<f32>], i: usize, by: f64) {
    // Python reads the float32, adds in double, stores float32 again: do the same.
    v[i].set((f64::from(v[i].get()) + by) as f32);
}

#[inline]
fn or_bits(b: &[Cell<u64>], i: usize, bit: u64) {
    b[i].set(b[i].get() | bit);
}

/// Whether `value` is a whole number in `0..bound` (a ring position as Python indexes it).
fn position(value: f64, bound: usize) -> bool {
    value >= 0.0 && value < bound as f64 && value.fract() == 0.0
}

impl Arrays<'_> {
    /// Whether the ring positions are ones the reference would use as they are. Only a
    /// forged or damaged state fails this; the reference then runs (and raises or
    /// wraps as Python indexing does), so this code never indexes out of bounds.
    pub(crate) fn sane(&self) -> bool {
        position(self.times[RING_NEXT].get(), RING) && position(self.times[ITEM_NEXT].get(), ITEMS)
    }

    /// `KeyState.add` but for the prompt (`observe`, harvest-like, account age); true
    /// when the request continues a conversation (its prompt is then no repeat).
    pub(crate) fn add_request(
        &self,
        e: &Request,
        ip_bit: i64,
        ua_bit: i64,
        model_bit: i64,
        harvestlike: bool,
    ) -> bool {
        let turn = self.observe(e, ip_bit, ua_bit, model_bit);
        if harvestlike {
            bump(self.values, HARVESTLIKE, 1.0);
        }
        if let Some(created) = e.account_created {
            let t = &self.times[ACCOUNT_CREATED];
            if created < t.get() {
                t.set(created);
            }
        }
        turn
    }

    /// `observe.observe`: the metadata part of an event; true when it was a turn.
    fn observe(&self, e: &Request, ip_bit: i64, ua_bit: i64, model_bit: i64) -> bool {
        let (v, t, b) = (self.values, self.times, self.bits);
        let p = e.prompt_tokens as f64;
        let c = e.delivered();
        let per_choice = c / e.n as f64;
        let ans = per_choice.ln_1p();
        let lp = p.ln_1p();
        let yld = c.ln_1p() - lp;
        // Weighted by what was delivered (see the reference).
        let w = 1.0 + c;
        bump(v, N, 1.0);
        bump(v, CTOK, c);
        bump(v, ANS, w * ans);
        bump(v, ANS2, w * ans * ans);
        bump(v, YLD, w * yld);
        bump(v, YLD2, w * yld * yld);
        bump(v, W2, w * w);
        if e.reasoning_tokens != 0 {
            bump(v, REASONED, 1.0);
        }
        // Conversation turns, and the placebo that pairs each prompt with the next
        // slot's answer (see the reference).
        let first = t[TOTAL].get() == 0.0;
        let minute = (e.ts - t[FIRST_TS].get()) / 60.0;
        let (mut cont, mut placebo) = (0.0f64, 0.0f64);
        let low = TURN_NEW_SHARE * e.visible;
        let high = TURN_SLACK + e.visible;
        let read = |i: usize| f64::from(v[i].get());
        // Read on the first match only: most requests continue nothing.
        let mut typical = -1.0f64;
        for j in 0..RING {
            let at = RING_START + 3 * j;
            let base_p = read(at);
            if base_p == 0.0 || minute - read(at + 2) > TURN_MINUTES {
                continue;
            }
            let base = base_p + read(at + 1);
            if base + low <= p && p <= base + high {
                if typical < 0.0 {
                    typical = typical_answer(v);
                }
                cont = cont.max(carried_weight(read(at + 1), typical));
            }
            let other = RING_START + 3 * ((j + 1) % RING);
            let wrong = base_p + read(other + 1);
            if read(other) != 0.0 && wrong != base && wrong + low <= p && p <= wrong + high {
                if typical < 0.0 {
                    typical = typical_answer(v);
                }
                placebo = placebo.max(carried_weight(read(other + 1), typical));
            }
        }
        if cont != 0.0 {
            bump(v, CONT, cont);
        }
        if placebo != 0.0 {
            bump(v, PLACEBO, placebo);
        }
        // One choice's answer: a conversation goes on from one of the n (see the reference).
        if per_choice >= TURN_MIN_ANSWER {
            let slot = t[RING_NEXT].get() as usize;
            let at = RING_START + 3 * slot;
            v[at].set((if p > 0.0 { p } else { 0.5 }) as f32);
            v[at + 1].set(per_choice as f32);
            v[at + 2].set(minute as f32);
            t[RING_NEXT].set(if slot + 1 < RING {
                (slot + 1) as f64
            } else {
                0.0
            });
        }
        let gap = e.ts - t[LAST_TS].get();
        if gap >= 0.0 {
            if !first {
                bump(v, GAP_N, 1.0);
                bump(v, GAP_SUM, gap);
                bump(v, GAP_SQ, gap * gap);
            }
            t[LAST_TS].set(e.ts);
        }
        t[TOTAL].set(t[TOTAL].get() + 1.0);
        t[WINDOW_EVENTS].set(t[WINDOW_EVENTS].get() + 1.0);
        if ip_bit >= 0 {
            let (word, bit) = ((ip_bit >> 6) as usize, 1u64 << (ip_bit & 63));
            or_bits(b, IP_TODAY + word, bit);
            let history = (0..IP_WORDS).fold(0, |all, i| all | b[IP_HISTORY + i].get());
            if history != 0 && b[IP_HISTORY + word].get() & bit == 0 {
                bump(v, NEW_IP, 1.0);
            }
        }
        if ua_bit >= 0 {
            let bit = 1u64 << ua_bit;
            or_bits(b, UA_TODAY, bit);
            let history = b[UA_HISTORY].get();
            if history != 0 && history & bit == 0 {
                bump(v, NEW_UA, 1.0);
            }
        }
        if model_bit >= 0 {
            or_bits(b, MODEL_TODAY, 1u64 << model_bit);
        }
        cont > 0.0
    }

    /// `KeyState._add_prompt`.
    pub(crate) fn add_prompt(
        &self,
        ring: &[Cell<u32>],
        fp: &Prompt<'_>,
        prompt_tokens: i64,
        seen: (bool, bool),
        turn: bool,
    ) {
        let v = self.values;
        bump(v, FP, 1.0);
        if seen.0 {
            bump(v, SAMPLED, 1.0);
            if seen.1 {
                bump(v, SHARED, 1.0);
            }
        }
        if fp.cues & 15 != 0 {
            bump(v, CUE, 1.0);
        }
        if fp.cues & 16 != 0 {
            bump(v, LIMIT, 1.0);
        }
        let hidden = ((prompt_tokens - fp.tokens).max(0) as f64 + HIDDEN_FLOOR).ln();
        bump(v, HIDDEN, hidden);
        bump(v, HIDDEN2, hidden * hidden);
        // Recurring context sizes (see the reference).
        let size = ((hidden * CONTEXT_BINS + 0.5).floor() as u64).min(0xFFFF);
        let recent = self.bits[CONTEXT_RECENT].get();
        if (0..CONTEXT_SLOTS).any(|j| {
            let slot = recent >> (16 * j) & 0xFFFF;
            slot != 0 && slot.abs_diff(size) <= CONTEXT_MATCH
        }) {
            bump(v, SAME_CONTEXT, 1.0);
        }
        self.bits[CONTEXT_RECENT].set(recent << 16 | size);
        // A conversation's follow-up is no repeat (see the reference).
        if !turn {
            track(v, ring, fp.exact.min(SKETCH_EMPTY - 1));
        }
        let mut new = 0usize;
        if !fp.items.is_empty() {
            let (mut identity, mut words) = (0u64, 0usize);
            for item in fp.items {
                if !ring[..ITEMS].iter().any(|r| r.get() == *item) {
                    if *item >= IDENTITY_FLOOR && words < IDENTITY_WORDS {
                        identity = mix64(identity ^ u64::from(*item));
                        words += 1;
                    }
                    new += 1;
                }
            }
            if words >= IDENTITY_MIN_WORDS {
                identify(
                    ring,
                    ((identity & 0xFFFF_FFFF) as u32).min(SKETCH_EMPTY - 1),
                );
            }
            for item in fp.items {
                let bit = item & 255;
                or_bits(
                    self.bits,
                    TOPIC_TODAY + (bit >> 6) as usize,
                    1u64 << (bit & 63),
                );
            }
            let t = self.times;
            let mut slot = t[ITEM_NEXT].get() as usize;
            for item in fp.items {
                ring[slot].set(*item);
                slot = if slot + 1 < ITEMS { slot + 1 } else { 0 };
            }
            t[ITEM_NEXT].set(slot as f64);
        }
        if fp.signature != 0 && self.add_frame(fp.signature) && new != 0 {
            bump(v, SWEEP, 1.0);
        }
    }

    /// `KeyState._add_frame`: file `signature` under the key's frames; true when it matched.
    fn add_frame(&self, signature: u64) -> bool {
        let (bits, weights) = (self.bits, self.values);
        let weight = |i: usize| f64::from(weights[FRAME_WEIGHTS + i].get());
        let (mut best, mut best_sim) = (None, 0.0f64);
        let (mut empty, mut lightest) = (None, None::<usize>);
        for i in 0..FRAMES {
            if weight(i) == 0.0 {
                empty = empty.or(Some(i));
                continue;
            }
            if lightest.is_none_or(|l| weight(i) < weight(l)) {
                lightest = Some(i);
            }
            let cluster = bits[FRAME_SIGS + i].get();
            let union = (cluster | signature).count_ones();
            let sim = if union != 0 {
                f64::from((cluster & signature).count_ones()) / f64::from(union)
            } else {
                0.0
            };
            if sim > best_sim {
                best = Some(i);
                best_sim = sim;
            }
        }
        if let Some(i) = best.filter(|_| best_sim >= FRAME_MATCH) {
            bump(weights, FRAME_WEIGHTS + i, 1.0);
            return true;
        }
        // A new frame goes to a free slot, else replaces the lightest.
        if let Some(slot) = empty.or(lightest) {
            bits[FRAME_SIGS + slot].set(signature);
            weights[FRAME_WEIGHTS + slot].set(1.0);
        }
        false
    }
}

/// `keystate._bottom_k`: offer `value` to the ascending bottom-k sketch
/// `ring[start..start + size]`. None above its range (left as it is), Some(true) when
/// it holds `value` already, Some(false) when `value` was inserted.
fn bottom_k(ring: &[Cell<u32>], start: usize, size: usize, value: u32) -> Option<bool> {
    let top = start + size - 1;
    if value > ring[top].get() {
        return None;
    }
    let mut at = start;
    while ring[at].get() < value {
        at += 1;
    }
    if ring[at].get() == value {
        return Some(true);
    }
    for i in (at + 1..=top).rev() {
        ring[i].set(ring[i - 1].get());
    }
    ring[at].set(value);
    Some(false)
}

/// `KeyState._identify`: the key's bottom-k sketch of item identities.
fn identify(ring: &[Cell<u32>], identity: u32) {
    bottom_k(ring, ITEMS + SKETCH, IDENTITIES, identity);
}

/// `KeyState._track`: the key's bottom-k sketch of prompt hashes.
fn track(v: &[Cell<f32>], ring: &[Cell<u32>], exact: u32) {
    let Some(held) = bottom_k(ring, ITEMS, SKETCH, exact) else {
        return;
    };
    bump(v, TRACKED, 1.0);
    if held {
        bump(v, REPEAT, 1.0);
    }
}

/// `state.add(event, fp, ip_bit, ua_bit, model_bit, seen, harvestlike)`, compiled where
/// exact (otherwise the reference runs).
#[pyfunction]
#[pyo3(signature = (state, event, fp, ip_bit=-1, ua_bit=-1, model_bit=-1, seen=(false, false), harvestlike=false))]
#[allow(clippy::too_many_arguments)]
pub fn add_event(
    py: Python<'_>,
    state: &Bound<'_, PyAny>,
    event: &Bound<'_, PyAny>,
    fp: &Bound<'_, PyAny>,
    ip_bit: i64,
    ua_bit: i64,
    model_bit: i64,
    seen: (bool, bool),
    harvestlike: bool,
) -> PyResult<()> {
    let reference = || {
        state.call_method1(
            intern!(py, "add"),
            (event, fp, ip_bit, ua_bit, model_bit, seen, harvestlike),
        )
    };
    let request = event.cast::<PyTuple>().ok().and_then(|t| Request::read(t));
    let prompt = if fp.is_none() {
        Some(None)
    } else {
        read_prompt(fp).map(Some)
    };
    let bits_ok =
        (-1..256).contains(&ip_bit) && (-1..64).contains(&ua_bit) && (-1..64).contains(&model_bit);
    let (Some(request), Some(prompt), true) = (request, prompt, bits_ok) else {
        reference()?;
        return Ok(());
    };
    let buffers = Buffers::of(state)?;
    let arrays = buffers.arrays(py)?;
    if !arrays.sane() {
        buffers.release(py);
        reference()?;
        return Ok(());
    }
    let turn = arrays.add_request(&request, ip_bit, ua_bit, model_bit, harvestlike);
    if let Some((signature, items, cues, exact, tokens)) = prompt {
        let ring = items_buffer(state)?;
        let fp = Prompt {
            signature,
            items: &items,
            cues,
            exact,
            tokens,
        };
        arrays.add_prompt(ring_of(&ring, py)?, &fp, request.prompt_tokens, seen, turn);
        ring.release(py);
    }
    buffers.release(py);
    Ok(())
}

type PromptFields = (u64, Vec<u32>, u32, u32, i64);

/// A fingerprint tuple as `fingerprint_fields` makes them, or None (the reference decides).
fn read_prompt(fp: &Bound<'_, PyAny>) -> Option<PromptFields> {
    let (signature, items, cues, exact, tokens): (u64, Vec<u32>, u32, u32, i64) =
        fp.extract().ok()?;
    (items.len() <= 8 && (0..EXACT).contains(&tokens))
        .then_some((signature, items, cues, exact, tokens))
}
