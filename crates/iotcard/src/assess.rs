//! Assessment: everything a billing system asks about a card at an instant, in
//! one plain struct (no heap), and its JSON in the field names of `docs/json.md`.

use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeStruct, Serializer};
use serde_json::Value;
use serde_json::value::RawValue;
use std::sync::OnceLock;

use crate::call_restriction::{CallCause, CallRestriction, call_restriction};
use crate::card::Card;
use crate::change::{ChangeKind, Discard, Scheduled};
use crate::hold::{Hold, Holds, Service, Services, bit_set, named_enum};
use crate::manual::{Condition, Unmet};
use crate::manual::{manual_suspend_unmet, resumable};
use crate::policy::Policy;
use crate::quota::overage;
use crate::quota::period_seen_at;
use crate::refund::refund;
use crate::refund::{Refund, RefundAnchors};
use crate::remedy::{Remedy, Sentence};
use crate::schedule::{due, run_due};
use crate::status::Status;
use crate::time::{Civil, TimeZone, check_range, format_instant};
use crate::{Error, Instant};

named_enum!(
    /// An action a billing front-end may offer (the `can` map).
    #[non_exhaustive]
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
    pub(crate) auto_resume_on_payment: bool,
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

    /// Whether the card needs attention: not `active`/`inventory`, or anything
    /// due. A terminal card (`cancelled`, `replaced`) needs nothing: it accepts
    /// no event, and a daily run would flag it forever.
    pub fn needs_action(&self) -> bool {
        !self.status.is_terminal()
            && (!matches!(self.status, Status::Active | Status::Inventory)
                || self.overage_charge > 0
                || self.refund.eligible_to_request)
    }

    /// The fees due: the keep-number fees of the latest retention (R4.4) plus
    /// the overage charge (R2.5), minor units.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `assessment.fees_due` when the sum
    /// overflows i64.
    ///
    /// ```
    /// # use iotcard::{parse_instant, Card, NewCard, Policy};
    /// # let card = Card::new(&NewCard::from_json(r#"{
    /// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    /// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    /// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// # }"#)?)?;
    /// let a = card.assess(&Policy::default(), parse_instant("at", "2026-01-02T00:00:00+08:00")?)?;
    /// assert_eq!(a.fees_due()?, a.keep_number_fees + a.overage_charge);
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn fees_due(&self) -> Result<i64, Error> {
        self.keep_number_fees
            .checked_add(self.overage_charge)
            .ok_or_else(|| {
                Error::invalid(
                    "assessment.fees_due",
                    format!("{} + {}", self.keep_number_fees, self.overage_charge),
                    "keep_number_fees + overage_charge overflows i64",
                )
            })
    }

    /// The assessment as JSON, with the field names of `docs/json.md` (plus
    /// `at`, `hold_details`, `allowance_bytes`, `maintenance_until` and
    /// `manual_suspend_unmet`).
    pub fn to_json_value(&self) -> Value {
        // Cannot fail: every key is a string.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// [`Assessment::to_json_value`] as a string (keys in name order).
    pub fn to_json(&self) -> String {
        // Cannot fail: every key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// An instant written in the billing time zone.
struct Local(Instant, TimeZone);

impl Serialize for Local {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::time::serialize_in(self.0, self.1, s)
    }
}

/// A sentence as `{"en": ..., "zh-CN": ...}`.
struct Both(Sentence);

impl Serialize for Both {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Sentence", 2)?;
        m.serialize_field("en", self.0.en)?;
        m.serialize_field("zh-CN", self.0.zh_cn)?;
        m.end()
    }
}

/// The JSON of each remedy's sentence ([`Both`]), made once per process.
static REMEDY_SENTENCES: OnceLock<Vec<Box<RawValue>>> = OnceLock::new();
/// The JSON of each hold's sentence ([`Both`]), made once per process.
static HOLD_SENTENCES: OnceLock<Vec<Box<RawValue>>> = OnceLock::new();

/// `item`'s sentence as [`Both`] writes it, escaped once and then copied: the
/// sentences are most of an assessment's bytes, and escaping them again for every
/// card was a tenth of `iotcard assess`.
fn sentence_json(
    table: &'static OnceLock<Vec<Box<RawValue>>>,
    index: usize,
    all: &dyn Fn() -> Vec<Sentence>,
) -> &'static RawValue {
    &table.get_or_init(|| {
        all()
            .into_iter()
            .map(|x| {
                // Cannot fail: two string fields.
                serde_json::value::to_raw_value(&Both(x)).unwrap_or_default()
            })
            .collect()
    })[index]
}

