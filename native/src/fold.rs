//! `detectors.state.keystate`'s window fold, compiled: `KeyState.fold` (the hour mask,
//! the day roll of the bitmaps, `fold_values`) and `horizon_sums`, a horizon read at an
//! event time.

use std::cell::Cell;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;

use crate::keystate::{bump, Buffers};
use crate::layout::*;

/// Python's `float // float` (CPython's `_float_div_mod`: fmod, then the floor, then
/// the nudge that keeps the quotient consistent with the remainder).
fn floor_div(vx: f64, wx: f64) -> f64 {
    let mut m = vx % wx;
    let mut div = (vx - m) / wx;
    if m != 0.0 && ((wx < 0.0) != (m < 0.0)) {
        m += wx;
        div -= 1.0;
    }
    let _ = m;
    if div != 0.0 {
        let mut floordiv = div.floor();
        if div - floordiv > 0.5 {
            floordiv += 1.0;
        }
        floordiv
    } else {
        (0.0f64).copysign(vx / wx)
    }
}

/// A double Python's `int()` turns into an int the same as `as i64` does here.
fn whole(value: f64) -> Option<i64> {
    (value.is_finite() && value.abs() < 9_007_199_254_740_992.0).then_some(value as i64)
}

/// `KeyState.fold(now)` on the state's arrays; false (nothing written) when a value is
/// outside what this code reproduces exactly (a non-finite time, a forged mask): the
/// reference then runs.
#[pyfunction]
pub fn fold_state(py: Python<'_>, state: &Bound<'_, PyAny>, now: f64) -> PyResult<bool> {
    let buffers = Buffers::of(state)?;
    let done = fold_arrays(&buffers, py, now)?;
    buffers.release(py);
    Ok(done)
}

fn fold_arrays(buffers: &Buffers, py: Python<'_>, now: f64) -> PyResult<bool> {
    let a = buffers.arrays(py)?;
    let (t, v, b) = (a.times, a.values, a.bits);
    let (Some(hour), Some(day), Some(mask), Some(mask_hour), Some(day_index)) = (
        whole(floor_div(now - 1e-9, HOUR)),
        whole(floor_div(now, DAY)),
        whole(t[ACTIVE_MASK].get()).filter(|m| *m >= 0),
        whole(t[MASK_HOUR].get()),
        whole(t[DAY_INDEX].get()),
    ) else {
        return Ok(false);
    };
    // elapsed = max(now - folded, 0.0)
    let elapsed = now - t[FOLDED_TS].get();
    let elapsed = if 0.0 > elapsed { 0.0 } else { elapsed };
    if elapsed.is_nan() {
        // The week's doubles would carry a NaN whose sign bit depends on the arithmetic:
        // the reference folds such a (forged or damaged) state.
        return Ok(false);
    }
    let events = f64::from(v[N].get());
    // _roll_hours: bit 0 of the mask is the hour MASK_HOUR; bit i is i hours earlier.
    let mut mask = mask;
    let shift = hour - mask_hour;
    if shift > 0 {
        mask = if shift < 24 {
            (mask << shift) & 0xFF_FFFF
        } else {
            0
        };
        t[MASK_HOUR].set(hour as f64);
    }
    if events != 0.0 && mask & 1 == 0 {
        if mask & 2 == 0 {
            t[STREAK_START].set(hour as f64);
        }
        mask |= 1;
    }
    t[ACTIVE_MASK].set(mask as f64);
    if day != day_index {
        roll_day(b, t, day, day_index);
    }
    // The week keeps two counts only (see the reference).
    let decay = (-elapsed / WEEK).exp();
    t[WEEK_N].set(t[WEEK_N].get() * decay + f64::from(v[N].get()));
    t[WEEK_HARVESTLIKE].set(t[WEEK_HARVESTLIKE].get() * decay + f64::from(v[HARVESTLIKE].get()));
    fold_window(v, elapsed, hour.rem_euclid(24) as usize);
    t[FOLDED_TS].set(now);
    t[WINDOW_EVENTS].set(0.0);
    Ok(true)
}

