//! What every value class shares: attributes that are plain data (a struct whose
//! fields are the attributes, `to_dict()` its serialization, so its keys are the
//! attribute names), hashing, and the JSON of the classes that sit inside dicts.

use std::hash::{DefaultHasher, Hash, Hasher};

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::{Serialize, Serializer};

use crate::convert::{Dt, loads, repr_items};
use crate::enums::{BitSet, Bits, En, PyEnum};

/// A class of plain data: `#[pyclass(get_all)]` on a struct whose fields are its
/// attributes; `to_dict()` is their serialization, `repr()` made from it.
pub(crate) trait Data: Serialize {
    /// The Python class name.
    const NAME: &'static str;

    /// `{attribute: JSON-shaped value}` (instants RFC 3339, members their names).
    fn dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        loads(py, &serde_json::to_string(self).unwrap_or_default())
    }

    /// `Name(attribute=value, ...)`, the items of [`Data::dict`].
    fn repr(&self, py: Python<'_>) -> PyResult<String> {
        repr_items(Self::NAME, self.dict(py)?.cast_into::<PyDict>()?.iter())
    }
}

/// Declares a plain-data class: the struct (with the derives `get_all`, `eq` and
/// `hash` need, and `Serialize`) and its [`Data`] impl.
macro_rules! data_class {
    ($(#[$m:meta])* struct $ty:ident as $name:literal {
        $($(#[$fm:meta])* $field:ident: $fty:ty,)*
    }) => {
        $(#[$m])*
        #[pyo3::pyclass(frozen, get_all, eq, hash, module = "iotcard._iotcard", name = $name)]
        #[derive(Clone, PartialEq, Eq, Hash, ::serde::Serialize)]
        pub(crate) struct $ty {
            $($(#[$fm])* pub(crate) $field: $fty,)*
        }

        impl $crate::value::Data for $ty {
            const NAME: &'static str = $name;
        }
    };
}
pub(crate) use data_class;

impl Serialize for Dt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iotcard::format_instant(self.0, self.1))
    }
}

impl<T: PyEnum> Serialize for En<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.name())
    }
}

impl<B: BitSet> Serialize for Bits<B> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.members().map(PyEnum::name))
    }
}

/// A customer-facing sentence: `{"en": ..., "zh-CN": ...}`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Text(pub(crate) iotcard::Sentence);

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self.0.en, self.0.zh_cn).hash(state);
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map([("en", self.0.en), ("zh-CN", self.0.zh_cn)])
    }
}

impl<'py> IntoPyObject<'py> for Text {
    type Target = PyDict;
    type Output = Bound<'py, PyDict>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        let d = PyDict::new(py);
        d.set_item("en", self.0.en)?;
        d.set_item("zh-CN", self.0.zh_cn)?;
        Ok(d)
    }
}

/// A hash of a value's JSON (for classes whose equality is the core value's: equal
/// values write the same JSON).
pub(crate) fn json_hash(json: &str) -> u64 {
    let mut h = DefaultHasher::new();
    json.hash(&mut h);
    h.finish()
}

/// The JSON of the binding's own value classes, when `obj` is one (so they can
/// sit inside dicts given to `from_dict`).
pub(crate) fn json_of_value_class(obj: &Bound<'_, PyAny>) -> Option<serde_json::Value> {
    let text = if let Ok(p) = obj.cast::<crate::card::PyPlan>() {
        p.get().json()
    } else if let Ok(e) = obj.cast::<crate::event::PyEvent>() {
        e.get().inner.to_json()
    } else if let Ok(p) = obj.cast::<crate::policy::PyPolicy>() {
        p.get().inner.to_json()
    } else {
        return None;
    };
    serde_json::from_str(&text).ok()
}
