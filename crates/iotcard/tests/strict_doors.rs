//! Bad input that serde alone would accept: each door refuses it, naming the field.

use iotcard::fleet::FleetEntry;
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

const STATE: &str = include_str!("fixtures/card-state-v1.json");

/// `json` with the first `from` replaced by `to` (which must be there).
fn with(json: &str, from: &str, to: &str) -> String {
    assert!(json.contains(from), "{from} not in {json}");
    json.replacen(from, to, 1)
}

#[test]
fn an_array_in_place_of_a_nested_object_is_refused_naming_the_field() {
    let plan = r#"{"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
           "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}"#;
    let plan_array = r#"["2026-01-01T00:00:00+08:00", "2027-01-01T00:00:00+08:00",
           "month", 104857600, 1000]"#;
    let card_plan = with(CARD, plan, plan_array);
    let renew = format!(r#"{{"type": "renew", "plan": {plan_array}}}"#);
    let retention = r#"{"expired_at":"2026-05-31T16:00:00Z","fees_due":1,"fees_amount":500}"#;
    let retention_array = r#"["2026-05-31T16:00:00Z",1,500]"#;
    let line_card = r#"{"card": ["89860012345678901238", "1440012345678"], "events": []}"#;
    let activate = r#"{"type": "activate", "imei": "490154203237518"}"#;
    let line_event =
        format!(r#"{{"card": {CARD}, "events": [["2026-01-05T10:00:00+08:00", {activate}]]}}"#);
    let line_inner_event = format!(
        r#"{{"card": {CARD}, "events": [{{"at": "2026-01-05T10:00:00+08:00", "event": ["activate", "490154203237518"]}}]}}"#
    );
    let line_state = format!(
        r#"{{"state": {}}}"#,
        with(STATE, retention, retention_array)
    );
    let cases: Vec<(&str, Result<(), Error>)> = vec![
        ("card.plan", NewCard::from_json(&card_plan).map(drop)),
        ("event.plan", Event::from_json(&renew).map(drop)),
        (
            "state.plan",
            Card::from_json(&with(
                STATE,
                r#"{"start":"2025-12-31T16:00:00Z","end":"2026-05-31T16:00:00Z","period":"month","quota_bytes":104857600,"monthly_fee":1000}"#,
                r#"["2025-12-31T16:00:00Z","2026-05-31T16:00:00Z","month",104857600,1000]"#,
            ))
            .map(drop),
        ),
        (
            "state.holds[0]",
            Card::from_json(&with(
                STATE,
                r#"{"hold":"arrears","since":"2026-05-20T01:00:00Z"}"#,
                r#"["arrears","2026-05-20T01:00:00Z"]"#,
            ))
            .map(drop),
        ),
        (
            "state.period",
            Card::from_json(&with(
                STATE,
                r#"{"start":"2026-05-31T16:00:00Z","end":"2026-06-30T16:00:00Z","usage_bytes":1048576,"top_up_bytes":0}"#,
                r#"["2026-05-31T16:00:00Z","2026-06-30T16:00:00Z",1048576,0]"#,
            ))
            .map(drop),
        ),
        (
            "state.retention",
            Card::from_json(&with(STATE, retention, retention_array)).map(drop),
        ),
        ("entry.card", FleetEntry::from_json(line_card).map(drop)),
        ("entry.events[0]", FleetEntry::from_json(&line_event).map(drop)),
        (
            "entry.events[0].event",
            FleetEntry::from_json(&line_inner_event).map(drop),
        ),
        ("entry.state.retention", FleetEntry::from_json(&line_state).map(drop)),
    ];
    for (field, r) in cases {
        let e = r.expect_err(field);
        let (got, value, reason) = invalid(&e);
        assert_eq!(got, field, "{e}");
        assert_eq!(value, "[…]", "{e}");
        assert!(reason.contains("must be a JSON object"), "{e}");
    }
}

#[test]
fn a_scenario_refuses_an_array_for_its_policy_card_or_step() {
    let scenario = |policy: &str, card: &str, step: &str| {
        format!(r#"{{"name": "n", "policy": {policy}, "card": {card}, "steps": [{step}]}}"#)
    };
    let step = r#"{"at": "2026-01-05T10:00:00+08:00", "expect": {"status": "inventory"}}"#;
    let report = iotcard::scenario::run(&scenario("{}", CARD, step)).expect("a good scenario");
    assert!(report.passed(), "{report}");
    for (field, json) in [
        (
            "scenario.policy",
            scenario(r#"["+08:00", 3, 99999]"#, CARD, step),
        ),
        (
            "scenario.card",
            scenario("{}", r#"["89860012345678901238", "1440012345678"]"#, step),
        ),
        (
            "scenario.steps[0]",
            scenario(
                "{}",
                CARD,
                r#"["2026-01-05T10:00:00+08:00", null, null, {"status": "inventory"}]"#,
            ),
        ),
        (
            "scenario.steps[0].expect",
            scenario(
                "{}",
                CARD,
                &with(
                    step,
                    r#"{"status": "inventory"}"#,
                    r#"[["status", "inventory"]]"#,
                ),
            ),
        ),
    ] {
        let e = iotcard::scenario::parse(&json).expect_err(field);
        let (got, _, reason) = invalid(&e);
        assert_eq!(got, field, "{e}");
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

#[test]
fn an_impossible_stored_state_is_refused_naming_the_field() {
    Card::from_json(STATE).expect("the v1 fixture loads");
    let cases = [
        (
            "state.clock",
            r#""clock":"2026-06-19T16:00:00Z""#,
            r#""clock":"2026-01-01T00:00:00Z""#,
            "before state.activated_at",
        ),
        (
            "state.holds.arrears.since",
            r#""since":"2026-05-20T01:00:00Z""#,
            r#""since":"2026-07-01T00:00:00Z""#,
            "after state.clock",
        ),
        (
            "state.last_traffic",
            r#""last_traffic":"2026-06-15T04:00:00.250Z""#,
            r#""last_traffic":"2026-06-20T00:00:00Z""#,
            "after state.clock",
        ),
        (
            "state.last_traffic",
            r#""last_traffic":"2026-06-15T04:00:00.250Z""#,
            r#""last_traffic":"2026-01-05T01:59:59Z""#,
            "before state.activated_at",
        ),
        (
            "state.retention.expired_at",
            r#""expired_at":"2026-05-31T16:00:00Z""#,
            r#""expired_at":"2026-06-30T16:00:00Z""#,
            "after state.clock",
        ),
        (
            "state.replaced_by",
            r#""replaced_by":null"#,
            r#""replaced_by":"89860012345678901246""#,
            "terminal",
        ),
        (
            "state.clock",
            r#""clock":"2026-06-19T16:00:00Z""#,
            r#""clock":null"#,
            "state.activated_at is set",
        ),
    ];
    for (field, from, to, why) in cases {
        let e = Card::from_json(&with(STATE, from, to)).expect_err(to);
        let (got, _, reason) = invalid(&e);
        assert_eq!(got, field, "{to}: {e}");
        assert!(reason.contains(why), "{to}: {e}");
    }
}

#[test]
fn a_repeated_key_is_named_in_a_fleet_line_and_in_a_scenario_step() {
    let timed = r#"{"at": "2026-01-05T10:00:00+08:00", "at": "2026-01-06T10:00:00+08:00", "event": {"type": "cancel"}}"#;
    let line = format!(r#"{{"card": {CARD}, "events": [{timed}]}}"#);
    let e = FleetEntry::from_json(&line).expect_err("a repeated at");
    assert_eq!(invalid(&e).0, "entry.events[0].at", "{e}");
    // A step's event and expect are kept as JSON values until the step runs:
    // serde_json alone would keep the last of two keys.
    for (field, step) in [
        (
            "scenario.steps[0].event.type",
            r#"{"at": "2026-01-05T10:00:00+08:00", "event": {"type": "activate", "type": "cancel"}}"#,
        ),
        (
            "scenario.steps[0].expect.status",
            r#"{"at": "2026-01-05T10:00:00+08:00", "expect": {"status": "active", "status": "inventory"}}"#,
        ),
    ] {
        let json = format!(r#"{{"name": "n", "card": {CARD}, "steps": [{step}]}}"#);
        let e = iotcard::scenario::parse(&json).expect_err(step);
        let (got, value, reason) = invalid(&e);
        assert_eq!(got, field, "{e}");
        assert!(
            value.contains(field.rsplit('.').next().unwrap_or_default()),
            "{e}"
        );
        assert!(reason.contains("more than once"), "{e}");
    }
}
