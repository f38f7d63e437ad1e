//! The one error type of the crate, with a stable code per variant.

use std::fmt;

use crate::Instant;
use crate::event::EventKind;
use crate::hold::{Hold, Holds};
use crate::manual::Unmet;
use crate::status::Status;
use crate::strict::{NOT_AN_OBJECT, Strict};
use crate::time::{TimeZone, format_instant};

/// Everything that can go wrong in iotcard.
///
/// Each variant has a stable [`code`](Error::code) (the error codes of
/// `docs/json.md`); the C result codes and the Python exception classes map to
/// these one to one. A refused operation never changes the card it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Malformed JSON, a bad identifier, a bad amount, an unknown field, or a
    /// number that would overflow.
    #[error("invalid input: {field} = {value}: {reason}")]
    InvalidInput {
        /// The field, as a path (`card.plan.end`, `event.amount`).
        field: String,
        /// The offending value, as it was given (JSON-ish).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The instant is earlier than the card's clock (its last event or the
    /// instant it was advanced to), and, for an event, earlier than the late
    /// window (R12.2) lets in. The message writes the instants in the policy's
    /// time zone, as the input was written.
    #[error(
        "out of order: {} is earlier than the card's last instant {}; the earliest instant accepted is {}",
        in_zone(.at, .timezone),
        in_zone(.last, .timezone),
        in_zone(.earliest, .timezone)
    )]
    OutOfOrder {
        /// The refused instant.
        at: Instant,
        /// The card's clock.
        last: Instant,
        /// The earliest instant still accepted: the clock, or for an event under
        /// a policy with `late_window_hours` (R12.2) the start of the late window.
        earliest: Instant,
        /// The policy's time zone, in which the message writes the instants.
        timezone: TimeZone,
    },
    /// The card is `cancelled` or `replaced` and accepts nothing.
    #[error("terminal: the card is {status} and accepts no {action}")]
    Terminal {
        /// The terminal status.
        status: Status,
        /// What was attempted (an event type, or `advance`).
        action: &'static str,
    },
    /// The event needs an activated card.
    #[error("not activated: `{event}` needs an activated card")]
    NotActivated {
        /// The event type.
        event: EventKind,
    },
    /// `activate` on a card that is already activated.
    #[error(
        "already activated: the card was activated at {}",
        in_zone(.since, .timezone)
    )]
    AlreadyActivated {
        /// When the card was activated.
        since: Instant,
        /// The policy's time zone, in which the message writes the instant.
        timezone: TimeZone,
    },
    /// R1.1: a manual suspension needs every condition met; all unmet ones are named.
    #[error("manual suspension not allowed (R1.1): {unmet}")]
    ManualSuspendNotAllowed {
        /// Every unmet condition.
        unmet: Unmet,
    },
    /// R3.2: a manual resume cannot lift `arrears` while the balance is below zero.
    #[error("arrears outstanding (R3.2): balance is {balance} fen, below zero; pay first")]
    ArrearsOutstanding {
        /// The balance, minor units.
        balance: i64,
    },
    /// `manual_resume` or `operator_release` found no hold of its own to lift.
    #[error("nothing to lift: `{event}` found no `{hold}` hold")]
    NothingToLift {
        /// The event type.
        event: EventKind,
        /// The hold it would lift.
        hold: HoldName,
    },
    /// R12.3: taking the late event in its place would make an event already
    /// accepted fail; the card is unchanged.
    #[error(
        "late event conflict (R12.3): `{event}` at {} would make the accepted `{accepted_event}` at {} (window entry {accepted_index}{}) fail with {}: {error}",
        in_zone(.at, .timezone),
        in_zone(.accepted_at, .timezone),
        show_id(accepted_id.as_deref()),
        error.code()
    )]
    LateEventConflict {
        /// The late event's instant.
        at: Instant,
        /// The late event's type.
        event: EventKind,
        /// The instant of the accepted event that would fail.
        accepted_at: Instant,
        /// Its type.
        accepted_event: EventKind,
        /// Its position among the events in the card's late window (0 = the
        /// oldest), before the late event is put in.
        accepted_index: usize,
        /// Its `id`, if it has one.
        accepted_id: Option<String>,
        /// The error it would get.
        error: Box<Error>,
        /// The policy's time zone, in which the message writes the instants.
        timezone: TimeZone,
    },
    /// R12.5: an accepted event already has this `id`, with other content.
    #[error(
        "event id conflict (R12.5): id {id:?} was accepted for `{accepted_event}` at {}; `{event}` at {} is other content",
        in_zone(.accepted_at, .timezone),
        in_zone(.at, .timezone)
    )]
    EventIdConflict {
        /// The id.
        id: String,
        /// The refused event's instant.
        at: Instant,
        /// The refused event's type.
        event: EventKind,
        /// The instant of the accepted event with this id.
        accepted_at: Instant,
        /// Its type.
        accepted_event: EventKind,
        /// The policy's time zone, in which the message writes the instants.
        timezone: TimeZone,
    },
}

