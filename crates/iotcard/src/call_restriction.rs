//! R9 Call restriction (呼叫限制): the diagnosis of why calls are restricted, most
//! actionable first (R9.1), and the lost card: `lost` goes on when reported and only
//! a replacement lifts it, carrying everything but `lost` to the new card (R9.2).

use crate::Error;
use crate::card::Card;
use crate::change::{Rule, Sink};
use crate::hold::{Hold, Holds, Service, bit_set, named_enum};
use crate::ids::Iccid;
use crate::status::Terminal;
use crate::step::Step;
use crate::step::{end, put};

named_enum!(
    /// One cause in the R9.1 diagnosis, in order: most actionable first.
    CallCause, "call restriction cause" {
        /// Pay the arrears.
        Arrears = "arrears",
        /// Top up.
        LowBalance = "low_balance",
        /// Replace the card.
        Lost = "lost",
        /// Any other hold that bars calls: contact the operator (operators differ).
        ContactOperator = "contact_operator",
    }
);

bit_set!(
    /// The R9.1 diagnosis: a set whose iteration order is the diagnosis order.
    CallRestriction of CallCause, u8
);

/// R9.1: why calls are restricted, given the holds.
///
/// ```
/// use iotcard::{call_restriction, CallCause, Hold, Holds};
/// let holds: Holds = [Hold::Lost, Hold::Expired, Hold::Arrears].into_iter().collect();
/// let d: Vec<_> = call_restriction(holds).iter().collect();
/// assert_eq!(d, [CallCause::Arrears, CallCause::Lost, CallCause::ContactOperator]);
/// ```
pub fn call_restriction(holds: Holds) -> CallRestriction {
    let mut d = CallRestriction::EMPTY;
    for (hold, cause) in [
        (Hold::Arrears, CallCause::Arrears),
        (Hold::LowBalance, CallCause::LowBalance),
        (Hold::Lost, CallCause::Lost),
    ] {
        if holds.contains(hold) {
            d.insert(cause);
        }
    }
    let other = holds.iter().any(|h| {
        !matches!(h, Hold::Arrears | Hold::LowBalance | Hold::Lost)
            && (h.bars().contains(Service::VoiceOutgoing)
                || h.bars().contains(Service::VoiceIncoming))
    });
    if other {
        d.insert(CallCause::ContactOperator);
    }
    d
}

/// R9.2: the card is reported lost.
pub(crate) fn report_lost<S: Sink>(c: &mut Card, st: &mut Step<'_, S>) {
    put(c, Hold::Lost, Rule::R9_2, st);
}

/// R9.2: the card is replaced by `iccid`; returns the new card, which carries
/// over number, plan, balance, binding, usage and every hold but `lost`.
pub(crate) fn replace<S: Sink>(
    c: &mut Card,
    iccid: Iccid,
    st: &mut Step<'_, S>,
) -> Result<Card, Error> {
    if iccid == c.iccid {
        return Err(Error::invalid(
            "event.iccid",
            format!("{:?}", iccid.as_str()),
            "the new card must have a different ICCID",
        ));
    }
    let mut new = c.clone();
    new.iccid = iccid;
    new.holds.lift(Hold::Lost);
    new.replaced_by = None;
    c.replaced_by = Some(iccid);
    end(c, Terminal::Replaced, Rule::R9_2, st);
    Ok(new)
}
