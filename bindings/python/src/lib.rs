//! Python binding for iotcard: the private native module `iotcard._iotcard`
//! behind the `iotcard` package.
//!
//! A thin skin (jiter's Python crate is the model): every class wraps a core type
//! and converts — Python values in, core values out — with no rule of its own.
//! Status, holds, fees, remedies and schedules all come from the core.
//!
//! - `convert`: instants (aware `datetime` only), JSON text, and JSON-shaped
//!   values made into JSON for the core's parsers (every door is the core's);
//! - `errors`: `IotCardError` and one subclass per core error code;
//! - `enums`: the core's named enums as `enum.StrEnum` classes, `from_bits`;
//! - `value`: what the value classes share (plain-data classes, hashing);
//! - `policy`, `card`, `event`, `assessment`: the value classes;
//! - `fleet`: `FleetEntry`, the core's replay of a fleet line;
//! - `operator`: `PolicyBook`, `decode_report`, `reconcile` (docs/operators.md);
//! - `batch`: `assess_many`, detached from the interpreter, into buffer columns.

mod assessment;
mod batch;
mod card;
mod convert;
mod enums;
mod errors;
mod event;
mod fleet;
mod operator;
mod policy;
mod value;

/// The module every class reports as its `__module__` (so pickling finds them).
pub(crate) const MODULE: &str = "iotcard._iotcard";

/// IoT SIM card lifecycle rules (holds, derived status, remedies, fees and
/// scheduled changes) as pure functions. Import it as `iotcard`.
#[pyo3::pymodule(name = "_iotcard")]
mod _iotcard {
    use pyo3::prelude::*;
    use pyo3::types::PyTuple;

    #[pymodule_export]
    use crate::assessment::{PyAssessment, PyChange, PyHoldDetail, PyRefund, PyScheduled};
    #[pymodule_export]
    use crate::batch::{Assessments, assess_many};
    #[pymodule_export]
    use crate::card::{PyAdvanced, PyApplied, PyCard, PyPlan};
    #[pymodule_export]
    use crate::event::PyEvent;
    #[pymodule_export]
    use crate::fleet::{PyFleetEntry, PyRefused, PyReplayed};
    #[pymodule_export]
    use crate::operator::{PyPolicyBook, decode_report, reconcile};
    #[pymodule_export]
    use crate::policy::PyPolicy;

    /// The version of the stored card-state JSON this library reads and writes.
    #[pymodule_export]
    const STATE_VERSION: u32 = iotcard::STATE_VERSION;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        // Not in `__all__`: the version, and the benchmark helper (not API).
        m.setattr("__version__", env!("CARGO_PKG_VERSION"))?;
        m.setattr(
            "_native_assess_ns",
            wrap_pyfunction!(crate::batch::_native_assess_ns, m)?,
        )?;
        let codes = iotcard::ErrorKind::ALL.iter().map(|k| k.code());
        m.add("ERROR_CODES", PyTuple::new(m.py(), codes)?)?;
        crate::enums::register(m)?;
        crate::errors::register(m)
    }
}
