//! The core's named enums as Python `enum.StrEnum` classes, made at module import
//! from the core's own `ALL` and `name()`: each member equals its scenario name
//! (`Hold.ARREARS == "arrears"`), member names are the upper-cased values.

use iotcard::{
    Action, CallCause, ChangeKind, Condition, Error, Hold, Period, Remedy, Rule, Service, Status,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyFrozenSet, PyList, PyString, PyType};

use crate::MODULE;
use crate::convert::in_field;
use crate::errors::to_py_err;

/// A Python enum class and its members, in the core's declaration order.
pub(crate) struct EnumClass {
    pub(crate) cls: Py<PyType>,
    members: Vec<Py<PyAny>>,
}

/// A core enum that has a Python `StrEnum` twin.
pub(crate) trait PyEnum: Copy + Sized + 'static {
    /// The Python class name.
    const NAME: &'static str;
    /// The class docstring.
    const DOC: &'static str;
    /// Every value, in declaration order.
    fn all() -> &'static [Self];
    /// The scenario name.
    fn name(self) -> &'static str;
    /// Looks a value up by name.
    fn from_name(s: &str) -> Result<Self, Error>;
    /// Position in [`PyEnum::all`].
    fn index(self) -> usize;
    /// Where the class is kept.
    fn cell() -> &'static PyOnceLock<EnumClass>;

    /// The Python class (made on first use).
    fn class(py: Python<'_>) -> PyResult<&EnumClass> {
        Self::cell().get_or_try_init(py, || make::<Self>(py))
    }

    /// The Python member for this value.
    fn to_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Self::class(py)?.members[self.index()].bind(py).clone())
    }

    /// A member or its name (any `str`) as a core value; an unknown name is invalid
    /// input naming `field`.
    fn extract(field: &str, obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let s = crate::convert::string(field, obj)?;
        Self::from_name(&s).map_err(|e| to_py_err(in_field(e, field)))
    }
}

/// Python member name for a value: `over_quota` → `OVER_QUOTA`, `R1.1` → `R1_1`.
fn member_name(value: &str) -> String {
    value.to_ascii_uppercase().replace('.', "_")
}

fn make<E: PyEnum>(py: Python<'_>) -> PyResult<EnumClass> {
    let names = PyList::empty(py);
    for v in E::all() {
        names.append((member_name(v.name()), v.name()))?;
    }
    let kwargs = PyDict::new(py);
    kwargs.set_item("module", MODULE)?;
    kwargs.set_item("qualname", E::NAME)?;
    let cls = py
        .import("enum")?
        .getattr("StrEnum")?
        .call((E::NAME, names), Some(&kwargs))?;
    cls.setattr("__doc__", E::DOC)?;
    let members = E::all()
        .iter()
        .map(|v| {
            cls.getattr(PyString::new(py, &member_name(v.name())))
                .map(Bound::unbind)
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(EnumClass {
        cls: cls.cast_into::<PyType>()?.unbind(),
        members,
    })
}

/// A frozenset of members.
pub(crate) fn frozenset<E: PyEnum>(
    py: Python<'_>,
    values: impl IntoIterator<Item = E>,
) -> PyResult<Bound<'_, PyFrozenSet>> {
    let members = values
        .into_iter()
        .map(|v| v.to_py(py))
        .collect::<PyResult<Vec<_>>>()?;
    PyFrozenSet::new(py, members)
}

macro_rules! py_enum {
    ($t:ty, $name:literal, $doc:literal) => {
        impl PyEnum for $t {
            const NAME: &'static str = $name;
            const DOC: &'static str = $doc;
            fn all() -> &'static [Self] {
                <$t>::ALL
            }
            fn name(self) -> &'static str {
                <$t>::name(self)
            }
            fn from_name(s: &str) -> Result<Self, Error> {
                <$t>::from_name(s)
            }
            fn index(self) -> usize {
                self as usize
            }
            fn cell() -> &'static PyOnceLock<EnumClass> {
                static CELL: PyOnceLock<EnumClass> = PyOnceLock::new();
                &CELL
            }
        }
    };
}

py_enum!(
    Hold,
    "Hold",
    "One reason why services are barred (a card carries a set of holds)."
);
py_enum!(Service, "Service", "A service a hold can bar.");
py_enum!(
    Status,
    "Status",
    "A card's status, derived from activation, terminal state and holds."
);
py_enum!(
    ChangeKind,
    "ChangeKind",
    "A kind of scheduled change, in the order they happen when due at the same instant."
);
py_enum!(Remedy, "Remedy", "What lifts a hold (R11).");
py_enum!(
    Action,
    "Action",
    "An action a billing front-end may offer (the `can` map)."
);
py_enum!(Period, "Period", "The window a data quota covers (R2.1).");
py_enum!(
    CallCause,
    "CallCause",
    "One cause in the R9.1 call-restriction diagnosis, most actionable first."
);
py_enum!(
    Condition,
    "Condition",
    "An unmet condition of R1.1 (manual suspension)."
);
py_enum!(
    Rule,
    "Rule",
    "A rule id of docs/rules.md (member R1_1 is \"R1.1\")."
);

/// Adds every enum class to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    fn add<E: PyEnum>(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add(E::NAME, E::class(m.py())?.cls.bind(m.py()))
    }
    add::<Hold>(m)?;
    add::<Service>(m)?;
    add::<Status>(m)?;
    add::<ChangeKind>(m)?;
    add::<Remedy>(m)?;
    add::<Action>(m)?;
    add::<Period>(m)?;
    add::<CallCause>(m)?;
    add::<Condition>(m)?;
    add::<Rule>(m)
}