/// `, id "x"` for an event with an id, nothing otherwise.
fn show_id(id: Option<&str>) -> String {
    id.map(|id| format!(", id {id:?}")).unwrap_or_default()
}

/// An instant as RFC 3339 in `tz`, for the messages (thiserror passes fields
/// by reference).
#[allow(clippy::trivially_copy_pass_by_ref)]
fn in_zone(t: &Instant, tz: &TimeZone) -> String {
    format_instant(*t, *tz)
}

/// The hold (or holds) an event looked for, for [`Error::NothingToLift`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HoldName {
    /// One hold.
    One(Hold),
    /// `manual` or `arrears` (what a manual resume lifts).
    ManualOrArrears,
}

impl fmt::Display for HoldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HoldName::One(h) => f.write_str(h.name()),
            HoldName::ManualOrArrears => f.write_str("manual` or `arrears"),
        }
    }
}

impl HoldName {
    /// The holds the event looked for: one hold, or `manual` and `arrears`.
    ///
    /// ```
    /// use iotcard::{Hold, HoldName, Holds};
    /// let holds: Holds = [Hold::Manual, Hold::Arrears].into_iter().collect();
    /// assert_eq!(HoldName::ManualOrArrears.holds(), holds);
    /// assert_eq!(HoldName::One(Hold::Lost).holds(), Holds::of(Hold::Lost));
    /// ```
    pub const fn holds(self) -> Holds {
        match self {
            HoldName::One(h) => Holds::of(h),
            HoldName::ManualOrArrears => Holds::of(Hold::Manual).union(Holds::of(Hold::Arrears)),
        }
    }
}

/// Declares [`ErrorKind`] from one table: variant, number, code and summary.
macro_rules! error_kinds {
    ($($(#[$doc:meta])* $var:ident = $n:literal, $code:literal, $summary:literal;)+) => {
        /// What kind of error an [`Error`] is: the one list of error kinds, from
        /// which the error codes of `docs/json.md`, the C result values and the
        /// Python exception classes are all derived.
        ///
        /// ```
        /// use iotcard::ErrorKind;
        /// let e = iotcard::Policy::from_json("[]").unwrap_err();
        /// assert_eq!(e.kind(), ErrorKind::InvalidInput);
        /// assert_eq!(e.kind().code(), "invalid_input");
        /// assert_eq!(ErrorKind::from_code("terminal"), Some(ErrorKind::Terminal));
        /// assert_eq!(ErrorKind::from_number(ErrorKind::Terminal.number()), Some(ErrorKind::Terminal));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum ErrorKind {
            $($(#[$doc])* $var = $n,)+
        }

        impl ErrorKind {
            /// Every kind, in the order of their numbers (and of `docs/json.md`).
            pub const ALL: &'static [ErrorKind] = &[$(ErrorKind::$var),+];

            /// The stable error code (`invalid_input`, `terminal`, ...), as in
            /// `docs/json.md` and scenario files.
            pub const fn code(self) -> &'static str {
                match self { $(ErrorKind::$var => $code),+ }
            }

            /// The kind's name in CamelCase (`InvalidInput`): the name of the
            /// [`Error`] variant and of the Python exception class.
            pub const fn name(self) -> &'static str {
                match self { $(ErrorKind::$var => stringify!($var)),+ }
            }

            /// A one-line description without the particulars of one error
            /// (those are in the [`Error`]'s message).
            pub const fn summary(self) -> &'static str {
                match self { $(ErrorKind::$var => $summary),+ }
            }

            /// The kind with this code, if any.
            pub fn from_code(code: &str) -> Option<ErrorKind> {
                match code {
                    $($code => Some(ErrorKind::$var),)+
                    _ => None,
                }
            }
        }
    };
}

