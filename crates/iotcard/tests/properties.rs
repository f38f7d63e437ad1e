//! Property tests: the laws of docs/rules.md ("Lifecycle", "Time") and of the crate's
//! contract (refusals change nothing, state JSON round-trips, replay is
//! deterministic), each test named after the law it checks.
//!
//! Case counts: proptest's default, 256 per test (about 7 s for the file in a
//! debug build on 2 cores). Set `PROPTEST_CASES` for a longer run, e.g. nightly:
//! `PROPTEST_CASES=20000 cargo test -p iotcard --release --test properties`.
//! Failures are saved to `crates/iotcard/proptest-regressions/properties.txt` and
//! replayed first on every run; commit that file.

mod common;

use common::{
    Outcome, at, base, cards_of, config, gap, garbage_event, garbage_instant, garbage_log,
    garbage_new_card, garbage_policy, log, new_card, plus, policy, replay, spec,
};
use iotcard::{
    Assessor, Card, Cause, Change, ChangeKind, Effect, Error, Event, Hold, Holds, Policy,
    PolicySettings, Prepared, Rule, Service, Status, TimedEvent,
};
use proptest::prelude::*;

const REGRESSIONS: &str = "proptest-regressions/properties.txt";

/// Whether the card is terminal, read from its stored state (not from `status()`,
/// which some laws check).
fn terminal_in_state(card: &Card) -> bool {
    let v: serde_json::Value = serde_json::from_str(&card.to_json()).expect("state JSON");
    !v["terminal"].is_null()
}

/// Where a law looks at a card later than its clock: a gap after the clock, or
/// one second before, at, or after its next scheduled change.
#[derive(Clone, Copy, Debug)]
enum Later {
    Gap(i64),
    AroundNext(i64),
}

/// [`Later`] choices: a gap of up to ~8 months or up to 6 years, or the next
/// scheduled change's instant ±1 s.
fn later() -> impl Strategy<Value = Later> {
    prop_oneof![
        2 => gap().prop_map(Later::Gap),
        1 => (0i64..6 * 366 * 86_400).prop_map(Later::Gap),
        2 => (-1i64..=1).prop_map(Later::AroundNext),
    ]
}

impl Later {
    fn resolve(self, policy: &Policy, card: &Card, from: iotcard::Instant) -> iotcard::Instant {
        match self {
            Later::Gap(g) => plus(from, g),
            Later::AroundNext(d) => card
                .assess(policy, from)
                .ok()
                .and_then(|a| a.next)
                .map_or(from, |n| plus(n.at, d).max(from)),
        }
    }
}

/// The clock of `card`, or [`base`] for a card that has seen nothing.
fn clock(card: &Card) -> iotcard::Instant {
    card.clock().unwrap_or_else(base)
}

