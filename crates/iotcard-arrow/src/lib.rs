//! iotcard's columnar path: stored card states, a day's events and
//! assessments as Apache Arrow record batches (and so Parquet files), with a
//! documented, versioned schema for each table (the crate README).
//!
//! Every rule stays in the `iotcard` crate: this one only converts, from the
//! core's public types and its tables of names. A bad row is that row's error
//! ([`iotcard::Error`], naming `table.column`), never the batch's.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// The crate README's examples, run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod assessments;
mod columns;
mod events;
pub mod parquet_io;
mod states;
mod time;

pub use assessments::{
    ASSESSMENT_COLUMNS, ASSESSMENTS_SCHEMA_VERSION, AssessmentsBuilder, assessments_schema,
};
pub use columns::{TABLE_KEY, VERSION_KEY};
pub use events::{EVENTS_SCHEMA_VERSION, EventsBuilder, EventsReader, events_schema};
pub use states::{STATES_SCHEMA_VERSION, StatesBuilder, StatesReader, states_schema};

/// The Arrow and Parquet crates this one is built on, for callers that need
/// their types (`RecordBatch`, the Parquet reader and writer) at the same
/// versions.
pub mod reexport {
    pub use arrow_array;
    pub use arrow_schema;
    pub use parquet;
}
