//! Time ("Time" in docs/rules.md): instants, the billing time zone and calendar-month
//! arithmetic that clamps to the month's last day (R4.2).
//!
//! Every function here is checked: an instant past chrono's range gives `None`
//! (the callers turn it into an error), never a panic.

use std::fmt;
use std::num::NonZeroU32;

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

/// An exact instant, with nanosecond precision; the offset an event was written
/// with does not matter (instants compare as instants). The crate's own type:
/// convert to and from chrono with `From`/`TryFrom`, to and from Unix
/// milliseconds with [`Instant::from_unix_millis`] and [`Instant::unix_millis`].
/// Displayed and serialized as RFC 3339 in UTC (`2026-01-31T16:00:00Z`).
///
/// ```
/// use iotcard::Instant;
/// let t = Instant::from_unix_millis(1_767_225_600_000).unwrap();
/// assert_eq!(t.to_string(), "2026-01-01T00:00:00Z");
/// assert_eq!(t.unix_millis(), 1_767_225_600_000);
/// let c: chrono::DateTime<chrono::Utc> = t.into();
/// assert_eq!(Instant::try_from(c).unwrap(), t);
/// ```
///
/// Kept as Unix seconds and nanoseconds (fields in significance order, so the
/// derived ordering is chronological): comparing instants and taking their local
/// calendar date is integer arithmetic. `nanos` is below 10⁹ except on a leap
/// second (`23:59:60`, which chrono's RFC 3339 parser takes), kept as chrono
/// keeps it: the second before it, with 10⁹ more nanoseconds.
///
/// Packed to 4-byte alignment: 12 bytes instead of 16. Cards and assessments
/// hold arrays of optional instants (when each hold went on), so the smaller
/// size is what lets an assessment be built in registers and stores rather
/// than through `memcpy` (benches/RESULTS.md, `assess/assessor`). The fields
/// are only ever read by value, so the packing costs nothing.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(C, packed(4))]
pub struct Instant {
    secs: i64,
    /// The nanoseconds plus one: a `NonZeroU32` gives `Option<Instant>` a niche,
    /// so an optional instant is as small as an instant (assessments and cards
    /// hold many).
    nanos1: NonZeroU32,
}

// An optional instant costs no more than an instant (the niche of `nanos1`).
const _: () = assert!(size_of::<Option<Instant>>() == size_of::<Instant>());
// Twelve bytes (packed): see the type's documentation.
const _: () = assert!(size_of::<Instant>() == 12);

impl Instant {
    /// The instant `secs` seconds and `nanos` nanoseconds after the epoch,
    /// unchecked.
    const fn raw(secs: i64, nanos: u32) -> Instant {
        Instant {
            secs,
            nanos1: match NonZeroU32::new(nanos.saturating_add(1)) {
                Some(n) => n,
                None => NonZeroU32::MAX,
            },
        }
    }

    /// The nanoseconds past the second.
    const fn nanos(self) -> u32 {
        self.nanos1.get() - 1
    }

    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Instant = Instant::raw(0, 0);

    /// The first instant of the supported range, 1900-01-01T00:00:00Z. Every door
    /// (RFC 3339 text, Unix milliseconds, chrono, Python `datetime`) and every
    /// operation refuses an earlier one with `invalid_input` naming the field.
    pub const MIN: Instant = Instant::raw(-2_208_988_800, 0);

    /// The last instant of the supported range, 9898-12-31T23:59:59.999999999Z.
    /// Every instant the library computes from instants in the range (a period
    /// end, the end of retention or dormancy after at most
    /// [`crate::MAX_POLICY_MONTHS`] months) is before 9999-01-01T00:00:00Z, so it
    /// is written with a four-digit year in every offset a policy allows, and
    /// Python's `datetime` can hold it.
    pub const MAX: Instant = Instant::raw(250_215_091_199, 999_999_999);

    /// `secs` seconds later (earlier when negative); `None` outside the
    /// supported range.
    pub fn checked_add_seconds(self, secs: i64) -> Option<Instant> {
        if self.nanos() < 1_000_000_000 {
            let t = Instant::raw(self.secs.checked_add(secs)?, self.nanos());
            return (Instant::MIN <= t && t <= Instant::MAX).then_some(t);
        }
        // A leap second: chrono's arithmetic.
        chrono::TimeDelta::try_seconds(secs)
            .and_then(|d| self.chrono().checked_add_signed(d))
            .and_then(Instant::checked)
    }

    /// The instant `ms` milliseconds after 1970-01-01T00:00:00Z (before, when
    /// negative); `None` when it is outside the supported range.
    pub fn from_unix_millis(ms: i64) -> Option<Instant> {
        DateTime::from_timestamp_millis(ms).and_then(Instant::checked)
    }