// ------------------------------------------------------------------ time

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// "Advancing to T1 then T2 gives the same card as advancing straight to T2",
    /// with the same changes, in order; also in place, into a non-empty buffer.
    #[test]
    fn prop_advance_is_split_invariant(
        policy in policy(), new in new_card(), log in log(20), l1 in later(), l2 in later()
    ) {
        let (_, card) = replay(&policy, &new, &log);
        let t0 = clock(&card);
        let t1 = l1.resolve(&policy, &card, t0);
        let t2 = t1.max(l2.resolve(&policy, &card, t1));
        let direct = card.advance(&policy, t2);
        let split = card
            .advance(&policy, t1)
            .and_then(|a| Ok((a.clone(), a.card.advance(&policy, t2)?)));
        match (direct, split) {
            (Ok(d), Ok((a, b))) => {
                prop_assert_eq!(&d.card, &b.card);
                let joined: Vec<Change> = a.changes.into_iter().chain(b.changes).collect();
                prop_assert_eq!(&d.changes, &joined);
                // The same in place, appending to a buffer that already holds changes.
                let mut c = card.clone();
                let mut buf = joined.clone();
                c.advance_in_place(&policy, t1, &mut buf).expect("as above");
                c.advance_in_place(&policy, t2, &mut buf).expect("as above");
                prop_assert_eq!(&c, &d.card);
                prop_assert_eq!(&buf[..joined.len()], &joined[..]);
                prop_assert_eq!(&buf[joined.len()..], &joined[..]);
                // Changes come in time order, none before the clock or after T2.
                prop_assert!(d.changes.windows(2).all(|w| w[0].at <= w[1].at));
                prop_assert!(d.changes.iter().all(|c| t0 <= c.at && c.at <= t2));
            }
            (Err(d), Err(s)) => prop_assert_eq!(d, s),
            (d, s) => prop_assert!(false, "direct {:?} but split {:?}", d, s),
        }
    }

    /// Applying an event at T2 after advancing to T1 ≤ T2 gives what applying it
    /// straight at T2 gives (same card, same changes, or the same refusal code).
    #[test]
    fn prop_apply_is_split_invariant(
        policy in policy(), new in new_card(), log in log(20), l1 in later(), g in gap(),
        spec in spec()
    ) {
        let (_, card) = replay(&policy, &new, &log);
        let t1 = l1.resolve(&policy, &card, clock(&card));
        let t2 = plus(t1, g);
        let event = spec.at(t2);
        let direct = card.apply(&policy, t2, &event);
        let adv = card.advance(&policy, t1).expect("realistic instants");
        let split = adv.card.apply(&policy, t2, &event);
        match (direct, split) {
            (Ok(d), Ok(s)) => {
                prop_assert_eq!(&d.card, &s.card);
                prop_assert_eq!(&d.replacement, &s.replacement);
                let joined: Vec<Change> = adv.changes.into_iter().chain(s.changes).collect();
                prop_assert_eq!(d.changes, joined);
            }
            (Err(d), Err(s)) => prop_assert_eq!(d.code(), s.code(), "{} / {}", d, s),
            (d, s) => prop_assert!(false, "direct {:?} but split {:?}", d, s),
        }
    }
}

// ------------------------------------------------------------- prepared

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// "A prepared card assesses as its card": at any later instant (scheduled
    /// changes falling due on the way included), under the policy it was prepared
    /// under and under another one (other time zone, retention or dormancy), the
    /// same assessment or the same refusal.
    #[test]
    fn prop_prepared_card_assesses_as_its_card(
        policy in policy(), other in policy(), new in new_card(), log in log(20),
        l in later()
    ) {
        let (_, card) = replay(&policy, &new, &log);
        let at = l.resolve(&policy, &card, clock(&card));
        let prepared = Prepared::new(card.clone(), &policy);
        prop_assert_eq!(prepared.card(), &card);
        for p in [&policy, &other] {
            let Ok(assessor) = Assessor::new(p, at) else { continue };
            let direct = assessor.assess(&card);
            let via = assessor.assess_prepared(&prepared);
            match (direct, via) {
                (Ok(d), Ok(v)) => prop_assert_eq!(d, v),
                (Err(d), Err(v)) => prop_assert_eq!(d, v),
                (d, v) => prop_assert!(false, "assess {:?} but assess_prepared {:?}", d, v),
            }
        }
    }
}

// ---------------------------------------------------------------- status

/// The "Lifecycle" status table, checked on `card.status()` and on an assessment.
fn check_status_table(
    policy: &Policy,
    card: &Card,
    at: iotcard::Instant,
) -> Result<(), TestCaseError> {
    let terminal = terminal_in_state(card);
    let activated = card.activated_at().is_some();
    let holds = card.holds();
    let st = card.status();
    prop_assert_eq!(
        st == Status::Active,
        activated && !terminal && holds.is_empty(),
        "status {} activated {} terminal {} holds {:?}",
        st,
        activated,
        terminal,
        holds
    );
    prop_assert_eq!(st == Status::Inventory, !activated && !terminal);
    prop_assert_eq!(st.is_terminal(), terminal);
    prop_assert_eq!(
        st == Status::Suspended,
        !terminal && activated && holds.iter().any(|h| h.bars() == iotcard::Services::ALL_SET)
    );
    prop_assert_eq!(
        st == Status::Restricted,
        !terminal
            && activated
            && !holds.is_empty()
            && holds.iter().all(|h| h.bars() != iotcard::Services::ALL_SET)
    );
    if terminal || !activated {
        prop_assert!(holds.is_empty(), "{} card with holds {:?}", st, holds);
    }

    // The assessment at `at` is the assessment of the card advanced to `at`.
    let a = card.assess(policy, at).expect("realistic instants");
    let adv = card.advance(policy, at).expect("realistic instants").card;
    prop_assert_eq!(a.status, adv.status());
    prop_assert_eq!(a.holds, adv.holds());
    prop_assert_eq!(a.balance, adv.balance());
    let terminal = terminal_in_state(&adv);
    prop_assert_eq!(
        a.status == Status::Active,
        adv.activated_at().is_some() && !terminal && a.holds.is_empty()
    );
    // Barred services are the union of what each hold bars (everything once terminal).
    let barred = if terminal {
        iotcard::Services::ALL_SET
    } else {
        a.holds
            .iter()
            .fold(iotcard::Services::EMPTY, |s, h| s.union(h.bars()))
    };
    prop_assert_eq!(a.barred, barred);
    prop_assert_eq!(
        a.status == Status::Restricted,
        !terminal && !a.holds.is_empty() && !a.barred.contains(Service::Sms)
    );
    Ok(())
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// Status is `active` exactly when the card is activated, not terminal and has
    /// no hold; the rest of the "Lifecycle" table too; via `card.status()` and via
    /// `assess` (which equals assessing the card advanced to the instant).
    #[test]
    fn prop_active_exactly_when_activated_live_and_unheld(
        policy in policy(), new in new_card(), log in log(25), later in later()
    ) {
        let (outcomes, _) = replay(&policy, &new, &log);
        for card in cards_of(&new, &outcomes) {
            let t = later.resolve(&policy, &card, clock(&card));
            check_status_table(&policy, &card, clock(&card))?;
            check_status_table(&policy, &card, t)?;
        }
    }
}

