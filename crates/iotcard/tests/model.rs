//! Model-based test: random stories (every event type, at increasing instants,
//! with now and then one out of order, plus `advance` and a JSON store/load)
//! under random policies — in late-arrival mode (`late_window_hours` 1 to 240 in
//! most stories, R12) events dated up to 50 hours before the clock, which the
//! model takes by replaying every accepted event in time order from the start — run on the real core and on a deliberately naive
//! reference model written here from docs/rules.md; after every transition the two
//! must agree on the outcome (accepted, or refused with the same code), holds,
//! status, balance, clock, usage and overage, keep-number fees, end of
//! retention, the next scheduled change, and the `can` map.
//!
//! The model is naive on purpose: holds are a `BTreeSet`; usage is a ledger of
//! every traffic and top-up record, summed over the quota period containing the
//! instant (docs/rules.md R2.1), not a running counter; calendar arithmetic is its own
//! (month index arithmetic and a last-day-of-month search with chrono's
//! `NaiveDate`, not `iotcard::add_months`); quota periods are found by walking
//! month by month to the nearest period-start month; and advancing applies "every
//! scheduled change due at or before T, in order" by re-deriving every rule's
//! deadline after each change.
//!
//! Where docs/rules.md is silent the model follows the core's decisions (doc
//! comments and code comments), each marked `Decision (core)`: a negative
//! opening balance puts `arrears` at activation; R1.1 counts a negative balance
//! as arrears and refuses suspending a suspended card; a card activated after
//! its plan ended expires at activation; a renewal that moves the quota period
//! boundaries starts a fresh period (usage and top-ups dropped); overlapping
//! maintenance windows extend; refusals come in the order of `apply_mut`.
//! Where the core departs from docs/rules.md the model follows the core and the spot
//! is marked `DISAGREEMENT`, so the other checks keep running: R3.3 says
//! `low_balance` is for "a balance at or above zero", the core also puts it on a
//! negative balance within the credit limit.
//!
//! Case count: proptest's default, 256 stories of 1..48 transitions (about 1 s
//! in a debug build); set `PROPTEST_CASES` for more, e.g. nightly
//! `PROPTEST_CASES=50000 cargo test -p iotcard --release --test model`.
//! Failures go to `crates/iotcard/proptest-regressions/model.txt`; commit it.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta, TimeZone as _, Utc};
use common::{Spec, base, config, imei, plus, policy, spec};
use iotcard::{
    Action, Card, ChangeKind, Event, Hold, Iccid, Imei, Instant, NewCard, Period, Plan, Policy,
    Status,
};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};

// ------------------------------------------------------- model calendar

/// The billing offset in seconds.
fn offset(p: &Policy) -> i64 {
    i64::from(p.timezone.offset_seconds())
}

/// Wall-clock time of `t` at `off`.
fn local(t: Instant, off: i64) -> NaiveDateTime {
    DateTime::<Utc>::from(t).naive_utc() + TimeDelta::seconds(off)
}

/// The instant of wall-clock time `l` at `off`.
fn utc(l: NaiveDateTime, off: i64) -> Instant {
    Instant::try_from(Utc.from_utc_datetime(&(l - TimeDelta::seconds(off)))).expect("in range")
}

/// The last day of a month: the largest of 31, 30, 29, 28 that is a date.
fn last_day(y: i32, m: u32) -> u32 {
    (28..=31)
        .rev()
        .find(|&d| NaiveDate::from_ymd_opt(y, m, d).is_some())
        .expect("every month has 28 days")
}

/// R4.2: `t` plus `months` calendar months at `off`, the day clamped to the
/// month's end.
fn add_months(t: Instant, months: u32, off: i64) -> Instant {
    let wall = local(t, off);
    let index = i64::from(wall.year()) * 12 + i64::from(wall.month0()) + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).expect("year in range");
    let month = u32::try_from(index.rem_euclid(12)).expect("0..12") + 1;
    let day = wall.day().min(last_day(year, month));
    utc(
        NaiveDate::from_ymd_opt(year, month, day)
            .expect("clamped")
            .and_time(wall.time()),
        off,
    )
}

/// Local midnight on the 1st of (`y`, `m`).
fn month_start(y: i32, m: u32, off: i64) -> Instant {
    utc(
        NaiveDate::from_ymd_opt(y, m, 1)
            .expect("month")
            .and_hms_opt(0, 0, 0)
            .expect("midnight"),
        off,
    )
}

fn next_month((y, m): (i32, u32)) -> (i32, u32) {
    if m == 12 { (y + 1, 1) } else { (y, m + 1) }
}

fn prev_month((y, m): (i32, u32)) -> (i32, u32) {
    if m == 1 { (y - 1, 12) } else { (y, m - 1) }
}

