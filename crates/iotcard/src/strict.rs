//! A deserializer adapter that reads every object of the contract as an object only.
//!
//! serde's derived `Deserialize` for a struct also accepts a JSON array and fills
//! the fields by position (`["+08:00", 3, 99999]` as a policy). [`Strict`] wraps a
//! deserializer and every deserializer it hands out (map values, array elements,
//! `Some`, newtype and enum contents), and refuses an array wherever a struct or a
//! map is asked for, with [`NOT_AN_OBJECT`]. An object read as a map or as a
//! `serde_json::Value` (in a scenario: a step's `event` and `expect`) refuses a
//! key given twice, as derived structs already do, where serde_json would keep
//! the last value.
//! Everything else is forwarded as is, so valid input is read exactly as before,
//! at the same speed (the wrappers are generic and inline away; structs, the
//! whole of a fleet line, take no extra step).

use std::collections::HashSet;
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer as _, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

/// The message of the error for an array where an object is expected;
/// [`crate::Error::from_json`] recognises it.
pub(crate) const NOT_AN_OBJECT: &str = "must be a JSON object ({...}), not an array";

/// A deserializer whose structs and maps must be JSON objects, at every depth.
pub(crate) struct Strict<D>(pub(crate) D);

/// A seed that deserializes through [`Strict`].
struct Seed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<S> {
    type Value = S::Value;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(Strict(d))
    }
}

/// What the caller of a [`Visit`] asked for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Any value; an object in it (a `serde_json::Value`) each key once.
    Any,
    /// A struct: an object only.
    Struct,
    /// A map: an object only, each key once.
    Map,
}

/// A visitor that hands [`Strict`] deserializers on and refuses an array when
/// the caller asked for a struct or a map.
struct Visit<V> {
    inner: V,
    want: Want,
}

impl<V> Visit<V> {
    #[inline]
    fn any(inner: V) -> Self {
        Visit {
            inner,
            want: Want::Any,
        }
    }

    #[inline]
    fn object(inner: V) -> Self {
        Visit {
            inner,
            want: Want::Struct,
        }
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            #[inline]
            fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
                self.inner.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Visit<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit! {
        visit_bool(bool),
        visit_i8(i8), visit_i16(i16), visit_i32(i32), visit_i64(i64), visit_i128(i128),
        visit_u8(u8), visit_u16(u16), visit_u32(u32), visit_u64(u64), visit_u128(u128),
        visit_f32(f32), visit_f64(f64),
        visit_char(char),
        visit_str(&str), visit_borrowed_str(&'de str), visit_string(String),
        visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]), visit_byte_buf(Vec<u8>),
    }

