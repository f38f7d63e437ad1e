//! R10 Refunds (退款): nothing is refunded automatically (R10.1: this module only
//! reports); a card with no traffic for `refund_unused_months` whole months may
//! request a refund of the unused prepaid part, with an estimate (R10.2).

use serde::Serialize;

use crate::card::Card;
use crate::policy::Policy;
use crate::time::whole_months;
use crate::{Error, Instant};

/// R10.2: the refund assessment. An estimate, never a promise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// Whether the customer may request a refund.
    pub eligible_to_request: bool,
    /// Whole calendar months since the last traffic (or activation).
    pub unused_months: u32,
    /// Whole months from the assessment instant to the plan's end × monthly fee.
    pub estimate: i64,
}

impl Card {
    /// R10.2 at `at` (an activated, non-terminal card; zeros otherwise).
    pub(crate) fn refund(&self, p: &Policy, at: Instant) -> Result<Refund, Error> {
        let Some(activated) = self.activated_at else {
            return Ok(Refund::default());
        };
        if self.terminal.is_some() {
            return Ok(Refund::default());
        }
        let unused_months = whole_months(self.last_traffic.unwrap_or(activated), at, p.timezone);
        let left = whole_months(at, self.plan.end, p.timezone);
        let estimate = i64::from(left)
            .checked_mul(self.plan.monthly_fee)
            .ok_or_else(|| {
                Error::invalid(
                    "plan.monthly_fee",
                    self.plan.monthly_fee,
                    format!("× {left} months overflows i64"),
                )
            })?;
        Ok(Refund {
            eligible_to_request: unused_months >= p.refund_unused_months,
            unused_months,
            estimate,
        })
    }
}