/// R2.1: the quota period `[start, end)` containing `t`: walk back month by month
/// to the nearest month a period starts in, then forward to the next one.
fn quota_period(plan: &Plan, t: Instant, off: i64) -> (Instant, Instant) {
    let plan_month = local(plan.start, off).month();
    let starts = |m: u32| match plan.period {
        Period::Month => true,
        Period::Quarter => matches!(m, 1 | 4 | 7 | 10),
        Period::Year => m == plan_month,
    };
    let l = local(t, off);
    let mut first = (l.year(), l.month());
    while !starts(first.1) {
        first = prev_month(first);
    }
    let mut next = next_month(first);
    while !starts(next.1) {
        next = next_month(next);
    }
    (
        month_start(first.0, first.1, off),
        month_start(next.0, next.1, off),
    )
}

// ---------------------------------------------------------- model card

/// The retention a card is in, or was last in (R4.2, R4.4).
#[derive(Clone, Copy, Debug)]
struct Retention {
    expired_at: Instant,
    fees: u32,
    amount: i64,
}

/// One record of the usage ledger.
#[derive(Clone, Copy, Debug)]
struct Record {
    at: Instant,
    bytes: u64,
    top_up: bool,
}

/// The naive card.
#[derive(Clone, Debug)]
struct RefCard {
    iccid: Iccid,
    auto_suspend: bool,
    balance: i64,
    plan: Plan,
    imei: Option<Imei>,
    activated: Option<Instant>,
    terminal: Option<Status>,
    clock: Option<Instant>,
    holds: BTreeSet<Hold>,
    /// Every traffic and top-up record that still counts.
    ledger: Vec<Record>,
    last_traffic: Option<Instant>,
    maintenance_until: Option<Instant>,
    retention: Option<Retention>,
}

/// A refusal, by its error code.
type Code = &'static str;

/// Rules.md "Lifecycle": holds that bar every service (all but `over_quota`,
/// data only, and `low_balance`, outgoing calls only).
fn bars_everything(h: Hold) -> bool {
    !matches!(h, Hold::OverQuota | Hold::LowBalance)
}

/// The order of scheduled changes due at the same instant (docs/json.md).
fn rank(k: ChangeKind) -> u8 {
    match k {
        ChangeKind::LiftOverQuota => 0,
        ChangeKind::Expire => 1,
        ChangeKind::KeepNumberFee => 2,
        ChangeKind::Cancel => 3,
        ChangeKind::LiftMaintenance => 4,
        ChangeKind::DormancyCancel => 5,
        k => panic!("the model does not know the change {k:?}: add it"),
    }
}

impl RefCard {
    fn new(n: &NewCard) -> Self {
        RefCard {
            iccid: n.iccid,
            auto_suspend: n.auto_suspend,
            balance: n.balance,
            plan: n.plan,
            imei: None,
            activated: None,
            terminal: None,
            clock: None,
            holds: BTreeSet::new(),
            ledger: Vec::new(),
            last_traffic: None,
            maintenance_until: None,
            retention: None,
        }
    }

    fn status(&self) -> Status {
        match self.terminal {
            Some(t) => t,
            None if self.activated.is_none() => Status::Inventory,
            None if self.holds.is_empty() => Status::Active,
            None if self.holds.iter().any(|&h| bars_everything(h)) => Status::Suspended,
            None => Status::Restricted,
        }
    }

    /// (usage, top-ups) in the quota period containing `t`, or `None` on overflow.
    fn usage_at(&self, p: &Policy, t: Instant) -> (u128, u128) {
        let (start, end) = quota_period(&self.plan, t, offset(p));
        let mut sum = (0u128, 0u128);
        for r in self.ledger.iter().filter(|r| start <= r.at && r.at < end) {
            if r.top_up {
                sum.1 += u128::from(r.bytes);
            } else {
                sum.0 += u128::from(r.bytes);
            }
        }
        sum
    }

    /// R2.2: usage strictly greater than quota plus top-ups.
    fn over_quota_at(&self, p: &Policy, t: Instant) -> bool {
        let (used, extra) = self.usage_at(p, t);
        used > u128::from(self.plan.quota_bytes) + extra
    }

    /// R3.1: below minus the credit limit.
    fn below_credit(&self, p: &Policy) -> bool {
        i128::from(self.balance) < -i128::from(p.credit_limit)
    }

    /// R3.3: a balance below the threshold (0 = off) that is not arrears.
    ///
    /// DISAGREEMENT: docs/rules.md R3.3 says "a balance at or above zero but below
    /// the threshold"; the core (arrears.rs `low`) also counts a balance below
    /// zero but within the credit limit. The model follows the core.
    fn low(&self, p: &Policy) -> bool {
        p.low_balance > 0 && self.balance < p.low_balance && !self.below_credit(p)
    }

