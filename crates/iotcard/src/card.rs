//! The card: a new card (the JSON of `docs/json.md`) and the card's full state,
//! which serializes with a format version and round-trips exactly.

use serde::{Deserialize, Serialize};

use crate::change::Scheduled;
use crate::error::parse_json;
use crate::hold::{Hold, Holds};
use crate::ids::{Iccid, Imei, Msisdn};
use crate::plan::Plan;
use crate::policy::Policy;
use crate::status::{Status, Terminal};
use crate::time::{Civil, rfc3339};
use crate::{Error, Instant};

/// The current version of the stored card-state JSON.
pub const STATE_VERSION: u32 = 1;

/// A new card, in `inventory` (`docs/json.md` "Card").
///
/// ```
/// let c = iotcard::NewCard::from_json(r#"{
///   "iccid": "89860012345678901238", "msisdn": "1440012345678",
///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
///            "period": "month", "quota_bytes": 104857600, "monthly_fee": 1000}
/// }"#).unwrap();
/// assert_eq!(c.balance, 0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewCard {
    /// ICCID.
    pub iccid: Iccid,
    /// Number (MSISDN).
    pub msisdn: Msisdn,
    /// R2.2: auto-suspend on quota exceeded, chosen at opening (default false).
    #[serde(default)]
    pub auto_suspend: bool,
    /// Opening balance, minor units (default 0).
    #[serde(default)]
    pub balance: i64,
    /// The plan.
    pub plan: Plan,
}

impl NewCard {
    /// Parses and validates a new card.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field: malformed JSON, unknown field,
    /// bad ICCID/MSISDN, or a plan that ends before it starts; JSON longer than
    /// [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let c: NewCard = parse_json("card", json)?;
        c.plan.validate("card.plan")?;
        Ok(c)
    }
}

/// The current quota period and its usage (R2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuotaPeriod {
    #[serde(with = "rfc3339")]
    pub(crate) start: Instant,
    #[serde(with = "rfc3339")]
    pub(crate) end: Instant,
    pub(crate) usage_bytes: u64,
    pub(crate) top_up_bytes: u64,
}

/// The latest retention (R4.2, R4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Retention {
    /// The expiry instant that started it.
    #[serde(with = "rfc3339")]
    pub(crate) expired_at: Instant,
    /// Fees fallen due so far.
    pub(crate) fees_due: u32,
    /// Their sum, minor units.
    pub(crate) fees_amount: i64,
}

/// A card's whole state. Cheap to clone (no heap); operations take `&self` and
/// return a new card, so a refused event leaves the original as it was.
///
/// Store it between events with [`Card::to_json`] / [`Card::from_json`] (or serde:
/// it serializes as the same versioned state object).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StateJson", try_from = "StateJson")]
pub struct Card {
    pub(crate) iccid: Iccid,
    pub(crate) msisdn: Msisdn,
    pub(crate) auto_suspend: bool,
    pub(crate) balance: i64,
    pub(crate) plan: Plan,
    pub(crate) imei: Option<Imei>,
    pub(crate) activated_at: Option<Instant>,
    pub(crate) terminal: Option<Terminal>,
    /// The latest instant the card has seen (event or advance).
    pub(crate) clock: Option<Instant>,
    pub(crate) holds: Holds,
    /// When each hold in `holds` went on (index: `Hold as usize`).
    pub(crate) since: [Instant; Hold::ALL.len()],
    pub(crate) period: Option<QuotaPeriod>,
    pub(crate) last_traffic: Option<Instant>,
    pub(crate) maintenance_until: Option<Instant>,
    pub(crate) retention: Option<Retention>,
    pub(crate) replaced_by: Option<Iccid>,
    /// What the assess path would otherwise recompute for every card; see
    /// [`Memo`]. Not part of the card's value: not stored, not compared.
    pub(crate) memo: Cached<Memo>,
    /// Calendar conversions of the instants behind the memo, reused while those
    /// instants and the time zone stay the same.
    pub(crate) anchors: Cached<Anchors>,
}

/// A value that is a cache, not part of what it is stored in: any two compare
/// equal. Keeps `Card`'s equality about the card.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cached<T>(pub(crate) Option<T>);

impl<T> PartialEq for Cached<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Cached<T> {}

