//! The exception classes: `IotCardError` and one subclass per core error kind
//! (`ErrorKind::ALL`, named `ErrorKind::name`), made at module import. `InvalidInput` also subclasses
//! `ValueError`. A core error becomes an instance of its class, with `.code`, the
//! core's message, and the variant's fields as attributes.

use iotcard::{Error, ErrorKind};
use pyo3::exceptions::{PyException, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use crate::MODULE;
use crate::convert::{datetime, utc};
use crate::enums::{PyEnum, frozenset};

struct Classes {
    base: Py<PyType>,
    /// Index `kind.index()` is the class of `kind`.
    by_kind: Vec<Py<PyType>>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// The class docstring, with the attributes its instances carry (set by
/// [`attributes`]); for a kind this binding does not know yet, the core's summary.
fn doc(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidInput => {
            "Malformed JSON, a bad identifier, a zero or negative amount, an unknown field, \
             a naive datetime. `.field`, `.value` and `.reason` say which and why."
        }
        ErrorKind::OutOfOrder => {
            "The instant is earlier than the card's clock (`.at`, `.last`), or than the late \
             window lets in (`.earliest`, the earliest instant accepted)."
        }
        ErrorKind::Terminal => "The card is cancelled or replaced and accepts nothing (`.status`).",
        ErrorKind::NotActivated => "The event needs an activated card (`.event`).",
        ErrorKind::AlreadyActivated => "`activate` on an activated card (`.since`).",
        ErrorKind::ManualSuspendNotAllowed => "R1.1 unmet; `.unmet` holds every unmet condition.",
        ErrorKind::ArrearsOutstanding => {
            "`manual_resume` to lift arrears while the balance is below zero (`.balance`)."
        }
        ErrorKind::NothingToLift => {
            "`manual_resume` or `operator_release` found no hold to lift (`.event`, `.holds`)."
        }
        ErrorKind::LateEventConflict => {
            "R12.3: the late event (`.at`, `.event`) would make an accepted event fail \
             (`.accepted_at`, `.accepted_event`, `.accepted_index`, `.accepted_id`), with the \
             code `.accepted_code`."
        }
        ErrorKind::EventIdConflict => {
            "R12.5: an accepted event has this `.id` with other content (`.accepted_at`, \
             `.accepted_event`; the refused one is `.at`, `.event`)."
        }
        _ => kind.summary(),
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
        let mut by_kind = Vec::with_capacity(ErrorKind::ALL.len());
        for &kind in ErrorKind::ALL {
            let bases = if kind == ErrorKind::InvalidInput {
                PyTuple::new(py, [base.clone(), py.get_type::<PyValueError>()])?
            } else {
                PyTuple::new(py, [base.clone()])?
            };
            let ty = make_class(py, kind.name(), &bases, doc(kind), Some(kind.code()))?;
            by_kind.push(ty.unbind());
        }
        Ok(Classes {
            base: base.unbind(),
            by_kind,
        })
    })
}

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = classes(py)?;
    m.add("IotCardError", c.base.bind(py))?;
    for (kind, ty) in ErrorKind::ALL.iter().zip(&c.by_kind) {
        m.add(kind.name(), ty.bind(py))?;
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
    let kind = e.kind();
    let exc = c.by_kind[kind.index()].bind(py).call1((e.to_string(),))?;
    exc.setattr("code", kind.code())?;
    attributes(py, &exc, e)?;
    Ok(PyErr::from_value(exc))
}

/// Sets the attributes of the exception of `e`: the fields of its variant.
fn attributes(py: Python<'_>, exc: &Bound<'_, PyAny>, e: &Error) -> PyResult<()> {
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
        Error::OutOfOrder {
            at, last, earliest, ..
        } => {
            exc.setattr("at", datetime(py, *at, utc())?)?;
            exc.setattr("last", datetime(py, *last, utc())?)?;
            exc.setattr("earliest", datetime(py, *earliest, utc())?)?;
        }
        Error::LateEventConflict {
            at,
            event,
            accepted_at,
            accepted_event,
            accepted_index,
            accepted_id,
            error,
            ..
        } => {
            exc.setattr("at", datetime(py, *at, utc())?)?;
            exc.setattr("event", event.name())?;
            exc.setattr("accepted_at", datetime(py, *accepted_at, utc())?)?;
            exc.setattr("accepted_event", accepted_event.name())?;
            exc.setattr("accepted_index", *accepted_index)?;
            exc.setattr("accepted_id", accepted_id.as_deref())?;
            exc.setattr("accepted_code", error.code())?;
        }
        Error::EventIdConflict {
            id,
            at,
            event,
            accepted_at,
            accepted_event,
            ..
        } => {
            exc.setattr("id", id)?;
            exc.setattr("at", datetime(py, *at, utc())?)?;
            exc.setattr("event", event.name())?;
            exc.setattr("accepted_at", datetime(py, *accepted_at, utc())?)?;
            exc.setattr("accepted_event", accepted_event.name())?;
        }
        Error::Terminal { status, action } => {
            exc.setattr("status", status.to_py(py)?)?;
            exc.setattr("action", *action)?;
        }
        Error::NotActivated { event } => exc.setattr("event", event.name())?,
        Error::AlreadyActivated { since, .. } => {
            exc.setattr("since", datetime(py, *since, utc())?)?;
        }
        Error::ManualSuspendNotAllowed { unmet } => {
            exc.setattr("unmet", frozenset(py, unmet.iter())?)?;
        }
        Error::ArrearsOutstanding { balance } => exc.setattr("balance", *balance)?,
        Error::NothingToLift { event, hold } => {
            exc.setattr("event", event.name())?;
            exc.setattr("holds", frozenset(py, hold.holds().iter())?)?;
        }
        // A kind this binding does not know yet carries `.code` and its message.
        _ => {}
    }
    Ok(())
}
