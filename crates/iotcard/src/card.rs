//! The card: a new card (the JSON of `docs/json.md`) and the card's full state,
//! which serializes with a format version and round-trips exactly.

use serde::{Deserialize, Serialize};

use crate::assess::{Assessment, Assessor};
use crate::change::Change;
use crate::error::parse_json;
use crate::event::Event;
use crate::hold::{Hold, Holds, HoldsOn};
use crate::ids::{Iccid, Imei, Msisdn};
use crate::lifecycle::{Advanced, Applied};
use crate::operator::Operator;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::status::{Status, Terminal};
use crate::time::rfc3339;
use crate::window::{self, AppliedInPlace, Entry, EventId, Window};
use crate::{Error, Instant};

/// The current version of the stored card-state JSON: 2 carries the late window
/// (R12.6). Version 1 still loads, with an empty window.
pub const STATE_VERSION: u32 = 2;

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
    /// The operator, when the card names it; otherwise its ICCID's issuer number
    /// tells ([`Card::operator`]). Absent in older cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
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

/// The current quota period and its usage (R2.1): the stored state's `period`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaPeriod {
    /// Start of the quota period.
    #[serde(with = "rfc3339::computed")]
    pub start: Instant,
    /// End of the quota period (exclusive).
    #[serde(with = "rfc3339::computed")]
    pub end: Instant,
    /// Traffic in the period, bytes.
    pub usage_bytes: u64,
    /// Top-ups bought for the period, bytes.
    pub top_up_bytes: u64,
}

/// The latest retention (R4.2, R4.4): the stored state's `retention`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// The expiry instant that started it.
    #[serde(with = "rfc3339")]
    pub expired_at: Instant,
    /// Fees fallen due so far.
    pub fees_due: u32,
    /// Their sum, minor units.
    pub fees_amount: i64,
}

