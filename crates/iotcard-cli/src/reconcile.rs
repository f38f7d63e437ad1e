//! `iotcard reconcile`: the fleet beside the operator's report, card by card.
//! The report is indexed by ICCID (one entry per report line); the fleet is
//! streamed, so memory grows with the report, not the fleet.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

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
    let out = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, out.lock());
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

/// Streams the fleet, reconciling every card that has a report.
fn stream(
    fleet: &Path,
    book: &PolicyBook,
    format: Format,
    reports: &mut HashMap<Iccid, Report>,
    summary: &mut Summary,
    out: &mut dyn Write,
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
    let mut line = 0u64;
    while let Some(text) = read_line_bounded(&mut reader, MAX_LOG_JSON_BYTES)? {
        line += 1;
        let text = match text {
            Ok(t) => t,
            Err(why) => {
                eprintln!("line {line}: {}", why.why);
                summary.skipped += 1;
                continue;
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        let entry = match FleetEntry::from_json(text.trim()) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("line {line}: {}: {e}", e.code());
                summary.skipped += 1;
                continue;
            }
        };
        let mut any = false;
        for iccid in entry_iccids(&entry) {
            let Some(report) = reports.get_mut(&iccid) else {
                continue;
            };
            report.used = true;
            any = true;
            match reconcile_entry(book, &entry, &report.view) {
                Ok(r) => {
                    summary.cards += 1;
                    if r.agrees() {
                        summary.agree += 1;
                    }
                    for d in &r.disagreements {
                        summary.by_kind[d.kind as usize] += 1;
                    }
                    rows(out, format, line, &r)?;
                }
                Err(e) => {
                    eprintln!(
                        "line {line}: {} (report line {}): {}: {e}",
                        iccid.as_str(),
                        report.line,
                        e.code()
                    );
                    summary.skipped += 1;
                }
            }
        }
        if !any {
            summary.without_report += 1;
        }
    }
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
