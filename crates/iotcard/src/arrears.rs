//! R3 Arrears and balance (欠费停机 / 余额不足): the `arrears` hold when a charge
//! takes the balance below the credit limit (R3.1), lifted by a manual resume once
//! the balance is back at zero or above, or at payment per policy (R3.2), and the
//! `low_balance` hold that bars outgoing calls (R3.3).

use crate::Error;
use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::hold::Hold;
use crate::policy::Policy;
use crate::step::Step;
use crate::step::{lift, put};

/// R3.1: the balance is below minus the credit limit.
pub(crate) fn below_credit(c: &Card, p: &Policy) -> bool {
    // credit_limit >= 0 (validated), so the negation cannot overflow.
    c.balance < -p.credit_limit.max(0)
}

/// R3.3: within credit, but below the low-balance threshold (0 = off).
pub(crate) fn low_balance(c: &Card, p: &Policy) -> bool {
    p.low_balance > 0 && c.balance < p.low_balance && !below_credit(c, p)
}

/// Puts the holds the balance calls for (after a charge, or at activation).
pub(crate) fn hold_for_balance<S: Sink>(c: &mut Card, p: &Policy, st: &mut Step<'_, S>) {
    if below_credit(c, p) {
        put(c, Hold::Arrears, Rule::R3_1, st);
    } else if low_balance(c, p) {
        put(c, Hold::LowBalance, Rule::R3_3, st);
    }
}

/// R3.1: a charge.
pub(crate) fn charge<S: Sink>(
    c: &mut Card,
    p: &Policy,
    amount: i64,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    c.balance = c.balance.checked_sub(amount).ok_or_else(|| {
        Error::invalid(
            "event.amount",
            amount,
            format!("would take the balance {} below i64::MIN", c.balance),
        )
    })?;
    hold_for_balance(c, p, st);
    Ok(())
}

/// R3.2/R3.3: a payment.
pub(crate) fn payment<S: Sink>(
    c: &mut Card,
    p: &Policy,
    amount: i64,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    c.balance = c.balance.checked_add(amount).ok_or_else(|| {
        Error::invalid(
            "event.amount",
            amount,
            format!("would take the balance {} above i64::MAX", c.balance),
        )
    })?;
    if c.activated_at.is_none() {
        return Ok(());
    }
    if p.auto_resume_on_payment && c.balance >= 0 {
        lift(c, Hold::Arrears, Rule::R3_2, st);
    }
    if c.balance >= p.low_balance {
        lift(c, Hold::LowBalance, Rule::R3_3, st);
    } else if low_balance(c, p) {
        put(c, Hold::LowBalance, Rule::R3_3, st);
    }
    Ok(())
}
