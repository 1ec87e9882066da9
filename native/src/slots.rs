//! Direct access to `detectors.features.KeyState`'s `__slots__`.
//!
//! The compiled add reads and writes ~15 slots per event; through `getattr` each
//! costs a type lookup and a descriptor call (~25 ns). The slots of a `__slots__`
//! class are fixed offsets into the object (member descriptors of type
//! `T_OBJECT_EX`), so, for objects whose type is exactly `KeyState`, this reads and
//! writes them there, as CPython's own member descriptors do. Any other object
//! goes through `getattr`/`setattr`.

use pyo3::ffi;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyType};

/// The slots the compiled path touches.
#[derive(Clone, Copy)]
pub(crate) enum Slot {
    Values,
    LastTs,
    TotalEvents,
    WindowEvents,
    IpBits,
    IpHistory,
    UaBits,
    UaHistory,
    ModelBits,
    TemperatureBits,
    VocabBits,
    Clusters,
    ClusterWeights,
    WindowEnd,
    AccountId,
    HighSlice,
}

const NAMES: [&str; 16] = [
    "values",
    "last_ts",
    "total_events",
    "window_events",
    "ip_bits",
    "ip_history",
    "ua_bits",
    "ua_history",
    "model_bits",
    "temperature_bits",
    "vocab_bits",
    "clusters",
    "cluster_weights",
    "window_end",
    "account_id",
    "high_slice",
];

/// The slot's name as an interned Python string (made once per process).
fn name_of(py: Python<'_>, slot: Slot) -> &Bound<'_, PyString> {
    match slot {
        Slot::Values => intern!(py, "values"),
        Slot::LastTs => intern!(py, "last_ts"),
        Slot::TotalEvents => intern!(py, "total_events"),
        Slot::WindowEvents => intern!(py, "window_events"),
        Slot::IpBits => intern!(py, "ip_bits"),
        Slot::IpHistory => intern!(py, "ip_history"),
        Slot::UaBits => intern!(py, "ua_bits"),
        Slot::UaHistory => intern!(py, "ua_history"),
        Slot::ModelBits => intern!(py, "model_bits"),
        Slot::TemperatureBits => intern!(py, "temperature_bits"),
        Slot::VocabBits => intern!(py, "vocab_bits"),
        Slot::Clusters => intern!(py, "clusters"),
        Slot::ClusterWeights => intern!(py, "cluster_weights"),
        Slot::WindowEnd => intern!(py, "window_end"),
        Slot::AccountId => intern!(py, "account_id"),
        Slot::HighSlice => intern!(py, "high_slice"),
    }
}

/// Offsets of `KeyState`'s slots, or none (every access by name).
pub(crate) struct Slots {
    owner: Option<Py<PyType>>,
    offsets: [ffi::Py_ssize_t; NAMES.len()],
}

impl Slots {
    /// Access by name only (objects of any type).
    pub(crate) fn by_name() -> Self {
        Slots {
            owner: None,
            offsets: [0; NAMES.len()],
        }
    }

    /// Offsets read off `owner`'s member descriptors (all must be object slots).
    pub(crate) fn of(owner: &Bound<'_, PyType>) -> PyResult<Self> {
        let mut offsets = [0; NAMES.len()];
        for (i, name) in NAMES.iter().enumerate() {
            let descriptor = owner.getattr(*name)?;
            if descriptor.get_type().name()?.to_str()? != "member_descriptor" {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "{name} is not a __slots__ member"
                )));
            }
            // SAFETY: a member_descriptor object is a PyMemberDescrObject, whose d_member
            // points at the class's PyMemberDef (pyo3-ffi types the pointer as a
            // PyGetSetDef; CPython's descrobject.h has PyMemberDef).
            let member = unsafe {
                let descr = descriptor.as_ptr() as *mut ffi::PyMemberDescrObject;
                &*((*descr).d_member as *const ffi::PyMemberDef)
            };
            if member.type_code != ffi::Py_T_OBJECT_EX {
                return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                    "{name} is not an object slot"
                )));
            }
            offsets[i] = member.offset;
        }
        Ok(Slots {
            owner: Some(owner.clone().unbind()),
            offsets,
        })
    }

    /// The owner type, for the holder's `__traverse__`.
    pub(crate) fn owner(&self) -> Option<&Py<PyType>> {
        self.owner.as_ref()
    }

    fn direct(&self, obj: &Bound<'_, PyAny>) -> bool {
        match &self.owner {
            Some(owner) => obj.get_type().is(owner.bind(obj.py())),
            None => false,
        }
    }

    fn address(&self, obj: &Bound<'_, PyAny>, slot: Slot) -> *mut *mut ffi::PyObject {
        // SAFETY (callers): `obj` is exactly the owner type, whose slot lives there.
        unsafe {
            (obj.as_ptr() as *mut u8).offset(self.offsets[slot as usize]) as *mut *mut ffi::PyObject
        }
    }

    pub(crate) fn get<'py>(
        &self,
        obj: &Bound<'py, PyAny>,
        slot: Slot,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = obj.py();
        if !self.direct(obj) {
            return obj.getattr(name_of(py, slot));
        }
        // SAFETY: a slot of a live object of the owner type; NULL means unset.
        unsafe {
            let value = *self.address(obj, slot);
            if value.is_null() {
                return Err(pyo3::exceptions::PyAttributeError::new_err(
                    NAMES[slot as usize],
                ));
            }
            Ok(Bound::from_borrowed_ptr(py, value))
        }
    }

    pub(crate) fn set(
        &self,
        obj: &Bound<'_, PyAny>,
        slot: Slot,
        value: Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if !self.direct(obj) {
            return obj.setattr(name_of(obj.py(), slot), value);
        }
        // SAFETY: as CPython's member set for T_OBJECT_EX: store the new reference,
        // then release the old one (after the store, as it may run arbitrary code).
        unsafe {
            let address = self.address(obj, slot);
            let old = *address;
            *address = value.into_ptr();
            ffi::Py_XDECREF(old);
        }
        Ok(())
    }
}
