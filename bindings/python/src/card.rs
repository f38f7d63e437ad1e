//! `Plan`, `Card` and the results of `Card.apply` / `Card.advance`.
//!
//! A `Card` is immutable, like the core's: every operation returns a new card and
//! a refused one leaves the card as it was.

use iotcard::{Card, Change, Hold, Iccid, Msisdn, NewCard, Period, Plan};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use crate::assessment::{PyAssessment, PyChange};
use crate::convert::{
    from_json, in_field, instant, int, json_or_mapping, json_text, opt_datetime, parse_own_json,
    repr_json, string, utc,
};
use crate::enums::{PyEnum, frozenset};
use crate::errors::to_py_err;
use crate::event::PyEvent;
use crate::policy::PyPolicy;

/// A prepaid plan: validity `[start, end)`, data quota per quota period, monthly fee.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Plan")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyPlan {
    pub(crate) inner: Plan,
}

#[pymethods]
impl PyPlan {
    #[new]
    #[pyo3(signature = (start, end, period, quota_bytes, monthly_fee))]
    fn new(
        start: &Bound<'_, PyAny>,
        end: &Bound<'_, PyAny>,
        period: &Bound<'_, PyAny>,
        quota_bytes: &Bound<'_, PyAny>,
        monthly_fee: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let plan = Plan {
            start: instant("plan.start", start)?,
            end: instant("plan.end", end)?,
            period: Period::extract("plan.period", period)?,
            quota_bytes: int("plan.quota_bytes", quota_bytes)?,
            monthly_fee: int("plan.monthly_fee", monthly_fee)?,
        };
        plan.validate("plan").map_err(to_py_err)?;
        Ok(PyPlan { inner: plan })
    }

    /// Start of validity (UTC).
    #[getter]
    fn start(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, Some(self.inner.start), utc())
    }
    /// End of validity, exclusive: the expiry instant (UTC).
    #[getter]
    fn end(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, Some(self.inner.end), utc())
    }
    /// Quota period.
    #[getter]
    fn period<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.period.to_py(py)
    }
    /// Data quota per quota period, bytes.
    #[getter]
    fn quota_bytes(&self) -> u64 {
        self.inner.quota_bytes
    }
    /// Monthly fee, minor units.
    #[getter]
    fn monthly_fee(&self) -> i64 {
        self.inner.monthly_fee
    }

    /// The plan in the JSON shape of docs/json.md.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &plan_json(&self.inner))
    }

    fn __repr__(&self) -> String {
        let p = &self.inner;
        let t = |t: iotcard::Instant| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        format!(
            "Plan(start='{}', end='{}', period='{}', quota_bytes={}, monthly_fee={})",
            t(p.start),
            t(p.end),
            p.period.name(),
            p.quota_bytes,
            p.monthly_fee
        )
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let p = &slf.get().inner;
        Ok((
            slf.get_type().into_any(),
            PyTuple::new(
                py,
                [
                    opt_datetime(py, Some(p.start), utc())?.into_bound(py),
                    opt_datetime(py, Some(p.end), utc())?.into_bound(py),
                    p.period.to_py(py)?,
                    p.quota_bytes.into_pyobject(py)?.into_any(),
                    p.monthly_fee.into_pyobject(py)?.into_any(),
                ],
            )?,
        ))
    }
}

fn plan_json(p: &Plan) -> serde_json::Value {
    serde_json::to_value(p).unwrap_or_default()
}

