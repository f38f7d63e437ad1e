//! R4 Expiry and number retention (过期停机 / 停机保号): the `expired` hold at the
//! plan's end (R4.1), retention of `retention_months` calendar months clamped to
//! month end (R4.2), renewal lifting `expired` at once (R4.3), a number-keeping fee
//! due at the start of each started retention month (R4.4), and cancellation at the
//! end of retention (R4.5).

use crate::card::{Card, Retention};
use crate::change::{Effect, Rule, Sink};
use crate::hold::Hold;
use crate::plan::Plan;
use crate::policy::Policy;
use crate::quota::requota;
use crate::status::Terminal;
use crate::step::Step;
use crate::step::{end, lift, put};
use crate::time::{Civil, add_months_civil};
use crate::{Error, Instant};

/// R4.1: when the plan expires: its end, or the activation instant for a card
/// activated after its plan ended.
pub(crate) fn expiry_instant(c: &Card) -> Option<Instant> {
    let activated = c.activated_at?;
    Some(c.plan.end.max(activated))
}

/// R4.2 and R4.4 in the current retention: when the next number-keeping fee
/// falls due (if one is left) and when retention ends. `None` outside retention.
pub(crate) fn retention_dates(c: &Card, p: &Policy) -> Option<RetentionDates> {
    if !c.holds.contains(Hold::Expired) {
        return None;
    }
    let r = c.retention?;
    // One calendar conversion of the expiry instant for both dates.
    let expired = Civil::of(r.expired_at, p.timezone);
    Some(RetentionDates {
        next_fee: (r.fees_due < p.retention_months)
            .then(|| add_months_civil(expired, r.fees_due, p.timezone))
            .flatten(),
        ends: add_months_civil(expired, p.retention_months, p.timezone),
    })
}

/// See [`retention_dates`]; `None` past the calendar's range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RetentionDates {
    pub(crate) next_fee: Option<Instant>,
    pub(crate) ends: Option<Instant>,
}

/// R4.1: the plan ends; retention starts.
pub(crate) fn expire<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    c.retention = Some(Retention {
        expired_at: st.at,
        fees_due: 0,
        fees_amount: 0,
    });
    put(c, Hold::Expired, Rule::R4_1, st);
}

/// R4.4: a number-keeping fee falls due.
pub(crate) fn keep_number_fee<S: Sink>(
    c: &mut Card,
    p: &Policy,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    let Some(r) = c.retention.as_mut() else {
        return Ok(());
    };
    r.fees_amount = r
        .fees_amount
        .checked_add(p.keep_number_fee)
        .ok_or_else(|| {
            Error::invalid(
                "policy.keep_number_fee",
                p.keep_number_fee,
                "the sum of fees overflows i64",
            )
        })?;
    r.fees_due += 1;
    st.emit(
        Rule::R4_4,
        Effect::KeepNumberFeeDue {
            amount: p.keep_number_fee,
        },
    );
    Ok(())
}

/// R4.5: retention ended without renewal.
pub(crate) fn end_of_retention<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    end(c, Terminal::Cancelled, Rule::R4_5, st);
}

/// R4.3: a renewal replaces the plan and lifts `expired` at once.
pub(crate) fn renew<S: Sink>(
    c: &mut Card,
    p: &Policy,
    plan: &Plan,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    plan.validate("event.plan")?;
    if plan.end <= st.at {
        return Err(Error::invalid(
            "event.plan.end",
            plan.end.to_string(),
            format!("must be after the renewal instant {}", st.at),
        ));
    }
    c.plan = *plan;
    requota(c, p, st)?;
    lift(c, Hold::Expired, Rule::R4_3, st);
    Ok(())
}
