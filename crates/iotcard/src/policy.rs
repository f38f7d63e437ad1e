//! The policy: the operator's and reseller's settings for every rule that the
//! article leaves open (the policy settings that docs/rules.md names).

use serde::{Deserialize, Serialize};

use crate::Error;
use crate::error::parse_json;
use crate::ids::{Region, Regions};
use crate::time::TimeZone;

/// The largest month count accepted for `retention_months`, `dormancy_months` and
/// `refund_unused_months` (100 years).
pub const MAX_POLICY_MONTHS: u32 = 1200;

/// Policy settings. Absent JSON fields keep their defaults; unknown fields are
/// refused.
///
/// ```
/// use iotcard::Policy;
/// let p = Policy::from_json(r#"{"low_balance": 300, "timezone": "+00:00"}"#).unwrap();
/// assert_eq!(p.low_balance, 300);
/// assert_eq!(p.retention_months, 3); // default kept
///
/// let e = Policy::from_json(r#"{"retention_month": 3}"#).unwrap_err();
/// assert!(e.to_string().contains("retention_month"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// Billing time zone for calendar rules (default `+08:00`).
    pub timezone: TimeZone,
    /// R4.2: retention length in calendar months (default 3).
    pub retention_months: u32,
    /// R4.4: number-keeping fee per retention month, minor units (default 500).
    pub keep_number_fee: i64,
    /// R3.1: how far below zero the balance may go before `arrears` (default 0).
    pub credit_limit: i64,
    /// R3.3: balance threshold for `low_balance`; 0 turns R3.3 off (default 0).
    pub low_balance: i64,
    /// R3.2: a payment lifts `arrears` by itself (default false).
    pub auto_resume_on_payment: bool,
    /// R2.5: charge per started MiB of excess, minor units (default 0).
    pub overage_rate_per_mb: i64,
    /// R5: bind the card to the activating device (default true).
    pub device_binding: bool,
    /// R7.1: restricted regions (default Xinjiang 65, Fujian 35, Guangxi 45, Tibet 54).
    pub restricted_regions: Regions,
    /// R6.2: months without traffic before the operator cancels (default unset).
    pub dormancy_months: Option<u32>,
    /// R10.2: whole months without traffic before a refund may be requested (default 3).
    pub refund_unused_months: u32,
    /// R12.1: how many hours before the card's clock an event may be dated and
    /// still be taken at its own instant (0 to [`MAX_LATE_WINDOW_HOURS`]; default
    /// 0, strict time order).
    pub late_window_hours: u32,
}

/// The largest `late_window_hours` accepted (366 days).
pub const MAX_LATE_WINDOW_HOURS: u32 = 8784;

impl Default for Policy {
    fn default() -> Self {
        Policy {
            timezone: TimeZone::CHINA,
            retention_months: 3,
            keep_number_fee: 500,
            credit_limit: 0,
            low_balance: 0,
            auto_resume_on_payment: false,
            overage_rate_per_mb: 0,
            device_binding: true,
            restricted_regions: ["65", "35", "45", "54"]
                .iter()
                .filter_map(|c| Region::parse(c).ok())
                .collect(),
            dormancy_months: None,
            refund_unused_months: 3,
            late_window_hours: 0,
        }
    }
}

impl Policy {
    /// Parses a policy from JSON: the fields to change from the default.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field for malformed JSON, an unknown
    /// field, a wrong type, or a value out of range (see [`Policy::validate`]);
    /// JSON longer than [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: Policy = parse_json("policy", json)?;
        p.validate()?;
        Ok(p)
    }

    /// The policy as JSON (every field).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Checks the ranges: money settings ≥ 0, month counts ≤ [`MAX_POLICY_MONTHS`],
    /// `dormancy_months` ≥ 1 when set, `late_window_hours` ≤
    /// [`MAX_LATE_WINDOW_HOURS`].
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), Error> {
        for (field, v) in [
            ("policy.keep_number_fee", self.keep_number_fee),
            ("policy.credit_limit", self.credit_limit),
            ("policy.low_balance", self.low_balance),
            ("policy.overage_rate_per_mb", self.overage_rate_per_mb),
        ] {
            if v < 0 {
                return Err(Error::invalid(field, v, "must not be negative"));
            }
        }
        for (field, v) in [
            ("policy.retention_months", self.retention_months),
            ("policy.refund_unused_months", self.refund_unused_months),
            ("policy.dormancy_months", self.dormancy_months.unwrap_or(1)),
        ] {
            if v > MAX_POLICY_MONTHS {
                return Err(Error::invalid(
                    field,
                    v,
                    format!("must be at most {MAX_POLICY_MONTHS}"),
                ));
            }
        }
        if self.late_window_hours > MAX_LATE_WINDOW_HOURS {
            return Err(Error::invalid(
                "policy.late_window_hours",
                self.late_window_hours,
                format!("must be at most {MAX_LATE_WINDOW_HOURS} (366 days)"),
            ));
        }
        if self.dormancy_months == Some(0) {
            return Err(Error::invalid(
                "policy.dormancy_months",
                0,
                "must be at least 1 (or null to turn R6.2 off)",
            ));
        }
        Ok(())
    }
}