    fn put(&mut self, h: Hold) {
        self.holds.insert(h);
    }

    fn lift(&mut self, h: Hold) -> bool {
        if h == Hold::Maintenance {
            self.maintenance_until = None;
        }
        self.holds.remove(&h)
    }

    fn end(&mut self, how: Status) {
        self.terminal = Some(how);
        self.holds.clear();
        self.maintenance_until = None;
    }

    /// R3.1/R3.3 after a charge. Decision (core, `hold_for_balance`): also at activation.
    fn hold_for_balance(&mut self, p: &Policy) {
        if self.below_credit(p) {
            self.put(Hold::Arrears);
        } else if self.low(p) {
            self.put(Hold::LowBalance);
        }
    }

    /// R1.1: the unmet conditions (names as in `Condition`).
    fn unmet(&self, p: &Policy, at: Instant) -> Vec<&'static str> {
        let mut u = Vec::new();
        if !(self.plan.start <= at && at < self.plan.end) || self.holds.contains(&Hold::Expired) {
            u.push("plan_not_valid");
        }
        // Decision (core, `Condition::Arrears`): a balance below zero counts too.
        if self.balance < 0 || self.holds.contains(&Hold::Arrears) {
            u.push("arrears");
        }
        if self.over_quota_at(p, at) {
            u.push("over_quota");
        }
        // Decision (core): suspending a suspended card is refused.
        if self.holds.contains(&Hold::Manual) {
            u.push("already_suspended");
        }
        u
    }

    /// R1.2/R3.2: what a manual resume would lift.
    fn resumable(&self) -> bool {
        self.holds.contains(&Hold::Manual)
            || (self.holds.contains(&Hold::Arrears) && self.balance >= 0)
    }

    /// Every rule's next deadline (docs/rules.md "Time"), the earliest first; `now`
    /// is the instant the card has been brought to.
    fn next_due(&self, p: &Policy, now: Instant) -> Option<(Instant, ChangeKind)> {
        let activated = self.activated?;
        if self.terminal.is_some() {
            return None;
        }
        let off = offset(p);
        let mut due = Vec::new();
        if self.holds.contains(&Hold::OverQuota) {
            // R2.3: the start of the next quota period.
            due.push((
                quota_period(&self.plan, now, off).1,
                ChangeKind::LiftOverQuota,
            ));
        }
        if self.holds.contains(&Hold::Expired) {
            let r = self.retention.expect("expired cards are in retention");
            if r.fees < p.retention_months {
                // R4.4: at the start of each started retention month.
                due.push((
                    add_months(r.expired_at, r.fees, off),
                    ChangeKind::KeepNumberFee,
                ));
            }
            due.push((
                add_months(r.expired_at, p.retention_months, off),
                ChangeKind::Cancel,
            ));
        } else {
            // R4.1. Decision (core, `expiry_instant`): a card activated after
            // its plan ended expires at activation.
            due.push((self.plan.end.max(activated), ChangeKind::Expire));
        }
        if let Some(until) = self.maintenance_until {
            due.push((until, ChangeKind::LiftMaintenance));
        }
        if let Some(m) = p.dormancy_months {
            let from = self.last_traffic.unwrap_or(activated);
            due.push((add_months(from, m, off), ChangeKind::DormancyCancel));
        }
        due.into_iter().min_by_key(|&(t, k)| (t, rank(k)))
    }

    /// Applies every scheduled change due at or before `to`, in order.
    fn run_due(&mut self, p: &Policy, from: Instant, to: Instant) -> Result<(), Code> {
        let mut now = from;
        while let Some((t, kind)) = self.next_due(p, now) {
            if t > to {
                break;
            }
            now = t;
            match kind {
                ChangeKind::LiftOverQuota => {
                    self.lift(Hold::OverQuota);
                }
                ChangeKind::Expire => {
                    self.retention = Some(Retention {
                        expired_at: t,
                        fees: 0,
                        amount: 0,
                    });
                    self.put(Hold::Expired);
                }
                ChangeKind::KeepNumberFee => {
                    let r = self.retention.as_mut().expect("in retention");
                    r.fees += 1;
                    r.amount = r
                        .amount
                        .checked_add(p.keep_number_fee)
                        .ok_or("invalid_input")?;
                }
                ChangeKind::Cancel | ChangeKind::DormancyCancel => self.end(Status::Cancelled),
                ChangeKind::LiftMaintenance => {
                    self.lift(Hold::Maintenance);
                }
                k => panic!("the model does not know the change {k:?}: add it"),
            }
        }
        Ok(())
    }

    /// Advancing to `to` ("Time").
    fn advance(&mut self, p: &Policy, to: Instant) -> Result<(), Code> {
        if self.clock.is_some_and(|c| to < c) {
            return Err("out_of_order");
        }
        self.run_due(p, self.clock.unwrap_or(to), to)?;
        self.clock = Some(to);
        Ok(())
    }

    fn refuse_if_terminal(&self) -> Result<(), Code> {
        if self.terminal.is_some() {
            Err("terminal")
        } else {
            Ok(())
        }
    }

    /// Applies `e` at `at`; on error the caller drops this copy. Returns the
    /// replacement card for `replace`. The order of refusals is the core's
    /// (lifecycle.rs): terminal, out of order, terminal once advanced, invalid
    /// values, not activated, then the event's own rule.
    #[allow(clippy::too_many_lines)] // one arm per event type, in the order of docs/json.md
    fn apply(&mut self, p: &Policy, at: Instant, e: &Event) -> Result<Option<RefCard>, Code> {
        self.refuse_if_terminal()?;
        self.advance(p, at)?;
        self.refuse_if_terminal()?;
        match *e {
            Event::Charge { amount } | Event::Payment { amount } if amount <= 0 => {
                return Err("invalid_input");
            }
            Event::TopUp { bytes: 0 } => return Err("invalid_input"),
            Event::Renew { plan } if plan.end <= plan.start || plan.monthly_fee < 0 => {
                return Err("invalid_input");
            }
            _ => {}
        }
        let needs_activation = !matches!(
            e,
            Event::Activate { .. } | Event::Payment { .. } | Event::Renew { .. } | Event::Cancel
        );
        if needs_activation && self.activated.is_none() {
            return Err("not_activated");
        }
        let mut replacement = None;
        match *e {
            Event::Activate { imei } => {
                if self.activated.is_some() {
                    return Err("already_activated");
                }
                if p.device_binding && imei.is_none() {
                    return Err("invalid_input");
                }
                self.activated = Some(at);
                self.imei = imei;
                self.hold_for_balance(p);
            }
            Event::Usage {
                bytes,
                imei,
                region,
            } => {
                self.last_traffic = Some(at);
                if p.device_binding
                    && let (Some(seen), Some(bound)) = (imei, self.imei)
                    && seen != bound
                {
                    self.put(Hold::DeviceMismatch);
                }
                if region.is_some_and(|r| p.restricted_regions.contains(r)) {
                    self.put(Hold::RestrictedRegion);
                }
                if self.usage_at(p, at).0 + u128::from(bytes) > u128::from(u64::MAX) {
                    return Err("invalid_input");
                }
                self.ledger.push(Record {
                    at,
                    bytes,
                    top_up: false,
                });
                if self.auto_suspend && self.over_quota_at(p, at) {
                    self.put(Hold::OverQuota);
                }
            }
            Event::Charge { amount } => {
                self.balance = self.balance.checked_sub(amount).ok_or("invalid_input")?;
                self.hold_for_balance(p);
            }
            Event::Payment { amount } => {
                self.balance = self.balance.checked_add(amount).ok_or("invalid_input")?;
                if self.activated.is_some() {
                    if p.auto_resume_on_payment && self.balance >= 0 {
                        self.lift(Hold::Arrears);
                    }
                    if self.balance >= p.low_balance {
                        self.lift(Hold::LowBalance);
                    } else if self.low(p) {
                        self.put(Hold::LowBalance);
                    }
                }
            }
            Event::TopUp { bytes } => {
                if self.usage_at(p, at).1 + u128::from(bytes) > u128::from(u64::MAX) {
                    return Err("invalid_input");
                }
                self.ledger.push(Record {
                    at,
                    bytes,
                    top_up: true,
                });
                if !self.over_quota_at(p, at) {
                    self.lift(Hold::OverQuota);
                }
            }
            Event::ManualSuspend => {
                if !self.unmet(p, at).is_empty() {
                    return Err("manual_suspend_not_allowed");
                }
                self.put(Hold::Manual);
            }
            Event::ManualResume => {
                if !self.resumable() {
                    return Err(if self.holds.contains(&Hold::Arrears) {
                        "arrears_outstanding"
                    } else {
                        "nothing_to_lift"
                    });
                }
                self.lift(Hold::Manual);
                if self.balance >= 0 {
                    self.lift(Hold::Arrears);
                }
            }
            Event::Renew { plan } => {
                if plan.end <= at {
                    return Err("invalid_input");
                }
                // Decision (core, comment in expiry.rs `renew`): a renewal that
                // changes the quota period boundaries at `at` starts a fresh period.
                // Then the hold follows the new quota (R2.3 for a fresh period,
                // R2.4 back within quota, R2.2 beyond it with auto-suspend).
                let off = offset(p);
                let moved = self.activated.is_some()
                    && quota_period(&self.plan, at, off) != quota_period(&plan, at, off);
                if moved {
                    self.ledger.clear();
                }
                self.plan = plan;
                if self.activated.is_some() {
                    if moved || !self.over_quota_at(p, at) {
                        self.lift(Hold::OverQuota);
                    } else if self.auto_suspend {
                        self.put(Hold::OverQuota);
                    }
                }
                self.lift(Hold::Expired);
            }
            Event::Rebind { imei } => {
                self.imei = Some(imei);
                self.lift(Hold::DeviceMismatch);
            }
            Event::OperatorRelease { hold } => {
                if hold != Hold::RestrictedRegion {
                    return Err("invalid_input");
                }
                if !self.lift(hold) {
                    return Err("nothing_to_lift");
                }
            }
            Event::Maintenance { until } => {
                if until <= at {
                    return Err("invalid_input");
                }
                // Decision (core): overlapping windows extend to the later end.
                self.maintenance_until =
                    Some(self.maintenance_until.map_or(until, |u| u.max(until)));
                self.put(Hold::Maintenance);
            }
            Event::ReportLost => self.put(Hold::Lost),
            Event::Replace { iccid } => {
                if iccid == self.iccid {
                    return Err("invalid_input");
                }
                let mut new = self.clone();
                new.iccid = iccid;
                new.holds.remove(&Hold::Lost);
                new.run_due(p, at, at)?;
                replacement = Some(new);
                self.end(Status::Replaced);
            }
            Event::Cancel => self.end(Status::Cancelled),
            e => panic!("the model does not know the event {e:?}: add it"),
        }
        self.run_due(p, at, at)?;
        Ok(replacement)
    }
}

