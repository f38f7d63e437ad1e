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

/// The policy's settings, as plain fields: what a [`Policy`] is built from
/// ([`Policy::new`] checks them). Absent JSON fields keep their defaults;
/// unknown fields are refused.
///
/// ```
/// use iotcard::{Policy, PolicySettings};
/// let p = Policy::new(PolicySettings { low_balance: 300, ..PolicySettings::default() })?;
/// assert_eq!(p.low_balance, 300);
/// let e = Policy::new(PolicySettings { low_balance: -1, ..PolicySettings::default() }).unwrap_err();
/// assert!(e.to_string().contains("policy.low_balance"), "{e}");
/// # Ok::<(), iotcard::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicySettings {
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

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
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

/// A checked policy: the operator's settings, every one within its range. It is
/// checked once, when it is built ([`Policy::new`], [`Policy::from_json`], or as
/// part of a scenario's JSON), so an invalid policy cannot be held and the
/// operations do not check it again. Read the settings as fields
/// (`policy.low_balance`, through [`PolicySettings`]).
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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Policy(PolicySettings);

impl std::ops::Deref for Policy {
    type Target = PolicySettings;

    fn deref(&self) -> &PolicySettings {
        &self.0
    }
}

impl TryFrom<PolicySettings> for Policy {
    type Error = Error;

    fn try_from(settings: PolicySettings) -> Result<Self, Error> {
        Policy::new(settings)
    }
}

impl From<Policy> for PolicySettings {
    fn from(p: Policy) -> PolicySettings {
        p.0
    }
}

impl<'de> Deserialize<'de> for Policy {
    /// Reads the settings and checks them, naming the field out of range (the
    /// message form that `Error::from_json` places below the policy's path).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let settings = PolicySettings::deserialize(d)?;
        settings.validate().map_err(|e| match e {
            Error::InvalidInput {
                field,
                value,
                reason,
            } => {
                let field = field.strip_prefix("policy.").unwrap_or(&field);
                D::Error::custom(format!(
                    "invalid value at `{field}`: invalid value: integer `{value}`, {reason}"
                ))
            }
            other => D::Error::custom(other),
        })?;
        Ok(Policy(settings))
    }
}

impl Policy {
    /// Checks `settings` ([`PolicySettings::validate`]) and makes them a policy.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the first field out of range.
    pub fn new(settings: PolicySettings) -> Result<Self, Error> {
        settings.validate()?;
        Ok(Policy(settings))
    }

    /// Parses a policy from JSON: the fields to change from the default.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field for malformed JSON, an unknown
    /// field, a wrong type, or a value out of range (see
    /// [`PolicySettings::validate`]); JSON longer than [`crate::MAX_JSON_BYTES`].
    pub fn from_json(json: &str) -> Result<Self, Error> {
        Policy::new(parse_json("policy", json)?)
    }

    /// The policy as JSON (every field).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The settings.
    pub const fn settings(&self) -> &PolicySettings {
        &self.0
    }
}

impl PolicySettings {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_policy_is_valid() {
        assert_eq!(PolicySettings::default().validate(), Ok(()));
        assert_eq!(Policy::default().settings(), &PolicySettings::default());
    }

    #[test]
    fn a_nested_policy_is_checked_naming_its_field() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Outer {
            policy: Policy,
        }
        let e = parse_json::<Outer>("outer", r#"{"policy": {"dormancy_months": 0}}"#).unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput { field, value, .. }
                if field == "outer.policy.dormancy_months" && value == "0"),
            "{e:?}"
        );
        let e = Policy::from_json(r#"{"credit_limit": -5}"#).unwrap_err();
        assert_eq!(
            e,
            Error::invalid("policy.credit_limit", -5, "must not be negative")
        );
    }
}