    /// [`Instant::from_unix_millis`], with an error naming `field` (what the C
    /// library's `*_ms` arguments go through).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `field` when `ms` is outside the supported
    /// range.
    pub fn try_from_unix_millis(field: &str, ms: i64) -> Result<Instant, Error> {
        Instant::from_unix_millis(ms).ok_or_else(|| out_of_range(field, format!("{ms} (Unix ms)")))
    }

    /// The instant `secs` seconds and `nanos` nanoseconds (< 10⁹) after
    /// 1970-01-01T00:00:00Z; `None` when it is outside the supported range.
    pub fn from_unix(secs: i64, nanos: u32) -> Option<Instant> {
        if nanos >= 1_000_000_000 {
            return None;
        }
        DateTime::from_timestamp(secs, nanos).and_then(Instant::checked)
    }

    /// Unix milliseconds (sub-millisecond digits are rounded down).
    pub const fn unix_millis(self) -> i64 {
        self.secs * 1000 + (self.nanos() / 1_000_000) as i64
    }

    /// Unix seconds (rounded down).
    pub const fn unix_seconds(self) -> i64 {
        self.secs
    }

    /// The nanoseconds past [`Instant::unix_seconds`].
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos()
    }

    /// RFC 3339 in `tz` ([`format_instant`]).
    pub fn format(self, tz: TimeZone) -> String {
        format_instant(self, tz)
    }

    /// An instant the library computed (a period end, the end of retention):
    /// not checked against the supported range.
    pub(crate) const fn computed(t: DateTime<Utc>) -> Instant {
        Instant::raw(t.timestamp(), t.timestamp_subsec_nanos())
    }

    /// `t`, when it is in the supported range.
    fn checked(t: DateTime<Utc>) -> Option<Instant> {
        Instant::computed(t).in_range()
    }

    /// `self`, when it is in the supported range.
    fn in_range(self) -> Option<Instant> {
        (Instant::MIN <= self && self <= Instant::MAX).then_some(self)
    }

    /// The same instant as chrono's.
    fn chrono(self) -> DateTime<Utc> {
        // Every instant was made from one of chrono's (or, by the fast parser
        // and `checked_add_seconds`, inside the supported range), so this is
        // always `Some`.
        DateTime::from_timestamp(self.secs, self.nanos()).unwrap_or(DateTime::<Utc>::MIN_UTC)
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({self})")
    }
}

impl fmt::Display for Instant {
    /// RFC 3339 in UTC, as in JSON.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = fast::Buf::new();
        match fast::format(*self, TimeZone::UTC, &mut buf) {
            Some(s) => f.write_str(s),
            None => f.write_str(
                &self
                    .chrono()
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            ),
        }
    }
}

impl From<Instant> for DateTime<Utc> {
    fn from(t: Instant) -> DateTime<Utc> {
        t.chrono()
    }
}

impl TryFrom<DateTime<Utc>> for Instant {
    type Error = Error;

    /// # Errors
    /// [`Error::InvalidInput`] naming `instant` when `t` is outside the
    /// supported range.
    fn try_from(t: DateTime<Utc>) -> Result<Instant, Error> {
        Instant::checked(t).ok_or_else(|| out_of_range("instant", t))
    }
}

impl TryFrom<DateTime<FixedOffset>> for Instant {
    type Error = Error;

    /// # Errors
    /// As `TryFrom<DateTime<Utc>>`.
    fn try_from(t: DateTime<FixedOffset>) -> Result<Instant, Error> {
        Instant::try_from(t.with_timezone(&Utc))
    }
}

/// The error for an instant outside the supported range.
fn out_of_range(field: &str, t: impl fmt::Display) -> Error {
    Error::invalid(
        field,
        t,
        format!(
            "outside the supported range of instants, {} ..= {}",
            Instant::MIN,
            Instant::MAX
        ),
    )
}

/// Refuses an instant outside the supported range (one the library computed,
/// such as an assessment's `next.at`, handed back as an input), naming `field`.
pub(crate) fn check_range(field: &str, t: Instant) -> Result<(), Error> {
    if Instant::MIN <= t && t <= Instant::MAX {
        Ok(())
    } else {
        Err(out_of_range(field, t))
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize_in(*self, TimeZone::UTC, s)
    }
}

/// Serializes `t` as [`format_instant`] in `tz` writes it, without allocating
/// for the common instants.
pub(crate) fn serialize_in<S: Serializer>(
    t: Instant,
    tz: TimeZone,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut buf = fast::Buf::new();
    match fast::format(t, tz, &mut buf) {
        Some(text) => s.serialize_str(text),
        None => s.serialize_str(&chrono_format(t, tz)),
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::error::de_str(d, |s| parse_instant("instant", s))
    }
}