// ------------------------------------------------------ state machine

/// When a transition happens, relative to the card's clock (or the story's origin).
#[derive(Clone, Copy, Debug)]
enum When {
    /// This many seconds after the clock.
    After(i64),
    /// This many seconds before the clock (refused: `out_of_order`).
    Before(i64),
    /// The next scheduled change's instant plus this many seconds (-1, 0, 1).
    AroundNext(i64),
}

/// A generated transition.
#[derive(Clone, Copy, Debug)]
enum Transition {
    /// Apply an event.
    Apply(When, Spec),
    /// `Card::advance`.
    Advance(When),
    /// Store the state as JSON and load it back.
    Reload,
}

/// A transition as resolved against the model, with its expected outcome: what
/// the real core must then do.
#[derive(Clone, Debug)]
enum Resolved {
    Apply {
        at: Instant,
        event: Event,
        expect: Result<Option<Iccid>, Code>,
    },
    Advance {
        to: Instant,
        expect: Result<(), Code>,
    },
    Reload,
}

#[derive(Clone, Debug)]
struct Model {
    policy: Policy,
    /// Where the story starts (the card's plan is placed around it).
    origin: Instant,
    new: NewCard,
    card: RefCard,
    last: Option<Resolved>,
    /// Late-arrival mode (policy `late_window_hours` > 0, R12): the card the
    /// story's current card started as (the new card, or a replacement as made),
    /// and every event it accepted since, in time order (same instant: arrival
    /// order). A late event is taken by replaying them all from `base`.
    base: RefCard,
    log: Vec<(Instant, Event)>,
}

