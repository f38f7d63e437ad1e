//! Property tests of R12 (late and repeated events), each named after its law.
//!
//! A story is an event log in time order (realistic, or dense: hours apart); its
//! **arrival order** gives
//! each event a delay below the policy's `late_window_hours` and delivers the
//! events by instant + delay (the feed is processed then, so the card may also be
//! advanced to that instant before the event): every event's lateness stays
//! inside the window. The reference is the same accepted events applied in time
//! order (same instant: arrival order) to a card under the same policy.
//!
//! Case counts: proptest's default, 256 per test; set `PROPTEST_CASES` for a
//! longer run, e.g. nightly:
//! `PROPTEST_CASES=20000 cargo test -p iotcard --release --test late_window`.
//! Failures are saved to `crates/iotcard/proptest-regressions/late_window.txt`.

mod common;

use common::{config, log, new_card, plus, policy};
use iotcard::{
    Card, Change, Effect, Event, EventId, Instant, NewCard, Policy, PolicySettings, TimedEvent,
};
use proptest::prelude::*;

const REGRESSIONS: &str = "proptest-regressions/late_window.txt";

/// One arrival: an event of the story, when the feed delivers it, and whether
/// the card is advanced to that instant first.
#[derive(Clone, Debug)]
struct Arrival {
    event: TimedEvent,
    id: EventId,
    delivered: Instant,
    advance_first: bool,
}

/// A policy with a late window of 1, 6 or 48 hours (or up to a week).
fn late_policy() -> impl Strategy<Value = Policy> {
    (
        policy(),
        prop_oneof![1 => Just(1u32), 1 => Just(6), 3 => Just(48), 1 => 1u32..=168],
    )
        .prop_map(|(p, w)| {
            let mut s = PolicySettings::from(p);
            s.late_window_hours = w;
            Policy::new(s).expect("a valid policy")
        })
}

/// The story's events in arrival order: each delayed by less than `hours`.
fn arrivals(log: &[TimedEvent], hours: u32, delays: &[(u32, bool)]) -> Vec<Arrival> {
    let window = i64::from(hours) * 3600;
    let mut out: Vec<Arrival> = log
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (d, advance_first) = delays.get(i).copied().unwrap_or((0, false));
            Arrival {
                event: e.clone(),
                id: EventId::parse(&format!("e{i}")).expect("id"),
                delivered: plus(e.at, i64::from(d) % window),
                advance_first,
            }
        })
        .collect();
    out.sort_by_key(|a| a.delivered); // stable: same delivery, story order
    out
}

/// What a run of arrivals reported: every change, with those withdrawn later
/// taken out again (a multiset: equal changes count separately).
#[derive(Default)]
struct Ledger {
    changes: Vec<Change>,
}

impl Ledger {
    fn post(&mut self, added: &[Change], withdrawn: &[Change]) {
        self.changes.extend_from_slice(added);
        for w in withdrawn {
            let i = self
                .changes
                .iter()
                .position(|c| c == w)
                .unwrap_or_else(|| panic!("withdrawn but never reported: {w:?}"));
            self.changes.remove(i);
        }
    }

    fn fees(&self) -> i64 {
        self.changes
            .iter()
            .map(|c| match c.effect {
                Effect::KeepNumberFeeDue { amount } => amount,
                _ => 0,
            })
            .sum()
    }

    fn sorted(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .changes
            .iter()
            .map(|c| serde_json::to_string(c).expect("change JSON"))
            .collect();
        v.sort();
        v
    }
}

/// The outcome of delivering `arrivals` to a new card: the card, the accepted
/// events in the order they arrived, and the ledger. With `reload`, the card is
/// stored and loaded again before every arrival.
struct Run {
    card: Card,
    accepted: Vec<(TimedEvent, EventId)>,
    ledger: Ledger,
    results: Vec<Result<bool, String>>,
}

fn deliver(policy: &Policy, new: &NewCard, arrivals: &[Arrival], reload: bool) -> Run {
    let mut card = Card::new(new).expect("card");
    let mut run = Run {
        card: card.clone(),
        accepted: Vec::new(),
        ledger: Ledger::default(),
        results: Vec::new(),
    };
    for a in arrivals {
        if reload {
            card = Card::from_json(&card.to_json()).expect("a stored card loads");
        }
        if a.advance_first && card.clock().is_none_or(|c| c <= a.delivered) {
            let adv = card.advance(policy, a.delivered).expect("advance");
            run.ledger.post(&adv.changes, &[]);
            card = adv.card;
        }
        match card.apply_identified(policy, a.event.at, &a.event.event, Some(&a.id)) {
            Ok(done) => {
                assert!(!done.duplicate, "ids are unique in the story");
                run.ledger.post(&done.changes, &done.withdrawn);
                run.accepted.push((a.event.clone(), a.id.clone()));
                run.results.push(Ok(done.duplicate));
                card = done.card;
            }
            Err(e) => {
                run.results.push(Err(e.to_string()));
                let code = e.code();
                assert!(
                    code != "out_of_order" && code != "event_id_conflict",
                    "lateness inside the window: {e}"
                );
            }
        }
    }
    run.card = card;
    run
}

