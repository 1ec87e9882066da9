//! `detectors.state.keystate.fold_values` and `horizon_sums`, compiled: a key's window
//! folded into its decayed horizons, and a horizon read at an event time.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyBufferError;
use pyo3::prelude::*;

use crate::keystate::bump;
use crate::layout::*;

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
    buffer.release(py);
    Ok(())
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
