//! The checks of the core's fuzz targets, one function per target, each taking
//! the raw input bytes. Shared, without a copy, by
//! - the fuzz targets (`fuzz/fuzz_targets/*.rs`, through `fuzz/src/lib.rs`, which
//!   includes this file with `#[path]`), and
//! - `tests/fuzz_corpus.rs`, which replays the committed corpus
//!   (`fuzz/corpus/<target>/`) and every crash input found
//!   (`fuzz/regressions/<target>/`) in the normal `cargo test`, without libFuzzer.
//!
//! A check returns normally when the library answers with a result or a clear
//! error, and panics when a law is broken: an error other than `invalid_input`
//! at a JSON door, a refused event that changed the card, a terminal card that
//! accepted something, a status that disagrees with activation and holds, a
//! state that does not round-trip byte for byte, a replay that is not
//! deterministic. A panic inside the library panics here too: that is a crash.

use std::borrow::Cow;

use arbitrary::{Arbitrary, Unstructured};
use iotcard::fleet::{FleetEntry, Start};
use iotcard::{
    Card, Cause, Change, Effect, Error, Event, Hold, Iccid, Imei, Instant, NewCard, Period, Plan,
    Policy, PolicySettings, Region, Rule, Status, TimeZone, luhn_check_digit, parse_instant,
    scenario,
};

/// The fuzz input as text: the Rust API takes `&str`, so bytes that are not
/// UTF-8 become U+FFFD (the C target sends them as they are).
fn text(data: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// A literal instant.
fn t(s: &str) -> Instant {
    parse_instant("t", s).expect("literal instant")
}

/// `t` plus `secs` seconds, saturating at the supported range.
fn plus(t: Instant, secs: i64) -> Instant {
    t.checked_add_seconds(secs)
        .unwrap_or(if secs < 0 { Instant::MIN } else { Instant::MAX })
}

/// Every error at a JSON door is `invalid_input` with a message.
fn assert_invalid_input(e: &Error, door: &str) {
    assert_eq!(e.code(), "invalid_input", "{door}: {e}");
    assert!(!e.to_string().is_empty(), "{door}: empty message");
}

const IMEI: &str = "490154203237518";

/// The card the JSON targets drive events into: activated on 2026-01-05.
const NEW_CARD: &str = r#"{"iccid":"89860012345678901238","msisdn":"1440012345678","balance":1000,
"plan":{"start":"2026-01-01T00:00:00+08:00","end":"2027-01-01T00:00:00+08:00",
"period":"month","quota_bytes":10485760,"monthly_fee":1000}}"#;

/// A policy other than the default, so that more rules are live.
const OTHER_POLICY: &str = r#"{"timezone":"-23:59","auto_resume_on_payment":true,"low_balance":300,
"credit_limit":500,"overage_rate_per_mb":10,"device_binding":false,"dormancy_months":1,
"retention_months":2,"keep_number_fee":700,"refund_unused_months":1}"#;

fn other_policy() -> Policy {
    Policy::from_json(OTHER_POLICY).expect("literal policy")
}

fn event(json: &str) -> Event {
    Event::from_json(json).expect("literal event")
}

// ------------------------------------------------------------------ laws

/// A change that no operation ever emits, to see that a refused call leaves a
/// change buffer as it was.
fn sentinel() -> Change {
    Change {
        at: Instant::UNIX_EPOCH,
        rule: Rule::R11,
        cause: Cause::Event(iotcard::EventKind::Cancel),
        effect: Effect::KeepNumberFeeDue { amount: -1 },
    }
}

/// The laws every card satisfies, whatever made it: status `active` exactly
/// when activated, not terminal and no hold; no hold on a terminal or inventory
/// card; the state JSON loads back to the same card and writes the same bytes.
/// Returns the state JSON.
pub fn check_card(card: &Card) -> String {
    let json = card.to_json();
    // Read from the stored state, not from `status()`, which is what is checked.
    let terminal = !json.contains("\"terminal\":null");
    let activated = card.activated_at().is_some();
    let holds = card.holds();
    let status = card.status();
    assert_eq!(
        status == Status::Active,
        activated && !terminal && holds.is_empty(),
        "status {status}, activated {activated}, terminal {terminal}, holds {holds:?}"
    );
    assert_eq!(status.is_terminal(), terminal, "status {status}");
    assert_eq!(status == Status::Inventory, !activated && !terminal);
    if terminal || !activated {
        assert!(holds.is_empty(), "{status} card with holds {holds:?}");
    }
    let back = Card::from_json(&json)
        .unwrap_or_else(|e| panic!("a card's state does not load back: {e}\n{json}"));
    assert_eq!(&back, card, "state JSON round trip\n{json}");
    assert_eq!(back.to_json(), json, "state JSON is not byte-identical");
    json
}

