//! The core's named enums as Python `enum.StrEnum` classes, made at module import
//! from the core's own `ALL` and `name()`: each member equals its scenario name
//! (`Hold.ARREARS == "arrears"`), member names are the upper-cased values. The
//! enums whose sets are batch columns (`Hold`, `Service`, `Action`, `CallCause`)
//! have `from_bits`, the decoder of those columns, from the core's bit sets.

use iotcard::{
    Action, Actions, CallCause, CallRestriction, ChangeKind, Condition, Error, Hold, Holds, Period,
    Remedy, Rule, Service, Services, Status, Unmet,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyCFunction, PyDict, PyFrozenSet, PyList, PyString, PyTuple, PyType};

use crate::MODULE;
use crate::convert::invalid;
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
    /// Adds class attributes (`from_bits`) to the new class.
    fn extend(_cls: &Bound<'_, PyAny>) -> PyResult<()> {
        Ok(())
    }

    /// The Python class (made on first use).
    fn class(py: Python<'_>) -> PyResult<&EnumClass> {
        Self::cell().get_or_try_init(py, || make::<Self>(py))
    }

    /// The Python member for this value.
    fn to_py(self, py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
        Ok(Self::class(py)?.members[self.index()].bind(py).clone())
    }

    /// A member or its name (any `str`) as a core value; anything else is the
    /// core's invalid input for the enum (`hold`).
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        let name = obj
            .cast::<PyString>()
            .ok()
            .and_then(|s| s.to_str().ok().map(str::to_owned))
            .unwrap_or_else(|| {
                obj.repr()
                    .map_or_else(|_| "?".to_owned(), |r| r.to_string())
            });
        Self::from_name(&name).map_err(to_py_err)
    }
}

/// An enum value as an attribute: its member.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) struct En<T>(pub(crate) T);

impl<'py, T: PyEnum> IntoPyObject<'py> for En<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        self.0.to_py(py)
    }
}

/// A core bit set whose members have a Python enum.
pub(crate) trait BitSet: Copy + Send + Sync + 'static {
    /// The members' enum.
    type Item: PyEnum;
    /// Whether the set's order means something (a tuple, not a frozenset).
    const ORDERED: bool;
    /// The members, in the core's order.
    fn members(self) -> impl Iterator<Item = Self::Item>;
    /// The set of `bits`, or None when a bit has no member.
    fn from_bits(bits: u64) -> Option<Self>;
}

macro_rules! bit_set {
    ($($set:ty: $item:ty, $repr:ty, $ordered:literal;)*) => {$(
        impl BitSet for $set {
            type Item = $item;
            const ORDERED: bool = $ordered;
            fn members(self) -> impl Iterator<Item = $item> {
                self.iter()
            }
            fn from_bits(bits: u64) -> Option<Self> {
                let bits = <$repr>::try_from(bits).ok()?;
                let set = <$set>::from_bits_truncate(bits);
                (set.bits() == bits).then_some(set)
            }
        }
    )*};
}
bit_set! {
    Holds: Hold, u16, false;
    Services: Service, u8, false;
    Actions: Action, u16, false;
    CallRestriction: CallCause, u8, true;
    Unmet: Condition, u8, false;
}

/// A set as an attribute: a frozenset of members (a tuple when ordered).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Bits<S>(pub(crate) S);

impl<'py, S: BitSet> IntoPyObject<'py> for Bits<S> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let members = self
            .0
            .members()
            .map(|m| m.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        if S::ORDERED {
            Ok(PyTuple::new(py, members)?.into_any())
        } else {
            Ok(PyFrozenSet::new(py, members)?.into_any())
        }
    }
}

/// `from_bits` on the class of `S::Item`: decodes a batch column's bit set.
fn add_from_bits<S: BitSet>(cls: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = cls.py();
    let f = PyCFunction::new_closure(
        py,
        Some(c"from_bits"),
        Some(
            c"from_bits($capsule, cls, bits, /)\n--\n\nThe members whose bit (1 << position in the \
              enum) is set in `bits`, as the batch columns of assess_many hold them.",
        ),
        |args: &Bound<'_, PyTuple>, _kwargs: Option<&Bound<'_, PyDict>>| -> PyResult<Py<PyAny>> {
            let bits = args.get_item(1)?;
            let field = format!("{}.from_bits", S::Item::NAME);
            // Any integer (numpy's too, through `__index__`), but not a bool.
            let value = (!bits.is_instance_of::<PyBool>())
                .then(|| bits.extract::<u64>().ok())
                .flatten();
            let set = value.and_then(S::from_bits).ok_or_else(|| {
                invalid(
                    &field,
                    bits.repr()
                        .map_or_else(|_| "?".to_owned(), |r| r.to_string()),
                    format!(
                        "expected an int of bits for the {} members of {}",
                        S::Item::all().len(),
                        S::Item::NAME
                    ),
                )
            })?;
            Ok(Bits(set).into_pyobject(args.py())?.unbind())
        },
    )?;
    let method = py.import("builtins")?.getattr("classmethod")?.call1((f,))?;
    cls.setattr("from_bits", method)
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
    E::extend(&cls)?;
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
    ($t:ty, $name:literal, $doc:literal $(, bits: $set:ty)?) => {
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
            $(fn extend(cls: &Bound<'_, PyAny>) -> PyResult<()> {
                add_from_bits::<$set>(cls)
            })?
        }
    };
}

py_enum!(
    Hold,
    "Hold",
    "One reason why services are barred (a card carries a set of holds).",
    bits: Holds
);
py_enum!(
    Service,
    "Service",
    "A service a hold can bar.",
    bits: Services
);
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
    "An action a billing front-end may offer (the `can` map).",
    bits: Actions
);
py_enum!(Period, "Period", "The window a data quota covers (R2.1).");
py_enum!(
    CallCause,
    "CallCause",
    "One cause in the R9.1 call-restriction diagnosis, most actionable first.",
    bits: CallRestriction
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