/// The JSON of each `can` map met so far (index: the set's bits), made once
/// per set and then copied.
static CAN_JSON: OnceLock<Box<[OnceLock<Box<RawValue>>]>> = OnceLock::new();

/// The `can` map of `can`: each action by name, whether it is in the set.
fn can_json(can: Actions) -> &'static RawValue {
    let table = CAN_JSON.get_or_init(|| {
        (0..1usize << Action::ALL.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    table[usize::from(can.bits())].get_or_init(|| {
        let map = Pairs(|| Action::BY_NAME.iter().map(|a| (a.name(), can.contains(*a))));
        // Cannot fail: string keys, boolean values.
        serde_json::value::to_raw_value(&map).unwrap_or_default()
    })
}

/// One entry of `hold_details`.
struct Detail<'a>(&'a Assessment, Hold);

impl Serialize for Detail<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let Detail(a, hold) = *self;
        let remedy = a.remedy(hold).unwrap_or(Remedy::ContactOperator);
        let mut m = s.serialize_struct("HoldDetail", 5)?;
        m.serialize_field("hold", hold.name())?;
        m.serialize_field("remedy", remedy.name())?;
        let since = a.hold_since(hold).map(|t| Local(t, a.timezone));
        m.serialize_field("since", &since)?;
        m.serialize_field(
            "what_to_do",
            sentence_json(&REMEDY_SENTENCES, remedy as usize, &|| {
                Remedy::ALL.iter().map(|r| r.sentence()).collect()
            }),
        )?;
        m.serialize_field(
            "why",
            sentence_json(&HOLD_SENTENCES, hold as usize, &|| {
                Hold::ALL.iter().map(|h| h.sentence()).collect()
            }),
        )?;
        m.end()
    }
}

/// A sequence written from the iterator its closure makes.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator<Item: Serialize>,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq((self.0)())
    }
}

/// A map written from the (key, value) pairs its closure makes, in key order.
struct Pairs<F>(F);

impl<F, I, V> Serialize for Pairs<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (&'static str, V)>,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map((self.0)())
    }
}

/// The JSON of [`Assessment::to_json`], written straight to the serializer; the
/// keys of every object in name order, as `serde_json` writes its maps.
impl Serialize for Assessment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let tz = self.timezone;
        let local = |t: Option<Instant>| t.map(|t| Local(t, tz));
        let mut m = s.serialize_struct("Assessment", 19)?;
        m.serialize_field("allowance_bytes", &self.allowance_bytes)?;
        m.serialize_field("at", &Local(self.at, tz))?;
        m.serialize_field("balance", &self.balance)?;
        m.serialize_field("barred", &Seq(|| self.barred.iter().map(Service::name)))?;
        m.serialize_field(
            "call_restriction",
            &Seq(|| self.call_restriction.iter().map(CallCause::name)),
        )?;
        m.serialize_field("can", can_json(self.can))?;
        m.serialize_field(
            "hold_details",
            &Seq(|| self.holds.iter().map(|h| Detail(self, h))),
        )?;
        m.serialize_field("holds", &Seq(|| self.holds.iter().map(Hold::name)))?;
        m.serialize_field("keep_number_fees", &self.keep_number_fees)?;
        m.serialize_field("maintenance_until", &local(self.maintenance_until))?;
        m.serialize_field(
            "manual_suspend_unmet",
            &Seq(|| self.manual_suspend_unmet.iter().map(Condition::name)),
        )?;
        m.serialize_field(
            "next",
            &self.next.map(|n| NextJson {
                at: Local(n.at, tz),
                change: n.change,
            }),
        )?;
        m.serialize_field("overage_bytes", &self.overage_bytes)?;
        m.serialize_field("overage_charge", &self.overage_charge)?;
        m.serialize_field("refund", &self.refund)?;
        m.serialize_field(
            "remedies",
            &Pairs(|| {
                Hold::BY_NAME
                    .iter()
                    .filter_map(|h| Some((h.name(), self.remedy(*h)?.name())))
            }),
        )?;
        m.serialize_field("retention_ends", &local(self.retention_ends))?;
        m.serialize_field("status", self.status.name())?;
        m.serialize_field("usage_bytes", &self.usage_bytes)?;
        m.end()
    }
}

