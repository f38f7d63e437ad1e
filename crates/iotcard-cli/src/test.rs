//! `iotcard test`: run scenario files.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Collects `*.json` files under `paths` (folders recursively), sorted.
fn collect(paths: &[PathBuf], out: &mut Vec<PathBuf>, unreadable: &mut Vec<String>) {
    for p in paths {
        if p.is_dir() {
            match std::fs::read_dir(p) {
                Ok(rd) => {
                    let mut inner: Vec<PathBuf> = rd
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|q| q.is_dir() || q.extension().is_some_and(|e| e == "json"))
                        .collect();
                    inner.sort();
                    collect(&inner, out, unreadable);
                }
                Err(e) => unreadable.push(format!("{}: {e}", p.display())),
            }
        } else {
            out.push(p.clone());
        }
    }
}

pub(crate) fn run(paths: &[PathBuf], verbose: bool) -> ExitCode {
    match run_to(&mut io::stdout().lock(), paths, verbose) {
        Ok(code) => code,
        Err(e) => crate::output_failed("standard output", &e),
    }
}

fn run_to(out: &mut dyn Write, paths: &[PathBuf], verbose: bool) -> io::Result<ExitCode> {
    let mut files = Vec::new();
    let mut unreadable = Vec::new();
    collect(paths, &mut files, &mut unreadable);
    let (mut passed, mut failed) = (0usize, 0usize);
    for f in &files {
        match run_file(f) {
            Ok(report) if report.passed() => {
                passed += 1;
                if verbose {
                    writeln!(out, "ok   {} ({})", report.name, f.display())?;
                }
            }
            Ok(report) => {
                failed += 1;
                writeln!(out, "FAIL {} ({})", report.name, f.display())?;
                write!(out, "{report}")?;
            }
            Err(e) => unreadable.push(format!("{}: {e}", f.display())),
        }
    }
    for u in &unreadable {
        let _ = writeln!(io::stderr(), "unreadable: {u}");
    }
    if files.is_empty() && unreadable.is_empty() {
        // No closing line: `0 passed, 0 failed` would read as a clean run.
        let _ = writeln!(
            io::stderr(),
            "iotcard test: no scenario file (*.json) found in the paths given"
        );
        return Ok(ExitCode::from(2));
    }
    // CI systems read this line: a file that could not be read did not pass.
    // Unreadable folders count too (one each).
    failed += unreadable.len();
    if unreadable.is_empty() {
        writeln!(out, "{passed} passed, {failed} failed")?;
    } else {
        writeln!(
            out,
            "{passed} passed, {failed} failed ({} unreadable)",
            unreadable.len()
        )?;
    }
    out.flush()?;
    Ok(if !unreadable.is_empty() {
        ExitCode::from(2)
    } else if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_file(f: &Path) -> Result<iotcard::scenario::Report, String> {
    let text = std::fs::read_to_string(f).map_err(|e| e.to_string())?;
    iotcard::scenario::run(&text).map_err(|e| e.to_string())
}
