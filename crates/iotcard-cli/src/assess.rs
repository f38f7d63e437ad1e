//! `iotcard assess`: replay and assess a fleet file, streaming.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressStyle};
use iotcard::fleet::FleetEntry;
use iotcard::{Assessment, Card, Hold, Instant, Policy, Status, format_instant, parse_instant};

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

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

fn row(
    w: &mut dyn Write,
    format: Format,
    line: u64,
    card: &Card,
    a: &Assessment,
) -> io::Result<()> {
    match format {
        Format::Jsonl => {
            let mut v = a.to_json_value();
            if let Some(o) = v.as_object_mut() {
                o.insert("line".into(), line.into());
                o.insert("iccid".into(), card.iccid().as_str().into());
                o.insert("msisdn".into(), card.msisdn().as_str().into());
            }
            writeln!(w, "{v}")
        }
        Format::Table => {
            let holds: Vec<&str> = a.holds.iter().map(Hold::name).collect();
            let (next, when) = a.next.map_or(("-".to_owned(), "-".to_owned()), |n| {
                (n.change.to_string(), format_instant(n.at, a.timezone.0))
            });
            let fees = a.keep_number_fees.saturating_add(a.overage_charge);
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

fn open(path: &Path) -> io::Result<(Box<dyn Read>, Option<u64>)> {
    if path == Path::new("-") {
        Ok((Box::new(io::stdin().lock()), None))
    } else {
        let f = File::open(path)?;
        let len = f.metadata().ok().map(|m| m.len());
        Ok((Box::new(f), len))
    }
}

pub(crate) fn run(fleet: &Path, at: &str, policy: Option<&Path>, format: Format) -> ExitCode {
    let at: Instant = match parse_instant("--at", at) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("iotcard: {e}");
            return ExitCode::from(2);
        }
    };
    let policy = match crate::load_policy(policy) {
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
    let reader = BufReader::with_capacity(1 << 20, bar.wrap_read(input));
    let stdout = io::stdout().lock();
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    match assess_stream(reader, &policy, at, format, &mut out) {
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

fn assess_stream(
    mut reader: impl BufRead,
    policy: &Policy,
    at: Instant,
    format: Format,
    out: &mut dyn Write,
) -> io::Result<Summary> {
    let mut summary = Summary::default();
    if format == Format::Table {
        writeln!(
            out,
            "{:<20}  {:<10}  {:<32}  {:<16}  {:<25}  {:>12}  {:>10}",
            "ICCID", "STATUS", "HOLDS", "NEXT CHANGE", "WHEN", "BALANCE", "FEES DUE"
        )?;
    }
    let mut buf = String::new();
    let mut line_no = 0u64;
    loop {
        buf.clear();
        if reader.read_line(&mut buf)? == 0 {
            break;
        }
        line_no += 1;
        let text = buf.trim();
        if text.is_empty() {
            continue;
        }
        let entry = match FleetEntry::from_json(text) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("line {line_no}: {e}");
                summary.skipped_lines += 1;
                continue;
            }
        };
        let replayed = match entry.replay(policy, at) {
            Ok(r) => r,
            Err((i, e)) => {
                match entry.events.get(i) {
                    Some(ev) => eprintln!(
                        "line {line_no}: events[{i}] ({} at {}): {}: {e}",
                        ev.event.kind(),
                        ev.at.to_rfc3339(),
                        e.code()
                    ),
                    None => eprintln!("line {line_no}: {}: {e}", e.code()),
                }
                summary.skipped_lines += 1;
                continue;
            }
        };
        summary.later_events += replayed.later_events as u64;
        for card in replayed
            .replaced
            .iter()
            .chain(std::iter::once(&replayed.card))
        {
            match card.assess(policy, at) {
                Ok(a) => {
                    summary.add(&a);
                    row(out, format, line_no, card, &a)?;
                }
                Err(e) => {
                    eprintln!("line {line_no}: {}: {e}", e.code());
                    summary.skipped_lines += 1;
                }
            }
        }
    }
    Ok(summary)
}
