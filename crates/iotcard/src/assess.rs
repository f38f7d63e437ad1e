//! Assessment: everything a billing system asks about a card at an instant, in
//! one plain struct (no heap), and its JSON in the field names of `scenarios.md`.

use std::fmt;

use serde_json::{Map, Value, json};

use crate::call_restriction::{CallRestriction, call_restriction};
use crate::card::{Card, Memo, ScheduleKey};
use crate::change::{Discard, Scheduled};
use crate::hold::{Hold, Holds, Services, bit_set, named_enum};
use crate::manual::Unmet;
use crate::policy::Policy;
use crate::quota::overage;
use crate::refund::Refund;
use crate::remedy::Remedy;
use crate::status::Status;
use crate::time::{Civil, TimeZone, format_instant};
use crate::{Error, Instant};

named_enum!(
    /// An action a billing front-end may offer (the `can` map).
    Action, "action" {
        /// `activate`.
        Activate = "activate",
        /// `manual_suspend` (R1.1 met).
        ManualSuspend = "manual_suspend",
        /// `manual_resume` (a `manual` hold, or `arrears` with balance ≥ 0).
        ManualResume = "manual_resume",
        /// `renew` (any non-terminal card).
        Renew = "renew",
        /// `rebind`.
        Rebind = "rebind",
        /// `operator_release` (a `restricted_region` hold).
        OperatorRelease = "operator_release",
        /// `report_lost`.
        ReportLost = "report_lost",
        /// `replace`.
        Replace = "replace",
        /// `cancel`.
        Cancel = "cancel",
    }
);

bit_set!(
    /// A set of [`Action`]s.
    Actions of Action, u16
);

/// A card assessed at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The instant assessed.
    pub at: Instant,
    /// The policy's time zone (instants in JSON are written in it).
    pub timezone: TimeZone,
    /// Status.
    pub status: Status,
    /// Active holds.
    pub holds: Holds,
    /// When each hold went on (index `Hold as usize`; meaningful for held ones).
    pub since: [Instant; Hold::ALL.len()],
    /// Barred services.
    pub barred: Services,
    /// Balance, minor units.
    pub balance: i64,
    /// Traffic in the current quota period.
    pub usage_bytes: u64,
    /// Quota plus top-ups of the current period (saturating).
    pub allowance_bytes: u64,
    /// R2.5: usage beyond the allowance.
    pub overage_bytes: u64,
    /// R2.5: started MiB of overage × `overage_rate_per_mb`.
    pub overage_charge: i64,
    /// R4.4: fees accrued in the latest retention.
    pub keep_number_fees: i64,
    /// R4.2: end of retention, when in retention.
    pub retention_ends: Option<Instant>,
    /// R8.1: end of the maintenance window, when under maintenance.
    pub maintenance_until: Option<Instant>,
    /// The next scheduled change strictly after `at`.
    pub next: Option<Scheduled>,
    /// Allowed actions.
    pub can: Actions,
    /// R1.1: why a manual suspension is not allowed (empty when it is, or when the
    /// card is not activated or terminal).
    pub manual_suspend_unmet: Unmet,
    /// R9.1 diagnosis.
    pub call_restriction: CallRestriction,
    /// R10.2.
    pub refund: Refund,
    /// The policy's `auto_resume_on_payment`, on which the remedy of `arrears` depends.
    auto_resume_on_payment: bool,
}

impl Assessment {
    /// When `hold` went on, if it is on.
    pub fn hold_since(&self, hold: Hold) -> Option<Instant> {
        self.holds.contains(hold).then(|| self.since[hold as usize])
    }

    /// The remedy for `hold`, if it is on (R11).
    pub fn remedy(&self, hold: Hold) -> Option<Remedy> {
        self.holds
            .contains(hold)
            .then(|| hold.remedy_when(self.auto_resume_on_payment))
    }

    /// Whether the card needs attention: not `active`/`inventory`, or anything due.
    pub fn needs_action(&self) -> bool {
        !matches!(self.status, Status::Active | Status::Inventory)
            || self.overage_charge > 0
            || self.refund.eligible_to_request
    }

