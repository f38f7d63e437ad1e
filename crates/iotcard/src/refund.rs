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

/// The instants R10.2 counts months from and to, in the billing calendar.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RefundAnchors {
    /// The last traffic, or activation if there was none.
    pub(crate) unused_since: Civil,
    /// The plan's end.
    pub(crate) plan_end: Civil,
}

/// R10.2 at `at` for an activated, non-terminal card (any other card has
/// nothing to refund: [`Refund::default`]), given `at` and the card's
/// [`RefundAnchors`] in the billing calendar.
pub(crate) fn refund(
    c: &Card,
    p: &Policy,
    at: Civil,
    from: RefundAnchors,
) -> Result<Refund, Error> {
    let unused_months = whole_months_civil(from.unused_since, at);
    let left = whole_months_civil(at, from.plan_end);
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
