//! `iotcard assess`: replay and assess a fleet file, streaming.
//!
//! A refused event is reported (standard error, or `--rejects`) and skipped: its
//! card goes on with its other events, is assessed, counted and saved. A line that
//! cannot be read at all is reported, and copied as it was to `--save-states`.
//! Every file this command writes is written beside its target and renamed over
//! it once complete, so a run killed at any moment leaves yesterday's file as it
//! was.

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use iotcard::fleet::FleetEntry;
use iotcard::{
    Assessment, BookAssessor, Card, Event, Hold, Instant, MAX_LOG_JSON_BYTES, PolicyBook, Status,
    format_instant, parse_instant,
};

use crate::Format;

/// Counts for the summary: fixed size, so memory stays flat whatever the fleet.
#[derive(Default)]
pub(crate) struct Summary {
    cards: u64,
    by_status: [u64; Status::ALL.len()],
    by_hold: [u64; Hold::ALL.len()],
    needing_action: u64,
    /// Cancelled and replaced cards: they need nothing.
    terminal: u64,
    /// Events the cards refused (reported and skipped; the cards went on).
    pub(crate) refused_events: u64,
    /// R12.5: re-deliveries of accepted events (same id, same content), ignored.
    pub(crate) duplicate_events: u64,
    /// Lines that could not be read, or whose card could not be assessed.
    pub(crate) skipped_lines: u64,
    /// Lines too long to keep, so `--save-states` cannot copy them.
    unkept_lines: u64,
    pub(crate) later_events: u64,
    /// Balances and fees due, minor units, leaving out replaced cards (their
    /// balance and fees are carried by the card that replaced them).
    balance: i128,
    fees: i128,
}

impl Summary {
    pub(crate) fn add(&mut self, a: &Assessment, fees: i64) {
        self.cards += 1;
        self.by_status[a.status as usize] += 1;
        for h in a.holds.iter() {
            self.by_hold[h as usize] += 1;
        }
        if a.needs_action() {
            self.needing_action += 1;
        }
        if a.status.is_terminal() {
            self.terminal += 1;
        }
        if a.status != Status::Replaced {
            self.balance += i128::from(a.balance);
            self.fees += i128::from(fees);
        }
    }

    /// Counts a replay's duplicates (R12.5) and events later than the instant.
    pub(crate) fn count_replay(&mut self, r: &iotcard::fleet::Replayed) {
        self.duplicate_events += r.duplicates.len() as u64;
        self.later_events += r.later_events as u64;
    }

    pub(crate) fn merge(&mut self, o: &Summary) {
        self.cards += o.cards;
        for (a, b) in self.by_status.iter_mut().zip(o.by_status) {
            *a += b;
        }
        for (a, b) in self.by_hold.iter_mut().zip(o.by_hold) {
            *a += b;
        }
        self.needing_action += o.needing_action;
        self.terminal += o.terminal;
        self.refused_events += o.refused_events;
        self.duplicate_events += o.duplicate_events;
        self.skipped_lines += o.skipped_lines;
        self.unkept_lines += o.unkept_lines;
        self.later_events += o.later_events;
        self.balance += o.balance;
        self.fees += o.fees;
    }

    pub(crate) fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w)?;
        writeln!(
            w,
            "{} cards assessed, {} need action, {} terminal (cancelled or replaced), \
             {} events refused, {} lines skipped, {} events after --at not applied",
            self.cards,
            self.needing_action,
            self.terminal,
            self.refused_events,
            self.skipped_lines,
            self.later_events
        )?;
        if self.duplicate_events > 0 {
            writeln!(
                w,
                "{} duplicate events ignored (an id already accepted, the same content: R12.5)",
                self.duplicate_events
            )?;
        }
        writeln!(
            w,
            "totals: balance {} CNY, fees due {} CNY (replaced cards left out: their money \
             is on the card that replaced them)",
            Yuan(self.balance),
            Yuan(self.fees)
        )?;
        write!(w, "by status:")?;
        for s in Status::ALL {
            write!(w, " {}={}", s, self.by_status[*s as usize])?;
        }
        writeln!(w)?;
        write!(w, "by hold:  ")?;
        for h in Hold::ALL {
            write!(w, " {}={}", h, self.by_hold[*h as usize])?;
        }
        writeln!(w)
    }
}