impl Model {
    fn now(&self) -> Instant {
        self.card.clock.unwrap_or(self.origin)
    }

    fn resolve(&self, w: When) -> Instant {
        let now = self.now();
        match w {
            When::After(s) => plus(now, s),
            When::Before(s) => plus(now, -s),
            When::AroundNext(d) => {
                let (t, _) = self
                    .card
                    .next_due(&self.policy, now)
                    .expect("precondition: something is scheduled");
                plus(t, d)
            }
        }
    }
}

impl Model {
    /// R12, naively: a late event is accepted when the card is not terminal and
    /// it is at most `late_window_hours` before the clock (and not before the
    /// card's story began); the card is then every accepted event replayed in
    /// time order from the start with the late one in its place, advanced to the
    /// clock. The late event's own refusal is its code; an accepted event that
    /// now fails makes it `late_event_conflict`.
    fn take_late(&self, at: Instant, event: Event) -> Result<(RefCard, Option<RefCard>), Code> {
        let p = &self.policy;
        if self.card.terminal.is_some() {
            return Err("terminal");
        }
        let clock = self.card.clock.expect("a late event needs a clock");
        let start = plus(clock, -i64::from(p.late_window_hours) * 3600);
        if at < start || self.base.clock.is_some_and(|b| at < b) {
            return Err("out_of_order");
        }
        let i = self.log.partition_point(|(t, _)| *t <= at);
        let mut card = self.base.clone();
        for (t, e) in &self.log[..i] {
            card.apply(p, *t, e)
                .expect("accepted before, accepted again");
        }
        let replacement = card.apply(p, at, &event)?;
        for (t, e) in &self.log[i..] {
            if card.apply(p, *t, e).is_err() {
                return Err("late_event_conflict");
            }
        }
        card.advance(p, clock).expect("advance to the clock");
        Ok((card, replacement))
    }
}

