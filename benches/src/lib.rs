//! Seeded fleets for iotcard's benchmarks, the example fleet and the
//! `iotcard generate` command.
//!
//! Each card follows one of sixteen stories, so that together they show every
//! hold and every status: plans start up to three years back and last up to three
//! years, quota periods are monthly, quarterly or yearly, traffic comes every few
//! weeks. Every event is checked by the core as it is generated, so the log is one
//! the engine accepts. The same seed gives the same fleet.

use iotcard::fleet::{FleetEntry, Start};
use iotcard::{
    Card, Event, Iccid, Imei, Instant, Msisdn, NewCard, Period, Plan, Policy, Region, TimedEvent,
    luhn_check_digit,
};

/// The instant the example fleet is built around (the README assesses at it).
pub const EXAMPLE_AT: &str = "2026-11-25T12:00:00+08:00";

/// splitmix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi` (hi > lo).
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }

    fn days(&mut self, lo: u64, hi: u64) -> Secs {
        Secs(self.range(lo * 86_400, hi * 86_400) as i64)
    }
}

/// A number of seconds to add to or take from an instant (saturating at the
/// supported range; the fleets are built around today).
#[derive(Clone, Copy, Debug)]
struct Secs(i64);

impl std::ops::Add<Secs> for Instant {
    type Output = Instant;

    fn add(self, d: Secs) -> Instant {
        self.checked_add_seconds(d.0).unwrap_or(Instant::MAX)
    }
}

impl std::ops::Sub<Secs> for Instant {
    type Output = Instant;

    fn sub(self, d: Secs) -> Instant {
        self.checked_add_seconds(-d.0).unwrap_or(Instant::MIN)
    }
}

impl std::ops::AddAssign<Secs> for Instant {
    fn add_assign(&mut self, d: Secs) {
        *self = *self + d;
    }
}

fn with_check_digit(body: &str) -> String {
    format!("{body}{}", luhn_check_digit(body).unwrap_or(0))
}

fn iccid(n: u64) -> Option<Iccid> {
    Iccid::parse(&with_check_digit(&format!("8986{n:015}"))).ok()
}

fn imei(rng: &mut Rng) -> Option<Imei> {
    Imei::parse(&with_check_digit(&format!(
        "35{:012}",
        rng.range(0, 1_000_000_000_000)
    )))
    .ok()
}

/// The stories; a card's story is its index modulo their number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Story {
    Inventory,
    Active,
    OverQuota,
    Arrears,
    LowBalance,
    Expired,
    RetentionEnded,
    CancelledOnRequest,
    Dormant,
    DeviceMismatch,
    RestrictedRegion,
    Maintenance,
    Lost,
    Replaced,
    Manual,
    ManualAndExpired,
}

const STORIES: [Story; 16] = [
    Story::Inventory,
    Story::Active,
    Story::OverQuota,
    Story::Arrears,
    Story::LowBalance,
    Story::Expired,
    Story::RetentionEnded,
    Story::CancelledOnRequest,
    Story::Dormant,
    Story::DeviceMismatch,
    Story::RestrictedRegion,
    Story::Maintenance,
    Story::Lost,
    Story::Replaced,
    Story::Manual,
    Story::ManualAndExpired,
];

/// An entry as a billing system that runs daily holds it: the card's state
/// stored at `until` (its events up to then replayed) plus the events after
/// `until`. A card replaced before `until` is two entries, the old card's state
/// first. `None` when the log does not replay (never for the entries of
/// [`entry`]).
pub fn stored_at(policy: &Policy, e: &FleetEntry, until: Instant) -> Option<Vec<FleetEntry>> {
    Some(e.stored(e.replay(policy, until).ok()?, until))
}

/// Builds one card's log, keeping only the events the core accepts.
struct Builder<'p> {
    policy: &'p Policy,
    card: Card,
    events: Vec<TimedEvent>,
}

impl Builder<'_> {
    fn push(&mut self, at: Instant, event: Event) {
        if let Ok(a) = self.card.apply(self.policy, at, &event) {
            self.events.push(TimedEvent::new(at, event));
            self.card = a.replacement.unwrap_or(a.card);
        }
    }
}

/// The plan window for a story: plans start 1 to 36 months back and end 2 to 36
/// months ahead, except for the stories about expiry and dormancy.
fn window(story: Story, rng: &mut Rng, at: Instant) -> Option<(Instant, Instant)> {
    let (start, end) = window_chrono(story, rng, at)?;
    Some((Instant::try_from(start).ok()?, Instant::try_from(end).ok()?))
}

/// [`window`] in chrono's calendar arithmetic.
fn window_chrono(
    story: Story,
    rng: &mut Rng,
    at: Instant,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    let at = chrono::DateTime::<chrono::Utc>::from(at);
    let days = |rng: &mut Rng, lo, hi| chrono::TimeDelta::seconds(rng.days(lo, hi).0);
    let months = |n: u64| chrono::Months::new(u32::try_from(n).unwrap_or(0));
    let this_month =
        at.checked_sub_days(chrono::Days::new(u64::from(chrono::Datelike::day(&at)) - 1))?;
    let back = rng.range(1, 37);
    let start = this_month.checked_sub_months(months(back))?;
    let ahead = back + rng.range(2, 37);
    Some(match story {
        Story::Expired | Story::ManualAndExpired => {
            let end = at - days(rng, 2, 60);
            (end.checked_sub_months(months(12))?, end)
        }
        Story::RetentionEnded => {
            let end = at - days(rng, 130, 300);
            (end.checked_sub_months(months(12))?, end)
        }
        Story::Dormant => {
            let start = at.checked_sub_months(months(rng.range(14, 20)))?;
            (start, start.checked_add_months(months(36))?)
        }
        _ => (start, start.checked_add_months(months(ahead))?),
    })
}

