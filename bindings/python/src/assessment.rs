//! `Assessment`, `HoldDetail`, `Scheduled`, `Refund` and `Change` (the audit
//! trail): read-only views of the core's values. Their attributes are fields,
//! and `to_dict()` has exactly the attribute names as keys.

use iotcard::{
    Action, Assessment, CallRestriction, Cause, Change, ChangeKind, Hold, Holds, Refund, Remedy,
    Rule, Scheduled, Services, Status, Unmet,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::convert::{Dt, loads};
use crate::enums::{Bits, En, PyEnum};
use crate::value::{Data, Text, data_class, json_hash};

/// A card assessed at an instant. Instants are in the policy's time zone.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Assessment")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyAssessment {
    /// The instant assessed.
    #[pyo3(get)]
    at: Dt,
    /// Status.
    #[pyo3(get)]
    status: En<Status>,
    /// Active holds.
    #[pyo3(get)]
    holds: Bits<Holds>,
    /// Barred services.
    #[pyo3(get)]
    barred: Bits<Services>,
    /// Balance, minor units.
    #[pyo3(get)]
    balance: i64,
    /// Traffic in the current quota period, bytes.
    #[pyo3(get)]
    usage_bytes: u64,
    /// Quota plus top-ups of the current period, bytes.
    #[pyo3(get)]
    allowance_bytes: u64,
    /// R2.5: usage beyond the allowance, bytes.
    #[pyo3(get)]
    overage_bytes: u64,
    /// R2.5: overage charge, minor units.
    #[pyo3(get)]
    overage_charge: i64,
    /// R4.4: fees accrued in the latest retention, minor units.
    #[pyo3(get)]
    keep_number_fees: i64,
    /// R4.2: end of retention, or None outside retention.
    #[pyo3(get)]
    retention_ends: Option<Dt>,
    /// R8.1: end of the maintenance window, or None.
    #[pyo3(get)]
    maintenance_until: Option<Dt>,
    /// The next scheduled change strictly after `at`, or None.
    #[pyo3(get)]
    next: Option<PyScheduled>,
    /// R9.1: why calls are restricted, most actionable first.
    #[pyo3(get)]
    call_restriction: Bits<CallRestriction>,
    /// R1.1: why a manual suspension is not allowed now (empty when it is).
    #[pyo3(get)]
    manual_suspend_unmet: Bits<Unmet>,
    /// R10.2: refund eligibility and estimate.
    #[pyo3(get)]
    refund: PyRefund,
    /// Whether the card needs attention (not active/inventory, an overage charge,
    /// or a refund that may be requested).
    #[pyo3(get)]
    needs_action: bool,
    pub(crate) inner: Assessment,
}

impl From<Assessment> for PyAssessment {
    fn from(a: Assessment) -> Self {
        let tz = a.timezone;
        PyAssessment {
            at: Dt(a.at, tz),
            status: En(a.status),
            holds: Bits(a.holds),
            barred: Bits(a.barred),
            balance: a.balance,
            usage_bytes: a.usage_bytes,
            allowance_bytes: a.allowance_bytes,
            overage_bytes: a.overage_bytes,
            overage_charge: a.overage_charge,
            keep_number_fees: a.keep_number_fees,
            retention_ends: a.retention_ends.map(|t| Dt(t, tz)),
            maintenance_until: a.maintenance_until.map(|t| Dt(t, tz)),
            next: a.next.map(|n| PyScheduled::new(n, tz)),
            call_restriction: Bits(a.call_restriction),
            manual_suspend_unmet: Bits(a.manual_suspend_unmet),
            refund: PyRefund::from(a.refund),
            needs_action: a.needs_action(),
            inner: a,
        }
    }
}

#[pymethods]
impl PyAssessment {
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
    /// Each active hold with when it went on, its remedy, and why / what to do.
    #[getter]
    fn hold_details<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let a = &self.inner;
        let tz = a.timezone;
        PyTuple::new(
            py,
            a.holds
                .iter()
                .map(|hold| {
                    let remedy = a.remedy(hold).unwrap_or(Remedy::ContactOperator);
                    PyHoldDetail {
                        hold: En(hold),
                        remedy: En(remedy),
                        since: a.hold_since(hold).map(|t| Dt(t, tz)),
                        what_to_do: Text(remedy.sentence()),
                        why: Text(hold.sentence()),
                    }
                })
                .collect::<Vec<_>>(),
        )
    }

    /// When `hold` went on, or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn hold_since(&self, hold: &Bound<'_, PyAny>) -> PyResult<Option<Dt>> {
        let h = Hold::extract(hold)?;
        Ok(self.inner.hold_since(h).map(|t| Dt(t, self.at.1)))
    }

    /// The remedy for `hold`, or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn remedy(&self, hold: &Bound<'_, PyAny>) -> PyResult<Option<En<Remedy>>> {
        Ok(self.inner.remedy(Hold::extract(hold)?).map(En))
    }

    /// The assessment as JSON, with the field names of docs/json.md.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The JSON of `to_json` as a dict, plus `needs_action`: one key per attribute.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let d = loads(py, &self.inner.to_json())?;
        d.set_item("needs_action", self.needs_action)?;
        Ok(d)
    }

    fn __hash__(&self) -> u64 {
        json_hash(&self.inner.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let d = self.to_dict(py)?;
        let keys = ["at", "status", "holds", "balance", "next"];
        let items = keys.map(|k| Ok((PyString::new(py, k).into_any(), d.get_item(k)?)));
        crate::convert::repr_items(
            "Assessment",
            items.into_iter().collect::<PyResult<Vec<_>>>()?,
        )
    }
}