// -------------------------------------------------------------- terminal

/// How a card is made terminal.
#[derive(Clone, Copy, Debug)]
enum End {
    Cancel,
    Replace,
    /// Advance by this many seconds: expiry, retention and R4.5, or R6.2.
    Wait(i64),
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// A terminal card (cancelled on request, replaced, or cancelled by a
    /// scheduled change) stays terminal and refuses every event, at any instant,
    /// valid or not, with `terminal`, unchanged; advancing it changes nothing.
    #[test]
    fn prop_terminal_is_absorbing(
        policy in policy(), new in new_card(), log in log(20),
        end in prop_oneof![Just(End::Cancel), Just(End::Replace), (0i64..6 * 366 * 86_400).prop_map(End::Wait)],
        new_iccid in common::iccid(),
        events in prop::collection::vec((garbage_instant(), prop_oneof![spec().prop_map(|s| s.at(base())), garbage_event()]), 1..8),
        wait in 0i64..10 * 366 * 86_400,
    ) {
        let (_, card) = replay(&policy, &new, &log);
        let t = clock(&card);
        let mut card = match end {
            End::Cancel => card.apply(&policy, t, &Event::Cancel).map(|a| a.card),
            End::Replace => card
                .apply(&policy, t, &Event::Replace { iccid: new_iccid })
                .map(|a| a.card),
            End::Wait(s) => card.advance(&policy, plus(t, s)).map(|a| a.card),
        }
        .unwrap_or(card);
        if !card.status().is_terminal() {
            card = card.apply(&policy, clock(&card), &Event::Cancel).expect("cancel is always accepted").card;
        }
        let status = card.status();
        prop_assert!(status.is_terminal());
        prop_assert!(card.holds().is_empty());
        for (at, event) in events {
            let err = card.apply(&policy, at, &event).expect_err("terminal card accepted an event");
            prop_assert_eq!(err.code(), "terminal", "{} at {}: {}", event.kind(), at, err);
            let mut c = card.clone();
            let mut buf = Vec::new();
            prop_assert!(c.apply_in_place(&policy, at, &event, &mut buf).is_err());
            prop_assert_eq!(&c, &card);
            prop_assert!(buf.is_empty());
        }
        let later = plus(clock(&card), wait);
        let adv = card.advance(&policy, later).expect("realistic instant");
        prop_assert_eq!(adv.card.status(), status);
        prop_assert!(adv.changes.is_empty());
        let a = card.assess(&policy, later).expect("realistic instant");
        prop_assert_eq!(a.status, status);
        prop_assert!(a.holds.is_empty());
        prop_assert!(a.next.is_none());
        prop_assert!(a.can.is_empty(), "a terminal card allows {:?}", a.can);
    }
}

// -------------------------------------------------------------- refusals

