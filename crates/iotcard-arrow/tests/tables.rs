//! The tables on a generated fleet: states round-trip exactly (through
//! Parquet too), and every assessment column says what the JSON assessment of
//! the same card says.

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use iotcard::{Card, Policy, parse_instant};
use iotcard_arrow::reexport::{arrow_array, parquet};
use iotcard_arrow::{AssessmentsBuilder, EventsBuilder, EventsReader, StatesBuilder, StatesReader};
use serde_json::Value;

const CARDS: u64 = 1000;

/// Every card of a generated fleet at a few instants of its life (states with
/// and without holds, retention, periods, terminal ones), and the fleet's events.
fn fleet() -> (Vec<Card>, Vec<(iotcard::Iccid, iotcard::TimedEvent)>) {
    let policy = Policy::default();
    let at = parse_instant("at", iotcard_fleetgen::EXAMPLE_AT).unwrap();
    let mut cards = Vec::new();
    let mut events = Vec::new();
    for n in 0..CARDS {
        let e = iotcard_fleetgen::entry(&policy, n, 7, at).expect("generated");
        let iccid = match &e.start {
            iotcard::fleet::Start::New(c) => c.iccid,
            iotcard::fleet::Start::Stored(c) => c.iccid(),
        };
        events.extend(e.events.iter().map(|t| (iccid, t.clone())));
        for until in ["2025-06-01T00:00:00+08:00", "2026-06-01T00:00:00+08:00"] {
            let until = parse_instant("until", until).unwrap();
            if let Ok(r) = e.replay(&policy, until) {
                cards.extend(r.replaced);
                cards.push(r.card);
            }
        }
        let r = e.replay(&policy, at).expect("replays");
        cards.extend(r.replaced);
        cards.push(r.card);
    }
    (cards, events)
}

fn through_parquet(batch: &RecordBatch) -> Vec<RecordBatch> {
    let mut buf = Vec::new();
    let mut w = iotcard_arrow::parquet_io::writer(&mut buf, batch.schema()).unwrap();
    w.write(batch).unwrap();
    w.close().unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes(buf))
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn bytes(v: Vec<u8>) -> bytes::Bytes {
    v.into()
}

#[test]
fn states_round_trip_exactly_through_parquet() {
    let (cards, _) = fleet();
    let mut b = StatesBuilder::default();
    for c in &cards {
        b.push(c).unwrap();
    }
    let batch = b.finish();
    assert_eq!(batch.schema(), iotcard_arrow::states_schema());
    let holds = cards.iter().filter(|c| !c.holds().is_empty()).count();
    assert!(holds > 30, "the fleet has cards with holds: {holds}");
    let mut back = Vec::new();
    for batch in through_parquet(&batch) {
        let r = StatesReader::new(&batch).unwrap();
        for i in 0..r.len() {
            back.push(r.card(i).unwrap());
        }
    }
    assert_eq!(back.len(), cards.len());
    for (a, b) in cards.iter().zip(&back) {
        assert_eq!(a, b);
        assert_eq!(a.to_json(), b.to_json());
    }
}

#[test]
fn events_round_trip_exactly_through_parquet() {
    let (_, events) = fleet();
    let mut b = EventsBuilder::default();
    for (iccid, e) in &events {
        b.push(iccid, e).unwrap();
    }
    let mut back = Vec::new();
    for batch in through_parquet(&b.finish()) {
        let r = EventsReader::new(&batch).unwrap();
        back.extend((0..r.len()).map(|i| r.row(i).unwrap()));
    }
    assert_eq!(back, events);
}

#[test]
fn a_bad_state_row_is_its_error_and_the_others_load() {
    let (cards, _) = fleet();
    let mut b = StatesBuilder::default();
    for c in &cards[..3] {
        b.push(c).unwrap();
    }
    let batch = b.finish();
    // Row 1's balance null: that row's error, naming the column.
    let i = batch.schema().index_of("balance").unwrap();
    let mut cols = batch.columns().to_vec();
    cols[i] = std::sync::Arc::new(arrow_array::Int64Array::from(vec![Some(1), None, Some(3)]));
    // Another tool's table, where the column may be null.
    let mut fields: Vec<_> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| (**f).clone())
        .collect();
    fields[i] = fields[i].clone().with_nullable(true);
    let schema = arrow_schema::Schema::new(fields);
    let batch = RecordBatch::try_new(std::sync::Arc::new(schema), cols).unwrap();
    let r = StatesReader::new(&batch).unwrap();
    assert!(r.card(0).is_ok() && r.card(2).is_ok());
    match r.card(1) {
        Err(iotcard::Error::InvalidInput { field, .. }) => assert_eq!(field, "states.balance"),
        other => panic!("{other:?}"),
    }
    // A missing column is the batch's error, naming it.
    let gone = batch.schema().index_of("auto_suspend").unwrap();
    let keep: Vec<usize> = (0..batch.num_columns()).filter(|c| *c != gone).collect();
    let batch = batch.project(&keep).unwrap();
    match StatesReader::new(&batch) {
        Err(iotcard::Error::InvalidInput { field, .. }) => assert_eq!(field, "states.auto_suspend"),
        other => panic!("{other:?}"),
    }
}

