//! The Parquet shape of a fleet (`iotcard-arrow`'s tables): `iotcard assess
//! STATES.parquet --events EVENTS.parquet`, and `iotcard generate --parquet`.
//!
//! A Parquet fleet is a states table `X.parquet` (one stored state per card; a
//! new card is a state too) and an events table (`X.events.parquet` beside it
//! when this command writes one). The states stream in record batches, assessed
//! on every core; the events, few per card, are held in memory by ICCID.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};

use iotcard::fleet::{FleetEntry, Start};
use iotcard::{Assessor, Card, Iccid, Instant, Policy, TimedEvent};
use iotcard_arrow::reexport::arrow_array::RecordBatch;
use iotcard_arrow::reexport::parquet::arrow::ArrowWriter;
use iotcard_arrow::{
    AssessmentsBuilder, EventsBuilder, EventsReader, StatesBuilder, StatesReader, parquet_io,
};

use crate::Format;
use crate::assess::{Summary, row};
use iotcard::format_instant;

/// Whether a path names a Parquet file (by its extension).
pub(crate) fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The events table written beside a states table: `X.parquet` →
/// `X.events.parquet`.
pub(crate) fn events_beside(states: &Path) -> PathBuf {
    states.with_extension("events.parquet")
}

/// One card's events from the events tables.
struct CardEvents {
    events: Vec<TimedEvent>,
    /// The first bad events row of this card: the message to report, and the
    /// error.
    /// (Boxed: most cards have none, and the map holds one entry a card.)
    error: Option<Box<(String, iotcard::Error)>>,
    /// Whether a state of the states table took them.
    taken: AtomicBool,
}

/// Every events table, by ICCID; the rows that name no readable ICCID are
/// reported and counted.
struct Events {
    by_card: HashMap<Iccid, CardEvents>,
    unreadable: u64,
}

fn load_events(paths: &[PathBuf]) -> Result<Events, String> {
    let mut by_card: HashMap<Iccid, CardEvents> = HashMap::new();
    let mut unreadable = 0;
    for path in paths {
        let fail = |e: &dyn std::fmt::Display| format!("--events {}: {e}", path.display());
        let reader = parquet_io::reader(path).map_err(|e| fail(&e))?;
        let mut row_no = 0u64;
        for batch in reader {
            let batch = batch.map_err(|e| fail(&e))?;
            let r = EventsReader::new(&batch).map_err(|e| fail(&e))?;
            // Parsing the events' JSON is most of the work: every core takes
            // a share of the batch; the rows are then filed in order.
            let rows = parse_rows(&r);
            for (i, row) in rows.into_iter().enumerate() {
                row_no += 1;
                let key = match &row {
                    Ok((iccid, _)) => Some(*iccid),
                    Err(_) => r.iccid(i).and_then(|s| Iccid::parse(s).ok()),
                };
                let Some(key) = key else {
                    if let Err(e) = row {
                        eprintln!("iotcard: {}: events row {row_no}: {e}", path.display());
                    }
                    unreadable += 1;
                    continue;
                };
                let slot = by_card.entry(key).or_insert_with(|| CardEvents {
                    events: Vec::new(),
                    error: None,
                    taken: AtomicBool::new(false),
                });
                match row {
                    Ok((_, e)) => slot.events.push(e),
                    Err(e) => {
                        if slot.error.is_none() {
                            let why = format!(
                                "{}: events row {row_no}: {}: {e}",
                                path.display(),
                                e.code()
                            );
                            slot.error = Some(Box::new((why, e)));
                        }
                    }
                }
            }
        }
    }
    Ok(Events {
        by_card,
        unreadable,
    })
}

/// Every row of an events batch, parsed on every core, in row order.
fn parse_rows(r: &EventsReader) -> Vec<Result<(Iccid, TimedEvent), iotcard::Error>> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let share = r.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let parts: Vec<_> = (0..r.len())
            .step_by(share)
            .map(|from| {
                let to = (from + share).min(r.len());
                scope.spawn(move || (from..to).map(|i| r.row(i)).collect::<Vec<_>>())
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// What `iotcard assess` writes for a Parquet fleet.
pub(crate) struct Outputs<'a> {
    pub(crate) format: Format,
    /// `--output`; standard output when `None` (not for Parquet).
    pub(crate) output: Option<&'a Path>,
    pub(crate) save_states: Option<&'a Path>,
    /// Whether `--rejects` was given (not written for a Parquet fleet yet:
    /// refused).
    pub(crate) rejects: bool,
}

/// A batch of states done: its output rows, states to keep, errors, counts.
struct Done {
    seq: u64,
    assessments: Option<RecordBatch>,
    rows: Vec<u8>,
    states: Option<RecordBatch>,
    later: Option<RecordBatch>,
    lines: Vec<u8>,
    errors: String,
    summary: Summary,
}

/// Where the saved states go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Save {
    None,
    Parquet,
    Jsonl,
}