/// Plans given to the binding: a `Plan` or a mapping in the JSON shape.
pub(crate) fn extract_plan(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Plan> {
    if let Ok(p) = obj.cast::<PyPlan>() {
        return Ok(p.get().inner);
    }
    // The core has no Plan::from_json: go through a renewal event, which
    // validates the plan with its field path.
    let text = json_or_mapping(field, obj)?;
    let event = format!(r#"{{"type":"renew","plan":{text}}}"#);
    match iotcard::Event::from_json(&event) {
        Ok(iotcard::Event::Renew { plan }) => Ok(plan),
        Ok(_) => Err(crate::convert::invalid(field, "…", "not a plan")),
        Err(e) => Err(to_py_err(rename_event_plan(e, field))),
    }
}

fn rename_event_plan(e: iotcard::Error, field: &str) -> iotcard::Error {
    match e {
        iotcard::Error::InvalidInput {
            field: f,
            value,
            reason,
        } => iotcard::Error::InvalidInput {
            field: f.replacen("event.plan", field, 1),
            value,
            reason,
        },
        other => other,
    }
}

/// The JSON of the binding's own value classes, when `obj` is one (so they can
/// sit inside dicts given to `from_dict`).
pub(crate) fn json_of_value_class(obj: &Bound<'_, PyAny>) -> Option<serde_json::Value> {
    if let Ok(p) = obj.cast::<PyPlan>() {
        return Some(plan_json(&p.get().inner));
    }
    if let Ok(e) = obj.cast::<PyEvent>() {
        return Some(parse_own_json(&e.get().inner.to_json()));
    }
    if let Ok(p) = obj.cast::<PyPolicy>() {
        return Some(parse_own_json(&p.get().inner.to_json()));
    }
    None
}

/// A card's whole state. Immutable: `apply` and `advance` return new cards.
///
/// `Card(iccid, msisdn, plan, *, balance=0, auto_suspend=False)` opens a new
/// card in `inventory`; `Card.open(...)` does the same from the docs/json.md
/// `card` JSON; `Card.from_json` loads a state written by `to_json`.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Card")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyCard {
    pub(crate) inner: Card,
}

#[pymethods]
impl PyCard {
    #[new]
    #[pyo3(signature = (iccid, msisdn, plan, *, balance = None, auto_suspend = false))]
    fn new(
        iccid: &Bound<'_, PyAny>,
        msisdn: &Bound<'_, PyAny>,
        plan: &Bound<'_, PyAny>,
        balance: Option<&Bound<'_, PyAny>>,
        auto_suspend: bool,
    ) -> PyResult<Self> {
        let new = NewCard {
            iccid: Iccid::parse(&string("card.iccid", iccid)?)
                .map_err(|e| to_py_err(in_field(e, "card.iccid")))?,
            msisdn: Msisdn::parse(&string("card.msisdn", msisdn)?)
                .map_err(|e| to_py_err(in_field(e, "card.msisdn")))?,
            auto_suspend,
            balance: balance.map_or(Ok(0), |b| int("card.balance", b))?,
            plan: extract_plan("card.plan", plan)?,
        };
        Card::new(&new).map(PyCard::from).map_err(to_py_err)
    }

    /// A new card (in `inventory`) from the docs/json.md `card` JSON (`str`,
    /// `bytes` or a dict).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn open(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = json_or_mapping("card", data)?;
        NewCard::from_json(&text)
            .and_then(|n| Card::new(&n))
            .map(PyCard::from)
            .map_err(to_py_err)
    }

    /// Loads a state written by `to_json` (`str` or `bytes`).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Card::from_json(&json_text("state", data)?)
            .map(PyCard::from)
            .map_err(to_py_err)
    }

    /// Loads a state given as a dict (as `to_dict` returns it).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Card::from_json(&json_or_mapping("state", data)?)
            .map(PyCard::from)
            .map_err(to_py_err)
    }

    /// The whole state as versioned JSON, for storage between events.
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// The whole state as a dict (`json.loads(card.to_json())`).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        from_json(py, &parse_own_json(&self.inner.to_json()))
    }

    /// Applies `event` at `at`: advances to `at` (every scheduled change due), then
    /// applies the event. Raises the error's class when refused.
    #[pyo3(signature = (policy, at, event, /))]
    fn apply(
        &self,
        policy: &Bound<'_, PyPolicy>,
        at: &Bound<'_, PyAny>,
        event: &Bound<'_, PyAny>,
    ) -> PyResult<PyApplied> {
        let at = instant("at", at)?;
        let owned;
        let event = if let Ok(e) = event.cast::<PyEvent>() {
            &e.get().inner
        } else {
            owned = PyEvent::parse(&json_or_mapping("event", event)?)?.inner;
            &owned
        };
        let applied = self
            .inner
            .apply(&policy.get().inner, at, event)
            .map_err(to_py_err)?;
        Ok(PyApplied {
            card: applied.card,
            replacement: applied.replacement,
            changes: applied.changes,
        })
    }

    /// Advances the card to `to`, applying every scheduled change due by then.
    #[pyo3(signature = (policy, to, /))]
    fn advance(&self, policy: &Bound<'_, PyPolicy>, to: &Bound<'_, PyAny>) -> PyResult<PyAdvanced> {
        let to = instant("to", to)?;
        let advanced = self
            .inner
            .advance(&policy.get().inner, to)
            .map_err(to_py_err)?;
        Ok(PyAdvanced {
            card: advanced.card,
            changes: advanced.changes,
        })
    }

    /// Assesses the card at `at` (scheduled changes due by `at` are taken into
    /// account; the card itself is not changed).
    #[pyo3(signature = (policy, at, /))]
    fn assess(
        &self,
        policy: &Bound<'_, PyPolicy>,
        at: &Bound<'_, PyAny>,
    ) -> PyResult<PyAssessment> {
        let at = instant("at", at)?;
        self.inner
            .assess(&policy.get().inner, at)
            .map(PyAssessment::from)
            .map_err(to_py_err)
    }

    /// ICCID.
    #[getter]
    fn iccid(&self) -> String {
        self.inner.iccid().to_string()
    }
    /// Number (MSISDN).
    #[getter]
    fn msisdn(&self) -> String {
        self.inner.msisdn().to_string()
    }
    /// Balance, minor units.
    #[getter]
    fn balance(&self) -> i64 {
        self.inner.balance()
    }
    /// The current plan.
    #[getter]
    fn plan(&self) -> PyPlan {
        PyPlan {
            inner: *self.inner.plan(),
        }
    }
    /// Whether auto-suspend was chosen at opening (R2.2).
    #[getter]
    fn auto_suspend(&self) -> bool {
        self.inner.auto_suspend()
    }
    /// The bound (or last activating) device.
    #[getter]
    fn imei(&self) -> Option<String> {
        self.inner.imei().map(|i| i.to_string())
    }
    /// When the card was activated (UTC).
    #[getter]
    fn activated_at(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, self.inner.activated_at(), utc())
    }
    /// The latest instant the card has seen (UTC); earlier events are out of order.
    #[getter]
    fn clock(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, self.inner.clock(), utc())
    }
    /// Last traffic (UTC).
    #[getter]
    fn last_traffic(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        opt_datetime(py, self.inner.last_traffic(), utc())
    }
    /// The active holds (as of the card's clock; `assess` looks ahead).
    #[getter]
    fn holds<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(frozenset(py, self.inner.holds().iter())?.into_any())
    }
    /// The status (as of the card's clock).
    #[getter]
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.inner.status().to_py(py)
    }
    /// For a replaced card, the ICCID of its replacement.
    #[getter]
    fn replaced_by(&self) -> Option<String> {
        self.inner.replaced_by().map(|i| i.to_string())
    }

    /// When `hold` went on (UTC), or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn hold_since(&self, py: Python<'_>, hold: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let h = Hold::extract("hold", hold)?;
        opt_datetime(py, self.inner.hold_since(h), utc())
    }

    fn __repr__(&self) -> String {
        let c = &self.inner;
        let holds: Vec<_> = c
            .holds()
            .iter()
            .map(|h| repr_json(&h.name().into()))
            .collect();
        let clock = c.clock().map_or_else(
            || "None".to_owned(),
            |t| {
                repr_json(
                    &t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                        .into(),
                )
            },
        );
        format!(
            "Card(iccid='{}', status='{}', holds=[{}], balance={}, clock={clock})",
            c.iccid(),
            c.status().name(),
            holds.join(", "),
            c.balance()
        )
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_json")?,
            (slf.get().inner.to_json(),),
        ))
    }
}