error_kinds! {
    /// [`Error::InvalidInput`].
    InvalidInput = 1, "invalid_input", "invalid input";
    /// [`Error::OutOfOrder`].
    OutOfOrder = 2, "out_of_order", "out of order: earlier than the card's last instant";
    /// [`Error::Terminal`].
    Terminal = 3, "terminal", "terminal: the card is cancelled or replaced";
    /// [`Error::NotActivated`].
    NotActivated = 4, "not_activated", "not activated: the event needs an activated card";
    /// [`Error::AlreadyActivated`].
    AlreadyActivated = 5, "already_activated", "already activated";
    /// [`Error::ManualSuspendNotAllowed`].
    ManualSuspendNotAllowed = 6, "manual_suspend_not_allowed",
        "manual suspension not allowed (R1.1)";
    /// [`Error::ArrearsOutstanding`].
    ArrearsOutstanding = 7, "arrears_outstanding",
        "arrears outstanding (R3.2): the balance is below zero; pay first";
    /// [`Error::NothingToLift`].
    NothingToLift = 8, "nothing_to_lift", "nothing to lift: no such hold";
    /// [`Error::LateEventConflict`].
    LateEventConflict = 9, "late_event_conflict",
        "late event conflict (R12.3): the late event would make an accepted event fail";
    /// [`Error::EventIdConflict`].
    EventIdConflict = 10, "event_id_conflict",
        "event id conflict (R12.5): an accepted event has this id, with other content";
}

impl ErrorKind {
    /// The stable number of the kind, from 1 (a new kind gets the next one;
    /// none is reused): the value of its C result (`IOTCARD_RESULT_*`).
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// The kind's position in [`ErrorKind::ALL`] (its number − 1): the Python
    /// batch's `error` column and the position of its code in `ERROR_CODES`.
    pub const fn index(self) -> usize {
        self as usize - 1
    }

    /// The kind with this [`number`](ErrorKind::number), if any.
    pub fn from_number(number: u8) -> Option<ErrorKind> {
        let i = usize::from(number).checked_sub(1)?;
        ErrorKind::ALL.get(i).copied()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

// `index` and `from_number` rely on the numbers being 1, 2, 3, ... in `ALL`.
const _: () = {
    let mut i = 0;
    while i < ErrorKind::ALL.len() {
        assert!(ErrorKind::ALL[i] as usize == i + 1);
        i += 1;
    }
};

impl Error {
    /// The kind of this error.
    ///
    /// ```
    /// let e = iotcard::Policy::from_json(r#"{"retention_monts": 3}"#).unwrap_err();
    /// assert_eq!(e.kind(), iotcard::ErrorKind::InvalidInput);
    /// ```
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::OutOfOrder { .. } => ErrorKind::OutOfOrder,
            Error::Terminal { .. } => ErrorKind::Terminal,
            Error::NotActivated { .. } => ErrorKind::NotActivated,
            Error::AlreadyActivated { .. } => ErrorKind::AlreadyActivated,
            Error::ManualSuspendNotAllowed { .. } => ErrorKind::ManualSuspendNotAllowed,
            Error::ArrearsOutstanding { .. } => ErrorKind::ArrearsOutstanding,
            Error::NothingToLift { .. } => ErrorKind::NothingToLift,
            Error::LateEventConflict { .. } => ErrorKind::LateEventConflict,
            Error::EventIdConflict { .. } => ErrorKind::EventIdConflict,
        }
    }