/// Parses an RFC 3339 instant with an offset (`2026-02-01T00:00:00+08:00`, `...Z`)
/// within the supported range ([`Instant::MIN`] ..= [`Instant::MAX`]).
///
/// # Errors
/// [`Error::InvalidInput`] naming `field` when `s` is not RFC 3339 with an offset
/// (which has four-digit years), or is outside the supported range.
///
/// ```
/// let a = iotcard::parse_instant("at", "2026-02-01T00:00:00+08:00").unwrap();
/// let b = iotcard::parse_instant("at", "2026-01-31T16:00:00Z").unwrap();
/// assert_eq!(a, b);
/// assert!(iotcard::parse_instant("at", "2026-02-01 00:00:00").is_err());
/// // RFC 3339 years have four digits: a signed year is refused.
/// assert!(iotcard::parse_instant("at", "+10000-01-01T00:00:00Z").is_err());
/// // The supported range is 1900-01-01T00:00:00Z ..= 9898-12-31T23:59:59.999999999Z.
/// assert!(iotcard::parse_instant("at", "1900-01-01T08:00:00+08:00").is_ok());
/// assert!(iotcard::parse_instant("at", "1900-01-01T07:59:59+08:00").is_err());
/// assert!(iotcard::parse_instant("at", "9898-12-31T23:59:59.999999999Z").is_ok());
/// assert!(iotcard::parse_instant("at", "9899-01-01T00:00:00Z").is_err());
/// ```
pub fn parse_instant(field: &str, s: &str) -> Result<Instant, Error> {
    if let Some(t) = fast::parse(s) {
        return t
            .in_range()
            .ok_or_else(|| out_of_range(field, format!("{s:?}")));
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            Error::invalid(
                field,
                format!("{s:?}"),
                format!("not an RFC 3339 instant with offset ({e})"),
            )
        })
        .and_then(|t| Instant::checked(t).ok_or_else(|| out_of_range(field, format!("{s:?}"))))
}

/// The earliest instant the library computes from the supported range (a quota
/// period's start, at most a year and a day before its instant): 1898-01-01T00:00:00Z.
pub(crate) const COMPUTED_MIN: Instant = Instant::raw(-2_272_060_800, 0);

/// The first instant past every one the library computes from the supported
/// range (the end of retention, at most 1200 months and a day after):
/// 9999-01-01T00:00:00Z, still a four-digit year in every offset.
pub(crate) const COMPUTED_END: Instant = Instant::raw(253_370_764_800, 0);

/// [`parse_instant`] for an instant the library computed and stored (see
/// [`rfc3339::computed`]).
pub(crate) fn parse_computed(field: &str, s: &str) -> Result<Instant, Error> {
    let t = match fast::parse(s) {
        Some(t) => t,
        None => DateTime::parse_from_rfc3339(s)
            .map(|t| Instant::computed(t.with_timezone(&Utc)))
            .map_err(|e| {
                Error::invalid(
                    field,
                    format!("{s:?}"),
                    format!("not an RFC 3339 instant with offset ({e})"),
                )
            })?,
    };
    if COMPUTED_MIN <= t && t < COMPUTED_END {
        Ok(t)
    } else {
        Err(Error::invalid(
            field,
            format!("{s:?}"),
            format!("outside the range of computed instants, {COMPUTED_MIN} ..< {COMPUTED_END}"),
        ))
    }
}

/// Formats an instant as RFC 3339 in the given offset (seconds, or more digits
/// when the instant has a fraction). Every instant of the supported range, and
/// every one the library computes from them, has a four-digit year in every
/// offset; a computed instant beyond chrono's range (only [`add_months`] on
/// instants outside the supported range gets there) is written in UTC.
pub fn format_instant(t: Instant, tz: TimeZone) -> String {
    let mut buf = fast::Buf::new();
    if let Some(s) = fast::format(t, tz, &mut buf) {
        return s.to_owned();
    }
    chrono_format(t, tz)
}