/// A card's whole state: only its facts (what happened to it), never anything
/// worked out from them, so two cards are equal exactly when their stored states
/// are. Cheap to clone (no heap); operations take `&self` and return a new card,
/// so a refused event leaves the original as it was.
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
    /// The holds on, each with when it went on (and the maintenance window's end).
    pub(crate) holds: HoldsOn,
    pub(crate) period: Option<QuotaPeriod>,
    pub(crate) last_traffic: Option<Instant>,
    pub(crate) retention: Option<Retention>,
    pub(crate) replaced_by: Option<Iccid>,
    /// R12: what the card keeps to take late and repeated events (None: nothing,
    /// as under `late_window_hours` 0 without event ids).
    pub(crate) window: Option<Box<Window>>,
    /// The operator the card names (`None`: its ICCID tells).
    pub(crate) operator: Option<Operator>,
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
            holds: HoldsOn::NONE,
            period: None,
            last_traffic: None,
            retention: None,
            replaced_by: None,
            window: None,
            operator: new.operator,
        })
    }

    /// A copy of the card's facts without its late window (R12): what an
    /// assessment sees. Two cards with the same story have equal facts even when
    /// their events arrived in another order within the window.
    ///
    /// ```
    /// # use iotcard::{Card, NewCard};
    /// let card = Card::new(&NewCard::from_json(r#"{
    ///   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    ///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    ///            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// }"#)?)?;
    /// assert_eq!(card.without_window(), card);
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    #[must_use]
    pub fn without_window(&self) -> Card {
        self.facts()
    }

    /// The card without its window (not copying the journal).
    pub(crate) fn facts(&self) -> Card {
        Card {
            iccid: self.iccid,
            msisdn: self.msisdn,
            auto_suspend: self.auto_suspend,
            balance: self.balance,
            plan: self.plan,
            imei: self.imei,
            activated_at: self.activated_at,
            terminal: self.terminal,
            clock: self.clock,
            holds: self.holds,
            period: self.period,
            last_traffic: self.last_traffic,
            retention: self.retention,
            replaced_by: self.replaced_by,
            window: None,
            operator: self.operator,
        }
    }

    /// How many events the card's late window journals (R12): the events of the
    /// last `late_window_hours` before its clock, or under `late_window_hours` 0
    /// the identified events at its clock.
    pub fn window_len(&self) -> usize {
        self.window.as_ref().map_or(0, |w| w.journal.len())
    }

    /// The card's operator: the one it names, else the one its ICCID's issuer
    /// number names ([`Operator::of_iccid`]); `None` is "unknown operator".
    pub fn operator(&self) -> Option<Operator> {
        self.operator.or_else(|| Operator::of_iccid(self.iccid))
    }

    /// The operator the card names explicitly (the card JSON's `operator`).
    pub fn named_operator(&self) -> Option<Operator> {
        self.operator
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
        self.holds.set()
    }
    /// When `hold` went on, if it is on.
    pub fn hold_since(&self, hold: Hold) -> Option<Instant> {
        self.holds.since(hold)
    }
    /// The status, derived from activation, terminal state and holds.
    pub fn status(&self) -> Status {
        Status::derive(self.activated_at.is_some(), self.terminal, self.holds.set())
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

    /// The stored state as plain fields (what [`Card::to_json`] writes, without
    /// the version): for stores that keep it in columns of their own.
    pub fn state(&self) -> CardState {
        let mut holds = Vec::new();
        if !self.holds.set().is_empty() {
            holds.extend(
                self.holds
                    .iter()
                    .map(|(hold, since)| HoldSince { hold, since }),
            );
        }
        CardState {
            iccid: self.iccid,
            msisdn: self.msisdn,
            auto_suspend: self.auto_suspend,
            balance: self.balance,
            plan: self.plan,
            imei: self.imei,
            activated_at: self.activated_at,
            terminal: self.terminal,
            clock: self.clock,
            holds,
            period: self.period,
            last_traffic: self.last_traffic,
            maintenance_until: self.holds.maintenance_until(),
            retention: self.retention,
            replaced_by: self.replaced_by,
            operator: self.operator,
        }
    }

    /// Loads a state from its plain fields ([`Card::state`]), checked exactly
    /// as [`Card::from_json`] checks the JSON.
    ///
    /// ```
    /// # use iotcard::{Card, NewCard};
    /// # let card = Card::new(&NewCard::from_json(r#"{
    /// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    /// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    /// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// # }"#)?)?;
    /// assert_eq!(Card::from_state(card.state())?, card);
    /// let mut bad = card.state();
    /// bad.balance = 5;
    /// bad.retention = Some(iotcard::Retention {
    ///     expired_at: bad.plan.end, fees_due: 0, fees_amount: 0 });
    /// assert!(Card::from_state(bad).is_err()); // retention on a card with no clock
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`state.holds`, `state.clock`)
    /// for a state that is not self-consistent, as [`Card::from_json`].
    pub fn from_state(s: CardState) -> Result<Card, Error> {
        s.check()
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

    // The three operations ("Lifecycle" in docs/rules.md). Each validates, then
    // runs the rules: `lifecycle` for an event, `schedule` for the changes time
    // brings, `assess` for what the card is at an instant.

    /// Applies `event` at `at` under `policy`: first advances to `at` (every
    /// scheduled change due at or before it), then applies the event, then any
    /// change that fell due at `at` as a consequence.
    ///
    /// # Errors
    /// Checked in this order, so the same refusal always gets the same code:
    /// - [`Error::InvalidInput`]: `at` is outside the supported range
    ///   ([`Instant::MIN`] ..= [`Instant::MAX`]);
    /// - [`Error::Terminal`]: the card is `cancelled` or `replaced`;
    /// - [`Error::OutOfOrder`]: `at` is earlier than the card's clock;
    /// - [`Error::Terminal`]: the card became terminal on the way to `at`;
    /// - [`Error::NotActivated`]: the event needs an activated card (every event but
    ///   `activate`, `payment`, `renew` and `cancel`);
    /// - [`Error::AlreadyActivated`], [`Error::ManualSuspendNotAllowed`],
    ///   [`Error::ArrearsOutstanding`], [`Error::NothingToLift`]: the event's rule
    ///   refuses it;
    /// - [`Error::InvalidInput`]: a bad value (amount ≤ 0, a plan or window that ends
    ///   before the event, a missing IMEI, an overflow); the event's own values are
    ///   checked after the three above, its fit with the card's state last.
    ///
    /// On error the card is unchanged.
    ///
    /// # Example
    /// ```
    /// use iotcard::{parse_instant, Card, Event, NewCard, Policy, Status};
    /// let policy = Policy::default();
    /// let card = Card::new(&NewCard::from_json(r#"{
    ///   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    ///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    ///            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// }"#)?)?;
    /// let at = parse_instant("at", "2026-01-05T10:00:00+08:00")?;
    /// let imei = Some(iotcard::Imei::parse("490154203237518")?);
    /// let card = card.apply(&policy, at, &Event::Activate { imei })?.card;
    /// assert_eq!(card.status(), Status::Active);
    ///
    /// // A second activation is refused; the card is unchanged.
    /// let err = card.apply(&policy, at, &Event::Activate { imei }).unwrap_err();
    /// assert_eq!(err.code(), "already_activated");
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn apply(&self, policy: &Policy, at: Instant, event: &Event) -> Result<Applied, Error> {
        self.apply_identified(policy, at, event, None)
    }

    /// [`Card::apply`] of an event that may carry an `id` (R12.5), under the late
    /// window of the policy (R12.1):
    /// - an event whose `id` the card has accepted with the same instant and
    ///   event is a no-op: `duplicate` is true and the card is unchanged; with
    ///   other content it is refused with [`Error::EventIdConflict`];
    /// - an event earlier than the card's clock by at most `late_window_hours`
    ///   takes effect at its own instant: the card becomes what it would be had
    ///   the events come in time order (same instant: arrival order), and
    ///   `changes` and `withdrawn` are the correction (R12.4): the changes that
    ///   now happen and did not, and those reported before that no longer do.
    ///
    /// # Errors
    /// As [`Card::apply`], and (checked after the policy, before everything else)
    /// [`Error::EventIdConflict`]; for a late event, [`Error::OutOfOrder`] when it
    /// is earlier than the window lets in (the message names the earliest instant
    /// accepted), [`Error::Terminal`] on a terminal card, the event's own error,
    /// and [`Error::LateEventConflict`] when an accepted event would then fail.
    ///
    /// # Example
    /// ```
    /// use iotcard::{parse_instant, Card, Event, EventId, NewCard, Policy};
    /// let policy = Policy::from_json(r#"{"late_window_hours": 48}"#)?;
    /// let card = Card::new(&NewCard::from_json(r#"{
    ///   "iccid": "89860012345678901238", "msisdn": "1440012345678", "balance": 1000,
    ///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    ///            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// }"#)?)?;
    /// let at = |s| parse_instant("at", s);
    /// let imei = Some(iotcard::Imei::parse("490154203237518")?);
    /// let card = card.apply(&policy, at("2026-01-05T10:00:00+08:00")?, &Event::Activate { imei })?.card;
    /// let pay = EventId::parse("pay-1")?;
    /// let paid = card.apply_identified(&policy, at("2026-01-06T10:00:00+08:00")?,
    ///     &Event::Payment { amount: 500 }, Some(&pay))?;
    /// // Delivered again: a duplicate, nothing applied.
    /// let again = paid.card.apply_identified(&policy, at("2026-01-06T10:00:00+08:00")?,
    ///     &Event::Payment { amount: 500 }, Some(&pay))?;
    /// assert!(again.duplicate);
    /// assert_eq!(again.card.balance(), 1500);
    /// // A charge reported a day late takes effect at its own instant.
    /// let late = again.card.apply(&policy, at("2026-01-05T20:00:00+08:00")?, &Event::Charge { amount: 300 })?;
    /// assert_eq!(late.card.balance(), 1200);
    /// assert_eq!(late.card.clock(), Some(at("2026-01-06T10:00:00+08:00")?));
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn apply_identified(
        &self,
        policy: &Policy,
        at: Instant,
        event: &Event,
        id: Option<&EventId>,
    ) -> Result<Applied, Error> {
        let mut card = self.clone();
        let mut changes = Vec::new();
        let mut withdrawn = Vec::new();
        let done =
            card.apply_identified_in_place(policy, at, event, id, &mut changes, &mut withdrawn)?;
        Ok(Applied {
            card,
            replacement: done.replacement,
            changes,
            withdrawn,
            duplicate: done.duplicate,
        })
    }

    /// [`Card::apply`] in place, appending changes to `changes`: for billing loops
    /// that keep one card and one change buffer. Returns the replacement card for
    /// `replace`. For a late event (R12) only the changes that now happen are
    /// appended; [`Card::apply_identified_in_place`] also gives those withdrawn.
    ///
    /// # Errors
    /// As [`Card::apply`]; on error neither the card nor `changes` is changed.
    pub fn apply_in_place(
        &mut self,
        policy: &Policy,
        at: Instant,
        event: &Event,
        changes: &mut Vec<Change>,
    ) -> Result<Option<Card>, Error> {
        let mut withdrawn = Vec::new();
        self.apply_identified_in_place(policy, at, event, None, changes, &mut withdrawn)
            .map(|a| a.replacement)
    }

    /// [`Card::apply_identified`] in place, appending to `changes` the changes
    /// (for a late event, those that now happen) and to `withdrawn` the changes
    /// reported before that no longer happen (R12.4; only a late event has any).
    ///
    /// # Errors
    /// As [`Card::apply_identified`]; on error neither the card nor the buffers
    /// are changed.
    pub fn apply_identified_in_place(
        &mut self,
        policy: &Policy,
        at: Instant,
        event: &Event,
        id: Option<&EventId>,
        changes: &mut Vec<Change>,
        withdrawn: &mut Vec<Change>,
    ) -> Result<AppliedInPlace, Error> {
        if id.is_none() && window::is_strict(self, policy) {
            // No window and no id: the in-order path, with nothing to journal.
            let replacement = window::apply_strict(self, policy, at, event, changes)?;
            return Ok(AppliedInPlace {
                replacement: replacement.map(|new| *new),
                duplicate: false,
            });
        }
        let (replacement, duplicate) =
            window::apply(self, policy, at, event, id, changes, withdrawn)?;
        Ok(AppliedInPlace {
            replacement: replacement.map(|new| *new),
            duplicate,
        })
    }

    /// Advances the card to `to`, applying every scheduled change due at or before
    /// it, in order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `to` when it is outside the supported range;
    /// [`Error::OutOfOrder`] when `to` is earlier than the card's clock;
    /// [`Error::InvalidInput`] when a fee sum overflows or a period falls beyond the
    /// calendar's range. On error the card is unchanged.
    ///
    /// # Example
    /// ```
    /// # use iotcard::{parse_instant, Card, ChangeKind, Event, NewCard, Policy};
    /// # let policy = Policy::default();
    /// # let card = Card::new(&NewCard::from_json(r#"{
    /// #   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    /// #   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2026-03-01T00:00:00+08:00",
    /// #            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// # }"#)?)?;
    /// # let imei = Some(iotcard::Imei::parse("490154203237518")?);
    /// # let card = card.apply(&policy, parse_instant("at", "2026-01-05T10:00:00+08:00")?, &Event::Activate { imei })?.card;
    /// let later = parse_instant("to", "2026-07-01T00:00:00+08:00")?;
    /// let done = card.advance(&policy, later)?;
    /// // expiry, three keep-number fees, then cancellation at the end of retention
    /// let kinds: Vec<_> = done.changes.iter().filter_map(|c| match c.cause {
    ///     iotcard::Cause::Scheduled(k) => Some(k), _ => None }).collect();
    /// assert_eq!(kinds.first(), Some(&ChangeKind::Expire));
    /// assert_eq!(done.card.status(), iotcard::Status::Cancelled);
    /// assert!(card.advance(&policy, parse_instant("t", "2025-01-01T00:00:00Z")?).is_err());
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn advance(&self, policy: &Policy, to: Instant) -> Result<Advanced, Error> {
        let mut card = self.clone();
        let mut changes = Vec::new();
        card.advance_in_place(policy, to, &mut changes)?;
        Ok(Advanced { card, changes })
    }

    /// [`Card::advance`] in place, appending changes to `changes`.
    ///
    /// # Errors
    /// As [`Card::advance`]; on error neither the card nor `changes` is changed.
    pub fn advance_in_place(
        &mut self,
        policy: &Policy,
        to: Instant,
        changes: &mut Vec<Change>,
    ) -> Result<(), Error> {
        crate::time::check_range("to", to)?;
        window::advance(self, policy, to, changes)
    }

    /// Assesses the card at `at` under `policy`: status, holds with since and
    /// remedy, barred services, balance, usage and overage, keep-number fees, end
    /// of retention, next scheduled change, allowed actions, call-restriction
    /// diagnosis and refund. Scheduled changes due by `at` are taken into account
    /// (the card itself is not changed). Does not allocate. For many cards at one
    /// instant, [`Assessor`] does the per-instant work once.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `at` when it is outside the supported range;
    /// [`Error::OutOfOrder`] when `at` is earlier than the card's clock;
    /// [`Error::InvalidInput`] when a money figure overflows i64 or a date falls
    /// beyond the calendar's range.
    ///
    /// # Example
    /// ```
    /// # use iotcard::{parse_instant, Card, NewCard, Policy, Status};
    /// let card = Card::new(&NewCard::from_json(r#"{
    ///   "iccid": "89860012345678901238", "msisdn": "1440012345678",
    ///   "plan": {"start": "2026-01-01T00:00:00+08:00", "end": "2027-01-01T00:00:00+08:00",
    ///            "period": "month", "quota_bytes": 1048576, "monthly_fee": 1000}
    /// }"#)?)?;
    /// let a = card.assess(&Policy::default(), parse_instant("at", "2026-01-02T00:00:00+08:00")?)?;
    /// assert_eq!(a.status, Status::Inventory);
    /// assert!(a.next.is_none());
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub fn assess(&self, policy: &Policy, at: Instant) -> Result<Assessment, Error> {
        Assessor::new(policy, at)?.assess(self)
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
    /// R12 (version 2; absent: no window, as every version-1 state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    window: Option<WindowJson>,
    /// Absent in states written before operators were known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operator: Option<Operator>,
}

/// The stored form of the late window: the checkpoint (a state without a
/// window of its own) and the journal.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowJson {
    checkpoint: Option<Box<StateJson>>,
    /// The checkpoint is the card's own facts at this instant (the journal is
    /// empty and nothing was scheduled since).
    #[serde(
        default,
        with = "rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    since: Option<Instant>,
    journal: Vec<Entry>,
}

