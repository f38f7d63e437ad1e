//! The plan (套餐): validity window, data quota per quota period, monthly fee.

use serde::{Deserialize, Serialize};

use crate::hold::named_enum;
use crate::time::rfc3339;
use crate::{Error, Instant};

named_enum!(
    /// The window a data quota covers (R2.1: 月包/季包/年包).
    Period, "period" {
        /// Calendar month.
        Month = "month",
        /// Calendar quarter (Jan/Apr/Jul/Oct).
        Quarter = "quarter",
        /// Year, starting in the plan's start month.
        Year = "year",
    }
);

/// A prepaid plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Start of validity.
    #[serde(with = "rfc3339")]
    pub start: Instant,
    /// End of validity (exclusive): the expiry instant (R4.1).
    #[serde(with = "rfc3339")]
    pub end: Instant,
    /// Quota period.
    pub period: Period,
    /// Data quota per quota period, bytes.
    pub quota_bytes: u64,
    /// Monthly fee, minor units (R10.2 refund estimate).
    pub monthly_fee: i64,
}

impl Plan {
    /// Parses and validates a plan (the `plan` object of `docs/json.md`).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the field (`plan.end`, `plan.period`); JSON
    /// longer than [`crate::MAX_JSON_BYTES`].
    ///
    /// ```
    /// let p = iotcard::Plan::from_json(r#"{"start": "2026-01-01T00:00:00+08:00",
    ///   "end": "2027-01-01T00:00:00+08:00", "period": "quarter",
    ///   "quota_bytes": 1048576, "monthly_fee": 1000}"#).unwrap();
    /// assert_eq!(p.period, iotcard::Period::Quarter);
    /// ```
    pub fn from_json(json: &str) -> Result<Self, Error> {
        let p: Plan = crate::error::parse_json("plan", json)?;
        p.validate("plan")?;
        Ok(p)
    }

    /// Checks the plan: its instants are within the supported range
    /// ([`Instant::MIN`] ..= [`Instant::MAX`]); it ends after it starts; the fee is
    /// not negative.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming `{field}.start`, `{field}.end` or
    /// `{field}.monthly_fee`.
    pub fn validate(&self, field: &str) -> Result<(), Error> {
        crate::time::check_range("start", self.start).map_err(|e| e.within(field))?;
        crate::time::check_range("end", self.end).map_err(|e| e.within(field))?;
        if self.end <= self.start {
            return Err(Error::invalid(
                format!("{field}.end"),
                self.end.to_string(),
                format!("must be after {field}.start {}", self.start),
            ));
        }
        if self.monthly_fee < 0 {
            return Err(Error::invalid(
                format!("{field}.monthly_fee"),
                self.monthly_fee,
                "must not be negative",
            ));
        }
        Ok(())
    }

    /// Whether `t` is within the validity window `[start, end)`.
    pub fn is_valid_at(&self, t: Instant) -> bool {
        self.start <= t && t < self.end
    }
}
