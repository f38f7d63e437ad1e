//! Bad input that serde alone would accept: each door refuses it, naming the field.

use iotcard::{Card, Error, Event, NewCard, Plan, Policy};

const CARD: &str = r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678",
  "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
           "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}"#;

fn invalid(e: &Error) -> (&str, &str, &str) {
    match e {
        Error::InvalidInput {
            field,
            value,
            reason,
        } => (field, value, reason),
        other => panic!("expected invalid_input, got {other:?}"),
    }
}

#[test]
fn an_array_where_an_object_is_expected_is_refused_at_every_door() {
    let cases: [(&str, Result<(), Error>); 6] = [
        ("policy", Policy::from_json("[]").map(drop)),
        (
            "policy",
            Policy::from_json(r#"["+08:00", 3, 99999]"#).map(drop),
        ),
        ("card", NewCard::from_json(" [1, 2]").map(drop)),
        ("plan", Plan::from_json("[]").map(drop)),
        ("event", Event::from_json(r#"["charge", 100]"#).map(drop)),
        ("state", Card::from_json("[1]").map(drop)),
    ];
    for (what, r) in cases {
        let e = r.expect_err(what);
        let (field, _, reason) = invalid(&e);
        assert_eq!(field, what, "{e}");
        assert!(reason.contains("must be a JSON object"), "{e}");
    }
}

#[test]
fn a_repeated_key_is_named() {
    let e = Policy::from_json(r#"{"timezone": "+08:00", "timezone": "+08:00"}"#)
        .expect_err("duplicate key");
    let (field, value, reason) = invalid(&e);
    assert_eq!(field, "policy.timezone", "{e}");
    assert_eq!(value, "`timezone`", "{e}");
    assert!(reason.contains("more than once"), "{e}");

    let e = NewCard::from_json(&CARD.replacen(
        r#""period": "month""#,
        r#""period": "month", "period": "month""#,
        1,
    ))
    .expect_err("duplicate key in the plan");
    assert_eq!(invalid(&e).0, "card.plan.period", "{e}");
}

#[test]
fn a_good_object_still_parses() {
    NewCard::from_json(CARD).expect("a card");
    Policy::from_json("  {}").expect("the default policy");
}

#[test]
fn a_state_whose_clock_is_before_its_activation_is_refused() {
    let policy = Policy::default();
    let at = iotcard::parse_instant("at", "2026-01-05T10:00:00+08:00").expect("instant");
    let card = Card::new(&NewCard::from_json(CARD).expect("card"))
        .expect("new card")
        .apply(
            &policy,
            at,
            &Event::from_json(r#"{"type": "activate", "imei": "490154203237518"}"#).expect("event"),
        )
        .expect("activate")
        .card;
    let json = card.to_json();
    assert!(Card::from_json(&json).is_ok(), "{json}");
    let mut v: serde_json::Value = serde_json::from_str(&json).expect("state JSON");
    v["clock"] = serde_json::json!("2026-01-01T00:00:00Z");
    let e = Card::from_json(&v.to_string()).expect_err("clock before activation");
    let (field, value, reason) = invalid(&e);
    assert_eq!(field, "state.clock", "{e}");
    assert_eq!(value, "2026-01-01T00:00:00Z", "{e}");
    assert!(reason.contains("before state.activated_at"), "{e}");

    v["clock"] = serde_json::Value::Null;
    let e = Card::from_json(&v.to_string()).expect_err("no clock on an activated card");
    assert_eq!(invalid(&e).0, "state.clock", "{e}");
}