/// The policy settings the schedule depends on (time zone, retention, dormancy):
/// a memo made under one key is valid for every policy with the same key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ScheduleKey {
    offset: i32,
    retention_months: u32,
    dormancy_months: Option<u32>,
}

impl ScheduleKey {
    pub(crate) fn of(p: &Policy) -> ScheduleKey {
        ScheduleKey {
            offset: p.timezone.0.local_minus_utc(),
            retention_months: p.retention_months,
            dormancy_months: p.dormancy_months,
        }
    }
}

/// The card's schedule and calendar anchors under a [`ScheduleKey`], made after
/// every change to the card (and dropped when a change begins), so that assessing
/// does one calendar conversion (of the instant assessed) instead of several, and
/// applying an event does not recompute the schedule to learn that nothing is due.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Memo {
    pub(crate) key: ScheduleKey,
    pub(crate) next: Option<Scheduled>,
    pub(crate) retention_ends: Option<Instant>,
    /// R10.2 anchors: last traffic (or activation) and plan end, local.
    pub(crate) unused_since: Option<Civil>,
    pub(crate) plan_end: Civil,
}

/// Instants of the card in the billing calendar, with the instants and time zone
/// they were converted from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Anchors {
    offset: i32,
    unused_src: Option<Instant>,
    unused: Option<Civil>,
    end_src: Instant,
    end: Civil,
}

impl Card {
    /// The memo under `p`, computed (reusing the calendar anchors when their
    /// instants have not changed), and the anchors it used.
    pub(crate) fn memo_under(&self, p: &Policy) -> (Memo, Anchors) {
        let tz = p.timezone;
        let unused_src = self.last_traffic.or(self.activated_at);
        let offset = tz.0.local_minus_utc();
        // Each anchor is converted again only when its instant (or the zone) changed:
        // traffic moves the first, a renewal the second.
        let kept = self.anchors.0.filter(|a| a.offset == offset);
        let anchors = Anchors {
            offset,
            unused_src,
            unused: match kept {
                Some(a) if a.unused_src == unused_src => a.unused,
                _ => unused_src.map(|t| Civil::of(t, tz)),
            },
            end_src: self.plan.end,
            end: match kept {
                Some(a) if a.end_src == self.plan.end => a.end,
                _ => Civil::of(self.plan.end, tz),
            },
        };
        let memo = Memo {
            key: ScheduleKey::of(p),
            next: self.next_due_from(p, anchors.unused),
            retention_ends: self.retention_ends(p),
            unused_since: anchors.unused,
            plan_end: anchors.end,
        };
        (memo, anchors)
    }

    /// Recomputes the memo for `p` (after every change to the card).
    pub(crate) fn refresh_memo(&mut self, p: &Policy) {
        let (memo, anchors) = self.memo_under(p);
        self.memo = Cached(Some(memo));
        self.anchors = Cached(Some(anchors));
    }

    /// Makes sure the memo describes the card as it is under `p`.
    pub(crate) fn ensure_memo(&mut self, p: &Policy) {
        if self.memo_for(ScheduleKey::of(p)).is_none() {
            self.refresh_memo(p);
        }
    }

    /// Prepares a card for fast assessment under `policy`: computes what assessing
    /// would otherwise recompute on every call (the next scheduled change and the
    /// calendar anchors of R4.2 and R10.2). Every `apply` and `advance` does this
    /// already; call it after [`Card::from_json`] when a loaded card will be
    /// assessed many times without changing. It changes nothing observable.
    pub fn prepare(&mut self, policy: &Policy) {
        self.refresh_memo(policy);
    }

    /// The memo, when it was made under `p`'s schedule settings.
    pub(crate) fn memo_for(&self, key: ScheduleKey) -> Option<&Memo> {
        self.memo.0.as_ref().filter(|m| m.key == key)
    }
}

impl Card {
    /// A new card in `inventory`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `card.plan.*` when the plan is invalid.
    pub fn new(new: &NewCard) -> Result<Card, Error> {
        new.plan.validate("card.plan")?;
        Ok(Card {
            iccid: new.iccid,
            msisdn: new.msisdn,
            auto_suspend: new.auto_suspend,
            balance: new.balance,
            plan: new.plan,
            imei: None,
            activated_at: None,
            terminal: None,
            clock: None,
            holds: Holds::EMPTY,
            since: [Instant::UNIX_EPOCH; Hold::ALL.len()],
            period: None,
            last_traffic: None,
            maintenance_until: None,
            retention: None,
            replaced_by: None,
            memo: Cached(None),
            anchors: Cached(None),
        })
    }

