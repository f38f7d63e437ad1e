//! `Assessment`, `Scheduled`, `Refund` and `Change` (the audit trail): read-only
//! views of the core's values, with `to_dict()` in the shapes of docs/json.md.

use chrono::FixedOffset;
use iotcard::{Action, Assessment, Cause, Change, Effect, Hold, Refund, Scheduled, format_instant};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{datetime, from_json, opt_datetime, repr_json, utc};
use crate::enums::{PyEnum, frozenset};

/// A card assessed at an instant. Instants are in the policy's time zone.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Assessment")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyAssessment {
    pub(crate) inner: Assessment,
}

impl From<Assessment> for PyAssessment {
    fn from(inner: Assessment) -> Self {
        PyAssessment { inner }
    }
}

impl PyAssessment {
    fn tz(&self) -> FixedOffset {
        self.inner.timezone.0
    }
}

#[pymethods]
impl PyAssessment {
    /// The instant assessed.
    #[getter]
    fn at(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, Some(self.inner.at), self.tz())
    }
    /// Status.
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.status.to_py(py)
    }
    /// Active holds.
    #[getter]
    fn holds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(frozenset(py, self.inner.holds.iter())?.into_any())
    }
    /// Active holds as a bit set (`1 << position in Hold`), as in the batch arrays.
    #[getter]
    fn hold_bits(&self) -> u16 {
        self.inner.holds.bits()
    }
    /// Barred services.
    #[getter]
    fn barred<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(frozenset(py, self.inner.barred.iter())?.into_any())
    }
    /// Balance, minor units.
    #[getter]
    fn balance(&self) -> i64 {
        self.inner.balance
    }
    /// Traffic in the current quota period, bytes.
    #[getter]
    fn usage_bytes(&self) -> u64 {
        self.inner.usage_bytes
    }
    /// Quota plus top-ups of the current period, bytes.
    #[getter]
    fn allowance_bytes(&self) -> u64 {
        self.inner.allowance_bytes
    }
    /// R2.5: usage beyond the allowance, bytes.
    #[getter]
    fn overage_bytes(&self) -> u64 {
        self.inner.overage_bytes
    }
    /// R2.5: overage charge, minor units.
    #[getter]
    fn overage_charge(&self) -> i64 {
        self.inner.overage_charge
    }
    /// R4.4: fees accrued in the latest retention, minor units.
    #[getter]
    fn keep_number_fees(&self) -> i64 {
        self.inner.keep_number_fees
    }
    /// R4.2: end of retention, or None outside retention.
    #[getter]
    fn retention_ends(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, self.inner.retention_ends, self.tz())
    }
    /// R8.1: end of the maintenance window, or None.
    #[getter]
    fn maintenance_until(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, self.inner.maintenance_until, self.tz())
    }
    /// The next scheduled change strictly after `at`, or None.
    #[getter]
    fn next(&self) -> Option<PyScheduled> {
        self.inner.next.map(|inner| PyScheduled {
            inner,
            tz: self.tz(),
        })
    }
    /// Every action → whether it is allowed now.
    #[getter]
    fn can<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for a in Action::ALL {
            d.set_item(a.to_py(py)?, self.inner.can.contains(*a))?;
        }
        Ok(d)
    }
    /// Each active hold → the remedy that lifts it (R11).
    #[getter]
    fn remedies<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for h in self.inner.holds.iter() {
            if let Some(r) = self.inner.remedy(h) {
                d.set_item(h.to_py(py)?, r.to_py(py)?)?;
            }
        }
        Ok(d)
    }
    /// R9.1: why calls are restricted, most actionable first.
    #[getter]
    fn call_restriction<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let items = self
            .inner
            .call_restriction
            .iter()
            .map(|c| c.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        PyTuple::new(py, items)
    }
    /// R1.1: why a manual suspension is not allowed now (empty when it is).
    #[getter]
    fn manual_suspend_unmet<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(frozenset(py, self.inner.manual_suspend_unmet.iter())?.into_any())
    }
    /// R10.2: refund eligibility and estimate.
    #[getter]
    fn refund(&self) -> PyRefund {
        PyRefund {
            inner: self.inner.refund,
        }
    }
    /// Whether the card needs attention (not active/inventory, an overage charge,
    /// or a refund that may be requested).
    #[getter]
    fn needs_action(&self) -> bool {
        self.inner.needs_action()
    }

    /// When `hold` went on, or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn hold_since(&self, py: Python<'_>, hold: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let h = Hold::extract("hold", hold)?;
        opt_datetime(py, self.inner.hold_since(h), self.tz())
    }

    /// The remedy for `hold`, or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn remedy<'py>(
        &self,
        py: Python<'py>,
        hold: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let h = Hold::extract("hold", hold)?;
        self.inner.remedy(h).map(|r| r.to_py(py)).transpose()
    }

    /// The assessment as JSON, with the field names of docs/json.md (plus `at`,
    /// `hold_details`, `allowance_bytes`, `maintenance_until`, `manual_suspend_unmet`).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The assessment as a dict in the shapes of docs/json.md (instants as RFC 3339
    /// strings in the policy's time zone).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &self.inner.to_json_value())
    }

    fn __repr__(&self) -> String {
        let a = &self.inner;
        let tz = self.tz();
        let holds: Vec<_> = a
            .holds
            .iter()
            .map(|h| repr_json(&h.name().into()))
            .collect();
        let next = a.next.map_or_else(
            || "None".to_owned(),
            |n| PyScheduled { inner: n, tz }.__repr__(),
        );
        format!(
            "Assessment(at='{}', status='{}', holds=[{}], balance={}, next={next})",
            format_instant(a.at, tz),
            a.status.name(),
            holds.join(", "),
            a.balance,
        )
    }
}

