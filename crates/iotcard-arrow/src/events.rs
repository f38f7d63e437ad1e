//! A day's events as a table: `iccid`, `at`, and the event as its JSON
//! (`docs/json.md` "Event"); see the crate README for why JSON.

use std::sync::Arc;

use arrow_array::builder::{ArrayBuilder, StringBuilder, TimestampMillisecondBuilder};
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{Field, Schema, SchemaRef};
use iotcard::{Error, Event, Iccid, TimedEvent};

use crate::columns::{Columns, Times, check_version, null, str_at};
use crate::states::metadata;
use crate::time::to_ms;

/// The version of the events table's schema.
pub const EVENTS_SCHEMA_VERSION: u32 = 1;

const TABLE: &str = "events";

/// Builds an events batch row by row.
///
/// ```
/// # use iotcard::{Event, Iccid, TimedEvent, parse_instant};
/// let iccid = Iccid::parse("89860012345678901238")?;
/// let e = TimedEvent::new(
///     parse_instant("at", "2026-01-05T10:00:00+08:00")?,
///     Event::from_json(r#"{"type": "payment", "amount": 500}"#)?,
/// );
/// let mut b = iotcard_arrow::EventsBuilder::default();
/// b.push(&iccid, &e)?;
/// let batch = b.finish();
/// let r = iotcard_arrow::EventsReader::new(&batch)?;
/// assert_eq!(r.row(0)?, (iccid, e));
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Debug)]
pub struct EventsBuilder {
    iccid: StringBuilder,
    at: TimestampMillisecondBuilder,
    event: StringBuilder,
}

impl Default for EventsBuilder {
    fn default() -> Self {
        EventsBuilder {
            iccid: StringBuilder::new(),
            at: TimestampMillisecondBuilder::new().with_timezone("UTC"),
            event: StringBuilder::new(),
        }
    }
}

impl EventsBuilder {
    /// Appends one card's event.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `events.at` when the instant has a
    /// fraction finer than a millisecond; nothing is appended then.
    pub fn push(&mut self, iccid: &Iccid, e: &TimedEvent) -> Result<(), Error> {
        let at = to_ms("events.at", e.at)?;
        self.iccid.append_value(iccid.as_str());
        self.at.append_value(at);
        self.event.append_value(e.event_json());
        Ok(())
    }

    /// The rows pushed so far.
    pub fn len(&self) -> usize {
        self.iccid.len()
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The batch of the rows pushed so far (the builder is empty again).
    pub fn finish(&mut self) -> RecordBatch {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.iccid.finish()),
            Arc::new(self.at.finish()),
            Arc::new(self.event.finish()),
        ];
        let fields: Vec<Field> = ["iccid", "at", "event"]
            .iter()
            .zip(&columns)
            .map(|(name, c)| Field::new(*name, c.data_type().clone(), false))
            .collect();
        let schema = Schema::new(fields).with_metadata(metadata(TABLE, EVENTS_SCHEMA_VERSION));
        // Cannot fail: the columns have the schema's types and one length.
        RecordBatch::try_new(Arc::new(schema), columns)
            .unwrap_or_else(|e| unreachable!("events batch: {e}"))
    }
}

/// The schema of the events table.
pub fn events_schema() -> SchemaRef {
    EventsBuilder::default().finish().schema()
}

/// Reads the rows of an events batch; a bad row is that row's error.
#[derive(Debug)]
pub struct EventsReader {
    iccid: StringArray,
    at: Times,
    event: StringArray,
}

impl EventsReader {
    /// Finds and checks the columns of an events batch.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `events.COLUMN` for a missing column or
    /// one of a type that does not convert, or a schema version this library
    /// does not read.
    pub fn new(batch: &RecordBatch) -> Result<EventsReader, Error> {
        check_version(batch, TABLE, EVENTS_SCHEMA_VERSION)?;
        let c = Columns {
            batch,
            table: TABLE,
        };
        Ok(EventsReader {
            iccid: c.strings("iccid")?,
            at: c.times("at")?,
            event: c.strings("event")?,
        })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.iccid.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `i`'s ICCID as written.
    pub fn iccid(&self, i: usize) -> Option<&str> {
        str_at(&self.iccid, i)
    }

    /// Row `i`: the card's ICCID and the event, parsed and validated.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `events.iccid`, `events.at` or the
    /// event's field (`events.event.amount`).
    pub fn row(&self, i: usize) -> Result<(Iccid, TimedEvent), Error> {
        let iccid = self.iccid(i).ok_or_else(|| null("events.iccid"))?;
        let iccid = Iccid::parse(iccid).map_err(|e| e.renamed("events.iccid"))?;
        let at = self.at.required(i)?;
        let json = str_at(&self.event, i).ok_or_else(|| null("events.event"))?;
        let (event, id) = Event::from_json_with_id(json).map_err(|e| e.within("events"))?;
        Ok((iccid, TimedEvent { at, event, id }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_event_is_its_rows_error_naming_the_field() {
        let iccid = Iccid::parse("89860012345678901238").unwrap();
        let mut b = EventsBuilder::default();
        let e = TimedEvent {
            at: iotcard::parse_instant("at", "2026-01-05T10:00:00Z").unwrap(),
            event: Event::from_json(r#"{"type": "payment", "amount": 5}"#).unwrap(),
            id: None,
        };
        b.push(&iccid, &e).unwrap();
        // An event's id (R12.5) goes into its JSON and comes back.
        let with_id = TimedEvent {
            id: Some(iotcard::EventId::parse("pay-7").unwrap()),
            ..e.clone()
        };
        let mut ids = EventsBuilder::default();
        ids.push(&iccid, &with_id).unwrap();
        let ids = ids.finish();
        assert_eq!(
            EventsReader::new(&ids).unwrap().row(0).unwrap(),
            (iccid, with_id)
        );
        let batch = b.finish();
        let bad = arrow_array::StringArray::from(vec![r#"{"type": "payment", "amount": 0}"#]);
        let batch = RecordBatch::try_new(
            batch.schema(),
            vec![
                batch.column(0).clone(),
                batch.column(1).clone(),
                Arc::new(bad),
            ],
        )
        .unwrap();
        let r = EventsReader::new(&batch).unwrap();
        match r.row(0) {
            Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "events.event.amount"),
            other => panic!("{other:?}"),
        }
    }
}
