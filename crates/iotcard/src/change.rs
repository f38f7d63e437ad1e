//! Changes: the audit trail. Every change names its instant, the rule that caused
//! it, and whether an event or a scheduled change (at its exact instant) caused it.

use serde::{Deserialize, Serialize};

use crate::Instant;
use crate::event::EventKind;
use crate::hold::{Hold, named_enum};
use crate::status::Status;
use crate::time::rfc3339;

named_enum!(
    /// A rule id of docs/rules.md.
    #[non_exhaustive]
    Rule, "rule" {
        /// Manual suspension conditions.
        R1_1 = "R1.1",
        /// Manual hold, lifted by manual resume.
        R1_2 = "R1.2",
        /// Time runs while manually suspended.
        R1_3 = "R1.3",
        /// Quota periods.
        R2_1 = "R2.1",
        /// `over_quota` hold.
        R2_2 = "R2.2",
        /// `over_quota` lifts at the next quota period.
        R2_3 = "R2.3",
        /// A top-up lifts `over_quota`.
        R2_4 = "R2.4",
        /// Overage billing.
        R2_5 = "R2.5",
        /// `arrears` hold.
        R3_1 = "R3.1",
        /// Arrears lifted by resume (or payment, per policy).
        R3_2 = "R3.2",
        /// `low_balance` hold.
        R3_3 = "R3.3",
        /// Expiry.
        R4_1 = "R4.1",
        /// Retention length.
        R4_2 = "R4.2",
        /// Renewal lifts `expired`.
        R4_3 = "R4.3",
        /// Keep-number fees.
        R4_4 = "R4.4",
        /// Cancelled at the end of retention.
        R4_5 = "R4.5",
        /// Device bound at first activation.
        R5_1 = "R5.1",
        /// `device_mismatch` hold.
        R5_2 = "R5.2",
        /// Rebind lifts `device_mismatch`.
        R5_3 = "R5.3",
        /// Cancellation on request.
        R6_1 = "R6.1",
        /// Dormancy cancellation.
        R6_2 = "R6.2",
        /// Restricted regions list.
        R7_1 = "R7.1",
        /// `restricted_region` hold.
        R7_2 = "R7.2",
        /// Operator release.
        R7_3 = "R7.3",
        /// Maintenance window.
        R8_1 = "R8.1",
        /// Call-restriction diagnosis.
        R9_1 = "R9.1",
        /// Lost card and replacement.
        R9_2 = "R9.2",
        /// No automatic refund.
        R10_1 = "R10.1",
        /// Refund request eligibility.
        R10_2 = "R10.2",
        /// Remedies.
        R11 = "R11",
    }
);

named_enum!(
    /// The kinds of scheduled change, in the order they happen when due at the
    /// same instant.
    #[non_exhaustive]
    ChangeKind, "change" {
        /// R2.3: `over_quota` lifts at the next quota period.
        LiftOverQuota = "lift_over_quota",
        /// R4.1: the plan ends; `expired` goes on and retention starts.
        Expire = "expire",
        /// R4.4: a number-keeping fee falls due.
        KeepNumberFee = "keep_number_fee",
        /// R4.5: retention ends without renewal; the card is cancelled.
        Cancel = "cancel",
        /// R8.1: the maintenance window ends.
        LiftMaintenance = "lift_maintenance",
        /// R6.2: the operator cancels a dormant card.
        DormancyCancel = "dormancy_cancel",
    }
);

impl ChangeKind {
    /// The rule that schedules this change.
    pub const fn rule(self) -> Rule {
        match self {
            ChangeKind::LiftOverQuota => Rule::R2_3,
            ChangeKind::Expire => Rule::R4_1,
            ChangeKind::KeepNumberFee => Rule::R4_4,
            ChangeKind::Cancel => Rule::R4_5,
            ChangeKind::LiftMaintenance => Rule::R8_1,
            ChangeKind::DormancyCancel => Rule::R6_2,
        }
    }
}

/// A scheduled change: what happens next, and exactly when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    /// The instant it is due.
    #[serde(with = "rfc3339")]
    pub at: Instant,
    /// What happens.
    pub change: ChangeKind,
}

/// What caused a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// An event of this type.
    Event(EventKind),
    /// A scheduled change that fell due.
    Scheduled(ChangeKind),
}

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Effect {
    /// A hold went on.
    HoldPut {
        /// The hold.
        hold: Hold,
    },
    /// A hold was lifted.
    HoldLifted {
        /// The hold.
        hold: Hold,
    },
    /// The derived status changed.
    StatusChanged {
        /// Before.
        from: Status,
        /// After.
        to: Status,
    },
    /// A number-keeping fee fell due (R4.4): the billing system posts it as a charge.
    KeepNumberFeeDue {
        /// Minor units.
        amount: i64,
    },
}

/// One entry of the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// When it happened.
    #[serde(with = "rfc3339")]
    pub at: Instant,
    /// The rule that caused it.
    pub rule: Rule,
    /// The event or scheduled change behind it.
    pub cause: Cause,
    /// What changed.
    #[serde(flatten)]
    pub effect: Effect,
}

/// Where changes go: a `Vec<Change>` collects them; [`Discard`] drops them
/// (the assess path, which must not allocate).
pub trait Sink {
    /// Records one change.
    fn push(&mut self, change: Change);
}

impl Sink for Vec<Change> {
    fn push(&mut self, change: Change) {
        Vec::push(self, change);
    }
}

/// A sink that drops every change.
#[derive(Debug, Default, Clone, Copy)]
pub struct Discard;

impl Sink for Discard {
    fn push(&mut self, _: Change) {}
}
