//! `detectors.engine.Engine.process`, compiled, for the common event: inside the clock
//! band, on a key whose window is open. New keys and closing windows call back into
//! the engine (its `_open_state`, handed over as a bound method), which creates,
//! evicts, folds and scores in Python; milestone scoring and expiry call back too.
//! The event is counted here, on the key's arrays.
//!
//! Everything stays on the Python objects (the key table, the states' arrays, the
//! prompt memory, the stats, the engine's `watermark` and `since_expiry`), read and
//! written through public attributes and the buffer protocol only, so snapshots,
//! stats and the pure-Python path see exactly what they always saw. Any event this
//! code is not sure to count exactly as the reference does (a hand-built event, an
//! int past 2**53, a timestamp outside the band) goes to `Engine.process` itself.

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyString, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use crate::dedup::{in_context, keyed_exact, RecentIds};
use crate::event_fields::{ip_position, text_position, utf8_replace, Fields};
use crate::fingerprint::fingerprint_of;
use crate::keystate::{items_buffer, ring_of, Arrays, Buffers, Prompt};
use crate::layout::{LAST_TS, TOTAL, WINDOW_END, WINDOW_EVENTS};
use crate::prompt_memory;

/// `detectors.engine.engine.EXPIRY_EVERY`.
pub(crate) const EXPIRY_EVERY: i64 = 4096;
/// `detectors.engine.engine.MILESTONES`: request counts at which a key is scored at once.
pub(crate) const MILESTONES: [i64; 13] = [6, 10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512];
/// `detectors.events.Event._fields`, in order.
pub(crate) const EVENT_FIELDS: [&str; 19] = [
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
    "account_created",
];
/// The key's position in an event tuple (the other fields the step reads: event_fields.rs).
pub(crate) const API_KEY_ID: usize = 1;

/// One engine's per-event step: `process(event) -> Emitted`, built by `Engine._bind`.
///
/// Arguments: the engine (read: `watermark`, `since_expiry`, `thresholds`); its callbacks
/// `(reference process, open_state, score, expire)`; what it holds `(key table, request-id
/// memory, prompt memory, stats)`; its settings `(lateness, content_full_events,
/// content_stride, skew)`; the `Event` class; and the shared empty alert list.
#[pyclass(module = "distillwatch_native", frozen)]
pub struct HotPath {
    engine: Py<PyAny>,
    reference: Py<PyAny>,
    open_state: Py<PyAny>,
    score: Py<PyAny>,
    expire: Py<PyAny>,
    keys: Py<PyDict>,
    recent_ids: Py<PyAny>,
    prompts: Py<PyAny>,
    stats: Py<PyAny>,
    event_type: Py<PyType>,
    nothing: Py<PyAny>,
    lateness: f64,
    full_events: i64,
    stride: i64,
    skew: f64,
    // The deployment's prompt-hash salt (`Engine._salt`).
    salt: [u8; 16],
    // The deployment's word-hash key (`Engine._word_key`).
    word_key: u64,
    // The scorer's harvest-like thresholds (f64 bits), read again after every call back
    // into the engine: keys are scored, and the thresholds move, only there.
    threshold_yield: AtomicU64,
    threshold_answer: AtomicU64,
}

type Callbacks = (Py<PyAny>, Py<PyAny>, Py<PyAny>, Py<PyAny>);
type Holdings = (Py<PyDict>, Py<PyAny>, Py<PyAny>, Py<PyAny>);

#[pymethods]
impl HotPath {
    #[new]
    fn new(
        py: Python<'_>,
        engine: Py<PyAny>,
        callbacks: Callbacks,
        holdings: Holdings,
        settings: (f64, i64, i64, f64, Vec<u8>, u64),
        event_type: Py<PyType>,
        nothing: Py<PyAny>,
    ) -> PyResult<Self> {
        let (reference, open_state, score, expire) = callbacks;
        let (keys, recent_ids, prompts, stats) = holdings;
        let (lateness, full_events, stride, skew, salt, word_key) = settings;
        if stride < 1 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "content_stride must be >= 1",
            ));
        }
        let salt: [u8; 16] = salt.try_into().map_err(|_| {
            pyo3::exceptions::PyValueError::new_err("the prompt salt must be 16 bytes")
        })?;
        let path = HotPath {
            engine,
            reference,
            open_state,
            score,
            expire,
            keys,
            recent_ids,
            prompts,
            stats,
            event_type,
            nothing,
            lateness,
            full_events,
            stride,
            skew,
            salt,
            word_key,
            threshold_yield: AtomicU64::new(0),
            threshold_answer: AtomicU64::new(0),
        };
        path.refresh(py)?;
        Ok(path)
    }

    /// Read the engine's `thresholds` again (done after every call back into the engine).
    fn refresh(&self, py: Python<'_>) -> PyResult<()> {
        let (yield_, answer): (f64, f64) = self
            .engine
            .bind(py)
            .getattr(intern!(py, "thresholds"))?
            .extract()?;
        self.threshold_yield
            .store(yield_.to_bits(), Ordering::Relaxed);
        self.threshold_answer
            .store(answer.to_bits(), Ordering::Relaxed);
        Ok(())
    }

    /// The harvest-like thresholds in use.
    #[getter]
    fn thresholds(&self) -> (f64, f64) {
        (
            f64::from_bits(self.threshold_yield.load(Ordering::Relaxed)),
            f64::from_bits(self.threshold_answer.load(Ordering::Relaxed)),
        )
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.engine)?;
        visit.call(&self.reference)?;
        visit.call(&self.open_state)?;
        visit.call(&self.score)?;
        visit.call(&self.expire)?;
        visit.call(&self.keys)?;
        visit.call(&self.recent_ids)?;
        visit.call(&self.prompts)?;
        visit.call(&self.stats)?;
        visit.call(&self.event_type)?;
        visit.call(&self.nothing)
    }

    /// `Engine.process(event)`: what the event caused (usually the shared `NOTHING`).
    fn process<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.step(py, event)?.emitted)
    }
}

