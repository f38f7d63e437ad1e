//! Operators (docs/operators.md): `PolicyBook` (a policy per operator, and a
//! fleet replay under it), `decode_report` and `reconcile`. Thin skins over the
//! core's `PolicyBook`, `decode_report` and `reconcile`.

use iotcard::{Operator, PolicyBook};
use pyo3::prelude::*;
use pyo3::types::PyType;

use crate::card::PyCard;
use crate::convert::{instant, json_or_mapping, json_text, loads};
use crate::errors::to_py_err;
use crate::fleet::{PyFleetEntry, PyReplayed};
use crate::policy::PyPolicy;

/// A default policy and one per operator (`{"default": {...}, "operators":
/// {"china_mobile": {...}}}`), validated as a whole: errors name the policy and
/// the field (`policy_book.operators.china_mobile.retention_months`).
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "PolicyBook")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyPolicyBook {
    inner: PolicyBook,
}

impl PyPolicyBook {
    fn parse(text: &str) -> PyResult<Self> {
        PolicyBook::from_json(text)
            .map(|inner| PyPolicyBook { inner })
            .map_err(to_py_err)
    }
}

#[pymethods]
impl PyPolicyBook {
    /// A book from JSON (`str` or `bytes`).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_text("policy_book", data)?)
    }

    /// The same from a dict in the JSON shape.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_or_mapping("policy_book", data)?)
    }

    /// The policy for a card of `operator` (`None`: unknown operator): the
    /// operator's own, else the default; `InvalidInput` naming `card.operator`
    /// when there is neither.
    #[pyo3(signature = (operator, /))]
    fn policy_for(&self, operator: Option<&str>) -> PyResult<PyPolicy> {
        let op = operator
            .map(Operator::from_name)
            .transpose()
            .map_err(to_py_err)?;
        self.inner
            .policy_for(op)
            .map(|p| PyPolicy { inner: p.clone() })
            .map_err(to_py_err)
    }

    /// Replays a fleet line under its card's operator's policy (as
    /// `iotcard assess --policy-book` does). A refused event raises its error with
    /// `.event_index` set; a card whose operator has no policy raises
    /// `InvalidInput` naming `card.operator`.
    #[pyo3(signature = (entry, at, /))]
    fn replay(
        &self,
        entry: &Bound<'_, PyFleetEntry>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyReplayed> {
        let at = instant("at", at)?;
        let entry = &entry.get().inner;
        match self.inner.replay(entry, at) {
            Ok((_, replayed)) => Ok(PyReplayed {
                entry: entry.clone(),
                at,
                replayed,
            }),
            Err((i, e)) => {
                let err = to_py_err(e);
                Python::attach(|py| err.value(py).setattr("event_index", i))?;
                Err(err)
            }
        }
    }
}

/// Decodes one operator report line (`str`, `bytes` or dict; docs/operators.md)
/// into the operator view, as a dict: `status`, `holds` (each with `hold`,
/// `scope`, `grade`, `uncertain`), `unmapped`, `uncertain`.
#[pyfunction]
#[pyo3(signature = (report, /))]
pub(crate) fn decode_report<'py>(
    py: Python<'py>,
    report: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = json_or_mapping("report", report)?;
    let view = iotcard::decode_report(&text).map_err(to_py_err)?;
    loads(py, &view.to_json())
}

/// Reconciles `card` with its operator's report: the card assessed under
/// `policy` at the report's instant beside the decoded report, each
/// disagreement with its `kind`, `hold`, `event` and `action`, as a dict.
#[pyfunction]
#[pyo3(signature = (card, policy, report, /))]
pub(crate) fn reconcile<'py>(
    py: Python<'py>,
    card: &Bound<'py, PyCard>,
    policy: &Bound<'py, PyPolicy>,
    report: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let text = json_or_mapping("report", report)?;
    let card = &card.get().inner;
    let view = iotcard::decode_report(&text).map_err(to_py_err)?;
    let r = card
        .assess(&policy.get().inner, view.at)
        .and_then(|a| iotcard::reconcile(&a, card.iccid(), &view))
        .map_err(to_py_err)?;
    loads(py, &r.to_json())
}
