//! `iotcard assess --policy-book` and `iotcard reconcile`, run as a user runs them.

mod common;

use common::{iotcard, root, text};

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
        stderr.contains("line 3: ") && stderr.contains("card.operator"),
        "{stderr}"
    );
}

/// The example (`examples/operator-report.jsonl`: OneLink reports for
/// `examples/fleet.jsonl` with a deliberate disagreement of every kind)
/// reconciles to `examples/operator-report.expected.txt`.
#[test]
fn reconcile_example_matches_its_expected_output() {
    let args = [
        "reconcile",
        "examples/fleet.jsonl",
        "--report",
        "examples/operator-report.jsonl",
        "--at",
        "2026-11-25T12:00:00+08:00",
        "--policy",
        "examples/policy.json",
    ];
    let out = iotcard(&args, None);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    let expected = std::fs::read_to_string(root().join("examples/operator-report.expected.txt"))
        .expect("expected output");
    assert_eq!(stdout, expected);
    for kind in iotcard::reconcile::Kind::ALL {
        assert!(
            stdout
                .lines()
                .any(|l| l.split_whitespace().any(|w| w == kind.name())),
            "the example shows no {kind}"
        );
    }
    // jsonl: one reconciliation per card, the summary on standard error.
    let mut jsonl = args.to_vec();
    jsonl.extend(["--format", "jsonl"]);
    let out = iotcard(&jsonl, None);
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 340, "{}", text(&out.stderr));
    let first: serde_json::Value =
        serde_json::from_str(stdout.lines().next().unwrap_or("{}")).expect("a JSON line");
    assert_eq!(first["disagreements"][0]["kind"], "activation_differs");
    assert!(text(&out.stderr).contains("340 cards reconciled"));
}

/// A malformed report line (a stopReason that is not 12 digits) is skipped with
/// an error naming the field; a report for no card of the fleet is named too.
#[test]
fn reconcile_names_bad_report_lines() {
    let dir = std::env::temp_dir().join(format!("iotcard-rec-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let report = dir.join("report.jsonl");
    std::fs::write(
        &report,
        concat!(
            r#"{"iccid": "8986000000000000093", "at": "2026-02-01T00:00:00+08:00", "operator": "china_mobile", "cardStatus": "4", "stopReason": "00002"}"#,
            "\n",
            r#"{"iccid": "8986030000000000006", "at": "2026-02-01T00:00:00+08:00", "operator": "china_telecom", "productMainStatusCd": "4"}"#,
            "\n",
        ),
    )
    .expect("write");
    let report = report.to_string_lossy().into_owned();
    let fleet = line("8986000000000000093");
    let args = [
        "reconcile",
        "-",
        "--report",
        &report,
        "--at",
        "2026-02-01T00:00:00+08:00",
    ];
    let out = iotcard(&args, Some(&fleet));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("report line 1: invalid_input") && stderr.contains("report.stopReason"),
        "{stderr}"
    );
    assert!(
        stderr.contains("report line 2: no card with ICCID 8986030000000000006"),
        "{stderr}"
    );
}