/// Gaps between transitions: none, seconds, whole days (landing on local
/// midnights) or up to three months; shorter than `common::gap` so that cards live
/// long enough for holds to pile up.
fn short_gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        2 => 1i64..3600,
        4 => (0i64..=10).prop_map(|d| d * 86_400),
        1 => 0i64..90 * 86_400,
    ]
}

/// When transitions happen: mostly after the clock (by [`short_gap`]), often
/// right at, before or after the next scheduled change, sometimes before the clock.
fn when() -> impl Strategy<Value = When> {
    prop_oneof![
        6 => short_gap().prop_map(When::After),
        3 => (-1i64..=1).prop_map(When::AroundNext),
        1 => (1i64..40 * 86_400).prop_map(When::Before),
        // Inside a late window of up to 48 hours, or just past it (R12).
        2 => (1i64..50 * 3600).prop_map(When::Before),
    ]
}

/// Events: [`spec`], plus activations (often, while not activated), money and
/// bytes at the edge of their types, [`exact_for`] boundaries, renewals (often,
/// while expired) and overlapping maintenance windows.
fn event_for(m: &Model) -> BoxedStrategy<Spec> {
    let activate = imei().prop_map(|imei| Spec::Fixed(Event::Activate { imei: Some(imei) }));
    let edges = prop_oneof![
        prop::sample::select(&[i64::MAX, i64::MAX / 2][..])
            .prop_map(|amount| Spec::Fixed(Event::Charge { amount })),
        prop::sample::select(&[i64::MAX, i64::MAX / 2][..])
            .prop_map(|amount| Spec::Fixed(Event::Payment { amount })),
        Just(Spec::Fixed(Event::Usage {
            bytes: u64::MAX,
            imei: None,
            region: None
        })),
        Just(Spec::Fixed(Event::TopUp { bytes: u64::MAX })),
    ];
    let mut arms: Vec<(u32, BoxedStrategy<Spec>)> = vec![(24, spec().boxed())];
    let c = &m.card;
    if c.activated.is_none() {
        arms.push((24, activate.boxed()));
    } else if c.terminal.is_none() {
        arms.push((1, edges.boxed()));
        let exact = exact_for(m);
        if !exact.is_empty() {
            arms.push((4, prop::sample::select(exact).prop_map(Spec::Fixed).boxed()));
        }
        if c.holds.contains(&Hold::Expired) {
            let renew = (
                0i64..40 * 86_400,
                common::plan_len(),
                common::period(),
                common::quota(),
                0i64..5000,
            )
                .prop_map(|(back, len, period, quota, fee)| Spec::Renew {
                    back,
                    len,
                    period,
                    quota,
                    fee,
                });
            arms.push((8, renew.boxed()));
        }
        if let Some(until) = c.maintenance_until {
            // Another window ending just before, at or after the current one.
            let window = prop::sample::select(&[-3600i64, -1, 0, 1][..]).prop_map(move |d| {
                Spec::Fixed(Event::Maintenance {
                    until: plus(until, d),
                })
            });
            arms.push((4, window.boxed()));
        }
    }
    prop::strategy::Union::new_weighted(arms).boxed()
}

/// Events that land exactly on a boundary of the card as it is now (and one
/// unit past it): a payment to exactly zero or to the low-balance threshold, a
/// charge to exactly minus the credit limit or to just below the threshold,
/// usage to exactly the allowance, a top-up to exactly the usage.
fn exact_for(m: &Model) -> Vec<Event> {
    let (c, p) = (&m.card, &m.policy);
    let mut out = Vec::new();
    let mut pay = |to: i64| {
        if let Some(amount) = to.checked_sub(c.balance) {
            for a in [Some(amount), amount.checked_add(1)].into_iter().flatten() {
                if a > 0 {
                    out.push(Event::Payment { amount: a });
                }
            }
        }
    };
    pay(0);
    pay(p.low_balance);
    let mut charge = |to: i64| {
        if let Some(amount) = c.balance.checked_sub(to) {
            for a in [Some(amount), amount.checked_add(1)].into_iter().flatten() {
                if a > 0 {
                    out.push(Event::Charge { amount: a });
                }
            }
        }
    };
    charge(-p.credit_limit);
    charge(p.low_balance - 1);
    charge(0);
    let now = m.now();
    let (used, extra) = c.usage_at(p, now);
    let allowance = u128::from(c.plan.quota_bytes) + extra;
    if let Ok(bytes) = u64::try_from(allowance.saturating_sub(used)) {
        for b in [Some(bytes), bytes.checked_add(1)].into_iter().flatten() {
            out.push(Event::Usage {
                bytes: b,
                imei: c.imei,
                region: None,
            });
        }
    }
    if let Ok(bytes) = u64::try_from(used.saturating_sub(allowance))
        && bytes > 1
    {
        for b in [bytes - 1, bytes] {
            out.push(Event::TopUp { bytes: b });
        }
    }
    out
}

