//! `FleetEntry`: one line of a fleet file (a new card or a stored state, and its
//! events), replayed by the core's `FleetEntry::replay`, the same replay as the
//! `iotcard assess` command's.

use iotcard::fleet::{FleetEntry, Replayed};
use iotcard::{Card, Instant};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};

use crate::card::PyCard;
use crate::convert::{Dt, instant, json_or_mapping, json_text};
use crate::errors::to_py_err;
use crate::event::PyEvent;
use crate::policy::PyPolicy;
use crate::value::json_hash;

/// One line of a fleet file (docs/json.md "fleet line"): `{"card": {...}}` or
/// `{"state": {...}}`, and `"events": [{"at": ..., "event": {...}}]`.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "FleetEntry")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyFleetEntry {
    pub(crate) inner: FleetEntry,
}

#[pymethods]
impl PyFleetEntry {
    /// Parses one line (`str` or `bytes`), checking the card or state and every event.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_json(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_text("entry", data)?)
    }

    /// The same from a dict in the JSON shape.
    #[classmethod]
    #[pyo3(signature = (data, /))]
    fn from_dict(_cls: &Bound<'_, PyType>, data: &Bound<'_, PyAny>) -> PyResult<Self> {
        Self::parse(&json_or_mapping("entry", data)?)
    }

    /// The entry as one line of JSON (no newline).
    fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Its events, in order: `(at, event)` pairs (instants in UTC).
    #[getter]
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let pairs = self
            .inner
            .events
            .iter()
            .map(|t| (Dt::utc(t.at), PyEvent { inner: t.event }))
            .collect::<Vec<_>>();
        PyTuple::new(py, pairs)
    }

    /// Replays the events at or before `at` (later ones are counted, not applied),
    /// then advances to `at`: what `iotcard assess` does with each line. A refused
    /// event is skipped and reported in `Replayed.refused`; the replay goes on.
    /// When the card cannot be brought to `at` at all (a stored state whose clock
    /// is after `at`), its error is raised with `.event_index` set to
    /// `len(events)`.
    #[pyo3(signature = (policy, at, /))]
    fn replay(&self, policy: &Bound<'_, PyPolicy>, at: &Bound<'_, PyAny>) -> PyResult<PyReplayed> {
        let at = instant("at", at)?;
        match self.inner.replay(&policy.get().inner, at) {
            Ok(r) => Ok(PyReplayed {
                entry: self.inner.clone(),
                at,
                replayed: r,
            }),
            Err((i, e)) => {
                let err = to_py_err(e);
                Python::attach(|py| err.value(py).setattr("event_index", i))?;
                Err(err)
            }
        }
    }

    fn __hash__(&self) -> u64 {
        json_hash(&self.inner.to_json())
    }

    fn __repr__(&self) -> String {
        let start = match &self.inner.start {
            iotcard::fleet::Start::New(n) => format!("card='{}'", n.iccid),
            iotcard::fleet::Start::Stored(c) => format!("state='{}'", c.iccid()),
        };
        format!(
            "FleetEntry({start}, events=<{} events>)",
            self.inner.events.len()
        )
    }
}

impl PyFleetEntry {
    fn parse(text: &str) -> PyResult<Self> {
        FleetEntry::from_json(text)
            .map(|inner| PyFleetEntry { inner })
            .map_err(to_py_err)
    }
}

/// An event the card refused during `FleetEntry.replay`: skipped, the card
/// unchanged by it.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Refused")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyRefused {
    index: usize,
    at: Instant,
    event: iotcard::Event,
    error: iotcard::Error,
}

#[pymethods]
impl PyRefused {
    /// Its position in the entry's `events`.
    #[getter]
    fn index(&self) -> usize {
        self.index
    }
    /// Its instant (in UTC).
    #[getter]
    fn at(&self) -> Dt {
        Dt::utc(self.at)
    }
    /// The event.
    #[getter]
    fn event(&self) -> PyEvent {
        PyEvent { inner: self.event }
    }
    /// The error the card refused it with: an `IotCardError` instance (not
    /// raised), with its `.code`, message and attributes, and `.event_index`.
    #[getter]
    fn error(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let err = to_py_err(self.error.clone()).into_value(py).into_any();
        err.bind(py).setattr("event_index", self.index)?;
        Ok(err)
    }

    fn __hash__(&self) -> u64 {
        json_hash(&format!("{}{:?}", self.index, self.error))
    }

    fn __repr__(&self) -> String {
        format!(
            "Refused(index={}, event='{}', code='{}')",
            self.index,
            self.event.kind(),
            self.error.code()
        )
    }
}

/// A fleet entry replayed to an instant.
#[pyclass(frozen, eq, module = "iotcard._iotcard", name = "Replayed")]
#[derive(PartialEq)]
pub(crate) struct PyReplayed {
    pub(crate) entry: FleetEntry,
    pub(crate) at: Instant,
    pub(crate) replayed: Replayed,
}

#[pymethods]
impl PyReplayed {
    /// The card at the instant; after a `replace`, the new card.
    #[getter]
    fn card(&self) -> PyCard {
        PyCard::from(self.replayed.card.clone())
    }
    /// Cards replaced on the way (each now `replaced`), oldest first.
    #[getter]
    fn replaced<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.replayed.replaced.iter().cloned().map(PyCard::from))
    }
    /// Every card of the line, as `iotcard assess` reports them: the replaced
    /// ones, then the card.
    #[getter]
    fn cards<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let r = &self.replayed;
        PyTuple::new(
            py,
            r.replaced
                .iter()
                .chain([&r.card])
                .cloned()
                .map(PyCard::from)
                .collect::<Vec<_>>(),
        )
    }
    /// How many events were later than the instant, not applied.
    #[getter]
    fn later_events(&self) -> usize {
        self.replayed.later_events
    }
    /// R12.5: positions in the entry's events of re-deliveries (an id the card
    /// had accepted, the same content), each ignored.
    #[getter]
    fn duplicates<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, &self.replayed.duplicates)
    }
    /// The events the card refused, in order (each skipped; the replay went on).
    #[getter]
    fn refused<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(
            py,
            self.replayed.refused.iter().map(|r| {
                let t = &self.entry.events[r.index];
                PyRefused {
                    index: r.index,
                    at: t.at,
                    event: t.event,
                    error: r.error.clone(),
                }
            }),
        )
    }
    /// What to keep for the next run (`iotcard assess --save-states`): each card's
    /// state at the instant as a stored entry, the last one with the events later
    /// than the instant.
    fn stored<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let kept = self.entry.stored(self.replayed.clone(), self.at);
        PyTuple::new(py, kept.into_iter().map(|inner| PyFleetEntry { inner }))
    }

    fn __hash__(&self) -> u64 {
        let r = &self.replayed;
        let states: Vec<String> = r
            .replaced
            .iter()
            .chain([&r.card])
            .map(Card::to_json)
            .collect();
        json_hash(&format!(
            "{}{states:?}{}{:?}",
            self.entry.to_json(),
            r.later_events,
            r.refused
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "Replayed(card={}, replaced=<{} cards>, later_events={}, refused=<{} events>)",
            PyCard::from(self.replayed.card.clone()).__repr__(),
            self.replayed.replaced.len(),
            self.replayed.later_events,
            self.replayed.refused.len()
        )
    }
}
