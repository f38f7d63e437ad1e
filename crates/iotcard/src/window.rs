//! R12: late and repeated events. A card under a policy with `late_window_hours`
//! W > 0 keeps a **window**: a checkpoint (the card as it was before the oldest
//! event it still journals) and the journal of every event accepted since, each
//! with its instant and id. A late event (earlier than the clock by at most W
//! hours) is taken by replaying the journal from the checkpoint with the late
//! event put in its place; the result is the card had every event come in time
//! order, and the difference between the two replays is the correction of R12.4.
//!
//! The journal holds the events of the last W hours before the clock, no more:
//! every apply and advance folds the older ones into the checkpoint. A card with
//! W = 0 keeps no window (only the ids of the events at its latest instant, when
//! events carry ids), so strict time order costs what it did before R12.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::card::Card;
use crate::change::{Change, Discard};
use crate::event::Event;
use crate::lifecycle;
use crate::policy::Policy;
use crate::schedule::{self, NextDue};
use crate::time::rfc3339;
use crate::{Error, Instant};

/// The longest event id (R12.5), in characters.
pub const MAX_EVENT_ID_LEN: usize = 128;

/// An event's `id` (R12.5): 1 to [`MAX_EVENT_ID_LEN`] printable ASCII characters
/// (space to `~`). An event whose id the card has already accepted is never
/// applied twice.
///
/// ```
/// use iotcard::EventId;
/// assert_eq!(EventId::parse("pay-2026-01-05-001")?.as_str(), "pay-2026-01-05-001");
/// assert_eq!(EventId::parse("").unwrap_err().code(), "invalid_input");
/// assert!(EventId::parse("话单").is_err());
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(Box<str>);

impl EventId {
    /// Parses an id.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `id` when it is empty, longer than
    /// [`MAX_EVENT_ID_LEN`] or has a character that is not printable ASCII.
    pub fn parse(s: &str) -> Result<EventId, Error> {
        let shown = || format!("{:?}", s.chars().take(40).collect::<String>());
        if s.is_empty() {
            return Err(Error::invalid("id", "\"\"", "must not be empty"));
        }
        if let Some(c) = s.chars().find(|c| !(' '..='~').contains(c)) {
            return Err(Error::invalid(
                "id",
                shown(),
                format!("must be printable ASCII (space to `~`), found {c:?}"),
            ));
        }
        if s.len() > MAX_EVENT_ID_LEN {
            return Err(Error::invalid(
                "id",
                shown(),
                format!(
                    "must be at most {MAX_EVENT_ID_LEN} characters, is {}",
                    s.len()
                ),
            ));
        }
        Ok(EventId(s.into()))
    }

    /// The id as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for EventId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::error::de_str(d, EventId::parse)
    }
}

/// One accepted event of the journal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Entry {
    #[serde(with = "rfc3339")]
    pub(crate) at: Instant,
    pub(crate) event: Event,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<EventId>,
}

/// What a card keeps to take late and repeated events.
///
/// With a checkpoint, the card is exactly the checkpoint with every journal
/// entry applied in order and then advanced to the card's clock, and the journal
/// holds every event accepted since the checkpoint (instants ascending, same
/// instant in arrival order). Without one (W = 0), the journal holds only the
/// identified events at the card's clock, to recognise their re-delivery.
///
/// A window whose journal is empty and whose checkpoint would only differ from
/// the card in its clock (nothing was scheduled in between) keeps just that clock
/// (`since`): the checkpoint is the card's own facts at that instant. Idle cards
/// (the most of a fleet) so carry a window of a few bytes, not a second state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) checkpoint: Option<Box<Card>>,
    pub(crate) since: Option<Instant>,
    pub(crate) journal: Vec<Entry>,
}

impl Window {
    /// A window that takes late events from `checkpoint` on.
    fn from(checkpoint: Card) -> Window {
        Window {
            checkpoint: Some(Box::new(checkpoint)),
            since: None,
            journal: Vec::new(),
        }
    }

    /// Whether the window can replay (it has a checkpoint, whole or `since`).
    fn replayable(&self) -> bool {
        self.checkpoint.is_some() || self.since.is_some()
    }

    /// The checkpoint's clock (None: before any instant, or no checkpoint).
    fn checkpoint_clock(&self) -> Option<Instant> {
        self.since
            .or_else(|| self.checkpoint.as_ref().and_then(|c| c.clock))
    }

