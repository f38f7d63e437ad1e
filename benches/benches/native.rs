//! Native Rust benchmarks of the core (criterion): assess, apply, apply from JSON,
//! advance over long idle spans, and the stored-state JSON round trip, all on the
//! same seeded fleet (`iotcard_fleetgen`).
//!
//! `cargo bench -p iotcard-fleetgen --bench native`; `FLEET_CARDS` sets the fleet
//! size (default 10,000). Under `cargo test --benches` each runs once (smoke).

use std::hint::black_box;
use std::time::Duration;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use iotcard::fleet::{FleetEntry, Start};
use iotcard::{Assessor, Card, Event, Instant, Policy, Prepared, add_months, parse_instant};

struct Fleet {
    policy: Policy,
    at: Instant,
    entries: Vec<FleetEntry>,
    cards: Vec<Card>,
}

fn fleet() -> Fleet {
    let policy = Policy::from_json(include_str!("../../examples/policy.json")).expect("policy");
    let at = parse_instant("at", iotcard_fleetgen::EXAMPLE_AT).expect("instant");
    let n: u64 = std::env::var("FLEET_CARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let entries: Vec<FleetEntry> = (0..n)
        .filter_map(|i| iotcard_fleetgen::entry(&policy, i, 42, at))
        .collect();
    let cards = entries
        .iter()
        .map(|e| e.replay(&policy, at).expect("generated logs replay").card)
        .collect();
    Fleet {
        policy,
        at,
        entries,
        cards,
    }
}

fn bench_assess(c: &mut Criterion, f: &Fleet) {
    let mut g = c.benchmark_group("assess");
    g.throughput(Throughput::Elements(f.cards.len() as u64));
    // A fleet kept in memory and assessed again and again: each card prepared
    // once (its schedule and calendar anchors worked out), as `Prepared` does.
    let prepared: Vec<Prepared> = f
        .cards
        .iter()
        .map(|card| Prepared::new(card.clone(), &f.policy))
        .collect();
    g.bench_function("assessor", |b| {
        b.iter(|| {
            let a = Assessor::new(&f.policy, f.at).expect("policy");
            for card in &prepared {
                black_box(a.assess_prepared(black_box(card)).expect("assess"));
            }
        });
    });
    // The same cards as they are: the schedule worked out in every assessment.
    g.bench_function("assessor_unprepared", |b| {
        b.iter(|| {
            let a = Assessor::new(&f.policy, f.at).expect("policy");
            for card in &f.cards {
                black_box(a.assess(black_box(card)).expect("assess"));
            }
        });
    });
    g.bench_function("card_assess", |b| {
        b.iter(|| {
            for card in &f.cards {
                black_box(card.assess(&f.policy, f.at).expect("assess"));
            }
        });
    });
    g.finish();
}

fn bench_apply(c: &mut Criterion, f: &Fleet) {
    let events: usize = f.entries.iter().map(|e| e.events.len()).sum();
    let json: Vec<Vec<String>> = f
        .entries
        .iter()
        .map(|e| e.events.iter().map(|t| t.event.to_json()).collect())
        .collect();
    let fresh = || -> Vec<Card> {
        f.entries
            .iter()
            .map(|e| match &e.start {
                Start::New(new) => Card::new(new).expect("card"),
                Start::Stored(state) => Card::clone(state),
            })
            .collect()
    };
    let mut g = c.benchmark_group("apply");
    g.throughput(Throughput::Elements(events as u64));
    g.bench_function("events", |b| {
        b.iter_batched_ref(
            fresh,
            |cards| {
                let mut changes = Vec::with_capacity(16);
                for (card, e) in cards.iter_mut().zip(&f.entries) {
                    for t in &e.events {
                        if let Ok(Some(new)) =
                            card.apply_in_place(&f.policy, t.at, &t.event, &mut changes)
                        {
                            *card = new;
                        }
                        changes.clear();
                    }
                }
            },
            BatchSize::LargeInput,
        );
    });
    g.bench_function("events_from_json", |b| {
        b.iter_batched_ref(
            fresh,
            |cards| {
                let mut changes = Vec::with_capacity(16);
                for ((card, e), js) in cards.iter_mut().zip(&f.entries).zip(&json) {
                    for (t, j) in e.events.iter().zip(js) {
                        let event = Event::from_json(j).expect("event");
                        if let Ok(Some(new)) =
                            card.apply_in_place(&f.policy, t.at, &event, &mut changes)
                        {
                            *card = new;
                        }
                        changes.clear();
                    }
                }
            },
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

fn bench_advance(c: &mut Criterion, f: &Fleet) {
    let tz = f.policy.timezone;
    let mut g = c.benchmark_group("advance");
    g.throughput(Throughput::Elements(f.cards.len() as u64));
    for (name, months) in [("1_month", 1), ("10_years", 120)] {
        let to = add_months(f.at, months, tz).expect("in range");
        g.bench_function(name, |b| {
            b.iter(|| {
                for card in &f.cards {
                    black_box(card.advance(&f.policy, to).expect("advance"));
                }
            });
        });
    }
    g.finish();
}

fn bench_state_json(c: &mut Criterion, f: &Fleet) {
    let mut g = c.benchmark_group("state_json");
    g.throughput(Throughput::Elements(f.cards.len() as u64));
    g.bench_function("round_trip", |b| {
        b.iter(|| {
            for card in &f.cards {
                let back = Card::from_json(&card.to_json()).expect("round trip");
                black_box(back);
            }
        });
    });
    g.finish();
}

/// R12: one event on a card whose late window (48 hours) holds 50 events, in
/// time order and a day late, beside an in-order event on the same card under
/// no window. Each applies to a copy of the card (`Card::apply`).
fn bench_late(c: &mut Criterion, f: &Fleet) {
    let text = include_str!("../../examples/policy.json").trim_end();
    let policy48 = Policy::from_json(&format!(
        "{}, \"late_window_hours\": 48}}",
        text.strip_suffix('}').expect("a JSON object")
    ))
    .expect("policy with a window");
    let usage = Event::from_json(r#"{"type": "usage", "bytes": 1000}"#).expect("event");
    let live = f
        .cards
        .iter()
        .find(|c| c.status() == iotcard::Status::Active && c.clock() == Some(f.at))
        .expect("an active card at the instant");
    // 50 usage records 50 minutes apart: the last 41 h 40 min, inside the window.
    let (mut windowed, mut plain) = (live.clone(), live.clone());
    let mut at = f.at;
    for _ in 0..50 {
        at = at.checked_add_seconds(50 * 60).expect("in range");
        windowed = windowed
            .apply(&policy48, at, &usage)
            .expect("in order")
            .card;
        plain = plain.apply(&f.policy, at, &usage).expect("in order").card;
    }
    let next = at.checked_add_seconds(60).expect("in range");
    let late = at.checked_add_seconds(-24 * 3600).expect("in range");
    let mut g = c.benchmark_group("late_window");
    g.throughput(Throughput::Elements(1));
    g.bench_function("in_order_no_window", |b| {
        b.iter(|| black_box(plain.apply(&f.policy, next, black_box(&usage)).expect("ok")));
    });
    g.bench_function("in_order_window_50", |b| {
        b.iter(|| {
            black_box(
                windowed
                    .apply(&policy48, next, black_box(&usage))
                    .expect("ok"),
            )
        });
    });
    g.bench_function("late_window_50", |b| {
        b.iter(|| {
            black_box(
                windowed
                    .apply(&policy48, late, black_box(&usage))
                    .expect("late"),
            )
        });
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let f = fleet();
    bench_late(c, &f);
    bench_assess(c, &f);
    bench_apply(c, &f);
    bench_advance(c, &f);
    bench_state_json(c, &f);
}

criterion_group! {
    name = native;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(20);
    targets = benches
}
criterion_main!(native);