/// `next` as `{"at": ..., "change": ...}`.
#[derive(Serialize)]
struct NextJson {
    at: Local,
    change: ChangeKind,
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
                format_instant(n.at, self.timezone)
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
    /// `at` in the billing calendar (R10.2 counts whole months to and from it).
    at_civil: Civil,
    /// The policy's settings a [`Prepared`] card's schedule depends on.
    key: ScheduleKey,
}

impl<'p> Assessor<'p> {
    /// Prepares assessments at `at` under `policy`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `at` when it is outside the supported range
    /// ([`Instant::MIN`] ..= [`Instant::MAX`]: an instant the library computed,
    /// such as a `next.at`, can be later). The policy was checked when it was built.
    pub fn new(policy: &'p Policy, at: Instant) -> Result<Self, Error> {
        check_range("at", at)?;
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
        self.assess_with(card, Schedule::of(card, self.policy))
    }

    /// Assesses a [`Prepared`] card: as [`Assessor::assess`] of its card, without
    /// working out again what its preparation did (unless it was prepared under a
    /// policy with another time zone, retention or dormancy).
    ///
    /// # Errors
    /// As [`Card::assess`].
    pub fn assess_prepared(&self, card: &Prepared) -> Result<Assessment, Error> {
        if card.key == self.key {
            self.assess_with(&card.card, card.schedule)
        } else {
            self.assess(&card.card)
        }
    }

    /// Assesses `card`, whose schedule under this policy is `schedule`.
    fn assess_with(&self, card: &Card, schedule: Schedule) -> Result<Assessment, Error> {
        let (p, at) = (self.policy, self.at);
        if let Some(last) = card.clock.filter(|&last| at < last) {
            return Err(Error::OutOfOrder {
                at,
                last,
                earliest: last,
                timezone: p.timezone,
            });
        }
        if schedule.next.is_some_and(|n| n.at <= at) {
            // Something fell due since the card last changed: settle a copy.
            let mut copy = card.facts();
            run_due(&mut copy, p, at, &mut Discard)?;
            return assess_settled(&copy, self, &Schedule::of(&copy, p));
        }
        assess_settled(card, self, &schedule)
    }
}

/// A card prepared for assessment under a policy: the card, and what assessing
/// it needs beyond its facts (its next scheduled change, the end of retention,
/// the R10.2 anchors in the billing calendar) worked out once. For a fleet kept
/// in memory and assessed again and again without changing, with
/// [`Assessor::assess_prepared`]; a card assessed once gains nothing. The card
/// inside cannot change: take it out with [`Prepared::into_card`] to apply events.
///
/// ```
/// # use iotcard::{parse_instant, Assessor, Card, NewCard, Policy, Prepared};
/// # let card = Card::new(&NewCard::from_json(r#"{
/// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
/// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
/// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
/// # }"#)?)?;
/// let policy = Policy::default();
/// let fleet: Vec<Prepared> = vec![Prepared::new(card.clone(), &policy)];
/// for day in ["2026-03-01T00:00:00+08:00", "2026-03-02T00:00:00+08:00"] {
///     let assessor = Assessor::new(&policy, parse_instant("at", day)?)?;
///     for c in &fleet {
///         assert_eq!(assessor.assess_prepared(c)?, assessor.assess(c.card())?);
///     }
/// }
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Prepared {
    card: Card,
    key: ScheduleKey,
    schedule: Schedule,
}

impl Prepared {
    /// Prepares `card` for assessment under `policy` (or any policy with the
    /// same time zone, retention and dormancy).
    pub fn new(card: Card, policy: &Policy) -> Prepared {
        Prepared {
            schedule: Schedule::of(&card, policy),
            key: ScheduleKey::of(policy),
            card,
        }
    }

    /// The card.
    pub fn card(&self) -> &Card {
        &self.card
    }

    /// The card, to change it.
    pub fn into_card(self) -> Card {
        self.card
    }
}

/// The policy settings a card's [`Schedule`] depends on: one worked out under
/// one key holds for every policy with the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ScheduleKey {
    offset: i32,
    retention_months: u32,
    dormancy_months: Option<u32>,
}