/// The accepted events in time order (same instant: arrival order), applied to a
/// new card, then advanced to `until`.
fn in_time_order(
    policy: &Policy,
    new: &NewCard,
    accepted: &[(TimedEvent, EventId)],
    until: Option<Instant>,
) -> (Card, Ledger) {
    let mut order: Vec<_> = accepted.to_vec();
    order.sort_by_key(|(e, _)| e.at);
    let mut card = Card::new(new).expect("card");
    let mut ledger = Ledger::default();
    for (e, id) in &order {
        let done = card
            .apply_identified(policy, e.at, &e.event, Some(id))
            .unwrap_or_else(|err| panic!("accepted late, refused in time order: {err}"));
        assert!(done.withdrawn.is_empty());
        ledger.post(&done.changes, &[]);
        card = done.card;
    }
    if let Some(t) = until
        && card.clock().is_none_or(|c| c < t)
    {
        let adv = card.advance(policy, t).expect("advance");
        ledger.post(&adv.changes, &[]);
        card = adv.card;
    }
    (card, ledger)
}

fn delays() -> impl Strategy<Value = Vec<(u32, bool)>> {
    prop::collection::vec((any::<u32>(), prop::bool::weighted(0.3)), 32)
}

/// Gaps between the events of a dense story: often none, minutes, hours (so that
/// many events share a late window), now and then days or months.
fn dense_gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        3 => 1i64..3600,
        4 => 3600i64..24 * 3600,
        1 => (1i64..=45).prop_map(|d| d * 86_400),
        1 => 0i64..120 * 86_400,
    ]
}

