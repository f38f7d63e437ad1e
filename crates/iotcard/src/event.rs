//! Events: what happens to a card (the event table of `scenarios.md`).

use serde::{Deserialize, Serialize};

use crate::error::parse_json;
use crate::hold::Hold;
use crate::ids::{Iccid, Imei, Region};
use crate::plan::Plan;
use crate::time::rfc3339;
use crate::{Error, Instant};

/// One event, as `{"type": ..., fields}`.
///
/// ```
/// use iotcard::Event;
/// let e = Event::from_json(r#"{"type": "charge", "amount": 1500}"#).unwrap();
/// assert_eq!(e, Event::Charge { amount: 1500 });
/// assert_eq!(Event::from_json(r#"{"type": "charge", "amount": 0}"#).unwrap_err().code(), "invalid_input");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Event {
    /// R5.1: first activation; `imei` is required when the policy binds devices.
    Activate {
        /// The activating device.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imei: Option<Imei>,
    },
    /// R2, R5.2, R7.2: traffic reported by the operator.
    Usage {
        /// Bytes used.
        bytes: u64,
        /// The device it came from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        imei: Option<Imei>,
        /// The province it came from.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        region: Option<Region>,
    },
    /// R3.1: a charge posted to the account (minor units, > 0).
    Charge {
        /// Amount, minor units.
        amount: i64,
    },
    /// R3.2, R3.3: a payment (minor units, > 0).
    Payment {
        /// Amount, minor units.
        amount: i64,
    },
    /// R2.4: a data package: extra quota for the current quota period.
    TopUp {
        /// Extra bytes (> 0).
        bytes: u64,
    },
    /// R1: the customer suspends the card.
    ManualSuspend,
    /// R1.2, R3.2: manual resume (人工复机).
    ManualResume,
    /// R4.3: renewal with a new plan (replaces the current one).
    Renew {
        /// The new plan.
        plan: Plan,
    },
    /// R5.3: bind a new device.
    Rebind {
        /// The new device.
        imei: Imei,
    },
    /// R7.3: the operator lifts a hold only it can lift.
    OperatorRelease {
        /// The hold to lift (`restricted_region`).
        hold: Hold,
    },
    /// R8.1: an operator maintenance window from the event's instant until `until`.
    Maintenance {
        /// End of the window.
        #[serde(with = "rfc3339")]
        until: Instant,
    },
    /// R9.2: the card is reported lost.
    ReportLost,
    /// R9.2: the lost card is swapped for a new one with ICCID `iccid`.
    Replace {
        /// The new card's ICCID.
        iccid: Iccid,
    },
    /// R6.1: the customer cancels the card.
    Cancel,
}

impl Event {
    /// The event's `type` name.
    pub const fn kind(&self) -> &'static str {
        match self {
            Event::Activate { .. } => "activate",
            Event::Usage { .. } => "usage",
            Event::Charge { .. } => "charge",
            Event::Payment { .. } => "payment",
            Event::TopUp { .. } => "top_up",
            Event::ManualSuspend => "manual_suspend",
            Event::ManualResume => "manual_resume",
            Event::Renew { .. } => "renew",
            Event::Rebind { .. } => "rebind",
            Event::OperatorRelease { .. } => "operator_release",
            Event::Maintenance { .. } => "maintenance",
            Event::ReportLost => "report_lost",
            Event::Replace { .. } => "replace",
            Event::Cancel => "cancel",
        }
    }

    /// Parses and validates an event.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field: malformed JSON, an unknown type or
    /// field, a bad identifier, or a value out of range (see [`Event::validate`]).
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let e: Event = parse_json("event", json)?;
        e.validate()?;
        Ok(e)
    }

    /// The event as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks what the types alone do not: amounts > 0, top-up bytes > 0, a
    /// renewal plan that ends after it starts.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `event.amount`, `event.bytes` or `event.plan.*`.
    pub fn validate(&self) -> Result<(), Error> {
        match *self {
            Event::Charge { amount } | Event::Payment { amount } if amount <= 0 => Err(
                Error::invalid("event.amount", amount, "must be greater than zero"),
            ),
            Event::TopUp { bytes: 0 } => Err(Error::invalid(
                "event.bytes",
                0,
                "must be greater than zero",
            )),
            Event::Renew { plan } => plan.validate("event.plan"),
            _ => Ok(()),
        }
    }
}

/// An event with its instant: one entry of a card's event log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimedEvent {
    /// When it happened.
    #[serde(with = "rfc3339")]
    pub at: Instant,
    /// What happened.
    pub event: Event,
}