/// Applies `event` at `at` with both `apply` and `apply_in_place` and checks the
/// laws: they agree; a refusal leaves the card (and its state bytes) and the
/// change buffer exactly as they were; a terminal card refuses everything with
/// `terminal`; an instant before the card's clock is `out_of_order`; every card
/// that comes out satisfies [`check_card`]. Returns the card to go on with (the
/// new card after a `replace`), or `None` when refused.
pub fn check_apply(policy: &Policy, card: &Card, at: Instant, event: &Event) -> Option<Card> {
    check_apply_result(policy, card, at, event)
        .ok()
        .map(|a| a.replacement.unwrap_or(a.card))
}

/// [`check_apply`], returning what `apply` returned.
fn check_apply_result(
    policy: &Policy,
    card: &Card,
    at: Instant,
    event: &Event,
) -> Result<iotcard::Applied, Error> {
    let before = card.to_json();
    let result = card.apply(policy, at, event);
    let mut c = card.clone();
    let mut buf = vec![sentinel()];
    let in_place = c.apply_in_place(policy, at, event, &mut buf);
    let terminal = card.status().is_terminal();
    match (&result, in_place) {
        (Err(e), Err(e2)) => {
            assert_eq!(e, &e2, "apply and apply_in_place refuse differently");
            assert_eq!(&c, card, "a refused event changed the card: {e}");
            assert_eq!(
                c.to_json(),
                before,
                "a refused event changed the state: {e}"
            );
            assert_eq!(buf, vec![sentinel()], "a refused event left changes: {e}");
            if terminal {
                assert_eq!(
                    e.code(),
                    "terminal",
                    "{} on a terminal card: {e}",
                    event.kind()
                );
            } else if card.clock().is_some_and(|last| at < last) {
                assert_eq!(e.code(), "out_of_order", "{e}");
            }
        }
        (Ok(a), Ok(replacement)) => {
            assert!(!terminal, "a terminal card accepted {}", event.kind());
            assert_eq!(c, a.card, "apply and apply_in_place disagree");
            assert_eq!(replacement, a.replacement);
            assert_eq!(buf[0], sentinel());
            assert_eq!(&buf[1..], &a.changes[..]);
            assert_eq!(a.card.clock(), Some(at), "the clock is the event's instant");
            check_card(&a.card);
            if let Some(new) = &a.replacement {
                assert_eq!(a.card.status(), Status::Replaced);
                check_card(new);
            }
        }
        (r, p) => panic!("apply {r:?} but apply_in_place {p:?}"),
    }
    result
}

/// Advances to `to` and checks: a refusal changes nothing; a terminal card
/// stays terminal with no change; the result satisfies [`check_card`].
pub fn check_advance(policy: &Policy, card: &Card, to: Instant) -> Option<Card> {
    let mut c = card.clone();
    let mut buf = vec![sentinel()];
    let in_place = c.advance_in_place(policy, to, &mut buf);
    match (card.advance(policy, to), in_place) {
        (Err(e), Err(e2)) => {
            assert_eq!(e, e2);
            assert_eq!(&c, card, "a refused advance changed the card: {e}");
            assert_eq!(buf, vec![sentinel()]);
            None
        }
        (Ok(adv), Ok(())) => {
            assert_eq!(c, adv.card);
            assert_eq!(&buf[1..], &adv.changes[..]);
            if card.status().is_terminal() {
                assert_eq!(adv.card.status(), card.status(), "terminal stays terminal");
                assert!(adv.changes.is_empty(), "a terminal card changed");
            }
            check_card(&adv.card);
            Some(adv.card)
        }
        (r, p) => panic!("advance {r:?} but advance_in_place {p:?}"),
    }
}