/// `KeyState._roll_day`: history learns the ending day, then the bitmaps roll.
fn roll_day(b: &[Cell<u64>], t: &[Cell<f64>], day: i64, day_index: i64) {
    for i in 0..IP_WORDS {
        b[IP_HISTORY + i].set(b[IP_HISTORY + i].get() | b[IP_TODAY + i].get());
    }
    b[UA_HISTORY].set(b[UA_HISTORY].get() | b[UA_TODAY].get());
    let keep = day == day_index + 1;
    for (today, yesterday, words) in [
        (IP_TODAY, IP_YESTERDAY, IP_WORDS),
        (UA_TODAY, UA_YESTERDAY, 1),
        (MODEL_TODAY, MODEL_YESTERDAY, 1),
        (TOPIC_TODAY, TOPIC_YESTERDAY, TOPIC_WORDS),
    ] {
        for i in 0..words {
            b[yesterday + i].set(if keep { b[today + i].get() } else { 0 });
            b[today + i].set(0);
        }
    }
    t[DAY_INDEX].set(day as f64);
}

/// `keystate.fold_values`: decay the horizons and the hour-of-day profile by `elapsed`,
/// add the closed window to them, and clear the window's counters.
#[pyfunction]
pub fn fold_values(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    elapsed: f64,
    slot: usize,
) -> PyResult<()> {
    let buffer = PyBuffer::<f32>::get(values)?;
    let Some(v) = buffer
        .as_mut_slice(py)
        .filter(|v| v.len() == VALUES_SIZE && slot < 24)
    else {
        return Err(PyBufferError::new_err("not a KeyState's values"));
    };
    fold_window(v, elapsed, slot);
    buffer.release(py);
    Ok(())
}

fn fold_window(v: &[Cell<f32>], elapsed: f64, slot: usize) {
    for (h, horizon) in HORIZONS.iter().enumerate() {
        let decay = (-elapsed / horizon).exp();
        let base = COUNTERS * (h + 1);
        for i in 0..COUNTERS {
            let folded = f64::from(v[base + i].get()) * decay + f64::from(v[i].get());
            v[base + i].set(folded as f32);
        }
    }
    let events = f64::from(v[N].get());
    if events != 0.0 {
        let decay = (-elapsed / PROFILE_TAU).exp();
        for cell in &v[PROFILE..PROFILE + 24] {
            cell.set((f64::from(cell.get()) * decay) as f32);
        }
        bump(v, PROFILE + slot, events);
    }
    for cell in &v[..COUNTERS] {
        cell.set(0.0);
    }
}

/// `keystate.horizon_sums`: a horizon's counters decayed to `now`, the open window added.
#[pyfunction]
pub fn horizon_sums(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    folded_ts: f64,
    horizon: usize,
    now: f64,
) -> PyResult<Vec<f64>> {
    let Some(tau) = HORIZONS.get(horizon) else {
        return Err(pyo3::exceptions::PyIndexError::new_err(
            "tuple index out of range",
        ));
    };
    let buffer = PyBuffer::<f32>::get(values)?;
    let Some(v) = buffer.as_slice(py).filter(|v| v.len() == VALUES_SIZE) else {
        return Err(PyBufferError::new_err("not a KeyState's values"));
    };
    // max(now - folded_ts, 0.0), NaN and -0.0 included
    let elapsed = now - folded_ts;
    let elapsed = if 0.0 > elapsed { 0.0 } else { elapsed };
    let decay = (-elapsed / tau).exp();
    let base = COUNTERS * (horizon + 1);
    let sums = (0..COUNTERS)
        .map(|i| f64::from(v[base + i].get()) * decay + f64::from(v[i].get()))
        .collect();
    buffer.release(py);
    Ok(sums)
}
