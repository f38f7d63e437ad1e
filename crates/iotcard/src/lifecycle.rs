//! The apply path: an event is validated, then its rule runs. [`Card::apply`]
//! and [`Card::apply_in_place`] (in `card.rs`, with the card's whole API) call
//! [`apply`] and put the card back as it was when it refuses the event.

use crate::card::Card;
use crate::change::{Cause, Change, Sink};
use crate::event::Event;
use crate::policy::Policy;
use crate::schedule::{self, NextDue};
use crate::step::Step;
use crate::{
    Error, Instant, arrears, binding, call_restriction, cancellation, expiry, maintenance, manual,
    quota, region,
};

/// The result of [`Card::apply`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The card after the event.
    pub card: Card,
    /// For `replace`: the new card (the old one is now `replaced`).
    pub replacement: Option<Card>,
    /// Everything that happened, in order: scheduled changes passed on the way,
    /// then the event's own. For a late event (R12.4): the changes that now
    /// happen and did not before.
    pub changes: Vec<Change>,
    /// For a late event (R12.4): the changes reported before that no longer
    /// happen; empty otherwise. Reported changes plus `changes` minus
    /// `withdrawn` is the story in time order.
    pub withdrawn: Vec<Change>,
    /// R12.5: the event was already accepted with this id and the same content;
    /// nothing was applied and the card is unchanged.
    pub duplicate: bool,
}

/// The result of [`Card::advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advanced {
    /// The card at the instant.
    pub card: Card,
    /// Every scheduled change on the way, with its exact instant, in order.
    pub changes: Vec<Change>,
}

/// Applies `event` at `at`: [`validate`] (which advances the card to `at`), then
/// [`rule`], then the scheduled changes that fell due at `at` because of the
/// event (e.g. expiry of a card activated after its plan ended). Returns the
/// replacement card for `replace`, boxed so that the usual answer, `Ok(None)`,
/// is small to move.
///
/// May leave the card half-changed on error: the caller restores it.
pub(crate) fn apply<S: Sink>(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    out: &mut S,
) -> Result<Option<Box<Card>>, Error> {
    replay(card, p, at, event, out, &mut NextDue::default())
}

/// [`apply`], as the replays of R12 (`window.rs`) call it, one event after
/// another on the same card: `known` is the card's next scheduled change when
/// the previous replay left it (and is left for the next one).
pub(crate) fn replay<S: Sink>(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    out: &mut S,
    known: &mut NextDue,
) -> Result<Option<Box<Card>>, Error> {
    let start = std::mem::take(known);
    validate(card, p, at, event, out, start)?;
    let mut replacement = rule(card, p, at, event, out)?;
    *known = schedule::run_due_from(card, p, at, out, NextDue::default())?;
    if let Some(new) = replacement.as_mut() {
        schedule::run_due(new, p, at, out)?;
    }
    Ok(replacement)
}

/// Everything that refuses an event before its rule runs, in the order
/// [`Card::apply`] documents. On the way, advances the card to `at`: the
/// scheduled changes due by then happen whatever the event.
fn validate<S: Sink>(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    out: &mut S,
    known: NextDue,
) -> Result<(), Error> {
    let kind = event.kind();
    crate::time::check_range("at", at)?;
    refuse_if_terminal(card, kind.name())?;
    schedule::advance_from(card, p, at, out, known)?;
    refuse_if_terminal(card, kind.name())?;
    event.validate()?;
    let needs_activation = !matches!(
        event,
        Event::Activate { .. } | Event::Payment { .. } | Event::Renew { .. } | Event::Cancel
    );
    if needs_activation && card.activated_at.is_none() {
        return Err(Error::NotActivated { event: kind });
    }
    Ok(())
}

fn refuse_if_terminal(card: &Card, action: &'static str) -> Result<(), Error> {
    if card.terminal.is_some() {
        Err(Error::Terminal {
            status: card.status(),
            action,
        })
    } else {
        Ok(())
    }
}

/// The event's rule: each event type goes to the rule module that owns it. A
/// rule may still refuse the event for its fit with the card's state.
fn rule<S: Sink>(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    out: &mut S,
) -> Result<Option<Box<Card>>, Error> {
    let mut st = Step {
        at,
        cause: Cause::Event(event.kind()),
        out,
    };
    let st = &mut st;
    match *event {
        Event::Activate { imei } => binding::activate(card, p, imei, st)?,
        Event::Usage {
            bytes,
            imei,
            region,
        } => {
            card.last_traffic = Some(at);
            binding::check_device(card, p, imei, st);
            region::check_region(card, p, region, st);
            quota::count_usage(card, p, bytes, st)?;
        }
        Event::Charge { amount } => arrears::charge(card, p, amount, st)?,
        Event::Payment { amount } => arrears::payment(card, p, amount, st)?,
        Event::TopUp { bytes } => quota::top_up(card, p, bytes, st)?,
        Event::ManualSuspend => manual::manual_suspend(card, st)?,
        Event::ManualResume => manual::manual_resume(card, st)?,
        Event::Renew { ref plan } => expiry::renew(card, p, plan, st)?,
        Event::Rebind { imei } => binding::rebind(card, imei, st),
        Event::OperatorRelease { hold } => region::operator_release(card, hold, st)?,
        Event::Maintenance { until } => maintenance::maintenance(card, until, st)?,
        Event::ReportLost => call_restriction::report_lost(card, st),
        Event::Replace { iccid } => {
            return Ok(Some(Box::new(call_restriction::replace(card, iccid, st)?)));
        }
        Event::Cancel => cancellation::cancel(card, st),
    }
    Ok(None)
}
