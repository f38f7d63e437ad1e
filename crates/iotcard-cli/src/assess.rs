//! `iotcard assess`: replay and assess a fleet file, streaming.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};

use indicatif::{ProgressBar, ProgressStyle};
use iotcard::fleet::FleetEntry;
use iotcard::{
    Assessment, BookAssessor, Card, Hold, Instant, MAX_LOG_JSON_BYTES, PolicyBook, Status,
    format_instant, parse_instant,
};

use crate::Format;

/// Counts for the summary: fixed size, so memory stays flat whatever the fleet.
#[derive(Default)]
struct Summary {
    cards: u64,
    by_status: [u64; Status::ALL.len()],
    by_hold: [u64; Hold::ALL.len()],
    needing_action: u64,
    skipped_lines: u64,
    later_events: u64,
}

impl Summary {
    fn add(&mut self, a: &Assessment) {
        self.cards += 1;
        self.by_status[a.status as usize] += 1;
        for h in a.holds.iter() {
            self.by_hold[h as usize] += 1;
        }
        if a.needs_action() {
            self.needing_action += 1;
        }
    }

    fn merge(&mut self, o: &Summary) {
        self.cards += o.cards;
        for (a, b) in self.by_status.iter_mut().zip(o.by_status) {
            *a += b;
        }
        for (a, b) in self.by_hold.iter_mut().zip(o.by_hold) {
            *a += b;
        }
        self.needing_action += o.needing_action;
        self.skipped_lines += o.skipped_lines;
        self.later_events += o.later_events;
    }

    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w)?;
        writeln!(
            w,
            "{} cards assessed, {} need action, {} lines skipped, {} events after --at not applied",
            self.cards, self.needing_action, self.skipped_lines, self.later_events
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

pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A `--format jsonl` row: where the card came from, then its assessment.
#[derive(serde::Serialize)]
struct JsonRow<'a> {
    line: u64,
    iccid: &'a str,
    msisdn: &'a str,
    #[serde(flatten)]
    assessment: &'a Assessment,
}

