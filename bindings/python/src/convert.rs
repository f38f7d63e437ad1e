//! Conversions between Python values and the core's: instants, JSON text, and
//! JSON-shaped Python values (made into JSON text for the core's parsers, which do
//! every check). No rule logic, and no parsing of its own: a bad value is the
//! core's `invalid_input`, whichever door it came in by.

use std::borrow::Cow;
use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeDelta, Timelike, Utc};
use iotcard::{Error, Instant, TimeZone};
use pyo3::prelude::*;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDateAccess, PyDateTime, PyDelta, PyDeltaAccess, PyDict,
    PyFloat, PyInt, PyList, PyMapping, PyString, PyTimeAccess, PyTuple, PyTzInfo, PyTzInfoAccess,
};
use serde_json::Value;

use crate::errors::to_py_err;

/// Nesting deeper than this is refused as invalid input (the core's JSON parser
/// has the same limit), so a malicious value cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// An [`Error::InvalidInput`] as a Python exception.
pub(crate) fn invalid(field: &str, value: impl Into<String>, reason: impl Into<String>) -> PyErr {
    to_py_err(Error::InvalidInput {
        field: field.to_owned(),
        value: value.into(),
        reason: reason.into(),
    })
}

/// A short `repr()` of a Python value for error messages.
fn short_repr(obj: &Bound<'_, PyAny>) -> String {
    let r = obj
        .repr()
        .map_or_else(|_| "<unrepresentable>".to_owned(), |r| r.to_string());
    if r.chars().count() > 80 {
        let cut: String = r.chars().take(77).collect();
        format!("{cut}...")
    } else {
        r
    }
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
}

thread_local! {
    /// The last `datetime.timezone` seen and its offset in µs: billing scripts use
    /// one or two zones, and asking a tzinfo for its offset costs a Python call.
    static LAST_FIXED: RefCell<Option<(Py<PyTzInfo>, i64)>> = const { RefCell::new(None) };
}

fn cached_fixed_offset(tz: &Bound<'_, PyTzInfo>) -> Option<i64> {
    LAST_FIXED.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|(t, us)| t.is(tz).then_some(*us))
    })
}