/// One hold of a stored state and when it went on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoldSince {
    /// The hold.
    pub hold: Hold,
    /// When it went on.
    #[serde(with = "rfc3339")]
    pub since: Instant,
}

/// A card's stored state as plain fields, the fields of the state JSON
/// (`docs/json.md`, without `version`): [`Card::state`] and
/// [`Card::from_state`], for stores that keep a state in columns of their own
/// (the `iotcard-arrow` crate). Loading checks it as the JSON is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardState {
    /// ICCID.
    pub iccid: Iccid,
    /// Number (MSISDN).
    pub msisdn: Msisdn,
    /// R2.2: auto-suspend chosen at opening.
    pub auto_suspend: bool,
    /// Balance, minor units.
    pub balance: i64,
    /// The current plan.
    pub plan: Plan,
    /// The bound (or last activating) device.
    pub imei: Option<Imei>,
    /// When the card was activated.
    pub activated_at: Option<Instant>,
    /// `cancelled` or `replaced`.
    pub terminal: Option<Terminal>,
    /// The latest instant the card has seen.
    pub clock: Option<Instant>,
    /// The holds on, each once, with when each went on.
    pub holds: Vec<HoldSince>,
    /// The current quota period.
    pub period: Option<QuotaPeriod>,
    /// Last traffic.
    pub last_traffic: Option<Instant>,
    /// R8.1: the end of the maintenance window (exactly when that hold is on).
    pub maintenance_until: Option<Instant>,
    /// The latest retention.
    pub retention: Option<Retention>,
    /// For a `replaced` card, the card that replaced it.
    pub replaced_by: Option<Iccid>,
    /// The operator the card names (`None`: its ICCID tells).
    pub operator: Option<Operator>,
}

