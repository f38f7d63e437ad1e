//! The machinery every rule uses to change a card: put or lift a hold, end the
//! card, and record each change (with the status change it causes) in a sink.

use crate::Instant;
use crate::card::Card;
use crate::change::{Cause, Change, Effect, Rule, Sink};
use crate::hold::{Hold, HoldsOn};
use crate::status::Terminal;

/// The instant and cause of the changes being made, and where they go.
pub(crate) struct Step<'a, S: Sink> {
    pub(crate) at: Instant,
    pub(crate) cause: Cause,
    pub(crate) out: &'a mut S,
}

impl<S: Sink> Step<'_, S> {
    pub(crate) fn emit(&mut self, rule: Rule, effect: Effect) {
        self.out.push(Change {
            at: self.at,
            rule,
            cause: self.cause,
            effect,
        });
    }
}

/// Puts `hold` on (no-op when it is already on), recording it and any status change.
pub(crate) fn put<S: Sink>(c: &mut Card, hold: Hold, rule: Rule, st: &mut Step<'_, S>) {
    let before = c.status();
    if c.holds.put(hold, st.at) {
        record_put(c, before, hold, rule, st);
    }
}

/// Puts the maintenance hold on until `until`, or extends the window it is
/// in (R8.1), recording the hold and any status change when it went on.
pub(crate) fn put_maintenance<S: Sink>(
    c: &mut Card,
    until: Instant,
    rule: Rule,
    st: &mut Step<'_, S>,
) {
    let before = c.status();
    if c.holds.put_maintenance(st.at, until) {
        record_put(c, before, Hold::Maintenance, rule, st);
    }
}

fn record_put<S: Sink>(
    c: &Card,
    before: crate::Status,
    hold: Hold,
    rule: Rule,
    st: &mut Step<'_, S>,
) {
    st.emit(rule, Effect::HoldPut { hold });
    emit_status(c, before, rule, st);
}

/// Lifts `hold`; false when it was not on.
pub(crate) fn lift<S: Sink>(c: &mut Card, hold: Hold, rule: Rule, st: &mut Step<'_, S>) -> bool {
    let before = c.status();
    if !c.holds.lift(hold) {
        return false;
    }
    st.emit(rule, Effect::HoldLifted { hold });
    emit_status(c, before, rule, st);
    true
}

/// Ends the card: terminal, no holds, nothing scheduled any more.
pub(crate) fn end<S: Sink>(c: &mut Card, how: Terminal, rule: Rule, st: &mut Step<'_, S>) {
    let before = c.status();
    c.terminal = Some(how);
    c.holds = HoldsOn::NONE;
    emit_status(c, before, rule, st);
}

pub(crate) fn emit_status<S: Sink>(
    c: &Card,
    before: crate::Status,
    rule: Rule,
    st: &mut Step<'_, S>,
) {
    let after = c.status();
    if after != before {
        st.emit(
            rule,
            Effect::StatusChanged {
                from: before,
                to: after,
            },
        );
    }
}
