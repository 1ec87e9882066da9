//! `detectors.sharded.ShardedEngine.process`, compiled: Kafka's routing in front of one
//! `HotPath` per partition, and the summary merge called only when it can act.

use std::sync::atomic::{AtomicU64, Ordering};

use pyo3::prelude::*;
use pyo3::types::{PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::engine::{HotPath, API_KEY_ID};

/// `detectors.sharded.ShardedEngine.process`, compiled: route the event to its
/// partition's engine (Kafka's partitioner), run that engine's `HotPath`, and call
/// back into Python (`merge`, the sharded engine's `_merge`) only when that can do
/// something: the engine called back into Python (only there are keys scored and
/// summaries made), or the merger holds summaries back (`held`, its buffer) and the
/// event moved the watermark of a partition that was (one of) the slowest. Only then
/// can the merger's minimum watermark rise: `merge` catches every partition up and
/// releases what falls below it, so skipping the other events releases nothing the
/// reference would have (it, too, ends every `merge` by releasing all it can). Anything
/// but an event with a str key goes to `reference` (`ShardedEngine.process`).
#[pyclass(module = "distillwatch_native", frozen)]
pub struct ShardedPath {
    reference: Py<PyAny>,
    paths: Vec<Py<HotPath>>,
    merge: Option<Py<PyAny>>,
    held: Option<Py<PyList>>,
    // Per partition, its engine's watermark (f64 bits) after its latest event.
    current: Vec<AtomicU64>,
}

impl ShardedPath {
    /// The reference for an event this path cannot route; it may move any engine's
    /// watermark, so every partition's is unknown here until it steps again.
    fn by_reference<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        for current in &self.current {
            current.store(f64::NAN.to_bits(), Ordering::Relaxed);
        }
        self.reference.bind(py).call1((event,))
    }
}

#[pymethods]
impl ShardedPath {
    /// `merge` and `held` are None without a campaign stage.
    #[new]
    fn new(
        reference: Py<PyAny>,
        paths: Vec<Py<HotPath>>,
        merge: Option<Py<PyAny>>,
        held: Option<Py<PyList>>,
    ) -> PyResult<Self> {
        if paths.is_empty() {
            return Err(pyo3::exceptions::PyValueError::new_err(
                "one hot path per engine, at least one",
            ));
        }
        let current = paths
            .iter()
            .map(|_| AtomicU64::new(f64::NEG_INFINITY.to_bits()))
            .collect();
        Ok(ShardedPath {
            reference,
            paths,
            merge,
            held,
            current,
        })
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.reference)?;
        for path in &self.paths {
            visit.call(path)?;
        }
        if let Some(merge) = &self.merge {
            visit.call(merge)?;
        }
        if let Some(held) = &self.held {
            visit.call(held)?;
        }
        Ok(())
    }

    fn process<'py>(
        &self,
        py: Python<'py>,
        event: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = event
            .cast::<PyTuple>()
            .ok()
            .and_then(|t| t.get_item(API_KEY_ID).ok())
            .and_then(|k| k.cast_into_exact::<PyString>().ok());
        let Some(key) = key else {
            return self.by_reference(py, event);
        };
        let Ok(text) = key.to_str() else {
            return self.by_reference(py, event);
        };
        let partition = crate::partition::partition_of(text, self.paths.len() as u32) as usize;
        let step = self.paths[partition].get().step(py, event)?;
        let Some(merge) = &self.merge else {
            return Ok(step.emitted);
        };
        let watermark = |q: usize| f64::from_bits(self.current[q].load(Ordering::Relaxed));
        let before = watermark(partition);
        self.current[partition].store(step.watermark.to_bits(), Ordering::Relaxed);
        if step.called_back {
            return merge.bind(py).call1((partition, step.emitted));
        }
        let held = self.held.as_ref().is_some_and(|h| !h.bind(py).is_empty());
        if !held || step.watermark == before {
            return Ok(step.emitted);
        }
        // NaN: a watermark the reference moved, unknown here; then call, as if slowest.
        let slowest = before.is_nan()
            || step.watermark.is_nan()
            || (0..self.current.len())
                .filter(|&q| q != partition)
                .all(|q| {
                    let other = watermark(q);
                    other.is_nan() || before <= other
                });
        if slowest {
            return merge.bind(py).call1((partition, step.emitted));
        }
        Ok(step.emitted)
    }
}
