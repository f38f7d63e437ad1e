//! R1 Manual suspension (人工停用): allowed only within the plan's validity, with no
//! arrears and within quota (R1.1, naming every unmet condition); a `manual` hold
//! lifted only by a manual resume (R1.2); time keeps running (R1.3: nothing here
//! stops the schedule). The manual resume also lifts `arrears` (R3.2).

use std::fmt;

use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::error::HoldName;
use crate::event::EventKind;
use crate::hold::{Hold, bit_set, named_enum};
use crate::quota::period_seen_at;
use crate::step::Step;
use crate::step::{lift, put};
use crate::{Error, Instant};

named_enum!(
    /// A condition of R1.1 that is not met.
    Condition, "condition" {
        /// The plan is not within its validity window (or has expired).
        PlanNotValid = "plan_not_valid",
        /// The card has arrears (balance below zero or an `arrears` hold).
        Arrears = "arrears",
        /// Usage exceeds the current period's quota plus top-ups.
        OverQuota = "over_quota",
        /// The card is already manually suspended.
        AlreadySuspended = "already_suspended",
    }
);

bit_set!(
    /// The unmet conditions of R1.1 (empty when a manual suspension is allowed).
    Unmet of Condition, u8
);

impl Condition {
    /// The condition in words.
    pub const fn describe(self) -> &'static str {
        match self {
            Condition::PlanNotValid => "the plan is not within its validity window",
            Condition::Arrears => "the card has arrears",
            Condition::OverQuota => "the data quota of the current period is exceeded",
            Condition::AlreadySuspended => "the card is already manually suspended",
        }
    }
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} ({c})", c.describe())?;
        }
        Ok(())
    }
}

/// R1.1: every unmet condition for a manual suspension at `at`.
pub(crate) fn manual_suspend_unmet(c: &Card, at: Instant) -> Unmet {
    let mut u = Unmet::EMPTY;
    if !c.plan.is_valid_at(at) || c.holds.contains(Hold::Expired) {
        u.insert(Condition::PlanNotValid);
    }
    if c.balance < 0 || c.holds.contains(Hold::Arrears) {
        u.insert(Condition::Arrears);
    }
    if period_seen_at(c, at).exceeded(&c.plan) {
        u.insert(Condition::OverQuota);
    }
    if c.holds.contains(Hold::Manual) {
        u.insert(Condition::AlreadySuspended);
    }
    u
}

/// R1.1/R1.2: a manual suspension.
pub(crate) fn manual_suspend<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) -> Result<(), Error> {
    let unmet = manual_suspend_unmet(c, st.at);
    if !unmet.is_empty() {
        return Err(Error::ManualSuspendNotAllowed { unmet });
    }
    put(c, Hold::Manual, Rule::R1_2, st);
    Ok(())
}

/// What a manual resume would lift now: `manual`, and `arrears` once the
/// balance is at zero or above.
pub(crate) fn resumable(c: &Card) -> bool {
    c.holds.contains(Hold::Manual) || (c.holds.contains(Hold::Arrears) && c.balance >= 0)
}

/// R1.2/R3.2: a manual resume (人工复机).
pub(crate) fn manual_resume<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) -> Result<(), Error> {
    if !resumable(c) {
        return Err(if c.holds.contains(Hold::Arrears) {
            Error::ArrearsOutstanding { balance: c.balance }
        } else {
            Error::NothingToLift {
                event: EventKind::ManualResume,
                hold: HoldName::ManualOrArrears,
            }
        });
    }
    lift(c, Hold::Manual, Rule::R1_2, st);
    if c.balance >= 0 {
        lift(c, Hold::Arrears, Rule::R3_2, st);
    }
    Ok(())
}