data_class! {
    /// One active hold of an assessment: when it went on, what lifts it, and the
    /// customer-facing sentences (`{"en": ..., "zh-CN": ...}`).
    struct PyHoldDetail as "HoldDetail" {
        /// The hold.
        hold: En<Hold>,
        /// What lifts it (R11).
        remedy: En<Remedy>,
        /// When it went on (in the policy's time zone).
        since: Option<Dt>,
        /// What to do, in English and Chinese.
        what_to_do: Text,
        /// Why the hold is on, in English and Chinese.
        why: Text,
    }
}

data_class! {
    /// A scheduled change: what happens next, and exactly when. Equal (and hashed)
    /// by the instant, whatever the offset it is shown in.
    struct PyScheduled as "Scheduled" {
        /// When it is due (in the policy's time zone).
        at: Dt,
        /// What happens.
        change: En<ChangeKind>,
    }
}

impl PyScheduled {
    fn new(s: Scheduled, tz: iotcard::TimeZone) -> Self {
        PyScheduled {
            at: Dt(s.at, tz),
            change: En(s.change),
        }
    }
}

data_class! {
    /// R10.2: the refund assessment (an estimate, never a promise).
    struct PyRefund as "Refund" {
        /// Whether the customer may request a refund.
        eligible_to_request: bool,
        /// Whole calendar months since the last traffic (or activation).
        unused_months: u32,
        /// Whole months left in the plan × monthly fee, minor units.
        estimate: i64,
    }
}

impl From<Refund> for PyRefund {
    fn from(r: Refund) -> Self {
        PyRefund {
            eligible_to_request: r.eligible_to_request,
            unused_months: r.unused_months,
            estimate: r.estimate,
        }
    }
}

data_class! {
    /// One entry of the audit trail: when, which rule, what caused it (an event or
    /// a scheduled change), and what changed.
    struct PyChange as "Change" {
        /// When it happened (UTC).
        at: Dt,
        /// The rule that caused it.
        rule: En<Rule>,
        /// The event type that caused it, or None for a scheduled change.
        event: Option<&'static str>,
        /// The scheduled change that caused it, or None for an event.
        scheduled: Option<En<ChangeKind>>,
        /// What changed: `hold_put`, `hold_lifted`, `status_changed` or
        /// `keep_number_fee_due`.
        effect: String,
        /// The hold put on or lifted, or None.
        hold: Option<En<Hold>>,
        /// For `status_changed`: the status before, else None.
        from_status: Option<En<Status>>,
        /// For `status_changed`: the status after, else None.
        to_status: Option<En<Status>>,
        /// For `keep_number_fee_due`: the fee, minor units, else None.
        amount: Option<i64>,
    }
}

impl From<&Change> for PyChange {
    fn from(c: &Change) -> Self {
        use iotcard::Effect;
        let (hold, from_status, to_status, amount) = match c.effect {
            Effect::HoldPut { hold } | Effect::HoldLifted { hold } => {
                (Some(En(hold)), None, None, None)
            }
            Effect::StatusChanged { from, to } => (None, Some(En(from)), Some(En(to)), None),
            Effect::KeepNumberFeeDue { amount } => (None, None, None, Some(amount)),
            // An effect newer than this binding: `effect` still names it (from
            // the core's JSON tag); the attributes it has no field for are None.
            _ => (None, None, None, None),
        };
        // The effect's name is the core's (its JSON tag).
        let effect = serde_json::to_value(c.effect)
            .ok()
            .and_then(|v| v.get("effect")?.as_str().map(str::to_owned))
            .unwrap_or_default();
        PyChange {
            at: Dt::utc(c.at),
            rule: En(c.rule),
            event: match c.cause {
                Cause::Event(e) => Some(e.name()),
                Cause::Scheduled(_) => None,
            },
            scheduled: match c.cause {
                Cause::Scheduled(k) => Some(En(k)),
                Cause::Event(_) => None,
            },
            effect,
            hold,
            from_status,
            to_status,
            amount,
        }
    }
}

/// `to_dict()` and `repr()` of the plain-data classes.
macro_rules! data_methods {
    ($($ty:ty),*) => {$(
        #[pymethods]
        impl $ty {
            /// `{attribute: value}`, values JSON-shaped (instants RFC 3339).
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                self.dict(py)
            }
            fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
                self.repr(py)
            }
        }
    )*};
}
data_methods!(PyHoldDetail, PyScheduled, PyRefund, PyChange);

/// The audit trail as a tuple of `Change`s.
pub(crate) fn changes<'py>(py: Python<'py>, changes: &[Change]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, changes.iter().map(PyChange::from))
}
