//! The `iotcard` command, run as a user runs it.

mod common;

use common::{iotcard, root, text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const AT: &str = "2026-11-25T12:00:00+08:00";

#[test]
fn scenario_suite_passes_and_ends_with_the_count_line() {
    let out = iotcard(&["test", "tests/scenarios"], None);
    let stdout = text(&out.stdout);
    let last = stdout.lines().last().unwrap_or_default();
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
    let n: usize = last.split(' ').next().unwrap_or("0").parse().unwrap_or(0);
    assert!(n >= 30, "{last}");
}

#[test]
fn a_failing_scenario_names_step_field_expected_and_actual() {
    let dir = std::env::temp_dir().join(format!("iotcard-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let f = dir.join("fails.json");
    std::fs::write(
        &f,
        r#"{"name": "wrong on purpose", "card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                     "period": "month", "quota_bytes": 1, "monthly_fee": 0}},
            "steps": [{"at": "2026-01-02T00:00:00+08:00", "expect": {"status": "active"}}]}"#,
    )
    .expect("write");
    let out = iotcard(&["test", f.to_str().unwrap_or_default()], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(
            "wrong on purpose: step 0: status: expected \"active\", actual \"inventory\""
        ),
        "{stdout}"
    );
    assert!(
        stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{stdout}"
    );

    std::fs::write(&f, "{not json").expect("write");
    let out = iotcard(&["test", f.to_str().unwrap_or_default()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unreadable"),
        "{}",
        text(&out.stderr)
    );
    // The closing line counts the unreadable file as failed.
    assert!(
        text(&out.stdout).contains("0 passed, 1 failed (1 unreadable)"),
        "{}",
        text(&out.stdout)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unreadable_files_count_as_failed_beside_a_good_one() {
    let dir = std::env::temp_dir().join(format!("iotcard-cli-mixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let good = root().join("tests/scenarios/R3.1-charge-below-zero-puts-arrears.json");
    std::fs::copy(&good, dir.join("good.json")).expect("copy");
    std::fs::write(dir.join("bad1.json"), "{not json").expect("write");
    std::fs::write(
        dir.join("bad2.json"),
        r#"{"name": "x", "policy": {"nope": 1}}"#,
    )
    .expect("write");
    let out = iotcard(&["test", dir.to_str().unwrap_or_default()], None);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert_eq!(
        stdout.lines().last().unwrap_or_default(),
        "1 passed, 2 failed (2 unreadable)"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn no_scenario_file_found_is_exit_2() {
    let dir = std::env::temp_dir().join(format!("iotcard-cli-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    std::fs::write(dir.join("notes.txt"), "not a scenario").expect("write");
    let out = iotcard(&["test", dir.to_str().unwrap_or_default()], None);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        !text(&out.stdout).contains("0 failed"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stderr).contains("no scenario file"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn example_fleet_shows_every_hold_and_status() {
    let out = iotcard(
        &[
            "assess",
            "examples/fleet.jsonl",
            "--at",
            AT,
            "--policy",
            "examples/policy.json",
        ],
        None,
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let by_status = stdout
        .lines()
        .find(|l| l.starts_with("by status:"))
        .unwrap_or_default();
    let by_hold = stdout
        .lines()
        .find(|l| l.starts_with("by hold:"))
        .unwrap_or_default();
    for s in iotcard::Status::ALL {
        let count = by_status
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{s}=")))
            .and_then(|n| n.parse::<u64>().ok());
        assert!(count.is_some_and(|n| n > 0), "no {s}: {by_status}");
    }
    for h in iotcard::Hold::ALL {
        let count = by_hold
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix(&format!("{h}=")))
            .and_then(|n| n.parse::<u64>().ok());
        assert!(count.is_some_and(|n| n > 0), "no {h}: {by_hold}");
    }
}

#[test]
fn bad_lines_are_reported_with_their_number_and_skipped() {
    let fleet = std::fs::read_to_string(root().join("examples/fleet.jsonl")).expect("fleet");
    let mut lines: Vec<&str> = fleet.lines().take(3).collect();
    lines.insert(1, r#"{"card": {"iccid": "89860012345678901239"}}"#);
    let input = lines.join("\n");
    let out = iotcard(
        &["assess", "-", "--at", AT, "--format", "jsonl"],
        Some(&input),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 2: invalid input: entry.card.iccid"),
        "{stderr}"
    );
    assert!(stderr.contains("1 lines skipped"), "{stderr}");
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each row is JSON"))
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1]["line"], 3);
    assert!(
        rows.iter()
            .all(|r| r["status"].is_string() && r["iccid"].is_string())
    );
}

#[test]
fn unreadable_input_exits_2() {
    assert_eq!(
        iotcard(&["assess", "no/such/file", "--at", AT], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        iotcard(&["assess", "-", "--at", "yesterday"], Some(""))
            .status
            .code(),
        Some(2)
    );
    let out = iotcard(
        &["assess", "-", "--at", AT, "--policy", "Cargo.toml"],
        Some(""),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--policy"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn generate_is_deterministic_and_assessable() {
    let a = iotcard(&["generate", "--cards", "40", "--seed", "7"], None);
    let b = iotcard(&["generate", "--cards", "40", "--seed", "7"], None);
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    let out = iotcard(
        &["assess", "-", "--at", AT, "--format", "jsonl"],
        Some(&text(&a.stdout)),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // A replaced card adds a row for its successor.
    let rows = text(&out.stdout).lines().count();
    assert!((40..=45).contains(&rows), "{rows}");
}

/// The rows of `iotcard assess --format jsonl` without their line numbers.
fn rows_without_line(stdout: &[u8]) -> Vec<serde_json::Value> {
    text(stdout)
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).expect("each row is JSON");
            v.as_object_mut()
                .expect("a row is an object")
                .remove("line");
            v
        })
        .collect()
}

#[test]
fn stored_states_plus_the_days_events_assess_as_the_whole_log() {
    let policy = "examples/policy.json";
    let whole = iotcard(
        &[
            "generate", "--cards", "64", "--seed", "3", "--policy", policy,
        ],
        None,
    );
    // Stored three days before: the stories' last events fall after it.
    let stored = iotcard(
        &[
            "generate",
            "--cards",
            "64",
            "--seed",
            "3",
            "--policy",
            policy,
            "--stored-until",
            "2026-11-22T12:00:00+08:00",
        ],
        None,
    );
    assert!(whole.status.success() && stored.status.success());
    let stored_text = text(&stored.stdout);
    assert!(stored_text.lines().all(|l| l.starts_with(r#"{"state":"#)));
    assert!(
        stored_text.lines().any(|l| !l.ends_with(r#""events":[]}"#)),
        "no line carries events after the stored state"
    );
    let assess = |input: &str| {
        let out = iotcard(
            &[
                "assess", "-", "--at", AT, "--policy", policy, "--format", "jsonl",
            ],
            Some(input),
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        rows_without_line(&out.stdout)
    };
    let (a, b) = (assess(&text(&whole.stdout)), assess(&stored_text));
    assert!(a.len() >= 64);
    assert_eq!(a, b);
}

#[test]
fn bad_stored_state_lines_name_the_field() {
    let state = r#"{"version":1,"iccid":"89860012345678901238","msisdn":"1440012345678","auto_suspend":false,"balance":0,"plan":{"start":"2026-01-01T00:00:00+08:00","end":"2027-01-01T00:00:00+08:00","period":"month","quota_bytes":1,"monthly_fee":0},"imei":null,"activated_at":null,"terminal":null,"clock":"2026-03-01T00:00:00Z","holds":[],"period":null,"last_traffic":null,"maintenance_until":null,"retention":null,"replaced_by":null}"#;
    let card = r#"{"iccid":"89860012345678901238","msisdn":"1440012345678","plan":{"start":"2026-01-01T00:00:00+08:00","end":"2027-01-01T00:00:00+08:00","period":"month","quota_bytes":1,"monthly_fee":0}}"#;
    let lines = [
        format!(r#"{{"state":{state},"events":[]}}"#),
        format!(r#"{{"state":{state},"card":{card}}}"#),
        r#"{"events":[]}"#.to_owned(),
        format!(
            r#"{{"state":{}}}"#,
            state.replace(r#""version":1"#, r#""version":3"#)
        ),
        format!(
            r#"{{"state":{}}}"#,
            state.replace(
                r#""holds":[]"#,
                r#""holds":[{"hold":"lost","since":"2026-02-01T00:00:00Z"}]"#
            )
        ),
        format!(
            r#"{{"state":{state},"events":[{{"at":"2026-02-01T00:00:00Z","event":{{"type":"payment","amount":1}}}}]}}"#
        ),
    ];
    let out = iotcard(
        &["assess", "-", "--at", AT, "--format", "jsonl"],
        Some(&lines.join("\n")),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "line 2: invalid input: entry.state = {…}: a line has a \"card\" or a \"state\", not both",
        "line 3: invalid input: entry.card = (missing): a line needs a new \"card\" or a stored \"state\"",
        "line 4: invalid input: entry.state.version = 3",
        "line 5: invalid input: entry.state.activated_at",
        // Refused (before the stored clock), reported in the policy's zone; the card is kept.
        "line 6: events[0] (payment at 2026-02-01T08:00:00+08:00): out_of_order: out of order: \
         2026-02-01T08:00:00+08:00 is earlier than the card's last instant 2026-03-01T08:00:00+08:00",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    assert!(
        stderr.contains("1 events refused, 4 lines skipped"),
        "{stderr}"
    );
    assert_eq!(rows_without_line(&out.stdout).len(), 2);
}

#[test]
fn saved_states_plus_later_events_assess_as_the_whole_log() {
    let dir = std::env::temp_dir().join(format!("iotcard-save-states-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let states = dir.join("states.jsonl");
    let states_arg = states.to_str().expect("UTF-8 temp path");
    let policy = "examples/policy.json";
    // Yesterday's run saves the states; the example logs go on after it.
    let yesterday = "2026-11-22T00:00:00+08:00";
    let out = iotcard(
        &[
            "assess",
            "examples/fleet.jsonl",
            "--at",
            yesterday,
            "--policy",
            policy,
            "--format",
            "jsonl",
            "--save-states",
            states_arg,
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(&states).expect("states written");
    assert!(saved.lines().all(|l| l.starts_with(r#"{"state":"#)));
    assert!(
        saved.lines().any(|l| !l.ends_with(r#""events":[]}"#)),
        "the events after --at are kept"
    );
    let today = |fleet: &str| {
        let out = iotcard(
            &[
                "assess", fleet, "--at", AT, "--policy", policy, "--format", "jsonl",
            ],
            None,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        rows_without_line(&out.stdout)
    };
    let whole = today("examples/fleet.jsonl");
    assert!(whole.len() >= 320);
    assert_eq!(today(states_arg), whole);

    // A skipped line is kept as it was; the run still fails.
    let bad = r#"{"card": {"iccid": "1"}}"#;
    let fleet = std::fs::read_to_string(root().join("examples/fleet.jsonl")).expect("fleet");
    let input = format!("{}\n{bad}\n", fleet.lines().next().expect("a line"));
    let out = iotcard(
        &["assess", "-", "--at", AT, "--save-states", states_arg],
        Some(&input),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let saved = std::fs::read_to_string(&states).expect("states written");
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(lines.len(), 2, "{saved}");
    assert!(lines[0].starts_with(r#"{"state":"#));
    assert_eq!(lines[1], bad);

    // An unwritable path is refused before anything runs.
    let out = iotcard(
        &[
            "assess",
            "-",
            "--at",
            AT,
            "--save-states",
            "no/such/dir/s.jsonl",
        ],
        Some(""),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--save-states no/such/dir/s.jsonl"));
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn an_array_policy_or_nested_array_is_refused_naming_the_field() {
    let dir = std::env::temp_dir().join(format!("iotcard-cli-arrays-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let fleet = std::fs::read_to_string(root().join("examples/fleet.jsonl")).expect("fleet");
    let first = fleet.lines().next().expect("a line");
    for policy in [
        "[]",
        r#"["+08:00", 3, 99999]"#,
        r#"{"restricted_regions": {}}"#,
    ] {
        let file = dir.join("policy.json");
        std::fs::write(&file, policy).expect("write");
        let out = iotcard(
            &[
                "assess",
                "-",
                "--at",
                AT,
                "--policy",
                file.to_str().unwrap_or_default(),
            ],
            Some(first),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policy}: {stderr}");
        assert!(stderr.contains("policy"), "{policy}: {stderr}");
        if policy.starts_with('[') {
            assert!(
                stderr.contains("must be a JSON object"),
                "{policy}: {stderr}"
            );
        }
    }
    // A card whose plan is an array: the line is skipped, the field named.
    let line = r#"{"card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
        "plan": ["2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00", "month", 1, 0]}}"#
        .replace('\n', " ");
    let out = iotcard(&["assess", "-", "--at", AT], Some(&line));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("line 1: invalid input: entry.card.plan = […]: must be a JSON object"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The keys of a JSON object, sorted.
fn keys(v: &serde_json::Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
    k.sort();
    k
}

/// A temporary folder of its own for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iotcard-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

const NEW_CARD: &str = r#""card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
    "auto_suspend": true, "balance": 1000,
    "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
             "period": "month", "quota_bytes": 1048576, "monthly_fee": 0}}"#;

/// A fleet line of [`NEW_CARD`] and these `(at, event)` pairs, on one line.
fn new_card_line(events: &[(&str, &str)]) -> String {
    let events: Vec<String> = events
        .iter()
        .map(|(at, e)| format!(r#"{{"at": "{at}", "event": {e}}}"#))
        .collect();
    format!("{{{NEW_CARD}, \"events\": [{}]}}", events.join(", ")).replace('\n', " ")
}

const ACTIVATE: (&str, &str) = (
    "2026-01-02T09:00:00+08:00",
    r#"{"type": "activate", "imei": "490154203237518"}"#,
);

/// A line whose third event is refused (arrears, R1.1) and whose fourth comes
/// before the card's clock: both are reported and skipped, the card kept.
fn line_with_refused_events() -> String {
    new_card_line(&[
        ACTIVATE,
        (
            "2026-01-03T09:00:00+08:00",
            r#"{"type": "charge", "amount": 1500}"#,
        ),
        ("2026-01-04T09:00:00+08:00", r#"{"type": "manual_suspend"}"#),
        (
            "2026-01-02T08:00:00+08:00",
            r#"{"type": "payment", "amount": 100}"#,
        ),
        (
            "2026-01-05T09:00:00+08:00",
            r#"{"type": "payment", "amount": 200}"#,
        ),
    ])
}

#[test]
fn a_refused_event_is_reported_and_skipped_and_its_card_kept() {
    let line = line_with_refused_events();
    let out = iotcard(
        &["assess", "-", "--at", AT, "--format", "jsonl"],
        Some(&line),
    );
    let stderr = text(&out.stderr);
    // Every line was read: refused events are the feed's problem, not the run's.
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "line 1: events[2] (manual_suspend at 2026-01-04T09:00:00+08:00): \
             manual_suspend_not_allowed: "
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "line 1: events[3] (payment at 2026-01-02T08:00:00+08:00): out_of_order: out of order: \
             2026-01-02T08:00:00+08:00 is earlier than the card's last instant 2026-01-03T09:00:00+08:00"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("UTC"), "{stderr}");
    assert!(
        stderr.contains("1 cards assessed, 1 need action, 0 terminal (cancelled or replaced), 2 events refused, 0 lines skipped"),
        "{stderr}"
    );
    // The card is assessed with its other events: in arrears after the payment.
    let rows = rows_without_line(&out.stdout);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["balance"], -300);
    assert_eq!(rows[0]["holds"], serde_json::json!(["arrears"]));
    // ... and counted in the summary's holds.
    let table = iotcard(&["assess", "-", "--at", AT], Some(&line));
    assert!(
        text(&table.stdout).contains("arrears=1"),
        "{}",
        text(&table.stdout)
    );
}

#[test]
fn rejects_file_has_a_json_line_per_refused_event_and_unreadable_line() {
    let dir = temp_dir("rejects");
    let fleet = dir.join("fleet.jsonl");
    let (rejects, states) = (dir.join("rejects.jsonl"), dir.join("states.jsonl"));
    let good = std::fs::read_to_string(root().join("examples/fleet.jsonl")).expect("fleet");
    let good = good.lines().nth(1).expect("a line");
    let bad = r#"{"card": {"iccid": "1"}}"#;
    let mut input = Vec::new();
    for l in [good, &line_with_refused_events(), bad] {
        input.extend_from_slice(l.as_bytes());
        input.push(b'\n');
    }
    input.extend_from_slice(b"\xff\xfe not UTF-8\n");
    std::fs::write(&fleet, &input).expect("write");
    let arg = |p: &Path| p.to_str().expect("UTF-8 path").to_owned();
    let out = iotcard(
        &[
            "assess",
            &arg(&fleet),
            "--at",
            AT,
            "--format",
            "jsonl",
            "--rejects",
            &arg(&rejects),
            "--save-states",
            &arg(&states),
        ],
        None,
    );
    let stderr = text(&out.stderr);
    // Two lines could not be read: exit 1.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // Refused events go to the file, not to standard error; unreadable lines to both.
    assert!(!stderr.contains("events[2]"), "{stderr}");
    assert!(
        stderr.contains("line 3: invalid input: entry.card.iccid"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 events refused, 2 lines skipped"),
        "{stderr}"
    );
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .expect("rejects written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("each reject is JSON"))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(
        keys(&lines[0]),
        ["at", "code", "event", "iccid", "index", "line", "message"]
    );
    assert_eq!(lines[0]["line"], 2);
    assert_eq!(lines[0]["iccid"], "89860012345678901238");
    assert_eq!(lines[0]["index"], 2);
    assert_eq!(lines[0]["at"], "2026-01-04T09:00:00+08:00");
    assert_eq!(
        lines[0]["event"],
        serde_json::json!({"type": "manual_suspend"})
    );
    assert_eq!(lines[0]["code"], "manual_suspend_not_allowed");
    assert_eq!(lines[1]["index"], 3);
    assert_eq!(lines[1]["code"], "out_of_order");
    assert_eq!(
        lines[1]["event"],
        serde_json::json!({"type": "payment", "amount": 100})
    );
    assert!(
        lines[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("2026-01-02T08:00:00+08:00")),
        "{}",
        lines[1]
    );
    assert_eq!(keys(&lines[2]), ["code", "line", "message", "raw"]);
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[2]["code"], "invalid_input");
    assert_eq!(lines[2]["raw"], bad);
    assert_eq!(lines[3]["line"], 4);
    assert!(
        lines[3]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not UTF-8")),
        "{}",
        lines[3]
    );
    // The saved states: both cards' states, and the unreadable lines byte for byte.
    let saved = std::fs::read(&states).expect("states written");
    let saved: Vec<&[u8]> = saved.split(|&b| b == b'\n').collect();
    assert_eq!(saved.len(), 5, "four lines and the end");
    assert!(saved[0].starts_with(br#"{"state":"#));
    assert!(saved[1].starts_with(br#"{"state":"#));
    assert_eq!(saved[2], bad.as_bytes());
    assert_eq!(saved[3], b"\xff\xfe not UTF-8");
    // No file is left beside them.
    assert_eq!(
        names_in(&dir),
        ["fleet.jsonl", "rejects.jsonl", "states.jsonl"]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_clean_run_writes_an_empty_rejects_file() {
    let dir = temp_dir("clean-rejects");
    let rejects = dir.join("rejects.jsonl");
    std::fs::write(&rejects, "yesterday's\n").expect("write");
    let arg = |p: &Path| p.to_str().expect("UTF-8 path").to_owned();
    // A clean run writes an empty rejects file and exits 0.
    let out = iotcard(
        &[
            "assess",
            "examples/fleet.jsonl",
            "--at",
            AT,
            "--rejects",
            &arg(&rejects),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(&rejects).expect("rejects"), b"");
    // The same file for both is refused.
    let out = iotcard(
        &[
            "assess",
            "examples/fleet.jsonl",
            "--at",
            AT,
            "--rejects",
            &arg(&rejects),
            "--save-states",
            &arg(&rejects),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
}

/// The names of the files in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The saved states of a run over `fleet` (a path), written to `states`.
fn save_states(fleet: &str, states: &Path) -> Output {
    iotcard(
        &[
            "assess",
            fleet,
            "--at",
            AT,
            "--policy",
            "examples/policy.json",
            "--format",
            "jsonl",
            "--save-states",
            states.to_str().expect("UTF-8 path"),
        ],
        None,
    )
}

#[test]
fn save_states_to_the_input_path_is_safe() {
    let dir = temp_dir("same-path");
    let (fleet, other) = (dir.join("fleet.jsonl"), dir.join("other.jsonl"));
    std::fs::copy(root().join("examples/fleet.jsonl"), &fleet).expect("copy");
    let fleet_arg = fleet.to_str().expect("UTF-8 path");
    let out = save_states(fleet_arg, &other);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let same = save_states(fleet_arg, &fleet);
    assert!(same.status.success(), "{}", text(&same.stderr));
    assert_eq!(same.stdout, out.stdout, "the same rows");
    let expected = std::fs::read(&other).expect("states");
    assert!(expected.len() > 10_000);
    assert_eq!(std::fs::read(&fleet).expect("states"), expected);
    std::fs::remove_dir_all(&dir).ok();
}

/// The names of the `.tmp` files in `dir` (what a staged write leaves while it runs).
fn temp_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| Path::new(name).extension().is_some_and(|x| x == "tmp"))
        .collect()
}

#[test]
fn a_run_killed_mid_way_leaves_yesterdays_states_as_they_were() {
    let dir = temp_dir("killed");
    let states = dir.join("states.jsonl");
    // A big fleet, generated; yesterday's states, from a first run over it.
    let fleet = iotcard(
        &[
            "generate",
            "--cards",
            "3000",
            "--seed",
            "5",
            "--policy",
            "examples/policy.json",
        ],
        None,
    );
    assert!(fleet.status.success());
    let fleet_path = dir.join("fleet.jsonl");
    std::fs::write(&fleet_path, &fleet.stdout).expect("write");
    let first = save_states(fleet_path.to_str().expect("UTF-8"), &states);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let yesterday = std::fs::read(&states).expect("states");
    assert!(yesterday.len() > 1 << 20, "{}", yesterday.len());
    // Today's run reads the fleet from a pipe: half of it is sent, and once the
    // new states are being written the run is killed (SIGKILL).
    let mut child = Command::new(env!("CARGO_BIN_EXE_iotcard"))
        .args([
            "assess",
            "-",
            "--at",
            AT,
            "--policy",
            "examples/policy.json",
            "--format",
            "jsonl",
            "--save-states",
            states.to_str().expect("UTF-8"),
        ])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("iotcard runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let half = &fleet.stdout[..fleet.stdout.len() / 2];
    stdin.write_all(half).expect("send half the fleet");
    stdin.flush().expect("flush");
    let being_written = || {
        temp_files(&dir)
            .into_iter()
            .find(|name| std::fs::metadata(dir.join(name)).is_ok_and(|m| m.len() > 0))
    };
    // Waits for the run to have written part of the new states (not a timing
    // assertion: the bound only keeps a broken build from hanging the suite).
    let mut temp = None;
    for _ in 0..12_000 {
        temp = being_written();
        if temp.is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let temp = temp.expect("the run writes its states beside the target");
    assert!(temp.starts_with(".states.jsonl."), "{temp}");
    assert!(child.try_wait().expect("wait").is_none(), "still running");
    child.kill().expect("SIGKILL");
    let ended = child.wait().expect("ended");
    assert!(!ended.success());
    drop(stdin);
    assert!(
        std::fs::read(&states).expect("states") == yesterday,
        "yesterday's states changed"
    );
    // The killed run's temporary file is still there; the next run replaces it
    // and leaves none behind.
    assert!(dir.join(&temp).exists(), "{temp}");
    let next = save_states(fleet_path.to_str().expect("UTF-8"), &states);
    assert!(next.status.success(), "{}", text(&next.stderr));
    let left = temp_files(&dir);
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
    assert!(std::fs::read(&states).expect("states") == yesterday);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn need_action_leaves_out_terminal_cards_and_totals_count_a_replaced_balance_once() {
    let lost_and_replaced = new_card_line(&[
        ACTIVATE,
        ("2026-02-01T09:00:00+08:00", r#"{"type": "report_lost"}"#),
        (
            "2026-02-02T09:00:00+08:00",
            r#"{"type": "replace", "iccid": "89860012345678901246"}"#,
        ),
    ]);
    let cancelled = new_card_line(&[
        ACTIVATE,
        ("2026-02-01T09:00:00+08:00", r#"{"type": "cancel"}"#),
    ])
    .replace("89860012345678901238", "89860012345678901253");
    let input = format!("{lost_and_replaced}\n{cancelled}\n");
    let out = iotcard(&["assess", "-", "--at", AT], Some(&input));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    // Three cards: the replaced one, its replacement (active, may request a
    // refund: it needs action), the cancelled one (needs nothing).
    assert!(
        stdout.contains("3 cards assessed, 1 need action, 2 terminal (cancelled or replaced)"),
        "{stdout}"
    );
    let header = stdout.lines().next().expect("header");
    assert!(
        header.contains("BALANCE (CNY)") && header.contains("FEES DUE (CNY)"),
        "{header}"
    );
    // Each card has 10.00 CNY: the replacement carries the replaced card's balance,
    // so the totals count it once.
    let total = stdout
        .lines()
        .find(|l| l.starts_with("TOTAL"))
        .expect("a totals row");
    let numbers: Vec<&str> = total.split_whitespace().skip(1).take(2).collect();
    assert_eq!(numbers, ["20.00", "0.00"], "{total}");
    assert!(stdout.contains("totals: balance 20.00 CNY"), "{stdout}");
}

#[test]
fn many_holds_keep_the_table_aligned_and_instants_in_the_policys_zone() {
    let many = new_card_line(&[
        ACTIVATE,
        ("2026-01-03T09:00:00+08:00", r#"{"type": "manual_suspend"}"#),
        (
            "2026-01-04T09:00:00+08:00",
            r#"{"type": "usage", "bytes": 2097152, "imei": "356938035643809", "region": "65"}"#,
        ),
        (
            "2026-01-05T09:00:00+08:00",
            r#"{"type": "maintenance", "until": "2027-06-01T00:00:00+08:00"}"#,
        ),
        (
            "2026-01-06T09:00:00+08:00",
            r#"{"type": "charge", "amount": 5000}"#,
        ),
        ("2026-01-07T09:00:00+08:00", r#"{"type": "report_lost"}"#),
    ]);
    let few = std::fs::read_to_string(root().join("examples/fleet.jsonl")).expect("fleet");
    let input = format!(
        "{}\n{many}\n{}\n",
        few.lines().nth(2).expect("a line"),
        few.lines().nth(3).expect("a line")
    );
    let policy = root().join("examples/policy.json");
    let out = iotcard(
        &[
            "assess",
            "-",
            "--at",
            "2026-11-25T04:00:00Z",
            "--policy",
            policy.to_str().expect("UTF-8"),
        ],
        Some(&input),
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<&str> = stdout.lines().take_while(|l| !l.is_empty()).collect();
    assert_eq!(rows.len(), 5, "header, three cards, totals: {stdout}");
    let holds_at = rows[0].find("HOLDS").expect("a HOLDS column");
    let with_many = rows
        .iter()
        .find(|r| r.contains("lost"))
        .expect("the card with many holds");
    assert!(with_many[holds_at..].split(',').count() >= 5, "{with_many}");
    for r in &rows {
        // Every column before the holds ends at the same place.
        assert!(r.len() > holds_at && r.is_char_boundary(holds_at), "{r}");
        assert_eq!(&r[holds_at - 2..holds_at], "  ", "{r}");
        assert!(!r[holds_at..].starts_with(' '), "{r}");
        assert_eq!(&r[..holds_at].len(), &holds_at);
    }
    // Instants in the policy's zone (+08:00), though --at was given in UTC.
    let when: Vec<&str> = rows[1..4]
        .iter()
        .filter_map(|r| r.split_whitespace().nth(3))
        .filter(|w| w.contains('T'))
        .collect();
    assert!(!when.is_empty(), "{stdout}");
    assert!(when.iter().all(|w| w.ends_with("+08:00")), "{when:?}");
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_of_sigpipe() {
    // Far more output than a pipe holds (the scenario suite, 40 times over).
    let mut test = vec!["test", "--verbose"];
    test.extend(std::iter::repeat_n("tests/scenarios", 40));
    for args in [
        &["generate", "--cards", "3000"][..],
        &[
            "assess",
            "examples/fleet.jsonl",
            "--at",
            AT,
            "--format",
            "jsonl",
        ][..],
        &test[..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_iotcard"))
            .args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("iotcard runs");
        let mut first = [0u8; 1];
        std::io::Read::read_exact(child.stdout.as_mut().expect("stdout"), &mut first)
            .expect("some output");
        drop(child.stdout.take()); // `| head -c 1`
        let out = child.wait_with_output().expect("ends");
        assert_eq!(
            out.status.code(),
            Some(141),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert_eq!(text(&out.stderr), "", "{args:?}");
    }
}

#[test]
fn an_output_that_cannot_be_written_is_named() {
    let Ok(full) = std::fs::File::create("/dev/full") else {
        panic!("/dev/full is needed (Linux)");
    };
    let out = Command::new(env!("CARGO_BIN_EXE_iotcard"))
        .args(["assess", "examples/fleet.jsonl", "--at", AT])
        .current_dir(root())
        .stdout(full)
        .output()
        .expect("iotcard runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("iotcard: standard output: "), "{stderr}");
    assert!(!stderr.contains("fleet.jsonl"), "{stderr}");
}

#[test]
fn help_lists_every_command() {
    let out = iotcard(&["--help"], None);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in ["assess", "test", "generate"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "{command}: {help}"
        );
    }
    let assess = text(&iotcard(&["assess", "--help"], None).stdout);
    for option in ["--rejects", "--save-states", "141"] {
        assert!(assess.contains(option), "{option}: {assess}");
    }
}

/// R12.5 in the daily run: a payment delivered twice under one id counts once,
/// the summary says so, and the same id with other content is a refused event.
#[test]
fn a_feed_delivered_twice_counts_each_event_once() {
    let pay = (
        "2026-01-03T09:00:00+08:00",
        r#"{"type": "payment", "amount": 200, "id": "pay-1"}"#,
    );
    let twice = new_card_line(&[ACTIVATE, pay, pay]);
    let once = new_card_line(&[ACTIVATE, pay]);
    let run = |line: &str| {
        iotcard(
            &["assess", "-", "--at", AT, "--format", "jsonl"],
            Some(line),
        )
    };
    let (a, b) = (run(&twice), run(&once));
    assert_eq!(a.status.code(), Some(0), "{}", text(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    assert!(
        text(&a.stderr).contains("1 duplicate events ignored"),
        "{}",
        text(&a.stderr)
    );
    assert!(
        !text(&b.stderr).contains("duplicate"),
        "{}",
        text(&b.stderr)
    );
    let other = (
        "2026-01-03T09:00:00+08:00",
        r#"{"type": "payment", "amount": 300, "id": "pay-1"}"#,
    );
    let c = run(&new_card_line(&[ACTIVATE, pay, other]));
    assert_eq!(c.status.code(), Some(0), "{}", text(&c.stderr));
    assert_eq!(c.stdout, b.stdout);
    assert!(
        text(&c.stderr).contains("event_id_conflict"),
        "{}",
        text(&c.stderr)
    );
}