/// The stored holds as the card's [`HoldsOn`] (checked already: each hold once,
/// `maintenance_until` set exactly when the maintenance hold is on).
fn holds_on(holds: &[HoldSince], maintenance_until: Option<Instant>) -> HoldsOn {
    let mut on = HoldsOn::NONE;
    for h in holds {
        match (h.hold, maintenance_until) {
            (Hold::Maintenance, Some(until)) => on.put_maintenance(h.since, until),
            (hold, _) => on.put(hold, h.since),
        };
    }
    on
}

impl CardState {
    /// The clock is the latest instant the card has seen (every event advances it
    /// first): activation, every hold, traffic record and expiry happened at or
    /// before it, traffic after activation, and a card with no clock has seen
    /// nothing. A state that breaks this could not have been written by this
    /// library, and would take events from before its own activation.
    fn check_clock(&self) -> Result<(), Error> {
        let show = |t: Instant| t.to_string();
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
        let s = c.state();
        StateJson {
            version: STATE_VERSION,
            iccid: s.iccid,
            msisdn: s.msisdn,
            auto_suspend: s.auto_suspend,
            balance: s.balance,
            plan: s.plan,
            imei: s.imei,
            activated_at: s.activated_at,
            terminal: s.terminal,
            clock: s.clock,
            holds: s.holds,
            period: s.period,
            last_traffic: s.last_traffic,
            maintenance_until: s.maintenance_until,
            retention: s.retention,
            replaced_by: s.replaced_by,
            window: c.window.as_deref().map(|w| WindowJson {
                checkpoint: w
                    .checkpoint
                    .as_deref()
                    .map(|cp| Box::new(StateJson::from(cp))),
                since: w.since,
                journal: w.journal.clone(),
            }),
            operator: s.operator,
        }
    }
}

