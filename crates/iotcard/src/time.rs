//! Time ("Time" in docs/rules.md): instants, the billing time zone and calendar-month
//! arithmetic that clamps to the month's last day (R4.2).
//!
//! Every function here is checked: an instant past chrono's range gives `None`
//! (the callers turn it into an error), never a panic.

use chrono::{DateTime, FixedOffset, Utc};
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
/// // Years past 9999 carry a sign, as chrono writes them.
/// assert!(iotcard::parse_instant("at", "+10000-01-01T00:00:00Z").is_ok());
/// ```
pub fn parse_instant(field: &str, s: &str) -> Result<Instant, Error> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .or_else(|e| {
            // Years beyond 0000–9999 are written with a sign (`+10000-01-01T...`),
            // as chrono does; RFC 3339 has no room for them, but computed instants
            // (a period end after a plan ending in 9999) can get there.
            if s.starts_with(['+', '-']) {
                s.parse::<Instant>().map_err(|_| e)
            } else {
                Err(e)
            }
        })
        .map_err(|e| {
            Error::invalid(
                field,
                format!("{s:?}"),
                format!("not an RFC 3339 instant with offset ({e})"),
            )
        })
}

/// Formats an instant as RFC 3339 in the given offset (seconds, or more digits
/// when the instant has a fraction). An instant whose local time in `tz` is
/// beyond chrono's range (within a day of its ends) is written in UTC.
pub fn format_instant(t: Instant, tz: FixedOffset) -> String {
    // chrono's `to_rfc3339` on such a local time panics.
    if t.naive_utc().checked_add_offset(tz).is_none() {
        return t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    }
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
        crate::error::de_str(d, |s| super::parse_instant("instant", s))
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
        crate::error::de_str(d, TimeZone::parse)
    }
}

/// Local civil time of an instant: the local date as (year, month, day), the
/// second of the local day, and the nanoseconds. Plain integer arithmetic
/// (Howard Hinnant's `civil_from_days`): the assess path runs it tens of millions
/// of times a second, and chrono's `checked_add_months` costs several times more.
/// The unit tests check it against chrono.
///
/// Fields are in significance order, so the derived ordering is chronological
/// for civil times of one time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Civil {
    year: i64,
    month: u32,
    day: u32,
    second: i64,
    nanos: u32,
}

const DAY: i64 = 86_400;

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

impl Civil {
    pub(crate) fn of(t: Instant, tz: TimeZone) -> Civil {
        let local = t.timestamp() + i64::from(tz.0.local_minus_utc());
        let (year, month, day) = civil_from_days(local.div_euclid(DAY));
        Civil {
            year,
            month,
            day,
            second: local.rem_euclid(DAY),
            nanos: t.timestamp_subsec_nanos(),
        }
    }

    /// The instant of this local time; `None` past chrono's range.
    fn instant(self, tz: TimeZone) -> Option<Instant> {
        let local = days_from_civil(self.year, self.month, self.day) * DAY + self.second;
        DateTime::from_timestamp(local - i64::from(tz.0.local_minus_utc()), self.nanos)
    }