/// A scheduled change: what happens next, and exactly when.
#[pyclass(frozen, module = "iotcard._iotcard", name = "Scheduled")]
#[derive(Clone, Debug)]
pub(crate) struct PyScheduled {
    pub(crate) inner: Scheduled,
    pub(crate) tz: FixedOffset,
}

#[pymethods]
impl PyScheduled {
    /// When it is due (in the policy's time zone).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(datetime(py, self.inner.at, self.tz)?.into_any())
    }
    /// What happens.
    #[getter]
    fn change<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.change.to_py(py)
    }
    /// `{"at": RFC 3339, "change": kind}`, as in docs/json.md.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(
            py,
            &serde_json::json!({"at": format_instant(self.inner.at, self.tz), "change": self.inner.change.name()}),
        )
    }
    /// Equal when due at the same instant (whatever the offset) with the same change.
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<PyScheduled>()
            .is_ok_and(|o| o.get().inner == self.inner)
    }
    fn __hash__(&self) -> u64 {
        let t = self
            .inner
            .at
            .timestamp_nanos_opt()
            .unwrap_or(self.inner.at.timestamp());
        (t as u64)
            .wrapping_mul(31)
            .wrapping_add(self.inner.change as u64)
    }
    fn __repr__(&self) -> String {
        format!(
            "Scheduled(at='{}', change='{}')",
            format_instant(self.inner.at, self.tz),
            self.inner.change.name()
        )
    }
}

/// R10.2: the refund assessment (an estimate, never a promise).
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Refund")]
#[derive(Clone, PartialEq, Eq, Debug)]
pub(crate) struct PyRefund {
    inner: Refund,
}

