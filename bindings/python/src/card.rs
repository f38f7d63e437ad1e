//! `Plan`, `Card` and the results of `Card.apply` / `Card.advance`.
//!
//! A `Card` is immutable, like the core's: every operation returns a new card and
//! a refused one leaves the card as it was. Constructors hand their arguments to
//! the core's parsers as JSON fields (`Plan::from_json`, `NewCard::from_json`).

use iotcard::{Card, Change, Event, EventId, Hold, NewCard, Period, Plan};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use crate::assessment::{PyAssessment, changes};
use crate::convert::{Dt, instant, json_or_mapping, json_text, loads, object};
use crate::enums::{Bits, En, PyEnum};
use crate::errors::to_py_err;
use crate::event::PyEvent;
use crate::policy::PyPolicy;
use crate::value::{Data, data_class};

data_class! {
    /// A prepaid plan: validity `[start, end)`, data quota per quota period,
    /// monthly fee.
    struct PyPlan as "Plan" {
        /// Start of validity (UTC).
        start: Dt,
        /// End of validity, exclusive: the expiry instant (UTC).
        end: Dt,
        /// Quota period.
        period: En<Period>,
        /// Data quota per quota period, bytes.
        quota_bytes: u64,
        /// Monthly fee, minor units.
        monthly_fee: i64,
    }
}

impl From<Plan> for PyPlan {
    fn from(p: Plan) -> Self {
        PyPlan {
            start: Dt::utc(p.start),
            end: Dt::utc(p.end),
            period: En(p.period),
            quota_bytes: p.quota_bytes,
            monthly_fee: p.monthly_fee,
        }
    }
}

impl PyPlan {
    /// The core's plan.
    pub(crate) fn core(&self) -> Plan {
        Plan {
            start: self.start.0,
            end: self.end.0,
            period: self.period.0,
            quota_bytes: self.quota_bytes,
            monthly_fee: self.monthly_fee,
        }
    }

    fn parse(text: &str) -> PyResult<Self> {
        Plan::from_json(text).map(PyPlan::from).map_err(to_py_err)
    }

    /// The plan's JSON (docs/json.md).
    pub(crate) fn json(&self) -> String {
        serde_json::to_string(&self.core()).unwrap_or_default()
    }
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
        let fields = [
            ("start", start),
            ("end", end),
            ("period", period),
            ("quota_bytes", quota_bytes),
            ("monthly_fee", monthly_fee),
        ];
        Self::parse(&object("plan", fields.map(|(k, v)| (k, Some(v))))?)
    }

    /// A plan from JSON (`str` or `bytes`), the `plan` object of docs/json.md.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_text("plan", data)?)
    }

    /// A plan from a dict in the JSON shape (instants may be aware datetimes).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_or_mapping("plan", data)?)
    }

    /// The plan as JSON.
    fn to_json(&self) -> String {
        self.json()
    }

    /// The plan in the JSON shape of docs/json.md (the keys are the attributes).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.dict(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        self.repr(py)
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let p = slf.get();
        let args = (p.start, p.end, p.period, p.quota_bytes, p.monthly_fee);
        Ok((slf.get_type().into_any(), args.into_pyobject(py)?))
    }
}

/// A card's whole state. Immutable: `apply` and `advance` return new cards.
///
/// `Card(iccid, msisdn, plan, *, balance=0, auto_suspend=False)` opens a new
/// card in `inventory`; `Card.open(...)` does the same from the docs/json.md
/// `card` JSON; `Card.from_json` loads a state written by `to_json`.
#[pyclass(frozen, eq, hash, module = "iotcard._iotcard", name = "Card")]
#[derive(Clone, PartialEq, Debug)]
pub(crate) struct PyCard {
    pub(crate) inner: Card,
}

impl PyCard {
    fn open_json(text: &str) -> PyResult<Self> {
        NewCard::from_json(text)
            .and_then(|n| Card::new(&n))
            .map(PyCard::from)
            .map_err(to_py_err)
    }
}

#[pymethods]
impl PyCard {
    #[new]
    #[pyo3(signature = (iccid, msisdn, plan, *, balance = None, auto_suspend = None))]
    fn new(
        iccid: &Bound<'_, PyAny>,
        msisdn: &Bound<'_, PyAny>,
        plan: &Bound<'_, PyAny>,
        balance: Option<&Bound<'_, PyAny>>,
        auto_suspend: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let fields = [
            ("iccid", Some(iccid)),
            ("msisdn", Some(msisdn)),
            ("plan", Some(plan)),
            ("balance", balance),
            ("auto_suspend", auto_suspend),
        ];
        Self::open_json(&object("card", fields)?)
    }

    /// A new card (in `inventory`) from the docs/json.md `card` JSON (`str`,
    /// `bytes` or a dict).
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn open(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::open_json(&json_or_mapping("card", data)?)
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

    /// The whole stored state as a dict (`json.loads(card.to_json())`): the
    /// state's keys of docs/json.md, not the attributes.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &self.inner.to_json())
    }

