//! The Parquet fleet path of `iotcard assess` against the JSON Lines path on
//! the same generated fleet, row for row.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use iotcard::parse_instant;
use iotcard_arrow::reexport::arrow_array::cast::AsArray;
use iotcard_arrow::reexport::arrow_array::types::{Int8Type, Int64Type, TimestampMillisecondType};
use iotcard_arrow::reexport::arrow_array::{Array, ArrayRef, RecordBatch};
use iotcard_arrow::{EventsReader, StatesReader, parquet_io};
use serde_json::Value;

const AT: &str = "2026-11-25T12:00:00+08:00";
const UNTIL: &str = "2026-11-20T00:00:00+08:00";
const CARDS: &str = "2000";

fn iotcard(args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_iotcard"))
        .args(args)
        .output()
        .expect("iotcard runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("iotcard-pq-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("tmp dir");
    d
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The same fleet twice: JSON Lines and Parquet (states + events beside).
fn fleet(d: &Path) -> (PathBuf, PathBuf) {
    let jsonl = d.join("fleet.jsonl");
    let out = iotcard(&["generate", "--cards", CARDS, "--stored-until", UNTIL]);
    std::fs::write(&jsonl, out.stdout).expect("write fleet");
    let pq = d.join("fleet.parquet");
    iotcard(&[
        "generate",
        "--cards",
        CARDS,
        "--stored-until",
        UNTIL,
        "--parquet",
        s(&pq),
    ]);
    (jsonl, pq)
}

fn batches(p: &Path) -> Vec<RecordBatch> {
    parquet_io::reader(p)
        .expect("parquet")
        .map(|b| b.expect("batch"))
        .collect()
}

fn json_rows(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json row"))
        .collect()
}

fn ms(v: &Value) -> Value {
    v.as_str().map_or(Value::Null, |t| {
        Value::from(parse_instant("t", t).expect("instant").unix_millis())
    })
}

/// Row `i` of an assessments column, as JSON.
fn cell(c: &ArrayRef, i: usize) -> Value {
    use iotcard_arrow::reexport::arrow_schema::DataType;
    if c.is_null(i) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Utf8 => Value::from(c.as_string::<i32>().value(i)),
        DataType::Dictionary(..) => {
            let d = c.as_dictionary::<Int8Type>();
            let k = d.keys().value(i) as usize;
            Value::from(d.values().as_string::<i32>().value(k))
        }
        DataType::Int64 => Value::from(c.as_primitive::<Int64Type>().value(i)),
        DataType::Timestamp(..) => {
            Value::from(c.as_primitive::<TimestampMillisecondType>().value(i))
        }
        DataType::Boolean => Value::from(c.as_boolean().value(i)),
        DataType::List(_) => {
            let l = c.as_list::<i32>().value(i);
            Value::Array((0..l.len()).map(|j| cell(&l, j)).collect())
        }
        DataType::Map(..) => {
            let m = c.as_map().value(i);
            let (keys, values) = (m.column(0).clone(), m.column(1).clone());
            Value::Object(
                (0..m.len())
                    .map(|j| {
                        (
                            cell(&keys, j).as_str().unwrap().to_owned(),
                            cell(&values, j),
                        )
                    })
                    .collect(),
            )
        }
        other => panic!("unexpected column type {other}"),
    }
}

/// The assessments column values the JSON row says.
fn expected(j: &Value, column: &str) -> Value {
    match column {
        "retention_ends" => ms(&j["retention_ends"]),
        "next_at" => ms(&j["next"]["at"]),
        "next_change" => j["next"]["change"].clone(),
        "can_manual_suspend" => j["can"]["manual_suspend"].clone(),
        "can_manual_resume" => j["can"]["manual_resume"].clone(),
        "can_renew" => j["can"]["renew"].clone(),
        "refund_eligible_to_request" => j["refund"]["eligible_to_request"].clone(),
        "refund_unused_months" => j["refund"]["unused_months"].clone(),
        "refund_estimate" => j["refund"]["estimate"].clone(),
        "error_code" | "error_message" => Value::Null,
        other => j[other].clone(),
    }
}

#[test]
fn parquet_assessments_agree_with_json_lines_row_for_row() {
    let d = dir("assess");
    let (jsonl, pq) = fleet(&d);
    let events = pq.with_extension("events.parquet");
    let json = iotcard(&["assess", s(&jsonl), "--at", AT, "--format", "jsonl"]);
    let rows = json_rows(&json.stdout);
    assert!(rows.len() >= 2000, "{}", rows.len());

    // Parquet in, JSON Lines out: the very same bytes.
    let same = iotcard(&[
        "assess",
        s(&pq),
        "--events",
        s(&events),
        "--at",
        AT,
        "--format",
        "jsonl",
    ]);
    assert!(
        same.stdout == json.stdout,
        "Parquet fleet, JSON Lines rows differ"
    );
    assert_eq!(same.stderr, json.stderr, "the summaries differ");

    // Parquet in, Parquet out: every column of every row.
    let out = d.join("assessments.parquet");
    iotcard(&[
        "assess",
        s(&pq),
        "--events",
        s(&events),
        "--at",
        AT,
        "--output",
        s(&out),
    ]);
    let mut i = 0;
    let mut statuses = std::collections::BTreeSet::new();
    for b in batches(&out) {
        assert_eq!(b.schema(), iotcard_arrow::assessments_schema());
        for r in 0..b.num_rows() {
            let j = &rows[i];
            for (c, name) in b.columns().iter().zip(iotcard_arrow::ASSESSMENT_COLUMNS) {
                let want = if name == "needs_action" {
                    cell(c, r) // not in the JSON row; checked against the core in iotcard-arrow
                } else {
                    expected(j, name)
                };
                assert_eq!(cell(c, r), want, "row {i} column {name}");
            }
            statuses.insert(cell(&b.column(2).clone(), r).to_string());
            i += 1;
        }
    }
    assert_eq!(i, rows.len());
    assert!(statuses.len() >= 5, "{statuses:?}");
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn parquet_saved_states_are_the_json_lines_saved_states() {
    let d = dir("save");
    let (jsonl, pq) = fleet(&d);
    let events = pq.with_extension("events.parquet");
    // Assess at an instant before some events, so that events are carried over.
    let at = "2026-11-22T00:00:00+08:00";
    let (sj, sp) = (d.join("next.jsonl"), d.join("next.parquet"));
    iotcard(&[
        "assess",
        s(&jsonl),
        "--at",
        at,
        "--format",
        "jsonl",
        "--save-states",
        s(&sj),
    ]);
    iotcard(&[
        "assess",
        s(&pq),
        "--events",
        s(&events),
        "--at",
        at,
        "--format",
        "jsonl",
        "--save-states",
        s(&sp),
    ]);
    let lines: Vec<iotcard::fleet::FleetEntry> = std::fs::read_to_string(&sj)
        .expect("saved")
        .lines()
        .map(|l| iotcard::fleet::FleetEntry::from_json(l).expect("entry"))
        .collect();
    let mut cards = Vec::new();
    for b in batches(&sp) {
        let r = StatesReader::new(&b).expect("states");
        cards.extend((0..r.len()).map(|i| r.card(i).expect("card")));
    }
    let mut later = Vec::new();
    for b in batches(&sp.with_extension("events.parquet")) {
        let r = EventsReader::new(&b).expect("events");
        later.extend((0..r.len()).map(|i| r.row(i).expect("event")));
    }
    assert_eq!(cards.len(), lines.len());
    let mut want_later = Vec::new();
    for (card, line) in cards.iter().zip(&lines) {
        let iotcard::fleet::Start::Stored(state) = &line.start else {
            panic!("a saved line is a stored state")
        };
        assert_eq!(card.to_json(), state.to_json());
        want_later.extend(line.events.iter().map(|e| (card.iccid(), e.clone())));
    }
    assert!(!want_later.is_empty(), "events after --at are carried over");
    assert_eq!(later, want_later);
    // The next run from either agrees.
    let next = "2026-11-26T00:00:00+08:00";
    let a = iotcard(&["assess", s(&sj), "--at", next, "--format", "jsonl"]);
    let b = iotcard(&[
        "assess",
        s(&sp),
        "--events",
        s(&sp.with_extension("events.parquet")),
        "--at",
        next,
        "--format",
        "jsonl",
    ]);
    assert!(a.stdout == b.stdout);
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_bad_row_is_reported_and_the_others_are_assessed() {
    let d = dir("bad");
    let (_, pq) = fleet(&d);
    // Events for a card that is not in the states table: reported, exit 1.
    let mut b = iotcard_arrow::EventsBuilder::default();
    let ghost = iotcard::Iccid::parse("89860012345678901238").expect("iccid");
    let e = iotcard::TimedEvent {
        at: parse_instant("at", UNTIL).expect("at"),
        event: iotcard::Event::from_json(r#"{"type": "payment", "amount": 5}"#).expect("event"),
        id: None,
    };
    b.push(&ghost, &e).expect("push");
    let ghosts = d.join("ghost.parquet");
    parquet_io::write_file(&ghosts, iotcard_arrow::events_schema(), &[b.finish()]).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_iotcard"))
        .args([
            "assess",
            s(&pq),
            "--events",
            s(&ghosts),
            "--at",
            AT,
            "--format",
            "jsonl",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("events for 89860012345678901238: no such card"),
        "{err}"
    );
    assert!(json_rows(&out.stdout).len() >= 2000);
    std::fs::remove_dir_all(&d).ok();
}