/// Checks that `apply` and `apply_in_place` agree, and that a refusal leaves the
/// card and the change buffer as they were.
fn check_refusal_changes_nothing(
    policy: &Policy,
    card: &Card,
    e: &TimedEvent,
) -> Result<(), TestCaseError> {
    let before = card.clone();
    let json = card.to_json();
    let result = card.apply(policy, e.at, &e.event);
    prop_assert_eq!(card, &before);
    let sentinel = Change {
        at: e.at,
        rule: Rule::R11,
        cause: Cause::Event(iotcard::EventKind::Cancel),
        effect: Effect::KeepNumberFeeDue { amount: -1 },
    };
    let mut c = card.clone();
    let mut buf = vec![sentinel; 3];
    let in_place = c.apply_in_place(policy, e.at, &e.event, &mut buf);
    match (&result, in_place) {
        (Err(err), Err(err2)) => {
            prop_assert_eq!(err, &err2);
            prop_assert_eq!(&c, card);
            prop_assert_eq!(c.to_json(), json);
            prop_assert_eq!(buf, vec![sentinel; 3]);
        }
        (Ok(a), Ok(replacement)) => {
            prop_assert_eq!(&c, &a.card);
            prop_assert_eq!(&replacement, &a.replacement);
            prop_assert_eq!(&buf[..3], &[sentinel; 3][..]);
            prop_assert_eq!(&buf[3..], &a.changes[..]);
        }
        (r, p) => prop_assert!(false, "apply {:?} but apply_in_place {:?}", r, p),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// A refused event leaves the card unchanged: `apply` returns `Err` and the
    /// original is untouched; `apply_in_place` leaves card and buffer as they
    /// were (and, when accepted, appends exactly `apply`'s changes).
    #[test]
    fn prop_refused_event_leaves_card_unchanged(
        policy in policy(), new in new_card(), log in log(25),
        extra in prop::collection::vec((-3i64 * 86_400..3 * 86_400, prop_oneof![spec().prop_map(|s| s.at(base())), garbage_event()]), 1..6),
    ) {
        let (outcomes, card) = replay(&policy, &new, &log);
        for o in &outcomes {
            check_refusal_changes_nothing(&policy, &o.before, &o.event)?;
        }
        for (d, event) in extra {
            check_refusal_changes_nothing(&policy, &card, &TimedEvent { at: plus(clock(&card), d), event, id: None })?;
        }
    }

    /// No event panics, whatever the values: garbage policy settings (the
    /// ones `Policy::new` refuses are refused naming a `policy.*` field), plans, amounts, byte counts and instants
    /// in years 1..=9999 with offsets up to ±23:59; nor do `advance`, `assess`
    /// and the state JSON of whatever comes out. Refusals still change nothing.
    #[test]
    fn prop_no_event_panics_on_garbage(
        settings in prop_oneof![garbage_policy(), policy().prop_map(PolicySettings::from)],
        new in prop_oneof![garbage_new_card(9999), new_card()],
        log in garbage_log(16, 9999),
        mixed in log(10),
        to in garbage_instant(),
    ) {
        let policy = match Policy::new(settings.clone()) {
            Ok(p) => p,
            Err(e) => {
                prop_assert!(settings.validate().is_err());
                prop_assert!(matches!(&e, Error::InvalidInput { field, .. } if field.starts_with("policy.")), "{}", e);
                return Ok(());
            }
        };
        let Ok(card) = Card::new(&new) else { return Ok(()); };
        let mut card = card;
        for e in mixed.iter().chain(&log) {
            check_refusal_changes_nothing(&policy, &card, e)?;
            if let Ok(a) = card.apply(&policy, e.at, &e.event) {
                card = a.replacement.unwrap_or(a.card);
            }
            let _ = card.assess(&policy, e.at);
            let _ = Card::from_json(&card.to_json());
        }
        let _ = card.assess(&policy, to);
        let _ = card.advance(&policy, to);
        let _ = card.assess(&policy, iotcard::Instant::MAX);
        let _ = card.advance(&policy, iotcard::Instant::MAX);
    }
}

// ---------------------------------------------------------------- R4.4

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// R4.4: at most `retention_months` keep-number fees per retention, each of
    /// `keep_number_fee`, so the accrued fees never exceed
    /// `retention_months × keep_number_fee` (checked on every assessment along
    /// the way and far beyond).
    #[test]
    fn prop_keep_number_fees_never_exceed_retention_months_times_fee(
        policy in policy(), new in new_card(), log in log(25), later in later()
    ) {
        let cap = i128::from(policy.retention_months) * i128::from(policy.keep_number_fee);
        let (outcomes, card) = replay(&policy, &new, &log);
        let mut all: Vec<Change> = Vec::new();
        for o in &outcomes {
            if let Ok(a) = &o.result {
                all.extend(&a.changes);
                let fees = a.card.assess(&policy, o.event.at).expect("realistic").keep_number_fees;
                prop_assert!(0 <= fees && i128::from(fees) <= cap, "fees {} > cap {}", fees, cap);
            }
        }
        let t = later.resolve(&policy, &card, clock(&card));
        let adv = card.advance(&policy, t).expect("realistic");
        all.extend(&adv.changes);
        let fees = card.assess(&policy, t).expect("realistic").keep_number_fees;
        prop_assert!(i128::from(fees) <= cap, "fees {} > cap {}", fees, cap);
        // Per retention (from an expiry to the next), count the fees.
        let mut count = 0u32;
        for c in &all {
            match c.effect {
                Effect::HoldPut { hold: Hold::Expired } => count = 0,
                Effect::KeepNumberFeeDue { amount } => {
                    prop_assert_eq!(amount, policy.keep_number_fee);
                    count += 1;
                    prop_assert!(count <= policy.retention_months, "{} fees in one retention", count);
                }
                _ => {}
            }
        }
    }
}