/// Minor units (fen) as yuan with two decimals.
struct Yuan(i128);

impl fmt::Display for Yuan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        // Padded as a whole, so that the column aligns.
        f.pad(&format!("{sign}{}.{:02}", a / 100, a % 100))
    }
}

/// A `--rejects` line for a refused event (docs/json.md "Rejects line").
#[derive(serde::Serialize)]
struct RefusedRow<'a> {
    line: u64,
    iccid: &'a str,
    index: usize,
    at: &'a str,
    event: &'a Event,
    code: &'a str,
    message: &'a str,
}

/// A `--rejects` line for a line that could not be read, or not be assessed:
/// `raw` is the line as it was (`null` when too long to keep).
#[derive(serde::Serialize)]
struct UnreadRow<'a> {
    line: u64,
    code: &'a str,
    message: &'a str,
    raw: Option<Cow<'a, str>>,
}

/// The table's columns: fixed widths for the fixed-width values, the holds last
/// (any number of them leaves the other columns aligned).
macro_rules! table_row {
    ($w:expr, $iccid:expr, $status:expr, $next:expr, $when:expr, $balance:expr, $fees:expr) => {
        write!(
            $w,
            "{:<20}  {:<10}  {:<16}  {:<25}  {:>15}  {:>15}  ",
            $iccid, $status, $next, $when, $balance, $fees
        )
    };
}

pub(crate) fn header(w: &mut dyn Write) -> io::Result<()> {
    table_row!(
        w,
        "ICCID",
        "STATUS",
        "NEXT CHANGE",
        "WHEN",
        "BALANCE (CNY)",
        "FEES DUE (CNY)"
    )?;
    writeln!(w, "HOLDS")
}

pub(crate) fn totals_row(w: &mut dyn Write, s: &Summary) -> io::Result<()> {
    table_row!(w, "TOTAL", "", "", "", Yuan(s.balance), Yuan(s.fees))?;
    writeln!(w, "(replaced cards left out)")
}

pub(crate) fn row(
    w: &mut Vec<u8>,
    format: Format,
    line: u64,
    card: &Card,
    a: &Assessment,
    fees: i64,
) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            // Where the card came from, then the assessment's own fields: its
            // object with the opening brace turned into a comma. (ICCID and
            // MSISDN are digits only: nothing to escape.)
            write!(
                w,
                r#"{{"line":{line},"iccid":"{}","msisdn":"{}""#,
                card.iccid().as_str(),
                card.msisdn().as_str()
            )?;
            let brace = w.len();
            serde_json::to_writer(&mut *w, a)?;
            debug_assert_eq!(w.get(brace), Some(&b'{'));
            if let Some(b) = w.get_mut(brace) {
                *b = b',';
            }
            w.write_all(b"\n")
        }
        // Parquet rows are built by `crate::parquet`.
        Format::Parquet => Ok(()),
        Format::Table => {
            let (next, when) = a.next.map_or(("-", Cow::Borrowed("-")), |n| {
                (
                    n.change.name(),
                    Cow::Owned(format_instant(n.at, a.timezone)),
                )
            });
            table_row!(
                w,
                card.iccid(),
                a.status.name(),
                next,
                when,
                Yuan(i128::from(a.balance)),
                Yuan(i128::from(fees))
            )?;
            if a.holds.is_empty() {
                w.push(b'-');
            }
            for (i, h) in a.holds.iter().enumerate() {
                if i > 0 {
                    w.push(b',');
                }
                w.extend_from_slice(h.name().as_bytes());
            }
            w.push(b'\n');
            Ok(())
        }
    }
}

pub(crate) fn open(path: &Path) -> io::Result<(Box<dyn Read>, Option<u64>)> {
    if path == Path::new("-") {
        Ok((Box::new(io::stdin().lock()), None))
    } else {
        let f = File::open(path)?;
        let len = f.metadata().ok().map(|m| m.len());
        Ok((Box::new(f), len))
    }
}

/// A file written beside its target (`.NAME.iotcard.tmp` in the same folder)
/// and renamed over it by [`Staged::commit`]: the target is either as it was or
/// complete, whenever the run stops. The target may be the input itself: the
/// input stays open on the old file until the end. The temporary name is the
/// same on every run, so what a killed run left there is replaced by the next
/// run's (and removed when that run ends) instead of piling up; two runs writing
/// the same target at once are not supported.
struct Staged {
    target: PathBuf,
    temp: PathBuf,
    file: BufWriter<File>,
}

