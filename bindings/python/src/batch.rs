//! `assess_many`: assess a sequence of cards at one instant in one call, with the
//! GIL released while the core runs, into compact columns (one value per card)
//! that numpy or pyarrow take without copying (buffer protocol), plus per-card
//! `Assessment`s on demand.

use std::ffi::{CStr, c_int, c_void};
use std::ptr;

use iotcard::{Assessment, Assessor, Error, ErrorKind, FlatAssessment, Instant, Policy};
use pyo3::exceptions::{PyBufferError, PyIndexError, PyKeyError};
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyMemoryView};

use crate::assessment::PyAssessment;
use crate::card::PyCard;
use crate::convert::{datetime, instant, utc};
use crate::errors::to_py_err;
use crate::policy::PyPolicy;

/// `numpy.datetime64` NaT: the "no instant" value of the instant columns.
const NAT: i64 = i64::MIN;

/// One column's values.
enum Data {
    Bool(Vec<bool>),
    I8(Vec<i8>),
    U8(Vec<u8>),
    U16(Vec<u16>),
    U32(Vec<u32>),
    I64(Vec<i64>),
    U64(Vec<u64>),
}

impl Data {
    fn parts(&self) -> (*const c_void, usize, usize, &'static CStr) {
        fn p<T>(v: &[T], f: &'static CStr) -> (*const c_void, usize, usize, &'static CStr) {
            (v.as_ptr().cast(), v.len(), size_of::<T>(), f)
        }
        match self {
            Data::Bool(v) => p(v, c"?"),
            Data::I8(v) => p(v, c"b"),
            Data::U8(v) => p(v, c"B"),
            Data::U16(v) => p(v, c"H"),
            Data::U32(v) => p(v, c"I"),
            Data::I64(v) => p(v, c"q"),
            Data::U64(v) => p(v, c"Q"),
        }
    }
}

/// A read-only, contiguous one-dimensional buffer owned by Rust; `memoryview`,
/// `numpy.asarray` and `pyarrow.py_buffer` read it in place.
#[pyclass(frozen, module = "iotcard._iotcard", name = "_Column")]
struct Column {
    data: Data,
    /// Number of items, pointed to by `Py_buffer.shape`.
    shape: isize,
}

impl Column {
    fn new(data: Data) -> Self {
        let shape = data.parts().1 as isize;
        Column { data, shape }
    }
}

#[pymethods]
impl Column {
    /// # Safety
    /// Called by CPython with a valid `view` (or null, refused).
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        if view.is_null() {
            return Err(PyBufferError::new_err("view is null"));
        }
        if flags & ffi::PyBUF_WRITABLE == ffi::PyBUF_WRITABLE {
            return Err(PyBufferError::new_err("iotcard columns are read-only"));
        }
        let col = slf.get();
        let (buf, len, itemsize, format) = col.data.parts();
        let shape = ptr::from_ref(&col.shape).cast_mut();
        // SAFETY: `view` is valid (checked non-null; CPython hands a writable
        // Py_buffer). The data and `shape` live inside `slf`, which the view keeps
        // alive through `obj` and which is frozen (never mutated), so the pointers
        // stay valid until the view is released. `format` is a static C string.
        unsafe {
            (*view).obj = slf.into_any().into_ptr();
            (*view).buf = buf.cast_mut();
            (*view).len = (len * itemsize) as isize;
            (*view).readonly = 1;
            (*view).itemsize = itemsize as isize;
            (*view).format = if flags & ffi::PyBUF_FORMAT == ffi::PyBUF_FORMAT {
                format.as_ptr().cast_mut()
            } else {
                ptr::null_mut()
            };
            (*view).ndim = 1;
            (*view).shape = if flags & ffi::PyBUF_ND == ffi::PyBUF_ND {
                shape
            } else {
                ptr::null_mut()
            };
            (*view).strides = if flags & ffi::PyBUF_STRIDES == ffi::PyBUF_STRIDES {
                &raw mut (*view).itemsize
            } else {
                ptr::null_mut()
            };
            (*view).suboffsets = ptr::null_mut();
            (*view).internal = ptr::null_mut();
        }
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.data.parts().1
    }
}