// ----------------------------------------------------------------- holds

/// The allowed (hold, rule, cause) for a `HoldLifted` change: each hold lifts
/// only through its own rule (R11's table; `lost` never lifts: replacement ends
/// the old card).
fn lift_allowed(policy: &Policy, hold: Hold, rule: Rule, cause: Cause) -> bool {
    use Cause::{Event as E, Scheduled as S};
    use iotcard::EventKind as K;
    match (hold, rule, cause) {
        (Hold::Manual, Rule::R1_2, E(K::ManualResume))
        | (Hold::OverQuota, Rule::R2_3, S(ChangeKind::LiftOverQuota) | E(K::Renew))
        | (Hold::OverQuota, Rule::R2_4, E(K::TopUp | K::Renew))
        | (Hold::Arrears, Rule::R3_2, E(K::ManualResume))
        | (Hold::LowBalance, Rule::R3_3, E(K::Payment))
        | (Hold::Expired, Rule::R4_3, E(K::Renew))
        | (Hold::DeviceMismatch, Rule::R5_3, E(K::Rebind))
        | (Hold::RestrictedRegion, Rule::R7_3, E(K::OperatorRelease))
        | (Hold::Maintenance, Rule::R8_1, S(ChangeKind::LiftMaintenance)) => true,
        (Hold::Arrears, Rule::R3_2, E(K::Payment)) => policy.auto_resume_on_payment,
        _ => false,
    }
}

/// The allowed (hold, rule, cause) for a `HoldPut` change.
fn put_allowed(hold: Hold, rule: Rule, cause: Cause) -> bool {
    use Cause::{Event as E, Scheduled as S};
    use iotcard::EventKind as K;
    matches!(
        (hold, rule, cause),
        (Hold::Manual, Rule::R1_2, E(K::ManualSuspend))
            | (Hold::OverQuota, Rule::R2_2, E(K::Usage | K::Renew))
            | (Hold::Arrears, Rule::R3_1, E(K::Charge | K::Activate))
            | (
                Hold::LowBalance,
                Rule::R3_3,
                E(K::Charge | K::Payment | K::Activate)
            )
            | (Hold::Expired, Rule::R4_1, S(ChangeKind::Expire))
            | (Hold::DeviceMismatch, Rule::R5_2, E(K::Usage))
            | (Hold::RestrictedRegion, Rule::R7_2, E(K::Usage))
            | (Hold::Maintenance, Rule::R8_1, E(K::Maintenance))
            | (Hold::Lost, Rule::R9_2, E(K::ReportLost))
    )
}