    /// Makes a `since` checkpoint whole: `facts` (the card's, or the card's
    /// before an event or advance) at the instant `since`.
    fn materialize(&mut self, facts: &Card) {
        if let Some(t) = self.since.take() {
            let mut cp = facts.facts();
            cp.clock = Some(t);
            self.checkpoint = Some(Box::new(cp));
        }
    }
}

/// What [`Card::apply_identified_in_place`] tells besides the changes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct AppliedInPlace {
    /// For `replace`: the new card (the old one is now `replaced`).
    pub replacement: Option<Card>,
    /// R12.5: the event was already accepted with this id and the same content;
    /// nothing was applied.
    pub duplicate: bool,
}

/// The start of the late window: `clock` − `hours` (None: before the calendar).
fn window_start(clock: Instant, hours: u32) -> Option<Instant> {
    clock.checked_add_seconds(-i64::from(hours) * 3600)
}

/// The earliest instant an event is accepted at (R12.2): the clock, or under a
/// late window the later of its start and the checkpoint's clock.
fn earliest(card: &Card, clock: Instant, hours: u32) -> Option<Instant> {
    let window = card.window.as_deref().filter(|w| w.replayable());
    match window {
        Some(w) if hours > 0 => {
            let start = window_start(clock, hours);
            match (start, w.checkpoint_clock()) {
                (Some(s), Some(c)) => Some(s.max(c)),
                (s, c) => s.or(c),
            }
        }
        _ => Some(clock),
    }
}

/// Strict time order and nothing remembered (`late_window_hours` 0, no window):
/// an event without an id is applied as before R12, at the same cost.
#[inline]
pub(crate) fn is_strict(card: &Card, p: &Policy) -> bool {
    card.window.is_none() && p.late_window_hours == 0
}

/// The apply of before R12 ([`is_strict`]): the card's facts are restored on error.
#[inline]
pub(crate) fn apply_strict(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    changes: &mut Vec<Change>,
) -> Result<Option<Box<Card>>, Error> {
    let mark = changes.len();
    let before = card.facts();
    lifecycle::apply(card, p, at, event, changes).inspect_err(|_| {
        *card = before;
        changes.truncate(mark);
    })
}

/// What [`apply`] returns: the replacement card (boxed: the usual answer,
/// `None`, is small to move) and whether the event was a duplicate.
pub(crate) type Taken = (Option<Box<Card>>, bool);

/// Applies an event with its id: the whole of R12 around [`lifecycle::apply`].
/// On error the card and both buffers are as they were.
pub(crate) fn apply(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    id: Option<&EventId>,
    changes: &mut Vec<Change>,
    withdrawn: &mut Vec<Change>,
) -> Result<Taken, Error> {
    if id.is_none() && is_strict(card, p) {
        return apply_strict(card, p, at, event, changes).map(|r| (r, false));
    }
    let late = card.clock.is_some_and(|c| at < c);
    if let Some(id) = id
        && let Some(w) = card.window.as_deref()
        && let Some(seen) = w.journal.iter().find(|e| e.id.as_ref() == Some(id))
    {
        if seen.at == at && seen.event == *event {
            return Ok((None, true));
        }
        return Err(Error::EventIdConflict {
            id: id.as_str().to_owned(),
            at,
            event: event.kind(),
            accepted_at: seen.at,
            accepted_event: seen.event.kind(),
            timezone: p.timezone,
        });
    }
    match card.clock {
        Some(clock) if late => take_late(card, p, at, event, id, clock, changes, withdrawn),
        _ => in_order(card, p, at, event, id, changes),
    }
}

/// An event at or after the clock: applied as ever, then journaled.
fn in_order(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    id: Option<&EventId>,
    changes: &mut Vec<Change>,
) -> Result<Taken, Error> {
    let hours = p.late_window_hours;
    // The window stays out of the copy: one copy of the card's facts per event.
    let window = card.window.take();
    let mark = changes.len();
    let before = card.facts();
    let replacement = match lifecycle::apply(card, p, at, event, changes) {
        Ok(r) => r,
        Err(e) => {
            *card = before;
            card.window = window;
            changes.truncate(mark);
            return Err(e);
        }
    };
    let entry = || Entry {
        at,
        event: *event,
        id: id.cloned(),
    };
    card.window = if hours > 0 {
        let mut w = match window {
            Some(mut w) if w.replayable() => {
                w.materialize(&before);
                w
            }
            // No window yet (or only ids kept under W = 0): it starts here.
            _ => Box::new(Window::from(before)),
        };
        w.journal.push(entry());
        Some(w)
    } else {
        match (window, id) {
            (None, None) => None,
            (w, _) => {
                let mut w = w.unwrap_or_else(|| {
                    Box::new(Window {
                        checkpoint: None,
                        since: None,
                        journal: Vec::new(),
                    })
                });
                if id.is_some() {
                    w.journal.push(entry());
                }
                Some(w)
            }
        }
    };
    prune(card, p);
    Ok((replacement, false))
}