/// Assessing at `at` is assessing the card advanced to `at`; the JSON of an
/// assessment can always be written.
pub fn check_assess(policy: &Policy, card: &Card, at: Instant) {
    let assessed = card.assess(policy, at);
    if let Ok(a) = &assessed {
        assert!(!a.to_json().is_empty());
        assert_eq!(
            a.status == Status::Active,
            a.holds.is_empty() && !matches!(a.status, Status::Inventory) && !a.status.is_terminal()
        );
    }
    if let (Ok(a), Ok(adv)) = (&assessed, card.advance(policy, at)) {
        assert_eq!(a.status, adv.card.status(), "assess vs advance");
        assert_eq!(a.holds, adv.card.holds(), "assess vs advance");
        assert_eq!(a.balance, adv.card.balance(), "assess vs advance");
        if let Ok(b) = adv.card.assess(policy, at) {
            assert_eq!(*a, b, "assessing a card vs assessing it advanced");
        }
    }
}

// --------------------------------------------------------- JSON doors

/// Fixture cards for the event target: new, active, in arrears, in retention,
/// lost, cancelled (built once).
fn fixture_cards() -> &'static [Card] {
    static CARDS: std::sync::OnceLock<Vec<Card>> = std::sync::OnceLock::new();
    CARDS.get_or_init(|| {
        let p = Policy::default();
        let new = Card::new(&NewCard::from_json(NEW_CARD).expect("card")).expect("card");
        let go = |c: &Card, at: &str, e: &str| c.apply(&p, t(at), &event(e)).expect("story").card;
        let active = go(
            &new,
            "2026-01-05T10:00:00+08:00",
            &format!(r#"{{"type":"activate","imei":"{IMEI}"}}"#),
        );
        let arrears = go(
            &active,
            "2026-02-01T00:00:00+08:00",
            r#"{"type":"charge","amount":1500}"#,
        );
        let retention = active
            .advance(&p, t("2027-02-10T00:00:00+08:00"))
            .expect("story")
            .card;
        let lost = go(
            &arrears,
            "2026-03-01T00:00:00+08:00",
            r#"{"type":"report_lost"}"#,
        );
        let cancelled = go(&active, "2026-03-01T00:00:00+08:00", r#"{"type":"cancel"}"#);
        vec![new, active, arrears, retention, lost, cancelled]
    })
}

/// `policy_json`: `Policy::from_json` gives a valid policy that round-trips, or
/// `invalid_input`; a card's story under an accepted policy keeps the laws.
pub fn policy_json(data: &[u8]) {
    let json = text(data);
    let policy = match Policy::from_json(&json) {
        Ok(p) => p,
        Err(e) => return assert_invalid_input(&e, "policy"),
    };
    policy.validate().expect("a parsed policy is valid");
    let written = policy.to_json();
    let back = Policy::from_json(&written).expect("a policy's JSON loads back");
    assert_eq!(back, policy);
    assert_eq!(back.to_json(), written);
    // A story under the policy: activation, traffic from a restricted region on
    // another device, a charge, a year later.
    let mut card = Card::new(&NewCard::from_json(NEW_CARD).expect("card")).expect("card");
    for (at, e) in [
        (
            "2026-01-05T10:00:00+08:00",
            format!(r#"{{"type":"activate","imei":"{IMEI}"}}"#),
        ),
        (
            "2026-01-06T00:00:00+08:00",
            r#"{"type":"usage","bytes":20971520,"imei":"352099001761481","region":"65"}"#.into(),
        ),
        (
            "2026-02-01T00:00:00+08:00",
            r#"{"type":"charge","amount":1500}"#.into(),
        ),
    ] {
        if let Some(next) = check_apply(&policy, &card, t(at), &event(&e)) {
            card = next;
        }
    }
    check_assess(&policy, &card, t("2027-02-01T00:00:00+08:00"));
    check_advance(&policy, &card, t("2027-06-01T00:00:00+08:00"));
}

/// `new_card_json`: `NewCard::from_json` gives a card that `Card::new` takes and
/// whose JSON round-trips, or `invalid_input`; activating, assessing and
/// advancing it to the end of time keep the laws.
pub fn new_card_json(data: &[u8]) {
    let json = text(data);
    let new = match NewCard::from_json(&json) {
        Ok(n) => n,
        Err(e) => return assert_invalid_input(&e, "card"),
    };
    let written = serde_json::to_string(&new).expect("a new card serializes");
    assert_eq!(NewCard::from_json(&written).expect("loads back"), new);
    let card = Card::new(&new).expect("a parsed new card is a valid card");
    check_card(&card);
    let p = Policy::default();
    let start = new.plan.start;
    check_assess(&p, &card, start);
    let activate = event(&format!(r#"{{"type":"activate","imei":"{IMEI}"}}"#));
    let Some(active) = check_apply(&p, &card, start, &activate) else {
        return;
    };
    check_assess(&p, &active, new.plan.end);
    if let Some(later) = check_advance(&p, &active, plus(new.plan.end, 86_400)) {
        check_assess(&p, &later, Instant::MAX);
    }
}

/// `event_json`: `Event::from_json` gives a valid event that round-trips, or
/// `invalid_input`; applied to every fixture card under two policies, at the
/// card's clock, a day later and an instant the event itself names, it keeps
/// the laws.
pub fn event_json(data: &[u8]) {
    let json = text(data);
    let e = match Event::from_json(&json) {
        Ok(e) => e,
        Err(err) => return assert_invalid_input(&err, "event"),
    };
    e.validate().expect("a parsed event is valid");
    assert_eq!(Event::from_json(&e.to_json()).expect("loads back"), e);
    let named = match e {
        Event::Maintenance { until } => Some(plus(until, -1)),
        Event::Renew { plan } => Some(plan.start),
        _ => None,
    };
    for policy in [Policy::default(), other_policy()] {
        for card in fixture_cards() {
            let clock = card
                .clock()
                .unwrap_or_else(|| t("2026-01-05T10:00:00+08:00"));
            for at in [Some(clock), Some(plus(clock, 86_400)), named]
                .into_iter()
                .flatten()
            {
                if let Some(next) = check_apply(&policy, card, at, &e) {
                    check_assess(&policy, &next, at);
                }
            }
        }
    }
}

/// `card_state_json`: `Card::from_json` gives a card that satisfies the laws
/// (round trip included), or `invalid_input`; assessing it, advancing it and
/// applying a few events to it keep them.
pub fn card_state_json(data: &[u8]) {
    let json = text(data);
    let card = match Card::from_json(&json) {
        Ok(c) => c,
        Err(e) => return assert_invalid_input(&e, "state"),
    };
    check_card(&card);
    let at = card.clock().unwrap_or(card.plan().start);
    for policy in [Policy::default(), other_policy()] {
        check_assess(&policy, &card, at);
        check_assess(&policy, &card, plus(at, 40 * 86_400));
        check_advance(&policy, &card, Instant::MAX);
        for e in [
            r#"{"type":"payment","amount":100}"#,
            r#"{"type":"usage","bytes":1,"imei":"352099001761481","region":"65"}"#,
            r#"{"type":"manual_resume"}"#,
            r#"{"type":"renew","plan":{"start":"2026-01-01T00:00:00Z","end":"2099-01-01T00:00:00Z","period":"year","quota_bytes":1,"monthly_fee":1}}"#,
            r#"{"type":"replace","iccid":"89860012345678901246"}"#,
        ] {
            check_apply(&policy, &card, at, &event(e));
        }
    }
}

/// `scenario_file`: `scenario::run` plays the file or refuses it with
/// `invalid_input`; a report never says that a refused event changed the card.
pub fn scenario_file(data: &[u8]) {
    let json = text(data);
    match scenario::run(&json) {
        Ok(report) => {
            let parsed = scenario::parse(&json).expect("ran, so it parses");
            assert_eq!(report.steps, parsed.steps.len());
            assert!(
                report.failures.iter().all(|f| f.field != "card"),
                "a refused event changed the card:\n{report}"
            );
            let _ = report.to_string();
        }
        Err(e) => assert_invalid_input(&e, "scenario"),
    }
}

/// `fleet_line`: `FleetEntry::from_json` gives an entry of at most
/// `MAX_EVENTS_PER_CARD` valid events, or `invalid_input`; replaying it (to its
/// last event and to the end of time) is deterministic and keeps the laws.
pub fn fleet_line(data: &[u8]) {
    let json = text(data);
    let entry = match FleetEntry::from_json(&json) {
        Ok(e) => e,
        Err(e) => return assert_invalid_input(&e, "entry"),
    };
    assert!(entry.events.len() <= iotcard::fleet::MAX_EVENTS_PER_CARD);
    let last = entry
        .events
        .iter()
        .map(|e| e.at)
        .max()
        .unwrap_or(match &entry.start {
            Start::New(card) => card.plan.start,
            Start::Stored(state) => state.plan().start,
        });
    for policy in [Policy::default(), other_policy()] {
        for at in [last, Instant::MAX] {
            let first = entry.replay(&policy, at);
            let second = entry.replay(&policy, at);
            assert_eq!(first, second, "replay is not deterministic");
            if let Ok(r) = first {
                check_card(&r.card);
                for old in &r.replaced {
                    assert_eq!(old.status(), Status::Replaced);
                    check_card(old);
                }
                assert!(r.later_events <= entry.events.len());
            }
        }
        check_stored_midway(&entry, &policy, last);
    }
}

/// Replaying a time-ordered log to an instant halfway, storing what
/// [`FleetEntry::stored`] keeps (through its JSON) and replaying that to `last`
/// gives what replaying the whole log to `last` gives.
fn check_stored_midway(entry: &FleetEntry, policy: &Policy, last: Instant) {
    if entry.events.is_empty() || !entry.events.is_sorted_by_key(|t| t.at) {
        return;
    }
    let mid = entry.events[entry.events.len() / 2].at;
    let Ok(halfway) = entry.replay(policy, mid) else {
        return;
    };
    let kept = entry.stored(halfway.clone(), mid);
    let n = halfway.replaced.len();
    assert_eq!(kept.len(), n + 1);
    for stored in &kept {
        let back = FleetEntry::from_json(&stored.to_json()).expect("a stored entry reads back");
        assert_eq!(&back, stored, "a stored entry round-trips");
    }
    let outcome = kept[n].replay(policy, last);
    let whole = entry.replay(policy, last);
    match (whole, outcome) {
        (Ok(w), Ok(s)) => {
            assert_eq!(
                s.card, w.card,
                "stored halfway, then replayed: another card"
            );
            // Replaced cards as they were when replaced (a stored one read back
            // and advanced would only move its clock).
            let mut replaced = halfway.replaced;
            replaced.extend(s.replaced);
            assert_eq!(replaced, w.replaced);
        }
        (Err(_), Err(_)) => {}
        (w, s) => panic!("whole log {w:?}, stored halfway {s:?}"),
    }
}

// ------------------------------------------------------ event sequence

/// Money: small, any, or near the edges of `i64`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Money {
    /// 0..65535.
    Small(u16),
    /// Negative small.
    Negative(u16),
    /// Any.
    Raw(i64),
    /// `i64::MAX - n`.
    NearMax(u16),
    /// `i64::MIN + n`.
    NearMin(u16),
}

impl Money {
    fn get(self) -> i64 {
        match self {
            Money::Small(n) => i64::from(n),
            Money::Negative(n) => -i64::from(n),
            Money::Raw(n) => n,
            Money::NearMax(n) => i64::MAX - i64::from(n),
            Money::NearMin(n) => i64::MIN + i64::from(n),
        }
    }
}

/// Bytes: small, any, or near `u64::MAX`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Bytes {
    /// 0..65535.
    Small(u16),
    /// 0..65535 MiB.
    Mib(u16),
    /// Any.
    Raw(u64),
    /// `u64::MAX - n`.
    NearMax(u16),
}

impl Bytes {
    fn get(self) -> u64 {
        match self {
            Bytes::Small(n) => u64::from(n),
            Bytes::Mib(n) => u64::from(n) << 20,
            Bytes::Raw(n) => n,
            Bytes::NearMax(n) => u64::MAX - u64::from(n),
        }
    }
}

/// Where a story starts: 2026, or at the edges of the calendar.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Epoch {
    /// 2026-01-01T00:00:00+08:00.
    Y2026,
    /// 1900-01-01T00:00:00Z (the first instant of the supported range).
    Year1,
    /// 9898-12-01T00:00:00Z (the last month of the supported range).
    Year9999,
    /// A day after the supported range's first instant.
    NearMin,
    /// About a year before the supported range's last instant.
    NearMax,
}

impl Epoch {
    fn get(self) -> Instant {
        match self {
            Epoch::Y2026 => t("2026-01-01T00:00:00+08:00"),
            Epoch::Year1 => t("1900-01-01T00:00:00Z"),
            Epoch::Year9999 => t("9898-12-01T00:00:00Z"),
            Epoch::NearMin => plus(Instant::MIN, 86_400),
            Epoch::NearMax => plus(Instant::MAX, -400 * 86_400),
        }
    }
}

/// The time between two steps.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Gap {
    /// The same instant.
    Same,
    /// Seconds.
    Seconds(u16),
    /// Whole days.
    Days(u8),
    /// About months (31 days each).
    Months(u8),
    /// Seconds back in time (out of order).
    Back(u16),
    /// Any number of seconds, saturating at the calendar's range.
    Raw(i64),
}