/// Assesses one batch of states.
#[expect(clippy::too_many_lines, reason = "one card's path, read top to bottom")]
fn assess_batch(
    seq: u64,
    first_row: u64,
    batch: &RecordBatch,
    assessor: &Assessor<'_>,
    events: &Events,
    format: Format,
    save: Save,
) -> io::Result<Done> {
    use std::fmt::Write as _;
    let reader = StatesReader::new(batch).map_err(io::Error::other)?;
    let policy = assessor.policy();
    let at = assessor.at();
    let mut out = AssessmentsBuilder::default();
    let mut states = StatesBuilder::default();
    let mut later = EventsBuilder::default();
    let mut done = Done {
        seq,
        assessments: None,
        rows: Vec::new(),
        states: None,
        later: None,
        lines: Vec::new(),
        errors: String::new(),
        summary: Summary::default(),
    };
    let no_events: &[TimedEvent] = &[];
    for i in 0..reader.len() {
        let row_no = first_row + i as u64;
        let card = match reader.card(i) {
            Ok(c) => c,
            Err(e) => {
                let _ = writeln!(done.errors, "row {row_no}: {e}");
                done.summary.skipped_lines += 1;
                if format == Format::Parquet {
                    out.push_row(reader.iccid(i), reader.msisdn(i), Err(&e));
                }
                continue;
            }
        };
        let mine = events.by_card.get(&card.iccid());
        if let Some(m) = mine {
            m.taken.store(true, Ordering::Relaxed);
        }
        let card_events = mine.map_or(no_events, |m| &m.events);
        let entry = FleetEntry {
            start: Start::Stored(Box::new(card)),
            events: card_events.to_vec(),
        };
        let refused = match mine.and_then(|m| m.error.as_deref()) {
            Some((why, e)) => Err((why.clone(), e.clone())),
            None => entry
                .replay(policy, at)
                .map_err(|(_, e)| (format!("{}: {e}", e.code()), e)),
        };
        let replayed = match refused {
            Ok(r) => r,
            Err((why, e)) => {
                let _ = writeln!(done.errors, "row {row_no}: {why}");
                done.summary.skipped_lines += 1;
                if format == Format::Parquet {
                    let Start::Stored(card) = &entry.start else {
                        unreachable!("built as stored")
                    };
                    out.push(card.iccid().as_str(), card.msisdn().as_str(), Err(&e));
                }
                // Kept as it was, so that nothing is lost.
                keep(&entry, save, &mut states, &mut later, &mut done)?;
                continue;
            }
        };
        for r in &replayed.refused {
            let t = &entry.events[r.index];
            done.summary.refused_events += 1;
            let _ = writeln!(
                done.errors,
                "row {row_no}: events[{}] ({} at {}): {}: {}",
                r.index,
                t.event.kind(),
                format_instant(t.at, policy.timezone),
                r.error.code(),
                r.error
            );
        }
        done.summary.count_replay(&replayed);
        for card in replayed
            .replaced
            .iter()
            .chain(std::iter::once(&replayed.card))
        {
            let (iccid, msisdn) = (card.iccid(), card.msisdn());
            match assessor.assess(card).and_then(|a| Ok((a, a.fees_due()?))) {
                Ok((a, fees)) => {
                    done.summary.add(&a, fees);
                    if format == Format::Parquet {
                        out.push(iccid.as_str(), msisdn.as_str(), Ok(&a));
                    } else {
                        row(&mut done.rows, format, row_no, card, &a, fees)?;
                    }
                }
                Err(e) => {
                    let _ = writeln!(done.errors, "row {row_no}: {}: {e}", e.code());
                    done.summary.skipped_lines += 1;
                    if format == Format::Parquet {
                        out.push(iccid.as_str(), msisdn.as_str(), Err(&e));
                    }
                }
            }
        }
        if save != Save::None {
            for stored in entry.stored(replayed, at) {
                keep(&stored, save, &mut states, &mut later, &mut done)?;
            }
        }
    }
    if format == Format::Parquet {
        done.assessments = Some(out.finish());
    }
    if save == Save::Parquet {
        done.states = Some(states.finish());
        done.later = Some(later.finish());
    }
    Ok(done)
}