    /// The assessment as JSON, with the field names of `scenarios.md` (plus
    /// `at`, `hold_details`, `allowance_bytes`, `maintenance_until` and
    /// `manual_suspend_unmet`).
    pub fn to_json_value(&self) -> Value {
        let tz = self.timezone.0;
        let inst =
            |t: Option<Instant>| t.map_or(Value::Null, |t| Value::String(format_instant(t, tz)));
        let holds: Vec<&str> = self.holds.iter().map(Hold::name).collect();
        let details: Vec<Value> = self
            .holds
            .iter()
            .map(|h| {
                let r = self.remedy(h).unwrap_or(Remedy::ContactOperator);
                json!({
                    "hold": h.name(),
                    "since": inst(self.hold_since(h)),
                    "remedy": r.name(),
                    "why": {"zh-CN": h.sentence().zh_cn, "en": h.sentence().en},
                    "what_to_do": {"zh-CN": r.sentence().zh_cn, "en": r.sentence().en},
                })
            })
            .collect();
        let remedies: Map<String, Value> = self
            .holds
            .iter()
            .filter_map(|h| Some((h.name().to_owned(), Value::from(self.remedy(h)?.name()))))
            .collect();
        let can: Map<String, Value> = Action::ALL
            .iter()
            .map(|a| (a.name().to_owned(), Value::Bool(self.can.contains(*a))))
            .collect();
        json!({
            "at": inst(Some(self.at)),
            "status": self.status.name(),
            "holds": holds,
            "hold_details": details,
            "barred": self.barred.iter().map(super::hold::Service::name).collect::<Vec<_>>(),
            "balance": self.balance,
            "usage_bytes": self.usage_bytes,
            "allowance_bytes": self.allowance_bytes,
            "overage_bytes": self.overage_bytes,
            "overage_charge": self.overage_charge,
            "keep_number_fees": self.keep_number_fees,
            "retention_ends": inst(self.retention_ends),
            "maintenance_until": inst(self.maintenance_until),
            "next": self.next.map_or(Value::Null, |n| json!({"at": format_instant(n.at, tz), "change": n.change.name()})),
            "can": can,
            "manual_suspend_unmet": self.manual_suspend_unmet.iter().map(super::manual::Condition::name).collect::<Vec<_>>(),
            "remedies": remedies,
            "call_restriction": self.call_restriction.iter().map(super::call_restriction::CallCause::name).collect::<Vec<_>>(),
            "refund": self.refund,
        })
    }

    /// [`Assessment::to_json_value`] as a string.
    pub fn to_json(&self) -> String {
        self.to_json_value().to_string()
    }
}

impl serde::Serialize for Assessment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_value().serialize(s)
    }
}

impl fmt::Display for Assessment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status)?;
        if !self.holds.is_empty() {
            write!(f, " {:?}", self.holds)?;
        }
        if let Some(n) = self.next {
            write!(
                f,
                ", next {} at {}",
                n.change,
                format_instant(n.at, self.timezone.0)
            )?;
        }
        Ok(())
    }
}

/// Assesses many cards at one instant under one policy: checks the policy and
/// converts the instant to the billing calendar once, then assesses each card
/// with no allocation. [`Card::assess`] is `Assessor::new(policy, at)?.assess(card)`.
///
/// ```
/// # use iotcard::{parse_instant, Assessor, Card, NewCard, Policy, Status};
/// # let card = Card::new(&NewCard::from_json(r#"{
/// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
/// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
/// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
/// # }"#)?)?;
/// let policy = Policy::default();
/// let fleet = vec![card.clone(), card];
/// let assessor = Assessor::new(&policy, parse_instant("at", "2026-03-01T00:00:00+08:00")?)?;
/// for card in &fleet {
///     assert_eq!(assessor.assess(card)?.status, Status::Inventory);
/// }
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Assessor<'p> {
    policy: &'p Policy,
    at: Instant,
    at_civil: Civil,
    key: ScheduleKey,
}

impl<'p> Assessor<'p> {
    /// Prepares assessments at `at` under `policy`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the policy is out of range ([`Policy::validate`]).
    pub fn new(policy: &'p Policy, at: Instant) -> Result<Self, Error> {
        policy.validate()?;
        Ok(Assessor {
            policy,
            at,
            at_civil: Civil::of(at, policy.timezone),
            key: ScheduleKey::of(policy),
        })
    }

    /// The instant assessed.
    pub fn at(&self) -> Instant {
        self.at
    }

