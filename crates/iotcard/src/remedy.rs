//! R11 Remedies (解决方法): every hold maps to what lifts it, with a sentence for
//! the customer in zh-CN and en.

use crate::hold::{Hold, named_enum};
use crate::policy::Policy;

named_enum!(
    /// What lifts a hold (R11), as the remedy codes of `docs/json.md`.
    #[non_exhaustive]
    Remedy, "remedy" {
        /// R1.2: a manual resume.
        ManualResume = "manual_resume",
        /// R2.3/R2.4: buy a data package, or wait for the next quota period.
        BuyDataPackage = "buy_data_package",
        /// R3.2: pay the arrears, then resume.
        PayThenResume = "pay_then_resume",
        /// R3.2 with `auto_resume_on_payment`: paying lifts it.
        Pay = "pay",
        /// R3.3: top up the balance.
        TopUp = "top_up",
        /// R4.3: renew before the end of retention.
        Renew = "renew",
        /// R5.3: re-activate and bind the new device.
        RebindDevice = "rebind_device",
        /// R7.3: only the operator lifts it.
        ContactOperator = "contact_operator",
        /// R8.1: wait for the maintenance window to end.
        WaitMaintenanceEnd = "wait_maintenance_end",
        /// R9.2: replace the card.
        ReplaceCard = "replace_card",
    }
);

/// A customer-facing sentence in both languages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sentence {
    /// Simplified Chinese.
    pub zh_cn: &'static str,
    /// English.
    pub en: &'static str,
}

impl Hold {
    /// The remedy that lifts this hold under `policy` (R11).
    ///
    /// ```
    /// use iotcard::{Hold, Policy, PolicySettings, Remedy};
    /// let p = Policy::default();
    /// assert_eq!(Hold::Arrears.remedy(&p), Remedy::PayThenResume);
    /// let auto = Policy::new(PolicySettings { auto_resume_on_payment: true, ..PolicySettings::default() })?;
    /// assert_eq!(Hold::Arrears.remedy(&auto), Remedy::Pay);
    /// # Ok::<(), iotcard::Error>(())
    /// ```
    pub const fn remedy(self, policy: &Policy) -> Remedy {
        self.remedy_when(policy.settings().auto_resume_on_payment)
    }

    /// The remedy, given only the one policy setting it depends on
    /// (`auto_resume_on_payment`, which makes paying alone lift `arrears`).
    pub const fn remedy_when(self, auto_resume_on_payment: bool) -> Remedy {
        match self {
            Hold::Manual => Remedy::ManualResume,
            Hold::OverQuota => Remedy::BuyDataPackage,
            Hold::Arrears if auto_resume_on_payment => Remedy::Pay,
            Hold::Arrears => Remedy::PayThenResume,
            Hold::LowBalance => Remedy::TopUp,
            Hold::Expired => Remedy::Renew,
            Hold::DeviceMismatch => Remedy::RebindDevice,
            Hold::RestrictedRegion => Remedy::ContactOperator,
            Hold::Maintenance => Remedy::WaitMaintenanceEnd,
            Hold::Lost => Remedy::ReplaceCard,
        }
    }

    /// Why the card is held, in the customer's words.
    pub const fn sentence(self) -> Sentence {
        let (zh_cn, en) = match self {
            Hold::Manual => (
                "您已申请停用此卡，所有服务已暂停。",
                "You suspended this card; every service is paused.",
            ),
            Hold::OverQuota => (
                "本期流量已用完，数据服务已暂停。",
                "This period's data quota is used up; data is paused.",
            ),
            Hold::Arrears => (
                "账户欠费，所有服务已暂停。",
                "The account is in arrears; every service is suspended.",
            ),
            Hold::LowBalance => (
                "账户余额不足，呼出已受限。",
                "The balance is low; outgoing calls are barred.",
            ),
            Hold::Expired => (
                "套餐已到期，号码处于停机保号期。",
                "The plan has expired; the number is kept in retention.",
            ),
            Hold::DeviceMismatch => (
                "检测到卡片在未绑定的设备上使用，已停机。",
                "The card was used in a device it is not bound to; it is suspended.",
            ),
            Hold::RestrictedRegion => (
                "卡片在限制使用的地区产生流量，已停机。",
                "The card was used in a restricted region; it is suspended.",
            ),
            Hold::Maintenance => (
                "运营商系统维护中，服务暂停。",
                "The operator is doing maintenance; service is paused.",
            ),
            Hold::Lost => (
                "此卡已挂失，所有服务已暂停。",
                "This card was reported lost; every service is suspended.",
            ),
        };
        Sentence { zh_cn, en }
    }
}

impl Remedy {
    /// What to do, in the customer's words.
    ///
    /// ```
    /// assert_eq!(iotcard::Remedy::TopUp.sentence().en, "Top up your balance.");
    /// ```
    pub const fn sentence(self) -> Sentence {
        let (zh_cn, en) = match self {
            Remedy::ManualResume => ("申请人工复机即可恢复。", "Ask for a manual resume."),
            Remedy::BuyDataPackage => (
                "购买流量包，或等待下个计费周期自动恢复。",
                "Buy a data package, or wait for the next quota period.",
            ),
            Remedy::PayThenResume => (
                "请缴清欠费，然后申请复机。",
                "Pay the arrears, then ask for a resume.",
            ),
            Remedy::Pay => (
                "请缴清欠费，缴费后自动恢复。",
                "Pay the arrears; service resumes on payment.",
            ),
            Remedy::TopUp => ("请充值。", "Top up your balance."),
            Remedy::Renew => (
                "请在保号期结束前续费。",
                "Renew before the end of retention.",
            ),
            Remedy::RebindDevice => (
                "请用新设备重新激活并绑定。",
                "Re-activate and bind the new device.",
            ),
            Remedy::ContactOperator => ("请联系运营商客服。", "Contact the operator."),
            Remedy::WaitMaintenanceEnd => ("请等待维护结束。", "Wait for the maintenance to end."),
            Remedy::ReplaceCard => ("请办理补卡/换卡。", "Replace the card."),
        };
        Sentence { zh_cn, en }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hold_and_remedy_has_both_languages() {
        for h in Hold::ALL {
            let s = h.sentence();
            assert!(!s.zh_cn.is_empty() && !s.en.is_empty(), "{h}");
            let r = h.remedy(&Policy::default()).sentence();
            assert!(!r.zh_cn.is_empty() && !r.en.is_empty(), "{h}");
        }
    }
}
