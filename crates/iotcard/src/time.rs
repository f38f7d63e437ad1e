//! Time ("Time" in rules.md): instants, the billing time zone and calendar-month
//! arithmetic that clamps to the month's last day (R4.2).
//!
//! Every function here is checked: an instant past chrono's range gives `None`
//! (the callers turn it into an error), never a panic.

use chrono::{
    DateTime, Datelike, FixedOffset, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _,
    Utc,
};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An exact instant. Stored in UTC with nanosecond precision; the offset an
/// event was written with does not matter (instants compare as instants).
pub type Instant = DateTime<Utc>;

/// Parses an RFC 3339 instant with an offset (`2026-02-01T00:00:00+08:00`, `...Z`).
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `s` is not RFC 3339 with an offset.
///
/// ```
/// let a = iotcard::parse_instant("at", "2026-02-01T00:00:00+08:00").unwrap();
/// let b = iotcard::parse_instant("at", "2026-01-31T16:00:00Z").unwrap();
/// assert_eq!(a, b);
/// assert!(iotcard::parse_instant("at", "2026-02-01 00:00:00").is_err());
/// ```
pub fn parse_instant(field: &str, s: &str) -> Result<Instant, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::invalid(
                field,
                format!("{s:?}"),
                format!("not an RFC 3339 instant with offset ({e})"),
            )
        })
}

/// Formats an instant as RFC 3339 in the given offset (seconds, or more digits
/// when the instant has a fraction).
pub fn format_instant(t: Instant, tz: FixedOffset) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Serde for [`Instant`] as strict RFC 3339 (used by every JSON type).
pub(crate) mod rfc3339 {
    use super::{Deserialize, Deserializer, Instant, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::parse_instant("instant", &s).map_err(|e| match e {
            crate::Error::InvalidInput { value, reason, .. } => {
                serde::de::Error::custom(format!("invalid value: string {value}: {reason}"))
            }
            other => serde::de::Error::custom(other),
        })
    }

    /// The same for `Option<Instant>` (null allowed).
    pub(crate) mod option {
        use super::{Deserialize, Deserializer, Instant, Serializer};

        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(
            t: &Option<Instant>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => super::serialize(t, s),
                None => s.serialize_none(),
            }
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Instant>, D::Error> {
            #[derive(Deserialize)]
            struct W(#[serde(with = "super")] Instant);
            Ok(Option::<W>::deserialize(d)?.map(|w| w.0))
        }
    }
}

/// The billing time zone: a fixed UTC offset, written `+08:00` (default), `-05:00`
/// or `Z`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimeZone(pub FixedOffset);

impl TimeZone {
    /// China Standard Time, `+08:00`: the default.
    pub const CHINA: TimeZone = match FixedOffset::east_opt(8 * 3600) {
        Some(o) => TimeZone(o),
        None => panic!("+08:00 is a valid offset"),
    };

    /// Parses `+HH:MM`, `-HH:MM` or `Z`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `policy.timezone` for anything else, or an
    /// offset beyond ±23:59.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::invalid("policy.timezone", format!("{s:?}"), why);
        if s == "Z" {
            return Ok(TimeZone(FixedOffset::east_opt(0).ok_or_else(|| bad("?"))?));
        }
        let b = s.as_bytes();
        if b.len() != 6 || b[3] != b':' || !(b[0] == b'+' || b[0] == b'-') {
            return Err(bad("must be an offset like +08:00, -05:00 or Z"));
        }
        let num = |i: usize| -> Result<i32, Error> {
            if b[i].is_ascii_digit() && b[i + 1].is_ascii_digit() {
                Ok(i32::from(b[i] - b'0') * 10 + i32::from(b[i + 1] - b'0'))
            } else {
                Err(bad("must be an offset like +08:00, -05:00 or Z"))
            }
        };
        let (h, m) = (num(1)?, num(4)?);
        if h > 23 || m > 59 {
            return Err(bad("offset must be within ±23:59"));
        }
        let secs = (h * 3600 + m * 60) * if b[0] == b'-' { -1 } else { 1 };
        FixedOffset::east_opt(secs)
            .map(TimeZone)
            .ok_or_else(|| bad("offset must be within ±23:59"))
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::CHINA
    }
}

impl std::fmt::Display for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.0.local_minus_utc();
        let sign = if s < 0 { '-' } else { '+' };
        let a = s.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)
    }
}

impl Serialize for TimeZone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for TimeZone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        TimeZone::parse(&s).map_err(|e| match e {
            Error::InvalidInput { value, reason, .. } => {
                serde::de::Error::custom(format!("invalid value: string {value}: {reason}"))
            }
            other => serde::de::Error::custom(other),
        })
    }
}

