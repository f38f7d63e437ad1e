//! R7 Restricted regions (使用禁区): the policy's list of GB/T 2260 province codes
//! (R7.1), the `restricted_region` hold on traffic from one (R7.2), lifted only by
//! the operator (R7.3).

use crate::Error;
use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::error::HoldName;
use crate::event::EventKind;
use crate::hold::Hold;
use crate::ids::Region;
use crate::policy::Policy;
use crate::step::Step;
use crate::step::{lift, put};

/// R7.1/R7.2: traffic from `region`.
pub(crate) fn check_region<S: Sink>(
    c: &mut Card,
    p: &Policy,
    region: Option<Region>,
    st: &mut Step<'_, S>,
) {
    if region.is_some_and(|r| p.restricted_regions.contains(r)) {
        put(c, Hold::RestrictedRegion, Rule::R7_2, st);
    }
}

/// R7.3: the operator releases a hold that only it can lift.
pub(crate) fn operator_release<S: Sink>(
    c: &mut Card,
    hold: Hold,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    if hold != Hold::RestrictedRegion {
        return Err(Error::invalid(
            "event.hold",
            format!("{:?}", hold.name()),
            "only restricted_region is lifted by the operator (R7.3); \
             every other hold lifts by its own rule",
        ));
    }
    if lift(c, hold, Rule::R7_3, st) {
        Ok(())
    } else {
        Err(Error::NothingToLift {
            event: EventKind::OperatorRelease,
            hold: HoldName::One(hold),
        })
    }
}
