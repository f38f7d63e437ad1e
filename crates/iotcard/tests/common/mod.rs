//! Strategies and helpers shared by `properties.rs` and `model.rs`.
//!
//! Two families of strategies:
//! - *realistic* ones (`policy`, `new_card`, `log`, ...): values a billing system
//!   sends, around 2026, small enough that holds go on and off often;
//! - *garbage* ones (`garbage_*`): anything the types allow, biased to the edges
//!   (amounts near `i64::MIN/MAX`, bytes near `u64::MAX`, instants in years
//!   1..=9999 written with offsets up to ±23:59).

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone as _, Utc};
use iotcard::{
    Applied, Card, Error, Event, Hold, Iccid, Imei, Instant, Msisdn, NewCard, Period, Plan, Policy,
    PolicySettings, Region, TimeZone, TimedEvent, luhn_check_digit,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// The proptest configuration of every test here: proptest's default (256
/// cases, or `PROPTEST_CASES` from the environment), with failures persisted to
/// `crates/iotcard/<file>` (cargo runs integration tests from the package root).
pub fn config(file: &'static str) -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct(file))),
        ..Config::default()
    }
}

/// Parses an RFC 3339 instant (test literals only).
pub fn at(s: &str) -> Instant {
    iotcard::parse_instant("at", s).expect("test literal")
}

/// 2026-01-01T00:00:00+08:00: where realistic stories start.
pub fn base() -> Instant {
    at("2026-01-01T00:00:00+08:00")
}

/// `t` plus `secs` seconds, saturating at the supported range.
pub fn plus(t: Instant, secs: i64) -> Instant {
    t.checked_add_seconds(secs)
        .unwrap_or(if secs < 0 { Instant::MIN } else { Instant::MAX })
}

/// A chrono instant as an [`Instant`], clamped to the supported range.
pub fn inst(t: DateTime<Utc>) -> Instant {
    Instant::try_from(t).unwrap_or(if t < DateTime::<Utc>::from(Instant::MIN) {
        Instant::MIN
    } else {
        Instant::MAX
    })
}

/// An identifier body plus its Luhn check digit.
fn with_luhn(body: &str) -> String {
    let d = luhn_check_digit(body).expect("digits");
    format!("{body}{d}")
}

/// Three valid IMEIs: events pick among them so that mismatches and matches
/// both happen often.
pub fn imei_pool() -> [Imei; 3] {
    ["49015420323751", "35209900176148", "86000000000000"]
        .map(|b| Imei::parse(&with_luhn(b)).expect("valid IMEI"))
}

/// An IMEI from [`imei_pool`].
pub fn imei() -> impl Strategy<Value = Imei> {
    (0usize..3).prop_map(|i| imei_pool()[i])
}

/// Any valid ICCID: `89`, 16 or 17 random digits, the Luhn digit (19 or 20 digits).
pub fn iccid() -> impl Strategy<Value = Iccid> {
    prop_oneof!["89[0-9]{16}", "89[0-9]{17}"]
        .prop_map(|body| Iccid::parse(&with_luhn(&body)).expect("valid ICCID"))
}

/// Any valid MSISDN (11 to 15 digits).
pub fn msisdn() -> impl Strategy<Value = Msisdn> {
    "[0-9]{11,15}".prop_map(|s| Msisdn::parse(&s).expect("valid MSISDN"))
}

/// GB/T 2260 province codes.
pub const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// Any province; restricted ones (65, 35, 45, 54 by default) come up often.
pub fn region() -> impl Strategy<Value = Region> {
    prop_oneof![
        prop::sample::select(&[65u8, 35, 45, 54][..]),
        prop::sample::select(&PROVINCES[..]),
    ]
    .prop_map(|c| Region::from_code(c).expect("province"))
}

/// Billing time zones: the default `+08:00`, UTC, the extremes ±23:59 and two in between.
pub fn timezone() -> impl Strategy<Value = TimeZone> {
    prop::sample::select(
        &[
            "+08:00", "+08:00", "+00:00", "-05:00", "+05:45", "+23:59", "-23:59",
        ][..],
    )
    .prop_map(|s| TimeZone::parse(s).expect("offset"))
}