fn row(
    w: &mut Vec<u8>,
    format: Format,
    line: u64,
    card: &Card,
    a: &Assessment,
    fees: i64,
) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            let (iccid, msisdn) = (card.iccid(), card.msisdn());
            let row = JsonRow {
                line,
                iccid: iccid.as_str(),
                msisdn: msisdn.as_str(),
                assessment: a,
            };
            serde_json::to_writer(&mut *w, &row)?;
            w.write_all(b"\n")
        }
        Format::Table => {
            let holds: Vec<&str> = a.holds.iter().map(Hold::name).collect();
            let (next, when) = a.next.map_or(("-".to_owned(), "-".to_owned()), |n| {
                (n.change.to_string(), format_instant(n.at, a.timezone.0))
            });
            writeln!(
                w,
                "{:<20}  {:<10}  {:<32}  {:<16}  {:<25}  {:>12}  {:>10}",
                card.iccid(),
                a.status.name(),
                if holds.is_empty() {
                    "-".to_owned()
                } else {
                    holds.join(",")
                },
                next,
                when,
                yuan(a.balance),
                yuan(fees)
            )
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

/// What `iotcard assess` writes besides the summary.
#[derive(Clone, Copy)]
struct Outputs {
    format: Format,
    /// Whether each line's stored states go to `--save-states`.
    save_states: bool,
}

pub(crate) fn run(
    fleet: &Path,
    at: &str,
    policy: Option<&Path>,
    policy_book: Option<&Path>,
    format: Format,
    save_states: Option<&Path>,
) -> ExitCode {
    let at: Instant = match parse_instant("--at", at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("iotcard: {e}");
            return ExitCode::from(2);
        }
    };
    let policy = match crate::load_book(policy, policy_book) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("iotcard: {e}");
            return ExitCode::from(2);
        }
    };
    let (input, len) = match open(fleet) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("iotcard: {}: {e}", fleet.display());
            return ExitCode::from(2);
        }
    };
    let bar = len.map_or_else(ProgressBar::hidden, |n| {
        ProgressBar::new(n).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    });
    let mut states = match save_states.map(File::create).transpose() {
        Ok(f) => f.map(|f| BufWriter::with_capacity(1 << 16, f)),
        Err(e) => {
            let path = save_states.map_or_else(String::new, |p| p.display().to_string());
            eprintln!("iotcard: --save-states {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let reader = BufReader::with_capacity(1 << 20, bar.wrap_read(input));
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let outputs = Outputs {
        format,
        save_states: states.is_some(),
    };
    let streamed = assess_stream(
        reader,
        &policy,
        at,
        outputs,
        &mut out,
        states.as_mut().map(|w| w as &mut (dyn Write + Send)),
    );
    match streamed {
        Ok(summary) => {
            bar.finish_and_clear();
            let written = match format {
                Format::Table => summary.write(&mut out),
                Format::Jsonl => summary.write(&mut io::stderr()),
            };
            if let Err(e) = written.and_then(|()| out.flush()) {
                eprintln!("iotcard: {e}");
                return ExitCode::from(2);
            }
            if let Some(Err(e)) = states.as_mut().map(Write::flush) {
                let path = save_states.map_or_else(String::new, |p| p.display().to_string());
                eprintln!("iotcard: --save-states {path}: {e}");
                return ExitCode::from(2);
            }
            if summary.skipped_lines > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            bar.finish_and_clear();
            eprintln!("iotcard: {}: {e}", fleet.display());
            ExitCode::from(2)
        }
    }
}

/// Lines per unit of work: large enough that the channels cost nothing, small
/// enough that memory stays flat (a few chunks are in flight at once).
const CHUNK_LINES: usize = 256;

/// Bytes per unit of work, at most (a chunk closes at the line that passes it).
const CHUNK_BYTES: usize = 4 << 20;

/// A run of input lines.
struct Chunk {
    seq: u64,
    first_line: u64,
    /// Each line, or why it could not be read (too long, not UTF-8).
    lines: Vec<Result<String, String>>,
}

/// What a worker made of a chunk: output rows, stored states, error lines, counts.
struct Done {
    seq: u64,
    rows: Vec<u8>,
    /// Lines for `--save-states`.
    states: Vec<u8>,
    errors: String,
    summary: Summary,
}

/// Replays and assesses one line, writing its rows and errors.
/// With `--save-states`, a skipped line is kept as it was, so that nothing is
/// lost: the next run reports it again until it is fixed.
fn assess_line(
    text: &str,
    line_no: u64,
    assessors: &BookAssessor<'_>,
    outputs: Outputs,
    done: &mut Done,
) -> io::Result<()> {
    use std::fmt::Write as _;
    let at = assessors.at();
    let entry = match FleetEntry::from_json(text) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(done.errors, "line {line_no}: {e}");
            done.summary.skipped_lines += 1;
            keep_as_is(text, outputs, done);
            return Ok(());
        }
    };
    // The card's operator's policy (--policy-book); none is an error for this card.
    let assessor = match assessors.for_operator(entry.operator()) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(done.errors, "line {line_no}: {}: {e}", e.code());
            done.summary.skipped_lines += 1;
            keep_as_is(text, outputs, done);
            return Ok(());
        }
    };
    let policy = assessor.policy();
    let replayed = match entry.replay(policy, at) {
        Ok(r) => r,
        Err((i, e)) => {
            let _ = match entry.events.get(i) {
                Some(ev) => writeln!(
                    done.errors,
                    "line {line_no}: events[{i}] ({} at {}): {}: {e}",
                    ev.event.kind(),
                    ev.at.to_rfc3339(),
                    e.code()
                ),
                None => writeln!(done.errors, "line {line_no}: {}: {e}", e.code()),
            };
            done.summary.skipped_lines += 1;
            keep_as_is(text, outputs, done);
            return Ok(());
        }
    };
    done.summary.later_events += replayed.later_events as u64;
    for card in replayed
        .replaced
        .iter()
        .chain(std::iter::once(&replayed.card))
    {
        match assessor.assess(card).and_then(|a| Ok((a, a.fees_due()?))) {
            Ok((a, fees)) => {
                done.summary.add(&a);
                row(&mut done.rows, outputs.format, line_no, card, &a, fees)?;
            }
            Err(e) => {
                let _ = writeln!(done.errors, "line {line_no}: {}: {e}", e.code());
                done.summary.skipped_lines += 1;
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

/// Keeps a skipped line for `--save-states`, as it was.
fn keep_as_is(text: &str, outputs: Outputs, done: &mut Done) {
    if outputs.save_states {
        done.states.extend_from_slice(text.as_bytes());
        done.states.push(b'\n');
    }
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
            rows: Vec::with_capacity(chunk.lines.len() * 128),
            states: Vec::new(),
            errors: String::new(),
            summary: Summary::default(),
        };
        let mut result = Ok(());
        for (i, line) in chunk.lines.iter().enumerate() {
            let line_no = chunk.first_line + i as u64;
            let text = match line {
                Ok(text) => text.trim(),
                Err(why) => {
                    use std::fmt::Write as _;
                    let _ = writeln!(done.errors, "line {line_no}: {why}");
                    done.summary.skipped_lines += 1;
                    continue;
                }
            };
            if !text.is_empty() {
                result = assess_line(text, line_no, assessor, outputs, &mut done);
                if result.is_err() {
                    break;
                }
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
        let mut bytes = 0;
        while lines.len() < CHUNK_LINES && bytes < CHUNK_BYTES {
            match read_line_bounded(reader, MAX_LOG_JSON_BYTES)? {
                None => break,
                Some(line) => {
                    bytes += line.as_ref().map_or(0, String::len);
                    lines.push(line);
                }
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        let n = lines.len() as u64;
        let chunk = Chunk {
            seq,
            first_line: line_no + 1,
            lines,
        };
        if work_tx.send(chunk).is_err() {
            return Ok(()); // the workers stopped: the writer has the error
        }
        seq += 1;
        line_no += n;
    }
}

/// Reads one line of at most `limit` bytes. A longer line is skipped to its end
/// without being kept (memory stays bounded whatever the input), and so is a
/// line that is not UTF-8: both come back as the reason. `None` at the end.
pub(crate) fn read_line_bounded(
    reader: &mut impl BufRead,
    limit: usize,
) -> io::Result<Option<Result<String, String>>> {
    let mut buf = Vec::new();
    let n = reader
        .by_ref()
        .take(limit as u64 + 1)
        .read_until(b'\n', &mut buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > limit && buf.last() != Some(&b'\n') {
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
        return Ok(Some(Err(format!(
            "longer than the limit of {limit} bytes (iotcard::MAX_LOG_JSON_BYTES); skipped"
        ))));
    }
    Ok(Some(
        String::from_utf8(buf).map_err(|e| format!("not UTF-8 ({e}); skipped")),
    ))
}

/// Reads the fleet in chunks, assesses them on every core, and writes the rows in
/// input order. Memory is bounded by the chunks in flight, whatever the fleet.
fn assess_stream(
    mut reader: impl BufRead,
    policy: &PolicyBook,
    at: Instant,
    outputs: Outputs,
    out: &mut (dyn Write + Send),
    mut states: Option<&mut (dyn Write + Send)>,
) -> io::Result<Summary> {
    if outputs.format == Format::Table {
        writeln!(
            out,
            "{:<20}  {:<10}  {:<32}  {:<16}  {:<25}  {:>12}  {:>10}",
            "ICCID", "STATUS", "HOLDS", "NEXT CHANGE", "WHEN", "BALANCE", "FEES DUE"
        )?;
    }
    let assessor = policy.assessors(at).map_err(io::Error::other)?;
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
        let writer = scope.spawn(move || -> io::Result<Summary> {
            let mut summary = Summary::default();
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            for done in done_rx {
                let done = done?;
                pending.insert(done.seq, done);
                while let Some(d) = pending.remove(&next) {
                    out.write_all(&d.rows)?;
                    if let Some(w) = states.as_mut() {
                        w.write_all(&d.states)
                            .map_err(|e| io::Error::new(e.kind(), format!("--save-states: {e}")))?;
                    }
                    eprint!("{}", d.errors);
                    summary.merge(&d.summary);
                    next += 1;
                }
            }
            Ok(summary)
        });
        let read = read_chunks(&mut reader, &work_tx);
        drop(work_tx);
        let summary = writer
            .join()
            .map_err(|_| io::Error::other("writer thread panicked"))?;
        read?;
        summary
    })
}

#[cfg(test)]
mod tests {
    use super::read_line_bounded;

    #[test]
    fn long_and_non_utf8_lines_are_skipped_to_their_end() {
        let mut input: &[u8] = b"short\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n\xff\xfe\nlast";
        let mut lines = Vec::new();
        while let Some(line) = read_line_bounded(&mut input, 10).expect("in memory") {
            lines.push(line);
        }
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert_eq!(lines[0].as_deref(), Ok("short\n"));
        assert!(
            lines[1]
                .as_ref()
                .is_err_and(|e| e.contains("longer than the limit of 10 bytes"))
        );
        assert!(lines[2].as_ref().is_err_and(|e| e.contains("not UTF-8")));
        assert_eq!(lines[3].as_deref(), Ok("last"));
    }
}
