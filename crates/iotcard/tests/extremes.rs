//! Limits and extremes (issue 6): every input a billing system's upstream may
//! send at the edges gets a clear error or a correct answer, never a panic, a
//! wrapped number or an allocation the input asks for. The limits themselves
//! are in DESIGN.md ("Limits").

use iotcard::fleet::FleetEntry;
use iotcard::{
    Card, Error, Event, Instant, MAX_JSON_BYTES, MAX_LOG_JSON_BYTES, NewCard, Plan, Policy, Status,
    TimeZone, add_months, format_instant, parse_instant, scenario,
};

const MIN: Instant = Instant::MIN;
const MAX: Instant = Instant::MAX;
const IMEI: &str = "490154203237518";

fn at(s: &str) -> iotcard::Instant {
    parse_instant("at", s).expect("literal")
}

fn card_json(balance: i64, start: &str, end: &str, quota: u64, fee: i64) -> String {
    format!(
        r#"{{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": {balance},
            "auto_suspend": true,
            "plan": {{"start": "{start}", "end": "{end}", "period": "month",
                      "quota_bytes": {quota}, "monthly_fee": {fee}}}}}"#
    )
}

fn new_card(balance: i64) -> Card {
    let json = card_json(
        balance,
        "2026-01-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
        1024,
        1000,
    );
    Card::new(&NewCard::from_json(&json).expect("card")).expect("card")
}