/// Realistic policies: every knob of the rule book varied within its valid range
/// (auto-resume, low balance, credit limit, device binding, dormancy, retention
/// length and fee, overage rate, time zone); always passes `Policy::new`.
pub fn policy() -> impl Strategy<Value = Policy> {
    (
        (
            any::<bool>(),
            prop_oneof![Just(0i64), 1i64..3000],
            prop_oneof![Just(0i64), 1i64..2000],
            prop::bool::weighted(0.7),
        ),
        (
            prop_oneof![2 => Just(None), 1 => (1u32..=6).prop_map(Some)],
            0u32..=4,
            prop_oneof![Just(500i64), 0i64..5000],
            prop_oneof![Just(0i64), 1i64..100],
            timezone(),
        ),
    )
        .prop_map(
            |(
                (auto_resume_on_payment, low_balance, credit_limit, device_binding),
                (dormancy_months, retention_months, keep_number_fee, overage_rate_per_mb, timezone),
            )| {
                Policy::new(PolicySettings {
                    timezone,
                    retention_months,
                    keep_number_fee,
                    credit_limit,
                    low_balance,
                    auto_resume_on_payment,
                    overage_rate_per_mb,
                    device_binding,
                    dormancy_months,
                    ..PolicySettings::default()
                })
                .expect("a valid policy")
            },
        )
}

/// Quota periods.
pub fn period() -> impl Strategy<Value = Period> {
    prop::sample::select(&[Period::Month, Period::Month, Period::Quarter, Period::Year][..])
}

/// A plan starting `back` seconds before `t` and lasting `len` seconds (len > 0).
pub fn plan_at(t: Instant, back: i64, len: i64, period: Period, quota: u64, fee: i64) -> Plan {
    let start = plus(t, -back);
    Plan {
        start,
        end: plus(start, len),
        period,
        quota_bytes: quota,
        monthly_fee: fee,
    }
}

/// Plan lengths: an hour to about 16 months, often whole days (so expiries land
/// on local midnights and month starts).
pub fn plan_len() -> impl Strategy<Value = i64> {
    prop_oneof![
        1 => 3600i64..86_400,
        3 => (1i64..=480).prop_map(|d| d * 86_400),
        2 => 86_400i64..40_000_000,
    ]
}

/// Small quotas (0..=10 000 bytes) so that usage often exceeds them.
pub fn quota() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0u64), 1u64..=10_000]
}

/// A realistic plan around [`base`]: starts up to 60 days before or after it.
pub fn plan() -> impl Strategy<Value = Plan> {
    (
        -60i64 * 86_400..60 * 86_400,
        plan_len(),
        period(),
        quota(),
        0i64..5000,
    )
        .prop_map(|(back, len, period, quota, fee)| plan_at(base(), back, len, period, quota, fee))
}

/// A realistic new card: random ICCID and number, auto-suspend either way, an
/// opening balance of -3000..5000 fen, and a [`plan`].
pub fn new_card() -> impl Strategy<Value = NewCard> {
    (iccid(), msisdn(), any::<bool>(), -3000i64..5000, plan()).prop_map(
        |(iccid, msisdn, auto_suspend, balance, plan)| NewCard {
            iccid,
            msisdn,
            auto_suspend,
            balance,
            plan,
            operator: None,
        },
    )
}

/// An event whose instants are relative to the instant it is applied at.
#[derive(Clone, Copy, Debug)]
pub enum Spec {
    /// The event as is.
    Fixed(Event),
    /// A renewal whose plan starts `back` seconds before the event and lasts `len`.
    Renew {
        /// Seconds before the event.
        back: i64,
        /// Length in seconds (≤ 0 or ending before the event: refused).
        len: i64,
        /// Quota period.
        period: Period,
        /// Quota.
        quota: u64,
        /// Monthly fee.
        fee: i64,
    },
    /// A maintenance window of `len` seconds from the event (≤ 0: refused).
    Maintenance {
        /// Length in seconds.
        len: i64,
    },
}