/// What one step did, for the sharded path.
pub(crate) struct Stepped<'py> {
    pub(crate) emitted: Bound<'py, PyAny>,
    /// Whether it called back into the engine (only then may a key have been scored,
    /// and a campaign summary made).
    pub(crate) called_back: bool,
    /// The engine's watermark after the step (NaN when the reference ran).
    pub(crate) watermark: f64,
}

fn bump(stats: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<()> {
    let count: i64 = stats.getattr(name)?.extract()?;
    stats.setattr(name, count + 1)
}

impl HotPath {
    /// The reference step (`Engine.process`), for events this code leaves to it.
    fn by_reference<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Stepped<'py>> {
        let emitted = self.reference.bind(py).call1((event,))?;
        self.refresh(py)?;
        Ok(Stepped {
            emitted,
            called_back: true,
            watermark: f64::NAN,
        })
    }

    /// `process`, and what it did.
    pub(crate) fn step<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Stepped<'py>> {
        if !event.get_type().is(self.event_type.bind(py)) {
            return self.by_reference(py, event);
        }
        let tuple = event.cast::<PyTuple>()?;
        let Some(f) = Fields::read(tuple) else {
            return self.by_reference(py, event);
        };
        let engine = self.engine.bind(py);
        let ts = f.request.ts;
        let watermark: f64 = engine.getattr(intern!(py, "watermark"))?.extract()?;
        // Outside [watermark - lateness, watermark + skew] (the first, a late or an early
        // event): the clock rule decides, in the reference (detectors/clock.py).
        if !(watermark - self.lateness <= ts && ts <= watermark + self.skew) {
            return self.by_reference(py, event);
        }
        let stats = self.stats.bind(py);
        if let Some(rid) = f.request_id {
            let ids = self.recent_ids.bind(py);
            let seen = match ids.cast::<RecentIds>() {
                Ok(native) => native.borrow_mut().seen(f.key.to_str()?, rid.to_str()?),
                Err(_) => ids
                    .call_method1(intern!(py, "seen"), (&f.key, rid))?
                    .is_truthy()?,
            };
            if seen {
                bump(stats, intern!(py, "events_duplicate"))?;
                return Ok(Stepped {
                    emitted: self.nothing.bind(py).clone(),
                    called_back: false,
                    watermark,
                });
            }
        }
        bump(stats, intern!(py, "events_valid"))?;
        if ts > watermark {
            engine.setattr(intern!(py, "watermark"), f.ts)?;
        }
        let mut called_back = false;
        let mut emitted = self.nothing.bind(py).clone();
        let keys = self.keys.bind(py);
        let found = keys.get_item(f.key)?;
        let mut open = None;
        if let Some(state) = &found {
            let buffers = Buffers::of(state)?;
            if ts < buffers.arrays(py)?.times[WINDOW_END].get() {
                open = Some((state.clone(), buffers));
            } else {
                buffers.release(py);
            }
        }
        let (state, buffers) = match open {
            Some(open) => open,
            None => {
                let opened =
                    self.open_state
                        .bind(py)
                        .call1((&f.key, found, &f.ts, &f.account_id))?;
                called_back = true;
                let opened = opened.cast::<PyTuple>()?;
                emitted = opened.get_item(1)?;
                let state = opened.get_item(0)?;
                let buffers = Buffers::of(&state)?;
                (state, buffers)
            }
        };
        if !f.account_id.is_none() {
            state.setattr(intern!(py, "account_id"), f.account_id)?;
        }
        let arrays = buffers.arrays(py)?;
        let mut fingerprint = None;
        if let Some(text) = f.prompt_text {
            let taken = arrays.times[WINDOW_EVENTS].get() as i64 - self.full_events;
            if taken < 0 || taken % self.stride == 0 {
                let mut fp = fingerprint_of(text, self.word_key)?;
                fp.exact = keyed_exact(fp.exact, &self.salt);
                // "Shared" means another customer sent it: the account when known
                // (`Engine.process`: keys of one account do not vouch for each other).
                let owner = if f.account_id.is_none() {
                    prompt_memory::key_hash(f.key)?
                } else {
                    prompt_memory::key_hash(f.account_id.cast::<PyString>()?)?
                };
                let answer = f.request.delivered() / f.request.n as f64;
                let seen = prompt_memory::observe(self.prompts.bind(py), owner, fp.exact, answer)?;
                if let Some(system) = f.system_prompt_hash {
                    // The key's own repeats are read in the context of its system prompt.
                    fp.exact = in_context(fp.exact, &utf8_replace(system)?, &self.salt);
                }
                fingerprint = Some((fp, seen));
            }
        }
        let ip = f.client_ip.map_or(Ok(-1), ip_position)?;
        let agent = f.user_agent.map_or(Ok(-1), text_position)?;
        let model = f.model.map_or(Ok(-1), text_position)?;
        if called_back {
            self.refresh(py)?;
        }
        let hit = f.request.harvest_like(self.thresholds());
        let prompt = fingerprint.as_ref().map(|(fp, seen)| {
            (
                Prompt {
                    signature: fp.signature,
                    items: fp.items(),
                    cues: fp.cues,
                    exact: fp.exact,
                    tokens: fp.tokens as i64,
                },
                *seen,
            )
        });
        // The reference's `state.add(...)`, for a state whose ring positions are off.
        let add_by_reference = |target: &Bound<'py, PyAny>| -> PyResult<()> {
            let fp = match &fingerprint {
                Some((fp, _)) => fp.to_tuple(py)?.into_any(),
                None => py.None().into_bound(py),
            };
            let seen = fingerprint
                .as_ref()
                .map_or((false, false), |(_, seen)| *seen);
            target.call_method1(intern!(py, "add"), (event, fp, ip, agent, model, seen, hit))?;
            Ok(())
        };
        let counted = |arrays: &Arrays<'_>| {
            (
                arrays.times[TOTAL].get() as i64,
                arrays.times[LAST_TS].get(),
            )
        };
        let (total, last_ts) = if arrays.sane() {
            let turn = arrays.add_request(&f.request, ip, agent, model, hit);
            if let Some((fp, seen)) = &prompt {
                let ring = items_buffer(&state)?;
                arrays.add_prompt(
                    ring_of(&ring, py)?,
                    fp,
                    f.request.prompt_tokens,
                    *seen,
                    turn,
                );
                ring.release(py);
            }
            let counts = counted(&arrays);
            buffers.release(py);
            counts
        } else {
            buffers.release(py);
            add_by_reference(&state)?;
            let buffers = Buffers::of(&state)?;
            let counts = counted(&buffers.arrays(py)?);
            buffers.release(py);
            counts
        };
        if hit {
            let sliced = state.getattr(intern!(py, "slice"))?;
            if !sliced.is_none() {
                let buffers = Buffers::of(&sliced)?;
                let arrays = buffers.arrays(py)?;
                if arrays.sane() {
                    let turn = arrays.add_request(&f.request, ip, agent, model, hit);
                    if let Some((fp, seen)) = &prompt {
                        let ring = items_buffer(&sliced)?;
                        arrays.add_prompt(
                            ring_of(&ring, py)?,
                            fp,
                            f.request.prompt_tokens,
                            *seen,
                            turn,
                        );
                        ring.release(py);
                    }
                    buffers.release(py);
                } else {
                    buffers.release(py);
                    add_by_reference(&sliced)?;
                }
            }
        }
        if MILESTONES.contains(&total) && !emitted.is_truthy()? {
            // max(ts, state.last_ts)
            let now = if last_ts > ts {
                PyFloat::new(py, last_ts)
            } else {
                f.ts.clone()
            };
            emitted = self.score.bind(py).call1((f.key, &state, now, f.ts))?;
            called_back = true;
        }
        let since: i64 = engine
            .getattr(intern!(py, "since_expiry"))?
            .extract::<i64>()?
            + 1;
        engine.setattr(intern!(py, "since_expiry"), since)?;
        if since >= EXPIRY_EVERY {
            self.expire.bind(py).call0()?;
            called_back = true;
        }
        if called_back {
            self.refresh(py)?;
        }
        Ok(Stepped {
            emitted,
            called_back,
            watermark: watermark.max(ts),
        })
    }
}