/// The `n`th card of the fleet for `seed`, its story leading up to `at`, every
/// event accepted by the core under `policy`. `None` only when the instants fall
/// outside the calendar's range.
pub fn entry(policy: &Policy, n: u64, seed: u64, at: Instant) -> Option<FleetEntry> {
    let mut rng = Rng(seed ^ n.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let story = STORIES[(n % STORIES.len() as u64) as usize];
    let (start, end) = window(story, &mut rng, at)?;
    let period = match rng.range(0, 10) {
        0 => Period::Quarter,
        1 => Period::Year,
        _ => Period::Month,
    };
    let quota = rng.range(50, 1024) << 20;
    let new = NewCard {
        iccid: iccid(n)?,
        msisdn: Msisdn::parse(&format!("1440{n:09}")).ok()?,
        auto_suspend: story == Story::OverQuota || rng.range(0, 4) == 0,
        balance: rng.range(1_000, 10_000) as i64,
        plan: Plan {
            start,
            end,
            period,
            quota_bytes: quota,
            monthly_fee: rng.range(5, 31) as i64 * 100,
        },
        operator: None,
    };
    let mut b = Builder {
        policy,
        card: Card::new(&new).ok()?,
        events: Vec::new(),
    };
    if story == Story::Inventory {
        return Some(FleetEntry {
            start: Start::New(new),
            events: b.events,
        });
    }
    play(&mut b, story, &mut rng, n, at, (end, quota));
    Some(FleetEntry {
        start: Start::New(new),
        events: b.events,
    })
}

/// Plays a story's events on an activated card.
fn play(
    b: &mut Builder<'_>,
    story: Story,
    rng: &mut Rng,
    n: u64,
    at: Instant,
    (end, quota): (Instant, u64),
) {
    let policy = b.policy;
    let start = b.card.plan().start;
    let device = imei(rng);
    let activated = start + rng.days(0, 10);
    b.push(activated, Event::Activate { imei: device });
    b.push(
        activated + rng.days(0, 1),
        Event::Payment {
            amount: rng.range(100, 5_000) as i64,
        },
    );
    // Traffic every few weeks until shortly before the story's turn (none for dormant cards).
    let last = match story {
        Story::Expired | Story::ManualAndExpired | Story::RetentionEnded => end - rng.days(1, 2),
        _ => at - rng.days(3, 6),
    };
    let mut t = activated + rng.days(1, 5);
    while story != Story::Dormant && t < last {
        b.push(
            t,
            Event::Usage {
                bytes: rng.range(1, quota / 8),
                imei: device,
                region: Region::from_code(44).ok(),
            },
        );
        t += rng.days(10, 25);
    }
    let turn = match story {
        Story::Expired | Story::RetentionEnded | Story::ManualAndExpired => {
            end - rng.days(1, 2) + rng.days(0, 1)
        }
        _ => at - rng.days(1, 3),
    };
    match story {
        Story::Inventory
        | Story::Active
        | Story::Expired
        | Story::RetentionEnded
        | Story::Dormant => {}
        Story::OverQuota => b.push(
            turn,
            Event::Usage {
                bytes: quota + rng.range(1, 50 << 20),
                imei: device,
                region: None,
            },
        ),
        Story::Arrears => b.push(
            turn,
            Event::Charge {
                amount: b.card.balance() + rng.range(1, 5_000) as i64,
            },
        ),
        Story::LowBalance => {
            let keep = rng.range(0, policy.low_balance.max(1) as u64) as i64;
            let charge = b.card.balance() - keep;
            if charge > 0 {
                b.push(turn, Event::Charge { amount: charge });
            }
        }
        Story::CancelledOnRequest => b.push(turn, Event::Cancel),
        Story::DeviceMismatch => b.push(
            turn,
            Event::Usage {
                bytes: 1 << 20,
                imei: imei(rng),
                region: None,
            },
        ),
        Story::RestrictedRegion => {
            let r = policy
                .restricted_regions
                .iter()
                .nth(rng.range(0, 4) as usize);
            b.push(
                turn,
                Event::Usage {
                    bytes: 1 << 20,
                    imei: device,
                    region: r,
                },
            );
        }
        Story::Maintenance => b.push(
            turn,
            Event::Maintenance {
                until: at + rng.days(1, 3),
            },
        ),
        Story::Lost => b.push(turn, Event::ReportLost),
        Story::Replaced => {
            b.push(turn, Event::ReportLost);
            if let Some(new_iccid) = iccid(n + 500_000_000_000_000) {
                b.push(turn + rng.days(0, 1), Event::Replace { iccid: new_iccid });
            }
        }
        Story::Manual | Story::ManualAndExpired => b.push(turn, Event::ManualSuspend),
    }
}