/// The columns, each named once: its element type, its buffer kind, its value
/// for the core's flat assessment `f` of a card, and its value for a card that
/// failed with the position `code` of its error kind in `ErrorKind::ALL`.
macro_rules! columns {
    (|$f:ident, $code:ident| { $($name:ident: $ty:ty, $kind:ident, $ok:expr, $failed:expr;)* }) => {
        /// Columns, one value per card, built while detached.
        struct Columns {
            $($name: Vec<$ty>,)*
        }

        /// Column names, in the order of `Assessments.columns()`.
        const COLUMN_NAMES: &[&str] = &[$(stringify!($name)),*];

        impl Columns {
            fn with_capacity(n: usize) -> Self {
                Columns { $($name: Vec::with_capacity(n)),* }
            }

            fn push(&mut self, r: &Result<Assessment, Error>) {
                match FlatAssessment::of_result(r) {
                    Ok($f) => {
                        $(self.$name.push($ok);)*
                    }
                    Err(kind) => {
                        // Exact: checked below that every index fits an i8.
                        let $code = kind.index() as i8;
                        $(self.$name.push($failed);)*
                    }
                }
            }

            fn into_py(self, py: Python<'_>) -> PyResult<Vec<Py<Column>>> {
                [$(Data::$kind(self.$name)),*]
                    .into_iter()
                    .map(|d| Py::new(py, Column::new(d)))
                    .collect()
            }
        }
    };
}
columns!(|f, code| {
    error: i8, I8, -1, code;
    status: u8, U8, f.status, 0;
    holds: u16, U16, f.holds, 0;
    barred: u8, U8, f.barred, 0;
    balance: i64, I64, f.balance, 0;
    usage_bytes: u64, U64, f.usage_bytes, 0;
    overage_bytes: u64, U64, f.overage_bytes, 0;
    overage_charge: i64, I64, f.overage_charge, 0;
    keep_number_fees: i64, I64, f.keep_number_fees, 0;
    retention_ends: i64, I64, f.retention_ends_ms.unwrap_or(NAT), NAT;
    next_at: i64, I64, f.next.map_or(NAT, |n| n.at_ms), NAT;
    next_change: i8, I8, f.next.map_or(-1, |n| n.change as i8), -1;
    can: u16, U16, f.can, 0;
    call_restriction: u8, U8, f.call_restriction, 0;
    refund_eligible: bool, Bool, f.refund_eligible, false;
    refund_unused_months: u32, U32, f.refund_unused_months, 0;
    refund_estimate: i64, I64, f.refund_estimate, 0;
    needs_action: bool, Bool, f.needs_action, false;
});

// The `error` column is an int8 of `ErrorKind::index`, and `next_change` an
// int8 of a change's position.
const _: () = assert!(ErrorKind::ALL.len() <= i8::MAX as usize);
const _: () = assert!(iotcard::ChangeKind::ALL.len() <= i8::MAX as usize);

/// Cards given to the batch: references to the (frozen) Python cards, read
/// while detached without copying.
fn collect_cards(cards: &Bound<'_, PyAny>) -> PyResult<Vec<Py<PyCard>>> {
    let mut out = Vec::with_capacity(cards.len().unwrap_or(0));
    for item in cards.try_iter()? {
        out.push(item?.cast_into::<PyCard>()?.unbind());
    }
    Ok(out)
}

