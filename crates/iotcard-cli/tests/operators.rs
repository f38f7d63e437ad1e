//! `iotcard assess --policy-book` and `iotcard reconcile`, run as a user runs them.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn iotcard(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_iotcard"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("iotcard runs");
    if let Some(text) = stdin {
        match child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
        {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {e}"),
            _ => {}
        }
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("iotcard finishes")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A card (ICCID given) with 200 fen, activated on 2026-01-02.
fn line(iccid: &str) -> String {
    format!(
        r#"{{"card": {{"iccid": "{iccid}", "msisdn": "1440012345678", "balance": 200,
        "plan": {{"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
        "period": "month", "quota_bytes": 1048576, "monthly_fee": 0}}}},
        "events": [{{"at": "2026-01-02T00:00:00+08:00", "event": {{"type": "activate", "imei": "490154203237518"}}}}]}}"#
    )
    .replace('\n', " ")
}

/// Each card is assessed under its operator's policy; a card whose operator has
/// no policy (and the book no default) is skipped with an error naming
/// `card.operator`, and the others are still assessed.
#[test]
fn assess_uses_each_cards_operators_policy() {
    let dir = std::env::temp_dir().join(format!("iotcard-ops-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let book = dir.join("book.json");
    std::fs::write(
        &book,
        r#"{"operators": {"china_mobile": {"low_balance": 300}, "china_telecom": {}}}"#,
    )
    .expect("write");
    let fleet = [
        line("8986000000000000093"), // China Mobile: low_balance 300 > 200
        line("8986030000000000006"), // China Telecom: R3.3 off
        line("8986050000000000001"), // issuer 05: unknown operator, no default
    ]
    .join("\n");
    let book = book.to_string_lossy().into_owned();
    let args = [
        "assess",
        "-",
        "--at",
        "2026-02-01T00:00:00+08:00",
        "--policy-book",
        &book,
        "--format",
        "jsonl",
    ];
    let out = iotcard(&args, Some(&fleet));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(rows[0].contains(r#""low_balance""#), "{}", rows[0]);
    assert!(!rows[1].contains(r#""low_balance""#), "{}", rows[1]);
    assert!(
        stderr.contains("line 3: invalid_input") && stderr.contains("card.operator"),
        "{stderr}"
    );
}