impl TryFrom<StateJson> for Card {
    type Error = Error;

    fn try_from(mut s: StateJson) -> Result<Card, Error> {
        if s.version != 1 && s.version != STATE_VERSION {
            return Err(Error::invalid(
                "state.version",
                s.version,
                format!("this library reads card state versions 1 and {STATE_VERSION} only"),
            ));
        }
        if s.version == 1 && s.window.is_some() {
            return Err(Error::invalid(
                "state.window",
                "{…}",
                "a version-1 state has no window (R12 came with version 2)",
            ));
        }
        let window = s.window.take().map(|w| load_window(w, &s)).transpose()?;
        let mut card = Card::from_state(CardState {
            iccid: s.iccid,
            msisdn: s.msisdn,
            auto_suspend: s.auto_suspend,
            balance: s.balance,
            plan: s.plan,
            imei: s.imei,
            activated_at: s.activated_at,
            terminal: s.terminal,
            clock: s.clock,
            holds: s.holds,
            period: s.period,
            last_traffic: s.last_traffic,
            maintenance_until: s.maintenance_until,
            retention: s.retention,
            replaced_by: s.replaced_by,
            operator: s.operator,
        })?;
        card.window = window;
        Ok(card)
    }
}

impl CardState {
    /// The card, if the state is self-consistent.
    fn check(self) -> Result<Card, Error> {
        let s = self;
        s.plan.validate("state.plan")?;
        let mut holds = Holds::EMPTY;
        for h in &s.holds {
            if !holds.insert(h.hold) {
                return Err(Error::invalid("state.holds", h.hold, "listed twice"));
            }
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
            holds: holds_on(&s.holds, s.maintenance_until),
            period: s.period,
            last_traffic: s.last_traffic,
            retention: s.retention,
            replaced_by: s.replaced_by,
            window: None,
            operator: s.operator,
        })
    }
}