/// Where stories start: mostly 2026, else around the ends of months, years
/// and centuries (2000 is a leap year, 2100 is not), in various offsets.
fn origin() -> impl Strategy<Value = Instant> {
    prop::sample::select(
        &[
            "2026-01-01T00:00:00+08:00",
            "2026-01-01T00:00:00+08:00",
            "2026-01-01T00:00:00+08:00",
            "1999-11-30T00:00:00+08:00",
            "2000-01-31T00:00:00+08:00",
            "2099-11-30T12:00:00Z",
            "2100-01-31T00:00:00-05:00",
            "2023-12-31T23:00:00-05:00",
        ][..],
    )
    .prop_map(common::at)
}

struct Reference;

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Transition;

    fn init_state() -> BoxedStrategy<Model> {
        let window =
            prop_oneof![3 => Just(0u32), 1 => Just(1u32), 2 => Just(48u32), 1 => 1u32..=240];
        (policy(), common::new_card(), origin(), window)
            .prop_map(|(policy, mut new, origin, window)| {
                let mut settings = iotcard::PolicySettings::from(policy);
                settings.late_window_hours = window;
                let policy = Policy::new(settings).expect("a valid policy");
                let shift = origin.unix_seconds() - base().unix_seconds();
                new.plan.start = common::plus(new.plan.start, shift);
                new.plan.end = common::plus(new.plan.end, shift);
                Model {
                    card: RefCard::new(&new),
                    base: RefCard::new(&new),
                    log: Vec::new(),
                    policy,
                    origin,
                    new,
                    last: None,
                }
            })
            .boxed()
    }

    fn transitions(m: &Model) -> BoxedStrategy<Transition> {
        prop_oneof![
            12 => (when(), event_for(m)).prop_map(|(w, s)| Transition::Apply(w, s)),
            1 => when().prop_map(Transition::Advance),
            1 => Just(Transition::Reload),
        ]
        .boxed()
    }

    /// Keeps shrunk sequences meaningful: "at the next scheduled change" needs
    /// one, "before the clock" needs a clock.
    fn preconditions(m: &Model, t: &Transition) -> bool {
        match t {
            Transition::Apply(w, _) | Transition::Advance(w) => match w {
                When::After(_) => true,
                When::Before(_) => m.card.clock.is_some(),
                When::AroundNext(_) => m.card.next_due(&m.policy, m.now()).is_some(),
            },
            Transition::Reload => true,
        }
    }

    fn apply(mut model: Model, transition: &Transition) -> Model {
        let policy = model.policy.clone();
        let resolved = match *transition {
            Transition::Apply(when, spec) => {
                let at = model.resolve(when);
                let event = spec.at(at);
                let late = policy.late_window_hours > 0 && model.card.clock.is_some_and(|c| at < c);
                let result = if late {
                    model.take_late(at, event)
                } else {
                    let mut card = model.card.clone();
                    card.apply(&policy, at, &event).map(|r| (card, r))
                };
                let expect = match result {
                    Ok((card, Some(new))) => {
                        let id = new.iccid;
                        drop(card);
                        model.base = new.clone();
                        model.log.clear();
                        model.card = new;
                        Ok(Some(id))
                    }
                    Ok((card, None)) => {
                        model.card = card;
                        // Same instant: arrival order (after those already there).
                        let i = model.log.partition_point(|(t, _)| *t <= at);
                        model.log.insert(i, (at, event));
                        Ok(None)
                    }
                    Err(code) => Err(code),
                };
                Resolved::Apply { at, event, expect }
            }
            Transition::Advance(when) => {
                let to = model.resolve(when);
                let mut card = model.card.clone();
                let expect = card.advance(&policy, to);
                if expect.is_ok() {
                    model.card = card;
                }
                Resolved::Advance { to, expect }
            }
            Transition::Reload => Resolved::Reload,
        };
        model.last = Some(resolved);
        model
    }
}

/// The real core.
struct Core {
    policy: Policy,
    card: Card,
}

