//! # iotcard
//!
//! Decides, for an IoT SIM card (物联网卡), whether it is active, why it is
//! suspended (停机), what lifts each suspension, what fees accrue, and what happens
//! next and when — the project's rule book (`docs/rules.md` in the repository,
//! rules R1–R11) as pure functions.
//!
//! - A card carries a **set of holds**; its [`Status`] is derived from them.
//! - Three operations, each a function of its inputs (no clock is read, no I/O):
//!   [`Card::apply`] an event, [`Card::advance`] to an instant, [`Card::assess`].
//! - Money is `i64` minor units (fen) with checked arithmetic; data is `u64` bytes;
//!   calendar rules run in the policy's time zone.
//!
//! ```
//! use iotcard::{parse_instant, Card, Event, Hold, NewCard, Policy, Remedy, Status};
//!
//! let policy = Policy::default();
//! let card = Card::new(&NewCard::from_json(r#"{
//!     "iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
//!     "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
//!              "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}
//! }"#)?)?;
//! let at = |s| parse_instant("at", s);
//!
//! let card = card.apply(&policy, at("2026-01-05T10:00:00+08:00")?,
//!     &Event::from_json(r#"{"type": "activate", "imei": "490154203237518"}"#)?)?.card;
//! let card = card.apply(&policy, at("2026-02-01T00:00:00+08:00")?,
//!     &Event::Charge { amount: 1500 })?.card;
//!
//! let a = card.assess(&policy, at("2026-02-01T00:00:01+08:00")?)?;
//! assert_eq!(a.status, Status::Suspended);
//! assert!(a.holds.contains(Hold::Arrears));
//! assert_eq!(a.remedy(Hold::Arrears), Some(Remedy::PayThenResume));
//!
//! // Resuming while the balance is below zero is refused, and says why.
//! let err = card.apply(&policy, at("2026-02-01T00:00:02+08:00")?, &Event::ManualResume).unwrap_err();
//! assert_eq!(err.code(), "arrears_outstanding");
//! # Ok::<(), iotcard::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]

/// The crate README's examples, run as doc tests (`tests/docs.rs` checks that
/// the workspace README's examples are among them).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod arrears;
pub mod assess;
mod binding;
pub mod call_restriction;
mod cancellation;
mod card;
mod change;
mod error;
mod event;
mod expiry;
mod flat;
pub mod fleet;
mod hold;
mod ids;
mod lifecycle;
mod maintenance;
pub mod manual;
mod operator;
mod plan;
mod policy;
mod policy_book;
pub mod quota;
pub mod reconcile;
mod refund;
mod region;
mod remedy;
pub mod report;
pub mod scenario;
mod schedule;
mod status;
mod step;
mod strict;
mod time;

pub use assess::{Action, Actions, Assessment, Assessor, Prepared};
pub use call_restriction::{CallCause, CallRestriction, call_restriction};
pub use card::{Card, NewCard, STATE_VERSION};
pub use change::{Cause, Change, ChangeKind, Discard, Effect, Rule, Scheduled, Sink};
pub use error::{Error, ErrorKind, HoldName, MAX_JSON_BYTES, MAX_LOG_JSON_BYTES};
pub use event::{Event, EventKind, TimedEvent};
pub use flat::{FlatAssessment, FlatNext};
pub use hold::{Hold, Holds, Service, Services};
pub use ids::{Iccid, Imei, Msisdn, Region, Regions, luhn_check_digit};
pub use lifecycle::{Advanced, Applied};
pub use manual::{Condition, Unmet};
pub use operator::{Grade, ISSUERS, Issuer, Operator};
pub use plan::{Period, Plan};
pub use policy::{MAX_POLICY_MONTHS, Policy, PolicySettings};
pub use policy_book::{BookAssessor, PolicyBook};
pub use reconcile::{Reconciliation, reconcile, reconcile_entry};
pub use refund::Refund;
pub use remedy::{Remedy, Sentence};
pub use report::{OperatorHold, OperatorView, Scope, Unmapped, decode_report};
pub use status::{Status, Terminal};
pub use time::{Instant, TimeZone, add_months, format_instant, parse_instant, whole_months};