/// [`format_instant`] through chrono: the reference, and the way for what the
/// fast path leaves (years outside 0000..=9999, leap seconds).
fn chrono_format(t: Instant, tz: TimeZone) -> String {
    let (t, tz) = (t.chrono(), tz.0);
    // chrono's `to_rfc3339` on such a local time panics.
    if t.naive_utc().checked_add_offset(tz).is_none() {
        return t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    }
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// The fast path of [`parse_instant`] and [`format_instant`] for the shape every
/// feed and stored state uses, `YYYY-MM-DDTHH:MM:SS[.f](Z|±HH:MM)`: plain
/// integer arithmetic instead of chrono's general parser and formatter. Whatever
/// it does not take (lowercase `t`/`z`, a space, more than nine fraction digits,
/// a leap second, an invalid field) goes to chrono, which gives the result or
/// the error; the tests check both ways against chrono.
mod fast {
    use super::{DAY, Instant, TimeZone, civil_from_days, days_from_civil, days_in_month};

    /// Room for the longest instant the fast path writes:
    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+HH:MM` (35 bytes).
    pub(super) struct Buf([u8; 40]);

    impl Buf {
        pub(super) const fn new() -> Buf {
            Buf([0; 40])
        }
    }

    /// The value of the two ASCII digits at `i` (`None` unless both are digits).
    #[inline]
    fn two(b: &[u8], i: usize) -> Option<u32> {
        let (h, l) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (h < 10 && l < 10).then_some(u32::from(h) * 10 + u32::from(l))
    }

    /// The instant `s` names, when it has the common shape and valid fields;
    /// `None` leaves it to chrono.
    pub(super) fn parse(text: &str) -> Option<Instant> {
        let bytes = text.as_bytes();
        let head: &[u8; 20] = bytes.get(..20)?.try_into().ok()?;
        if head[4] != b'-'
            || head[7] != b'-'
            || head[10] != b'T'
            || head[13] != b':'
            || head[16] != b':'
        {
            return None;
        }
        // Every digit position at once, then the values.
        let digit = |at: usize| head[at].wrapping_sub(b'0');
        let bad = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
            .iter()
            .fold(0u8, |acc, &at| acc | u8::from(digit(at) > 9));
        if bad != 0 {
            return None;
        }
        let num = |at: usize| u32::from(digit(at)) * 10 + u32::from(digit(at + 1));
        let year = i64::from(num(0) * 100 + num(2));
        let (month, day) = (num(5), num(8));
        let (hour, minute, second) = (num(11), num(14), num(17));
        if !(1..=12).contains(&month)
            || day == 0
            || (day > 28 && day > days_in_month(year, month))
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let mut pos = 19;
        let mut nanos = 0u32;
        if bytes[pos] == b'.' {
            pos += 1;
            let start = pos;
            while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                if pos - start == 9 {
                    return None;
                }
                nanos = nanos * 10 + u32::from(bytes[pos] - b'0');
                pos += 1;
            }
            let digits = pos - start;
            if digits == 0 {
                return None;
            }
            nanos *= 10u32.pow(9 - digits as u32);
        }
        let offset = match &bytes[pos..] {
            [b'Z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (h, m) = (two(bytes, pos + 1)?, two(bytes, pos + 4)?);
                if h > 23 || m > 59 || (*sign == b'-' && h == 0 && m == 0) {
                    return None;
                }
                let secs = i64::from(h * 3600 + m * 60);
                if *sign == b'-' { -secs } else { secs }
            }
            _ => return None,
        };
        let local =
            days_from_civil(year, month, day) * DAY + i64::from(hour * 3600 + minute * 60 + second);
        // Years 0000..=9999: well inside chrono's range.
        Some(Instant::raw(local - offset, nanos))
    }

    fn put2(out: &mut [u8], i: usize, v: u32) {
        out[i] = b'0' + (v / 10) as u8;
        out[i + 1] = b'0' + (v % 10) as u8;
    }

    /// `t` in `tz` as RFC 3339 (`Z` for a zero offset; the fraction in 3, 6 or
    /// 9 digits, none when whole), written into `buf`; `None` for a local year
    /// outside 0000..=9999 or a leap second, left to chrono.
    pub(super) fn format(t: Instant, tz: TimeZone, buf: &mut Buf) -> Option<&str> {
        let nanos = t.nanos();
        if nanos >= 1_000_000_000 {
            return None;
        }
        let offset = tz.0.local_minus_utc();
        let local = t.secs + i64::from(offset);
        let (year, month, day) = civil_from_days(local.div_euclid(DAY));
        if !(0..=9999).contains(&year) {
            return None;
        }
        let sec = local.rem_euclid(DAY) as u32;
        let out = &mut buf.0;
        let year = year as u32;
        put2(out, 0, year / 100);
        put2(out, 2, year % 100);
        out[4] = b'-';
        put2(out, 5, month);
        out[7] = b'-';
        put2(out, 8, day);
        out[10] = b'T';
        put2(out, 11, sec / 3600);
        out[13] = b':';
        put2(out, 14, sec / 60 % 60);
        out[16] = b':';
        put2(out, 17, sec % 60);
        let mut n = 19;
        let digits = if nanos == 0 {
            0
        } else if nanos.is_multiple_of(1_000_000) {
            3
        } else if nanos.is_multiple_of(1000) {
            6
        } else {
            9
        };
        if digits > 0 {
            out[n] = b'.';
            let mut v = nanos / 10u32.pow(9 - digits);
            for k in (0..digits as usize).rev() {
                out[n + 1 + k] = b'0' + (v % 10) as u8;
                v /= 10;
            }
            n += 1 + digits as usize;
        }
        if offset == 0 {
            out[n] = b'Z';
            n += 1;
        } else {
            out[n] = if offset < 0 { b'-' } else { b'+' };
            let a = offset.unsigned_abs();
            put2(out, n + 1, a / 3600);
            out[n + 3] = b':';
            put2(out, n + 4, a / 60 % 60);
            n += 6;
        }
        // Only ASCII was written.
        std::str::from_utf8(&out[..n]).ok()
    }
}

/// Serde for [`Instant`] as strict RFC 3339 (used by every JSON type).
pub(crate) mod rfc3339 {
    use super::{Deserialize, Deserializer, Instant, Serialize, Serializer};

    pub(crate) fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
        t.serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        Instant::deserialize(d)
    }

    /// For an instant the library computed and stored (a quota period's start
    /// and end, up to a year before or after the instant it was computed for):
    /// RFC 3339 within [`super::COMPUTED_MIN`] ..< [`super::COMPUTED_END`].
    pub(crate) mod computed {
        use super::{Deserializer, Instant, Serialize, Serializer};

        pub(crate) fn serialize<S: Serializer>(t: &Instant, s: S) -> Result<S::Ok, S::Error> {
            t.serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
            crate::error::de_str(d, |s| super::super::parse_computed("instant", s))
        }
    }

    /// The same for `Option<Instant>` (null allowed).
    pub(crate) mod option {
        use super::{Deserialize, Deserializer, Instant, Serialize, Serializer};

        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(
            t: &Option<Instant>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            t.serialize(s)
        }

        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<Instant>, D::Error> {
            Option::<Instant>::deserialize(d)
        }
    }
}

/// The billing time zone: a fixed UTC offset in whole minutes within ±23:59,
/// written `+08:00` (default), `-05:00` or `Z`. The crate's own type: convert to
/// and from chrono's `FixedOffset` with `From`/`TryFrom`.
///
/// ```
/// use iotcard::TimeZone;
/// let tz = TimeZone::parse("-05:30")?;
/// assert_eq!(tz.offset_seconds(), -19_800);
/// assert_eq!(TimeZone::from_offset_seconds(-19_800), Some(tz));
/// assert_eq!(tz.to_string(), "-05:30");
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct TimeZone(FixedOffset);

impl TimeZone {
    /// China Standard Time, `+08:00`: the default.
    pub const CHINA: TimeZone = match FixedOffset::east_opt(8 * 3600) {
        Some(o) => TimeZone(o),
        None => panic!("+08:00 is a valid offset"),
    };

    /// UTC, `+00:00`.
    pub const UTC: TimeZone = match FixedOffset::east_opt(0) {
        Some(o) => TimeZone(o),
        None => panic!("+00:00 is a valid offset"),
    };

    /// The largest offset allowed either way, in seconds (23:59).
    pub const MAX_OFFSET_SECONDS: i32 = 23 * 3600 + 59 * 60;

    /// The offset of `secs` seconds east of UTC; `None` unless it is whole
    /// minutes within ±23:59.
    pub const fn from_offset_seconds(secs: i32) -> Option<TimeZone> {
        if secs % 60 != 0 || secs.unsigned_abs() > Self::MAX_OFFSET_SECONDS.unsigned_abs() {
            return None;
        }
        match FixedOffset::east_opt(secs) {
            Some(o) => Some(TimeZone(o)),
            None => None,
        }
    }

    /// Seconds east of UTC (`+08:00` is 28 800).
    pub const fn offset_seconds(self) -> i32 {
        self.0.local_minus_utc()
    }

    /// Parses `+HH:MM`, `-HH:MM` or `Z`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `policy.timezone` for anything else, or an
    /// offset beyond ±23:59.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::invalid("policy.timezone", format!("{s:?}"), why);
        if s == "Z" {
            return Ok(TimeZone::UTC);
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
        TimeZone::from_offset_seconds(secs).ok_or_else(|| bad("offset must be within ±23:59"))
    }
}

impl From<TimeZone> for FixedOffset {
    fn from(tz: TimeZone) -> FixedOffset {
        tz.0
    }
}

impl TryFrom<FixedOffset> for TimeZone {
    type Error = Error;

    /// # Errors
    /// [`Error::InvalidInput`] naming `timezone` when the offset is not whole
    /// minutes within ±23:59.
    fn try_from(o: FixedOffset) -> Result<TimeZone, Error> {
        TimeZone::from_offset_seconds(o.local_minus_utc())
            .ok_or_else(|| Error::invalid("timezone", o, "must be whole minutes within ±23:59"))
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::CHINA
    }
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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
        let local = t.secs + i64::from(tz.0.local_minus_utc());
        let (year, month, day) = civil_from_days(local.div_euclid(DAY));
        Civil {
            year,
            month,
            day,
            second: local.rem_euclid(DAY),
            nanos: t.nanos(),
        }
    }

    /// The instant of this local time; `None` past chrono's range.
    fn instant(self, tz: TimeZone) -> Option<Instant> {
        let local = days_from_civil(self.year, self.month, self.day) * DAY + self.second;
        let secs = local - i64::from(tz.0.local_minus_utc());
        // Well inside chrono's range (±262,143 years) and not a leap second:
        // every computed instant of the rules is, and chrono's conversion
        // (its day-number check) is most of what a due date costs.
        if self.nanos < 1_000_000_000 && (-200_000..=200_000).contains(&self.year) {
            return Some(Instant::raw(secs, self.nanos));
        }
        DateTime::from_timestamp(secs, self.nanos).map(Instant::computed)
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
    use proptest::strategy::Strategy as _;

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
    fn timezones_convert_to_and_from_chrono() {
        for s in [-86_340, -19_800, 0, 28_800, 86_340] {
            let tz = TimeZone::from_offset_seconds(s).unwrap();
            assert_eq!(tz.offset_seconds(), s);
            assert_eq!(TimeZone::try_from(FixedOffset::from(tz)), Ok(tz));
        }
        assert_eq!(TimeZone::from_offset_seconds(86_400), None);
        assert_eq!(TimeZone::from_offset_seconds(i32::MIN), None);
        for s in [-86_399, 1, 30, 86_399] {
            assert_eq!(TimeZone::from_offset_seconds(s), None, "{s}");
            let e = TimeZone::try_from(FixedOffset::east_opt(s).unwrap()).unwrap_err();
            assert!(e.to_string().contains("timezone"), "{e}");
        }
    }

    #[test]
    fn instants_convert_to_and_from_unix_and_chrono() {
        let t = parse_instant("t", "2026-01-31T16:00:00.123456789Z").unwrap();
        assert_eq!(t.unix_millis(), 1_769_875_200_123);
        assert_eq!(
            (t.unix_seconds(), t.subsec_nanos()),
            (1_769_875_200, 123_456_789)
        );
        assert_eq!(Instant::from_unix(1_769_875_200, 123_456_789), Some(t));
        assert_eq!(Instant::from_unix(0, 1_000_000_000), None);
        assert_eq!(Instant::from_unix_millis(0), Some(Instant::UNIX_EPOCH));
        let c: DateTime<Utc> = t.into();
        assert_eq!(Instant::try_from(c), Ok(t));
        assert_eq!(
            Instant::try_from(c.with_timezone(&TimeZone::CHINA.0)),
            Ok(t)
        );
        assert_eq!(t.to_string(), "2026-01-31T16:00:00.123456789Z");
        assert_eq!(format!("{t:?}"), "Instant(2026-01-31T16:00:00.123456789Z)");
        assert_eq!(
            t.format(TimeZone::CHINA),
            "2026-02-01T00:00:00.123456789+08:00"
        );
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-01-31T16:00:00.123456789Z\""
        );
        assert_eq!(
            serde_json::from_str::<Instant>("\"2026-02-01T00:00:00.123456789+08:00\"").unwrap(),
            t
        );
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
        let local = t.chrono().naive_utc().checked_add_offset(tz.0)?;
        let shifted = local.checked_add_months(chrono::Months::new(n))?;
        tz.0.from_local_datetime(&shifted)
            .single()
            .map(|d| Instant::computed(d.with_timezone(&Utc)))
    }

    fn at(secs: i64, nanos: u32) -> Instant {
        Instant::computed(DateTime::from_timestamp(secs, nanos).unwrap())
    }

    fn zone(offset: i32) -> TimeZone {
        TimeZone(FixedOffset::east_opt(offset).unwrap())
    }

    proptest::proptest! {
        #[test]
        fn prop_add_months_matches_chrono(
            secs in -50_000_000_000i64..200_000_000_000,
            nanos in 0u32..1_000_000_000,
            n in 0u32..5000,
            offset in -86_340i32..=86_340,
        ) {
            let (t, tz) = (at(secs, nanos), zone(offset));
            proptest::prop_assert_eq!(add_months(t, n, tz), chrono_add_months(t, n, tz));
        }

        #[test]
        fn prop_whole_months_is_largest_m_with_add_months_not_after(
            a in -5_000_000_000i64..5_000_000_000,
            gap in 0i64..2_000_000_000,
            offset in -86_340i32..=86_340,
        ) {
            let tz = zone(offset);
            let (from, to) = (at(a, 0), at(a + gap, 0));
            let m = whole_months(from, to, tz);
            proptest::prop_assert!(add_months(from, m, tz).unwrap() <= to);
            proptest::prop_assert!(add_months(from, m + 1, tz).unwrap() > to);
        }
    }

    /// chrono's parser, the oracle for [`parse_instant`]'s fast path.
    fn chrono_parse(s: &str) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The fast path and chrono agree on `s`: the same instant, or both refuse
    /// it (then [`parse_instant`] gives chrono's error).
    fn check_parse(s: &str) {
        let fast = fast::parse(s);
        if let Some(t) = fast {
            assert_eq!(Some(t.chrono()), chrono_parse(s), "{s}");
        }
        let ours = parse_computed("t", s);
        let theirs =
            DateTime::parse_from_rfc3339(s).map(|t| Instant::computed(t.with_timezone(&Utc)));
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{s}"),
            (Err(_), Err(_)) => {}
            (Err(e), Ok(b)) => assert!(*b < COMPUTED_MIN || *b >= COMPUTED_END, "{s}: {e}"),
            (Ok(a), Err(e)) => panic!("{s}: fast {a:?}, chrono {e}"),
        }
    }

    #[test]
    fn fast_path_edge_strings_match_chrono() {
        for s in [
            "2026-02-01T00:00:00+08:00",
            "2026-01-31T16:00:00Z",
            "2026-01-31T16:00:00.1Z",
            "2026-01-31T16:00:00.123456789Z",
            "2026-01-31T16:00:00.1234567891Z",
            "2026-01-31T16:00:00.Z",
            "2026-01-31t16:00:00Z",
            "2026-01-31 16:00:00Z",
            "2026-01-31T16:00:00z",
            "2026-01-31T16:00:60Z",
            "2026-01-31T23:59:60+08:00",
            "2026-01-31T24:00:00Z",
            "2026-02-29T00:00:00Z",
            "2028-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-13-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+23:59",
            "2026-01-01T00:00:00-23:59",
            "2026-01-01T00:00:00+08:60",
            "2026-01-01T00:00:00-00:00",
            "2026-01-01T00:00:00+00:00",
            "2026-01-01T00:00:00+0800",
            "2026-01-01T00:00:00+08:00 ",
            "2026-01-01T00:00:00",
            "2026-01-01T00:00:00ZZ",
            "0000-01-01T00:00:00Z",
            "1900-01-01T00:00:00Z",
            "1899-12-31T23:59:59.999999999Z",
            "9898-12-31T23:59:59.999999999Z",
            "9999-12-31T23:59:59+23:59",
            "+10000-01-01T00:00:00Z",
            "2026-1-01T00:00:00Z",
            "２０２６-01-01T00:00:00Z",
            "2026-01-01T00:00:00.１Z",
            "",
        ] {
            check_parse(s);
            assert_eq!(
                parse_instant("t", s).map_err(|e| e.to_string()),
                parse_instant_chrono("t", s).map_err(|e| e.to_string()),
                "{s}"
            );
        }
    }

    /// [`parse_instant`] through chrono only: the oracle for its errors.
    fn parse_instant_chrono(field: &str, s: &str) -> Result<Instant, Error> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                Error::invalid(
                    field,
                    format!("{s:?}"),
                    format!("not an RFC 3339 instant with offset ({e})"),
                )
            })
            .and_then(|t| Instant::checked(t).ok_or_else(|| out_of_range(field, format!("{s:?}"))))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        #[test]
        fn prop_fast_format_and_parse_match_chrono(
            secs in -62_167_219_200i64..253_402_300_800,
            nanos in proptest::prop_oneof![
                proptest::strategy::Just(0u32),
                (0u32..1000).prop_map(|m| m * 1_000_000),
                (0u32..1_000_000).prop_map(|u| u * 1000),
                0u32..1_000_000_000,
            ],
            offset_minutes in -1439i32..=1439,
        ) {
            let (t, tz) = (at(secs, nanos), zone(offset_minutes * 60));
            let ours = format_instant(t, tz);
            proptest::prop_assert_eq!(&ours, &chrono_format(t, tz));
            proptest::prop_assert_eq!(t.to_string(), t.chrono().to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            check_parse(&ours);
            proptest::prop_assert_eq!(
                parse_instant("t", &ours).map_err(|e| e.to_string()),
                parse_instant_chrono("t", &ours).map_err(|e| e.to_string())
            );
        }

        #[test]
        fn prop_fast_parse_matches_chrono_on_near_misses(
            s in "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{0,11})?([Zz]|[+-][0-9]{2}:[0-9]{2})",
        ) {
            check_parse(&s);
            proptest::prop_assert_eq!(
                parse_instant("t", &s).map_err(|e| e.to_string()),
                parse_instant_chrono("t", &s).map_err(|e| e.to_string())
            );
        }
    }

    /// The supported range's promise: every instant computed from it (at most
    /// `MAX_POLICY_MONTHS` later: retention or dormancy; a quota period ends
    /// at most a year later) has a four-digit year in every allowed offset.
    #[test]
    fn computed_instants_have_four_digit_years_in_every_offset() {
        let months = crate::MAX_POLICY_MONTHS;
        for offset in [-86_340, -3600, 0, 3600, 28_800, 86_340] {
            let tz = zone(offset);
            for t in [
                Instant::MIN,
                Instant::MAX,
                add_months(Instant::MAX, months, tz).unwrap(),
            ] {
                let s = format_instant(t, tz);
                let year: i32 = s[..4].parse().unwrap_or_else(|_| panic!("{s}"));
                assert!((1899..=9999).contains(&year), "{s}");
                // Computed instants past MAX are refused as inputs, not misread.
                let back = parse_instant("t", &s);
                assert_eq!(back.is_ok(), t <= Instant::MAX, "{s}");
            }
        }
        assert_eq!(Instant::MIN.to_string(), "1900-01-01T00:00:00Z");
        assert_eq!(COMPUTED_MIN.to_string(), "1898-01-01T00:00:00Z");
        assert_eq!(COMPUTED_END.to_string(), "9999-01-01T00:00:00Z");
        let (lo, hi) = (
            Civil::of(Instant::MIN, zone(86_340)),
            Civil::of(Instant::MAX, zone(86_340)),
        );
        // A quota period (a year at most) and the longest retention stay inside.
        assert!(month_start(lo.year - 1, lo.month, zone(86_340)).unwrap() >= COMPUTED_MIN);
        for offset in [-86_340, 86_340] {
            let end = add_months(Instant::MAX, crate::MAX_POLICY_MONTHS, zone(offset)).unwrap();
            assert!(end < COMPUTED_END, "{end}");
        }
        assert!(hi.year == 9899);
        assert_eq!(Instant::MAX.to_string(), "9898-12-31T23:59:59.999999999Z");
    }

    #[test]
    fn every_door_refuses_instants_outside_the_range() {
        for s in [
            "+10000-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "0001-01-01T00:00:00+08:00",
            "1899-12-31T23:59:59.999999999Z",
            "9899-01-01T00:00:00Z",
        ] {
            let e = parse_instant("event.until", s).unwrap_err();
            assert!(
                matches!(&e, Error::InvalidInput { field, .. } if field == "event.until"),
                "{s}: {e}"
            );
        }
        let (lo, hi) = (Instant::MIN.unix_millis(), Instant::MAX.unix_millis());
        assert_eq!(Instant::from_unix_millis(lo), Some(Instant::MIN));
        assert_eq!(Instant::from_unix_millis(lo - 1), None);
        assert!(Instant::from_unix_millis(hi).is_some());
        assert_eq!(Instant::from_unix_millis(hi + 1), None);
        assert_eq!(Instant::MAX.checked_add_seconds(1), None);
        let past = DateTime::<Utc>::from(Instant::MAX) + chrono::TimeDelta::nanoseconds(1);
        assert!(Instant::try_from(past).is_err());
        assert!(check_range("at", Instant::computed(past)).is_err());
        assert!(check_range("at", Instant::MAX).is_ok());
    }

    #[test]
    fn range_edges_do_not_panic() {
        let (min, max) = (
            Instant::computed(DateTime::<Utc>::MIN_UTC),
            Instant::computed(DateTime::<Utc>::MAX_UTC),
        );
        let edge = TimeZone::parse("+23:59").unwrap();
        assert_eq!(add_months(max, 1, TimeZone::CHINA), None);
        assert_eq!(add_months(max, 0, edge), Some(max));
        assert_eq!(add_months(min, u32::MAX, edge), None);
        assert!(whole_months(min, max, edge) > 6_000_000);
        assert_eq!(year_month(max, edge).1, 1);
    }
}
