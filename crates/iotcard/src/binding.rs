//! R5 Device binding (机卡绑定): the first activation binds the device (R5.1);
//! traffic from another device puts `device_mismatch` on (R5.2); a rebind binds the
//! new device and lifts it (R5.3).

use crate::Error;
use crate::arrears::hold_for_balance;
use crate::card::{Card, QuotaPeriod};
use crate::change::{Rule, Sink};
use crate::hold::Hold;
use crate::ids::Imei;
use crate::policy::Policy;
use crate::step::Step;
use crate::step::{emit_status, lift, put};

/// R5.1: activation.
pub(crate) fn activate<S: Sink>(
    c: &mut Card,
    p: &Policy,
    imei: Option<Imei>,
    st: &mut Step<'_, S>,
) -> Result<(), Error> {
    if let Some(since) = c.activated_at {
        return Err(Error::AlreadyActivated {
            since,
            timezone: p.timezone,
        });
    }
    if p.device_binding && imei.is_none() {
        return Err(Error::invalid(
            "event.imei",
            "null",
            "is required to activate while policy.device_binding is true",
        ));
    }
    let before = c.status();
    c.period = Some(QuotaPeriod::at(&c.plan, st.at, p.timezone)?);
    c.activated_at = Some(st.at);
    c.imei = imei;
    emit_status(c, before, Rule::R5_1, st);
    hold_for_balance(c, p, st);
    Ok(())
}

/// R5.2: traffic from `imei` while bound to another device.
pub(crate) fn check_device<S: Sink>(
    c: &mut Card,
    p: &Policy,
    imei: Option<Imei>,
    st: &mut Step<'_, S>,
) {
    if let (true, Some(seen), Some(bound)) = (p.device_binding, imei, c.imei)
        && seen != bound
    {
        put(c, Hold::DeviceMismatch, Rule::R5_2, st);
    }
}

/// R5.3: bind a new device; lifts `device_mismatch`.
pub(crate) fn rebind<S: Sink>(c: &mut Card, imei: Imei, st: &mut Step<'_, S>) {
    c.imei = Some(imei);
    lift(c, Hold::DeviceMismatch, Rule::R5_3, st);
}
