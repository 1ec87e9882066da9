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
/// partition's watermark moved since the partition's last `merge` (otherwise `merge`
/// would advance nothing, and every `merge` ends by releasing what it can). Anything
/// but an event with a str key goes to `reference` (`ShardedEngine.process`).
#[pyclass(module = "distillwatch_native", frozen)]
pub struct ShardedPath {
    reference: Py<PyAny>,
    paths: Vec<Py<HotPath>>,
    merge: Option<Py<PyAny>>,
    held: Option<Py<PyList>>,
    // Per partition, the engine's watermark (f64 bits) at its last `merge`.
    merged: Vec<AtomicU64>,
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
        let merged = paths
            .iter()
            .map(|_| AtomicU64::new(f64::NAN.to_bits()))
            .collect();
        Ok(ShardedPath {
            reference,
            paths,
            merge,
            held,
            merged,
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
            return self.reference.bind(py).call1((event,));
        };
        let Ok(text) = key.to_str() else {
            return self.reference.bind(py).call1((event,));
        };
        let partition = crate::partition::partition_of(text, self.paths.len() as u32) as usize;
        let step = self.paths[partition].get().step(py, event)?;
        let Some(merge) = &self.merge else {
            return Ok(step.emitted);
        };
        let held = self.held.as_ref().is_some_and(|h| !h.bind(py).is_empty());
        let merged = &self.merged[partition];
        let moved = step.watermark != f64::from_bits(merged.load(Ordering::Relaxed));
        if step.called_back || (held && moved) {
            let emitted = merge.bind(py).call1((partition, step.emitted))?;
            merged.store(step.watermark.to_bits(), Ordering::Relaxed);
            return Ok(emitted);
        }
        Ok(step.emitted)
    }
}
