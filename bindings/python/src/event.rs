//! `Event`: one class for the event table of docs/json.md, with a constructor per
//! event type (`Event.charge(1500)`) and `from_json`/`from_dict` for the JSON shape.

use iotcard::{Event, Hold, Iccid, Imei, Region};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::card::extract_plan;
use crate::convert::{
    from_json, in_field, instant, int, json_or_mapping, json_text, parse_own_json, repr_fields,
    string,
};
use crate::enums::PyEnum;
use crate::errors::to_py_err;

/// One event (`type` and its fields), validated when made.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Event")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyEvent {
    pub(crate) inner: Event,
}

fn imei(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Imei> {
    Imei::parse(&string(field, obj)?).map_err(|e| to_py_err(in_field(e, field)))
}

fn opt_imei(field: &str, obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Imei>> {
    match obj {
        Some(o) if !o.is_none() => imei(field, o).map(Some),
        _ => Ok(None),
    }
}

impl PyEvent {
    fn checked(inner: Event) -> PyResult<Self> {
        inner.validate().map_err(to_py_err)?;
        Ok(PyEvent { inner })
    }

    pub(crate) fn parse(text: &str) -> PyResult<Self> {
        Event::from_json(text)
            .map(|inner| PyEvent { inner })
            .map_err(to_py_err)
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
    fn activate(imei: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        Self::checked(Event::Activate {
            imei: opt_imei("event.imei", imei)?,
        })
    }

    /// R2, R5.2, R7.2: traffic reported by the operator.
    #[staticmethod]
    #[pyo3(signature = (bytes, *, imei = None, region = None))]
    fn usage(
        bytes: &Bound<'_, PyAny>,
        imei: Option<&Bound<'_, PyAny>>,
        region: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let region = match region {
            Some(r) if !r.is_none() => Some(
                Region::parse(&string("event.region", r)?)
                    .map_err(|e| to_py_err(in_field(e, "event.region")))?,
            ),
            _ => None,
        };
        Self::checked(Event::Usage {
            bytes: int("event.bytes", bytes)?,
            imei: opt_imei("event.imei", imei)?,
            region,
        })
    }

    /// R3.1: a charge (minor units, > 0).
    #[staticmethod]
    #[pyo3(signature = (amount, /))]
    fn charge(amount: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Charge {
            amount: int("event.amount", amount)?,
        })
    }

    /// R3.2, R3.3: a payment (minor units, > 0).
    #[staticmethod]
    #[pyo3(signature = (amount, /))]
    fn payment(amount: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Payment {
            amount: int("event.amount", amount)?,
        })
    }

    /// R2.4: a data package for the current quota period (bytes, > 0).
    #[staticmethod]
    #[pyo3(signature = (bytes, /))]
    fn top_up(bytes: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::TopUp {
            bytes: int("event.bytes", bytes)?,
        })
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
    fn renew(plan: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Renew {
            plan: extract_plan("event.plan", plan)?,
        })
    }

    /// R5.3: bind a new device.
    #[staticmethod]
    #[pyo3(signature = (imei, /))]
    fn rebind(imei: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Rebind {
            imei: self::imei("event.imei", imei)?,
        })
    }

    /// R7.3: the operator lifts a hold only it can lift.
    #[staticmethod]
    #[pyo3(signature = (hold, /))]
    fn operator_release(hold: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::OperatorRelease {
            hold: Hold::extract("event.hold", hold)?,
        })
    }

    /// R8.1: a maintenance window from the event's instant until `until`.
    #[staticmethod]
    #[pyo3(signature = (until, /))]
    fn maintenance(until: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Maintenance {
            until: instant("event.until", until)?,
        })
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
    fn replace(iccid: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::checked(Event::Replace {
            iccid: Iccid::parse(&string("event.iccid", iccid)?)
                .map_err(|e| to_py_err(in_field(e, "event.iccid")))?,
        })
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
        self.inner.kind()
    }

    /// The event as JSON.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The event as a dict in the JSON shape.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &parse_own_json(&self.inner.to_json()))
    }

    fn __repr__(&self) -> String {
        let v = parse_own_json(&self.inner.to_json());
        repr_fields(&format!("Event.{}", self.inner.kind()), &v, &["type"])
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_json")?,
            (slf.get().inner.to_json(),),
        ))
    }
}