impl Spec {
    /// The event applied at `t`.
    pub fn at(self, t: Instant) -> Event {
        match self {
            Spec::Fixed(e) => e,
            Spec::Renew {
                back,
                len,
                period,
                quota,
                fee,
            } => Event::Renew {
                plan: plan_at(t, back, len, period, quota, fee),
            },
            Spec::Maintenance { len } => Event::Maintenance {
                until: plus(t, len),
            },
        }
    }
}

/// Realistic events of every type, mostly valid but with a share of each kind of
/// refusal: zero amounts, a missing IMEI, a renewal that ends before it is
/// made, a maintenance window that ends before it starts, an operator release
/// of a hold it cannot lift, a replacement with the card's own ICCID.
pub fn spec() -> impl Strategy<Value = Spec> {
    let fixed = |s: BoxedStrategy<Event>| s.prop_map(Spec::Fixed);
    prop_oneof![
        3 => fixed(prop::option::weighted(0.9, imei()).prop_map(|imei| Event::Activate { imei }).boxed()),
        8 => fixed((0u64..6000, prop::option::of(imei()), prop::option::weighted(0.3, region()))
            .prop_map(|(bytes, imei, region)| Event::Usage { bytes, imei, region }).boxed()),
        4 => fixed(prop_oneof![9 => 1i64..4000, 1 => Just(0i64)].prop_map(|amount| Event::Charge { amount }).boxed()),
        4 => fixed(prop_oneof![9 => 1i64..4000, 1 => Just(-1i64)].prop_map(|amount| Event::Payment { amount }).boxed()),
        2 => fixed(prop_oneof![9 => 1u64..6000, 1 => Just(0u64)].prop_map(|bytes| Event::TopUp { bytes }).boxed()),
        2 => Just(Spec::Fixed(Event::ManualSuspend)),
        2 => Just(Spec::Fixed(Event::ManualResume)),
        2 => (0i64..40 * 86_400, prop_oneof![9 => plan_len(), 1 => -86_400i64..=0], period(), quota(), 0i64..5000)
            .prop_map(|(back, len, period, quota, fee)| Spec::Renew { back, len, period, quota, fee }),
        1 => fixed(imei().prop_map(|imei| Event::Rebind { imei }).boxed()),
        1 => fixed(prop_oneof![9 => Just(Hold::RestrictedRegion), 1 => prop::sample::select(Hold::ALL)]
            .prop_map(|hold| Event::OperatorRelease { hold }).boxed()),
        1 => prop_oneof![9 => 1i64..3 * 86_400, 1 => -3600i64..=0].prop_map(|len| Spec::Maintenance { len }),
        1 => Just(Spec::Fixed(Event::ReportLost)),
        1 => fixed(iccid().prop_map(|iccid| Event::Replace { iccid }).boxed()),
        1 => Just(Spec::Fixed(Event::Cancel)),
    ]
}

/// Gaps between events, in seconds: often none (same instant), else seconds,
/// whole days (landing on local midnights and month starts), or up to ~8 months.
pub fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        2 => 1i64..3600,
        4 => (0i64..=45).prop_map(|d| d * 86_400),
        2 => 0i64..240 * 86_400,
    ]
}

/// A realistic event log of up to `max` events in time order, starting at
/// [`base`], opening with an activation four times out of five.
pub fn log(max: usize) -> impl Strategy<Value = Vec<TimedEvent>> {
    (
        prop::bool::weighted(0.8),
        imei(),
        gap(),
        prop::collection::vec((gap(), spec()), 0..max),
    )
        .prop_map(|(open, imei, first, rest)| {
            let mut t = base();
            let mut out = Vec::with_capacity(rest.len() + 1);
            if open {
                t = plus(t, first);
                out.push(TimedEvent {
                    at: t,
                    event: Event::Activate { imei: Some(imei) },
                    id: None,
                });
            }
            for (g, s) in rest {
                t = plus(t, g);
                out.push(TimedEvent {
                    at: t,
                    event: s.at(t),
                    id: None,
                });
            }
            out
        })
}

/// One event of a replayed log: the card it was applied to and the outcome.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The card before the event.
    pub before: Card,
    /// The event and its instant.
    pub event: TimedEvent,
    /// What `apply` returned.
    pub result: Result<Applied, Error>,
}