    /// ICCID.
    pub fn iccid(&self) -> Iccid {
        self.iccid
    }
    /// Number (MSISDN).
    pub fn msisdn(&self) -> Msisdn {
        self.msisdn
    }
    /// Balance, minor units.
    pub fn balance(&self) -> i64 {
        self.balance
    }
    /// The current plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }
    /// Whether auto-suspend was chosen at opening (R2.2).
    pub fn auto_suspend(&self) -> bool {
        self.auto_suspend
    }
    /// The bound (or last activating) device.
    pub fn imei(&self) -> Option<Imei> {
        self.imei
    }
    /// When the card was activated.
    pub fn activated_at(&self) -> Option<Instant> {
        self.activated_at
    }
    /// The latest instant the card has seen (its last event or advance); events
    /// before it are refused with `out_of_order`.
    pub fn clock(&self) -> Option<Instant> {
        self.clock
    }
    /// The active holds.
    pub fn holds(&self) -> Holds {
        self.holds
    }
    /// When `hold` went on, if it is on.
    pub fn hold_since(&self, hold: Hold) -> Option<Instant> {
        self.holds.contains(hold).then(|| self.since[hold as usize])
    }
    /// The status, derived from activation, terminal state and holds.
    pub fn status(&self) -> Status {
        Status::derive(self.activated_at.is_some(), self.terminal, self.holds)
    }
    /// For a `replaced` card, the ICCID of the card that replaced it.
    pub fn replaced_by(&self) -> Option<Iccid> {
        self.replaced_by
    }
    /// Last traffic (any `usage` event).
    pub fn last_traffic(&self) -> Option<Instant> {
        self.last_traffic
    }

    /// Serializes the whole state as JSON (with `"version"`).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&StateJson::from(self)).unwrap_or_default()
    }

    /// Loads a state written by [`Card::to_json`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field for malformed JSON, an unknown
    /// field, a `version` this library does not read, or a state that is not
    /// self-consistent (a hold without its data, a plan that ends before it starts);
    /// JSON longer than [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<Card, Error> {
        let s: StateJson = parse_json("state", json)?;
        s.try_into()
    }
}

/// The stored form of [`Card`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StateJson {
    version: u32,
    iccid: Iccid,
    msisdn: Msisdn,
    auto_suspend: bool,
    balance: i64,
    plan: Plan,
    imei: Option<Imei>,
    #[serde(with = "rfc3339::option")]
    activated_at: Option<Instant>,
    terminal: Option<Terminal>,
    #[serde(with = "rfc3339::option")]
    clock: Option<Instant>,
    /// hold → since.
    holds: Vec<HoldSince>,
    period: Option<QuotaPeriod>,
    #[serde(with = "rfc3339::option")]
    last_traffic: Option<Instant>,
    #[serde(with = "rfc3339::option")]
    maintenance_until: Option<Instant>,
    retention: Option<Retention>,
    replaced_by: Option<Iccid>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HoldSince {
    hold: Hold,
    #[serde(with = "rfc3339")]
    since: Instant,
}

impl StateJson {
    /// The clock is the latest instant the card has seen (every event advances it
    /// first): activation, every hold, traffic record and expiry happened at or
    /// before it, traffic after activation, and a card with no clock has seen
    /// nothing. A state that breaks this could not have been written by this
    /// library, and would take events from before its own activation.
    fn check_clock(&self) -> Result<(), Error> {
        let show = |t: Instant| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let Some(clock) = self.clock else {
            let seen = [
                ("state.activated_at", self.activated_at.is_some()),
                ("state.terminal", self.terminal.is_some()),
                ("state.last_traffic", self.last_traffic.is_some()),
                ("state.retention", self.retention.is_some()),
            ];
            return match seen.iter().find(|(_, set)| *set) {
                Some((field, _)) => Err(Error::invalid(
                    "state.clock",
                    "null",
                    format!("null, but {field} is set (a card with no clock has seen no event)"),
                )),
                None => Ok(()),
            };
        };
        let after_clock = |field: String, t: Instant| {
            if t > clock {
                Err(Error::invalid(field, show(t), "after state.clock"))
            } else {
                Ok(())
            }
        };
        if let Some(activated) = self.activated_at
            && clock < activated
        {
            return Err(Error::invalid(
                "state.clock",
                show(clock),
                "before state.activated_at",
            ));
        }
        for h in &self.holds {
            after_clock(format!("state.holds.{}.since", h.hold), h.since)?;
        }
        if let Some(t) = self.last_traffic {
            after_clock("state.last_traffic".to_owned(), t)?;
            if self.activated_at.is_none_or(|a| t < a) {
                return Err(Error::invalid(
                    "state.last_traffic",
                    show(t),
                    "before state.activated_at (traffic needs an activated card)",
                ));
            }
        }
        if let Some(r) = self.retention {
            after_clock("state.retention.expired_at".to_owned(), r.expired_at)?;
        }
        Ok(())
    }
}

