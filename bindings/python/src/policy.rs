//! `Policy`: the operator's settings, built from the fields to change from the
//! default (as in docs/json.md).

use iotcard::Policy;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::convert::{json_or_mapping, json_text, loads, repr_items, to_json};
use crate::errors::to_py_err;
use crate::value::json_hash;

/// Policy settings. `Policy()` is the default policy; keyword arguments change
/// fields (`Policy(low_balance=300, timezone="+00:00")`); an unknown field is
/// refused with `InvalidInput`.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Policy")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyPolicy {
    pub(crate) inner: Policy,
}

#[pymethods]
impl PyPolicy {
    #[new]
    #[pyo3(signature = (**overrides))]
    fn new(overrides: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        match overrides {
            None => Ok(PyPolicy {
                inner: Policy::default(),
            }),
            Some(d) => {
                let text = to_json("policy", d.as_any())?.to_string();
                Self::parse(&text)
            }
        }
    }

    /// A policy from JSON (`str` or `bytes`): the fields to change from the default.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, pyo3::types::PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_text("policy", data)?)
    }

    /// A policy from a dict (or JSON text) of fields to change from the default.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, pyo3::types::PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_or_mapping("policy", data)?)
    }

    /// Every field, as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Every field, as a dict (the keys are the attribute names).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.inner.to_json())
    }

    fn __hash__(&self) -> u64 {
        json_hash(&self.inner.to_json())
    }

    /// Billing time zone, `+HH:MM`.
    #[getter]
    fn timezone(&self) -> String {
        self.inner.timezone.to_string()
    }
    /// R4.2: retention length in calendar months.
    #[getter]
    fn retention_months(&self) -> u32 {
        self.inner.retention_months
    }
    /// R4.4: number-keeping fee per retention month, minor units.
    #[getter]
    fn keep_number_fee(&self) -> i64 {
        self.inner.keep_number_fee
    }
    /// R3.1: how far below zero the balance may go before arrears.
    #[getter]
    fn credit_limit(&self) -> i64 {
        self.inner.credit_limit
    }
    /// R3.3: low-balance threshold (0: off).
    #[getter]
    fn low_balance(&self) -> i64 {
        self.inner.low_balance
    }
    /// R3.2: a payment lifts arrears by itself.
    #[getter]
    fn auto_resume_on_payment(&self) -> bool {
        self.inner.auto_resume_on_payment
    }
    /// R2.5: charge per started MiB of excess, minor units.
    #[getter]
    fn overage_rate_per_mb(&self) -> i64 {
        self.inner.overage_rate_per_mb
    }
    /// R5: bind the card to the activating device.
    #[getter]
    fn device_binding(&self) -> bool {
        self.inner.device_binding
    }
    /// R7.1: restricted province codes.
    #[getter]
    fn restricted_regions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let codes: Vec<String> = self
            .inner
            .restricted_regions
            .iter()
            .map(|r| r.to_string())
            .collect();
        PyTuple::new(py, codes)
    }
    /// R6.2: months without traffic before the operator cancels (None: off).
    #[getter]
    fn dormancy_months(&self) -> Option<u32> {
        self.inner.dormancy_months
    }
    /// R10.2: whole months without traffic before a refund may be requested.
    #[getter]
    fn refund_unused_months(&self) -> u32 {
        self.inner.refund_unused_months
    }
    /// R12.1: hours before the card's clock an event may be dated and still be
    /// taken at its own instant (0: strict time order).
    #[getter]
    fn late_window_hours(&self) -> u32 {
        self.inner.late_window_hours
    }

    /// Shows the fields that differ from the default policy.
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let default = loads(py, &Policy::default().to_json())?;
        let mine = self.to_dict(py)?.cast_into::<PyDict>()?;
        let changed = mine
            .iter()
            .filter(|(k, v)| default.get_item(k).and_then(|d| d.ne(v)).unwrap_or(true));
        repr_items("Policy", changed)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_json")?,
            (slf.get().inner.to_json(),),
        ))
    }
}

impl PyPolicy {
    fn parse(text: &str) -> PyResult<Self> {
        Policy::from_json(text)
            .map(|inner| PyPolicy { inner })
            .map_err(to_py_err)
    }
}
