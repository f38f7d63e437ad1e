//! The `iotcard` command, run as a user runs it.

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
        // The command may refuse its arguments and exit before reading stdin.
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
fn refused_event_in_a_log_names_the_event() {
    let line = r#"{"card": {"iccid": "89860012345678901238", "msisdn": "1440012345678",
        "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                 "period": "month", "quota_bytes": 1, "monthly_fee": 0}},
        "events": [{"at": "2026-01-02T00:00:00+08:00", "event": {"type": "manual_resume"}}]}"#
        .replace('\n', " ");
    let out = iotcard(&["assess", "-", "--at", AT], Some(&line));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("line 1: events[0] (manual_resume at"),
        "{stderr}"
    );
    assert!(stderr.contains("not_activated"), "{stderr}");
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
        "line 6: events[0] (payment at",
    ] {
        assert!(stderr.contains(expected), "{expected}\n{stderr}");
    }
    assert!(stderr.contains("5 lines skipped"), "{stderr}");
    assert_eq!(rows_without_line(&out.stdout).len(), 1);
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