    #[inline]
    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    #[inline]
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    #[inline]
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Strict(d))
    }

    #[inline]
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Strict(d))
    }

    #[inline]
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        if self.want != Want::Any {
            return Err(de::Error::custom(NOT_AN_OBJECT));
        }
        self.inner.visit_seq(Strict(seq))
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        // A derived struct refuses a repeated field itself; any other object (a
        // map, a `serde_json::Value`) is checked here.
        if self.want != Want::Struct {
            return self.inner.visit_map(UniqueKeys {
                map: Strict(map),
                seen: HashSet::new(),
            });
        }
        self.inner.visit_map(Strict(map))
    }

    #[inline]
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Strict(data))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Strict<A> {
    type Error = A::Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Strict<A> {
    type Error = A::Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Seed(seed))
    }

    #[inline]
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.0.next_value_seed(Seed(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A map whose keys are read as strings (JSON's keys are) and must differ.
struct UniqueKeys<A> {
    map: Strict<A>,
    seen: HashSet<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for UniqueKeys<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key::<String>()? else {
            return Ok(None);
        };
        if !self.seen.insert(key.clone()) {
            // The words of serde's derived structs, which `Error::from_json` reads.
            return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
        }
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    #[inline]
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Strict<A> {
    type Error = A::Error;
    type Variant = Strict<A::Variant>;

    #[inline]
    fn variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<(T::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Seed(seed))?;
        Ok((value, Strict(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Strict<A> {
    type Error = A::Error;

    #[inline]
    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    #[inline]
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        self.0.newtype_variant_seed(Seed(seed))
    }

    #[inline]
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Visit::any(v))
    }

    #[inline]
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, Visit::object(v))
    }
}

macro_rules! forward_deserialize {
    ($($method:ident),* $(,)?) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
                self.0.$method(Visit::any(v))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any, deserialize_bool,
        deserialize_i8, deserialize_i16, deserialize_i32, deserialize_i64, deserialize_i128,
        deserialize_u8, deserialize_u16, deserialize_u32, deserialize_u64, deserialize_u128,
        deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_option, deserialize_unit, deserialize_seq,
        deserialize_identifier, deserialize_ignored_any,
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        // serde_json's `deserialize_map` refuses an array with its own words
        // ("expected a map"); read any value and refuse an array here instead.
        self.0.deserialize_any(Visit {
            inner: v,
            want: Want::Map,
        })
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_struct(name, fields, Visit::object(v))
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Visit::any(v))
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Visit::any(v))
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Visit::any(v))
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Visit::any(v))
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Visit::any(v))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum E {
        Unit,
        S { x: Inner },
        T(u8, u8),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        inner: Inner,
        maybe: Option<Inner>,
        list: Vec<Inner>,
        map: BTreeMap<String, Inner>,
        e: Vec<E>,
        pair: (u8, u8),
    }

    fn strict<'de, T: Deserialize<'de>>(json: &'de str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(json);
        T::deserialize(Strict(&mut de)).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"{"inner": {"a": 1}, "maybe": {"a": 2}, "list": [{"a": 3}],
        "map": {"k": {"a": 4}}, "e": ["Unit", {"S": {"x": {"a": 5}}}, {"T": [6, 7]}],
        "pair": [8, 9]}"#;

    #[test]
    fn objects_and_real_arrays_read_as_without_the_adapter() {
        let plain: Outer = serde_json::from_str(GOOD).expect("plain");
        assert_eq!(strict::<Outer>(GOOD).expect("strict"), plain);
    }

    #[test]
    fn an_array_in_place_of_an_object_is_refused_at_every_depth() {
        for (from, to) in [
            (r#"{"a": 1}, "maybe""#, r#"[1], "maybe""#),
            (r#""maybe": {"a": 2}"#, r#""maybe": [2]"#),
            (r#""list": [{"a": 3}]"#, r#""list": [[3]]"#),
            (r#""k": {"a": 4}"#, r#""k": [4]"#),
            (r#""map": {"k": {"a": 4}}"#, r#""map": [["k", {"a": 4}]]"#),
            (r#"{"x": {"a": 5}}"#, r#"{"x": [5]}"#),
            (r#"{"S": {"x": {"a": 5}}}"#, r#"{"S": [{"a": 5}]}"#),
        ] {
            let json = GOOD.replacen(from, to, 1);
            assert_ne!(json, GOOD, "{from}");
            assert!(
                serde_json::from_str::<Outer>(&json).is_ok() || from.starts_with(r#""map""#),
                "plain serde_json accepts it: {json}"
            );
            let e = strict::<Outer>(&json).expect_err(&json);
            assert!(e.contains(NOT_AN_OBJECT), "{e}");
        }
        let e = strict::<Outer>("[]").expect_err("top level");
        assert!(e.contains(NOT_AN_OBJECT), "{e}");
    }

    #[test]
    fn a_map_refuses_a_key_given_twice() {
        let twice = r#"{"k": {"a": 4}, "j": {"a": 5}, "k": {"a": 6}}"#;
        let plain: BTreeMap<String, Inner> = serde_json::from_str(twice).expect("plain");
        assert_eq!(plain["k"], Inner { a: 6 }, "serde_json keeps the last");
        let e = strict::<BTreeMap<String, Inner>>(twice).expect_err("twice");
        assert!(e.starts_with("duplicate field `k`"), "{e}");
        let e = strict::<serde_json::Value>(&format!(r#"{{"x": [{twice}]}}"#)).expect_err("Value");
        assert!(e.starts_with("duplicate field `k`"), "{e}");
        let once: BTreeMap<String, Inner> =
            strict(r#"{"k": {"a": 4}, "j": {"a": 5}}"#).expect("once");
        assert_eq!(once.len(), 2);
    }
}