/// Checks and loads a stored window of the state `s`: the checkpoint is a state
/// of the same card with no window, at or before the clock; the journal's
/// instants ascend from the checkpoint's clock to the card's, and its ids differ.
fn load_window(w: WindowJson, s: &StateJson) -> Result<Box<Window>, Error> {
    let show = |t: Instant| t.to_string();
    let checkpoint = match w.checkpoint {
        None => None,
        Some(cp) => {
            if cp.window.is_some() {
                return Err(Error::invalid(
                    "state.window.checkpoint.window",
                    "{…}",
                    "a checkpoint has no window of its own",
                ));
            }
            if cp.iccid != s.iccid {
                return Err(Error::invalid(
                    "state.window.checkpoint.iccid",
                    cp.iccid,
                    "is not the card's",
                ));
            }
            if let (Some(c), Some(clock)) = (cp.clock, s.clock)
                && c > clock
            {
                return Err(Error::invalid(
                    "state.window.checkpoint.clock",
                    show(c),
                    "after state.clock",
                ));
            }
            let card = Card::try_from(*cp).map_err(|e| e.within("state.window.checkpoint"))?;
            Some(Box::new(card))
        }
    };
    if let Some(since) = w.since {
        if checkpoint.is_some() || !w.journal.is_empty() {
            return Err(Error::invalid(
                "state.window.since",
                show(since),
                "set with a checkpoint or a journal (it stands for both)",
            ));
        }
        if s.clock.is_none_or(|c| since > c) {
            return Err(Error::invalid(
                "state.window.since",
                show(since),
                "after state.clock",
            ));
        }
    }
    let from = checkpoint.as_ref().and_then(|c| c.clock);
    let mut last = from;
    for (i, e) in w.journal.iter().enumerate() {
        let field = format!("state.window.journal[{i}].at");
        if last.is_some_and(|l| e.at < l) {
            return Err(Error::invalid(
                field,
                show(e.at),
                "before the entry (or checkpoint) it follows",
            ));
        }
        if s.clock.is_none_or(|c| e.at > c) {
            return Err(Error::invalid(field, show(e.at), "after state.clock"));
        }
        last = Some(e.at);
        if let Some(id) = &e.id
            && w.journal[..i].iter().any(|o| o.id.as_ref() == Some(id))
        {
            return Err(Error::invalid(
                format!("state.window.journal[{i}].id"),
                format!("{id:?}"),
                "listed twice",
            ));
        }
    }
    Ok(Box::new(Window {
        checkpoint,
        since: w.since,
        journal: w.journal,
    }))
}
