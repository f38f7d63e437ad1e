//! Fleets: one card per line of JSON Lines, a new card plus its event log
//! (`{"card": {...}, "events": [{"at": ..., "event": {...}}]}`), replayed to an
//! instant. What the `iotcard assess` command and the bindings' batch examples use.

use serde::Deserialize;

use crate::card::{Card, NewCard};
use crate::error::{MAX_LOG_JSON_BYTES, parse_json_limited};
use crate::event::TimedEvent;
use crate::policy::Policy;
use crate::{Error, Instant};

/// Most events one fleet entry may carry; more is refused with `invalid_input`.
pub const MAX_EVENTS_PER_CARD: usize = 1_000_000;

/// One line of a fleet file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetEntry {
    /// The new card.
    pub card: NewCard,
    /// Its event log, in time order.
    #[serde(default)]
    pub events: Vec<TimedEvent>,
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
    /// Parses one line and validates the card and every event.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`entry.events[3].event.amount`);
    /// more than [`MAX_EVENTS_PER_CARD`] events; a line longer than
    /// [`crate::MAX_LOG_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<FleetEntry, Error> {
        let e: FleetEntry =
            parse_json_limited("entry", json, MAX_LOG_JSON_BYTES, "MAX_LOG_JSON_BYTES")?;
        e.card.plan.validate("entry.card.plan")?;
        if e.events.len() > MAX_EVENTS_PER_CARD {
            return Err(Error::invalid(
                "entry.events",
                e.events.len(),
                format!("more than {MAX_EVENTS_PER_CARD} events for one card"),
            ));
        }
        for (i, t) in e.events.iter().enumerate() {
            t.event.validate().map_err(|err| match err {
                Error::InvalidInput {
                    field,
                    value,
                    reason,
                } => Error::InvalidInput {
                    field: format!("entry.events[{i}].{field}"),
                    value,
                    reason,
                },
                other => other,
            })?;
        }
        Ok(e)
    }

    /// Replays the events at or before `at`, then advances to `at`.
    ///
    /// # Errors
    /// `(index, error)` for the first event the card refuses (or
    /// `(events.len(), error)` when advancing to `at` fails).
    pub fn replay(&self, policy: &Policy, at: Instant) -> Result<Replayed, (usize, Error)> {
        let mut card = Card::new(&self.card).map_err(|e| (0, e))?;
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
                replaced.push(std::mem::replace(&mut card, new));
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
