//! R8 System maintenance (系统维护): a `maintenance` hold for the window, lifted by
//! itself when the window ends (R8.1).

use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::hold::Hold;
use crate::step::Step;
use crate::step::{lift, put_maintenance};
use crate::{Error, Instant};

/// R8.1: a maintenance window until `until`; overlapping windows extend it.
pub(crate) fn maintenance<S: Sink>(
    c: &mut Card,
    until: Instant,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    if until <= st.at {
        return Err(Error::invalid(
            "event.until",
            until.to_string(),
            format!("must be after the event instant {}", st.at),
        ));
    }
    put_maintenance(c, until, Rule::R8_1, st);
    Ok(())
}

/// R8.1: the window ended.
pub(crate) fn maintenance_over<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    lift(c, Hold::Maintenance, Rule::R8_1, st);
}
