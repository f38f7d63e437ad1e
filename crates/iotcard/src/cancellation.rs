//! R6 Operator cancellation (运营商注销): on the customer's request (R6.1), and for
//! dormancy when the policy sets `dormancy_months` (R6.2).

use crate::Instant;
use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::policy::Policy;
use crate::status::Terminal;
use crate::step::Step;
use crate::time::add_months;

impl Card {
    /// R6.1: the customer cancels.
    pub(crate) fn cancel<S: Sink>(&mut self, st: &mut Step<'_, S>) {
        self.end(Terminal::Cancelled, Rule::R6_1, st);
    }

    /// R6.2: when a dormant card will be cancelled: `dormancy_months` after its
    /// last traffic, or after activation if it has none.
    pub(crate) fn dormancy_due(&self, p: &Policy) -> Option<Instant> {
        let months = p.dormancy_months?;
        let from = self.last_traffic.or(self.activated_at)?;
        add_months(from, months, p.timezone)
    }

    /// R6.2: the operator cancels a dormant card.
    pub(crate) fn dormancy_cancel<S: Sink>(&mut self, st: &mut Step<'_, S>) {
        self.end(Terminal::Cancelled, Rule::R6_2, st);
    }
}
