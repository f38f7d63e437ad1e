//! The exception classes: `IotCardError` and one subclass per core error code
//! (`Error::CODES`), made at module import. `InvalidInput` also subclasses
//! `ValueError`. A core error becomes an instance of its class, with `.code`, the
//! core's message, and the variant's fields as attributes.

use iotcard::{Error, Hold, HoldName};
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::MODULE;
use crate::convert::{datetime, utc};
use crate::enums::{PyEnum, frozenset};

struct Classes {
    base: Py<PyType>,
    /// In the order of `Error::CODES`.
    by_code: Vec<(&'static str, Py<PyType>)>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// `invalid_input` → `InvalidInput`.
pub(crate) fn class_name(code: &str) -> String {
    code.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

fn doc(code: &str) -> &'static str {
    match code {
        "invalid_input" => {
            "Malformed JSON, a bad identifier, a zero or negative amount, an unknown field, \
             a naive datetime. `.field`, `.value` and `.reason` say which and why."
        }
        "out_of_order" => "The instant is earlier than the card's clock (`.at`, `.last`).",
        "terminal" => "The card is cancelled or replaced and accepts nothing (`.status`).",
        "not_activated" => "The event needs an activated card (`.event`).",
        "already_activated" => "`activate` on an activated card (`.since`).",
        "manual_suspend_not_allowed" => "R1.1 unmet; `.unmet` holds every unmet condition.",
        "arrears_outstanding" => {
            "`manual_resume` to lift arrears while the balance is below zero (`.balance`)."
        }
        "nothing_to_lift" => {
            "`manual_resume` or `operator_release` found no hold to lift (`.event`, `.holds`)."
        }
        _ => "An iotcard error.",
    }
}

fn make_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &Bound<'py, PyTuple>,
    doc: &str,
    code: Option<&str>,
) -> PyResult<Bound<'py, PyType>> {
    let ns = PyDict::new(py);
    ns.set_item("__module__", MODULE)?;
    ns.set_item("__doc__", doc)?;
    if let Some(code) = code {
        ns.set_item("code", code)?;
    } else {
        // Set on the errors `FleetEntry.replay` raises.
        ns.set_item("event_index", py.None())?;
    }
    let ty = py.get_type::<PyType>().call1((name, bases, ns))?;
    Ok(ty.cast_into::<PyType>()?)
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES.get_or_try_init(py, || {
        let base = make_class(
            py,
            "IotCardError",
            &PyTuple::new(py, [py.get_type::<PyException>()])?,
            "Base class of every iotcard error; `.code` is the stable error code of docs/json.md.",
            None,
        )?;
        let mut by_code = Vec::new();
        for code in Error::CODES {
            let bases = if code == "invalid_input" {
                PyTuple::new(py, [base.clone(), py.get_type::<PyValueError>()])?
            } else {
                PyTuple::new(py, [base.clone()])?
            };
            let ty = make_class(py, &class_name(code), &bases, doc(code), Some(code))?;
            by_code.push((code, ty.unbind()));
        }
        Ok(Classes {
            base: base.unbind(),
            by_code,
        })
    })
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = classes(py)?;
    m.add("IotCardError", c.base.bind(py))?;
    for (code, ty) in &c.by_code {
        m.add(class_name(code), ty.bind(py))?;
    }
    Ok(())
}

/// A core error as an instance of its exception class.
#[allow(clippy::needless_pass_by_value)] // taken by value to fit `.map_err(to_py_err)`
pub(crate) fn to_py_err(e: Error) -> PyErr {
    Python::attach(|py| build(py, &e).unwrap_or_else(|fail| fail))
}

fn build(py: Python<'_>, e: &Error) -> Result<PyErr, PyErr> {
    let c = classes(py)?;
    let code = e.code();
    let ty = c
        .by_code
        .iter()
        .find(|(k, _)| *k == code)
        .map_or(&c.base, |(_, t)| t)
        .bind(py);
    let exc = ty.call1((e.to_string(),))?;
    exc.setattr("code", code)?;
    match e {
        Error::InvalidInput {
            field,
            value,
            reason,
        } => {
            exc.setattr("field", field)?;
            exc.setattr("value", value)?;
            exc.setattr("reason", reason)?;
        }
        Error::OutOfOrder { at, last } => {
            exc.setattr("at", datetime(py, *at, utc())?)?;
            exc.setattr("last", datetime(py, *last, utc())?)?;
        }
        Error::Terminal { status, action } => {
            exc.setattr("status", status.to_py(py)?)?;
            exc.setattr("action", *action)?;
        }
        Error::NotActivated { event } => exc.setattr("event", *event)?,
        Error::AlreadyActivated { since } => exc.setattr("since", datetime(py, *since, utc())?)?,
        Error::ManualSuspendNotAllowed { unmet } => {
            exc.setattr("unmet", frozenset(py, unmet.iter())?)?;
        }
        Error::ArrearsOutstanding { balance } => exc.setattr("balance", *balance)?,
        Error::NothingToLift { event, hold } => {
            exc.setattr("event", *event)?;
            let holds = match hold {
                HoldName::One(h) => frozenset(py, [*h])?,
                HoldName::ManualOrArrears => frozenset(py, [Hold::Manual, Hold::Arrears])?,
            };
            exc.setattr("holds", holds)?;
        }
        _ => {}
    }
    Ok(PyErr::from_value(exc))
}