impl From<Card> for PyCard {
    fn from(inner: Card) -> Self {
        PyCard { inner }
    }
}

fn changes_tuple<'py>(py: Python<'py>, changes: &[Change]) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(py, changes.iter().map(|c| PyChange { inner: *c }))
}

/// The result of `Card.apply`: the new card, the replacement card (for
/// `replace`), and the audit trail of what changed.
#[pyclass(frozen, module = "iotcard._iotcard", name = "Applied")]
pub(crate) struct PyApplied {
    card: Card,
    replacement: Option<Card>,
    changes: Vec<Change>,
}

#[pymethods]
impl PyApplied {
    /// The card after the event.
    #[getter]
    fn card(&self) -> PyCard {
        PyCard::from(self.card.clone())
    }
    /// For `replace`: the new card (the old one is now `replaced`).
    #[getter]
    fn replacement(&self) -> Option<PyCard> {
        self.replacement.clone().map(PyCard::from)
    }
    /// Everything that changed, in order.
    #[getter]
    fn changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        changes_tuple(py, &self.changes)
    }

    fn __repr__(&self) -> String {
        let card = PyCard::from(self.card.clone()).__repr__();
        let replacement = self
            .replacement
            .clone()
            .map_or_else(|| "None".to_owned(), |c| PyCard::from(c).__repr__());
        format!(
            "Applied(card={card}, replacement={replacement}, changes=<{} changes>)",
            self.changes.len()
        )
    }
}

/// The result of `Card.advance`: the card at the instant and every scheduled
/// change on the way.
#[pyclass(frozen, module = "iotcard._iotcard", name = "Advanced")]
pub(crate) struct PyAdvanced {
    card: Card,
    changes: Vec<Change>,
}

#[pymethods]
impl PyAdvanced {
    /// The card at the instant.
    #[getter]
    fn card(&self) -> PyCard {
        PyCard::from(self.card.clone())
    }
    /// Every scheduled change on the way, in order.
    #[getter]
    fn changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        changes_tuple(py, &self.changes)
    }

    fn __repr__(&self) -> String {
        format!(
            "Advanced(card={}, changes=<{} changes>)",
            PyCard::from(self.card.clone()).__repr__(),
            self.changes.len()
        )
    }
}