#[pymethods]
impl PyRefund {
    /// Whether the customer may request a refund.
    #[getter]
    fn eligible_to_request(&self) -> bool {
        self.inner.eligible_to_request
    }
    /// Whole calendar months since the last traffic (or activation).
    #[getter]
    fn unused_months(&self) -> u32 {
        self.inner.unused_months
    }
    /// Whole months left in the plan × monthly fee, minor units.
    #[getter]
    fn estimate(&self) -> i64 {
        self.inner.estimate
    }
    /// `{"eligible_to_request", "unused_months", "estimate"}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &serde_json::to_value(self.inner).unwrap_or_default())
    }
    fn __repr__(&self) -> String {
        let r = &self.inner;
        format!(
            "Refund(eligible_to_request={}, unused_months={}, estimate={})",
            if r.eligible_to_request {
                "True"
            } else {
                "False"
            },
            r.unused_months,
            r.estimate
        )
    }
}

/// One entry of the audit trail: when, which rule, what caused it (an event or a
/// scheduled change), and what changed.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Change")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyChange {
    pub(crate) inner: Change,
}

#[pymethods]
impl PyChange {
    /// When it happened (UTC).
    #[getter]
    fn at(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, Some(self.inner.at), utc())
    }
    /// The rule that caused it.
    #[getter]
    fn rule<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.rule.to_py(py)
    }
    /// The event type that caused it, or None for a scheduled change.
    #[getter]
    fn event(&self) -> Option<&'static str> {
        match self.inner.cause {
            Cause::Event(e) => Some(e),
            Cause::Scheduled(_) => None,
        }
    }
    /// The scheduled change that caused it, or None for an event.
    #[getter]
    fn scheduled<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.cause {
            Cause::Scheduled(k) => k.to_py(py).map(Some),
            Cause::Event(_) => Ok(None),
        }
    }
    /// What changed: `hold_put`, `hold_lifted`, `status_changed` or
    /// `keep_number_fee_due`.
    #[getter]
    fn effect(&self) -> &'static str {
        match self.inner.effect {
            Effect::HoldPut { .. } => "hold_put",
            Effect::HoldLifted { .. } => "hold_lifted",
            Effect::StatusChanged { .. } => "status_changed",
            Effect::KeepNumberFeeDue { .. } => "keep_number_fee_due",
        }
    }
    /// The hold put on or lifted, or None.
    #[getter]
    fn hold<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.effect {
            Effect::HoldPut { hold } | Effect::HoldLifted { hold } => hold.to_py(py).map(Some),
            _ => Ok(None),
        }
    }
    /// For `status_changed`: the status before, else None.
    #[getter(from_status)]
    fn status_before<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.effect {
            Effect::StatusChanged { from, .. } => from.to_py(py).map(Some),
            _ => Ok(None),
        }
    }
    /// For `status_changed`: the status after, else None.
    #[getter(to_status)]
    fn status_after<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match self.inner.effect {
            Effect::StatusChanged { to, .. } => to.to_py(py).map(Some),
            _ => Ok(None),
        }
    }
    /// For `keep_number_fee_due`: the fee, minor units, else None.
    #[getter]
    fn amount(&self) -> Option<i64> {
        match self.inner.effect {
            Effect::KeepNumberFeeDue { amount } => Some(amount),
            _ => None,
        }
    }
    /// The change as the core serializes it (`at`, `rule`, `cause`, `effect`, fields).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &serde_json::to_value(self.inner).unwrap_or_default())
    }
    fn __repr__(&self) -> String {
        let c = &self.inner;
        let cause = match c.cause {
            Cause::Event(e) => format!("event='{e}'"),
            Cause::Scheduled(k) => format!("scheduled='{}'", k.name()),
        };
        let effect = match c.effect {
            Effect::HoldPut { hold } => format!("effect='hold_put', hold='{}'", hold.name()),
            Effect::HoldLifted { hold } => format!("effect='hold_lifted', hold='{}'", hold.name()),
            Effect::StatusChanged { from, to } => format!(
                "effect='status_changed', from_status='{}', to_status='{}'",
                from.name(),
                to.name()
            ),
            Effect::KeepNumberFeeDue { amount } => {
                format!("effect='keep_number_fee_due', amount={amount}")
            }
        };
        format!(
            "Change(at='{}', rule='{}', {cause}, {effect})",
            c.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            c.rule.name()
        )
    }
}