/// Assesses every card of `cards` (any iterable of `Card`) under `policy` at `at`.
/// The GIL is released while the core runs. A card that cannot be assessed (its
/// clock is after `at`) does not stop the batch: its `error` column holds the
/// position of its code in `ERROR_CODES`, and `result[i]` raises its error.
#[pyfunction]
#[pyo3(signature = (cards, /, policy, at))]
pub(crate) fn assess_many(
    py: Python<'_>,
    cards: &Bound<'_, PyAny>,
    policy: &Bound<'_, PyPolicy>,
    at: &Bound<'_, PyAny>,
) -> PyResult<Assessments> {
    let at = instant("at", at)?;
    let cards = collect_cards(cards)?;
    let policy = policy.clone().unbind();
    let columns = py.detach(|| {
        // The core's batch path: the policy and the instant are prepared once.
        let assessor = Assessor::new(&policy.get().inner, at)?;
        let mut cols = Columns::with_capacity(cards.len());
        for c in &cards {
            cols.push(&assessor.assess(&c.get().inner));
        }
        Ok::<_, Error>(cols)
    });
    let columns = columns.map_err(to_py_err)?;
    Ok(Assessments {
        columns: columns.into_py(py)?,
        cards,
        policy,
        at,
    })
}

/// The result of `assess_many`: columns of one value per card (read-only
/// `memoryview`s; `numpy.asarray(result.status)` does not copy), and
/// `result[i]`, the full `Assessment` of card `i`, made on demand.
///
/// Codes: `status` and `next_change` are positions in `Status` / `ChangeKind`
/// (`next_change` -1: nothing scheduled); `holds`, `barred`, `can` and
/// `call_restriction` are bit sets (`1 << position` in `Hold`, `Service`,
/// `Action`, `CallCause`); `retention_ends` and `next_at` are Unix milliseconds,
/// `-2**63` (numpy's NaT) when absent; `error` is -1, or the position of the
/// card's error code in `ERROR_CODES`.
#[pyclass(frozen, module = "iotcard._iotcard", name = "Assessments")]
pub(crate) struct Assessments {
    columns: Vec<Py<Column>>,
    cards: Vec<Py<PyCard>>,
    policy: Py<PyPolicy>,
    at: Instant,
}

impl Assessments {
    fn column<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyMemoryView>> {
        let i = COLUMN_NAMES
            .iter()
            .position(|n| *n == name)
            .ok_or_else(|| PyKeyError::new_err(format!("no column {name:?}")))?;
        PyMemoryView::from(self.columns[i].bind(py).as_any())
    }

    fn assess_one(&self, i: usize) -> Result<Assessment, Error> {
        self.cards[i]
            .get()
            .inner
            .assess(&self.policy.get().inner, self.at)
    }
}