impl Staged {
    fn create(target: &Path) -> io::Result<Staged> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(".iotcard.tmp");
        let temp = target.with_file_name(temp_name);
        // Truncates what a killed run may have left under this name.
        let file = File::create(&temp)?;
        // The new file keeps the old one's permissions.
        if let Ok(meta) = std::fs::metadata(target) {
            let _ = file.set_permissions(meta.permissions());
        }
        Ok(Staged {
            target: target.to_path_buf(),
            temp,
            file: BufWriter::with_capacity(1 << 16, file),
        })
    }

    /// Flushes, syncs and renames the file over its target.
    fn commit(self) -> io::Result<()> {
        let Staged { target, temp, file } = self;
        let done = file
            .into_inner()
            .map_err(io::IntoInnerError::into_error)
            .and_then(|f| f.sync_all())
            .and_then(|()| std::fs::rename(&temp, &target));
        if done.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        done
    }

    /// Removes the file; the target stays as it was.
    fn discard(self) {
        let Staged { temp, file, .. } = self;
        drop(file.into_parts());
        let _ = std::fs::remove_file(&temp);
    }
}

/// What `iotcard assess` writes besides the rows and the summary.
#[derive(Clone, Copy)]
struct Outputs {
    format: Format,
    /// Whether each line's stored states go to `--save-states`.
    save_states: bool,
    /// Whether refused events and unreadable lines go to `--rejects`.
    rejects: bool,
    /// The policy's time zone, for the instants of messages.
    zone: iotcard::TimeZone,
}

/// Where a run failed: the input, or one of the outputs (named in the message).
enum Fail {
    Input(io::Error),
    Stdout(io::Error),
    Stderr(io::Error),
    SaveStates(io::Error),
    Rejects(io::Error),
}

/// The paths and options of one `iotcard assess` run.
pub(crate) struct Args<'a> {
    pub(crate) fleet: &'a Path,
    /// `--events`: the events tables of a Parquet fleet.
    pub(crate) events: &'a [PathBuf],
    /// `--output`: the rows to this file instead of standard output.
    pub(crate) output: Option<&'a Path>,
    pub(crate) at: &'a str,
    pub(crate) policy: Option<&'a Path>,
    pub(crate) policy_book: Option<&'a Path>,
    pub(crate) format: Format,
    pub(crate) save_states: Option<&'a Path>,
    pub(crate) rejects: Option<&'a Path>,
}

fn bad(message: &str) -> ExitCode {
    let _ = writeln!(io::stderr(), "iotcard: {message}");
    ExitCode::from(2)
}

/// `--save-states FILE` or `--rejects FILE`, for messages.
fn named(flag: &str, path: Option<&Path>) -> String {
    format!(
        "{flag} {}",
        path.map_or_else(String::new, |p| p.display().to_string())
    )
}

/// Removes the files written so far: their targets stay as they were.
fn discard(files: [Option<Staged>; 2]) {
    for f in files.into_iter().flatten() {
        f.discard();
    }
}

/// The files `--save-states` and `--rejects` are written to, beside their targets.
fn create_outputs(args: &Args<'_>) -> Result<[Option<Staged>; 2], ExitCode> {
    if let (Some(s), Some(r)) = (args.save_states, args.rejects)
        && s == r
    {
        return Err(bad(&format!(
            "--save-states and --rejects are the same file ({})",
            s.display()
        )));
    }
    let states = args
        .save_states
        .map(Staged::create)
        .transpose()
        .map_err(|e| {
            bad(&format!(
                "{}: {e}",
                named("--save-states", args.save_states)
            ))
        })?;
    match args.rejects.map(Staged::create).transpose() {
        Ok(rejects) => Ok([states, rejects]),
        Err(e) => {
            discard([states, None]);
            Err(bad(&format!("{}: {e}", named("--rejects", args.rejects))))
        }
    }
}

/// The end of a run that failed: its files removed, the failure named.
fn failed(args: &Args<'_>, fail: Fail) -> ExitCode {
    let (what, e) = match fail {
        Fail::Input(e) => (args.fleet.display().to_string(), e),
        Fail::Stdout(e) => ("standard output".to_owned(), e),
        Fail::Stderr(e) => ("standard error".to_owned(), e),
        Fail::SaveStates(e) => (named("--save-states", args.save_states), e),
        Fail::Rejects(e) => (named("--rejects", args.rejects), e),
    };
    crate::output_failed(&what, &e)
}

