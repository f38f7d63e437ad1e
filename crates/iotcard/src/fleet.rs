//! Fleets: one card per line of JSON Lines, replayed to an instant. A line is a
//! new card plus its event log (`{"card": {...}, "events": [{"at": ..., "event":
//! {...}}]}`), or a stored card state plus the events since it was stored
//! (`{"state": {...}, "events": [...]}`, the state as [`Card::to_json`] writes
//! it): the daily billing run keeps each card's state and replays only the day's
//! events. What the `iotcard assess` command and the bindings' batch examples use.

use serde::{Deserialize, Serialize, Serializer};

use crate::card::{Card, NewCard, StateJson};
use crate::error::{MAX_LOG_JSON_BYTES, parse_json_limited};
use crate::event::TimedEvent;
use crate::policy::Policy;
use crate::window::AppliedInPlace;
use crate::{Error, Iccid, Instant};

/// Most events one fleet entry may carry; more is refused with `invalid_input`.
pub const MAX_EVENTS_PER_CARD: usize = 1_000_000;

/// Where a fleet entry's card starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Start {
    /// A new card, in `inventory` (the line's `"card"`).
    New(NewCard),
    /// A stored card state (the line's `"state"`, as [`Card::to_json`] writes it).
    Stored(Box<Card>),
}

/// One line of a fleet file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Line")]
pub struct FleetEntry {
    /// The card before its events.
    pub start: Start,
    /// Its events, in time order (for a stored state, the events since).
    pub events: Vec<TimedEvent>,
}

/// A fleet line as written: exactly one of `card` and `state`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    card: Option<NewCard>,
    state: Option<Box<StateJson>>,
    #[serde(default)]
    events: Vec<TimedEvent>,
}

impl TryFrom<Line> for FleetEntry {
    type Error = Error;

    /// Checks the line; errors name the field from the line (`entry.state.holds`).
    fn try_from(l: Line) -> Result<FleetEntry, Error> {
        let start = match (l.card, l.state) {
            (Some(card), None) => {
                card.plan.validate("entry.card.plan")?;
                Start::New(card)
            }
            (None, Some(state)) => Start::Stored(Box::new(
                Card::try_from(*state).map_err(|e| e.within("entry"))?,
            )),
            (Some(_), Some(_)) => {
                return Err(Error::invalid(
                    "entry.state",
                    "{…}",
                    "a line has a \"card\" or a \"state\", not both",
                ));
            }
            (None, None) => {
                return Err(Error::invalid(
                    "entry.card",
                    "(missing)",
                    "a line needs a new \"card\" or a stored \"state\"",
                ));
            }
        };
        if l.events.len() > MAX_EVENTS_PER_CARD {
            return Err(Error::invalid(
                "entry.events",
                l.events.len(),
                format!("more than {MAX_EVENTS_PER_CARD} events for one card"),
            ));
        }
        for (i, t) in l.events.iter().enumerate() {
            t.event
                .validate()
                .map_err(|e| e.within(&format!("entry.events[{i}]")))?;
        }
        Ok(FleetEntry {
            start,
            events: l.events,
        })
    }
}

/// A fleet line as written out: `card` or `state`, and `events`.
#[derive(Serialize)]
struct LineOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<&'a NewCard>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a Card>,
    events: &'a [TimedEvent],
}

/// The line [`FleetEntry::from_json`] reads.
impl Serialize for FleetEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (card, state) = match &self.start {
            Start::New(card) => (Some(card), None),
            Start::Stored(state) => (None, Some(&**state)),
        };
        LineOut {
            card,
            state,
            events: &self.events,
        }
        .serialize(s)
    }
}

/// A fleet entry replayed to an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The card at the end of the replay; after a `replace`, the new card.
    pub card: Card,
    /// Cards replaced on the way (each now `replaced`), oldest first.
    pub replaced: Vec<Card>,
    /// Events later than the instant, not applied.
    pub later_events: usize,
    /// Events the card refused, in order: each skipped (the card unchanged by
    /// it), the replay going on with the next. Empty (no allocation) on a clean
    /// feed.
    pub refused: Vec<Refused>,
    /// R12.5: positions in the entry's `events` of the re-deliveries of events
    /// the card had accepted under the same `id` (same content): each a no-op.
    /// Empty (no allocation) on a feed without repeats.
    pub duplicates: Vec<usize>,
}

/// An event refused during [`FleetEntry::replay`]: reported and skipped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Its position in the entry's `events`.
    pub index: usize,
    /// The card that refused it (after a `replace`, the new card).
    pub iccid: Iccid,
    /// Why the card refused it (its [`Error::code`] and message).
    pub error: Error,
}

