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

/// The next scheduled change of a card's current facts, when a replay has just
/// computed it (the default: not known). A replay of several events in a row
/// (the late window's, `window.rs`) passes it from one event to the next: the
/// facts an event's rule leaves are those the next event's advance starts from,
/// so each event computes the card's schedule once, not twice. It lives in the
/// replay loop, never in the card (the clock, which the advance sets, is not
/// among the facts the schedule depends on).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) enum NextDue {
    /// Not computed for the card's current facts.
    #[default]
    Unknown,
    /// The card's next scheduled change (`None`: nothing is scheduled).
    Known(Option<Scheduled>),
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
    advance_from(c, p, to, out, NextDue::default()).map(drop)
}

/// [`advance`], given what is known of the card's next change; returns its
/// next change after `to`.
pub(crate) fn advance_from<S: Sink>(
    c: &mut Card,
    p: &Policy,
    to: Instant,
    out: &mut S,
    known: NextDue,
) -> Result<NextDue, Error> {
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
    let next = run_due_from(c, p, to, out, known)?;
    c.clock = Some(to);
    Ok(next)
}

/// Applies every scheduled change due at or before `to` (not touching the clock).
pub(crate) fn run_due<S: Sink>(
    c: &mut Card,
    p: &Policy,
    to: Instant,
    out: &mut S,
) -> Result<(), Error> {
    run_due_from(c, p, to, out, NextDue::default()).map(drop)
}

/// [`run_due`], given what is known of the card's next change; returns its
/// next change after `to`.
pub(crate) fn run_due_from<S: Sink>(
    c: &mut Card,
    p: &Policy,
    to: Instant,
    out: &mut S,
    known: NextDue,
) -> Result<NextDue, Error> {
    let mut next = match known {
        NextDue::Known(next) => next,
        NextDue::Unknown => next_due(c, p),
    };
    while let Some(s) = next.filter(|s| s.at <= to) {
        run_scheduled(c, p, s, out)?;
        next = next_due(c, p);
    }
    Ok(NextDue::Known(next))
}