/// Renames the files written over their targets, and tells the exit status.
fn finish(args: &Args<'_>, summary: &Summary, [states, rejects]: [Option<Staged>; 2]) -> ExitCode {
    if let Some(s) = states {
        if summary.unkept_lines > 0 {
            discard([Some(s), rejects]);
            return bad(&format!(
                "{}: {} lines longer than iotcard::MAX_LOG_JSON_BYTES cannot be copied; \
                 the file is left as it was",
                named("--save-states", args.save_states),
                summary.unkept_lines
            ));
        }
        if let Err(e) = s.commit() {
            discard([None, rejects]);
            return bad(&format!(
                "{}: {e}",
                named("--save-states", args.save_states)
            ));
        }
    }
    if let Some(r) = rejects
        && let Err(e) = r.commit()
    {
        return bad(&format!("{}: {e}", named("--rejects", args.rejects)));
    }
    if summary.skipped_lines > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub(crate) fn run(args: &Args<'_>) -> ExitCode {
    let at: Instant = match parse_instant("--at", args.at) {
        Ok(t) => t,
        Err(e) => return bad(&e.to_string()),
    };
    let policy = match crate::load_book(args.policy, args.policy_book) {
        Ok(p) => p,
        Err(e) => return bad(&e),
    };
    // `--output X.parquet` chooses Parquet unless a format is given.
    let format = match (args.format, args.output) {
        (Format::Table, Some(o)) if crate::parquet::is_parquet(o) => Format::Parquet,
        (f, _) => f,
    };
    let outputs = crate::parquet::Outputs {
        format,
        output: args.output,
        save_states: args.save_states,
        rejects: args.rejects.is_some(),
    };
    if let Some(code) = crate::parquet::dispatch(args.fleet, args.events, &policy, at, &outputs) {
        return code;
    }
    let (input, len) = match open(args.fleet) {
        Ok(x) => x,
        Err(e) => return bad(&format!("{}: {e}", args.fleet.display())),
    };
    let mut files = match create_outputs(args) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let bar = len.map_or_else(ProgressBar::hidden, |n| {
        ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {bytes} of {total_bytes}, {msg}, {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    });
    bar.set_message(progress_message(0, Duration::ZERO));
    let reader = BufReader::with_capacity(1 << 20, bar.wrap_read(input));
    let mut out: Box<dyn Write + Send> = match args.output.map(File::create).transpose() {
        Ok(Some(f)) => Box::new(BufWriter::with_capacity(1 << 16, f)),
        Ok(None) => Box::new(BufWriter::with_capacity(1 << 16, io::stdout())),
        Err(e) => {
            discard(files);
            return bad(&format!("{}: {e}", named("--output", args.output)));
        }
    };
    let outputs = Outputs {
        format: args.format,
        save_states: files[0].is_some(),
        rejects: files[1].is_some(),
        zone: policy.zone(),
    };
    let [states, rejects] = &mut files;
    let streamed = assess_stream(
        reader,
        &policy,
        at,
        outputs,
        &bar,
        &mut out,
        states
            .as_mut()
            .map(|s| &mut s.file as &mut (dyn Write + Send)),
        rejects
            .as_mut()
            .map(|r| &mut r.file as &mut (dyn Write + Send)),
    );
    bar.finish_and_clear();
    let streamed = streamed.and_then(|summary| {
        match args.format {
            Format::Table => totals_row(&mut out, &summary)
                .and_then(|()| summary.write(&mut out))
                .and_then(|()| out.flush())
                .map_err(Fail::Stdout)?,
            Format::Jsonl | Format::Parquet => {
                out.flush().map_err(Fail::Stdout)?;
                summary.write(&mut io::stderr()).map_err(Fail::Stderr)?;
            }
        }
        Ok(summary)
    });
    match streamed {
        Ok(summary) => finish(args, &summary, files),
        Err(fail) => {
            discard(files);
            failed(args, fail)
        }
    }
}

/// Lines per unit of work: large enough that the channels cost nothing, small
/// enough that memory stays flat (a few chunks are in flight at once).
const CHUNK_LINES: usize = 256;

/// Bytes per unit of work, at most (a chunk closes at the line that passes it).
const CHUNK_BYTES: usize = 4 << 20;

/// The room for one output row a chunk's rows buffer starts with.
const ROW_BYTES_HINT: usize = 2048;

/// The room a chunk's buffer starts with: a chunk of stored states, so that it
/// seldom grows.
const CHUNK_BYTES_HINT: usize = 256 << 10;

/// A line that could not be read: why, and its bytes (without the newline)
/// unless it was too long to keep.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Unread {
    pub(crate) why: String,
    raw: Option<Vec<u8>>,
}

/// A run of input lines.
struct Chunk {
    seq: u64,
    first_line: u64,
    /// The text of the lines that could be read, one after the other: one
    /// buffer for the chunk, not one allocation per line.
    text: String,
    /// Each line (its bytes in `text`), or why it could not be read (too long,
    /// not UTF-8).
    lines: Vec<Result<std::ops::Range<usize>, Unread>>,
}

/// What a worker made of a chunk: output rows, stored states, rejects, error
/// lines, counts.
struct Done {
    seq: u64,
    rows: Vec<u8>,
    /// Lines for `--save-states`.
    states: Vec<u8>,
    /// Lines for `--rejects`.
    rejects: Vec<u8>,
    errors: String,
    summary: Summary,
}

/// The line without its line end.
fn unterminated(text: &str) -> &str {
    text.strip_suffix('\n').unwrap_or(text)
}

/// Reports a line that is skipped whole: on standard error, in `--rejects`
/// (with its raw text), and keeps it as it was for `--save-states`, so that
/// nothing is lost: the next run reports it again until it is fixed.
fn skip_line(
    done: &mut Done,
    outputs: Outputs,
    line: u64,
    code: &str,
    message: &str,
    raw: Option<&[u8]>,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let _ = writeln!(done.errors, "line {line}: {message}");
    done.summary.skipped_lines += 1;
    if outputs.rejects {
        serde_json::to_writer(
            &mut done.rejects,
            &UnreadRow {
                line,
                code,
                message,
                raw: raw.map(String::from_utf8_lossy),
            },
        )?;
        done.rejects.push(b'\n');
    }
    if outputs.save_states {
        match raw {
            Some(raw) => {
                done.states.extend_from_slice(raw);
                done.states.push(b'\n');
            }
            None => done.summary.unkept_lines += 1,
        }
    }
    Ok(())
}

/// Replays and assesses one line, writing its rows, rejects and errors.
fn assess_line(
    raw: &str,
    line_no: u64,
    assessors: &BookAssessor<'_>,
    outputs: Outputs,
    done: &mut Done,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let at = assessors.at();
    let raw = unterminated(raw);
    // The line, and its card's operator's policy (none: an error for this card).
    let parsed = FleetEntry::from_json(raw.trim())
        .and_then(|e| Ok((assessors.for_operator(e.operator())?, e)));
    let (assessor, entry) = match parsed {
        Ok(x) => x,
        Err(e) => {
            let message = e.to_string();
            return skip_line(
                done,
                outputs,
                line_no,
                e.code(),
                &message,
                Some(raw.as_bytes()),
            );
        }
    };
    let replayed = match entry.replay(assessor.policy(), at) {
        Ok(r) => r,
        Err((_, e)) => {
            let message = format!("{}: {e}", e.code());
            return skip_line(
                done,
                outputs,
                line_no,
                e.code(),
                &message,
                Some(raw.as_bytes()),
            );
        }
    };
    for r in &replayed.refused {
        let t = &entry.events[r.index];
        let when = format_instant(t.at, outputs.zone);
        let message = r.error.to_string();
        done.summary.refused_events += 1;
        if outputs.rejects {
            let iccid = r.iccid;
            serde_json::to_writer(
                &mut done.rejects,
                &RefusedRow {
                    line: line_no,
                    iccid: iccid.as_str(),
                    index: r.index,
                    at: &when,
                    event: &t.event,
                    code: r.error.code(),
                    message: &message,
                },
            )?;
            done.rejects.push(b'\n');
        } else {
            let _ = writeln!(
                done.errors,
                "line {line_no}: events[{}] ({} at {when}): {}: {message}",
                r.index,
                t.event.kind(),
                r.error.code()
            );
        }
    }
    done.summary.count_replay(&replayed);
    for card in replayed
        .replaced
        .iter()
        .chain(std::iter::once(&replayed.card))
    {
        match assessor.assess(card).and_then(|a| Ok((a, a.fees_due()?))) {
            Ok((a, fees)) => {
                done.summary.add(&a, fees);
                row(&mut done.rows, outputs.format, line_no, card, &a, fees)?;
            }
            Err(e) => {
                let message = format!("{}: {}: {e}", card.iccid(), e.code());
                let _ = writeln!(done.errors, "line {line_no}: {message}");
                done.summary.skipped_lines += 1;
                if outputs.rejects {
                    serde_json::to_writer(
                        &mut done.rejects,
                        &UnreadRow {
                            line: line_no,
                            code: e.code(),
                            message: &message,
                            raw: None,
                        },
                    )?;
                    done.rejects.push(b'\n');
                }
            }
        }
    }
    if outputs.save_states {
        for stored in entry.stored(replayed, at) {
            serde_json::to_writer(&mut done.states, &stored)?;
            done.states.push(b'\n');
        }
    }
    Ok(())
}

/// A worker: takes chunks until the reader is done, sends what it made of each.
fn work(
    work_rx: &Mutex<mpsc::Receiver<Chunk>>,
    done_tx: &mpsc::SyncSender<io::Result<Done>>,
    assessor: &BookAssessor<'_>,
    outputs: Outputs,
) {
    loop {
        let chunk = match work_rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = chunk else { return };
        let mut done = Done {
            seq: chunk.seq,
            // A stored card's row is 1 KiB, one with holds up to 2 KiB: room
            // for them all, so that the buffer does not grow (and copy) midway.
            rows: Vec::with_capacity(chunk.lines.len() * ROW_BYTES_HINT),
            states: Vec::new(),
            rejects: Vec::new(),
            errors: String::new(),
            summary: Summary::default(),
        };
        let mut result = Ok(());
        for (i, line) in chunk.lines.iter().enumerate() {
            let line_no = chunk.first_line + i as u64;
            result = match line {
                Ok(range) => {
                    let text = &chunk.text[range.clone()];
                    if text.trim().is_empty() {
                        Ok(())
                    } else {
                        assess_line(text, line_no, assessor, outputs, &mut done)
                    }
                }
                Err(unread) => skip_line(
                    &mut done,
                    outputs,
                    line_no,
                    iotcard::ErrorKind::InvalidInput.code(),
                    &unread.why,
                    unread.raw.as_deref(),
                ),
            };
            if result.is_err() {
                break;
            }
        }
        if done_tx.send(result.map(|()| done)).is_err() {
            return;
        }
    }
}

/// Reads the input in chunks of at most [`CHUNK_LINES`] lines or
/// [`CHUNK_BYTES`] bytes, and hands them to the workers.
fn read_chunks(reader: &mut impl BufRead, work_tx: &mpsc::SyncSender<Chunk>) -> io::Result<()> {
    let (mut seq, mut line_no) = (0u64, 0u64);
    loop {
        let mut lines = Vec::with_capacity(CHUNK_LINES);
        let mut buf = Vec::with_capacity(CHUNK_BYTES_HINT);
        while lines.len() < CHUNK_LINES && buf.len() < CHUNK_BYTES {
            let start = buf.len();
            match read_line_into(reader, MAX_LOG_JSON_BYTES, &mut buf)? {
                None => break,
                Some(Ok(())) => lines.push(Ok(start..buf.len())),
                Some(Err(unread)) => lines.push(Err(unread)),
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        let n = lines.len() as u64;
        let chunk = Chunk {
            seq,
            first_line: line_no + 1,
            text: chunk_text(buf, &mut lines),
            lines,
        };
        if work_tx.send(chunk).is_err() {
            return Ok(()); // the workers stopped: the writer has the error
        }
        seq += 1;
        line_no += n;
    }
}

/// The chunk's lines as text: checked as UTF-8 once, as a whole; only when that
/// fails, line by line, each line that is not UTF-8 becoming an [`Unread`] (with
/// its bytes) and the others kept.
fn chunk_text(buf: Vec<u8>, lines: &mut [Result<std::ops::Range<usize>, Unread>]) -> String {
    let buf = match String::from_utf8(buf) {
        Ok(text) => return text,
        Err(e) => e.into_bytes(),
    };
    let mut text = String::with_capacity(buf.len());
    for line in lines.iter_mut() {
        let Ok(range) = line else { continue };
        let bytes = &buf[range.clone()];
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                let start = text.len();
                text.push_str(s);
                *range = start..text.len();
            }
            Err(e) => {
                let mut raw = bytes.to_vec();
                if raw.last() == Some(&b'\n') {
                    raw.pop();
                }
                *line = Err(Unread {
                    why: format!("not UTF-8 ({e}); skipped"),
                    raw: Some(raw),
                });
            }
        }
    }
    text
}

/// Reads one line of at most `limit` bytes on its own: [`read_line_into`] and
/// [`chunk_text`] for one line (what `iotcard reconcile` reads its reports with).
/// A line that is not UTF-8 comes back with its bytes. `None` at the end.
pub(crate) fn read_line_bounded(
    reader: &mut impl BufRead,
    limit: usize,
) -> io::Result<Option<Result<String, Unread>>> {
    let mut buf = Vec::new();
    Ok(read_line_into(reader, limit, &mut buf)?.map(|line| {
        let mut lines = [line.map(|()| 0..buf.len())];
        let text = chunk_text(buf, &mut lines);
        let [line] = lines;
        line.map(|_| text)
    }))
}

/// Reads one line of at most `limit` bytes, appending it to `buf`. A longer line
/// is skipped to its end without being kept (memory stays bounded whatever the
/// input; `buf` is left as it was). `None` at the end.
fn read_line_into(
    reader: &mut impl BufRead,
    limit: usize,
    buf: &mut Vec<u8>,
) -> io::Result<Option<Result<(), Unread>>> {
    let start = buf.len();
    let n = reader
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if n > limit && buf.last() != Some(&b'\n') {
        buf.truncate(start);
        // Skip the rest of the line.
        loop {
            let available = reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            if let Some(i) = available.iter().position(|&b| b == b'\n') {
                reader.consume(i + 1);
                break;
            }
            let all = available.len();
            reader.consume(all);
        }
        return Ok(Some(Err(Unread {
            why: format!(
                "longer than the limit of {limit} bytes (iotcard::MAX_LOG_JSON_BYTES); skipped"
            ),
            raw: None,
        })));
    }
    Ok(Some(Ok(())))
}

/// Cards per second in words, for the progress bar: `1,234,567 cards, 540,000 a second`.
fn progress_message(cards: u64, elapsed: Duration) -> String {
    fn grouped(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
    let secs = elapsed.as_secs_f64();
    if secs < 0.5 {
        return format!("{} cards", grouped(cards));
    }
    // Cards per second, rounded to what a reader takes in.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let rate = (cards as f64 / secs) as u64;
    let rate = if rate >= 10_000 {
        rate / 1000 * 1000
    } else {
        rate
    };
    format!("{} cards, {} cards a second", grouped(cards), grouped(rate))
}

/// Reads the fleet in chunks, assesses them on every core, and writes the rows in
/// input order. Memory is bounded by the chunks in flight, whatever the fleet.
#[allow(clippy::too_many_arguments)]
fn assess_stream(
    mut reader: impl BufRead,
    policy: &PolicyBook,
    at: Instant,
    outputs: Outputs,
    bar: &ProgressBar,
    out: &mut (dyn Write + Send),
    mut states: Option<&mut (dyn Write + Send)>,
    mut rejects: Option<&mut (dyn Write + Send)>,
) -> Result<Summary, Fail> {
    if outputs.format == Format::Table {
        header(out).map_err(Fail::Stdout)?;
    }
    let assessor = policy
        .assessors(at)
        .map_err(|e| Fail::Input(io::Error::other(e)))?;
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers * 2);
    // The workers own the receiving end: if they all stop (the writer failed),
    // it is dropped and the reader's next send fails instead of blocking.
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<io::Result<Done>>(workers * 2);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (done_tx, work_rx, assessor) = (done_tx.clone(), Arc::clone(&work_rx), &assessor);
            scope.spawn(move || work(&work_rx, &done_tx, assessor, outputs));
        }
        drop((done_tx, work_rx));
        // The writer puts finished chunks back in input order.
        let writer = scope.spawn(move || -> Result<Summary, Fail> {
            let mut summary = Summary::default();
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            let start = std::time::Instant::now();
            let mut shown = start;
            let mut stderr = io::stderr();
            for done in done_rx {
                let done = done.map_err(Fail::Stdout)?;
                pending.insert(done.seq, done);
                while let Some(d) = pending.remove(&next) {
                    out.write_all(&d.rows).map_err(Fail::Stdout)?;
                    if let Some(w) = states.as_mut() {
                        w.write_all(&d.states).map_err(Fail::SaveStates)?;
                    }
                    if let Some(w) = rejects.as_mut() {
                        w.write_all(&d.rejects).map_err(Fail::Rejects)?;
                    }
                    if !d.errors.is_empty() {
                        bar.suspend(|| stderr.write_all(d.errors.as_bytes()))
                            .map_err(Fail::Stderr)?;
                    }
                    summary.merge(&d.summary);
                    next += 1;
                }
                if !bar.is_hidden() && shown.elapsed() >= Duration::from_millis(250) {
                    shown = std::time::Instant::now();
                    bar.set_message(progress_message(summary.cards, start.elapsed()));
                }
            }
            Ok(summary)
        });
        let read = read_chunks(&mut reader, &work_tx);
        drop(work_tx);
        let summary = writer
            .join()
            .map_err(|_| Fail::Stdout(io::Error::other("writer thread panicked")))??;
        read.map_err(Fail::Input)?;
        Ok(summary)
    })
}

