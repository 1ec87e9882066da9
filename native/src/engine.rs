//! `detectors.engine.Engine.process`, compiled, for the common event: a known key
//! whose window is still open. New keys and closing windows call back into the
//! engine (`_open_state`), which creates, evicts, folds and scores in Python; the
//! event is then counted here. Counters and state stay on the Python objects, so
//! snapshots, stats and the pure-Python path see exactly what they always saw.

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyList, PyString, PyTuple, PyType};
use pyo3::{PyTraverseError, PyVisit};

use crate::dedup::RecentIds;
use crate::fingerprint::fingerprint_fields;
use crate::keystate::add_event_with;
use crate::slots::{Slot, Slots};
use crate::wire::ip_prefix_bit;

const REQUEST_ID: usize = 4;
const ACCOUNT_ID: usize = 5;
const MODEL: usize = 6;
const MAX_TOKENS: usize = 13;
const CLIENT_IP: usize = 14;
const USER_AGENT: usize = 15;
const PROMPT_TEXT: usize = 17;
const HIGH_MAX_TOKENS: i64 = 4000; // detectors.slices.HIGH_MAX_TOKENS
const EXPIRY_EVERY: i64 = 4096; // detectors.engine.EXPIRY_EVERY

/// One engine's per-event path; `process(event) -> alerts` (built by `Engine._bind`).
#[pyclass(module = "distillwatch_native")]
pub struct HotPath {
    // Option: the engine holds this object too, and the cycle is broken in __clear__.
    engine: Option<Py<PyAny>>,
    recent_ids: Py<RecentIds>,
    keys: Py<PyDict>,
    text_bits: Py<PyDict>,
    bits: Py<PyAny>,
    stats: Py<PyAny>,
    no_alerts: Py<PyAny>,
    lateness: f64,
    full_events: i64,
    stride: i64,
    slots: Slots,
    // detectors.config.EngineConfig.allowed_skew_seconds (the clock rule, detectors/clock.py)
    skew: f64,
}

#[pymethods]
impl HotPath {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        engine: Py<PyAny>,
        recent_ids: Py<RecentIds>,
        keys: Py<PyDict>,
        text_bits: Py<PyDict>,
        bits: Py<PyAny>,
        stats: Py<PyAny>,
        no_alerts: Py<PyAny>,
        lateness: f64,
        full_events: i64,
        stride: i64,
        key_state: &Bound<'_, PyType>,
        skew: f64,
    ) -> PyResult<Self> {
        if stride < 1 {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "stride must be >= 1",
            ));
        }
        Ok(HotPath {
            engine: Some(engine),
            recent_ids,
            keys,
            text_bits,
            bits,
            stats,
            no_alerts,
            lateness,
            full_events,
            stride,
            slots: Slots::of(key_state)?,
            skew,
        })
    }

    /// The constants this was compiled with, for the test that compares them.
    #[staticmethod]
    fn constants() -> (i64, i64) {
        (HIGH_MAX_TOKENS, EXPIRY_EVERY)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(engine) = &self.engine {
            visit.call(engine)?;
        }
        visit.call(&self.recent_ids)?;
        visit.call(&self.keys)?;
        visit.call(&self.text_bits)?;
        visit.call(&self.bits)?;
        visit.call(&self.stats)?;
        if let Some(owner) = self.slots.owner() {
            visit.call(owner)?;
        }
        visit.call(&self.no_alerts)
    }

    fn __clear__(&mut self) {
        self.engine = None;
    }

    fn process<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let engine = self.engine(py)?;
        let fields = match event.cast::<PyTuple>() {
            Ok(t) if t.len() == 18 && t.get_item(0)?.is_instance_of::<PyFloat>() => t,
            // Not the parser's Event: the reference takes it.
            _ => {
                return engine
                    .get_type()
                    .call_method1(intern!(py, "process"), (engine, event))
            }
        };
        let ts_obj = fields.get_item(0)?;
        let ts: f64 = ts_obj.extract()?;
        let max_ts: f64 = engine.getattr(intern!(py, "_max_ts"))?.extract()?;
        // Outside [watermark - lateness, watermark + skew] (the first, a late or an early
        // event): the clock rule decides, in the reference (detectors/clock.py).
        if !(max_ts - self.lateness <= ts && ts <= max_ts + self.skew) {
            return engine
                .get_type()
                .call_method1(intern!(py, "process"), (engine, event));
        }
        let stats = self.stats.bind(py);
        let key_obj = fields.get_item(1)?;
        let key = key_obj.cast::<PyString>()?;
        let request_id = fields.get_item(REQUEST_ID)?;
        if !request_id.is_none() {
            let rid = request_id.cast::<PyString>()?;
            let seen = self
                .recent_ids
                .bind(py)
                .borrow_mut()
                .seen(key.to_str()?, rid.to_str()?);
            if seen {
                bump(stats, intern!(py, "events_duplicate"))?;
                return Ok(self.no_alerts.bind(py).clone());
            }
        }
        bump(stats, intern!(py, "events_valid"))?;
        if ts > max_ts {
            engine.setattr(intern!(py, "_max_ts"), &ts_obj)?;
        }
        let keys = self.keys.bind(py);
        let mut alerts = self.no_alerts.bind(py).clone();
        let state = match keys.get_item(&key_obj)? {
            Some(state) if ts < self.slots.get(&state, Slot::WindowEnd)?.extract::<f64>()? => state,
            found => {
                let opened =
                    engine.call_method1(intern!(py, "_open_state"), (&key_obj, found, &ts_obj))?;
                let opened = opened.cast::<PyTuple>()?;
                alerts = opened.get_item(1)?;
                opened.get_item(0)?
            }
        };
        let account = fields.get_item(ACCOUNT_ID)?;
        if !account.is_none() {
            self.slots.set(&state, Slot::AccountId, account)?;
        }
        let text = fields.get_item(PROMPT_TEXT)?;
        let fp = if text.is_none() {
            py.None().into_bound(py)
        } else {
            let window_events: i64 = self.slots.get(&state, Slot::WindowEvents)?.extract()?;
            let seen = window_events - self.full_events;
            if seen < 0 || seen.rem_euclid(self.stride) == 0 {
                fingerprint_fields(py, text.cast::<PyString>()?)?
                    .into_pyobject(py)?
                    .into_any()
            } else {
                py.None().into_bound(py)
            }
        };
        let ip = fields.get_item(CLIENT_IP)?;
        let ip_bit = if ip.is_none() {
            0i64.into_pyobject(py)?.into_any()
        } else {
            ip_prefix_bit(py, ip.cast::<PyString>()?)?
        };
        let ua_bit = self.text_bit(py, &fields.get_item(USER_AGENT)?)?;
        let model_bit = self.text_bit(py, &fields.get_item(MODEL)?)?;
        let bits = [Some(&ip_bit), Some(&ua_bit), Some(&model_bit)];
        add_event_with(py, &self.slots, &state, event, &fp, bits)?;
        let slice = self.slots.get(&state, Slot::HighSlice)?;
        if !slice.is_none() {
            let max_tokens = fields.get_item(MAX_TOKENS)?;
            // (event.max_tokens or 0) >= HIGH_MAX_TOKENS, for ints of any size
            if !max_tokens.is_none() && max_tokens.ge(HIGH_MAX_TOKENS)? {
                add_event_with(py, &self.slots, &slice, event, &fp, bits)?;
            }
        }
        let since: i64 = engine
            .getattr(intern!(py, "_since_expiry"))?
            .extract::<i64>()?
            + 1;
        engine.setattr(intern!(py, "_since_expiry"), since)?;
        if since >= EXPIRY_EVERY {
            engine.call_method0(intern!(py, "_expire"))?;
        }
        Ok(alerts)
    }
}

