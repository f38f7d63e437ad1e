//! The stored card states, kept as fixtures: version 1
//! (`tests/fixtures/card-state-v1.json`, written before R12, frozen) and version 2
//! (`tests/fixtures/card-state-v2.json`, which carries the late window of R12.6).
//! Each must load with exactly the meaning written down here; version 2 writes
//! back the same bytes, version 1 writes back as version 2 with the same facts and
//! an empty window. A change to the format that breaks stored states fails here,
//! loudly; such a change needs a new `STATE_VERSION` (and this library then
//! either reads the older versions with the same meaning or refuses them with a
//! clear version error, as it refuses 0 and 3).
//!
//! The v1 fixture is made by the story in [`story`]; the v2 fixture by
//! [`story_v2`]. After a deliberate format change (with a new version and a new
//! fixture file), `IOTCARD_BLESS=1 cargo test -p iotcard --test state_fixture`
//! writes the current version's fixture.

use std::path::PathBuf;

use iotcard::{
    Action, Card, ChangeKind, Event, Hold, NewCard, Policy, Remedy, STATE_VERSION, Service, Status,
    format_instant, parse_instant,
};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/card-state-v1.json")
}

fn at(s: &str) -> iotcard::Instant {
    parse_instant("at", s).expect("literal")
}

/// A realistic card: five holds at once (traffic from another device in a
/// restricted region, arrears, maintenance, expiry), in retention with a
/// keep-number fee due, usage in the current quota period.
fn story() -> Card {
    let p = Policy::default();
    let new = NewCard::from_json(
        r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
            "auto_suspend": true,
            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2026-06-01T00:00:00+08:00",
                     "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}"#,
    )
    .expect("card");
    let mut card = Card::new(&new).expect("card");
    for (when, event) in [
        (
            "2026-01-05T10:00:00+08:00",
            r#"{"type": "activate", "imei": "490154203237518"}"#,
        ),
        (
            "2026-05-10T08:30:00+08:00",
            r#"{"type": "usage", "bytes": 157286400, "imei": "352099001761481", "region": "65"}"#,
        ),
        (
            "2026-05-20T09:00:00+08:00",
            r#"{"type": "charge", "amount": 5000}"#,
        ),
        (
            "2026-05-25T22:00:00+08:00",
            r#"{"type": "maintenance", "until": "2026-07-01T06:00:00+08:00"}"#,
        ),
        (
            "2026-06-15T12:00:00.250+08:00",
            r#"{"type": "usage", "bytes": 1048576, "imei": "490154203237518", "region": "11"}"#,
        ),
    ] {
        let e = Event::from_json(event).expect("event");
        card = card.apply(&p, at(when), &e).expect("story").card;
    }
    card.advance(&p, at("2026-06-20T00:00:00+08:00"))
        .expect("advance")
        .card
}

fn read_fixture() -> String {
    std::fs::read_to_string(fixture()).expect("tests/fixtures/card-state-v1.json")
}

fn fixture_v2() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/card-state-v2.json")
}