/// Keeps the window to what the policy needs at the card's clock: under W > 0
/// folds the events older than clock − W into the checkpoint; under W = 0 keeps
/// only the identified events at the clock (and no checkpoint).
pub(crate) fn prune(card: &mut Card, p: &Policy) {
    let (Some(clock), Some(w)) = (card.clock, card.window.as_deref_mut()) else {
        return;
    };
    let hours = p.late_window_hours;
    if hours == 0 || !w.replayable() {
        w.checkpoint = None;
        w.since = None;
        w.journal.retain(|e| e.id.is_some() && e.at >= clock);
        if w.journal.is_empty() {
            card.window = None;
        }
        return;
    }
    let Some(start) = window_start(clock, hours) else {
        return;
    };
    let old = w.journal.iter().take_while(|e| e.at < start).count();
    if old == 0 {
        compact(w, p, clock);
        return;
    }
    let Some(cp) = w.checkpoint.as_deref_mut() else {
        return;
    };
    let mut folded = Ok(());
    let mut known = NextDue::default();
    for e in &w.journal[..old] {
        folded = lifecycle::replay(cp, p, e.at, &e.event, &mut Discard, &mut known).map(drop);
        if folded.is_err() {
            break;
        }
    }
    w.journal.drain(..old);
    if folded.is_err() {
        // Only under another policy than the events were taken with: the
        // checkpoint is lost, so no event before the clock is taken any more.
        w.checkpoint = None;
        w.journal.retain(|e| e.id.is_some() && e.at >= clock);
        return;
    }
    compact(w, p, clock);
}

/// With an empty journal and nothing scheduled between the checkpoint's clock
/// and the card's, the checkpoint is the card's own facts at an earlier instant:
/// keep only that instant.
fn compact(w: &mut Window, p: &Policy, clock: Instant) {
    if !w.journal.is_empty() {
        return;
    }
    let Some(cp) = w.checkpoint.as_deref() else {
        return;
    };
    let Some(since) = cp.clock else {
        return;
    };
    if schedule::next_due(cp, p).is_none_or(|n| n.at > clock) {
        w.checkpoint = None;
        w.since = Some(since);
    }
}

/// Starts the window of a card being advanced under W > 0 (the card as it was
/// before the advance is the checkpoint), and prunes it after.
pub(crate) fn advance(
    card: &mut Card,
    p: &Policy,
    to: Instant,
    changes: &mut Vec<Change>,
) -> Result<(), Error> {
    if p.late_window_hours == 0 && card.window.is_none() {
        // Strict time order, no ids kept: the advance of before R12.
        return advance_facts(card, p, to, changes);
    }
    let mut window = card.window.take();
    let before = card.facts();
    // A `since` checkpoint holds while nothing is scheduled up to the clock.
    if let Some(w) = window.as_deref_mut()
        && w.since.is_some()
        && schedule::next_due(&before, p).is_some_and(|n| n.at <= to)
    {
        w.materialize(&before);
    }
    if let Err(e) = advance_facts(card, p, to, changes) {
        card.window = window;
        return Err(e);
    }
    card.window = match window {
        Some(w) if w.replayable() || p.late_window_hours == 0 => Some(w),
        // No window yet (or only ids kept under W = 0): it starts here.
        _ => Some(Box::new(Window::from(before))),
    };
    prune(card, p);
    Ok(())
}

/// [`schedule::advance`] on the card's facts, restored on error.
fn advance_facts(
    card: &mut Card,
    p: &Policy,
    to: Instant,
    changes: &mut Vec<Change>,
) -> Result<(), Error> {
    let mark = changes.len();
    let before = card.facts();
    schedule::advance(card, p, to, changes).inspect_err(|_| {
        *card = before;
        changes.truncate(mark);
    })
}

