//! An event's numbers as `detectors.state.observe.observe` reads them, checked before
//! anything is written: ints within 2**53 (where f64 arithmetic equals Python's
//! int/float mix). Anything else is left to the
//! Python reference. Also `observe.harvest_like`.

use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyInt, PyString, PyTuple};

use crate::layout::TURN_CHARS_PER_TOKEN;

/// Ints up to this convert to f64 exactly, so f64 arithmetic equals Python's int/float mix.
pub(crate) const EXACT: i64 = 1 << 53;

/// A number Python would use as it is: a float, or an int f64 holds exactly.
pub(crate) fn exact_f64(value: &Bound<'_, PyAny>) -> Option<f64> {
    if let Ok(float) = value.cast_exact::<PyFloat>() {
        return Some(float.value());
    }
    exact_int(value).map(|v| v as f64)
}

/// An int (bools included, as Python counts them) within +-2**53.
pub(crate) fn exact_int(value: &Bound<'_, PyAny>) -> Option<i64> {
    let v: i64 = value.cast::<PyInt>().ok()?.extract().ok()?;
    (-EXACT..=EXACT).contains(&v).then_some(v)
}

/// What `observe` reads of an event, checked before anything is written.
#[derive(Clone, Copy)]
pub(crate) struct Request {
    pub(crate) ts: f64,
    pub(crate) prompt_tokens: i64,
    pub(crate) completion_tokens: i64,
    pub(crate) reasoning_tokens: i64,
    pub(crate) n: i64,
    pub(crate) account_created: Option<f64>,
    /// The prompt text's estimated tokens for the turn test (characters /
    /// `TURN_CHARS_PER_TOKEN`; 0 without text).
    pub(crate) visible: f64,
}

// `detectors.events.Event` field positions (`EVENT_FIELDS` is checked against `Event._fields`).
pub(crate) const TS: usize = 0;
pub(crate) const PROMPT_TOKENS: usize = 2;
pub(crate) const COMPLETION_TOKENS: usize = 3;
pub(crate) const REASONING_TOKENS: usize = 10;
pub(crate) const CHOICES: usize = 11;
pub(crate) const PROMPT_TEXT: usize = 17;
pub(crate) const ACCOUNT_CREATED_AT: usize = 18;

impl Request {
    /// The numbers of an `Event` (a tuple in field order), or None: the reference decides.
    pub(crate) fn read(event: &Bound<'_, PyTuple>) -> Option<Request> {
        let fields = event.as_slice();
        if fields.len() != crate::engine::EVENT_FIELDS.len() {
            return None;
        }
        let counts = |i: usize| exact_int(&fields[i]).filter(|v| *v >= 0);
        let account_created = match &fields[ACCOUNT_CREATED_AT] {
            v if v.is_none() => None,
            v => Some(exact_f64(v)?),
        };
        let n = counts(CHOICES)?;
        if n < 1 {
            return None; // a division by zero in the reference
        }
        // `len(prompt_text)`: code points, as the reference counts them (O(1)).
        let visible = match &fields[PROMPT_TEXT] {
            v if v.is_none() => 0.0,
            v => (v.cast::<PyString>().ok()?.len().ok()? / TURN_CHARS_PER_TOKEN) as f64,
        };
        Some(Request {
            ts: exact_f64(&fields[TS])?,
            prompt_tokens: counts(PROMPT_TOKENS)?,
            completion_tokens: counts(COMPLETION_TOKENS)?,
            reasoning_tokens: counts(REASONING_TOKENS)?,
            n,
            account_created,
            visible,
        })
    }

    /// Output the key received: completion tokens less the hidden reasoning inside them.
    pub(crate) fn delivered(&self) -> f64 {
        let mut c = self.completion_tokens as f64;
        if 0 < self.reasoning_tokens && self.reasoning_tokens <= self.completion_tokens {
            c -= self.reasoning_tokens as f64;
        }
        c
    }

    /// `observe.harvest_like` with the scorer's `thresholds`.
    pub(crate) fn harvest_like(&self, thresholds: (f64, f64)) -> bool {
        let c = self.delivered();
        let lp = (self.prompt_tokens as f64).ln_1p();
        c.ln_1p() - lp >= thresholds.0 && (c / self.n as f64).ln_1p() >= thresholds.1
    }
}

/// `observe.harvest_like`, for the test that compares them.
#[pyfunction]
#[pyo3(name = "harvest_like")]
pub fn harvest_like_py(
    prompt_tokens: i64,
    completion_tokens: i64,
    reasoning_tokens: i64,
    n: i64,
    thresholds: (f64, f64),
) -> PyResult<bool> {
    if n < 1
        || [prompt_tokens, completion_tokens, reasoning_tokens]
            .iter()
            .any(|v| !(0..=EXACT).contains(v))
    {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "counts out of the exact range",
        ));
    }
    let request = Request {
        ts: 0.0,
        prompt_tokens,
        completion_tokens,
        reasoning_tokens,
        n,
        account_created: None,
        visible: 0.0,
    };
    Ok(request.harvest_like(thresholds))
}