#[cfg(test)]
mod tests {
    use super::{Duration, Yuan, chunk_text, progress_message, read_line_bounded, read_line_into};

    #[test]
    fn long_and_non_utf8_lines_are_skipped_to_their_end() {
        let mut input: &[u8] = b"short\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\xff\xfe\nlast";
        let (mut lines, mut buf) = (Vec::new(), Vec::new());
        loop {
            let start = buf.len();
            match read_line_into(&mut input, 10, &mut buf).expect("in memory") {
                None => break,
                Some(line) => lines.push(line.map(|()| start..buf.len())),
            }
        }
        let text = chunk_text(buf, &mut lines);
        assert_eq!(lines.len(), 4, "{lines:?}");
        let line = |i: usize| lines[i].as_ref().ok().map(|r| &text[r.clone()]);
        assert_eq!(line(0), Some("short\n"));
        let long = lines[1].as_ref().expect_err("too long");
        assert!(long.why.contains("longer than the limit of 10 bytes"));
        assert_eq!(long.raw, None);
        let bytes = lines[2].as_ref().expect_err("not UTF-8");
        assert!(bytes.why.contains("not UTF-8"));
        assert_eq!(bytes.raw.as_deref(), Some(&b"\xff\xfe"[..]));
        assert_eq!(line(3), Some("last"));
        // A chunk of UTF-8 lines is kept as it was read.
        let mut ok = vec![Ok(0..2), Ok(2..4)];
        assert_eq!(chunk_text(b"a\nb\n".to_vec(), &mut ok), "a\nb\n");
        // One line at a time, as `iotcard reconcile` reads.
        let mut input: &[u8] = b"one\n\xff\n";
        let one = read_line_bounded(&mut input, 10).expect("in memory");
        assert_eq!(one, Some(Ok("one\n".to_owned())));
        let bad = read_line_bounded(&mut input, 10).expect("in memory");
        let bad = bad.expect("a line").expect_err("not UTF-8");
        assert_eq!(bad.raw.as_deref(), Some(&b"\xff"[..]));
        assert_eq!(read_line_bounded(&mut input, 10).expect("in memory"), None);
    }

    #[test]
    fn money_and_rates_read_as_a_person_reads_them() {
        assert_eq!(Yuan(-5).to_string(), "-0.05");
        assert_eq!(Yuan(123_456).to_string(), "1234.56");
        assert_eq!(format!("{:>8}|", Yuan(100)), "    1.00|");
        assert_eq!(
            progress_message(1_234_567, Duration::from_secs(2)),
            "1,234,567 cards, 617,000 cards a second"
        );
        assert_eq!(
            progress_message(999, Duration::from_secs(1)),
            "999 cards, 999 cards a second"
        );
        assert_eq!(progress_message(12, Duration::from_millis(10)), "12 cards");
    }
}