/// Appends a fleet entry to what is saved.
fn keep(
    e: &FleetEntry,
    save: Save,
    states: &mut StatesBuilder,
    later: &mut EventsBuilder,
    done: &mut Done,
) -> io::Result<()> {
    match save {
        Save::None => Ok(()),
        Save::Jsonl => {
            serde_json::to_writer(&mut done.lines, e)?;
            done.lines.push(b'\n');
            Ok(())
        }
        Save::Parquet => {
            let Start::Stored(card) = &e.start else {
                return Ok(());
            };
            states
                .push(card)
                .map_err(|e| io::Error::other(format!("--save-states: {e}")))?;
            for t in &e.events {
                later
                    .push(&card.iccid(), t)
                    .map_err(|e| io::Error::other(format!("--save-states: {e}")))?;
            }
            Ok(())
        }
    }
}

/// The sinks of the writer thread.
struct Sinks {
    assessments: Option<ArrowWriter<BufWriter<File>>>,
    rows: Option<Box<dyn Write + Send>>,
    states: Option<ArrowWriter<BufWriter<File>>>,
    later: Option<ArrowWriter<BufWriter<File>>>,
    lines: Option<BufWriter<File>>,
}

fn create(path: &Path, what: &str) -> Result<BufWriter<File>, String> {
    File::create(path)
        .map(|f| BufWriter::with_capacity(1 << 20, f))
        .map_err(|e| format!("{what} {}: {e}", path.display()))
}

fn parquet_sink(
    path: &Path,
    what: &str,
    schema: iotcard_arrow::reexport::arrow_schema::SchemaRef,
) -> Result<ArrowWriter<BufWriter<File>>, String> {
    parquet_io::writer(create(path, what)?, schema)
        .map_err(|e| format!("{what} {}: {e}", path.display()))
}

impl Sinks {
    fn open(o: &Outputs<'_>) -> Result<(Sinks, Save), String> {
        let mut s = Sinks {
            assessments: None,
            rows: None,
            states: None,
            later: None,
            lines: None,
        };
        if o.format == Format::Parquet {
            let Some(path) = o.output else {
                return Err("--format parquet needs --output FILE.parquet".to_owned());
            };
            s.assessments = Some(parquet_sink(
                path,
                "--output",
                iotcard_arrow::assessments_schema(),
            )?);
        } else {
            s.rows = Some(match o.output {
                Some(path) => Box::new(create(path, "--output")?),
                None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
            });
        }
        let save = match o.save_states {
            None => Save::None,
            Some(path) if is_parquet(path) => {
                s.states = Some(parquet_sink(
                    path,
                    "--save-states",
                    iotcard_arrow::states_schema(),
                )?);
                s.later = Some(parquet_sink(
                    &events_beside(path),
                    "--save-states",
                    iotcard_arrow::events_schema(),
                )?);
                Save::Parquet
            }
            Some(path) => {
                s.lines = Some(create(path, "--save-states")?);
                Save::Jsonl
            }
        };
        Ok((s, save))
    }

    fn write(&mut self, d: &Done) -> io::Result<()> {
        let pq = |e: iotcard_arrow::reexport::parquet::errors::ParquetError| io::Error::other(e);
        if let (Some(w), Some(b)) = (self.assessments.as_mut(), &d.assessments) {
            w.write(b).map_err(pq)?;
        }
        if let Some(w) = self.rows.as_mut() {
            w.write_all(&d.rows)?;
        }
        if let (Some(w), Some(b)) = (self.states.as_mut(), &d.states) {
            w.write(b).map_err(pq)?;
        }
        if let (Some(w), Some(b)) = (self.later.as_mut(), &d.later) {
            w.write(b).map_err(pq)?;
        }
        if let Some(w) = self.lines.as_mut() {
            w.write_all(&d.lines)?;
        }
        Ok(())
    }