/// A Python `datetime` as an instant and its UTC offset in µs. The datetime must
/// be timezone-aware: a naive one is refused (a billing script must never guess
/// a time zone), and so is anything else (`invalid_input` naming `field`).
fn instant_and_offset(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<(Instant, i64)> {
    let Ok(dt) = obj.cast::<PyDateTime>() else {
        return Err(invalid(
            field,
            short_repr(obj),
            format!("expected a timezone-aware datetime, got {}", type_name(obj)),
        ));
    };
    let naive = || {
        invalid(
            field,
            short_repr(obj),
            "naive datetime (no tzinfo): pass a timezone-aware datetime, e.g. \
             datetime(2026, 2, 1, tzinfo=timezone(timedelta(hours=8)))",
        )
    };
    let Some(tz) = dt.get_tzinfo() else {
        return Err(naive());
    };
    let utc = PyTzInfo::utc(obj.py())?;
    let offset_us: i64 = if tz.is(&*utc) {
        0
    } else if let Some(us) = cached_fixed_offset(&tz) {
        us
    } else {
        let off = dt.call_method0(pyo3::intern!(obj.py(), "utcoffset"))?;
        if off.is_none() {
            return Err(naive());
        }
        let d = off.cast::<PyDelta>()?;
        let us = (i64::from(d.get_days()) * 86_400 + i64::from(d.get_seconds())) * 1_000_000
            + i64::from(d.get_microseconds());
        // A `datetime.timezone` is a fixed offset whatever the date: remember it.
        if tz.get_type().is(utc.get_type()) {
            LAST_FIXED.with(|c| *c.borrow_mut() = Some((tz.clone().unbind(), us)));
        }
        us
    };
    let local = NaiveDate::from_ymd_opt(
        dt.get_year(),
        u32::from(dt.get_month()),
        u32::from(dt.get_day()),
    )
    .and_then(|d| {
        d.and_hms_micro_opt(
            u32::from(dt.get_hour()),
            u32::from(dt.get_minute()),
            u32::from(dt.get_second()),
            dt.get_microsecond(),
        )
    })
    .and_then(|l| l.checked_sub_signed(TimeDelta::microseconds(offset_us)))
    .ok_or_else(|| invalid(field, short_repr(obj), "not a representable instant"))?;
    // The core's supported range (every door refuses the same instants).
    let t =
        Instant::try_from(DateTime::<Utc>::from_naive_utc_and_offset(local, Utc)).map_err(|e| {
            match e {
                Error::InvalidInput { reason, .. } => invalid(field, short_repr(obj), reason),
                other => to_py_err(other),
            }
        })?;
    Ok((t, offset_us))
}

/// A Python `datetime` as an instant (see [`instant_and_offset`]).
pub(crate) fn instant(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Instant> {
    instant_and_offset(field, obj).map(|(t, _)| t)
}

/// An instant as a Python `datetime` in the fixed offset `tz` (microseconds: the
/// core's nanoseconds are truncated).
pub(crate) fn datetime(
    py: Python<'_>,
    t: Instant,
    tz: TimeZone,
) -> PyResult<Bound<'_, PyDateTime>> {
    let local = DateTime::<Utc>::from(t).with_timezone(&FixedOffset::from(tz));
    let tzinfo = if tz.offset_seconds() == 0 {
        PyTzInfo::utc(py)?.to_owned()
    } else {
        PyTzInfo::fixed_offset(py, PyDelta::new(py, 0, tz.offset_seconds(), 0, true)?)?
    };
    PyDateTime::new(
        py,
        local.year(),
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
        (local.nanosecond() / 1000).min(999_999),
        Some(&tzinfo),
    )
}

/// UTC, for instants that come with no billing time zone (card state, audit trail).
pub(crate) fn utc() -> TimeZone {
    TimeZone::UTC
}

/// An instant as an attribute: a `datetime` in `.1`; equal and hashed as the
/// instant, whatever the offset (as Python's aware datetimes are).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dt(pub(crate) Instant, pub(crate) TimeZone);

impl Dt {
    /// An instant in UTC.
    pub(crate) fn utc(t: Instant) -> Self {
        Dt(t, utc())
    }
}

impl PartialEq for Dt {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for Dt {}
impl Hash for Dt {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<'py> IntoPyObject<'py> for Dt {
    type Target = PyDateTime;
    type Output = Bound<'py, PyDateTime>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        datetime(py, self.0, self.1)
    }
}

/// JSON text from `str`, `bytes` or `bytearray`.
pub(crate) fn json_text(what: &str, data: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = data.cast::<PyString>() {
        return s
            .to_cow()
            .map(Cow::into_owned)
            .map_err(|_| invalid(what, "…", "not valid Unicode (lone surrogate)"));
    }
    let bytes: Vec<u8> = if let Ok(b) = data.cast::<PyBytes>() {
        b.as_bytes().to_vec()
    } else if let Ok(b) = data.cast::<PyByteArray>() {
        b.to_vec()
    } else {
        return Err(invalid(
            what,
            short_repr(data),
            format!("expected JSON as str or bytes, got {}", type_name(data)),
        ));
    };
    String::from_utf8(bytes).map_err(|e| invalid(what, "…", format!("not UTF-8: {e}")))
}

/// JSON text from a JSON string or a JSON-shaped Python value (a mapping; a
/// list or tuple too, so that the core refuses it as it refuses a JSON array,
/// "must be a JSON object").
pub(crate) fn json_or_mapping(what: &str, data: &Bound<'_, PyAny>) -> PyResult<String> {
    if data.is_instance_of::<PyDict>()
        || data.is_instance_of::<PyList>()
        || data.is_instance_of::<PyTuple>()
        || data.cast::<PyMapping>().is_ok()
    {
        Ok(to_json(what, data)?.to_string())
    } else {
        json_text(what, data)
    }
}

/// JSON text of an object made of `(key, value)` pairs, the values JSON-shaped
/// Python values; absent (or `None`) values are left out (the JSON's default).
/// What the typed constructors give the core's parsers, so that their arguments
/// are checked exactly as the same fields of `from_dict`.
pub(crate) fn object<'a, 'py: 'a>(
    what: &str,
    fields: impl IntoIterator<Item = (&'a str, Option<&'a Bound<'py, PyAny>>)>,
) -> PyResult<String> {
    let mut map = serde_json::Map::new();
    for (key, value) in fields {
        if let Some(v) = value.filter(|v| !v.is_none()) {
            map.insert(key.to_owned(), to_json(&format!("{what}.{key}"), v)?);
        }
    }
    Ok(Value::Object(map).to_string())
}

/// A JSON-shaped Python value as JSON: `dict` (str keys), `list`/`tuple`, `str`,
/// `int`, `float`, `bool`, `None`; an aware `datetime` becomes RFC 3339 (in its
/// own offset when that is whole minutes, else UTC); the binding's own value
/// classes become their JSON.
pub(crate) fn to_json(what: &str, obj: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    to_json_at(what, obj, 0)
}

fn to_json_at(path: &str, obj: &Bound<'_, PyAny>, depth: usize) -> PyResult<Value> {
    if depth > MAX_DEPTH {
        return Err(invalid(
            path,
            "…",
            format!("nested deeper than {MAX_DEPTH}"),
        ));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err(invalid(
            path,
            short_repr(obj),
            "integer out of the 64-bit range",
        ));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| invalid(path, short_repr(obj), "not a finite number"));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return s
            .to_cow()
            .map(|s| Value::String(s.into_owned()))
            .map_err(|_| invalid(path, short_repr(obj), "not valid Unicode (lone surrogate)"));
    }
    if obj.is_instance_of::<PyDateTime>() {
        let (t, offset_us) = instant_and_offset(path, obj)?;
        let tz = (offset_us % 60_000_000 == 0)
            .then(|| TimeZone::from_offset_seconds(i32::try_from(offset_us / 1_000_000).ok()?))
            .flatten()
            .unwrap_or_else(utc);
        return Ok(Value::String(iotcard::format_instant(t, tz)));
    }
    if let Some(v) = crate::value::json_of_value_class(obj) {
        return Ok(v);
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return dict_to_json(path, d.items().iter(), depth);
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, item) in obj.try_iter()?.enumerate() {
            out.push(to_json_at(&format!("{path}[{i}]"), &item?, depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        return dict_to_json(path, m.items()?.iter(), depth);
    }
    Err(invalid(
        path,
        short_repr(obj),
        format!(
            "{} is not JSON-shaped (expected dict, list, str, int, float, bool, None or datetime)",
            type_name(obj)
        ),
    ))
}

fn dict_to_json<'py>(
    path: &str,
    items: impl Iterator<Item = Bound<'py, PyAny>>,
    depth: usize,
) -> PyResult<serde_json::Value> {
    let mut map = serde_json::Map::new();
    for item in items {
        let (k, v): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item.extract()?;
        let Value::String(key) = to_json_at(&format!("{path} key"), &k, depth + 1)? else {
            return Err(invalid(
                &format!("{path} key"),
                short_repr(&k),
                "keys must be str",
            ));
        };
        let value = to_json_at(&format!("{path}.{key}"), &v, depth + 1)?;
        map.insert(key, value);
    }
    Ok(serde_json::Value::Object(map))
}

/// JSON text as a Python value (`json.loads`).
pub(crate) fn loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import(pyo3::intern!(py, "json"))?
        .call_method1(pyo3::intern!(py, "loads"), (text,))
}

/// `Name(key=value, ...)`, each value as Python writes it (`repr`): the reprs of the
/// value classes, made from their `to_dict()` items.
pub(crate) fn repr_items<'py>(
    name: &str,
    items: impl IntoIterator<Item = (Bound<'py, PyAny>, Bound<'py, PyAny>)>,
) -> PyResult<String> {
    let fields = items
        .into_iter()
        .map(|(k, v)| Ok(format!("{k}={}", v.repr()?)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(format!("{name}({})", fields.join(", ")))
}
