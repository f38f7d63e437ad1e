//! `iotcard generate`: writes a seeded fleet (see `iotcard_fleetgen`).

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use iotcard::{Instant, Policy};

pub(crate) use iotcard_fleetgen::EXAMPLE_AT;

/// Writes `cards` cards of the fleet for `seed` leading up to `at`: each with its
/// whole event log, or with `stored_until`, its state stored then plus the
/// events after.
pub(crate) fn run(
    cards: u64,
    seed: u64,
    policy: &Policy,
    at: Instant,
    stored_until: Option<Instant>,
) -> ExitCode {
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    for n in 0..cards {
        let entries =
            iotcard_fleetgen::entry(policy, n, seed, at).and_then(|e| match stored_until {
                None => Some(vec![e]),
                Some(until) => iotcard_fleetgen::stored_at(policy, &e, until),
            });
        let Some(entries) = entries else {
            let _ = writeln!(io::stderr(), "iotcard: card {n} could not be generated");
            return ExitCode::from(2);
        };
        for e in &entries {
            if let Err(e) = writeln!(out, "{}", e.to_json()) {
                return crate::output_failed("standard output", &e);
            }
        }
    }
    if let Err(e) = out.flush() {
        return crate::output_failed("standard output", &e);
    }
    ExitCode::SUCCESS
}