/// Compares the real card with the model card, directly and through `assess`.
fn compare(core: &Core, model: &Model) {
    let (c, r, p) = (&core.card, &model.card, &model.policy);
    let holds: BTreeSet<Hold> = c.holds().iter().collect();
    assert_eq!(holds, r.holds, "holds");
    assert_eq!(c.status(), r.status(), "status");
    assert_eq!(c.balance(), r.balance, "balance");
    assert_eq!(c.clock(), r.clock, "clock");
    assert_eq!(c.iccid(), r.iccid, "iccid");
    assert_eq!(c.activated_at(), r.activated, "activated_at");
    assert_eq!(c.imei(), r.imei, "imei");
    assert_eq!(c.plan(), &r.plan, "plan");

    let at = model.now();
    let a = c.assess(p, at).expect("assess at the clock");
    assert_eq!(a.status, r.status(), "assessed status");
    let assessed: BTreeSet<Hold> = a.holds.iter().collect();
    assert_eq!(assessed, r.holds, "assessed holds");
    assert_eq!(a.balance, r.balance, "assessed balance");
    let (used, extra) = if r.activated.is_some() {
        r.usage_at(p, at)
    } else {
        (0, 0)
    };
    assert_eq!(u128::from(a.usage_bytes), used, "usage_bytes");
    let over = used.saturating_sub(u128::from(r.plan.quota_bytes) + extra);
    assert_eq!(u128::from(a.overage_bytes), over, "overage_bytes");
    let mib = over.div_ceil(1024 * 1024);
    assert_eq!(
        i128::from(a.overage_charge),
        i128::try_from(mib).expect("small") * i128::from(p.overage_rate_per_mb),
        "overage_charge"
    );
    assert_eq!(
        a.keep_number_fees,
        r.retention.map_or(0, |x| x.amount),
        "keep_number_fees"
    );
    let retention_ends = r.holds.contains(&Hold::Expired).then(|| {
        add_months(
            r.retention.expect("in retention").expired_at,
            p.retention_months,
            offset(p),
        )
    });
    assert_eq!(a.retention_ends, retention_ends, "retention_ends");
    let next = a.next.map(|n| (n.at, n.change));
    assert_eq!(next, r.next_due(p, at), "next");
    let live_activated = r.terminal.is_none() && r.activated.is_some();
    assert_eq!(
        a.can.contains(Action::ManualSuspend),
        live_activated && r.unmet(p, at).is_empty(),
        "can manual_suspend (unmet {:?})",
        r.unmet(p, at)
    );
    assert_eq!(
        a.can.contains(Action::ManualResume),
        live_activated && r.resumable(),
        "can manual_resume"
    );
    assert_eq!(
        a.can.contains(Action::Renew),
        r.terminal.is_none(),
        "can renew"
    );
}

impl StateMachineTest for Core {
    type SystemUnderTest = Core;
    type Reference = Reference;

    fn init_test(m: &Model) -> Core {
        Core {
            policy: m.policy.clone(),
            card: Card::new(&m.new).expect("valid new card"),
        }
    }

    fn apply(mut core: Core, m: &Model, _: Transition) -> Core {
        match m.last.as_ref().expect("the model resolved the transition") {
            Resolved::Apply { at, event, expect } => {
                let got = core.card.apply(&core.policy, *at, event);
                match (got, expect) {
                    (Ok(a), Ok(replaced_by)) => {
                        assert_eq!(
                            a.replacement.as_ref().map(Card::iccid),
                            *replaced_by,
                            "replacement"
                        );
                        if let Some(new) = a.replacement {
                            assert_eq!(a.card.status(), Status::Replaced);
                            assert_eq!(a.card.replaced_by(), Some(new.iccid()));
                            assert_eq!(new.status(), m.card.status(), "new card status");
                            core.card = new;
                        } else {
                            core.card = a.card;
                        }
                    }
                    (Err(e), Err(expected)) => assert_eq!(e.code(), *expected, "refusal: {e}"),
                    (core_result, model_result) => panic!(
                        "{} at {at}: core {:?}, model {model_result:?}",
                        event.kind(),
                        core_result.map(|_| ()).map_err(|e| e.to_string())
                    ),
                }
            }
            Resolved::Advance { to, expect } => {
                let got = core.card.advance(&core.policy, *to);
                assert_eq!(
                    got.as_ref().map(|_| ()).map_err(iotcard::Error::code),
                    *expect
                );
                if let Ok(a) = got {
                    core.card = a.card;
                }
            }
            Resolved::Reload => {
                let back = Card::from_json(&core.card.to_json()).expect("state loads");
                assert_eq!(back, core.card, "reloaded state");
                core.card = back;
            }
        }
        core
    }

    fn check_invariants(core: &Core, m: &Model) {
        compare(core, m);
    }
}

prop_state_machine! {
    #![proptest_config(config("proptest-regressions/model.txt"))]

    /// The core agrees with the naive model after every transition of random
    /// stories under random policies.
    #[test]
    fn prop_core_agrees_with_naive_model(sequential 1..48 => Core);
}