impl FleetEntry {
    /// Parses one line and validates the card (or state) and every event.
    ///
    /// ```
    /// use iotcard::fleet::{FleetEntry, Start};
    /// let e = FleetEntry::from_json(r#"{"card": {"iccid": "89860012345678901238",
    ///   "msisdn": "1440012345678", "plan": {"start": "2026-01-01T00:00:00+08:00",
    ///   "end": "2027-01-01T00:00:00+08:00", "period": "month",
    ///   "quota_bytes": 104857600, "monthly_fee": 1000}},
    ///   "events": [{"at": "2026-01-02T09:00:00+08:00",
    ///               "event": {"type": "activate", "imei": "490154203237518"}}]}"#)?;
    /// assert!(matches!(e.start, Start::New(_)));
    /// assert_eq!(e.events.len(), 1);
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`entry.events[3].event.amount`,
    /// `entry.state.holds`); both or neither of `card` and `state`; more than
    /// [`MAX_EVENTS_PER_CARD`] events; a line longer than
    /// [`crate::MAX_LOG_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<FleetEntry, Error> {
        let line: Line =
            parse_json_limited("entry", json, MAX_LOG_JSON_BYTES, "MAX_LOG_JSON_BYTES")?;
        line.try_into()
    }

    /// The entry as one line of JSON (no newline), as [`FleetEntry::from_json`]
    /// reads it.
    pub fn to_json(&self) -> String {
        // Cannot fail: every key is a string.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// What to keep of this entry after replaying it to `at` (`replayed`, from
    /// [`FleetEntry::replay`]): each card's state at `at` as a stored entry (the
    /// cards replaced on the way first, without events), the last one carrying
    /// this entry's events later than `at`, so that the next run, from these
    /// entries plus the new events, loses nothing. Refused events (at or before
    /// `at`, in [`Replayed::refused`]) are not kept: they were reported, and the
    /// card is as if they had not come.
    ///
    /// ```
    /// use iotcard::fleet::{FleetEntry, Start};
    /// use iotcard::{Policy, parse_instant};
    /// let e = FleetEntry::from_json(r#"{"card": {"iccid": "89860012345678901238",
    ///   "msisdn": "1440012345678", "plan": {"start": "2026-01-01T00:00:00+08:00",
    ///   "end": "2027-01-01T00:00:00+08:00", "period": "month",
    ///   "quota_bytes": 104857600, "monthly_fee": 1000}},
    ///   "events": [{"at": "2026-01-02T09:00:00+08:00",
    ///               "event": {"type": "activate", "imei": "490154203237518"}},
    ///              {"at": "2026-03-01T09:00:00+08:00",
    ///               "event": {"type": "payment", "amount": 500}}]}"#)?;
    /// let policy = Policy::default();
    /// let at = parse_instant("at", "2026-02-01T00:00:00+08:00")?;
    /// let kept = e.stored(e.replay(&policy, at).unwrap(), at);
    /// assert!(matches!(kept[0].start, Start::Stored(_)));
    /// assert_eq!(kept[0].events.len(), 1); // the payment, after `at`
    /// // Replaying what was kept gives the same card as replaying the whole log.
    /// let later = parse_instant("later", "2026-04-01T00:00:00+08:00")?;
    /// assert_eq!(
    ///     FleetEntry::from_json(&kept[0].to_json())?.replay(&policy, later).unwrap().card,
    ///     e.replay(&policy, later).unwrap().card,
    /// );
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn stored(&self, replayed: Replayed, at: Instant) -> Vec<FleetEntry> {
        let mut out: Vec<FleetEntry> = replayed
            .replaced
            .into_iter()
            .map(|card| FleetEntry {
                start: Start::Stored(Box::new(card)),
                events: Vec::new(),
            })
            .collect();
        out.push(FleetEntry {
            start: Start::Stored(Box::new(replayed.card)),
            events: self.events.iter().filter(|t| t.at > at).cloned().collect(),
        });
        out
    }

    /// Replays the events at or before `at`, then advances to `at`. An event the
    /// card refuses is skipped and reported in [`Replayed::refused`] (the card is
    /// unchanged by it), and the replay
    /// goes on with the next event: one bad event never loses the card.
    ///
    /// ```
    /// use iotcard::fleet::FleetEntry;
    /// use iotcard::{Policy, parse_instant};
    /// let e = FleetEntry::from_json(r#"{"card": {"iccid": "89860012345678901238",
    ///   "msisdn": "1440012345678", "plan": {"start": "2026-01-01T00:00:00+08:00",
    ///   "end": "2027-01-01T00:00:00+08:00", "period": "month",
    ///   "quota_bytes": 104857600, "monthly_fee": 1000}},
    ///   "events": [{"at": "2026-01-02T09:00:00+08:00", "event": {"type": "manual_resume"}},
    ///              {"at": "2026-01-03T09:00:00+08:00",
    ///               "event": {"type": "activate", "imei": "490154203237518"}}]}"#)?;
    /// let at = parse_instant("at", "2026-02-01T00:00:00+08:00")?;
    /// let r = e.replay(&Policy::default(), at).unwrap();
    /// assert_eq!(r.refused.len(), 1);
    /// assert_eq!((r.refused[0].index, r.refused[0].error.code()), (0, "not_activated"));
    /// assert_eq!(r.card.status().name(), "active"); // the activation still counts
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    ///
    /// # Errors
    /// `(index, error)` when the card cannot be brought to `at` at all: `(0,
    /// error)` when the new card cannot be made, `(events.len(), error)` when
    /// advancing to `at` fails (a stored state whose clock is after `at`).
    pub fn replay(&self, policy: &Policy, at: Instant) -> Result<Replayed, (usize, Error)> {
        let mut card = match &self.start {
            Start::New(new) => Card::new(new).map_err(|e| (0, e))?,
            Start::Stored(state) => Card::clone(state),
        };
        let mut replaced = Vec::new();
        let mut refused = Vec::new();
        let mut changes = Vec::new();
        let mut withdrawn = Vec::new();
        let mut duplicates = Vec::new();
        let mut later_events = 0;
        for (index, t) in self.events.iter().enumerate() {
            if t.at > at {
                later_events += 1;
                continue;
            }
            let applied = card.apply_identified_in_place(
                policy,
                t.at,
                &t.event,
                t.id.as_ref(),
                &mut changes,
                &mut withdrawn,
            );
            match applied {
                Ok(AppliedInPlace {
                    replacement: Some(new),
                    ..
                }) => replaced.push(std::mem::replace(&mut card, new)),
                Ok(AppliedInPlace {
                    duplicate: true, ..
                }) => duplicates.push(index),
                Ok(_) => {}
                Err(error) => refused.push(Refused {
                    index,
                    iccid: card.iccid(),
                    error,
                }),
            }
            changes.clear();
            withdrawn.clear();
        }
        card.advance_in_place(policy, at, &mut changes)
            .map_err(|e| (self.events.len(), e))?;
        Ok(Replayed {
            card,
            replaced,
            later_events,
            refused,
            duplicates,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::FleetEntry;

    const CARD: &str = r#""card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
        "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                 "period": "month", "quota_bytes": 1, "monthly_fee": 0}}"#;

    fn field_of(line: &str) -> String {
        match FleetEntry::from_json(line) {
            Err(crate::Error::InvalidInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    /// Errors name the field within the line: an event's own value, a plan.
    #[test]
    fn errors_name_the_field_within_the_line() {
        let event = |e: &str| {
            format!(r#"{{{CARD}, "events": [{{"at": "2026-01-03T00:00:00Z", "event": {e}}}]}}"#)
        };
        assert_eq!(
            field_of(&event(r#"{"type": "payment", "amount": 0}"#)),
            "entry.events[0].event.amount"
        );
        assert_eq!(
            field_of(&event(r#"{"type": "top_up", "bytes": 0}"#)),
            "entry.events[0].event.bytes"
        );
        let backwards = CARD.replace("2027-01-01", "2025-01-01");
        assert!(field_of(&format!("{{{backwards}}}")).starts_with("entry.card.plan"));
    }

    /// R12.5 in a fleet line: an event's `id` is read from the event object; a
    /// re-delivery (same id, same content) is a duplicate that changes nothing,
    /// the same id with other content is refused, and a line with ids writes
    /// them back.
    #[test]
    fn event_ids_in_a_line_make_re_deliveries_duplicates() {
        let ev = |at: &str, e: &str| format!(r#"{{"at": "{at}", "event": {e}}}"#);
        let activate = ev(
            "2026-01-02T00:00:00+08:00",
            r#"{"type": "activate", "imei": "490154203237518"}"#,
        );
        let pay = ev(
            "2026-01-03T00:00:00+08:00",
            r#"{"type": "payment", "amount": 200, "id": "pay-1"}"#,
        );
        let other = ev(
            "2026-01-03T00:00:00+08:00",
            r#"{"id": "pay-1", "type": "payment", "amount": 300}"#,
        );
        let line = |events: &[&String]| {
            let events: Vec<&str> = events.iter().map(|s| s.as_str()).collect();
            FleetEntry::from_json(&format!(r#"{{{CARD}, "events": [{}]}}"#, events.join(",")))
                .unwrap()
        };
        let policy = crate::Policy::default();
        let at = crate::parse_instant("at", "2026-01-10T00:00:00+08:00").unwrap();
        let entry = line(&[&activate, &pay, &pay]);
        assert_eq!(
            entry.events[1].id.as_ref().map(crate::EventId::as_str),
            Some("pay-1")
        );
        let twice = entry.replay(&policy, at).unwrap();
        assert_eq!(twice.duplicates, [2]);
        assert!(twice.refused.is_empty());
        let once = line(&[&activate, &pay]).replay(&policy, at).unwrap();
        assert_eq!(twice.card.balance(), 200);
        assert_eq!(twice.card.balance(), once.card.balance());
        let conflict = line(&[&activate, &pay, &other])
            .replay(&policy, at)
            .unwrap();
        let refused: Vec<(usize, &str)> = conflict
            .refused
            .iter()
            .map(|r| (r.index, r.error.code()))
            .collect();
        assert_eq!(refused, [(2, "event_id_conflict")]);
        assert_eq!(conflict.card.balance(), 200);
        // The id goes back into the event object when the line is written.
        let back = FleetEntry::from_json(&entry.to_json()).unwrap();
        assert_eq!(back, entry);
        assert!(
            entry.to_json().contains(r#""id":"pay-1""#),
            "{}",
            entry.to_json()
        );
        // A bad id names the field.
        let bad = ev(
            "2026-01-03T00:00:00+08:00",
            r#"{"type": "payment", "amount": 200, "id": ""}"#,
        );
        let e = FleetEntry::from_json(&format!(r#"{{{CARD}, "events": [{bad}]}}"#)).unwrap_err();
        assert!(e.to_string().contains("id"), "{e}");
    }

    /// A refused event is reported with its index and skipped; the card goes on
    /// with its other events and ends as if the refused ones had not come.
    #[test]
    fn a_refused_event_is_reported_and_skipped_and_the_card_goes_on() {
        let ev = |at: &str, e: &str| format!(r#"{{"at": "{at}", "event": {e}}}"#);
        let activate = ev(
            "2026-01-02T00:00:00+08:00",
            r#"{"type": "activate", "imei": "490154203237518"}"#,
        );
        let charge = ev(
            "2026-01-03T00:00:00+08:00",
            r#"{"type": "charge", "amount": 500}"#,
        );
        // Refused: arrears (R1.1), and an instant before the card's clock.
        let suspend = ev("2026-01-04T00:00:00+08:00", r#"{"type": "manual_suspend"}"#);
        let early = ev(
            "2026-01-01T12:00:00+08:00",
            r#"{"type": "payment", "amount": 100}"#,
        );
        let pay = ev(
            "2026-01-05T00:00:00+08:00",
            r#"{"type": "payment", "amount": 200}"#,
        );
        let line = |events: &[&String]| {
            let events: Vec<&str> = events.iter().map(|s| s.as_str()).collect();
            FleetEntry::from_json(&format!(r#"{{{CARD}, "events": [{}]}}"#, events.join(",")))
                .unwrap()
        };
        let policy = crate::Policy::default();
        let at = crate::parse_instant("at", "2026-01-10T00:00:00+08:00").unwrap();
        let with = line(&[&activate, &charge, &suspend, &early, &pay])
            .replay(&policy, at)
            .unwrap();
        let without = line(&[&activate, &charge, &pay])
            .replay(&policy, at)
            .unwrap();
        let refused: Vec<(usize, &str)> = with
            .refused
            .iter()
            .map(|r| (r.index, r.error.code()))
            .collect();
        assert_eq!(
            refused,
            [(2, "manual_suspend_not_allowed"), (3, "out_of_order")]
        );
        assert_eq!(with.card, without.card);
        assert_eq!(with.card.balance(), -300);
        assert!(without.refused.is_empty());
        assert!(
            with.refused
                .iter()
                .all(|r| r.iccid.as_str() == "89860012345678901238")
        );
        // What is stored keeps the card, without the refused events.
        let kept = line(&[&activate, &charge, &suspend, &early, &pay]).stored(with, at);
        assert_eq!(kept.len(), 1);
        assert!(kept[0].events.is_empty());
        // After a `replace`, a refused event names the card that refused it: the new one.
        let lost = ev("2026-01-06T00:00:00+08:00", r#"{"type": "report_lost"}"#);
        let replace = ev(
            "2026-01-07T00:00:00+08:00",
            r#"{"type": "replace", "iccid": "89860012345678901246"}"#,
        );
        let resume = ev("2026-01-08T00:00:00+08:00", r#"{"type": "manual_resume"}"#);
        let r = line(&[&activate, &lost, &replace, &resume])
            .replay(&policy, at)
            .unwrap();
        assert_eq!(r.replaced.len(), 1);
        assert_eq!(r.refused.len(), 1);
        assert_eq!(r.refused[0].index, 3);
        assert_eq!(r.refused[0].iccid, r.card.iccid());
        assert_eq!(r.refused[0].iccid.as_str(), "89860012345678901246");
    }
}
