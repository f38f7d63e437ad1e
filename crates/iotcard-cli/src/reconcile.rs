//! `iotcard reconcile`: the fleet beside the operator's report, card by card.
//! The report is indexed by ICCID (one entry per report line); the fleet is
//! streamed, so memory grows with the report, not the fleet.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, mpsc};

use iotcard::fleet::FleetEntry;
use iotcard::reconcile::{Kind, entry_iccids};
use iotcard::{
    Hold, Iccid, Instant, MAX_LOG_JSON_BYTES, OperatorView, PolicyBook, Reconciliation,
    decode_report, parse_instant, reconcile_entry,
};

use crate::Format;
use crate::assess::{open, read_line_bounded};

/// Counts for the summary.
#[derive(Default)]
struct Summary {
    cards: u64,
    agree: u64,
    by_kind: [u64; Kind::ALL.len()],
    without_report: u64,
    skipped: u64,
    unused_reports: u64,
}

impl Summary {
    fn merge(&mut self, o: &Summary) {
        self.cards += o.cards;
        self.agree += o.agree;
        for (a, b) in self.by_kind.iter_mut().zip(o.by_kind) {
            *a += b;
        }
        self.without_report += o.without_report;
        self.skipped += o.skipped;
        self.unused_reports += o.unused_reports;
    }

    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w)?;
        writeln!(
            w,
            "{} cards reconciled, {} agree, {} disagree, {} fleet cards without a report, {} reports without a card, {} skipped",
            self.cards,
            self.agree,
            self.cards - self.agree,
            self.without_report,
            self.unused_reports,
            self.skipped
        )?;
        write!(w, "by kind:")?;
        for k in Kind::ALL {
            write!(w, " {}={}", k, self.by_kind[*k as usize])?;
        }
        writeln!(w)
    }
}

/// A report line, decoded, and whether a fleet card used it.
struct Report {
    line: u64,
    view: OperatorView,
    used: bool,
}

fn holds_text(holds: impl Iterator<Item = Option<Hold>>) -> String {
    let names: Vec<&str> = holds
        .map(|h| h.map_or("operator_only", Hold::name))
        .collect();
    if names.is_empty() {
        "-".to_owned()
    } else {
        names.join(",")
    }
}

/// The rows of one reconciled card.
fn rows(w: &mut dyn Write, format: Format, line: u64, r: &Reconciliation) -> io::Result<()> {
    if format == Format::Jsonl {
        #[derive(serde::Serialize)]
        struct Row<'a> {
            line: u64,
            #[serde(flatten)]
            r: &'a Reconciliation,
        }
        serde_json::to_writer(&mut *w, &Row { line, r })?;
        return w.write_all(b"\n");
    }
    let ours = format!(
        "{} {}",
        r.library.status,
        holds_text(r.library.holds.iter().map(Some))
    );
    let theirs = format!(
        "{}={} {}{}",
        r.operator.platform,
        r.operator.operator_status,
        holds_text(r.operator.holds.iter().map(|h| h.hold)),
        if r.operator.uncertain {
            " (uncertain)"
        } else {
            ""
        }
    );
    if r.disagreements.is_empty() {
        return writeln!(
            w,
            "{:<20}  {:<28}  {:<40}  {:<24}  {:<18}  {:<24}  -",
            r.iccid.as_str(),
            ours,
            theirs,
            "agree",
            "-",
            "-"
        );
    }
    for d in &r.disagreements {
        writeln!(
            w,
            "{:<20}  {:<28}  {:<40}  {:<24}  {:<18}  {:<24}  {}",
            r.iccid.as_str(),
            ours,
            theirs,
            d.kind.name(),
            d.hold.map_or("-", Hold::name),
            d.action.name(),
            d.event.unwrap_or("-"),
        )?;
    }
    Ok(())
}

