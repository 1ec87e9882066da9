//! `detectors.evidence.statistics.key_statistics`, compiled: a horizon's sums turned into
//! means and shares with their bounds. It runs twice per scoring; in Python it is about
//! a dozen small calls, each building a tuple.
//!
//! Every operation is the reference's, in its order (IEEE results are then the same
//! bits). Where the reference would raise (`math.sqrt` of a negative number) or could
//! compute with other types (a sum that is not a float), this returns None and the
//! caller runs the reference.

use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyList, PyTuple, PyType};

use crate::layout::{
    ANS, ANS2, CONT, COUNTERS, CTOK, CUE, FP, GAP_N, GAP_SQ, GAP_SUM, HARVESTLIKE, HIDDEN, HIDDEN2,
    LIMIT, N, PLACEBO, REASONED, REPEAT, SAME_CONTEXT, SAMPLED, SHARED, SWEEP, TRACKED, W2, YLD,
    YLD2,
};

/// `statistics.Z`: standard errors between a statistic and its bounds.
pub(crate) const Z: f64 = 2.0;
/// `statistics.MIN_SD`: the per-request spread the token means assume at least.
pub(crate) const MIN_SD: f64 = 0.5;

/// A statistic and its bounds, or the reference's `NOTHING` (no observations).
type Bounds = Option<(f64, f64, f64)>;

/// `math.sqrt`, or None where it raises (a negative argument; NaN and -0.0 pass).
fn sqrt(x: f64) -> Option<f64> {
    if x < 0.0 {
        None
    } else {
        Some(x.sqrt())
    }
}

/// `statistics._around`.
fn around(mean: f64, var: f64, n: f64, min_sd: f64) -> Option<Bounds> {
    let var = if var < 0.0 { 0.0 } else { var };
    let mut sd = sqrt(var)?;
    if min_sd > sd {
        sd = min_sd;
    }
    let se = Z * sd / sqrt(n)?;
    Some(Some((mean, mean - se, mean + se)))
}

/// `statistics.mean_bounds`.
fn mean_bounds(total: f64, squares: f64, n: f64, min_sd: f64) -> Option<Bounds> {
    if n < 1.0 {
        return Some(None);
    }
    let mean = total / n;
    around(mean, squares / n - mean * mean, n, min_sd)
}

/// `statistics.weighted_bounds`.
fn weighted_bounds(
    total: f64,
    squares: f64,
    weight: f64,
    squared_weights: f64,
    min_sd: f64,
) -> Option<Bounds> {
    if weight <= 0.0 || squared_weights <= 0.0 {
        return Some(None);
    }
    let mut n = weight * weight / squared_weights;
    if n < 1.0 {
        n = 1.0;
    }
    let mean = total / weight;
    around(mean, squares / weight - mean * mean, n, min_sd)
}

/// `statistics.share_bounds` (the Wilson score interval).
fn share_bounds(k: f64, n: f64) -> Option<Bounds> {
    if n < 1.0 {
        return Some(None);
    }
    // The reference's two ifs: NaN and -0.0 come through as they are, as here.
    let p = (k / n).clamp(0.0, 1.0);
    let z2 = Z * Z;
    let scale = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / scale;
    let half = Z * sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n))? / scale;
    let low = centre - half;
    let high = centre + half;
    Some(Some((
        p,
        if low < 0.0 { 0.0 } else { low },
        if high > 1.0 { 1.0 } else { high },
    )))
}

/// `statistics._sd`.
fn sd(total: f64, squares: f64, n: f64) -> Option<f64> {
    if n < 2.0 {
        return Some(0.0);
    }
    let mean = total / n;
    let var = squares / n - mean * mean;
    // max(var, 0.0): var unless 0.0 > var (NaN stays)
    sqrt(if 0.0 > var { 0.0 } else { var })
}

/// Everything `key_statistics` computes, before any Python object is made.
struct Computed {
    answer: Bounds,
    yield_: Bounds,
    turns: Bounds,
    harvestlike: Bounds,
    reasoned: f64,
    cue: Bounds,
    repeat: Bounds,
    shared: Bounds,
    sweep: Bounds,
    limit: Bounds,
    hidden: Bounds,
    hidden_sd: f64,
    same_context: Bounds,
    gap_cv: f64,
}

