//! Instants ⇄ the integers of Arrow timestamps: the one place that knows how
//! the core's [`Instant`] is built from Unix time.

use arrow_schema::TimeUnit;
use iotcard::{Error, Instant};

use crate::columns::invalid;

const NANOS_PER_MS: u32 = 1_000_000;

/// `t` as Unix milliseconds; an instant with a finer fraction is refused
/// (the tables store milliseconds, and rounding would change the card).
pub(crate) fn to_ms(field: &str, t: Instant) -> Result<i64, Error> {
    if !t.timestamp_subsec_nanos().is_multiple_of(NANOS_PER_MS) {
        return Err(invalid(
            field,
            t.to_rfc3339(),
            "has a fraction finer than a millisecond; the columnar tables store milliseconds",
        ));
    }
    Ok(t.timestamp_millis())
}

/// The instant `v` units after the Unix epoch.
pub(crate) fn from_unit(field: &str, v: i64, unit: TimeUnit) -> Result<Instant, Error> {
    let t = match unit {
        TimeUnit::Second => Instant::from_timestamp(v, 0),
        TimeUnit::Millisecond => Instant::from_timestamp_millis(v),
        TimeUnit::Microsecond => Instant::from_timestamp_micros(v),
        TimeUnit::Nanosecond => Some(Instant::from_timestamp_nanos(v)),
    };
    t.ok_or_else(|| invalid(field, v, format!("out of the range of instants ({unit:?})")))
}