impl Gap {
    fn after(self, t: Instant) -> Instant {
        match self {
            Gap::Same => t,
            Gap::Seconds(s) => plus(t, i64::from(s)),
            Gap::Days(d) => plus(t, i64::from(d) * 86_400),
            Gap::Months(m) => plus(t, i64::from(m) * 31 * 86_400),
            Gap::Back(s) => plus(t, -i64::from(s)),
            Gap::Raw(s) => plus(t, s),
        }
    }
}

/// A plan relative to an instant: starting `back_days` before it, lasting
/// `len` (which may be zero or negative: refused).
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct PlanIn {
    back_days: i16,
    len: Gap,
    period: u8,
    quota: Bytes,
    fee: Money,
}

impl PlanIn {
    fn at(self, t: Instant) -> Plan {
        let start = plus(t, -i64::from(self.back_days) * 86_400);
        Plan {
            start,
            end: self.len.after(start),
            period: [Period::Month, Period::Quarter, Period::Year][usize::from(self.period % 3)],
            quota_bytes: self.quota.get(),
            monthly_fee: self.fee.get(),
        }
    }
}

/// A policy: valid (values clamped into range) unless `raw`.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub struct PolicyIn {
    raw: bool,
    offset_minutes: i16,
    retention_months: u16,
    keep_number_fee: Money,
    credit_limit: Money,
    low_balance: Money,
    auto_resume_on_payment: bool,
    overage_rate_per_mb: Money,
    device_binding: bool,
    dormancy_months: Option<u16>,
    refund_unused_months: u16,
    restricted: u8,
}

