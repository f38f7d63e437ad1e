//! R10 Refunds (退款): nothing is refunded automatically (R10.1: this module only
//! reports); a card with no traffic for `refund_unused_months` whole months may
//! request a refund of the unused prepaid part, with an estimate (R10.2).

use serde::Serialize;

use crate::Error;
use crate::card::Card;
use crate::policy::Policy;
use crate::time::{Civil, whole_months_civil};

/// R10.2: the refund assessment. An estimate, never a promise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Refund {
    /// Whether the customer may request a refund.
    pub eligible_to_request: bool,
    /// Whole months from the assessment instant to the plan's end × monthly fee.
    pub estimate: i64,
    /// Whole calendar months since the last traffic (or activation).
    pub unused_months: u32,
}

/// R10.2 at `at` (an activated, non-terminal card; zeros otherwise), given
/// the local civil times of `at`, of the last traffic (or activation) and of
/// the plan's end.
pub(crate) fn refund(
    c: &Card,
    p: &Policy,
    at: Civil,
    unused_since: Option<Civil>,
    plan_end: Civil,
) -> Result<Refund, Error> {
    let Some(since) = unused_since else {
        return Ok(Refund::default());
    };
    if c.terminal.is_some() || c.activated_at.is_none() {
        return Ok(Refund::default());
    }
    let unused_months = whole_months_civil(since, at);
    let left = whole_months_civil(at, plan_end);
    let estimate = i64::from(left)
        .checked_mul(c.plan.monthly_fee)
        .ok_or_else(|| {
            Error::invalid(
                "plan.monthly_fee",
                c.plan.monthly_fee,
                format!("× {left} months overflows i64"),
            )
        })?;
    Ok(Refund {
        eligible_to_request: unused_months >= p.refund_unused_months,
        unused_months,
        estimate,
    })
}
