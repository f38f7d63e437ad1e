//! The struct path of the C API against the native Rust call: assessing one card
//! with `iotcard_card_assess` (through a function pointer, so it is a real call
//! across the C ABI with its argument checks, panic boundary and conversion)
//! and with `Card::assess`. The issue's target: the C path within 1.5× native.
//!
//! A second group does the same over a seeded fleet (`iotcard_fleetgen`, every
//! hold and status): the native `Assessor`, `iotcard_card_assess` per card, and
//! `iotcard_assess_batch`, so the ratios come from one run. `FLEET_CARDS` sets
//! its size (default 10,000).
//!
//! `cargo bench -p iotcard-ffi --bench assess`

use std::hint::black_box;

use criterion::Throughput;
use criterion::{Criterion, criterion_group, criterion_main};
use iotcard::Assessor;
use iotcard::{Card, Event, NewCard, Policy, parse_instant};
use iotcard_ffi::{
    IOTCARD_ASSESSMENT_SIZE_V2, iotcard_assess_batch, iotcard_assessment, iotcard_card,
    iotcard_card_advance, iotcard_card_apply, iotcard_card_assess, iotcard_card_free,
    iotcard_card_new, iotcard_policy, iotcard_policy_free, iotcard_policy_from_json,
    iotcard_result,
};

const CARD: &str = r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678",
  "auto_suspend": true, "balance": 1000,
  "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
           "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}"#;
const POLICY: &str = r#"{"low_balance": 300, "overage_rate_per_mb": 5}"#;

/// The events both cards go through: an active card with usage, a charge and a
/// low balance, so that the assessment has holds, remedies and a next change.
const EVENTS: [(&str, &str); 3] = [
    (
        "2026-01-05T10:00:00+08:00",
        r#"{"type": "activate", "imei": "490154203237518"}"#,
    ),
    (
        "2026-01-20T10:00:00+08:00",
        r#"{"type": "usage", "bytes": 52428800, "imei": "490154203237518"}"#,
    ),
    (
        "2026-01-25T10:00:00+08:00",
        r#"{"type": "charge", "amount": 800}"#,
    ),
];
const AT: &str = "2026-01-26T00:00:00+08:00";

type AssessFn = unsafe extern "C" fn(
    *const iotcard_card,
    *const iotcard_policy,
    i64,
    *mut iotcard_assessment,
) -> iotcard_result;

/// An assessment to fill: zero, with `size` set (`IOTCARD_ASSESSMENT_INIT`).
fn blank() -> iotcard_assessment {
    // SAFETY: every field is an integer, a bool or an array of them (all-zero is
    // valid), and `iotcard_result` 0 is `Ok`.
    let mut a: iotcard_assessment = unsafe { std::mem::zeroed() };
    a.size = IOTCARD_ASSESSMENT_SIZE_V2;
    a
}

fn native_card(policy: &Policy) -> Card {
    let mut card = Card::new(&NewCard::from_json(CARD).unwrap()).unwrap();
    for (at, event) in EVENTS {
        let at = parse_instant("at", at).unwrap();
        card = card
            .apply(policy, at, &Event::from_json(event).unwrap())
            .unwrap()
            .card;
    }
    card
}

fn bench(c: &mut Criterion) {
    let policy = Policy::from_json(POLICY).unwrap();
    let card = native_card(&policy);
    let at = parse_instant("at", AT).unwrap();

    // The same card and policy through the C API, built by the same events.
    let mut c_policy: *mut iotcard_policy = std::ptr::null_mut();
    let mut c_card: *mut iotcard_card = std::ptr::null_mut();
    // SAFETY: valid strings and out pointers; the handles are freed below.
    unsafe {
        assert_eq!(
            iotcard_policy_from_json(POLICY.as_ptr().cast(), POLICY.len(), &raw mut c_policy),
            iotcard_result::Ok
        );
        assert_eq!(
            iotcard_card_new(CARD.as_ptr().cast(), CARD.len(), &raw mut c_card),
            iotcard_result::Ok
        );
        for (at, event) in EVENTS {
            let at_ms = parse_instant("at", at).unwrap().unix_millis();
            let mut replacement: *mut iotcard_card = std::ptr::null_mut();
            assert_eq!(
                iotcard_card_apply(
                    c_card,
                    c_policy,
                    at_ms,
                    event.as_ptr().cast(),
                    event.len(),
                    &raw mut replacement,
                    std::ptr::null_mut(),
                ),
                iotcard_result::Ok
            );
        }
    }
    let at_ms = at.unix_millis();
    let assess: AssessFn = black_box(iotcard_card_assess);
    let mut out = blank();

    let mut group = c.benchmark_group("assess one card");
    group.bench_function("native Card::assess", |b| {
        b.iter(|| black_box(card.assess(black_box(&policy), black_box(at))).unwrap());
    });
    // What the conversion of the C API's Unix milliseconds costs by itself.
    group.bench_function("native Card::assess, instant from Unix ms", |b| {
        b.iter(|| {
            let at = iotcard::Instant::from_unix_millis(black_box(at_ms)).unwrap();
            black_box(card.assess(black_box(&policy), at)).unwrap()
        });
    });
    group.bench_function("C iotcard_card_assess", |b| {
        b.iter(|| {
            // SAFETY: live handles and a valid out pointer.
            let r = unsafe {
                assess(
                    black_box(c_card),
                    black_box(c_policy),
                    black_box(at_ms),
                    &raw mut out,
                )
            };
            assert_eq!(r, iotcard_result::Ok);
            black_box(&out);
        });
    });
    group.finish();

    // SAFETY: handles from this library, freed once.
    unsafe {
        iotcard_card_free(c_card);
        iotcard_policy_free(c_policy);
    }
}

