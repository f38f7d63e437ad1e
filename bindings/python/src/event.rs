//! `Event`: one class for the event table of docs/json.md, with a constructor per
//! event type (`Event.charge(1500)`) and `from_json`/`from_dict` for the JSON
//! shape. Every door goes through the core's parser: a constructor's arguments
//! are the JSON fields of its type, so a bad value raises what `from_dict` raises.

use iotcard::{Event, EventKind};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};

use crate::card::PyPlan;
use crate::convert::{Dt, json_or_mapping, json_text, loads, object, repr_items};
use crate::enums::En;
use crate::errors::to_py_err;
use crate::value::json_hash;

/// One event (`type` and its fields), validated when made.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Event")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyEvent {
    pub(crate) inner: Event,
}

impl PyEvent {
    /// An event from JSON text (the core's parser, which checks every field).
    pub(crate) fn parse(text: &str) -> PyResult<Self> {
        Event::from_json(text)
            .map(|inner| PyEvent { inner })
            .map_err(to_py_err)
    }

    /// The event of type `kind` with the given fields (None: left out).
    fn of<'py>(
        py: Python<'py>,
        kind: EventKind,
        fields: &[(&'static str, Option<&Bound<'py, PyAny>>)],
    ) -> PyResult<Self> {
        let kind = kind.name().into_pyobject(py)?.into_any();
        let all = std::iter::once(("type", Some(&kind))).chain(fields.iter().copied());
        Self::parse(&object("event", all)?)
    }
}