    /// The stable error code, as in `docs/json.md` (`invalid_input`, `terminal`,
    /// ...): `self.kind().code()`.
    ///
    /// ```
    /// let e = iotcard::Policy::from_json(r#"{"retention_monts": 3}"#).unwrap_err();
    /// assert_eq!(e.code(), "invalid_input");
    /// ```
    pub const fn code(&self) -> &'static str {
        self.kind().code()
    }

    /// Builds an [`Error::InvalidInput`].
    pub(crate) fn invalid(
        field: impl Into<String>,
        value: impl fmt::Display,
        reason: impl Into<String>,
    ) -> Self {
        Error::InvalidInput {
            field: field.into(),
            value: value.to_string(),
            reason: reason.into(),
        }
    }

    /// The same error with `prefix.` before the field of an
    /// [`Error::InvalidInput`] (`state.holds` within `entry` is
    /// `entry.state.holds`); other errors as they are.
    ///
    /// ```
    /// let e = iotcard::Policy::from_json(r#"{"low_balance": -1}"#).unwrap_err().within("line");
    /// assert!(matches!(e, iotcard::Error::InvalidInput { ref field, .. } if field == "line.policy.low_balance"), "{e}");
    /// ```
    #[must_use]
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Error::InvalidInput {
                field,
                value,
                reason,
            } => Error::InvalidInput {
                field: format!("{prefix}.{field}"),
                value,
                reason,
            },
            other => other,
        }
    }

    /// The same error with `field` as the field of an [`Error::InvalidInput`]
    /// (a parser names a bare `imei`; a caller's argument is `event.imei`);
    /// other errors as they are.
    ///
    /// ```
    /// let e = iotcard::Imei::parse("12").unwrap_err().renamed("event.imei");
    /// assert!(matches!(e, iotcard::Error::InvalidInput { ref field, .. } if field == "event.imei"), "{e}");
    /// ```
    #[must_use]
    pub fn renamed(self, field: &str) -> Self {
        match self {
            Error::InvalidInput { value, reason, .. } => Error::InvalidInput {
                field: field.to_owned(),
                value,
                reason,
            },
            other => other,
        }
    }

    /// Turns a JSON parse error (with its path) into [`Error::InvalidInput`].
    pub(crate) fn from_json(
        what: &str,
        err: &serde_path_to_error::Error<serde_json::Error>,
    ) -> Self {
        let inner = err.inner();
        let mut reason = inner.to_string();
        if inner.is_syntax() || inner.is_eof() || inner.is_io() {
            return Error::invalid(what, "(malformed JSON)", reason);
        }
        let mut field = what.to_owned();
        let path = err.path().to_string();
        if path != "." && !path.is_empty() {
            field.push('.');
            field.push_str(&path);
        }
        // Events carry the failing field in the message (see `Event`'s Deserialize).
        let located = reason
            .strip_prefix("invalid value at `")
            .and_then(|rest| rest.split_once("`: "))
            .map(|(inner_field, msg)| (inner_field.to_owned(), msg.to_owned()));
        if let Some((inner_field, msg)) = located {
            field.push('.');
            field.push_str(&inner_field);
            reason = msg;
        }
        if reason.starts_with(NOT_AN_OBJECT) {
            return Error::InvalidInput {
                field,
                value: "[…]".to_owned(),
                reason: NOT_AN_OBJECT.to_owned(),
            };
        }
        // A repeated key: name it, as a path below the object that repeats it.
        let duplicate = reason
            .strip_prefix("duplicate field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        if let Some(name) = duplicate {
            // A map's key that fails leaves an unknown segment (`?`) in the path.
            if let Some(parent) = field.strip_suffix(".?") {
                field.truncate(parent.len());
            }
            field.push('.');
            field.push_str(&name);
            return Error::InvalidInput {
                field,
                value: format!("`{name}`"),
                reason: format!("the key `{name}` appears more than once"),
            };
        }
        let missing = reason
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(name, _)| name.to_owned());
        let value = if let Some(name) = missing {
            field.push('.');
            field.push_str(&name);
            "(missing)".to_owned()
        } else {
            extract_value(&reason)
        };
        Error::InvalidInput {
            field,
            value,
            reason,
        }
    }
}

/// Pulls the offending value out of a serde message (`invalid value: string "x"`,
/// `unknown field `x``, `unknown variant `x``), or `?` when the message has none.
fn extract_value(msg: &str) -> String {
    for key in ["unknown field `", "unknown variant `"] {
        if let Some(start) = msg.find(key) {
            let rest = &msg[start + key.len()..];
            if let Some(end) = rest.find('`') {
                return format!("`{}`", &rest[..end]);
            }
        }
    }
    for key in ["string \"", "integer `", "floating point `"] {
        if let Some(start) = msg.find(key) {
            let rest = &msg[start + key.len()..];
            let close = if key.starts_with("string") { '"' } else { '`' };
            if let Some(end) = rest.find(close) {
                return if close == '"' {
                    format!("\"{}\"", &rest[..end])
                } else {
                    rest[..end].to_owned()
                };
            }
        }
    }
    "?".to_owned()
}

/// The longest JSON text accepted for one object: a policy, a new card, a plan,
/// an event or a stored card state (1 MiB; a real one is under 2 KiB). Longer
/// text is refused with `invalid_input` before it is parsed.
pub const MAX_JSON_BYTES: usize = 1 << 20;

/// The longest JSON text accepted for a fleet line ([`crate::fleet::FleetEntry`]:
/// up to [`crate::fleet::MAX_EVENTS_PER_CARD`] events of about 256 bytes) and
/// for a scenario file (256 MiB).
pub const MAX_LOG_JSON_BYTES: usize = 256 << 20;