    fn close(self) -> io::Result<()> {
        let pq = io::Error::other;
        for w in [self.assessments, self.states, self.later]
            .into_iter()
            .flatten()
        {
            w.close().map_err(pq)?;
        }
        if let Some(mut w) = self.rows {
            w.flush()?;
        }
        if let Some(mut w) = self.lines {
            w.flush()?;
        }
        Ok(())
    }
}

/// `iotcard assess` over a Parquet fleet when the fleet is one (`.parquet`, or
/// `--events` given); refuses Parquet output for a JSON Lines fleet. `None`:
/// the JSON Lines path goes on.
pub(crate) fn dispatch(
    fleet: &Path,
    events: &[PathBuf],
    book: &iotcard::PolicyBook,
    at: Instant,
    outputs: &Outputs<'_>,
) -> Option<ExitCode> {
    if is_parquet(fleet) || !events.is_empty() {
        // One policy for every card: a book of per-operator policies is not
        // applied to a Parquet fleet yet (refused, never ignored).
        if !book.operators.is_empty() {
            eprintln!(
                "iotcard: per-operator policies are not applied to a Parquet fleet yet; \
                 give one policy"
            );
            return Some(ExitCode::from(2));
        }
        let policy = match book.policy_for(None) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("iotcard: {e}");
                return Some(ExitCode::from(2));
            }
        };
        if outputs.rejects {
            eprintln!(
                "iotcard: --rejects is not written for a Parquet fleet yet; \
                 refused events and bad rows go to standard error"
            );
            return Some(ExitCode::from(2));
        }
        return Some(run(fleet, events, policy, at, outputs));
    }
    if outputs.format == Format::Parquet || outputs.save_states.is_some_and(is_parquet) {
        eprintln!(
            "iotcard: Parquet output needs a Parquet fleet (a states table FLEET.parquet; \
             `iotcard generate --parquet` writes one)"
        );
        return Some(ExitCode::from(2));
    }
    None
}

/// `iotcard assess` over a Parquet fleet.
fn run(
    states: &Path,
    events: &[PathBuf],
    policy: &Policy,
    at: Instant,
    outputs: &Outputs<'_>,
) -> ExitCode {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("iotcard: {e}");
        ExitCode::from(2)
    };
    let events = match load_events(events) {
        Ok(e) => e,
        Err(e) => return fail(&e),
    };
    let reader = match parquet_io::reader(states) {
        Ok(r) => r,
        Err(e) => return fail(&format!("{}: {e}", states.display())),
    };
    let (mut sinks, save) = match Sinks::open(outputs) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    let assessor = match Assessor::new(policy, at) {
        Ok(a) => a,
        Err(e) => return fail(&e),
    };
    if outputs.format == Format::Table
        && let Some(w) = sinks.rows.as_mut()
        && let Err(e) = crate::assess::header(w)
    {
        return fail(&e);
    }
    let result = stream(reader, &assessor, &events, outputs.format, save, &mut sinks);
    let mut summary = match result {
        Ok(s) => s,
        Err(e) => return fail(&format!("{}: {e}", states.display())),
    };
    // Events of no card in the states table: reported, and kept.
    let mut orphans: Vec<(&Iccid, &CardEvents)> = events
        .by_card
        .iter()
        .filter(|(_, c)| !c.taken.load(Ordering::Relaxed))
        .collect();
    orphans.sort_by_key(|(i, _)| i.as_str());
    let mut later = EventsBuilder::default();
    for (iccid, c) in &orphans {
        eprintln!(
            "iotcard: events for {iccid}: no such card in {}",
            states.display()
        );
        summary.skipped_lines += 1;
        for t in &c.events {
            if let Err(e) = later.push(iccid, t) {
                return fail(&format!("--save-states: {e}"));
            }
        }
    }
    summary.skipped_lines += events.unreadable;
    if let Some(w) = sinks.later.as_mut()
        && !later.is_empty()
        && let Err(e) = w.write(&later.finish())
    {
        return fail(&format!("--save-states: {e}"));
    }
    let written = match outputs.format {
        Format::Table => sinks.rows.as_mut().map_or(Ok(()), |w| {
            crate::assess::totals_row(w, &summary).and_then(|()| summary.write(w))
        }),
        _ => summary.write(&mut io::stderr()),
    };
    if let Err(e) = written.and_then(|()| sinks.close()) {
        return fail(&e);
    }
    if summary.skipped_lines > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Reads the states in batches, assesses them on every core, and writes the