impl ScheduleKey {
    fn of(p: &Policy) -> ScheduleKey {
        ScheduleKey {
            offset: p.timezone.offset_seconds(),
            retention_months: p.retention_months,
            dormancy_months: p.dormancy_months,
        }
    }
}

/// What an assessment needs beyond the card's facts, worked out from them once
/// per assessment: the next scheduled change, the end of retention, and for a
/// live card the R10.2 anchors in the billing calendar.
#[derive(Clone, Copy, Debug)]
struct Schedule {
    next: Option<Scheduled>,
    retention_ends: Option<Instant>,
    refund_from: Option<RefundAnchors>,
}

impl Schedule {
    fn of(card: &Card, p: &Policy) -> Schedule {
        let tz = p.timezone;
        let (Some(activated), None) = (card.activated_at, card.terminal) else {
            // Nothing is scheduled and nothing refundable.
            return Schedule {
                next: None,
                retention_ends: None,
                refund_from: None,
            };
        };
        // The last traffic (or activation) dates both R6.2 dormancy and R10.2.
        let unused_since = Civil::of(card.last_traffic.unwrap_or(activated), tz);
        let due = due(card, p, Some(unused_since));
        Schedule {
            next: due.next,
            retention_ends: due.retention_ends,
            refund_from: Some(RefundAnchors {
                unused_since,
                plan_end: Civil::of(card.plan.end, tz),
            }),
        }
    }
}

/// The assessment of a card with nothing due at or before `at`.
fn assess_settled(c: &Card, ctx: &Assessor<'_>, s: &Schedule) -> Result<Assessment, Error> {
    let (p, at) = (ctx.policy, ctx.at);
    let next = s.next;
    let live = c.terminal.is_none();
    let activated = live && c.activated_at.is_some();
    let q = period_seen_at(c, at);
    let (overage_bytes, overage_charge) = overage(&c.plan, &q, p)?;
    let holds = c.holds.set();
    let unmet = if activated {
        manual_suspend_unmet(c, at)
    } else {
        Unmet::EMPTY
    };
    let mut can = Actions::EMPTY;
    for (a, ok) in [
        (Action::Activate, live && c.activated_at.is_none()),
        (Action::ManualSuspend, activated && unmet.is_empty()),
        (Action::ManualResume, activated && resumable(c)),
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
    // Every fallible part before the value, so that it is built in place.
    let refund = match s.refund_from {
        Some(from) => refund(c, p, ctx.at_civil, from)?,
        None => Refund::default(),
    };
    Ok(Assessment {
        at,
        timezone: p.timezone,
        status: c.status(),
        holds,
        since: c.holds.since_all(),
        barred: if live {
            holds.barred()
        } else {
            Services::ALL_SET
        },
        balance: c.balance,
        usage_bytes: q.usage_bytes,
        allowance_bytes: u64::try_from(q.allowance(&c.plan)).unwrap_or(u64::MAX),
        overage_bytes,
        overage_charge,
        keep_number_fees: c.retention.map_or(0, |r| r.fees_amount),
        retention_ends: s.retention_ends,
        maintenance_until: c.holds.maintenance_until(),
        next: if live { next } else { None },
        can,
        manual_suspend_unmet: unmet,
        call_restriction: call_restriction(holds),
        refund,
        auto_resume_on_payment: p.auto_resume_on_payment,
    })
}

#[cfg(test)]
mod tests {
    use crate::{Card, Error, NewCard, Policy, parse_instant};

    #[test]
    fn fees_due_is_the_checked_sum() {
        let card = Card::new(
            &NewCard::from_json(
                r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678",
                "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                         "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}}"#,
            )
            .unwrap(),
        )
        .unwrap();
        let at = parse_instant("at", "2026-01-02T00:00:00+08:00").unwrap();
        let mut a = card.assess(&Policy::default(), at).unwrap();
        (a.keep_number_fees, a.overage_charge) = (1500, 250);
        assert_eq!(a.fees_due(), Ok(1750));
        (a.keep_number_fees, a.overage_charge) = (i64::MAX, 1);
        let Err(Error::InvalidInput { field, value, .. }) = a.fees_due() else {
            panic!("an overflow must be an error");
        };
        assert_eq!(field, "assessment.fees_due");
        assert_eq!(value, format!("{} + 1", i64::MAX));
    }
}