fn ms(v: &Value) -> Option<i64> {
    v.as_str()
        .map(|s| parse_instant("t", s).unwrap().unix_millis())
}

fn strings(col: &dyn Array, i: usize) -> Vec<String> {
    let l = col.as_list::<i32>().value(i);
    l.as_string::<i32>()
        .iter()
        .map(|s| s.unwrap().to_owned())
        .collect()
}

fn json_strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn assessment_columns_agree_with_the_json_assessment() {
    let (cards, _) = fleet();
    let policy = Policy::from_json(r#"{"auto_resume_on_payment": true}"#).unwrap();
    let at = parse_instant("at", "2026-12-01T00:00:00+08:00").unwrap();
    let assessor = iotcard::Assessor::new(&policy, at).unwrap();
    let mut b = AssessmentsBuilder::default();
    let results: Vec<_> = cards.iter().map(|c| assessor.assess(c)).collect();
    for (c, r) in cards.iter().zip(&results) {
        b.push(c.iccid().as_str(), c.msisdn().as_str(), r.as_ref());
    }
    let batch = b.finish();
    assert_eq!(batch.schema(), iotcard_arrow::assessments_schema());
    let col = |n: &str| batch.column_by_name(n).unwrap().clone();
    let i64s = |n: &str, i: usize| {
        let c = col(n);
        let c = c.as_primitive::<Int64Type>();
        (!c.is_null(i)).then(|| c.value(i))
    };
    let times = |n: &str, i: usize| {
        let c = col(n);
        let c = c.as_primitive::<TimestampMillisecondType>();
        (!c.is_null(i)).then(|| c.value(i))
    };
    let bools = |n: &str, i: usize| col(n).as_boolean().value(i);
    let string = |n: &str, i: usize| {
        let c = arrow_cast_utf8(&col(n));
        (!c.is_null(i)).then(|| c.value(i).to_owned())
    };
    let mut statuses = std::collections::BTreeSet::new();
    let mut with_remedies = 0;
    for (i, (card, r)) in cards.iter().zip(&results).enumerate() {
        let a = r.as_ref().expect("the generated cards assess");
        let j = a.to_json_value();
        assert_eq!(string("iccid", i).unwrap(), card.iccid().as_str());
        assert_eq!(string("msisdn", i).unwrap(), card.msisdn().as_str());
        assert_eq!(string("status", i).unwrap(), j["status"].as_str().unwrap());
        statuses.insert(string("status", i).unwrap());
        for n in ["holds", "barred", "call_restriction"] {
            assert_eq!(strings(&col(n), i), json_strings(&j[n]), "{n} row {i}");
        }
        for n in [
            "balance",
            "usage_bytes",
            "overage_bytes",
            "overage_charge",
            "keep_number_fees",
        ] {
            assert_eq!(i64s(n, i), j[n].as_i64(), "{n} row {i}");
        }
        assert_eq!(times("retention_ends", i), ms(&j["retention_ends"]));
        assert_eq!(times("next_at", i), ms(&j["next"]["at"]));
        assert_eq!(
            string("next_change", i).as_deref(),
            j["next"]["change"].as_str()
        );
        for n in ["manual_suspend", "manual_resume", "renew"] {
            assert_eq!(
                bools(&format!("can_{n}"), i),
                j["can"][n].as_bool().unwrap(),
                "{n}"
            );
        }
        let refund = &j["refund"];
        assert_eq!(
            bools("refund_eligible_to_request", i),
            refund["eligible_to_request"].as_bool().unwrap()
        );
        assert_eq!(
            i64s("refund_unused_months", i),
            refund["unused_months"].as_i64()
        );
        assert_eq!(i64s("refund_estimate", i), refund["estimate"].as_i64());
        let m = col("remedies");
        let m = m.as_map().value(i);
        let keys = m.column(0).as_string::<i32>();
        let values = m.column(1).as_string::<i32>();
        let got: serde_json::Map<String, Value> = (0..m.len())
            .map(|k| (keys.value(k).to_owned(), Value::from(values.value(k))))
            .collect();
        assert_eq!(Value::Object(got), j["remedies"], "remedies row {i}");
        with_remedies += usize::from(m.len() > 0);
        assert_eq!(bools("needs_action", i), a.needs_action());
        assert!(col("error_code").is_null(i) && col("error_message").is_null(i));
    }
    assert!(statuses.len() >= 5, "{statuses:?}");
    assert!(with_remedies > 30);
}

fn arrow_cast_utf8(a: &arrow_array::ArrayRef) -> arrow_array::StringArray {
    if a.data_type() == &arrow_schema::DataType::Utf8 {
        a.as_string::<i32>().clone()
    } else {
        {
            let d = a.as_dictionary::<arrow_array::types::Int8Type>();
            let values = d.values().as_string::<i32>();
            d.keys()
                .iter()
                .map(|k| k.map(|k| values.value(k as usize)))
                .collect()
        }
    }
}