impl PolicyIn {
    fn get(self) -> PolicySettings {
        let minutes = i32::from(self.offset_minutes) % 1440;
        let tz = TimeZone::from_offset_seconds(minutes * 60).expect("within ±23:59");
        let money = |m: Money| if self.raw { m.get() } else { m.get().max(0) };
        // Realistic month counts (0..=24), and now and then the largest.
        let months = |m: u16| {
            if self.raw {
                u32::from(m)
            } else if m == u16::MAX {
                iotcard::MAX_POLICY_MONTHS
            } else {
                u32::from(m) % 25
            }
        };
        let mut restricted = iotcard::Regions::EMPTY;
        for code in [65u8, 35, 45, 54, 11, 82] {
            if self.restricted & (1 << (code % 8)) != 0 {
                restricted.insert(Region::from_code(code).expect("province"));
            }
        }
        PolicySettings {
            timezone: tz,
            retention_months: months(self.retention_months),
            keep_number_fee: money(self.keep_number_fee),
            credit_limit: money(self.credit_limit),
            low_balance: money(self.low_balance),
            auto_resume_on_payment: self.auto_resume_on_payment,
            overage_rate_per_mb: money(self.overage_rate_per_mb),
            device_binding: self.device_binding,
            dormancy_months: self
                .dormancy_months
                .map(|m| months(m).max(u32::from(!self.raw))),
            refund_unused_months: months(self.refund_unused_months),
            restricted_regions: restricted,
        }
    }
}