/// results in input order. Memory is bounded by the batches in flight.
fn stream(
    reader: impl Iterator<Item = Result<RecordBatch, iotcard_arrow::reexport::arrow_schema::ArrowError>>
    + Send,
    assessor: &Assessor<'_>,
    events: &Events,
    format: Format,
    save: Save,
    sinks: &mut Sinks,
) -> io::Result<Summary> {
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (work_tx, work_rx) = mpsc::sync_channel::<(u64, u64, RecordBatch)>(workers);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<io::Result<Done>>(workers);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (done_tx, work_rx) = (done_tx.clone(), Arc::clone(&work_rx));
            scope.spawn(move || {
                loop {
                    let job = match work_rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, first, batch)) = job else { return };
                    let done = assess_batch(seq, first, &batch, assessor, events, format, save);
                    if done_tx.send(done).is_err() {
                        return;
                    }
                }
            });
        }
        drop((done_tx, work_rx));
        let writer = scope.spawn(move || -> io::Result<Summary> {
            let mut summary = Summary::default();
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            for done in done_rx {
                let done = done?;
                pending.insert(done.seq, done);
                while let Some(d) = pending.remove(&next) {
                    sinks.write(&d)?;
                    for line in d.errors.lines() {
                        eprintln!("iotcard: {line}");
                    }
                    summary.merge(&d.summary);
                    next += 1;
                }
            }
            Ok(summary)
        });
        let mut read = Ok(());
        let (mut seq, mut first) = (0u64, 1u64);
        for batch in reader {
            match batch {
                Ok(b) => {
                    let n = b.num_rows() as u64;
                    if work_tx.send((seq, first, b)).is_err() {
                        break;
                    }
                    seq += 1;
                    first += n;
                }
                Err(e) => {
                    read = Err(io::Error::other(e));
                    break;
                }
            }
        }
        drop(work_tx);
        let summary = writer
            .join()
            .map_err(|_| io::Error::other("writer thread panicked"))?;
        read?;
        summary
    })
}

/// `iotcard generate --parquet STATES.parquet`: the fleet as a states table
/// and, beside it, an events table (`STATES.events.parquet`).
pub(crate) fn generate(
    path: &Path,
    cards: u64,
    seed: u64,
    policy: &Policy,
    at: Instant,
    stored_until: Option<Instant>,
) -> ExitCode {
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("iotcard: --parquet {}: {e}", path.display());
        ExitCode::from(2)
    };
    let open = |p: &Path, schema| parquet_sink(p, "--parquet", schema);
    let (mut sw, mut ew) = match (
        open(path, iotcard_arrow::states_schema()),
        open(&events_beside(path), iotcard_arrow::events_schema()),
    ) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("iotcard: {e}");
            return ExitCode::from(2);
        }
    };
    let mut states = StatesBuilder::default();
    let mut events = EventsBuilder::default();
    for n in 0..cards {
        let entries =
            iotcard_fleetgen::entry(policy, n, seed, at).and_then(|e| match stored_until {
                None => Some(vec![e]),
                Some(until) => iotcard_fleetgen::stored_at(policy, &e, until),
            });
        let Some(entries) = entries else {
            eprintln!("iotcard: card {n} could not be generated");
            return ExitCode::from(2);
        };
        for e in &entries {
            let card = match &e.start {
                Start::New(new) => Card::new(new),
                Start::Stored(card) => Ok(Card::clone(card)),
            };
            let pushed = card.and_then(|card| {
                states.push(&card)?;
                e.events
                    .iter()
                    .try_for_each(|t| events.push(&card.iccid(), t))
            });
            if let Err(e) = pushed {
                return fail(&e);
            }
        }
        if states.len() >= parquet_io::BATCH_ROWS {
            if let Err(e) = sw.write(&states.finish()) {
                return fail(&e);
            }
            if let Err(e) = ew.write(&events.finish()) {
                return fail(&e);
            }
        }
    }
    let closed = sw
        .write(&states.finish())
        .and_then(|()| ew.write(&events.finish()))
        .and_then(|()| sw.close().map(drop))
        .and_then(|()| ew.close().map(drop));
    match closed {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