/// The `#[pymethods]` of `Assessments`: one getter per column, then `$rest`.
macro_rules! assessments_methods {
    ($($(#[$doc:meta])* $name:ident),* $(,)? ; $($rest:tt)*) => {
        #[pymethods]
        impl Assessments {
            $(
                $(#[$doc])*
                #[getter]
                fn $name<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyMemoryView>> {
                    self.column(py, stringify!($name))
                }
            )*
            $($rest)*
        }
    };
}

assessments_methods!(
    /// int8: -1, or the position of the card's error code in `ERROR_CODES`.
    error,
    /// uint8: position in `Status`.
    status,
    /// uint16: bit set of `Hold`.
    holds,
    /// uint8: bit set of `Service`.
    barred,
    /// int64: balance, minor units.
    balance,
    /// uint64: traffic in the current quota period.
    usage_bytes,
    /// uint64: R2.5 overage bytes.
    overage_bytes,
    /// int64: R2.5 overage charge.
    overage_charge,
    /// int64: R4.4 fees of the latest retention.
    keep_number_fees,
    /// int64: end of retention, Unix ms (NaT when none).
    retention_ends,
    /// int64: next scheduled change, Unix ms (NaT when none).
    next_at,
    /// int8: position in `ChangeKind`, -1 when none.
    next_change,
    /// uint16: bit set of `Action`.
    can,
    /// uint8: bit set of `CallCause` (the diagnosis order is the enum's order).
    call_restriction,
    /// bool: R10.2 may request a refund.
    refund_eligible,
    /// uint32: R10.2 whole months unused.
    refund_unused_months,
    /// int64: R10.2 refund estimate.
    refund_estimate,
    /// bool: the card needs attention (`Assessment.needs_action`).
    needs_action;
    /// The instant assessed (UTC).
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(datetime(py, self.at, utc())?.into_any())
    }

    /// The policy used.
    #[getter]
    fn policy(&self, py: Python<'_>) -> Py<PyPolicy> {
        self.policy.clone_ref(py)
    }

    /// Every column by name (`pandas.DataFrame(result.columns())` works).
    fn columns<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for name in COLUMN_NAMES {
            d.set_item(*name, self.column(py, name)?)?;
        }
        Ok(d)
    }

    /// The card at position `index`.
    #[pyo3(signature = (index, /))]
    fn card(&self, py: Python<'_>, index: isize) -> PyResult<Py<PyCard>> {
        let i = self.position(index)?;
        Ok(self.cards[i].clone_ref(py))
    }

    fn __len__(&self) -> usize {
        self.cards.len()
    }

    /// The full assessment of card `index` (raises the card's error, if any).
    fn __getitem__(&self, index: isize) -> PyResult<PyAssessment> {
        let i = self.position(index)?;
        self.assess_one(i).map(PyAssessment::from).map_err(to_py_err)
    }

    fn __iter__(slf: Bound<'_, Self>) -> AssessmentsIter {
        AssessmentsIter {
            batch: slf.unbind(),
            next: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    fn __repr__(&self) -> String {
        let failed = match &self.columns[0].get().data {
            Data::I8(e) => e.iter().filter(|c| **c >= 0).count(),
            _ => 0,
        };
        format!(
            "<Assessments of {} cards at {}, {} failed>",
            self.cards.len(),
            self.at,
            failed
        )
    }
);

impl Assessments {
    fn position(&self, index: isize) -> PyResult<usize> {
        let n = self.cards.len() as isize;
        let i = if index < 0 { index + n } else { index };
        if (0..n).contains(&i) {
            Ok(i as usize)
        } else {
            Err(PyIndexError::new_err("Assessments index out of range"))
        }
    }
}

/// Iterator over an `Assessments`, making each `Assessment` as it goes.
#[pyclass(frozen, module = "iotcard._iotcard", name = "_AssessmentsIter")]
struct AssessmentsIter {
    batch: Py<Assessments>,
    next: std::sync::atomic::AtomicUsize,
}

#[pymethods]
impl AssessmentsIter {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__(&self) -> PyResult<Option<PyAssessment>> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let batch = self.batch.get();
        if i >= batch.cards.len() {
            return Ok(None);
        }
        batch
            .assess_one(i)
            .map(|a| Some(PyAssessment::from(a)))
            .map_err(to_py_err)
    }
}

/// Benchmark helper (not API): nanoseconds per card of the core's own
/// `Card::assess` (or, with `batch`, `Assessor::assess`) over `cards`, `repeat`
/// times, GIL released, no Python objects made.
#[pyfunction]
#[pyo3(signature = (cards, /, policy, at, *, repeat = 1, batch = false))]
pub(crate) fn _native_assess_ns(
    py: Python<'_>,
    cards: &Bound<'_, PyAny>,
    policy: &Bound<'_, PyPolicy>,
    at: &Bound<'_, PyAny>,
    repeat: usize,
    batch: bool,
) -> PyResult<f64> {
    let at = instant("at", at)?;
    let owned: Vec<iotcard::Card> = collect_cards(cards)?
        .iter()
        .map(|c| c.get().inner.clone())
        .collect();
    let p: Policy = policy.get().inner.clone();
    let n = owned.len().max(1) * repeat.max(1);
    let elapsed = py.detach(|| {
        let start = std::time::Instant::now();
        for _ in 0..repeat.max(1) {
            if batch {
                if let Ok(assessor) = Assessor::new(std::hint::black_box(&p), at) {
                    for c in &owned {
                        let _ = std::hint::black_box(assessor.assess(c));
                    }
                }
            } else {
                for c in &owned {
                    let _ = std::hint::black_box(c.assess(std::hint::black_box(&p), at));
                }
            }
        }
        start.elapsed()
    });
    #[allow(clippy::cast_precision_loss)] // a timing ratio
    Ok(elapsed.as_nanos() as f64 / n as f64)
}