/// One step of a story.
#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum StepIn {
    /// `activate` with an IMEI of the pool (or none).
    Activate(Option<u8>),
    /// `usage`.
    Usage {
        /// Bytes.
        bytes: Bytes,
        /// IMEI of the pool.
        imei: Option<u8>,
        /// A province code (kept when it is one).
        region: Option<u8>,
    },
    /// `charge`.
    Charge(Money),
    /// `payment`.
    Payment(Money),
    /// `top_up`.
    TopUp(Bytes),
    /// `manual_suspend`.
    ManualSuspend,
    /// `manual_resume`.
    ManualResume,
    /// `renew` with a plan relative to the step's instant.
    Renew(PlanIn),
    /// `rebind`.
    Rebind(u8),
    /// `operator_release` of a hold.
    OperatorRelease(u8),
    /// `maintenance` until the step's instant plus a gap (may be back).
    Maintenance(Gap),
    /// `report_lost`.
    ReportLost,
    /// `replace` with an ICCID of the pool.
    Replace(u8),
    /// `cancel`.
    Cancel,
    /// Advance the card to the step's instant.
    Advance,
    /// Assess the card at the step's instant.
    Assess,
}

/// A whole story: a policy, a new card, and steps each after a gap.
#[derive(Arbitrary, Debug, Clone)]
pub struct Sequence {
    policy: PolicyIn,
    epoch: Epoch,
    iccid: u8,
    auto_suspend: bool,
    balance: Money,
    plan: PlanIn,
    steps: Vec<(Gap, StepIn)>,
}