fn activate() -> Event {
    Event::from_json(&format!(r#"{{"type": "activate", "imei": "{IMEI}"}}"#)).expect("event")
}

/// An active card with `balance`, activated on 2026-01-05.
fn active(policy: &Policy, balance: i64) -> Card {
    new_card(balance)
        .apply(policy, at("2026-01-05T10:00:00+08:00"), &activate())
        .expect("activation")
        .card
}

/// `result` is `invalid_input` naming `field`, and its message contains `part`.
#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(result: Result<T, Error>, field: &str, part: &str) {
    let e = result.expect_err("refused");
    assert_eq!(e.code(), "invalid_input", "{e}");
    let Error::InvalidInput { field: f, .. } = &e else {
        unreachable!()
    };
    assert_eq!(f, field, "{e}");
    assert!(e.to_string().contains(part), "{e} lacks {part:?}");
}

/// Applies `e` and checks that it is refused with `invalid_input` naming `field`
/// and leaves the card as it was.
#[track_caller]
fn assert_refused(policy: &Policy, card: &Card, when: &str, e: &Event, field: &str, part: &str) {
    let mut c = card.clone();
    let mut changes = Vec::new();
    assert_invalid(
        c.apply_in_place(policy, at(when), e, &mut changes),
        field,
        part,
    );
    assert_eq!(&c, card);
    assert_eq!(c.to_json(), card.to_json());
    assert!(changes.is_empty());
}

// ---------------------------------------------------------------- sizes

#[test]
fn json_longer_than_the_limit_is_refused_naming_the_limit() {
    let pad = |json: &str, len: usize| format!("{json}{}", " ".repeat(len - json.len()));
    // Exactly the limit is read; one byte more is refused before parsing.
    assert!(Policy::from_json(&pad("{}", MAX_JSON_BYTES)).is_ok());
    let long = pad("{}", MAX_JSON_BYTES + 1);
    assert_invalid(Policy::from_json(&long), "policy", "MAX_JSON_BYTES");
    assert_invalid(NewCard::from_json(&long), "card", "MAX_JSON_BYTES");
    assert_invalid(Event::from_json(&long), "event", "MAX_JSON_BYTES");
    assert_invalid(Card::from_json(&long), "state", "MAX_JSON_BYTES");
    assert_invalid(Plan::from_json(&long), "plan", "MAX_JSON_BYTES");
    // Fleet lines and scenario files may be longer (a million events).
    assert!(FleetEntry::from_json(&long).is_err_and(|e| !e.to_string().contains("MAX_")));
    let huge = pad("{}", MAX_LOG_JSON_BYTES + 1);
    assert_invalid(FleetEntry::from_json(&huge), "entry", "MAX_LOG_JSON_BYTES");
    assert_invalid(scenario::parse(&huge), "scenario", "MAX_LOG_JSON_BYTES");
}

#[test]
fn nesting_deeper_than_128_is_refused() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    for json in [
        format!(r#"{{"restricted_regions": {}}}"#, deep(200)),
        format!(r#"{{"type": "charge", "amount": {}}}"#, deep(200)),
        format!(r#"{{"credit_limit": {}}}"#, deep(100_000)),
    ] {
        let e = Policy::from_json(&json).expect_err("deep");
        assert_eq!(e.code(), "invalid_input", "{e}");
        let e = Event::from_json(&json).expect_err("deep");
        assert_eq!(e.code(), "invalid_input", "{e}");
    }
    let e = Event::from_json(&format!(r#"{{"type": "cancel", "x": {}}}"#, deep(127)))
        .expect_err("unknown field");
    assert!(e.to_string().contains("unknown field"), "{e}");
}

#[test]
fn restricted_regions_are_a_bit_set_whatever_the_list_length() {
    let list = vec!["\"65\""; 100_000].join(",");
    let p = Policy::from_json(&format!(r#"{{"restricted_regions": [{list}]}}"#)).expect("policy");
    assert_eq!(p.restricted_regions.iter().count(), 1);
}

#[test]
fn a_state_lists_each_hold_at_most_once() {
    let card = active(&Policy::default(), -1);
    let json = card.to_json();
    assert!(json.contains(r#""holds":[{"hold":"arrears""#), "{json}");
    let twice = json.replace(
        r#""holds":[{"hold":"arrears","since":"2026-01-05T02:00:00Z"}]"#,
        r#""holds":[{"hold":"arrears","since":"2026-01-05T02:00:00Z"},{"hold":"arrears","since":"2026-01-05T02:00:00Z"}]"#,
    );
    assert_ne!(twice, json);
    assert_invalid(Card::from_json(&twice), "state.holds", "listed twice");
}

// ---------------------------------------------------------------- money

#[test]
fn balances_near_i64_edges_give_an_error_never_a_wrap() {
    let p = Policy::default();
    let rich = active(&p, i64::MAX);
    let pay = Event::Payment { amount: 1 };
    assert_refused(
        &p,
        &rich,
        "2026-01-06T00:00:00+08:00",
        &pay,
        "event.amount",
        "i64::MAX",
    );
    let poor = active(&p, i64::MIN + 1);
    let charge = Event::Charge { amount: 2 };
    assert_refused(
        &p,
        &poor,
        "2026-01-06T00:00:00+08:00",
        &charge,
        "event.amount",
        "i64::MIN",
    );
    // Exactly to the edge is fine.
    let a = poor.apply(
        &p,
        at("2026-01-06T00:00:00+08:00"),
        &Event::Charge { amount: 1 },
    );
    assert_eq!(a.expect("to i64::MIN").card.balance(), i64::MIN);
    // Charges and payments of i64::MAX, and the largest credit limit.
    let p = Policy::from_json(&format!(r#"{{"credit_limit": {}}}"#, i64::MAX)).expect("policy");
    let c = active(&p, 0)
        .apply(
            &p,
            at("2026-01-06T00:00:00+08:00"),
            &Event::Charge { amount: i64::MAX },
        )
        .expect("within credit")
        .card;
    assert_eq!(c.balance(), -i64::MAX);
    assert!(c.holds().is_empty(), "{:?}", c.holds());
}

#[test]
fn fees_overage_and_refund_sums_overflow_into_errors() {
    // Keep-number fees: the second fee of i64::MAX overflows the retention's sum.
    let p = Policy::from_json(&format!(r#"{{"keep_number_fee": {}}}"#, i64::MAX)).expect("p");
    let card = active(&p, 0);
    let first = card
        .advance(&p, at("2027-01-01T00:00:00+08:00"))
        .expect("one fee");
    assert_eq!(
        first
            .card
            .assess(&p, at("2027-01-01T00:00:00+08:00"))
            .expect("a")
            .keep_number_fees,
        i64::MAX
    );
    assert_invalid(
        card.advance(&p, at("2027-02-01T00:00:00+08:00")),
        "policy.keep_number_fee",
        "overflows i64",
    );
    // Overage: u64::MAX bytes over quota × a rate overflows the charge.
    let p = Policy::from_json(&format!(r#"{{"overage_rate_per_mb": {}}}"#, i64::MAX)).expect("p");
    let c = active(&p, 0)
        .apply(
            &p,
            at("2026-01-06T00:00:00+08:00"),
            &Event::Usage {
                bytes: u64::MAX,
                imei: None,
                region: None,
            },
        )
        .expect("usage")
        .card;
    assert_invalid(
        c.assess(&p, at("2026-01-06T00:00:00+08:00")),
        "policy.overage_rate_per_mb",
        "overflows i64",
    );
    // Refund estimate: months left × a monthly fee of i64::MAX.
    let json = card_json(
        0,
        "2026-01-01T00:00:00+08:00",
        "2030-01-01T00:00:00+08:00",
        1,
        i64::MAX,
    );
    let p = Policy::default();
    let c = Card::new(&NewCard::from_json(&json).expect("card"))
        .expect("card")
        .apply(&p, at("2026-01-05T10:00:00+08:00"), &activate())
        .expect("activation")
        .card;
    assert_invalid(
        c.assess(&p, at("2026-01-06T00:00:00+08:00")),
        "plan.monthly_fee",
        "overflows i64",
    );
}

#[test]
fn usage_and_top_up_sums_are_checked_u64() {
    let p = Policy::default();
    let max = Event::Usage {
        bytes: u64::MAX,
        imei: None,
        region: None,
    };
    let c = active(&p, 0)
        .apply(&p, at("2026-01-06T00:00:00+08:00"), &max)
        .expect("u64::MAX")
        .card;
    let one = Event::Usage {
        bytes: 1,
        imei: None,
        region: None,
    };
    assert_refused(
        &p,
        &c,
        "2026-01-07T00:00:00+08:00",
        &one,
        "event.bytes",
        "usage in the period",
    );
    // The next period starts from zero again.
    let next = c
        .apply(&p, at("2026-02-01T00:00:00+08:00"), &one)
        .expect("new period")
        .card;
    assert_eq!(
        next.assess(&p, at("2026-02-01T00:00:00+08:00"))
            .expect("a")
            .usage_bytes,
        1
    );
    // Top-ups: u64::MAX twice overflows; quota + top-ups saturate in the assessment.
    let top = Event::TopUp { bytes: u64::MAX };
    let c = c
        .apply(&p, at("2026-01-08T00:00:00+08:00"), &top)
        .expect("top-up")
        .card;
    assert_refused(
        &p,
        &c,
        "2026-01-09T00:00:00+08:00",
        &top,
        "event.bytes",
        "top-ups in the period",
    );
    let a = c.assess(&p, at("2026-01-09T00:00:00+08:00")).expect("a");
    assert_eq!(a.allowance_bytes, u64::MAX);
    assert_eq!(a.overage_bytes, 0);
    assert!(
        a.holds.is_empty(),
        "back within quota + top-ups: {:?}",
        a.holds
    );
}

// ----------------------------------------------------------------- time

#[test]
fn offsets_of_plus_and_minus_23_59_and_no_further() {
    for tz in ["+23:59", "-23:59"] {
        let p = Policy::from_json(&format!(r#"{{"timezone": "{tz}"}}"#)).expect("policy");
        assert_eq!(p.timezone.to_string(), tz);
        let c = active(&p, 0);
        let a = c.assess(&p, at("2026-03-01T00:00:00Z")).expect("assess");
        assert!(a.to_json().contains(tz), "{}", a.to_json());
    }
    for tz in ["+24:00", "-24:00", "+23:60", "+99:99"] {
        assert_invalid(
            Policy::from_json(&format!(r#"{{"timezone": "{tz}"}}"#)),
            "policy.timezone",
            "",
        );
    }
}

/// The four-digit year of an RFC 3339 instant as written.
fn year(written: &str) -> i32 {
    written[..4]
        .parse()
        .unwrap_or_else(|_| panic!("not a four-digit year: {written}"))
}

/// Every instant string in a JSON value (keys named `at`, `since`, `*_ends`,
/// `*_until`, `clock`, ...: any string that reads as an instant).
fn instants_in(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s)
            if s.len() >= 20 && s.as_bytes()[4] == b'-' && s.contains('T') =>
        {
            out.push(s.clone());
        }
        serde_json::Value::Array(a) => a.iter().for_each(|v| instants_in(v, out)),
        serde_json::Value::Object(m) => m.values().for_each(|v| instants_in(v, out)),
        _ => {}
    }
}

#[test]
fn instants_at_the_edges_of_the_supported_range_work_in_every_offset() {
    assert_eq!(MIN.to_string(), "1900-01-01T00:00:00Z");
    assert_eq!(MAX.to_string(), "9898-12-31T23:59:59.999999999Z");
    // The edges are written with four-digit years in every offset and read back.
    for t in [MIN, MAX] {
        for tz in ["+08:00", "+23:59", "-23:59", "Z"] {
            let tz = TimeZone::parse(tz).expect("tz");
            let written = format_instant(t, tz);
            assert!((1899..=9899).contains(&year(&written)), "{written}");
            assert_eq!(parse_instant("t", &written).expect(&written), t);
        }
    }
    // A plan over the whole range, under both extreme offsets and the longest
    // retention and dormancy: a card activated at either edge works, and every
    // instant of its state and assessment (also the computed ones: period end,
    // end of retention, next change) has a four-digit year.
    let json = card_json(
        0,
        &format_instant(MIN, TimeZone::CHINA),
        &format_instant(MAX, TimeZone::CHINA),
        1,
        1,
    );
    let card = Card::new(&NewCard::from_json(&json).expect("card")).expect("card");
    for tz in ["+23:59", "-23:59"] {
        let p = Policy::from_json(&format!(
            r#"{{"timezone": "{tz}", "dormancy_months": 1200, "retention_months": 1200}}"#
        ))
        .expect("policy");
        for t in [MIN, MAX] {
            let a = card
                .apply(&p, t, &activate())
                .expect("activation at an edge");
            let state = a.card.to_json();
            assert_eq!(Card::from_json(&state).expect("round trip"), a.card);
            let assessed = a.card.assess(&p, MAX).expect("assess at the end");
            let mut found = Vec::new();
            instants_in(&assessed.to_json_value(), &mut found);
            instants_in(&serde_json::from_str(&state).expect("JSON"), &mut found);
            assert!(found.len() >= 2, "{found:?}");
            for s in &found {
                assert!((1899..=9999).contains(&year(s)), "{s}");
            }
            let later = a.card.advance(&p, MAX).expect("advance to the end").card;
            assert_eq!(
                Card::from_json(&later.to_json()).expect("round trip"),
                later
            );
        }
    }
    // Activated an hour before the end of the range: the quota period ends
    // past it, and that is still an answer.
    let p = Policy::default();
    let hour_before = MAX.checked_add_seconds(-3600).expect("in range");
    let a = card
        .apply(&p, hour_before, &activate())
        .expect("activation");
    let next = a
        .card
        .assess(&p, MAX)
        .expect("assess")
        .next
        .expect("a next change");
    assert!(next.at > MAX);
    // A computed instant past the range handed back as an input is refused,
    // naming it, and the card is unchanged.
    assert_invalid(a.card.assess(&p, next.at), "at", "supported range");
    assert_invalid(a.card.advance(&p, next.at), "to", "supported range");
    assert_invalid(
        a.card.apply(&p, next.at, &Event::ManualSuspend),
        "at",
        "supported range",
    );
    let until = Event::Maintenance { until: next.at };
    assert_invalid(
        a.card.apply(&p, MAX, &until),
        "event.until",
        "supported range",
    );
}

#[test]
fn instants_outside_the_supported_range_are_refused_at_every_door() {
    // Not RFC 3339 (a five-digit year), and outside the range.
    for (s, why) in [
        ("+10000-01-01T00:00:00Z", "RFC 3339"),
        ("9999-12-31T23:59:59Z", "supported range"),
        ("0001-01-01T00:00:00+08:00", "supported range"),
        ("1899-12-31T23:59:59Z", "supported range"),
        ("9899-01-01T00:00:00Z", "supported range"),
    ] {
        assert_invalid(parse_instant("at", s), "at", why);
        let e = format!(r#"{{"type": "maintenance", "until": "{s}"}}"#);
        assert_invalid(Event::from_json(&e), "event.until", why);
    }
    // The year-0 case: a card activated at 0001-01-01T00:00+08:00 (year 0 in
    // UTC) is refused, in a fleet line and in a stored state.
    let line = format!(
        r#"{{"card": {}, "events": [{{"at": "0001-01-01T00:00:00+08:00", "event": {{"type": "activate", "imei": "{IMEI}"}}}}]}}"#,
        card_json(
            0,
            "2026-01-01T00:00:00+08:00",
            "2027-01-01T00:00:00+08:00",
            1,
            1
        )
    );
    assert_invalid(
        FleetEntry::from_json(&line),
        "entry.events[0].at",
        "supported range",
    );
    let plan = card_json(
        0,
        "0001-01-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
        1,
        1,
    );
    assert_invalid(
        NewCard::from_json(&plan),
        "card.plan.start",
        "supported range",
    );
    let state = active(&Policy::default(), 0)
        .to_json()
        .replace("2026-01-05T02:00:00Z", "0001-01-01T00:00:00Z");
    assert!(state.contains("0001-01-01"), "{state}");
    let e = Card::from_json(&state).expect_err("refused");
    assert!(e.to_string().contains("supported range"), "{e}");
    // A plan built in Rust with an instant past the range is refused as well.
    let past = add_months(MAX, 1, TimeZone::CHINA).expect("computed");
    let plan = Plan {
        start: at("2026-01-01T00:00:00+08:00"),
        end: past,
        period: iotcard::Period::Month,
        quota_bytes: 1,
        monthly_fee: 1,
    };
    assert_invalid(plan.validate("plan"), "plan.end", "supported range");
}

#[test]
fn plans_that_end_before_they_start_are_refused() {
    for (start, end) in [
        ("2026-01-01T00:00:00+08:00", "2025-01-01T00:00:00+08:00"),
        ("2026-01-01T00:00:00+08:00", "2026-01-01T00:00:00+08:00"),
        ("2026-01-01T00:00:00+08:00", "2025-12-31T16:00:00Z"),
    ] {
        assert_invalid(
            NewCard::from_json(&card_json(0, start, end, 1, 1)),
            "card.plan.end",
            "must be after",
        );
        let renew = format!(
            r#"{{"type": "renew", "plan": {{"start": "{start}", "end": "{end}", "period": "month", "quota_bytes": 1, "monthly_fee": 1}}}}"#
        );
        assert_invalid(Event::from_json(&renew), "event.plan.end", "must be after");
    }
    // A renewal whose plan ends before the renewal itself.
    let p = Policy::default();
    let renew = Event::Renew {
        plan: Plan {
            start: at("2025-01-01T00:00:00+08:00"),
            end: at("2026-01-06T00:00:00+08:00"),
            period: iotcard::Period::Month,
            quota_bytes: 1,
            monthly_fee: 1,
        },
    };
    assert_refused(
        &p,
        &active(&p, 0),
        "2026-02-01T00:00:00+08:00",
        &renew,
        "event.plan.end",
        "renewal instant",
    );
}

#[test]
fn maintenance_windows_that_end_before_they_begin_are_refused() {
    let p = Policy::default();
    let c = active(&p, 0);
    for until in [
        "2026-01-31T23:59:59+08:00",
        "2026-02-01T00:00:00+08:00",
        "1900-01-01T00:00:00Z",
    ] {
        let e = Event::Maintenance { until: at(until) };
        assert_refused(
            &p,
            &c,
            "2026-02-01T00:00:00+08:00",
            &e,
            "event.until",
            "must be after",
        );
    }
    let e = Event::Maintenance { until: MAX };
    let c = c
        .apply(&p, at("2026-02-01T00:00:00+08:00"), &e)
        .expect("until the end of time")
        .card;
    assert_eq!(c.status(), Status::Suspended);
    assert!(c.assess(&p, MAX).is_ok());
}

#[test]
fn month_arithmetic_up_to_the_end_of_the_range() {
    let tz = TimeZone::CHINA;
    // Past the range, month arithmetic still answers (the caller's input is
    // what is checked), with four-digit years up to 9999.
    let t = add_months(at("9898-12-31T12:00:00+08:00"), 1200, tz).expect("computed");
    assert_eq!(format_instant(t, tz), "9998-12-31T12:00:00+08:00");
    // A plan ending at the end of the range with the longest retention: expiry,
    // retention and fees run up to 100 years past it; the state round-trips;
    // the assessment says when.
    let p = Policy::from_json(r#"{"retention_months": 1200}"#).expect("policy");
    let json = card_json(
        0,
        "9898-01-01T00:00:00+08:00",
        "9898-12-31T23:00:00+08:00",
        1,
        1,
    );
    let card = Card::new(&NewCard::from_json(&json).expect("card"))
        .expect("card")
        .apply(&p, at("9898-12-01T00:00:00+08:00"), &activate())
        .expect("activation")
        .card;
    let later = card.advance(&p, MAX).expect("advance").card;
    assert_eq!(
        Card::from_json(&later.to_json()).expect("round trip"),
        later
    );
    let a = later.assess(&p, MAX).expect("assess");
    assert_eq!(a.status, Status::Suspended);
    assert_eq!(
        format_instant(a.retention_ends.expect("in retention"), tz),
        "9998-12-31T23:00:00+08:00"
    );
    let v: serde_json::Value = serde_json::from_str(&a.to_json()).expect("JSON");
    assert_eq!(v["retention_ends"], "9998-12-31T23:00:00+08:00");
}

#[test]
fn a_fleet_entry_of_more_than_a_million_events_is_refused() {
    let card = card_json(
        0,
        "2026-01-01T00:00:00+08:00",
        "2027-01-01T00:00:00+08:00",
        1,
        1,
    );
    let event = r#"{"at":"2026-01-05T10:00:00Z","event":{"type":"cancel"}},"#;
    let n = iotcard::fleet::MAX_EVENTS_PER_CARD + 1;
    let mut json = format!(r#"{{"card": {card}, "events": ["#);
    json.push_str(&event.repeat(n));
    json.pop();
    json.push_str("]}");
    assert!(json.len() < MAX_LOG_JSON_BYTES);
    assert_invalid(
        FleetEntry::from_json(&json),
        "entry.events",
        "more than 1000000 events",
    );
}