/// The late-window policy of the v2 story.
fn policy_v2() -> Policy {
    Policy::from_json(r#"{"late_window_hours": 48}"#).expect("policy")
}

/// A card under a 48-hour window: activated, a payment with an id, usage and a
/// charge, a late usage record taken in its place, advanced a day: the window
/// holds a checkpoint and the events of the last 48 hours.
fn story_v2() -> Card {
    let p = policy_v2();
    let new = NewCard::from_json(
        r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                     "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}"#,
    )
    .expect("card");
    let mut card = Card::new(&new).expect("card");
    for (when, event) in [
        (
            "2026-01-05T10:00:00+08:00",
            r#"{"type": "activate", "imei": "490154203237518"}"#,
        ),
        (
            "2026-01-09T09:00:00+08:00",
            r#"{"type": "payment", "amount": 500, "id": "pay-0109-1"}"#,
        ),
        (
            "2026-01-10T08:00:00+08:00",
            r#"{"type": "usage", "bytes": 1048576, "imei": "490154203237518", "id": "cdr-7"}"#,
        ),
        (
            "2026-01-10T12:00:00+08:00",
            r#"{"type": "charge", "amount": 2000}"#,
        ),
        (
            "2026-01-09T23:00:00+08:00",
            r#"{"type": "usage", "bytes": 2048, "imei": "490154203237518", "id": "cdr-6"}"#,
        ),
    ] {
        let (e, id) = Event::from_json_with_id(event).expect("event");
        card = card
            .apply_identified(&p, at(when), &e, id.as_ref())
            .expect("story")
            .card;
    }
    card.advance(&p, at("2026-01-11T00:00:00+08:00"))
        .expect("advance")
        .card
}

fn read_fixture_v2() -> String {
    if std::env::var_os("IOTCARD_BLESS").is_some() {
        // Written whole and renamed: the tests of this file run at once.
        let tmp = fixture_v2().with_extension(format!("{}.tmp", std::process::id()));
        std::fs::write(&tmp, story_v2().to_json() + "\n").expect("write the fixture");
        std::fs::rename(&tmp, fixture_v2()).expect("write the fixture");
    }
    std::fs::read_to_string(fixture_v2()).expect("tests/fixtures/card-state-v2.json")
}

#[test]
fn the_v1_fixture_loads_with_its_meaning() {
    let text = read_fixture();
    let card = Card::from_json(text.trim_end()).expect("the v1 fixture loads");
    let p = Policy::default();
    let tz = p.timezone;
    let when = at("2026-06-20T00:00:00+08:00");
    let a = card.assess(&p, when).expect("assess");
    let holds = [
        Hold::Arrears,
        Hold::Expired,
        Hold::DeviceMismatch,
        Hold::RestrictedRegion,
        Hold::Maintenance,
    ];
    assert_eq!(a.status, Status::Suspended);
    assert_eq!(a.holds, holds.into_iter().collect());
    assert_eq!(a.barred, Service::ALL.iter().copied().collect());
    assert_eq!(a.balance, -4000);
    assert_eq!(a.usage_bytes, 1_048_576);
    assert_eq!(a.allowance_bytes, 104_857_600);
    assert_eq!(a.overage_bytes, 0);
    assert_eq!(a.keep_number_fees, 500);
    let show = |t: Option<iotcard::Instant>| t.map(|t| format_instant(t, tz));
    assert_eq!(
        show(a.retention_ends).as_deref(),
        Some("2026-09-01T00:00:00+08:00")
    );
    assert_eq!(
        show(a.maintenance_until).as_deref(),
        Some("2026-07-01T06:00:00+08:00")
    );
    let next = a.next.expect("a change is scheduled");
    assert_eq!(next.change, ChangeKind::KeepNumberFee);
    assert_eq!(format_instant(next.at, tz), "2026-07-01T00:00:00+08:00");
    let since = |h| show(a.hold_since(h));
    assert_eq!(
        since(Hold::DeviceMismatch).as_deref(),
        Some("2026-05-10T08:30:00+08:00")
    );
    assert_eq!(
        since(Hold::RestrictedRegion).as_deref(),
        Some("2026-05-10T08:30:00+08:00")
    );
    assert_eq!(
        since(Hold::Arrears).as_deref(),
        Some("2026-05-20T09:00:00+08:00")
    );
    assert_eq!(
        since(Hold::Maintenance).as_deref(),
        Some("2026-05-25T22:00:00+08:00")
    );
    assert_eq!(
        since(Hold::Expired).as_deref(),
        Some("2026-06-01T00:00:00+08:00")
    );
    assert_eq!(a.remedy(Hold::Arrears), Some(Remedy::PayThenResume));
    assert_eq!(a.remedy(Hold::Expired), Some(Remedy::Renew));
    assert_eq!(a.remedy(Hold::DeviceMismatch), Some(Remedy::RebindDevice));
    assert!(a.can.contains(Action::Renew) && !a.can.contains(Action::ManualResume));
    // The instant with a fraction of a second is kept exactly.
    assert_eq!(
        card.last_traffic()
            .map(|t| format_instant(t, tz))
            .as_deref(),
        Some("2026-06-15T12:00:00.250+08:00")
    );
    assert_eq!(card.clock(), Some(when));
    assert_eq!(card.activated_at(), Some(at("2026-01-05T10:00:00+08:00")));
}

#[test]
fn the_v1_fixture_writes_back_as_v2_with_an_empty_window() {
    let text = read_fixture();
    let card = Card::from_json(text.trim_end()).expect("the v1 fixture loads");
    assert_eq!(STATE_VERSION, 2, "a new version needs a new fixture file");
    let as_v2 = text
        .trim_end()
        .replacen(r#"{"version":1,"#, r#"{"version":2,"#, 1);
    assert_eq!(card.to_json(), as_v2, "same facts, no window");
    assert_eq!(card.window_len(), 0);
    // The story that made it still makes it: same meaning.
    assert_eq!(story(), card);
    // An empty window: under a late window, nothing before its clock is taken.
    let e = card
        .apply(
            &policy_v2(),
            at("2026-06-19T23:00:00+08:00"),
            &Event::Charge { amount: 1 },
        )
        .expect_err("before the loaded clock");
    assert_eq!(e.code(), "out_of_order", "{e}");
    assert!(
        e.to_string()
            .contains("earliest instant accepted is 2026-06-20T00:00:00+08:00"),
        "{e}"
    );
}

#[test]
fn a_version_1_state_with_a_window_is_refused() {
    let v2 = read_fixture_v2();
    let v1 = v2.replacen(r#"{"version":2,"#, r#"{"version":1,"#, 1);
    let e = Card::from_json(v1.trim_end()).expect_err("v1 with a window");
    assert!(e.to_string().contains("state.window"), "{e}");
}

#[test]
fn the_v2_fixture_loads_with_its_meaning_and_writes_back_byte_for_byte() {
    let text = read_fixture_v2();
    assert!(text.starts_with(r#"{"version":2,"#), "{text}");
    let card = Card::from_json(text.trim_end()).expect("the v2 fixture loads");
    assert_eq!(card.to_json(), text.trim_end());
    assert_eq!(story_v2(), card);
    let p = policy_v2();
    // 1000 + 500 − 2000: the late usage changed nothing of the money.
    assert_eq!(card.balance(), -500);
    assert_eq!(card.clock(), Some(at("2026-01-11T00:00:00+08:00")));
    let a = card
        .assess(&p, at("2026-01-11T00:00:00+08:00"))
        .expect("assess");
    assert_eq!(a.usage_bytes, 1_048_576 + 2048);
    assert_eq!(a.holds, [Hold::Arrears].into_iter().collect());
    // The window holds the last 48 hours' events: payment, both usages, charge.
    assert_eq!(card.window_len(), 4);
    // A re-delivered payment is a duplicate; the same id with other content is not.
    let (pay, id) =
        Event::from_json_with_id(r#"{"type": "payment", "amount": 500, "id": "pay-0109-1"}"#)
            .expect("event");
    let again = card
        .apply_identified(&p, at("2026-01-09T09:00:00+08:00"), &pay, id.as_ref())
        .expect("duplicate");
    assert!(again.duplicate);
    assert_eq!(again.card, card);
    let e = card
        .apply_identified(&p, at("2026-01-09T09:00:01+08:00"), &pay, id.as_ref())
        .expect_err("other content");
    assert_eq!(e.code(), "event_id_conflict");
    // A late payment inside the window, after loading, takes effect in its place.
    let late = card
        .apply(
            &p,
            at("2026-01-10T13:00:00+08:00"),
            &Event::Payment { amount: 500 },
        )
        .expect("late payment");
    assert_eq!(late.card.balance(), 0);
    assert_eq!(late.card.clock(), card.clock());
}

#[test]
fn other_state_versions_are_refused_naming_the_version() {
    let text = read_fixture();
    assert!(text.starts_with(r#"{"version":1,"#), "{text}");
    for v in ["0", "3", "4294967295"] {
        let other = text.replacen(r#""version":1"#, &format!(r#""version":{v}"#), 1);
        let e = Card::from_json(&other).expect_err("another version");
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(
            e.to_string(),
            format!(
                "invalid input: state.version = {v}: this library reads card state versions 1 and 2 only"
            )
        );
    }
    let missing = text.replacen(r#""version":1,"#, "", 1);
    let e = Card::from_json(&missing).expect_err("no version");
    assert!(e.to_string().contains("state.version"), "{e}");
}