/// Most steps one input plays (a longer input is cut).
pub const MAX_STEPS: usize = 32;

fn imei_of(i: u8) -> Imei {
    let body = ["49015420323751", "35209900176148", "86000000000000"][usize::from(i % 3)];
    let d = luhn_check_digit(body).expect("digits");
    Imei::parse(&format!("{body}{d}")).expect("valid IMEI")
}

fn iccid_of(i: u8) -> Iccid {
    let body = format!("898600123456789{:04}", i % 8);
    let d = luhn_check_digit(&body).expect("digits");
    Iccid::parse(&format!("{body}{d}")).expect("valid ICCID")
}

impl StepIn {
    fn event(self, at: Instant) -> Option<Event> {
        Some(match self {
            StepIn::Activate(imei) => Event::Activate {
                imei: imei.map(imei_of),
            },
            StepIn::Usage {
                bytes,
                imei,
                region,
            } => Event::Usage {
                bytes: bytes.get(),
                imei: imei.map(imei_of),
                region: region.and_then(|r| Region::from_code(r).ok()),
            },
            StepIn::Charge(m) => Event::Charge { amount: m.get() },
            StepIn::Payment(m) => Event::Payment { amount: m.get() },
            StepIn::TopUp(b) => Event::TopUp { bytes: b.get() },
            StepIn::ManualSuspend => Event::ManualSuspend,
            StepIn::ManualResume => Event::ManualResume,
            StepIn::Renew(plan) => Event::Renew { plan: plan.at(at) },
            StepIn::Rebind(i) => Event::Rebind { imei: imei_of(i) },
            StepIn::OperatorRelease(h) => Event::OperatorRelease {
                hold: Hold::ALL[usize::from(h) % Hold::ALL.len()],
            },
            StepIn::Maintenance(g) => Event::Maintenance { until: g.after(at) },
            StepIn::ReportLost => Event::ReportLost,
            StepIn::Replace(i) => Event::Replace { iccid: iccid_of(i) },
            StepIn::Cancel => Event::Cancel,
            StepIn::Advance | StepIn::Assess => return None,
        })
    }
}

/// `event_sequence`: a random policy, card and story (built with `arbitrary`
/// from the input), played step by step on the card and on a twin that is
/// stored as JSON and loaded back before every step. Every step keeps the laws
/// of [`check_apply`], [`check_advance`] and [`check_assess`], and the twin
/// gets exactly the same results.
pub fn event_sequence(data: &[u8]) {
    let Ok(mut seq) = Sequence::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    seq.steps.truncate(MAX_STEPS);
    let policy = match Policy::new(seq.policy.get()) {
        Ok(p) => p,
        Err(e) => return assert_invalid_input(&e, "policy"),
    };
    let mut at = seq.epoch.get();
    let new = NewCard {
        iccid: iccid_of(seq.iccid),
        msisdn: iotcard::Msisdn::parse("1440012345678").expect("valid MSISDN"),
        auto_suspend: seq.auto_suspend,
        balance: seq.balance.get(),
        plan: seq.plan.at(at),
        operator: None,
    };
    let mut card = match Card::new(&new) {
        Ok(c) => c,
        Err(e) => return assert_invalid_input(&e, "card"),
    };
    check_card(&card);
    for (gap, step) in seq.steps {
        at = gap.after(at);
        let twin = Card::from_json(&card.to_json()).expect("a stored state loads");
        match step.event(at) {
            Some(e) => {
                let result = check_apply_result(&policy, &card, at, &e);
                assert_eq!(
                    result,
                    twin.apply(&policy, at, &e),
                    "a stored and loaded card answers differently"
                );
                if let Ok(a) = result {
                    card = a.replacement.unwrap_or(a.card);
                }
            }
            None if matches!(step, StepIn::Advance) => {
                let next = check_advance(&policy, &card, at);
                assert_eq!(card.advance(&policy, at), twin.advance(&policy, at));
                if let Some(next) = next {
                    card = next;
                }
            }
            None => {
                check_assess(&policy, &card, at);
                assert_eq!(card.assess(&policy, at), twin.assess(&policy, at));
            }
        }
    }
}
