//! The three operations ("Lifecycle" in docs/rules.md): apply an event, advance to an
//! instant, assess (in [`crate::assess`]). Each takes the card by reference and
//! returns a new one: a refused event leaves the card exactly as it was.

use crate::card::{Cached, Card};
use crate::change::{Cause, Change, Sink};
use crate::event::Event;
use crate::policy::Policy;
use crate::step::Step;
use crate::{Error, Instant};

/// The result of [`Card::apply`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The card after the event.
    pub card: Card,
    /// For `replace`: the new card (the old one is now `replaced`).
    pub replacement: Option<Card>,
    /// Everything that happened, in order: scheduled changes passed on the way,
    /// then the event's own.
    pub changes: Vec<Change>,
}

/// The result of [`Card::advance`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advanced {
    /// The card at the instant.
    pub card: Card,
    /// Every scheduled change on the way, with its exact instant, in order.
    pub changes: Vec<Change>,
}

impl Card {
    /// Applies `event` at `at` under `policy`: first advances to `at` (every
    /// scheduled change due at or before it), then applies the event, then any
    /// change that fell due at `at` as a consequence.
    ///
    /// # Errors
    /// Checked in this order, so the same refusal always gets the same code:
    /// - [`Error::InvalidInput`]: the policy is out of range ([`Policy::validate`]);
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
        let mut card = self.clone();
        let mut changes = Vec::new();
        let replacement = card.apply_in_place(policy, at, event, &mut changes)?;
        Ok(Applied {
            card,
            replacement,
            changes,
        })
    }

    /// [`Card::apply`] in place, appending changes to `changes`: for billing loops
    /// that keep one card and one change buffer. Returns the replacement card for
    /// `replace`.
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
        let replacement = self.apply_unprepared(policy, at, event, changes)?;
        self.ensure_memo(policy);
        Ok(replacement.map(|mut new| {
            new.ensure_memo(policy);
            *new
        }))
    }

    /// [`Card::apply_in_place`] without refreshing the schedule memo: for
    /// replaying a log, which prepares the card once at the end. The replacement
    /// is boxed so that the usual answer, `Ok(None)`, is small to move.
    pub(crate) fn apply_unprepared(
        &mut self,
        policy: &Policy,
        at: Instant,
        event: &Event,
        changes: &mut Vec<Change>,
    ) -> Result<Option<Box<Card>>, Error> {
        // Works on the card itself and puts the copy back on a refusal: one copy
        // of the card per event instead of two.
        let mark = changes.len();
        let before = self.clone();
        self.apply_mut(policy, at, event, changes).inspect_err(|_| {
            *self = before;
            changes.truncate(mark);
        })
    }

    fn refuse_if_terminal(&self, action: &'static str) -> Result<(), Error> {
        if self.terminal.is_some() {
            Err(Error::Terminal {
                status: self.status(),
                action,
            })
        } else {
            Ok(())
        }
    }

    fn apply_mut<S: Sink>(
        &mut self,
        p: &Policy,
        at: Instant,
        event: &Event,
        out: &mut S,
    ) -> Result<Option<Box<Card>>, Error> {
        let kind = event.kind();
        p.validate()?;
        self.refuse_if_terminal(kind)?;
        self.advance_mut(p, at, out)?;
        self.refuse_if_terminal(kind)?;
        event.validate()?;
        let needs_activation = !matches!(
            event,
            Event::Activate { .. } | Event::Payment { .. } | Event::Renew { .. } | Event::Cancel
        );
        if needs_activation && self.activated_at.is_none() {
            return Err(Error::NotActivated { event: kind });
        }
        // The event changes the card: its memo no longer describes it.
        self.memo = Cached(None);
        let mut st = Step {
            at,
            cause: Cause::Event(kind),
            out,
        };
        let mut replacement = None;
        match *event {
            Event::Activate { imei } => self.activate(p, imei, &mut st)?,
            Event::Usage {
                bytes,
                imei,
                region,
            } => {
                self.last_traffic = Some(at);
                self.check_device(p, imei, &mut st);
                self.check_region(p, region, &mut st);
                self.count_usage(p, bytes, &mut st)?;
            }
            Event::Charge { amount } => self.charge(p, amount, &mut st)?,
            Event::Payment { amount } => self.payment(p, amount, &mut st)?,
            Event::TopUp { bytes } => self.top_up(p, bytes, &mut st)?,
            Event::ManualSuspend => self.manual_suspend(&mut st)?,
            Event::ManualResume => self.manual_resume(&mut st)?,
            Event::Renew { ref plan } => self.renew(p, plan, &mut st)?,
            Event::Rebind { imei } => self.rebind(imei, &mut st),
            Event::OperatorRelease { hold } => self.operator_release(hold, &mut st)?,
            Event::Maintenance { until } => self.maintenance(until, &mut st)?,
            Event::ReportLost => self.report_lost(&mut st),
            Event::Replace { iccid } => replacement = Some(Box::new(self.replace(iccid, &mut st)?)),
            Event::Cancel => self.cancel(&mut st),
        }
        // Changes that fell due at `at` because of the event (e.g. expiry of a card
        // activated after its plan ended); the memo made here is what the next
        // event's advance reads.
        self.refresh_memo(p);
        self.run_due(p, at, out)?;
        if let Some(new) = replacement.as_mut() {
            new.run_due(p, at, out)?;
        }
        Ok(replacement)
    }

    /// Advances the card to `to`, applying every scheduled change due at or before
    /// it, in order.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when the policy is out of range ([`Policy::validate`]);
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
        policy.validate()?;
        let mark = changes.len();
        let before = self.clone();
        match self.advance_mut(policy, to, changes) {
            Ok(()) => {
                self.ensure_memo(policy);
                Ok(())
            }
            Err(e) => {
                *self = before;
                changes.truncate(mark);
                Err(e)
            }
        }
    }
}