/// Applies `log` to a new card, going on with the refused events skipped and,
/// after a `replace`, with the new card. Returns every outcome and the last card.
pub fn replay(policy: &Policy, new: &NewCard, log: &[TimedEvent]) -> (Vec<Outcome>, Card) {
    let mut card = Card::new(new).expect("valid new card");
    let mut out = Vec::with_capacity(log.len());
    for e in log {
        let result = card.apply(policy, e.at, &e.event);
        let next = match &result {
            Ok(a) => Some(a.replacement.clone().unwrap_or_else(|| a.card.clone())),
            Err(_) => None,
        };
        out.push(Outcome {
            before: card.clone(),
            event: e.clone(),
            result,
        });
        if let Some(next) = next {
            card = next;
        }
    }
    (out, card)
}

/// Every card a replay went through: each card after each accepted event (and
/// each replacement), starting with the new card.
pub fn cards_of(new: &NewCard, outcomes: &[Outcome]) -> Vec<Card> {
    let mut cards = vec![Card::new(new).expect("valid new card")];
    for o in outcomes {
        if let Ok(a) = &o.result {
            cards.push(a.card.clone());
            cards.extend(a.replacement.clone());
        }
    }
    cards
}

// ---------------------------------------------------------------- garbage

/// Any `i64`, biased to 0, ±1 and the edges.
pub fn garbage_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        prop::sample::select(&[0, 1, -1, i64::MIN, i64::MIN + 1, i64::MAX, i64::MAX - 1][..]),
        (0i64..1000).prop_map(|d| i64::MAX - d),
        (0i64..1000).prop_map(|d| i64::MIN + d),
        any::<i64>(),
        -10_000i64..10_000,
    ]
}

/// Any `u64`, biased to 0, 1 and the top.
pub fn garbage_u64() -> impl Strategy<Value = u64> {
    prop_oneof![
        prop::sample::select(&[0, 1, u64::MAX, u64::MAX - 1][..]),
        (0u64..1000).prop_map(|d| u64::MAX - d),
        any::<u64>(),
        0u64..10_000,
    ]
}

/// Any offset up to ±23:59, biased to the extremes.
pub fn garbage_offset() -> impl Strategy<Value = FixedOffset> {
    prop_oneof![
        prop::sample::select(&[0, 86_340, -86_340, 8 * 3600][..]),
        (-1439i32..=1439).prop_map(|m| m * 60),
    ]
    .prop_map(|s| FixedOffset::east_opt(s).expect("within ±23:59"))
}

/// Any billing time zone up to ±23:59.
pub fn garbage_timezone() -> impl Strategy<Value = TimeZone> {
    garbage_offset().prop_map(|o| TimeZone::try_from(o).expect("within ±23:59"))
}

/// Any instant written as a local time in years 1..=9999 with an offset up to
/// ±23:59 (so its UTC year may be 0 or 10000), biased to the first and last
/// days of that range.
pub fn garbage_instant() -> impl Strategy<Value = Instant> {
    garbage_instant_until(9999)
}

/// [`garbage_instant`] with local years 1..=`last`.
pub fn garbage_instant_until(last: i32) -> impl Strategy<Value = Instant> {
    let year = prop_oneof![Just(1i32), Just(last), 1i32..=last, 2000i32..2100];
    let month = prop_oneof![Just(1u32), Just(12), 1u32..=12];
    let day = prop_oneof![Just(1u32), 1u32..=31];
    (year, month, day, 0u32..86_400, garbage_offset()).prop_map(|(y, m, d, s, off)| {
        let date = (1..=d)
            .rev()
            .find_map(|d| NaiveDate::from_ymd_opt(y, m, d))
            .expect("valid date");
        let local = date
            .and_hms_opt(s / 3600, s / 60 % 60, s % 60)
            .expect("valid time");
        inst(
            off.from_local_datetime(&local)
                .single()
                .expect("fixed offset")
                .with_timezone(&Utc),
        )
    })
}

