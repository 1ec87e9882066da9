//! The fields of an event tuple (`detectors.events.Event`) the compiled step reads,
//! checked before anything is written, and the attribute positions
//! (`detectors.attributes.AttributeIndex`) of its address, client and model.

use std::borrow::Cow;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyFloat, PyString, PyTuple};

use crate::engine::API_KEY_ID;
use crate::layout::{IP_PREFIX_BITS, TEXT_BITS};
use crate::request::Request;

// `detectors.events.Event` field positions (`EVENT_FIELDS` is checked against `Event._fields`).
const REQUEST_ID: usize = 4;
const ACCOUNT_ID: usize = 5;
const MODEL: usize = 6;
const CLIENT_IP: usize = 14;
const USER_AGENT: usize = 15;
const SYSTEM_PROMPT_HASH: usize = 16;
const PROMPT_TEXT: usize = 17;

/// An event's fields the compiled step reads, checked before anything is written
/// (borrowed from the event tuple).
pub(crate) struct Fields<'a, 'py> {
    pub(crate) request: Request,
    pub(crate) ts: &'a Bound<'py, PyFloat>,
    pub(crate) key: &'a Bound<'py, PyString>,
    pub(crate) request_id: Option<&'a Bound<'py, PyString>>,
    pub(crate) account_id: &'a Bound<'py, PyAny>,
    pub(crate) model: Option<&'a Bound<'py, PyString>>,
    pub(crate) client_ip: Option<&'a Bound<'py, PyString>>,
    pub(crate) user_agent: Option<&'a Bound<'py, PyString>>,
    pub(crate) system_prompt_hash: Option<&'a Bound<'py, PyString>>,
    pub(crate) prompt_text: Option<&'a Bound<'py, PyString>>,
}

fn optional_str<'a, 'py>(value: &'a Bound<'py, PyAny>) -> Option<Option<&'a Bound<'py, PyString>>> {
    if value.is_none() {
        return Some(None);
    }
    value.cast_exact::<PyString>().ok().map(Some)
}

impl<'a, 'py> Fields<'a, 'py> {
    pub(crate) fn read(event: &'a Bound<'py, PyTuple>) -> Option<Fields<'a, 'py>> {
        let request = Request::read(event)?;
        let item = event.as_slice();
        let ts = item[0].cast_exact::<PyFloat>().ok()?;
        let key = item[API_KEY_ID].cast_exact::<PyString>().ok()?;
        let request_id = optional_str(&item[REQUEST_ID])?;
        // Lone surrogates: the reference raises where it hashes them; let it.
        key.to_str().ok()?;
        if let Some(rid) = request_id {
            rid.to_str().ok()?;
        }
        Some(Fields {
            request,
            ts,
            key,
            request_id,
            account_id: &item[ACCOUNT_ID],
            model: optional_str(&item[MODEL])?,
            client_ip: optional_str(&item[CLIENT_IP])?,
            user_agent: optional_str(&item[USER_AGENT])?,
            system_prompt_hash: optional_str(&item[SYSTEM_PROMPT_HASH])?,
            prompt_text: optional_str(&item[PROMPT_TEXT])?,
        })
    }
}

/// UTF-8 bytes as `.encode("utf-8", "replace")` makes them.
pub(crate) fn utf8_replace<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(s) = text.to_str() {
        return Ok(Cow::Borrowed(s.as_bytes()));
    }
    let py = text.py();
    let encoded = text.call_method1(intern!(py, "encode"), ("utf-8", "replace"))?;
    Ok(Cow::Owned(encoded.cast::<PyBytes>()?.as_bytes().to_vec()))
}

/// `AttributeIndex.ip`: the position of the address's /24 (IPv6 /48) prefix.
pub(crate) fn ip_position(ip: &Bound<'_, PyString>) -> PyResult<i64> {
    let bytes = utf8_replace(ip)?;
    let prefix: &[u8] = if bytes.contains(&b':') {
        // ":".join(ip.split(":")[:3]): up to the third colon, or all of it.
        match bytes.iter().enumerate().filter(|(_, &b)| b == b':').nth(2) {
            Some((at, _)) => &bytes[..at],
            None => &bytes,
        }
    } else {
        // ip.rpartition(".")[0]: before the last dot, or "" without one.
        bytes
            .iter()
            .rposition(|&b| b == b'.')
            .map_or(&[][..], |at| &bytes[..at])
    };
    Ok(i64::from(crc32fast::hash(prefix) % IP_PREFIX_BITS as u32))
}

/// `AttributeIndex.text`: a user agent's or model's position.
pub(crate) fn text_position(value: &Bound<'_, PyString>) -> PyResult<i64> {
    Ok(i64::from(
        crc32fast::hash(&utf8_replace(value)?) & (TEXT_BITS - 1),
    ))
}