    /// `n` months later, the day clamped to the month's last day.
    fn plus_months(self, n: u32) -> Civil {
        let total = self.year * 12 + i64::from(self.month) - 1 + i64::from(n);
        let (year, month) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
        Civil {
            year,
            month,
            day: self.day.min(days_in_month(year, month)),
            ..self
        }
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
    add_months_civil(Civil::of(t, tz), n, tz)
}

/// [`add_months`] from an instant already converted to `tz`'s calendar.
pub(crate) fn add_months_civil(c: Civil, n: u32, tz: TimeZone) -> Option<Instant> {
    c.plus_months(n).instant(tz)
}

/// Whole calendar months from `from` to `to` in `tz`: the largest `m` with
/// `add_months(from, m) <= to` (0 when `to <= from`).
///
/// ```
/// use iotcard::{parse_instant, whole_months, TimeZone};
/// let a = parse_instant("a", "2026-01-31T10:00:00+08:00").unwrap();
/// let b = parse_instant("b", "2026-02-28T10:00:00+08:00").unwrap();
/// assert_eq!(whole_months(a, b, TimeZone::CHINA), 1); // 31 Jan + 1 month = 28 Feb
/// ```
pub fn whole_months(from: Instant, to: Instant, tz: TimeZone) -> u32 {
    whole_months_civil(Civil::of(from, tz), Civil::of(to, tz))
}

/// [`whole_months`] on civil times of one time zone.
pub(crate) fn whole_months_civil(a: Civil, b: Civil) -> u32 {
    if b <= a {
        return 0;
    }
    let m = (b.year - a.year) * 12 + i64::from(b.month) - i64::from(a.month);
    // `from + m` months falls in b's month, on a's day clamped; one less when that
    // is later than `to`.
    let day = a.day.min(days_in_month(b.year, b.month));
    let later = (day, a.second, a.nanos) > (b.day, b.second, b.nanos);
    u32::try_from(m - i64::from(later)).unwrap_or(u32::MAX)
}

/// Local midnight on the first day of (`year`, `month`) in `tz`, as an instant.
pub(crate) fn month_start(year: i64, month: u32, tz: TimeZone) -> Option<Instant> {
    Civil {
        year,
        month,
        day: 1,
        second: 0,
        nanos: 0,
    }
    .instant(tz)
}

/// (year, month) of `t` in `tz`.
pub(crate) fn year_month(t: Instant, tz: TimeZone) -> (i64, u32) {
    let c = Civil::of(t, tz);
    (c.year, c.month)
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

    /// chrono's own month arithmetic, the oracle for [`add_months`].
    fn chrono_add_months(t: Instant, n: u32, tz: TimeZone) -> Option<Instant> {
        use chrono::TimeZone as _;
        let local = t.naive_utc().checked_add_offset(tz.0)?;
        let shifted = local.checked_add_months(chrono::Months::new(n))?;
        tz.0.from_local_datetime(&shifted)
            .single()
            .map(|d| d.with_timezone(&Utc))
    }

    proptest::proptest! {
        #[test]
        fn prop_add_months_matches_chrono(
            secs in -50_000_000_000i64..200_000_000_000,
            nanos in 0u32..1_000_000_000,
            n in 0u32..5000,
            offset in -86_340i32..=86_340,
        ) {
            let t = DateTime::from_timestamp(secs, nanos).unwrap();
            let tz = TimeZone(FixedOffset::east_opt(offset).unwrap());
            proptest::prop_assert_eq!(add_months(t, n, tz), chrono_add_months(t, n, tz));
        }

        #[test]
        fn prop_whole_months_is_largest_m_with_add_months_not_after(
            a in -5_000_000_000i64..5_000_000_000,
            gap in 0i64..2_000_000_000,
            offset in -86_340i32..=86_340,
        ) {
            let tz = TimeZone(FixedOffset::east_opt(offset).unwrap());
            let (from, to) = (DateTime::from_timestamp(a, 0).unwrap(), DateTime::from_timestamp(a + gap, 0).unwrap());
            let m = whole_months(from, to, tz);
            proptest::prop_assert!(add_months(from, m, tz).unwrap() <= to);
            proptest::prop_assert!(add_months(from, m + 1, tz).unwrap() > to);
        }
    }

    #[test]
    fn range_edges_do_not_panic() {
        let (min, max) = (DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC);
        let edge = TimeZone::parse("+23:59").unwrap();
        assert_eq!(add_months(max, 1, TimeZone::CHINA), None);
        assert_eq!(add_months(max, 0, edge), Some(max));
        assert_eq!(add_months(min, u32::MAX, edge), None);
        assert!(whole_months(min, max, edge) > 6_000_000);
        assert_eq!(year_month(max, edge).1, 1);
    }
}