/// A late event: replayed in its place from the checkpoint (R12.1), refused when
/// an accepted event would fail (R12.3), reported as a correction (R12.4).
#[allow(clippy::too_many_arguments)]
fn take_late(
    card: &mut Card,
    p: &Policy,
    at: Instant,
    event: &Event,
    id: Option<&EventId>,
    clock: Instant,
    changes: &mut Vec<Change>,
    withdrawn: &mut Vec<Change>,
) -> Result<Taken, Error> {
    if card.terminal.is_some() {
        return Err(Error::Terminal {
            status: card.status(),
            action: event.kind().name(),
        });
    }
    let hours = p.late_window_hours;
    let earliest = earliest(card, clock, hours);
    if earliest.is_some_and(|e| at < e) {
        return Err(Error::OutOfOrder {
            at,
            last: clock,
            earliest: earliest.unwrap_or(clock),
            timezone: p.timezone,
        });
    }
    let Some(w) = card.window.as_deref() else {
        return Err(Error::OutOfOrder {
            at,
            last: clock,
            earliest: clock,
            timezone: p.timezone,
        });
    };
    let since;
    let cp = match (w.checkpoint.as_deref(), w.since) {
        (_, Some(t)) => {
            let mut c = card.facts();
            c.clock = Some(t);
            since = c;
            &since
        }
        (Some(cp), None) => cp,
        (None, None) => {
            return Err(Error::OutOfOrder {
                at,
                last: clock,
                earliest: clock,
                timezone: p.timezone,
            });
        }
    };
    // Same instant: arrival order, so the late event goes after those there.
    let pos = w.journal.partition_point(|e| e.at <= at);
    let (head, tail) = w.journal.split_at(pos);
    // Each replay leaves the card's next scheduled change for the next one.
    let mut base = cp.facts();
    let mut known = NextDue::default();
    for e in head {
        lifecycle::replay(&mut base, p, e.at, &e.event, &mut Discard, &mut known)?;
    }
    // What was reported: the tail as it was, up to the clock.
    let mut old = base.facts();
    let mut reported = Vec::new();
    let mut old_known = known;
    for e in tail {
        lifecycle::replay(&mut old, p, e.at, &e.event, &mut reported, &mut old_known)?;
    }
    schedule::advance_from(&mut old, p, clock, &mut reported, old_known)?;
    // What happens now: the late event, then the tail.
    let mut new = base;
    let mut now = Vec::new();
    let replacement = lifecycle::replay(&mut new, p, at, event, &mut now, &mut known)?;
    for (k, e) in tail.iter().enumerate() {
        lifecycle::replay(&mut new, p, e.at, &e.event, &mut now, &mut known).map_err(|error| {
            Error::LateEventConflict {
                at,
                event: event.kind(),
                accepted_at: e.at,
                accepted_event: e.event.kind(),
                accepted_index: pos + k,
                accepted_id: e.id.as_ref().map(|id| id.as_str().to_owned()),
                error: Box::new(error),
                timezone: p.timezone,
            }
        })?;
    }
    schedule::advance_from(&mut new, p, clock, &mut now, known)?;
    // Taken: the window moves to the new card, the late event in its place.
    let mut w = card.window.take();
    if let Some(w) = w.as_deref_mut() {
        let facts = card.facts();
        w.materialize(&facts);
        w.journal.insert(
            pos,
            Entry {
                at,
                event: *event,
                id: id.cloned(),
            },
        );
    }
    new.window = w;
    *card = new;
    correction(reported, now, changes, withdrawn);
    Ok((replacement, false))
}

