//! R6 Operator cancellation (运营商注销): on the customer's request (R6.1), and for
//! dormancy when the policy sets `dormancy_months` (R6.2).

use crate::Instant;
use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::policy::Policy;
use crate::status::Terminal;
use crate::step::Step;
use crate::step::end;
use crate::time::{Civil, add_months, add_months_civil};

/// R6.1: the customer cancels.
pub(crate) fn cancel<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    end(c, Terminal::Cancelled, Rule::R6_1, st);
}

/// R6.2: when a dormant card will be cancelled: `dormancy_months` after its
/// last traffic, or after activation if it has none.
/// `since` is that instant already in the billing calendar, when known.
pub(crate) fn dormancy_due(c: &Card, p: &Policy, since: Option<Civil>) -> Option<Instant> {
    let months = p.dormancy_months?;
    match since {
        Some(since) => add_months_civil(since, months, p.timezone),
        None => add_months(c.last_traffic.or(c.activated_at)?, months, p.timezone),
    }
}

/// R6.2: the operator cancels a dormant card.
pub(crate) fn dormancy_cancel<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    end(c, Terminal::Cancelled, Rule::R6_2, st);
}
