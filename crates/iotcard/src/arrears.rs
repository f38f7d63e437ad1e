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

impl Card {
    /// R3.1: the balance is below minus the credit limit.
    pub(crate) fn below_credit(&self, p: &Policy) -> bool {
        // credit_limit >= 0 (validated), so the negation cannot overflow.
        self.balance < -p.credit_limit.max(0)
    }

    /// R3.3: within credit, but below the low-balance threshold (0 = off).
    pub(crate) fn low(&self, p: &Policy) -> bool {
        p.low_balance > 0 && self.balance < p.low_balance && !self.below_credit(p)
    }

    /// Puts the holds the balance calls for (after a charge, or at activation).
    pub(crate) fn hold_for_balance<S: Sink>(&mut self, p: &Policy, st: &mut Step<'_, S>) {
        if self.below_credit(p) {
            self.put(Hold::Arrears, Rule::R3_1, st);
        } else if self.low(p) {
            self.put(Hold::LowBalance, Rule::R3_3, st);
        }
    }

    /// R3.1: a charge.
    pub(crate) fn charge<S: Sink>(
        &mut self,
        p: &Policy,
        amount: i64,
        st: &mut Step<'_, S>,
    ) -> Result<(), Error> {
        self.balance = self.balance.checked_sub(amount).ok_or_else(|| {
            Error::invalid(
                "event.amount",
                amount,
                format!("would take the balance {} below i64::MIN", self.balance),
            )
        })?;
        self.hold_for_balance(p, st);
        Ok(())
    }

    /// R3.2/R3.3: a payment.
    pub(crate) fn payment<S: Sink>(
        &mut self,
        p: &Policy,
        amount: i64,
        st: &mut Step<'_, S>,
    ) -> Result<(), Error> {
        self.balance = self.balance.checked_add(amount).ok_or_else(|| {
            Error::invalid(
                "event.amount",
                amount,
                format!("would take the balance {} above i64::MAX", self.balance),
            )
        })?;
        if self.activated_at.is_none() {
            return Ok(());
        }
        if p.auto_resume_on_payment && self.balance >= 0 {
            self.lift(Hold::Arrears, Rule::R3_2, st);
        }
        if self.balance >= p.low_balance {
            self.lift(Hold::LowBalance, Rule::R3_3, st);
        } else if self.low(p) {
            self.put(Hold::LowBalance, Rule::R3_3, st);
        }
        Ok(())
    }
}