/// Any plan, valid or not (end before start, negative fee), in local years 1..=`last`.
pub fn garbage_plan(last: i32) -> impl Strategy<Value = Plan> {
    (
        garbage_instant_until(last),
        garbage_instant_until(last),
        period(),
        garbage_u64(),
        garbage_i64(),
    )
        .prop_map(|(start, end, period, quota_bytes, monthly_fee)| Plan {
            start,
            end,
            period,
            quota_bytes,
            monthly_fee,
        })
}

/// Any policy settings the types allow, including ones `Policy::new` refuses
/// (negative money settings, month counts up to `u32::MAX`, dormancy 0).
pub fn garbage_policy() -> impl Strategy<Value = PolicySettings> {
    let months = prop_oneof![
        Just(0u32),
        1u32..=6,
        Just(iotcard::MAX_POLICY_MONTHS),
        Just(u32::MAX)
    ];
    (
        (
            garbage_timezone(),
            months.clone(),
            garbage_i64(),
            garbage_i64(),
        ),
        (garbage_i64(), any::<bool>(), garbage_i64(), any::<bool>()),
        (prop::option::of(months.clone()), months),
    )
        .prop_map(
            |(
                (timezone, retention_months, keep_number_fee, credit_limit),
                (low_balance, auto_resume_on_payment, overage_rate_per_mb, device_binding),
                (dormancy_months, refund_unused_months),
            )| PolicySettings {
                timezone,
                retention_months,
                keep_number_fee,
                credit_limit,
                low_balance,
                auto_resume_on_payment,
                overage_rate_per_mb,
                device_binding,
                dormancy_months,
                refund_unused_months,
                ..PolicySettings::default()
            },
        )
}

/// Any event of any type with garbage values (instants in years 1..=9999).
pub fn garbage_event() -> impl Strategy<Value = Event> {
    garbage_event_until(9999)
}

/// [`garbage_event`] with instants in local years 1..=`last`.
pub fn garbage_event_until(last: i32) -> impl Strategy<Value = Event> {
    prop_oneof![
        prop::option::of(imei()).prop_map(|imei| Event::Activate { imei }),
        (
            garbage_u64(),
            prop::option::of(imei()),
            prop::option::of(region())
        )
            .prop_map(|(bytes, imei, region)| Event::Usage {
                bytes,
                imei,
                region
            }),
        garbage_i64().prop_map(|amount| Event::Charge { amount }),
        garbage_i64().prop_map(|amount| Event::Payment { amount }),
        garbage_u64().prop_map(|bytes| Event::TopUp { bytes }),
        Just(Event::ManualSuspend),
        Just(Event::ManualResume),
        garbage_plan(last).prop_map(|plan| Event::Renew { plan }),
        imei().prop_map(|imei| Event::Rebind { imei }),
        prop::sample::select(Hold::ALL).prop_map(|hold| Event::OperatorRelease { hold }),
        garbage_instant_until(last).prop_map(|until| Event::Maintenance { until }),
        Just(Event::ReportLost),
        iccid().prop_map(|iccid| Event::Replace { iccid }),
        Just(Event::Cancel),
    ]
}

/// Up to `max` events of any type with garbage values at instants in local
/// years 1..=`last`, three quarters of them in time order (so that they get
/// past `out_of_order`).
pub fn garbage_log(max: usize, last: i32) -> impl Strategy<Value = Vec<TimedEvent>> {
    prop::collection::vec(
        (garbage_instant_until(last), garbage_event_until(last))
            .prop_map(|(at, event)| TimedEvent::new(at, event)),
        0..max,
    )
    .prop_map(|mut v| {
        let n = v.len();
        v[..n * 3 / 4].sort_by_key(|e| e.at);
        v
    })
}

/// A new card with any balance and any plan in local years 1..=`last` (valid or
/// not; `Card::new` refuses the invalid ones).
pub fn garbage_new_card(last: i32) -> impl Strategy<Value = NewCard> {
    (
        iccid(),
        msisdn(),
        any::<bool>(),
        garbage_i64(),
        garbage_plan(last),
    )
        .prop_map(|(iccid, msisdn, auto_suspend, balance, plan)| NewCard {
            iccid,
            msisdn,
            auto_suspend,
            balance,
            plan,
            operator: None,
        })
}