impl From<Card> for StateJson {
    fn from(c: Card) -> Self {
        StateJson::from(&c)
    }
}

impl From<&Card> for StateJson {
    fn from(c: &Card) -> Self {
        StateJson {
            version: STATE_VERSION,
            iccid: c.iccid,
            msisdn: c.msisdn,
            auto_suspend: c.auto_suspend,
            balance: c.balance,
            plan: c.plan,
            imei: c.imei,
            activated_at: c.activated_at,
            terminal: c.terminal,
            clock: c.clock,
            holds: c
                .holds
                .iter()
                .map(|hold| HoldSince {
                    hold,
                    since: c.since[hold as usize],
                })
                .collect(),
            period: c.period,
            last_traffic: c.last_traffic,
            maintenance_until: c.maintenance_until,
            retention: c.retention,
            replaced_by: c.replaced_by,
        }
    }
}

impl TryFrom<StateJson> for Card {
    type Error = Error;

    fn try_from(s: StateJson) -> Result<Card, Error> {
        if s.version != STATE_VERSION {
            return Err(Error::invalid(
                "state.version",
                s.version,
                format!("this library reads card state version {STATE_VERSION} only"),
            ));
        }
        s.plan.validate("state.plan")?;
        let mut holds = Holds::EMPTY;
        let mut since = [Instant::UNIX_EPOCH; Hold::ALL.len()];
        for h in &s.holds {
            if !holds.insert(h.hold) {
                return Err(Error::invalid("state.holds", h.hold, "listed twice"));
            }
            since[h.hold as usize] = h.since;
        }
        let bad = |field: &str, why: &str| Err(Error::invalid(field, "…", why));
        if s.activated_at.is_none() && (!holds.is_empty() || s.period.is_some()) {
            return bad(
                "state.activated_at",
                "null, but the card has holds or usage",
            );
        }
        if s.activated_at.is_some() && s.terminal.is_none() && s.period.is_none() {
            return bad("state.period", "null on an activated card");
        }
        if s.terminal.is_some() && !holds.is_empty() {
            return bad("state.holds", "a terminal card carries no holds");
        }
        if s.replaced_by.is_some() != (s.terminal == Some(Terminal::Replaced)) {
            return bad(
                "state.replaced_by",
                "must be set exactly when state.terminal is `replaced`",
            );
        }
        if holds.contains(Hold::Maintenance) != s.maintenance_until.is_some() {
            return bad(
                "state.maintenance_until",
                "must be set exactly when the maintenance hold is on",
            );
        }
        if holds.contains(Hold::Expired) && s.retention.is_none() {
            return bad("state.retention", "null while the expired hold is on");
        }
        s.check_clock()?;
        if let Some(p) = s.period
            && p.end <= p.start
        {
            return bad("state.period.end", "must be after state.period.start");
        }
        Ok(Card {
            iccid: s.iccid,
            msisdn: s.msisdn,
            auto_suspend: s.auto_suspend,
            balance: s.balance,
            plan: s.plan,
            imei: s.imei,
            activated_at: s.activated_at,
            terminal: s.terminal,
            clock: s.clock,
            holds,
            since,
            period: s.period,
            last_traffic: s.last_traffic,
            maintenance_until: s.maintenance_until,
            retention: s.retention,
            replaced_by: s.replaced_by,
            memo: Cached(None),
            anchors: Cached(None),
        })
    }
}
