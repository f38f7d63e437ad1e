//! The one error type of the crate, with a stable code per variant.

use std::fmt;

use crate::Instant;
use crate::hold::Hold;
use crate::manual::Unmet;
use crate::status::Status;
use crate::strict::{NOT_AN_OBJECT, Strict};

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
    /// instant it was advanced to).
    #[error("out of order: {at} is earlier than the card's last instant {last}")]
    OutOfOrder {
        /// The refused instant.
        at: Instant,
        /// The card's clock.
        last: Instant,
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
        event: &'static str,
    },
    /// `activate` on a card that is already activated.
    #[error("already activated: the card was activated at {since}")]
    AlreadyActivated {
        /// When the card was activated.
        since: Instant,
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
        event: &'static str,
        /// The hold it would lift.
        hold: HoldName,
    },
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

impl Error {
    /// Every error code, in the order of `docs/json.md`.
    pub const CODES: [&'static str; 8] = [
        "invalid_input",
        "out_of_order",
        "terminal",
        "not_activated",
        "already_activated",
        "manual_suspend_not_allowed",
        "arrears_outstanding",
        "nothing_to_lift",
    ];

    /// The stable error code, as in `docs/json.md` (`invalid_input`, `terminal`, ...).
    ///
    /// ```
    /// let e = iotcard::Policy::from_json(r#"{"retention_monts": 3}"#).unwrap_err();
    /// assert_eq!(e.code(), "invalid_input");
    /// ```
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::OutOfOrder { .. } => "out_of_order",
            Error::Terminal { .. } => "terminal",
            Error::NotActivated { .. } => "not_activated",
            Error::AlreadyActivated { .. } => "already_activated",
            Error::ManualSuspendNotAllowed { .. } => "manual_suspend_not_allowed",
            Error::ArrearsOutstanding { .. } => "arrears_outstanding",
            Error::NothingToLift { .. } => "nothing_to_lift",
        }
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
    /// [`Error::InvalidInput`] (`state.holds` within `entry` is `entry.state.holds`).
    #[must_use]
    pub(crate) fn within(self, prefix: &str) -> Self {
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