/// Parses JSON of at most [`MAX_JSON_BYTES`] into `T`, naming the failing field
/// in the error.
pub(crate) fn parse_json<'de, T: serde::Deserialize<'de>>(
    what: &str,
    json: &'de str,
) -> Result<T, Error> {
    parse_json_limited(what, json, MAX_JSON_BYTES, "MAX_JSON_BYTES")
}

/// [`parse_json`] with another length limit (named in the error).
pub(crate) fn parse_json_limited<'de, T: serde::Deserialize<'de>>(
    what: &str,
    json: &'de str,
    limit: usize,
    limit_name: &str,
) -> Result<T, Error> {
    if json.len() > limit {
        return Err(Error::invalid(
            what,
            format!("({} bytes of JSON)", json.len()),
            format!("longer than the limit of {limit} bytes (iotcard::{limit_name})"),
        ));
    }
    // Every top-level value of the contract is an object; serde would also take
    // a JSON array and fill the fields by position.
    if let Some(first) = json.trim_start().chars().next()
        && first != '{'
    {
        let shown: String = json.trim().chars().take(40).collect();
        return Err(Error::invalid(
            what,
            shown,
            "must be a JSON object ({...})".to_owned(),
        ));
    }
    // Valid input takes the fast path; only a failure is parsed again with path
    // tracking, which costs about a third more, to name the failing field. Both
    // read through `Strict`, which refuses an array in place of a nested object.
    let mut de = serde_json::Deserializer::from_str(json);
    if let Ok(value) = T::deserialize(Strict(&mut de))
        && de.end().is_ok()
    {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let value: T = serde_path_to_error::deserialize(Strict(&mut de))
        .map_err(|e| Error::from_json(what, &e))?;
    de.end()
        .map_err(|e| Error::invalid(what, "…", e.to_string()))?;
    Ok(value)
}

/// Reads a JSON string and parses it with `parse`: without allocating when the
/// string has no escapes (serde's `Cow<str>` always allocates), and turning an
/// [`Error::InvalidInput`] into a serde error that [`Error::from_json`] reads back
/// with the field's path.
pub(crate) fn de_str<'de, D, T>(d: D, parse: fn(&str) -> Result<T, Error>) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Visit<T>(fn(&str) -> Result<T, Error>);

    impl<T> serde::de::Visitor<'_> for Visit<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v).map_err(|e| match e {
                Error::InvalidInput { value, reason, .. } => {
                    E::custom(format!("invalid value: string {value}: {reason}"))
                }
                other => E::custom(other),
            })
        }
    }

    d.deserialize_str(Visit(parse))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manual::Condition;

    /// One error of each kind.
    fn one_of_each() -> Vec<Error> {
        let t = crate::time::parse_instant("at", "2026-01-01T00:00:00Z").unwrap();
        vec![
            Error::invalid("policy.low_balance", -1, "must not be negative"),
            Error::OutOfOrder {
                at: t,
                last: t,
                earliest: t,
                timezone: crate::TimeZone::CHINA,
            },
            Error::Terminal {
                status: Status::Cancelled,
                action: "advance",
            },
            Error::NotActivated {
                event: EventKind::Charge,
            },
            Error::AlreadyActivated {
                since: t,
                timezone: crate::TimeZone::CHINA,
            },
            Error::ManualSuspendNotAllowed {
                unmet: Unmet::of(Condition::Arrears),
            },
            Error::ArrearsOutstanding { balance: -1 },
            Error::NothingToLift {
                event: EventKind::ManualResume,
                hold: HoldName::ManualOrArrears,
            },
            Error::LateEventConflict {
                at: t,
                event: EventKind::Cancel,
                accepted_at: t,
                accepted_event: EventKind::Payment,
                accepted_index: 0,
                accepted_id: Some("p1".to_owned()),
                error: Box::new(Error::Terminal {
                    status: Status::Cancelled,
                    action: "payment",
                }),
                timezone: crate::TimeZone::CHINA,
            },
            Error::EventIdConflict {
                id: "p1".to_owned(),
                at: t,
                event: EventKind::Payment,
                accepted_at: t,
                accepted_event: EventKind::Payment,
                timezone: crate::TimeZone::CHINA,
            },
        ]
    }

    /// `snake_case` → `CamelCase`.
    fn camel(code: &str) -> String {
        code.split('_')
            .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
            .collect()
    }

    #[test]
    fn every_kind_maps_to_its_code_number_and_name_and_back() {
        let errors = one_of_each();
        let kinds: Vec<ErrorKind> = errors.iter().map(Error::kind).collect();
        assert_eq!(kinds, ErrorKind::ALL, "one sample error per kind, in order");
        for (i, (e, &kind)) in errors.iter().zip(ErrorKind::ALL).enumerate() {
            assert_eq!(e.code(), kind.code());
            assert_eq!(kind.index(), i);
            assert_eq!(usize::from(kind.number()), i + 1);
            assert_eq!(ErrorKind::from_code(kind.code()), Some(kind));
            assert_eq!(ErrorKind::from_number(kind.number()), Some(kind));
            assert_eq!(camel(kind.code()), kind.name());
            assert_eq!(format!("{kind:?}"), kind.name());
            assert_eq!(kind.to_string(), kind.code());
            assert!(!kind.summary().is_empty());
            // The message starts with the summary's first words.
            let head = kind.summary().split(':').next().unwrap();
            let head = head.split(" (").next().unwrap();
            assert!(e.to_string().starts_with(head), "{e} / {head}");
        }
        assert_eq!(ErrorKind::from_code("Invalid_Input"), None);
        assert_eq!(ErrorKind::from_code(""), None);
        assert_eq!(ErrorKind::from_number(0), None);
        let past = u8::try_from(ErrorKind::ALL.len() + 1).unwrap();
        assert_eq!(ErrorKind::from_number(past), None);
    }

    #[test]
    fn codes_and_names_are_unique() {
        for (i, a) in ErrorKind::ALL.iter().enumerate() {
            for b in &ErrorKind::ALL[i + 1..] {
                assert_ne!(a.code(), b.code());
                assert_ne!(a.name(), b.name());
            }
        }
    }

    #[test]
    fn renaming_touches_only_invalid_input() {
        let e = Error::invalid("imei", "\"12\"", "must be 15 digits");
        let Error::InvalidInput { field, value, .. } = e.clone().renamed("event.imei") else {
            panic!("kind changed");
        };
        assert_eq!((field.as_str(), value.as_str()), ("event.imei", "\"12\""));
        let Error::InvalidInput { field, .. } = e.within("entry") else {
            panic!("kind changed");
        };
        assert_eq!(field, "entry.imei");
        let other = Error::ArrearsOutstanding { balance: -5 };
        assert_eq!(other.clone().renamed("x"), other);
        assert_eq!(other.clone().within("x"), other);
    }

    /// The messages write instants in the policy's time zone, as the input was
    /// written (an operator reading `+08:00` input must not convert from UTC).
    #[test]
    fn messages_write_instants_in_the_policys_zone() {
        use crate::{Card, Event, NewCard, Policy, TimeZone, parse_instant};
        let card = Card::new(
            &NewCard::from_json(
                r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678",
                "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                         "period": "month", "quota_bytes": 1, "monthly_fee": 0}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        let activate =
            Event::from_json(r#"{"type": "activate", "imei": "490154203237518"}"#).unwrap();
        let pay = Event::from_json(r#"{"type": "payment", "amount": 1}"#).unwrap();
        let at = |s: &str| parse_instant("at", s).unwrap();
        for (zone, first, early) in [
            (
                "+08:00",
                "2026-01-05T10:00:00+08:00",
                "2026-01-04T09:30:00+08:00",
            ),
            (
                "-05:00",
                "2026-01-04T21:00:00-05:00",
                "2026-01-03T20:30:00-05:00",
            ),
        ] {
            let policy = Policy::new(crate::PolicySettings {
                timezone: TimeZone::parse(zone).unwrap(),
                ..crate::PolicySettings::default()
            })
            .unwrap();
            let card = card.apply(&policy, at(first), &activate).unwrap().card;
            let e = card.apply(&policy, at(early), &pay).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!(
                    "out of order: {early} is earlier than the card's last instant {first}; \
                     the earliest instant accepted is {first}"
                )
            );
            let e = card.advance(&policy, at(early)).unwrap_err();
            assert!(e.to_string().contains(early), "{e}");
            let e = card.assess(&policy, at(early)).unwrap_err();
            assert!(e.to_string().contains(first), "{e}");
            let e = card.apply(&policy, at(first), &activate).unwrap_err();
            assert_eq!(
                e.to_string(),
                format!("already activated: the card was activated at {first}")
            );
        }
    }
}
