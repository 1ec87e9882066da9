//! The common case of `detectors.events._from_wire`'s checks, compiled: event time
//! and client IP of an event msgspec already decoded.
//!
//! Returns the event time only when both are certainly valid under the Python rules;
//! `None` sends the event down the Python checks, which name the exact fault (or
//! accept what this strict fast path does not try to parse).

use std::net::Ipv6Addr;
use std::str::FromStr;

use pyo3::prelude::*;
use pyo3::types::{PyFloat, PyString};

const MIN_TS: f64 = 946_684_800.0; // 2000-01-01, detectors.timestamps.MIN_TS
const MAX_TS: f64 = 4_102_444_800.0; // 2100-01-01, detectors.timestamps.MAX_TS

/// The range a test compares with `detectors.timestamps`.
#[pyfunction]
pub fn ts_range() -> (f64, f64) {
    (MIN_TS, MAX_TS)
}

/// Event time of a valid `ts` and `client_ip`, else None (the Python checks decide).
#[pyfunction]
pub fn checked_ts(ts: &Bound<'_, PyAny>, client_ip: Option<&Bound<'_, PyString>>) -> Option<f64> {
    if let Some(ip) = client_ip {
        if !is_ip(ip.to_str().ok()?) {
            return None;
        }
    }
    let seconds = if let Ok(text) = ts.cast::<PyString>() {
        rfc3339_utc(text.to_str().ok()?.as_bytes())?
    } else {
        // msgspec hands epoch numbers over as float (ints included).
        ts.cast::<PyFloat>().ok()?.value()
    };
    (MIN_TS..MAX_TS).contains(&seconds).then_some(seconds)
}

/// "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DDTHH:MM:SS.fffZ" ('t' and 'z' too), as
/// `parse_ts`'s fast path reads them: whole seconds, plus milliseconds / 1000.
fn rfc3339_utc(text: &[u8]) -> Option<f64> {
    if !(text.len() == 20 || text.len() == 24) || !matches!(text[text.len() - 1], b'Z' | b'z') {
        return None;
    }
    if !matches!(text[10], b'T' | b't')
        || text[4] != b'-'
        || text[7] != b'-'
        || text[13] != b':'
        || text[16] != b':'
    {
        return None;
    }
    let number = |from: usize, to: usize| -> Option<i64> {
        text[from..to].iter().try_fold(0i64, |acc, &b| {
            b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
        })
    };
    let (year, month, day) = (number(0, 4)?, number(5, 7)?, number(8, 10)?);
    let (hour, minute, second) = (number(11, 13)?, number(14, 16)?, number(17, 19)?);
    if year < 1 || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let whole = days_from_civil(year, month, day) * 86_400 + hour * 3_600 + minute * 60 + second;
    let whole = whole as f64;
    if text.len() == 20 {
        return Some(whole);
    }
    if text[19] != b'.' {
        return None;
    }
    Some(whole + number(20, 23)? as f64 / 1000.0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `events._is_ip` where it is sure: a dotted quad without leading zeros (its regex),
/// or an IPv6 address std parses (no zone id). Anything else: not sure, so false here
/// and the Python check decides.
fn is_ip(text: &str) -> bool {
    if text.contains(':') {
        return !text.contains('%') && Ipv6Addr::from_str(text).is_ok();
    }
    let mut parts = 0;
    for octet in text.split('.') {
        parts += 1;
        let b = octet.as_bytes();
        let valid = !b.is_empty()
            && b.len() <= 3
            && b.iter().all(u8::is_ascii_digit)
            && (b.len() == 1 || b[0] != b'0')
            && octet.parse::<u16>().is_ok_and(|v| v <= 255);
        if !valid {
            return false;
        }
    }
    parts == 4
}

/// `detectors.summaries.IP_PREFIX_BITS`: width of a key's IP-prefix bitmap.
const IP_PREFIX_BITS: u32 = 256;

/// `1 << (crc32(ip_prefix(ip)) % IP_PREFIX_BITS)`, as `AttributeBits.ip` computes it
/// (text UTF-8 cannot encode raises UnicodeEncodeError, as the reference's encode does).
#[pyfunction]
pub fn ip_prefix_bit<'py>(
    py: Python<'py>,
    client_ip: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = client_ip.to_str()?;
    let prefix = if text.contains(':') {
        // ":".join(ip.split(":")[:3]): up to the third colon, or all of it.
        match text.match_indices(':').nth(2) {
            Some((at, _)) => &text[..at],
            None => text,
        }
    } else {
        // ip.rpartition(".")[0]: before the last dot, or "" without one.
        text.rfind('.').map_or("", |at| &text[..at])
    };
    let bit = (crc32fast::hash(prefix.as_bytes()) % IP_PREFIX_BITS) as usize;
    // 1 << bit through the interpreter's public number protocol (no private converters).
    1u8.into_pyobject(py)?.lshift(bit)
}

/// The bitmap width this module was compiled with (a test compares it).
#[pyfunction]
pub fn ip_prefix_bits() -> u32 {
    IP_PREFIX_BITS
}