impl HotPath {
    fn engine<'py>(&self, py: Python<'py>) -> PyResult<&Bound<'py, PyAny>> {
        match &self.engine {
            Some(engine) => Ok(engine.bind(py)),
            None => Err(pyo3::exceptions::PyRuntimeError::new_err("engine released")),
        }
    }

    /// An agent's or model's bitmap bit: the memo, else `AttributeBits.text` (0 when absent).
    fn text_bit<'py>(
        &self,
        py: Python<'py>,
        value: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if value.is_none() {
            return Ok(0i64.into_pyobject(py)?.into_any());
        }
        if let Some(bit) = self.text_bits.bind(py).get_item(value)? {
            if bit.is_truthy()? {
                return Ok(bit);
            }
        }
        self.bits
            .bind(py)
            .call_method1(intern!(py, "text"), (value,))
    }
}

fn bump(stats: &Bound<'_, PyAny>, name: &Bound<'_, PyString>) -> PyResult<()> {
    let count: i64 = stats.getattr(name)?.extract()?;
    stats.setattr(name, count + 1)
}

/// `detectors.sharded.ShardedEngine.process`, compiled: route the event to its
/// partition's engine (Kafka's partitioner), run that engine's `HotPath`, and call
/// back into Python (`_merge`) only when campaign summaries wait to be merged.
#[pyclass(module = "distillwatch_native")]
pub struct ShardedPath {
    // Option: the sharded engine holds this object too (cycle broken in __clear__).
    sharded: Option<Py<PyAny>>,
    engines: Vec<Py<PyAny>>,
    hot_paths: Vec<Py<HotPath>>,
    held: Option<Py<PyList>>,
}

#[pymethods]
impl ShardedPath {
    /// `held` is the merger's list of summaries held back (None: no campaign stage).
    #[new]
    fn new(
        sharded: Py<PyAny>,
        engines: Vec<Py<PyAny>>,
        hot_paths: Vec<Py<HotPath>>,
        held: Option<Py<PyList>>,
    ) -> PyResult<Self> {
        if engines.is_empty() || engines.len() != hot_paths.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "one hot path per engine, at least one",
            ));
        }
        Ok(ShardedPath {
            sharded: Some(sharded),
            engines,
            hot_paths,
            held,
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some(sharded) = &self.sharded {
            visit.call(sharded)?;
        }
        for engine in &self.engines {
            visit.call(engine)?;
        }
        for path in &self.hot_paths {
            visit.call(path)?;
        }
        if let Some(held) = &self.held {
            visit.call(held)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.sharded = None;
        self.engines.clear();
        self.hot_paths.clear();
        self.held = None;
    }

    fn process<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        if self.engines.is_empty() {
            return Err(pyo3::exceptions::PyRuntimeError::new_err("engine released"));
        }
        let key = event.get_item(1)?;
        let key = key.cast::<PyString>()?.to_str()?;
        let partition = crate::partition::partition_of(key, self.engines.len() as u32) as usize;
        let alerts = self.hot_paths[partition]
            .bind(py)
            .borrow()
            .process(py, event)?;
        let Some(held) = &self.held else {
            return Ok(alerts);
        };
        let engine = self.engines[partition].bind(py);
        let pending = engine.getattr(intern!(py, "_summaries"))?;
        if pending.is_truthy()? || !held.bind(py).is_empty() {
            let Some(sharded) = &self.sharded else {
                return Err(pyo3::exceptions::PyRuntimeError::new_err("engine released"));
            };
            return sharded
                .bind(py)
                .call_method1(intern!(py, "_merge"), (partition, alerts));
        }
        Ok(alerts)
    }
}
