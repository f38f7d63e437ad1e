//! Fleets: one card per line of JSON Lines, replayed to an instant. A line is a
//! new card plus its event log (`{"card": {...}, "events": [{"at": ..., "event":
//! {...}}]}`), or a stored card state plus the events since it was stored
//! (`{"state": {...}, "events": [...]}`, the state as [`Card::to_json`] writes
//! it): the daily billing run keeps each card's state and replays only the day's
//! events. What the `iotcard assess` command and the bindings' batch examples use.

use serde::Deserialize;

use crate::card::{Card, NewCard, StateJson};
use crate::error::{MAX_LOG_JSON_BYTES, parse_json_limited};
use crate::event::TimedEvent;
use crate::policy::Policy;
use crate::{Error, Instant};

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

/// A fleet entry replayed to an instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Replayed {
    /// The card at the end of the replay; after a `replace`, the new card.
    pub card: Card,
    /// Cards replaced on the way (each now `replaced`), oldest first.
    pub replaced: Vec<Card>,
    /// Events later than the instant, not applied.
    pub later_events: usize,
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

    /// Replays the events at or before `at`, then advances to `at`.
    ///
    /// # Errors
    /// `(index, error)` for the first event the card refuses (or
    /// `(events.len(), error)` when advancing to `at` fails).
    pub fn replay(&self, policy: &Policy, at: Instant) -> Result<Replayed, (usize, Error)> {
        let mut card = match &self.start {
            Start::New(new) => Card::new(new).map_err(|e| (0, e))?,
            Start::Stored(state) => Card::clone(state),
        };
        let mut replaced = Vec::new();
        let mut changes = Vec::new();
        let mut later_events = 0;
        for (i, t) in self.events.iter().enumerate() {
            if t.at > at {
                later_events += 1;
                continue;
            }
            if let Some(new) = card
                .apply_unprepared(policy, t.at, &t.event, &mut changes)
                .map_err(|e| (i, e))?
            {
                replaced.push(std::mem::replace(&mut card, *new));
            }
            changes.clear();
        }
        card.advance_in_place(policy, at, &mut changes)
            .map_err(|e| (self.events.len(), e))?;
        Ok(Replayed {
            card,
            replaced,
            later_events,
        })
    }
}