/// Replays the hold changes over `before`: every lift and put must be allowed,
/// lift a hold that is on, put one that is off; unless the card ended, the
/// result must be the holds `after` (no hold disappears or appears silently).
fn check_hold_changes(
    policy: &Policy,
    before: Holds,
    changes: &[Change],
    after: &Card,
) -> Result<(), TestCaseError> {
    let mut holds = before;
    for c in changes {
        match c.effect {
            Effect::HoldLifted { hold } => {
                prop_assert!(
                    lift_allowed(policy, hold, c.rule, c.cause),
                    "{:?} lifted by {} {:?}",
                    hold,
                    c.rule,
                    c.cause
                );
                prop_assert!(holds.remove(hold), "{:?} lifted while off", hold);
            }
            Effect::HoldPut { hold } => {
                prop_assert!(
                    put_allowed(hold, c.rule, c.cause),
                    "{:?} put by {} {:?}",
                    hold,
                    c.rule,
                    c.cause
                );
                prop_assert!(holds.insert(hold), "{:?} put while on", hold);
            }
            _ => {}
        }
    }
    if !after.status().is_terminal() {
        prop_assert_eq!(
            holds,
            after.holds(),
            "holds changed without a change: {:?}",
            changes
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// Every hold lifts only through its own rule (manual: R1.2 manual_resume;
    /// over_quota: R2.3 or R2.4; arrears: R3.2 manual_resume, or payment with
    /// auto_resume_on_payment; low_balance: R3.3 payment; expired: R4.3 renew;
    /// device_mismatch: R5.3 rebind; restricted_region: R7.3; maintenance: R8.1
    /// scheduled; lost: never, the replacement ends the old card), goes on only
    /// through its own rule, and no hold comes or goes without a change saying so,
    /// except when the card becomes terminal. Checked on events and on advancing.
    #[test]
    fn prop_holds_lift_only_through_their_own_rule(
        policy in policy(), new in new_card(), log in log(30), later in later()
    ) {
        let (outcomes, card) = replay(&policy, &new, &log);
        for o in &outcomes {
            if let Ok(a) = &o.result {
                check_hold_changes(&policy, o.before.holds(), &a.changes, &a.card)?;
                if let Some(r) = &a.replacement {
                    prop_assert_eq!(a.card.status(), Status::Replaced);
                    // The replacement carries every hold the old card had at the
                    // event (after the changes due then), but `lost`.
                    let mut at_event = o.before.advance(&policy, o.event.at).expect("realistic").card.holds();
                    at_event.remove(Hold::Lost);
                    prop_assert_eq!(r.holds(), at_event);
                    prop_assert_eq!(a.card.replaced_by(), Some(r.iccid()));
                }
            }
        }
        let t = later.resolve(&policy, &card, clock(&card));
        let adv = card.advance(&policy, t).expect("realistic");
        check_hold_changes(&policy, card.holds(), &adv.changes, &adv.card)?;
    }
}

// ------------------------------------------------------------------ JSON

/// `Card::from_json(&card.to_json()) == card`, and writing it again gives the same bytes.
fn check_round_trip(card: &Card) -> Result<(), TestCaseError> {
    let json = card.to_json();
    let back = Card::from_json(&json);
    prop_assert!(back.is_ok(), "{:?}\n{}", back, json);
    let back = back.expect("checked");
    prop_assert_eq!(&back, card);
    prop_assert_eq!(back.to_json(), json);
    // The assessment's JSON, written straight by its `Serialize`, has every
    // object's keys in name order: the same bytes as through a `Value`.
    if let Ok(a) = card.assess(&Policy::default(), clock(card)) {
        prop_assert_eq!(a.to_json(), a.to_json_value().to_string());
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// The stored state round-trips exactly, for every card a story goes through
    /// (new, activated, held, in retention, replaced, cancelled) and advanced later.
    #[test]
    fn prop_state_json_round_trips_exactly(
        policy in policy(), new in new_card(), log in log(25), later in later()
    ) {
        let (outcomes, card) = replay(&policy, &new, &log);
        for c in cards_of(&new, &outcomes) {
            check_round_trip(&c)?;
        }
        let t = later.resolve(&policy, &card, clock(&card));
        check_round_trip(&card.advance(&policy, t).expect("realistic").card)?;
    }

    /// The same at the edges of the supported range: cards driven by garbage
    /// events in local years 1..=9999 (clamped to `Instant::MIN ..= MAX`) with
    /// offsets up to ±23:59, so quota periods start before the range or end
    /// after it (a stored period is read in the range of computed instants).
    #[test]
    fn prop_state_json_round_trips_exactly_at_calendar_edges(
        policy in policy(), new in prop_oneof![garbage_new_card(9999), new_card()],
        log in garbage_log(16, 9999),
    ) {
        let Ok(mut card) = Card::new(&new) else { return Ok(()); };
        check_round_trip(&card)?;
        for e in &log {
            if let Ok(a) = card.apply(&policy, e.at, &e.event) {
                check_round_trip(&a.card)?;
                card = a.replacement.unwrap_or(a.card);
                check_round_trip(&card)?;
            }
        }
    }
}

// ---------------------------------------------------------------- replay

/// A log applied with the state stored as JSON after every event and loaded
/// before the next.
fn replay_through_json(
    policy: &Policy,
    new: &iotcard::NewCard,
    log: &[TimedEvent],
) -> Vec<Outcome> {
    let mut json = Card::new(new).expect("valid").to_json();
    let mut out = Vec::new();
    for e in log {
        let card = Card::from_json(&json).expect("stored state loads");
        let result = card.apply(policy, e.at, &e.event);
        if let Ok(a) = &result {
            json = a.replacement.as_ref().unwrap_or(&a.card).to_json();
        }
        out.push(Outcome {
            before: card,
            event: e.clone(),
            result,
        });
    }
    out
}

proptest! {
    #![proptest_config(config(REGRESSIONS))]

    /// Storing the state JSON after every event and loading it before the next
    /// gives the same cards, changes and assessments as applying the log in one go.
    #[test]
    fn prop_storing_state_between_events_changes_nothing(
        policy in policy(), new in new_card(), log in log(25)
    ) {
        let (direct, _) = replay(&policy, &new, &log);
        let stored = replay_through_json(&policy, &new, &log);
        prop_assert_eq!(direct.len(), stored.len());
        for (d, s) in direct.iter().zip(&stored) {
            prop_assert_eq!(&d.before, &s.before);
            prop_assert_eq!(&d.result, &s.result);
            if let Ok(a) = &d.result {
                let t = d.event.at;
                prop_assert_eq!(a.card.assess(&policy, t), s.result.as_ref().expect("same").card.assess(&policy, t));
                let reloaded = Card::from_json(&a.card.to_json()).expect("loads");
                prop_assert_eq!(a.card.assess(&policy, t), reloaded.assess(&policy, t));
            }
        }
    }

    /// The same log replayed twice gives byte-identical state JSON after every event.
    #[test]
    fn prop_replay_is_deterministic(policy in policy(), new in new_card(), log in log(25)) {
        let (a, ca) = replay(&policy, &new, &log);
        let (b, cb) = replay(&policy, &new, &log);
        prop_assert_eq!(ca.to_json(), cb.to_json());
        for (x, y) in a.iter().zip(&b) {
            prop_assert_eq!(x.before.to_json(), y.before.to_json());
            match (&x.result, &y.result) {
                (Ok(p), Ok(q)) => {
                    prop_assert_eq!(p.card.to_json(), q.card.to_json());
                    prop_assert_eq!(serde_json::to_string(&p.changes).expect("changes JSON"), serde_json::to_string(&q.changes).expect("changes JSON"));
                }
                (Err(p), Err(q)) => prop_assert_eq!(p.to_string(), q.to_string()),
                _ => prop_assert!(false, "outcomes differ"),
            }
        }
    }
}

/// A fixed story through the helpers, so a broken strategy shows up as a plain
/// failure rather than as vacuous properties.
#[test]
fn the_helpers_reach_holds_and_terminal_states() {
    let policy = Policy::default();
    let new = iotcard::NewCard::from_json(
        r#"{"iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 100,
            "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2026-03-01T00:00:00+08:00",
                     "period": "month", "quota_bytes": 10, "monthly_fee": 1000}}"#,
    )
    .expect("card");
    let imei = common::imei_pool()[0];
    let log = [
        TimedEvent {
            at: at("2026-01-02T00:00:00+08:00"),
            event: Event::Activate { imei: Some(imei) },
            id: None,
        },
        TimedEvent {
            at: at("2026-01-03T00:00:00+08:00"),
            event: Event::Charge { amount: 500 },
            id: None,
        },
    ];
    let (outcomes, card) = replay(&policy, &new, &log);
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    assert_eq!(card.holds(), [Hold::Arrears].into_iter().collect());
    let later = card
        .advance(&policy, at("2026-07-01T00:00:00+08:00"))
        .expect("advance")
        .card;
    assert_eq!(later.status(), Status::Cancelled);
}