    /// The policy assessed under.
    pub fn policy(&self) -> &'p Policy {
        self.policy
    }

    /// Assesses one card; see [`Card::assess`].
    ///
    /// # Errors
    /// As [`Card::assess`].
    pub fn assess(&self, card: &Card) -> Result<Assessment, Error> {
        let (p, at) = (self.policy, self.at);
        if let Some(last) = card.clock.filter(|&last| at < last) {
            return Err(Error::OutOfOrder { at, last });
        }
        // A card changed under this policy's schedule settings carries its
        // schedule; a card loaded from JSON or changed under other settings
        // gets it computed here.
        let computed;
        let memo = if let Some(m) = card.memo_for(self.key) {
            m
        } else {
            computed = card.memo_under(p).0;
            &computed
        };
        if memo.next.is_some_and(|n| n.at <= at) {
            // Something fell due since the card last changed: settle a copy.
            let mut copy = card.clone();
            copy.run_due(p, at, &mut Discard)?;
            let memo = copy.memo_under(p).0;
            return copy.assess_settled(self, &memo);
        }
        card.assess_settled(self, memo)
    }
}

impl Card {
    /// Assesses the card at `at` under `policy`: status, holds with since and
    /// remedy, barred services, balance, usage and overage, keep-number fees, end
    /// of retention, next scheduled change, allowed actions, call-restriction
    /// diagnosis and refund. Scheduled changes due by `at` are taken into account
    /// (the card itself is not changed). Does not allocate. For many cards at one
    /// instant, [`Assessor`] does the per-instant work once.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the policy is out of range ([`Policy::validate`]);
    /// [`Error::OutOfOrder`] when `at` is earlier than the card's clock;
    /// [`Error::InvalidInput`] when a money figure overflows i64 or a date falls
    /// beyond the calendar's range.
    ///
    /// # Example
    /// ```
    /// # use iotcard::{parse_instant, Card, NewCard, Policy, Status};
    /// let card = Card::new(&NewCard::from_json(r#"{
    ///   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    ///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    ///            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// }"#)?)?;
    /// let a = card.assess(&Policy::default(), parse_instant("at", "2026-01-02T00:00:00+08:00")?)?;
    /// assert_eq!(a.status, Status::Inventory);
    /// assert!(a.next.is_none());
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn assess(&self, policy: &Policy, at: Instant) -> Result<Assessment, Error> {
        Assessor::new(policy, at)?.assess(self)
    }

    /// The assessment of a card with nothing due at or before `at`.
    fn assess_settled(&self, ctx: &Assessor<'_>, memo: &Memo) -> Result<Assessment, Error> {
        let (p, at) = (ctx.policy, ctx.at);
        let next = memo.next;
        let live = self.terminal.is_none();
        let activated = live && self.activated_at.is_some();
        let q = self.period_seen_at(at);
        let (overage_bytes, overage_charge) = overage(&self.plan, &q, p)?;
        let holds = self.holds;
        let unmet = if activated {
            self.manual_suspend_unmet(at)
        } else {
            Unmet::EMPTY
        };
        let mut can = Actions::EMPTY;
        for (a, ok) in [
            (Action::Activate, live && self.activated_at.is_none()),
            (Action::ManualSuspend, activated && unmet.is_empty()),
            (Action::ManualResume, activated && self.resumable()),
            (Action::Renew, live),
            (Action::Rebind, activated),
            (
                Action::OperatorRelease,
                activated && holds.contains(Hold::RestrictedRegion),
            ),
            (Action::ReportLost, activated && !holds.contains(Hold::Lost)),
            (Action::Replace, activated),
            (Action::Cancel, live),
        ] {
            if ok {
                can.insert(a);
            }
        }
        Ok(Assessment {
            at,
            timezone: p.timezone,
            status: self.status(),
            holds,
            since: self.since,
            barred: if live {
                holds.barred()
            } else {
                Services::ALL_SET
            },
            balance: self.balance,
            usage_bytes: q.usage_bytes,
            allowance_bytes: u64::try_from(q.allowance(&self.plan)).unwrap_or(u64::MAX),
            overage_bytes,
            overage_charge,
            keep_number_fees: self.retention.map_or(0, |r| r.fees_amount),
            retention_ends: memo.retention_ends,
            maintenance_until: self.maintenance_until,
            next: if live { next } else { None },
            can,
            manual_suspend_unmet: unmet,
            call_restriction: call_restriction(holds),
            refund: self.refund(p, ctx.at_civil, memo.unused_since, memo.plan_end)?,
            auto_resume_on_payment: p.auto_resume_on_payment,
        })
    }
}
