//! The struct path of the C API against the native Rust call: assessing one card
//! with `iotcard_card_assess` (through a function pointer, so it is a real call
//! across the C ABI with its argument checks, panic boundary and conversion)
//! and with `Card::assess`. The issue's target: the C path within 1.5× native.
//!
//! `cargo bench -p iotcard-ffi --bench assess`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use iotcard::{Card, Event, NewCard, Policy, parse_instant};
use iotcard_ffi::{
    iotcard_assessment, iotcard_card, iotcard_card_apply, iotcard_card_assess, iotcard_card_free,
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

    // The same card and policy through the C API, built by the same events (a
    // card loaded from its JSON state is not comparable: the core computes its
    // schedule memo on the first assessment or event).
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
            let at_ms = parse_instant("at", at).unwrap().timestamp_millis();
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
    let at_ms = at.timestamp_millis();
    let assess: AssessFn = black_box(iotcard_card_assess);
    let mut out = std::mem::MaybeUninit::<iotcard_assessment>::uninit();

    let mut group = c.benchmark_group("assess one card");
    group.bench_function("native Card::assess", |b| {
        b.iter(|| black_box(card.assess(black_box(&policy), black_box(at))).unwrap());
    });
    // What the conversion of the C API's Unix milliseconds costs by itself.
    group.bench_function("native Card::assess, instant from Unix ms", |b| {
        b.iter(|| {
            let at = iotcard::Instant::from_timestamp_millis(black_box(at_ms)).unwrap();
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
                    out.as_mut_ptr(),
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

criterion_group!(benches, bench);
criterion_main!(benches);
