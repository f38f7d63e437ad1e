//! Scheduled changes ("Time" in docs/rules.md): R2.3, R4.1, R4.4, R4.5, R6.2 and R8.1
//! happen at exact instants. Advancing a card to T applies every change due at or
//! before T, in order; changes due at the same instant follow [`ChangeKind`] order.
//!
//! The next change is computed from the state, never by stepping through time, so
//! advancing over ten idle years costs what a month does.

use crate::card::Card;
use crate::change::{Cause, ChangeKind, Scheduled, Sink};
use crate::hold::Hold;
use crate::policy::Policy;
use crate::step::Step;
use crate::time::Civil;
use crate::{Error, Instant};

impl Card {
    /// The earliest scheduled change, whether due or not. Only activated,
    /// non-terminal cards have any.
    pub(crate) fn next_due(&self, p: &Policy) -> Option<Scheduled> {
        self.next_due_from(p, None)
    }

    /// [`Card::next_due`], given the last traffic (or activation) already in the
    /// billing calendar when known.
    pub(crate) fn next_due_from(
        &self,
        p: &Policy,
        unused_since: Option<Civil>,
    ) -> Option<Scheduled> {
        if self.terminal.is_some() || self.activated_at.is_none() {
            return None;
        }
        let mut best: Option<Scheduled> = None;
        let mut consider = |at: Option<Instant>, change: ChangeKind| {
            if let Some(at) = at
                && best.is_none_or(|b| (at, change) < (b.at, b.change))
            {
                best = Some(Scheduled { at, change });
            }
        };
        let h = self.holds;
        if h.contains(Hold::OverQuota) {
            consider(self.period.map(|q| q.end), ChangeKind::LiftOverQuota);
        }
        if h.contains(Hold::Expired) {
            consider(self.next_fee_due(p), ChangeKind::KeepNumberFee);
            consider(self.retention_ends(p), ChangeKind::Cancel);
        } else {
            consider(self.expiry_instant(), ChangeKind::Expire);
        }
        if h.contains(Hold::Maintenance) {
            consider(h.maintenance_until(), ChangeKind::LiftMaintenance);
        }
        consider(
            self.dormancy_due(p, unused_since),
            ChangeKind::DormancyCancel,
        );
        best
    }

    /// Applies one scheduled change at its instant.
    fn run_scheduled<S: Sink>(
        &mut self,
        p: &Policy,
        s: Scheduled,
        out: &mut S,
    ) -> Result<(), Error> {
        let mut st = Step {
            at: s.at,
            cause: Cause::Scheduled(s.change),
            out,
        };
        match s.change {
            ChangeKind::LiftOverQuota => self.next_quota_period(p, &mut st)?,
            ChangeKind::Expire => self.expire(&mut st),
            ChangeKind::KeepNumberFee => self.keep_number_fee(p, &mut st)?,
            ChangeKind::Cancel => self.end_of_retention(&mut st),
            ChangeKind::LiftMaintenance => self.maintenance_over(&mut st),
            ChangeKind::DormancyCancel => self.dormancy_cancel(&mut st),
        }
        Ok(())
    }

    /// Applies every scheduled change due at or before `to`, then sets the clock.
    ///
    /// Refuses to go back before the clock. May leave the card half-advanced on
    /// error: callers work on a copy.
    pub(crate) fn advance_mut<S: Sink>(
        &mut self,
        p: &Policy,
        to: Instant,
        out: &mut S,
    ) -> Result<(), Error> {
        if let Some(last) = self.clock
            && to < last
        {
            return Err(Error::OutOfOrder { at: to, last });
        }
        self.run_due(p, to, out)?;
        self.clock = Some(to);
        Ok(())
    }

    /// Applies every scheduled change due at or before `to` (not touching the clock).
    pub(crate) fn run_due<S: Sink>(
        &mut self,
        p: &Policy,
        to: Instant,
        out: &mut S,
    ) -> Result<(), Error> {
        while let Some(s) = self.next_due(p).filter(|s| s.at <= to) {
            self.run_scheduled(p, s, out)?;
        }
        Ok(())
    }
}