/// The story, without `replace` (after it the story goes on with another card):
/// half the time [`log`]'s realistic stories, half the time dense ones.
fn story() -> impl Strategy<Value = Vec<TimedEvent>> {
    let dense = (
        common::imei(),
        prop::collection::vec((dense_gap(), common::spec()), 0..24),
    )
        .prop_map(|(imei, rest)| {
            let mut t = common::base();
            let mut out = vec![TimedEvent {
                at: t,
                event: Event::Activate { imei: Some(imei) },
                id: None,
            }];
            for (g, s) in rest {
                t = plus(t, g);
                out.push(TimedEvent {
                    at: t,
                    event: s.at(t),
                    id: None,
                });
            }
            out
        });
    prop_oneof![log(16), dense].prop_map(|l| {
        l.into_iter()
            .filter(|e| !matches!(e.event, Event::Replace { .. }))
            .collect()
    })
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// R12.1: any arrival order whose lateness stays inside the window gives the
    /// card, the assessment and the money of the accepted events in time order.
    #[test]
    fn arrival_order_within_the_window_does_not_matter(
        policy in late_policy(), new in new_card(), log in story(), d in delays()
    ) {
        let arrivals = arrivals(&log, policy.late_window_hours, &d);
        let run = deliver(&policy, &new, &arrivals, false);
        let (reference, ledger) = in_time_order(&policy, &new, &run.accepted, run.card.clock());
        prop_assert_eq!(run.card.without_window(), reference.without_window());
        if let Some(t) = run.card.clock() {
            prop_assert_eq!(run.card.assess(&policy, t), reference.assess(&policy, t));
            let later = plus(t, 400 * 86_400);
            prop_assert_eq!(run.card.assess(&policy, later), reference.assess(&policy, later));
        }
        prop_assert_eq!(run.card.balance(), reference.balance());
        prop_assert_eq!(run.ledger.fees(), ledger.fees());
    }

    /// R12.4: every change reported, with each correction's new changes added and
    /// its withdrawn ones taken out, is the in-order story's changes (and so its
    /// keep-number fees).
    #[test]
    fn the_sum_of_corrections_equals_the_in_order_total(
        policy in late_policy(), new in new_card(), log in story(), d in delays()
    ) {
        let arrivals = arrivals(&log, policy.late_window_hours, &d);
        let run = deliver(&policy, &new, &arrivals, false);
        let (_, ledger) = in_time_order(&policy, &new, &run.accepted, run.card.clock());
        prop_assert_eq!(run.ledger.sorted(), ledger.sorted());
        prop_assert_eq!(run.ledger.fees(), ledger.fees());
    }

    /// R12.5: re-delivering an accepted event (same id, same content) at any
    /// point changes nothing: it is a duplicate, or beyond the window out of
    /// order (terminal on a card that ended since); the card is as without the
    /// re-delivery, and nothing is reported.
    #[test]
    fn a_duplicate_changes_nothing(
        policy in late_policy(), new in new_card(), log in story(), d in delays(),
        again in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..8)
    ) {
        let arrivals = arrivals(&log, policy.late_window_hours, &d);
        let run = deliver(&policy, &new, &arrivals, false);
        prop_assume!(!run.accepted.is_empty());
        // Replay the same arrivals, re-delivering accepted ones after some of them.
        let mut card = Card::new(&new).expect("card");
        let mut seen: Vec<(TimedEvent, EventId)> = Vec::new();
        for (k, a) in arrivals.iter().enumerate() {
            if a.advance_first && card.clock().is_none_or(|c| c <= a.delivered) {
                card = card.advance(&policy, a.delivered).expect("advance").card;
            }
            if let Ok(done) = card.apply_identified(&policy, a.event.at, &a.event.event, Some(&a.id)) {
                card = done.card;
                seen.push((a.event.clone(), a.id.clone()));
            }
            for (at_step, which) in &again {
                if at_step.index(arrivals.len()) != k || seen.is_empty() {
                    continue;
                }
                let (e, id) = which.get(&seen).clone();
                match card.apply_identified(&policy, e.at, &e.event, Some(&id)) {
                    Ok(done) => {
                        prop_assert!(done.duplicate, "a re-delivery applied again");
                        prop_assert!(done.changes.is_empty() && done.withdrawn.is_empty());
                        prop_assert_eq!(&done.card, &card);
                    }
                    // Beyond the window (or on a card that has ended since):
                    // refused, so it still cannot count twice.
                    Err(err) => prop_assert!(
                        err.code() == "out_of_order" || err.code() == "terminal",
                        "{}", err
                    ),
                }
            }
        }
        prop_assert_eq!(card, run.card);
    }

    /// R12.6: storing the card and loading it again between any two arrivals
    /// changes nothing: the same results, the same card.
    #[test]
    fn storing_and_reloading_between_arrivals_changes_nothing(
        policy in late_policy(), new in new_card(), log in story(), d in delays()
    ) {
        let arrivals = arrivals(&log, policy.late_window_hours, &d);
        let straight = deliver(&policy, &new, &arrivals, false);
        let reloaded = deliver(&policy, &new, &arrivals, true);
        prop_assert_eq!(&straight.results, &reloaded.results);
        prop_assert_eq!(&straight.card, &reloaded.card);
        prop_assert_eq!(straight.ledger.sorted(), reloaded.ledger.sorted());
        let back = Card::from_json(&straight.card.to_json()).expect("loads");
        prop_assert_eq!(back.to_json(), straight.card.to_json());
    }

    /// R12.1: under `late_window_hours` 0 (the default) nothing before the clock
    /// is taken, and a story in time order gives the card it gave before R12.
    #[test]
    fn a_zero_window_keeps_strict_time_order(
        policy in policy(), new in new_card(), log in log(16)
    ) {
        prop_assume!(policy.late_window_hours == 0);
        let (_, card) = common::replay(&policy, &new, &log);
        prop_assert_eq!(card.window_len(), 0);
        if let Some(t) = card.clock() {
            let e = card.apply(&policy, plus(t, -1), &Event::Payment { amount: 1 });
            if !card.status().is_terminal() {
                prop_assert_eq!(e.map(|_| ()).map_err(|e| e.code()), Err("out_of_order"));
            }
        }
    }
}

/// The journal keeps the events of the last W hours, no more.
#[test]
fn the_journal_holds_the_last_window_of_events_only() {
    let policy = Policy::from_json(r#"{"late_window_hours": 24}"#).expect("policy");
    let new = NewCard::from_json(
        r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 100000,
            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
                     "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}}"#,
    )
    .expect("card");
    let mut card = Card::new(&new).expect("card");
    let t0 = common::at("2026-01-05T00:00:00+08:00");
    card = card
        .apply(
            &policy,
            t0,
            &Event::Activate {
                imei: Some(common::imei_pool()[0]),
            },
        )
        .expect("activate")
        .card;
    for h in 1..=100 {
        card = card
            .apply(&policy, plus(t0, h * 3600), &Event::Payment { amount: 1 })
            .expect("payment")
            .card;
        // Events at clock − 24 h .. clock: at most 25 of the hourly payments.
        assert!(card.window_len() <= 25, "{} at hour {h}", card.window_len());
    }
    assert_eq!(card.window_len(), 25);
    card = card
        .advance(&policy, plus(t0, 1000 * 3600))
        .expect("advance")
        .card;
    assert_eq!(card.window_len(), 0);
    // The checkpoint moved on with the folded events: a late one is still exact.
    let late = card
        .apply(&policy, plus(t0, 990 * 3600), &Event::Charge { amount: 50 })
        .expect("late");
    assert_eq!(late.card.balance(), 100_000 + 100 - 50);
}