/// A C card handle built the way a C caller builds it: from the new card's JSON,
/// then every event of its log through `iotcard_card_apply`.
fn c_card_from_log(
    entry: &iotcard::fleet::FleetEntry,
    policy: *const iotcard_policy,
) -> *mut iotcard_card {
    let iotcard::fleet::Start::New(new) = &entry.start else {
        unreachable!("the generator writes new cards with their logs")
    };
    let json = serde_json::to_string(new).unwrap();
    let mut card: *mut iotcard_card = std::ptr::null_mut();
    // SAFETY: valid strings and out pointers; the caller frees the handle.
    unsafe {
        assert_eq!(
            iotcard_card_new(json.as_ptr().cast(), json.len(), &raw mut card),
            iotcard_result::Ok
        );
        for t in &entry.events {
            let event = t.event.to_json();
            let mut replacement: *mut iotcard_card = std::ptr::null_mut();
            let r = iotcard_card_apply(
                card,
                policy,
                t.at.unix_millis(),
                event.as_ptr().cast(),
                event.len(),
                &raw mut replacement,
                std::ptr::null_mut(),
            );
            assert_eq!(r, iotcard_result::Ok);
            if !replacement.is_null() {
                iotcard_card_free(card);
                card = replacement;
            }
        }
    }
    card
}

fn bench_fleet(c: &mut Criterion) {
    let policy_json = include_str!("../../../examples/policy.json");
    let policy = Policy::from_json(policy_json).unwrap();
    let at = parse_instant("at", iotcard_fleetgen::EXAMPLE_AT).unwrap();
    let n: u64 = std::env::var("FLEET_CARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let entries: Vec<_> = (0..n)
        .filter_map(|i| iotcard_fleetgen::entry(&policy, i, 42, at))
        .collect();
    let cards: Vec<Card> = entries
        .iter()
        .map(|e| e.replay(&policy, at).unwrap().card)
        .collect();
    let mut c_policy: *mut iotcard_policy = std::ptr::null_mut();
    // SAFETY: a valid string and out pointer; freed below.
    unsafe {
        assert_eq!(
            iotcard_policy_from_json(
                policy_json.as_ptr().cast(),
                policy_json.len(),
                &raw mut c_policy
            ),
            iotcard_result::Ok
        );
    }
    // Brought to the instant assessed, as the native cards are by `replay`.
    let c_cards: Vec<*mut iotcard_card> = entries
        .iter()
        .map(|e| {
            let card = c_card_from_log(e, c_policy);
            // SAFETY: a live handle and policy; no change list asked for.
            let r = unsafe {
                iotcard_card_advance(card, c_policy, at.unix_millis(), std::ptr::null_mut())
            };
            assert_eq!(r, iotcard_result::Ok);
            card
        })
        .collect();
    let c_const: Vec<*const iotcard_card> = c_cards.iter().map(|&p| p.cast_const()).collect();
    let at_ms = at.unix_millis();
    let mut out: Vec<iotcard_assessment> = vec![blank(); c_cards.len()];
    let assess: AssessFn = black_box(iotcard_card_assess);

    let mut group = c.benchmark_group("assess fleet");
    group.throughput(Throughput::Elements(cards.len() as u64));
    group.bench_function("native Assessor", |b| {
        b.iter(|| {
            let a = Assessor::new(&policy, at).unwrap();
            for card in &cards {
                black_box(a.assess(black_box(card)).unwrap());
            }
        });
    });
    group.bench_function("native Card::assess per card", |b| {
        b.iter(|| {
            for card in &cards {
                black_box(card.assess(&policy, black_box(at)).unwrap());
            }
        });
    });
    group.bench_function("C iotcard_card_assess per card", |b| {
        let mut one = blank();
        b.iter(|| {
            for &card in &c_const {
                // SAFETY: live handles and a valid out pointer.
                let r = unsafe { assess(card, c_policy, black_box(at_ms), &raw mut one) };
                assert_eq!(r, iotcard_result::Ok);
                black_box(&one);
            }
        });
    });
    group.bench_function("C iotcard_assess_batch", |b| {
        b.iter(|| {
            // SAFETY: `c_const` holds live handles; `out` has room for all of them.
            let r = unsafe {
                iotcard_assess_batch(
                    c_policy,
                    c_const.as_ptr(),
                    c_const.len(),
                    black_box(at_ms),
                    out.as_mut_ptr(),
                    size_of::<iotcard_assessment>(),
                )
            };
            assert_eq!(r, iotcard_result::Ok);
            black_box(&out);
        });
    });
    group.finish();
    // SAFETY: handles from this library, each freed once.
    unsafe {
        for card in c_cards {
            iotcard_card_free(card);
        }
        iotcard_policy_free(c_policy);
    }
}

criterion_group!(benches, bench, bench_fleet);
criterion_main!(benches);
