//! The `iotcard` command: run scenario files (`iotcard test`), assess a fleet
//! (`iotcard assess`), reconcile it with the operator's report (`iotcard
//! reconcile`), and generate example fleets (`iotcard generate`).
//!
//! Every rule lives in the `iotcard` crate; this binary reads files, calls it
//! and prints.

mod assess;
mod generate;
mod reconcile;
mod test;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

/// IoT SIM card lifecycle: holds, status, remedies, fees and what happens next.
///
/// Commands: `assess` (the daily billing run over a fleet file), `test` (run
/// scenario files), `generate` (write an example fleet). `iotcard help COMMAND`
/// tells more. Output closed early (`| head`): the command stops quietly with
/// status 141, as a Unix tool killed by SIGPIPE.
#[derive(Debug, Parser)]
#[command(name = "iotcard", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario files (files or folders of *.json); ends with `N passed, N failed`.
    ///
    /// Every file that did not pass counts as failed in that line, unreadable
    /// ones included. Exit status: 0 all passed, 1 some failed, 2 some input was
    /// unreadable or no scenario file was found.
    Test {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print every scenario, not only the failing ones.
        #[arg(short, long)]
        verbose: bool,
    },
    /// Assess a fleet at an instant: the daily billing run.
    ///
    /// The fleet is JSON Lines, a card per line: a new card and its event log
    /// (`{"card": {...}, "events": [...]}`) or a stored state and the events
    /// since (`{"state": {...}, "events": [...]}`).
    ///
    /// An event a card refuses is reported (standard error, or `--rejects`) and
    /// skipped: the card goes on with its other events, is assessed, counted and
    /// saved. A line that cannot be read is reported and skipped (copied as it
    /// was to `--save-states`).
    ///
    /// Exit status: 0 every line read (refused events included), 1 some lines
    /// could not be read (or their card not brought to `--at`), 2 bad arguments,
    /// unreadable input or output that could not be written (the files of
    /// `--save-states` and `--rejects` are then left as they were). When standard
    /// output is closed early (`| head`), the run stops quietly with status 141,
    /// as a Unix tool killed by SIGPIPE, leaving those files as they were.
    Assess {
        /// The fleet file (`-` for standard input).
        fleet: PathBuf,
        /// The instant to assess at (RFC 3339 with offset).
        #[arg(long)]
        at: String,
        /// Policy JSON file (fields to change from the default); the default policy otherwise.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Policy book JSON file: a default policy and one per operator; every card is
        /// assessed under its operator's policy (a card whose operator has none is skipped).
        #[arg(long, value_name = "FILE", conflicts_with = "policy")]
        policy_book: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also write every card's state at `--at` to FILE, as fleet lines
        /// (`{"state": ..., "events": [events after --at]}`) in input order: the
        /// next run's fleet once the new events are added. A skipped line is
        /// copied as it was. Written beside FILE and renamed over it at the end,
        /// so a run stopped at any moment leaves FILE as it was; FILE may be the
        /// fleet file itself.
        #[arg(long, value_name = "FILE")]
        save_states: Option<PathBuf>,
        /// Write each refused event and each line that could not be read to FILE,
        /// one JSON object a line (docs/json.md "Rejects line"). Refused events
        /// then no longer go to standard error (lines that could not be read still
        /// do). Written beside FILE and renamed over it at the end.
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
    },
    /// Reconcile a fleet with the operator's report (JSON Lines, one card per line:
    /// `iccid`, `at`, `operator` and the operator's own fields; docs/operators.md):
    /// each card is assessed at its report's instant under its operator's policy, and
    /// every disagreement is classified with the action for the billing team.
    ///
    /// Exit status: 0 every report and card reconciled, 1 some lines were skipped or
    /// some reports match no card, 2 unreadable input or output that could not be written.
    Reconcile {
        /// The fleet file (`-` for standard input).
        fleet: PathBuf,
        /// The operator report file.
        #[arg(long, value_name = "REPORT.jsonl")]
        report: PathBuf,
        /// The run's instant: events after it are not applied, reports after it are refused.
        #[arg(long)]
        at: String,
        /// Policy JSON file; the default policy otherwise.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Policy book JSON file: each card under its operator's policy.
        #[arg(long, value_name = "FILE", conflicts_with = "policy")]
        policy_book: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write a generated fleet (JSON Lines) to standard output.
    ///
    /// Cards with event logs that together show every hold and status.
    /// Deterministic for a seed.
    Generate {
        /// Number of cards.
        #[arg(long, default_value_t = 300)]
        cards: u64,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The instant the stories lead up to.
        #[arg(long, default_value = generate::EXAMPLE_AT)]
        at: String,
        /// Policy JSON file the stories are checked against; the default policy otherwise.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Write each card as a daily billing run holds it: its state stored at
        /// this instant plus the events after it (`{"state": ..., "events": ...}`).
        #[arg(long)]
        stored_until: Option<String>,
    },
}

