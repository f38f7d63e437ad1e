//! R5 Device binding (机卡绑定): the first activation binds the device (R5.1);
//! traffic from another device puts `device_mismatch` on (R5.2); a rebind binds the
//! new device and lifts it (R5.3).

use crate::Error;
use crate::card::{Card, QuotaPeriod};
use crate::change::{Rule, Sink};
use crate::hold::Hold;
use crate::ids::Imei;
use crate::policy::Policy;
use crate::step::Step;

impl Card {
    /// R5.1: activation.
    pub(crate) fn activate<S: Sink>(
        &mut self,
        p: &Policy,
        imei: Option<Imei>,
        st: &mut Step<'_, S>,
    ) -> Result<(), Error> {
        if let Some(since) = self.activated_at {
            return Err(Error::AlreadyActivated { since });
        }
        if p.device_binding && imei.is_none() {
            return Err(Error::invalid(
                "event.imei",
                "null",
                "is required to activate while policy.device_binding is true",
            ));
        }
        let before = self.status();
        self.period = Some(QuotaPeriod::at(&self.plan, st.at, p.timezone)?);
        self.activated_at = Some(st.at);
        self.imei = imei;
        self.emit_status(before, Rule::R5_1, st);
        self.hold_for_balance(p, st);
        Ok(())
    }

    /// R5.2: traffic from `imei` while bound to another device.
    pub(crate) fn check_device<S: Sink>(
        &mut self,
        p: &Policy,
        imei: Option<Imei>,
        st: &mut Step<'_, S>,
    ) {
        if let (true, Some(seen), Some(bound)) = (p.device_binding, imei, self.imei)
            && seen != bound
        {
            self.put(Hold::DeviceMismatch, Rule::R5_2, st);
        }
    }

    /// R5.3: bind a new device; lifts `device_mismatch`.
    pub(crate) fn rebind<S: Sink>(&mut self, imei: Imei, st: &mut Step<'_, S>) {
        self.imei = Some(imei);
        self.lift(Hold::DeviceMismatch, Rule::R5_3, st);
    }
}
