//! The stored card state of the current format version, kept as a fixture
//! (`tests/fixtures/card-state-v1.json`): it must load with exactly the meaning
//! written down here and write back the same bytes. A change to the format that
//! breaks stored states fails here, loudly; such a change needs a new
//! `STATE_VERSION` (and this library then either reads version 1 with the same
//! meaning or refuses it with a clear version error, as it refuses 0 and 2).
//!
//! The fixture is made by the story in [`story`]; after a deliberate format
//! change (with a new version and a new fixture file), `IOTCARD_BLESS=1 cargo
//! test -p iotcard --test state_fixture` writes it.

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
    if std::env::var_os("IOTCARD_BLESS").is_some() {
        // Written whole and renamed: the tests of this file run at once.
        let tmp = fixture().with_extension(format!("{}.tmp", std::process::id()));
        std::fs::write(&tmp, story().to_json() + "\n").expect("write the fixture");
        std::fs::rename(&tmp, fixture()).expect("write the fixture");
    }
    std::fs::read_to_string(fixture()).expect("tests/fixtures/card-state-v1.json")
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
fn the_v1_fixture_writes_back_byte_for_byte() {
    let text = read_fixture();
    let card = Card::from_json(text.trim_end()).expect("the v1 fixture loads");
    assert_eq!(card.to_json(), text.trim_end());
    assert_eq!(STATE_VERSION, 1, "a new version needs a new fixture file");
    // The story that made it still makes it: same meaning, same bytes.
    assert_eq!(story(), card);
}

#[test]
fn other_state_versions_are_refused_naming_the_version() {
    let text = read_fixture();
    assert!(text.starts_with(r#"{"version":1,"#), "{text}");
    for v in ["0", "2", "4294967295"] {
        let other = text.replacen(r#""version":1"#, &format!(r#""version":{v}"#), 1);
        let e = Card::from_json(&other).expect_err("another version");
        assert_eq!(e.code(), "invalid_input");
        assert_eq!(
            e.to_string(),
            format!(
                "invalid input: state.version = {v}: this library reads card state version 1 only"
            )
        );
    }
    let missing = text.replacen(r#""version":1,"#, "", 1);
    let e = Card::from_json(&missing).expect_err("no version");
    assert!(e.to_string().contains("state.version"), "{e}");
}