/// Reads and decodes the report file, indexed by ICCID.
fn read_reports(
    path: &Path,
    at: Instant,
    summary: &mut Summary,
    errors: &mut String,
) -> io::Result<HashMap<Iccid, Report>> {
    let (input, _) = open(path)?;
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut reports = HashMap::new();
    let mut line = 0u64;
    while let Some(text) = read_line_bounded(&mut reader, MAX_LOG_JSON_BYTES)? {
        line += 1;
        let text = match text {
            Ok(t) => t,
            Err(why) => {
                let _ = writeln!(errors, "report line {line}: {}", why.why);
                summary.skipped += 1;
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match decode_report(text.trim()) {
            Ok(view) if view.at > at => {
                let _ = writeln!(
                    errors,
                    "report line {line}: invalid_input: report.at {} is after --at",
                    view.at
                );
                summary.skipped += 1;
            }
            Ok(view) => {
                if let Some(first) = reports.get(&view.iccid).map(|r: &Report| r.line) {
                    let _ = writeln!(
                        errors,
                        "report line {line}: invalid_input: a second report for {} (line {first} kept)",
                        view.iccid.as_str()
                    );
                    summary.skipped += 1;
                } else {
                    reports.insert(
                        view.iccid,
                        Report {
                            line,
                            view,
                            used: false,
                        },
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(errors, "report line {line}: {}: {e}", e.code());
                summary.skipped += 1;
            }
        }
    }
    Ok(reports)
}

/// `iotcard reconcile FLEET --report REPORT --at T [--policy-book FILE]`.
pub(crate) fn run(
    fleet: &Path,
    report: &Path,
    at: &str,
    book: &PolicyBook,
    format: Format,
) -> ExitCode {
    let at = match parse_instant("--at", at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("iotcard: {e}");
            return ExitCode::from(2);
        }
    };
    let mut summary = Summary::default();
    let mut errors = String::new();
    let mut reports = match read_reports(report, at, &mut summary, &mut errors) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("iotcard: {}: {e}", report.display());
            return ExitCode::from(2);
        }
    };
    eprint!("{errors}");
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout());
    let result = stream(fleet, book, format, &mut reports, &mut summary, &mut out);
    if let Err(e) = result {
        eprintln!("iotcard: {}: {e}", fleet.display());
        return ExitCode::from(2);
    }
    let mut unused: Vec<&Report> = reports.values().filter(|r| !r.used).collect();
    unused.sort_by_key(|r| r.line);
    for r in unused {
        eprintln!(
            "report line {}: no card with ICCID {} in the fleet",
            r.line,
            r.view.iccid.as_str()
        );
        summary.unused_reports += 1;
    }
    let written = match format {
        Format::Table => summary.write(&mut out),
        Format::Jsonl => summary.write(&mut io::stderr()),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        eprintln!("iotcard: {e}");
        return ExitCode::from(2);
    }
    if summary.skipped > 0 || summary.unused_reports > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// What a worker made of a chunk of fleet lines.
#[derive(Default)]
struct Done {
    seq: u64,
    rows: Vec<u8>,
    errors: String,
    summary: Summary,
    used: Vec<Iccid>,
}

/// Reconciles one fleet line: every card of it that has a report.
fn reconcile_line(
    text: &str,
    line: u64,
    book: &PolicyBook,
    format: Format,
    reports: &HashMap<Iccid, Report>,
    done: &mut Done,
) -> io::Result<()> {
    let entry = match FleetEntry::from_json(text) {
        Ok(e) => e,
        Err(e) => {
            let _ = writeln!(done.errors, "line {line}: {}: {e}", e.code());
            done.summary.skipped += 1;
            return Ok(());
        }
    };
    let mut any = false;
    for iccid in entry_iccids(&entry) {
        let Some(report) = reports.get(&iccid) else {
            continue;
        };
        done.used.push(iccid);
        any = true;
        match reconcile_entry(book, &entry, &report.view) {
            Ok(r) => {
                done.summary.cards += 1;
                if r.agrees() {
                    done.summary.agree += 1;
                }
                for d in &r.disagreements {
                    done.summary.by_kind[d.kind as usize] += 1;
                }
                rows(&mut done.rows, format, line, &r)?;
            }
            Err(e) => {
                let _ = writeln!(
                    done.errors,
                    "line {line}: {} (report line {}): {}: {e}",
                    iccid.as_str(),
                    report.line,
                    e.code()
                );
                done.summary.skipped += 1;
            }
        }
    }
    if !any {
        done.summary.without_report += 1;
    }
    Ok(())
}

/// Lines per unit of work.
const CHUNK_LINES: usize = 256;

/// A run of fleet lines: its sequence number, first line number, and lines.
type Chunk = (u64, u64, Vec<Result<String, String>>);

/// A worker: takes chunks until the reader is done, sends what it made of each.
fn work(
    work_rx: &Mutex<mpsc::Receiver<Chunk>>,
    done_tx: &mpsc::SyncSender<io::Result<Done>>,
    book: &PolicyBook,
    format: Format,
    shared: &HashMap<Iccid, Report>,
) {
    loop {
        let chunk = match work_rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((seq, first, lines)) = chunk else {
            return;
        };
        let mut done = Done {
            seq,
            ..Done::default()
        };
        let mut result = Ok(());
        for (i, text) in lines.iter().enumerate() {
            let line = first + i as u64;
            match text {
                Err(why) => {
                    let _ = writeln!(done.errors, "line {line}: {why}");
                    done.summary.skipped += 1;
                }
                Ok(t) if t.trim().is_empty() => {}
                Ok(t) => {
                    result = reconcile_line(t.trim(), line, book, format, shared, &mut done);
                }
            }
            if result.is_err() {
                break;
            }
        }
        if done_tx.send(result.map(|()| done)).is_err() {
            return;
        }
    }
}

/// Reads the fleet in chunks of [`CHUNK_LINES`] lines for the workers.
fn read_chunks(reader: &mut impl io::BufRead, work_tx: &mpsc::SyncSender<Chunk>) -> io::Result<()> {
    let (mut seq, mut line) = (0u64, 0u64);
    loop {
        let mut lines = Vec::with_capacity(CHUNK_LINES);
        while lines.len() < CHUNK_LINES {
            match read_line_bounded(reader, MAX_LOG_JSON_BYTES)? {
                None => break,
                Some(l) => lines.push(l.map_err(|u| u.why)),
            }
        }
        if lines.is_empty() {
            return Ok(());
        }
        let n = lines.len() as u64;
        if work_tx.send((seq, line + 1, lines)).is_err() {
            return Ok(());
        }
        seq += 1;
        line += n;
    }
}

/// Streams the fleet in chunks, reconciles them on every core, and writes the
/// rows in input order; memory is bounded by the chunks in flight.
fn stream(
    fleet: &Path,
    book: &PolicyBook,
    format: Format,
    reports: &mut HashMap<Iccid, Report>,
    summary: &mut Summary,
    out: &mut (dyn Write + Send),
) -> io::Result<()> {
    let (input, _) = open(fleet)?;
    let mut reader = BufReader::with_capacity(1 << 20, input);
    if format == Format::Table {
        writeln!(
            out,
            "{:<20}  {:<28}  {:<40}  {:<24}  {:<18}  {:<24}  EVENT",
            "ICCID", "LIBRARY", "OPERATOR", "DISAGREEMENT", "HOLD", "ACTION"
        )?;
    }
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(workers * 2);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::sync_channel::<io::Result<Done>>(workers * 2);
    let shared: &HashMap<Iccid, Report> = reports;
    let (used, merged) = std::thread::scope(|scope| -> io::Result<_> {
        for _ in 0..workers {
            let (done_tx, work_rx) = (done_tx.clone(), Arc::clone(&work_rx));
            scope.spawn(move || work(&work_rx, &done_tx, book, format, shared));
        }
        drop((done_tx, work_rx));
        let writer = scope.spawn(move || -> io::Result<(Vec<Iccid>, Summary)> {
            let (mut used, mut merged) = (Vec::new(), Summary::default());
            let mut pending = std::collections::BTreeMap::new();
            let mut next = 0u64;
            for done in done_rx {
                let done = done?;
                pending.insert(done.seq, done);
                while let Some(d) = pending.remove(&next) {
                    out.write_all(&d.rows)?;
                    eprint!("{}", d.errors);
                    merged.merge(&d.summary);
                    used.extend(d.used);
                    next += 1;
                }
            }
            Ok((used, merged))
        });
        let read = read_chunks(&mut reader, &work_tx);
        drop(work_tx);
        let written = writer
            .join()
            .map_err(|_| io::Error::other("writer thread panicked"))??;
        read?;
        Ok(written)
    })?;
    for iccid in used {
        if let Some(r) = reports.get_mut(&iccid) {
            r.used = true;
        }
    }
    summary.merge(&merged);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::holds_text;
    use iotcard::Hold;

    #[test]
    fn holds_text_names_operator_only_stops() {
        assert_eq!(
            holds_text([Some(Hold::Arrears), None].into_iter()),
            "arrears,operator_only"
        );
        assert_eq!(holds_text(std::iter::empty()), "-");
    }
}
