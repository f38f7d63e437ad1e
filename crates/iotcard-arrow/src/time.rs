//! Instants ⇄ the integers of Arrow timestamps, through the core's Unix-time
//! functions: the one place that knows how an [`Instant`] is made from Unix
//! time.

use arrow_schema::TimeUnit;
use iotcard::{Error, Instant};

use crate::columns::invalid;

const NANOS_PER_MS: u32 = 1_000_000;

/// `t` as Unix milliseconds; an instant with a finer fraction is refused
/// (the tables store milliseconds, and rounding would change the card).
pub(crate) fn to_ms(field: &str, t: Instant) -> Result<i64, Error> {
    if !t.subsec_nanos().is_multiple_of(NANOS_PER_MS) {
        return Err(invalid(
            field,
            t,
            "has a fraction finer than a millisecond; the columnar tables store milliseconds",
        ));
    }
    Ok(t.unix_millis())
}

/// The instant `v` units after the Unix epoch.
pub(crate) fn from_unit(field: &str, v: i64, unit: TimeUnit) -> Result<Instant, Error> {
    let split = |per_s: i64, nanos_per: i64| {
        let nanos = v.rem_euclid(per_s) * nanos_per;
        Instant::from_unix(v.div_euclid(per_s), nanos as u32)
    };
    let t = match unit {
        TimeUnit::Second => Instant::from_unix(v, 0),
        TimeUnit::Millisecond => Instant::from_unix_millis(v),
        TimeUnit::Microsecond => split(1_000_000, 1_000),
        TimeUnit::Nanosecond => split(1_000_000_000, 1),
    };
    t.ok_or_else(|| invalid(field, v, format!("out of the range of instants ({unit:?})")))
}