fn compute(s: &[f64; COUNTERS]) -> Option<Computed> {
    let n = s[N];
    let fp = s[FP];
    let (cont, placebo) = (s[CONT], s[PLACEBO]);
    let turns = if n >= 1.0 {
        let excess = (cont - placebo) / n;
        let half = Z * sqrt(cont + placebo + 1.0)? / n;
        Some((excess, excess - half, excess + half))
    } else {
        None
    };
    let gap_n = s[GAP_N];
    let mut gap_cv = 0.0;
    if gap_n >= 3.0 {
        let mean = s[GAP_SUM] / gap_n;
        let var = s[GAP_SQ] / gap_n - mean * mean;
        let var = if 0.0 > var { 0.0 } else { var };
        gap_cv = if mean > 0.0 { sqrt(var)? / mean } else { 0.0 };
    }
    let per = if n > 0.0 { 1.0 / n } else { 0.0 };
    let weight = if n >= 1.0 { n + s[CTOK] } else { 0.0 };
    Some(Computed {
        answer: weighted_bounds(s[ANS], s[ANS2], weight, s[W2], MIN_SD)?,
        yield_: weighted_bounds(s[YLD], s[YLD2], weight, s[W2], MIN_SD)?,
        turns,
        harvestlike: share_bounds(s[HARVESTLIKE], n)?,
        reasoned: s[REASONED] * per,
        cue: share_bounds(s[CUE], fp)?,
        repeat: share_bounds(s[REPEAT], s[TRACKED])?,
        shared: share_bounds(s[SHARED], s[SAMPLED])?,
        sweep: share_bounds(s[SWEEP], fp)?,
        limit: share_bounds(s[LIMIT], fp)?,
        hidden: mean_bounds(s[HIDDEN], s[HIDDEN2], fp, MIN_SD)?,
        hidden_sd: sd(s[HIDDEN], s[HIDDEN2], fp)?,
        same_context: share_bounds(s[SAME_CONTEXT], fp)?,
        gap_cv,
    })
}

/// `key_statistics(sums)` as a `stats_type` of `bounded_type`s, made with `new`
/// (`tuple.__new__`, as the reference makes them); `nothing` is the reference's shared
/// `NOTHING`. None when the reference must decide: `sums` is not a list of exactly
/// `COUNTERS` floats, or the reference would raise.
#[pyfunction]
pub fn key_statistics<'py>(
    py: Python<'py>,
    sums: &Bound<'py, PyList>,
    new: &Bound<'py, PyAny>,
    bounded_type: &Bound<'py, PyType>,
    stats_type: &Bound<'py, PyType>,
    nothing: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    if sums.len() != COUNTERS {
        return Ok(None);
    }
    let items: Vec<Bound<'py, PyAny>> = sums.iter().collect();
    let mut s = [0.0f64; COUNTERS];
    for (slot, item) in s.iter_mut().zip(&items) {
        let Ok(float) = item.cast_exact::<PyFloat>() else {
            return Ok(None);
        };
        *slot = float.value();
    }
    let Some(c) = compute(&s) else {
        return Ok(None);
    };
    let bounded = |b: Bounds| -> PyResult<Bound<'py, PyAny>> {
        match b {
            None => Ok(nothing.clone()),
            Some((value, low, high)) => new.call1((bounded_type, (value, low, high))),
        }
    };
    // The sums the reference passes on as they are (n, prompts, output tokens, gaps)
    // are passed on as the same objects.
    let fields = PyTuple::new(
        py,
        [
            items[N].clone(),
            bounded(c.answer)?,
            bounded(c.yield_)?,
            bounded(c.turns)?,
            bounded(c.harvestlike)?,
            PyFloat::new(py, c.reasoned).into_any(),
            items[FP].clone(),
            bounded(c.cue)?,
            bounded(c.repeat)?,
            bounded(c.shared)?,
            bounded(c.sweep)?,
            bounded(c.limit)?,
            bounded(c.hidden)?,
            PyFloat::new(py, c.hidden_sd).into_any(),
            bounded(c.same_context)?,
            items[CTOK].clone(),
            PyFloat::new(py, c.gap_cv).into_any(),
            items[GAP_N].clone(),
        ],
    )?;
    new.call1((stats_type, fields)).map(Some)
}