#[pymethods]
impl PyEvent {
    /// An event from JSON (`str` or `bytes`): `{"type": ..., fields}`.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_text("event", data)?)
    }

    /// An event from a dict in the JSON shape (instants may be aware datetimes).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_or_mapping("event", data)?)
    }

    /// R5.1: first activation (`imei` required when the policy binds devices).
    #[staticmethod]
    #[pyo3(signature = (imei = None))]
    fn activate(py: Python<'_>, imei: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::of(py, EventKind::Activate, &[("imei", imei)])
    }

    /// R2, R5.2, R7.2: traffic reported by the operator.
    #[staticmethod]
    #[pyo3(signature = (bytes, *, imei = None, region = None))]
    fn usage<'py>(
        py: Python<'py>,
        bytes: &Bound<'py, PyAny>,
        imei: Option<&Bound<'py, PyAny>>,
        region: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Self> {
        let fields = [("bytes", Some(bytes)), ("imei", imei), ("region", region)];
        Self::of(py, EventKind::Usage, &fields)
    }

    /// R3.1: a charge (minor units, > 0).
    #[staticmethod]
    #[pyo3(signature = (amount, /))]
    fn charge(py: Python<'_>, amount: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Charge, &[("amount", Some(amount))])
    }

    /// R3.2, R3.3: a payment (minor units, > 0).
    #[staticmethod]
    #[pyo3(signature = (amount, /))]
    fn payment(py: Python<'_>, amount: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Payment, &[("amount", Some(amount))])
    }

    /// R2.4: a data package for the current quota period (bytes, > 0).
    #[staticmethod]
    #[pyo3(signature = (bytes, /))]
    fn top_up(py: Python<'_>, bytes: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::TopUp, &[("bytes", Some(bytes))])
    }

    /// R1: the customer suspends the card.
    #[staticmethod]
    fn manual_suspend() -> Self {
        PyEvent {
            inner: Event::ManualSuspend,
        }
    }

    /// R1.2, R3.2: manual resume.
    #[staticmethod]
    fn manual_resume() -> Self {
        PyEvent {
            inner: Event::ManualResume,
        }
    }

    /// R4.3: renewal with a new plan (a `Plan` or a dict in the JSON shape).
    #[staticmethod]
    #[pyo3(signature = (plan, /))]
    fn renew(py: Python<'_>, plan: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Renew, &[("plan", Some(plan))])
    }

    /// R5.3: bind a new device.
    #[staticmethod]
    #[pyo3(signature = (imei, /))]
    fn rebind(py: Python<'_>, imei: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Rebind, &[("imei", Some(imei))])
    }

    /// R7.3: the operator lifts a hold only it can lift.
    #[staticmethod]
    #[pyo3(signature = (hold, /))]
    fn operator_release(py: Python<'_>, hold: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::OperatorRelease, &[("hold", Some(hold))])
    }

    /// R8.1: a maintenance window from the event's instant until `until`.
    #[staticmethod]
    #[pyo3(signature = (until, /))]
    fn maintenance(py: Python<'_>, until: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Maintenance, &[("until", Some(until))])
    }

    /// R9.2: the card is reported lost.
    #[staticmethod]
    fn report_lost() -> Self {
        PyEvent {
            inner: Event::ReportLost,
        }
    }

    /// R9.2: the lost card is swapped for a new one with ICCID `iccid`.
    #[staticmethod]
    #[pyo3(signature = (iccid, /))]
    fn replace(py: Python<'_>, iccid: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::of(py, EventKind::Replace, &[("iccid", Some(iccid))])
    }

    /// R6.1: the customer cancels the card.
    #[staticmethod]
    fn cancel() -> Self {
        PyEvent {
            inner: Event::Cancel,
        }
    }

    /// The event's `type` name (`"charge"`).
    #[getter]
    fn r#type(&self) -> &'static str {
        self.inner.kind().name()
    }
    /// `charge`, `payment`: the amount, minor units; else None.
    #[getter]
    fn amount(&self) -> Option<i64> {
        match self.inner {
            Event::Charge { amount } | Event::Payment { amount } => Some(amount),
            _ => None,
        }
    }
    /// `usage`, `top_up`: bytes; else None.
    #[getter]
    fn bytes(&self) -> Option<u64> {
        match self.inner {
            Event::Usage { bytes, .. } | Event::TopUp { bytes } => Some(bytes),
            _ => None,
        }
    }
    /// `activate`, `usage`, `rebind`: the device's IMEI, or None.
    #[getter]
    fn imei(&self) -> Option<String> {
        match self.inner {
            Event::Activate { imei } | Event::Usage { imei, .. } => imei,
            Event::Rebind { imei } => Some(imei),
            _ => None,
        }
        .map(|i| i.to_string())
    }
    /// `usage`: the province code, or None.
    #[getter]
    fn region(&self) -> Option<String> {
        match self.inner {
            Event::Usage { region, .. } => region.map(|r| r.to_string()),
            _ => None,
        }
    }
    /// `renew`: the new plan; else None.
    #[getter]
    fn plan(&self) -> Option<PyPlan> {
        match self.inner {
            Event::Renew { plan } => Some(PyPlan::from(plan)),
            _ => None,
        }
    }
    /// `operator_release`: the hold to lift; else None.
    #[getter]
    fn hold(&self) -> Option<En<iotcard::Hold>> {
        match self.inner {
            Event::OperatorRelease { hold } => Some(En(hold)),
            _ => None,
        }
    }
    /// `maintenance`: the end of the window (UTC); else None.
    #[getter]
    fn until(&self) -> Option<Dt> {
        match self.inner {
            Event::Maintenance { until } => Some(Dt::utc(until)),
            _ => None,
        }
    }
    /// `replace`: the new card's ICCID; else None.
    #[getter]
    fn iccid(&self) -> Option<String> {
        match self.inner {
            Event::Replace { iccid } => Some(iccid.to_string()),
            _ => None,
        }
    }

    /// The event as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The event as a dict in the JSON shape: `type` and the event's own fields
    /// (each an attribute of the same name).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.inner.to_json())
    }

    fn __hash__(&self) -> u64 {
        json_hash(&self.inner.to_json())
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let d = self.to_dict(py)?.cast_into::<PyDict>()?;
        let fields = d.iter().filter(|(k, _)| !k.eq("type").unwrap_or(false));
        repr_items(&format!("Event.{}", self.inner.kind()), fields)
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_json")?,
            (slf.get().inner.to_json(),),
        ))
    }
}