    /// Applies `event` at `at`: advances to `at` (every scheduled change due), then
    /// applies the event. Raises the error's class when refused. `id` (or an
    /// `"id"` key of a dict or JSON event) is the event's id (R12.5): an event
    /// already accepted with it and the same content is a duplicate (nothing is
    /// applied, `Applied.duplicate` is true). Under a late window (R12) an event
    /// earlier than the clock takes effect at its own instant; `changes` and
    /// `withdrawn` are then the correction.
    #[pyo3(signature = (policy, at, event, /, *, id = None))]
    fn apply(
        &self,
        policy: &Bound<'_, PyPolicy>,
        at: &Bound<'_, PyAny>,
        event: &Bound<'_, PyAny>,
        id: Option<&str>,
    ) -> PyResult<PyApplied> {
        let at = instant("at", at)?;
        let (event, given) = if let Ok(e) = event.cast::<PyEvent>() {
            (e.get().inner, None)
        } else {
            Event::from_json_with_id(&json_or_mapping("event", event)?).map_err(to_py_err)?
        };
        let id = match (id, given) {
            (Some(_), Some(_)) => {
                return Err(to_py_err(iotcard::Error::InvalidInput {
                    field: "id".to_owned(),
                    value: "…".to_owned(),
                    reason: "given both as the `id` argument and in the event".to_owned(),
                }));
            }
            (Some(id), None) => Some(EventId::parse(id).map_err(to_py_err)?),
            (None, given) => given,
        };
        let applied = self
            .inner
            .apply_identified(&policy.get().inner, at, &event, id.as_ref())
            .map_err(to_py_err)?;
        Ok(PyApplied {
            card: PyCard::from(applied.card),
            replacement: applied.replacement.map(PyCard::from),
            changes: Changes(applied.changes),
            withdrawn: Changes(applied.withdrawn),
            duplicate: applied.duplicate,
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
            card: PyCard::from(advanced.card),
            changes: Changes(advanced.changes),
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
        PyPlan::from(*self.inner.plan())
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
    fn activated_at(&self) -> Option<Dt> {
        self.inner.activated_at().map(Dt::utc)
    }
    /// The latest instant the card has seen (UTC); earlier events are out of order.
    #[getter]
    fn clock(&self) -> Option<Dt> {
        self.inner.clock().map(Dt::utc)
    }
    /// Last traffic (UTC).
    #[getter]
    fn last_traffic(&self) -> Option<Dt> {
        self.inner.last_traffic().map(Dt::utc)
    }
    /// The active holds (as of the card's clock; `assess` looks ahead).
    #[getter]
    fn holds(&self) -> Bits<iotcard::Holds> {
        Bits(self.inner.holds())
    }
    /// The status (as of the card's clock).
    #[getter]
    fn status(&self) -> En<iotcard::Status> {
        En(self.inner.status())
    }
    /// For a replaced card, the ICCID of its replacement.
    #[getter]
    fn replaced_by(&self) -> Option<String> {
        self.inner.replaced_by().map(|i| i.to_string())
    }

    /// When `hold` went on (UTC), or None when it is not on.
    #[pyo3(signature = (hold, /))]
    fn hold_since(&self, hold: &Bound<'_, PyAny>) -> PyResult<Option<Dt>> {
        Ok(self.inner.hold_since(Hold::extract(hold)?).map(Dt::utc))
    }

    pub(crate) fn __repr__(&self) -> String {
        // Every value here is digits, a name or an instant: nothing to escape.
        let c = &self.inner;
        let holds: Vec<_> = c.holds().iter().map(|h| format!("'{h}'")).collect();
        let clock = c.clock().map_or_else(
            || "None".to_owned(),
            |t| format!("'{}'", iotcard::format_instant(t, crate::convert::utc())),
        );
        format!(
            "Card(iccid='{}', status='{}', holds=[{}], balance={}, clock={clock})",
            c.iccid(),
            c.status(),
            holds.join(", "),
            c.balance(),
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

/// Hashed by its state (equal cards write the same state).
impl std::hash::Hash for PyCard {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.inner.to_json().hash(state);
    }
}
impl Eq for PyCard {}

/// The audit trail as an attribute: a tuple of `Change`s, made when read.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Changes(Vec<Change>);

impl std::hash::Hash for Changes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        serde_json::to_string(&self.0)
            .unwrap_or_default()
            .hash(state);
    }
}

impl<'py> IntoPyObject<'py> for Changes {
    type Target = PyTuple;
    type Output = Bound<'py, PyTuple>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        changes(py, &self.0)
    }
}

/// The result of `Card.apply`: the new card, the replacement card (for
/// `replace`), and the audit trail of what changed.
#[pyclass(
    frozen,
    get_all,
    eq,
    hash,
    module = "iotcard._iotcard",
    name = "Applied"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyApplied {
    /// The card after the event.
    card: PyCard,
    /// For `replace`: the new card (the old one is now `replaced`).
    replacement: Option<PyCard>,
    /// Everything that changed, in order (for a late event: what now happens
    /// and did not before).
    changes: Changes,
    /// For a late event (R12.4): the changes reported before that no longer
    /// happen; empty otherwise.
    withdrawn: Changes,
    /// R12.5: the event was already accepted with this id and the same content;
    /// nothing was applied.
    duplicate: bool,
}

/// The result of `Card.advance`: the card at the instant and every scheduled
/// change on the way.
#[pyclass(
    frozen,
    get_all,
    eq,
    hash,
    module = "iotcard._iotcard",
    name = "Advanced"
)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyAdvanced {
    /// The card at the instant.
    card: PyCard,
    /// Every scheduled change on the way, in order.
    changes: Changes,
}

#[pymethods]
impl PyApplied {
    fn __repr__(&self) -> String {
        let replacement = self.replacement.as_ref().map(PyCard::__repr__);
        format!(
            "Applied(card={}, replacement={}, changes=<{} changes>, withdrawn=<{} changes>, duplicate={})",
            self.card.__repr__(),
            replacement.as_deref().unwrap_or("None"),
            self.changes.0.len(),
            self.withdrawn.0.len(),
            if self.duplicate { "True" } else { "False" }
        )
    }
}

#[pymethods]
impl PyAdvanced {
    fn __repr__(&self) -> String {
        let (card, n) = (self.card.__repr__(), self.changes.0.len());
        format!("Advanced(card={card}, changes=<{n} changes>)")
    }
}
