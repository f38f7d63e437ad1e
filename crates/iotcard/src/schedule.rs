//! Scheduled changes ("Time" in docs/rules.md): R2.3, R4.1, R4.4, R4.5, R6.2 and R8.1
//! happen at exact instants. Advancing a card to T applies every change due at or
//! before T, in order; changes due at the same instant follow [`ChangeKind`] order.
//!
//! The next change is computed from the state, never by stepping through time, so
//! advancing over ten idle years costs what a month does.

use crate::cancellation::dormancy_due;
use crate::card::Card;
use crate::change::{Cause, ChangeKind, Scheduled, Sink};
use crate::expiry::{expiry_instant, retention_dates};
use crate::hold::Hold;
use crate::policy::Policy;
use crate::step::Step;
use crate::time::Civil;
use crate::{Error, Instant, cancellation, expiry, maintenance, quota};

/// The earliest scheduled change, whether due or not. Only activated,
/// non-terminal cards have any.
pub(crate) fn next_due(c: &Card, p: &Policy) -> Option<Scheduled> {
    due(c, p, None).next
}

/// What the card's facts schedule: the earliest change, and the end of
/// retention (which assessing reports) found on the way.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Due {
    pub(crate) next: Option<Scheduled>,
    pub(crate) retention_ends: Option<Instant>,
}

/// [`next_due`] and the end of retention, given the last traffic (or
/// activation) already in the billing calendar when known.
pub(crate) fn due(c: &Card, p: &Policy, unused_since: Option<Civil>) -> Due {
    let mut due = Due {
        next: None,
        retention_ends: None,
    };
    if c.terminal.is_some() || c.activated_at.is_none() {
        return due;
    }
    let mut consider = |at: Option<Instant>, change: ChangeKind| {
        if let Some(at) = at
            && due.next.is_none_or(|b| (at, change) < (b.at, b.change))
        {
            due.next = Some(Scheduled { at, change });
        }
    };
    let h = c.holds;
    if h.contains(Hold::OverQuota) {
        consider(c.period.map(|q| q.end), ChangeKind::LiftOverQuota);
    }
    let retention = retention_dates(c, p);
    if let Some(r) = retention {
        consider(r.next_fee, ChangeKind::KeepNumberFee);
        consider(r.ends, ChangeKind::Cancel);
    } else if !h.contains(Hold::Expired) {
        consider(expiry_instant(c), ChangeKind::Expire);
    }
    if h.contains(Hold::Maintenance) {
        consider(h.maintenance_until(), ChangeKind::LiftMaintenance);
    }
    consider(dormancy_due(c, p, unused_since), ChangeKind::DormancyCancel);
    due.retention_ends = retention.and_then(|r| r.ends);
    due
}

/// Applies one scheduled change at its instant.
fn run_scheduled<S: Sink>(
    c: &mut Card,
    p: &Policy,
    s: Scheduled,
    out: &mut S,
) -> Result<(), Error> {
    let mut st = Step {
        at: s.at,
        cause: Cause::Scheduled(s.change),
        out,
    };
    match s.change {
        ChangeKind::LiftOverQuota => quota::next_quota_period(c, p, &mut st)?,
        ChangeKind::Expire => expiry::expire(c, &mut st),
        ChangeKind::KeepNumberFee => expiry::keep_number_fee(c, p, &mut st)?,
        ChangeKind::Cancel => expiry::end_of_retention(c, &mut st),
        ChangeKind::LiftMaintenance => maintenance::maintenance_over(c, &mut st),
        ChangeKind::DormancyCancel => cancellation::dormancy_cancel(c, &mut st),
    }
    Ok(())
}

/// Applies every scheduled change due at or before `to`, then sets the clock.
///
/// Refuses to go back before the clock. May leave the card half-advanced on
/// error: callers work on a copy.
pub(crate) fn advance<S: Sink>(
    c: &mut Card,
    p: &Policy,
    to: Instant,
    out: &mut S,
) -> Result<(), Error> {
    if let Some(last) = c.clock
        && to < last
    {
        return Err(Error::OutOfOrder {
            at: to,
            last,
            earliest: last,
            timezone: p.timezone,
        });
    }
    run_due(c, p, to, out)?;
    c.clock = Some(to);
    Ok(())
}

/// Applies every scheduled change due at or before `to` (not touching the clock).
pub(crate) fn run_due<S: Sink>(
    c: &mut Card,
    p: &Policy,
    to: Instant,
    out: &mut S,
) -> Result<(), Error> {
    while let Some(s) = next_due(c, p).filter(|s| s.at <= to) {
        run_scheduled(c, p, s, out)?;
    }
    Ok(())
}