/// R12.4: what now happens and did not (to `added`), and what was reported and
/// no longer happens (to `withdrawn`), each in the order it happens; changes
/// that happen in both stories are in neither.
fn correction(
    reported: Vec<Change>,
    now: Vec<Change>,
    added: &mut Vec<Change>,
    withdrawn: &mut Vec<Change>,
) {
    let mut matched = vec![false; now.len()];
    for r in reported {
        let same = now
            .iter()
            .enumerate()
            .position(|(i, n)| !matched[i] && *n == r);
        match same {
            Some(i) => matched[i] = true,
            None => withdrawn.push(r),
        }
    }
    added.extend(
        now.into_iter()
            .zip(matched)
            .filter(|(_, m)| !m)
            .map(|(c, _)| c),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::NewCard;
    use crate::change::{Cause, ChangeKind, Effect};
    use crate::hold::Hold;
    use crate::time::parse_instant;

    fn at(s: &str) -> Instant {
        parse_instant("at", s).expect("literal")
    }

    fn card(policy: &Policy, end: &str) -> Card {
        let new = NewCard::from_json(&format!(
            r#"{{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
                "auto_suspend": true,
                "plan": {{"start": "2026-01-01T00:00:00+08:00", "end": "{end}",
                         "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}}}"#
        ))
        .expect("card");
        let imei = Some(crate::Imei::parse("490154203237518").expect("imei"));
        Card::new(&new)
            .expect("card")
            .apply(
                policy,
                at("2026-01-05T10:00:00+08:00"),
                &Event::Activate { imei },
            )
            .expect("activate")
            .card
    }

    fn w48() -> Policy {
        Policy::new(crate::PolicySettings {
            late_window_hours: 48,
            ..crate::PolicySettings::default()
        })
        .expect("policy")
    }

    #[test]
    fn a_late_renewal_withdraws_the_expiry_and_the_fee() {
        let p = w48();
        let c = card(&p, "2026-07-01T00:00:00+08:00");
        let expired = c
            .advance(&p, at("2026-07-01T12:00:00+08:00"))
            .expect("advance");
        let plan = crate::Plan::from_json(
            r#"{"start": "2026-01-01T00:00:00+08:00", "end": "2027-07-01T00:00:00+08:00",
                "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}"#,
        )
        .expect("plan");
        let late = expired
            .card
            .apply(&p, at("2026-06-30T20:00:00+08:00"), &Event::Renew { plan })
            .expect("late renewal");
        // Everything the advance reported is withdrawn: expiry, its status
        // change, the first keep-number fee.
        assert_eq!(late.withdrawn, expired.changes);
        assert!(
            late.withdrawn
                .iter()
                .any(|c| c.effect == Effect::KeepNumberFeeDue { amount: 500 }
                    && c.cause == Cause::Scheduled(ChangeKind::KeepNumberFee))
        );
        assert!(
            late.changes
                .iter()
                .all(|c| c.cause == Cause::Event(crate::EventKind::Renew))
        );
        assert_eq!(late.card.holds(), crate::Holds::EMPTY);
        assert_eq!(late.card.clock(), expired.card.clock());
    }

    #[test]
    fn a_late_usage_record_puts_over_quota_on_earlier() {
        let p = w48();
        let c = card(&p, "2027-01-01T00:00:00+08:00");
        let usage = |bytes| Event::Usage {
            bytes,
            imei: None,
            region: None,
        };
        let c = c
            .apply(&p, at("2026-01-20T12:00:00+08:00"), &usage(70 << 20))
            .expect("usage")
            .card;
        let over = c
            .apply(&p, at("2026-01-20T18:00:00+08:00"), &usage(40 << 20))
            .expect("usage");
        let put = |c: &Change| {
            c.effect
                == Effect::HoldPut {
                    hold: Hold::OverQuota,
                }
        };
        let reported: Vec<_> = over.changes.iter().filter(|c| put(c)).collect();
        assert_eq!(reported.len(), 1);
        assert_eq!(reported[0].at, at("2026-01-20T18:00:00+08:00"));
        let late = over
            .card
            .apply(&p, at("2026-01-20T09:00:00+08:00"), &usage(40 << 20))
            .expect("late usage");
        let withdrawn: Vec<_> = late.withdrawn.iter().filter(|c| put(c)).collect();
        let now: Vec<_> = late.changes.iter().filter(|c| put(c)).collect();
        assert_eq!(withdrawn, reported);
        assert_eq!(now.len(), 1);
        assert_eq!(now[0].at, at("2026-01-20T12:00:00+08:00"));
        assert_eq!(now[0].cause, Cause::Event(crate::EventKind::Usage));
    }

    #[test]
    fn a_conflict_names_the_accepted_event_and_leaves_the_card() {
        let p = w48();
        let c = card(&p, "2027-01-01T00:00:00+08:00");
        let id = EventId::parse("pay-1").expect("id");
        let c = c
            .apply_identified(
                &p,
                at("2026-01-10T12:00:00+08:00"),
                &Event::Payment { amount: 500 },
                Some(&id),
            )
            .expect("payment")
            .card;
        let e = c
            .apply(&p, at("2026-01-10T08:00:00+08:00"), &Event::Cancel)
            .expect_err("conflict");
        let Error::LateEventConflict {
            accepted_event,
            accepted_index,
            accepted_id,
            error,
            ..
        } = &e
        else {
            panic!("{e}");
        };
        assert_eq!(
            (*accepted_event, *accepted_index, accepted_id.as_deref()),
            (crate::EventKind::Payment, 0, Some("pay-1"))
        );
        assert_eq!(error.code(), "terminal");
        assert!(
            e.to_string().contains(r#"id "pay-1") fail with terminal"#),
            "{e}"
        );
        // Beyond the window: out of order, naming the earliest instant accepted.
        let e = c
            .apply(&p, at("2026-01-08T11:59:59+08:00"), &Event::Cancel)
            .expect_err("too late");
        assert_eq!(
            e,
            Error::OutOfOrder {
                at: at("2026-01-08T11:59:59+08:00"),
                last: at("2026-01-10T12:00:00+08:00"),
                earliest: at("2026-01-08T12:00:00+08:00"),
                timezone: p.timezone,
            }
        );
    }

    #[test]
    fn a_zero_window_keeps_no_window_without_ids() {
        let p = Policy::default();
        let c = card(&p, "2027-01-01T00:00:00+08:00");
        let c = c
            .apply(
                &p,
                at("2026-01-10T12:00:00+08:00"),
                &Event::Payment { amount: 5 },
            )
            .expect("payment")
            .card;
        assert!(c.window.is_none());
        let c = c
            .advance(&p, at("2026-02-10T12:00:00+08:00"))
            .expect("advance")
            .card;
        assert!(c.window.is_none());
        // With an id: remembered at the clock, forgotten once the clock moves on.
        let id = EventId::parse("p").expect("id");
        let t = at("2026-02-10T12:00:00+08:00");
        let paid = c
            .apply_identified(&p, t, &Event::Payment { amount: 5 }, Some(&id))
            .expect("payment");
        assert!(
            paid.card
                .window
                .as_ref()
                .is_some_and(|w| w.checkpoint.is_none())
        );
        let again = paid
            .card
            .apply_identified(&p, t, &Event::Payment { amount: 5 }, Some(&id))
            .expect("duplicate");
        assert!(again.duplicate);
        let later = paid
            .card
            .advance(&p, at("2026-02-10T12:00:01+08:00"))
            .expect("advance")
            .card;
        assert!(later.window.is_none());
    }

    #[test]
    fn an_idle_card_keeps_only_the_instant_of_its_checkpoint() {
        let p = w48();
        let c = card(&p, "2027-01-01T00:00:00+08:00");
        let idle = c
            .advance(&p, at("2026-01-20T00:00:00+08:00"))
            .expect("advance")
            .card;
        let w = idle.window.as_deref().expect("a window");
        assert!(w.checkpoint.is_none() && w.journal.is_empty());
        assert_eq!(w.since, Some(at("2026-01-05T10:00:00+08:00")));
        let json = idle.to_json();
        assert!(
            json.ends_with(
                r#""window":{"checkpoint":null,"since":"2026-01-05T02:00:00Z","journal":[]}}"#
            ),
            "{json}"
        );
        assert_eq!(Card::from_json(&json).expect("loads"), idle);
        // A late event still lands in its place; the checkpoint is whole again.
        let late = idle
            .apply(
                &p,
                at("2026-01-19T00:00:00+08:00"),
                &Event::Charge { amount: 1500 },
            )
            .expect("late charge");
        assert_eq!(
            late.card.hold_since(Hold::Arrears),
            Some(at("2026-01-19T00:00:00+08:00"))
        );
        assert!(
            late.card
                .window
                .as_deref()
                .is_some_and(|w| w.checkpoint.is_some())
        );
        // Crossing a scheduled change makes the checkpoint whole before it happens.
        let over = c
            .apply(
                &p,
                at("2026-01-10T00:00:00+08:00"),
                &Event::Usage {
                    bytes: 200 << 20,
                    imei: None,
                    region: None,
                },
            )
            .expect("usage")
            .card
            .advance(&p, at("2026-01-20T00:00:00+08:00"))
            .expect("advance")
            .card;
        assert!(over.window.as_deref().is_some_and(|w| w.since.is_some()));
        let next_month = over
            .advance(&p, at("2026-02-01T12:00:00+08:00"))
            .expect("over_quota lifts on 1 February")
            .card;
        let w = next_month.window.as_deref().expect("a window");
        assert!(w.checkpoint.is_some() && w.since.is_none());
        let late = next_month
            .apply(
                &p,
                at("2026-01-31T23:00:00+08:00"),
                &Event::TopUp { bytes: 200 << 20 },
            )
            .expect("late top-up");
        let lifted: Vec<_> = late
            .changes
            .iter()
            .filter(|c| {
                c.effect
                    == Effect::HoldLifted {
                        hold: Hold::OverQuota,
                    }
            })
            .map(|c| c.at)
            .collect();
        assert_eq!(lifted, [at("2026-01-31T23:00:00+08:00")]);
        assert_eq!(late.withdrawn.len(), 2, "{:?}", late.withdrawn);
    }
}