/// `t + n` calendar months in `tz`, clamped to the month's last day (R4.2:
/// 30 Nov + 3 months = 28 Feb, or 29 Feb in a leap year). `None` past chrono's range.
///
/// ```
/// use iotcard::{add_months, parse_instant, TimeZone};
/// let t = parse_instant("t", "2026-11-30T12:00:00+08:00").unwrap();
/// let r = add_months(t, 3, TimeZone::CHINA).unwrap();
/// assert_eq!(r, parse_instant("t", "2027-02-28T12:00:00+08:00").unwrap());
/// ```
pub fn add_months(t: Instant, n: u32, tz: TimeZone) -> Option<Instant> {
    let local = local(t, tz)?;
    let shifted = local.checked_add_months(Months::new(n))?;
    tz.0.from_local_datetime(&shifted)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// Whole calendar months from `from` to `to` in `tz`: the largest `m` with
/// `add_months(from, m) <= to` (0 when `to <= from`).
pub fn whole_months(from: Instant, to: Instant, tz: TimeZone) -> u32 {
    if to <= from {
        return 0;
    }
    let (Some(a), Some(b)) = (local(from, tz), local(to, tz)) else {
        return 0;
    };
    let guess = (b.year() - a.year()) * 12 + (b.month() as i32 - a.month() as i32);
    let mut m = guess.max(0) as u32;
    // The guess is exact or one too many (day/time of month not yet reached).
    while m > 0 && add_months(from, m, tz).is_none_or(|x| x > to) {
        m -= 1;
    }
    m
}

/// Local midnight on the first day of (`year`, `month`) in `tz`, as an instant.
pub(crate) fn month_start(year: i32, month: u32, tz: TimeZone) -> Option<Instant> {
    let d = NaiveDate::from_ymd_opt(year, month, 1)?;
    tz.0.from_local_datetime(&d.and_time(NaiveTime::MIN))
        .single()
        .map(|d| d.with_timezone(&Utc))
}

/// (year, month) of `t` in `tz`; `None` when the local time is past chrono's range.
pub(crate) fn year_month(t: Instant, tz: TimeZone) -> Option<(i32, u32)> {
    let l = local(t, tz)?;
    Some((l.year(), l.month()))
}

/// The local wall-clock time of `t` in `tz` (checked: chrono's `naive_local` panics
/// at the edges of its range).
fn local(t: Instant, tz: TimeZone) -> Option<NaiveDateTime> {
    t.naive_utc().checked_add_offset(tz.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Instant {
        parse_instant("t", s).unwrap()
    }

    #[test]
    fn clamps_to_month_end() {
        let tz = TimeZone::CHINA;
        assert_eq!(
            add_months(t("2026-01-31T00:00:00+08:00"), 1, tz),
            Some(t("2026-02-28T00:00:00+08:00"))
        );
        assert_eq!(
            add_months(t("2027-11-30T00:00:00+08:00"), 3, tz),
            Some(t("2028-02-29T00:00:00+08:00"))
        );
    }

    #[test]
    fn month_arithmetic_is_in_the_billing_zone() {
        // 31 Jan 20:00 UTC is already 1 Feb 04:00 in +08:00.
        let tz = TimeZone::CHINA;
        assert_eq!(
            add_months(t("2026-01-31T20:00:00Z"), 1, tz),
            Some(t("2026-03-01T04:00:00+08:00"))
        );
    }

    #[test]
    fn whole_months_counts_started_months_down() {
        let tz = TimeZone::CHINA;
        let a = t("2026-01-31T10:00:00+08:00");
        assert_eq!(whole_months(a, t("2026-02-28T09:59:59+08:00"), tz), 0);
        assert_eq!(whole_months(a, t("2026-02-28T10:00:00+08:00"), tz), 1);
        assert_eq!(whole_months(a, t("2026-05-01T00:00:00+08:00"), tz), 3);
        assert_eq!(whole_months(a, a, tz), 0);
    }

    #[test]
    fn timezone_parse_and_display() {
        for s in ["+08:00", "-05:30", "+00:00", "+23:59", "-23:59"] {
            assert_eq!(TimeZone::parse(s).unwrap().to_string(), s);
        }
        assert_eq!(TimeZone::parse("Z").unwrap().to_string(), "+00:00");
        for s in ["+24:00", "08:00", "+8:00", "+08:60", "UTC", ""] {
            assert!(TimeZone::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn range_edges_do_not_panic() {
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(add_months(max, 1, TimeZone::CHINA), None);
        let _ = whole_months(DateTime::<Utc>::MIN_UTC, max, TimeZone::CHINA);
    }
}