/// Output format of `assess`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One aligned row per card (money in CNY, instants in the policy's time
    /// zone, the holds last), a totals row, then a summary.
    Table,
    /// One JSON object per card; the summary goes to standard error.
    Jsonl,
}

/// The exit status of a Unix tool whose output pipe was closed (128 + SIGPIPE),
/// as the shell reports a process killed by SIGPIPE.
pub(crate) const EXIT_BROKEN_PIPE: u8 = 141;

/// The end of a run whose output `what` could not be written: quietly with
/// [`EXIT_BROKEN_PIPE`] when the reader went away (`iotcard ... | head`), else
/// the error, naming the output, and status 2.
pub(crate) fn output_failed(what: &str, e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return ExitCode::from(EXIT_BROKEN_PIPE);
    }
    let _ = writeln!(std::io::stderr(), "iotcard: {what}: {e}");
    ExitCode::from(2)
}

/// The policy from `--policy FILE`, or the default policy.
pub(crate) fn load_policy(path: Option<&std::path::Path>) -> Result<iotcard::Policy, String> {
    let Some(path) = path else {
        return Ok(iotcard::Policy::default());
    };
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("--policy {}: {e}", path.display()))?;
    iotcard::Policy::from_json(&text).map_err(|e| format!("--policy {}: {e}", path.display()))
}

/// The policy book from `--policy-book FILE`, else a book of the one policy of
/// `--policy FILE` (or the default policy).
pub(crate) fn load_book(
    policy: Option<&std::path::Path>,
    book: Option<&std::path::Path>,
) -> Result<iotcard::PolicyBook, String> {
    let Some(path) = book else {
        return load_policy(policy).map(iotcard::PolicyBook::single);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--policy-book {}: {e}", path.display()))?;
    iotcard::PolicyBook::from_json(&text)
        .map_err(|e| format!("--policy-book {}: {e}", path.display()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Test { paths, verbose } => test::run(&paths, verbose),
        Command::Assess {
            fleet,
            at,
            policy,
            policy_book,
            format,
            save_states,
            rejects,
        } => assess::run(&assess::Args {
            fleet: &fleet,
            at: &at,
            policy: policy.as_deref(),
            policy_book: policy_book.as_deref(),
            format,
            save_states: save_states.as_deref(),
            rejects: rejects.as_deref(),
        }),
        Command::Reconcile {
            fleet,
            report,
            at,
            policy,
            policy_book,
            format,
        } => match load_book(policy.as_deref(), policy_book.as_deref()) {
            Ok(book) => reconcile::run(&fleet, &report, &at, &book, format),
            Err(e) => {
                eprintln!("iotcard: {e}");
                ExitCode::from(2)
            }
        },
        Command::Generate {
            cards,
            seed,
            at,
            policy,
            stored_until,
        } => match (
            iotcard::parse_instant("--at", &at).map_err(|e| e.to_string()),
            load_policy(policy.as_deref()),
            stored_until
                .map(|t| iotcard::parse_instant("--stored-until", &t))
                .transpose()
                .map_err(|e| e.to_string()),
        ) {
            (Ok(at), Ok(policy), Ok(until)) => generate::run(cards, seed, &policy, at, until),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                let _ = writeln!(std::io::stderr(), "iotcard: {e}");
                ExitCode::from(2)
            }
        },
    }
}
