//! serde's `Deserialize` side: [`Value`] into typed Rust values
//! ([`from_value`]) and the model's own `Deserialize` impls.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use crate::codec::error::DeError;
use crate::codec::py::datetime::DateTime;
use crate::codec::py::str::PyString;
use crate::codec::value::{Dict, Markup, Uuid, Value};

use super::ser::{DATETIME, MARKUP, TAG_PREFIX, UUID, VALUE, key_string, untag_carrier};

/// Converts a value into a typed Rust value.
///
/// # Errors
///
/// [`DeError`] when the value does not fit the type.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{SecretKey, SessionCodec, from_value};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k").unwrap());
/// let v = codec.parse_json(r#"{"cart":[{" t":[7,2]}]}"#).unwrap();
/// #[derive(serde::Deserialize)]
/// struct S { cart: Vec<(u64, u32)> }
/// let s: S = from_value(v).unwrap();
/// assert_eq!(s.cart, [(7, 2)]);
/// ```
pub fn from_value<T: de::DeserializeOwned>(value: Value) -> Result<T, DeError> {
    T::deserialize(ValueDeserializer::nested(value, MAX_DESERIALIZE_DEPTH))
}

/// How many levels of lists, dicts and enum variants [`from_value`] enters
/// before it gives up with an error (serde_json's limit too): deserializing
/// recurses, and a debug build needs about 4 KiB of stack per level, so a
/// value nested hundreds deep (which the tree reader accepts, as Flask
/// does) would otherwise overflow a 2 MiB worker thread's stack.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{MAX_DESERIALIZE_DEPTH, Value, from_value};
///
/// let nest = |levels| (1..levels).fold(Value::List(vec![]), |v, _| Value::List(vec![v]));
/// assert!(from_value::<Value>(nest(MAX_DESERIALIZE_DEPTH)).is_ok());
/// assert!(from_value::<Value>(nest(MAX_DESERIALIZE_DEPTH + 1)).is_err());
/// ```
pub const MAX_DESERIALIZE_DEPTH: usize = 128;

// ---------------------------------------------------------------------------
// Deserialize impls for the model's types.

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a session value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, u: u64) -> Result<Value, E> {
        Ok(Value::from(u))
    }
    fn visit_i128<E>(self, i: i128) -> Result<Value, E> {
        Ok(Value::from(i))
    }
    fn visit_u128<E>(self, u: u128) -> Result<Value, E> {
        Ok(Value::from(u))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::from(s))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::from(s))
    }
    fn visit_bytes<E>(self, b: &[u8]) -> Result<Value, E> {
        Ok(Value::Bytes(b.to_vec()))
    }
    fn visit_byte_buf<E>(self, b: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Bytes(b))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(item) = seq.next_element::<Value>()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut dict = Dict::new();
        // Keys are read as values so that lone surrogates survive.
        while let Some(key) = map.next_key::<Value>()? {
            let key = match key {
                Value::Str(k) => k,
                other => key_string(other).map_err(de::Error::custom)?,
            };
            if let Some(tag) = key.as_str().and_then(|k| k.strip_prefix(TAG_PREFIX)) {
                let inner: Value = map.next_value()?;
                return untag_carrier(tag, inner)
                    .ok_or_else(|| de::Error::custom("malformed tagged value"));
            }
            let v: Value = map.next_value()?;
            dict.insert(key, v);
        }
        Ok(Value::Dict(dict))
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_newtype_struct(VALUE, ValueVisitor)
    }
}

impl<'de> Deserialize<'de> for Dict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dict, D::Error> {
        match Value::deserialize(d)? {
            Value::Dict(dict) => Ok(dict),
            other => Err(de::Error::custom(format_args!(
                "expected a dict, found {}",
                other.kind()
            ))),
        }
    }
}

impl<'de> Deserialize<'de> for PyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<PyString, D::Error> {
        match Value::deserialize(d)? {
            Value::Str(s) | Value::Markup(s) => Ok(s),
            other => Err(de::Error::custom(format_args!(
                "expected a str, found {}",
                other.kind()
            ))),
        }
    }
}

struct StrVisitor<T>(&'static str, fn(&str) -> Option<T>);

impl<T> Visitor<'_> for StrVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
        (self.1)(s).ok_or_else(|| E::invalid_value(de::Unexpected::Str(s), &self))
    }
}

impl<'de> Deserialize<'de> for Markup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Markup, D::Error> {
        String::deserialize(d).map(Markup)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
        d.deserialize_newtype_struct(UUID, StrVisitor("a UUID", Uuid::parse_python))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DateTime, D::Error> {
        d.deserialize_newtype_struct(
            DATETIME,
            StrVisitor("a datetime (ISO 8601 or RFC 2822)", |s| {
                DateTime::parse_iso(s).or_else(|| DateTime::parse_rfc2822(s))
            }),
        )
    }
}

// ---------------------------------------------------------------------------
// The deserializer from Value.

/// The `Deserializer` methods that only forward, shared by the tree and the
/// direct (`json::read_fields`) deserializers: tuples read as sequences, unit
/// structs as unit, byte buffers as bytes.
macro_rules! forward_shapes {
    ($err:ty) => {
        fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, $err> {
            self.deserialize_seq(v)
        }

        fn deserialize_tuple_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            _len: usize,
            v: V,
        ) -> Result<V::Value, $err> {
            self.deserialize_seq(v)
        }

        fn deserialize_unit_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            v: V,
        ) -> Result<V::Value, $err> {
            self.deserialize_unit(v)
        }

        fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, $err> {
            self.deserialize_bytes(v)
        }
    };
}
pub(crate) use forward_shapes;

/// Deserializes from an owned [`Value`], with `depth` more container
/// levels allowed.
struct ValueDeserializer {
    value: Value,
    depth: usize,
}

impl ValueDeserializer {
    fn nested(value: Value, depth: usize) -> Self {
        ValueDeserializer { value, depth }
    }
}

/// The depth left for the items of a container entered with `depth` left.
fn inner_depth(depth: usize) -> Result<usize, DeError> {
    depth.checked_sub(1).ok_or_else(|| {
        de::Error::custom(format_args!(
            "value nested deeper than {MAX_DESERIALIZE_DEPTH} levels"
        ))
    })
}

/// Presents tagged values to `Value`'s own visitor as carrier maps, so that
/// `Value` round-trips through serde without losing tags.
struct TaggedDeserializer(Value, usize);

fn carrier(tag: &str, inner: Value) -> Value {
    let mut d = Dict::with_capacity(1);
    d.insert(format!("{TAG_PREFIX}{tag}"), inner);
    Value::Dict(d)
}

impl<'de> Deserializer<'de> for TaggedDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let depth = self.1;
        let value = match self.0 {
            Value::Tuple(items) => carrier("tuple", Value::List(items)),
            Value::Markup(s) if s.is_utf8() => carrier("markup", Value::Str(s)),
            Value::Markup(s) => carrier("markup", carrier("pystring", code_point_list(&s))),
            Value::Uuid(u) => carrier("uuid", Value::from(u.to_string())),
            Value::DateTime(d) => carrier("datetime", Value::from(d.to_string())),
            Value::BigInt(b) => carrier("bigint", Value::from(b.as_decimal())),
            Value::Str(s) if !s.is_utf8() => carrier("pystring", code_point_list(&s)),
            other => other,
        };
        ValueDeserializer::nested(value, depth).deserialize_any(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

fn code_point_list(s: &PyString) -> Value {
    Value::List(s.code_points().map(Value::from).collect())
}

fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::Null => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(s) | Value::Markup(s) => match s.as_str() {
            Some(t) => de::Unexpected::Str(t),
            None => de::Unexpected::Other("string with lone surrogates"),
        },
        Value::List(_) => de::Unexpected::Seq,
        Value::Tuple(_) => de::Unexpected::Other("tuple"),
        Value::Dict(_) => de::Unexpected::Map,
        Value::Bytes(b) => de::Unexpected::Bytes(b),
        Value::BigInt(_) => de::Unexpected::Other("integer beyond 128 bits"),
        Value::Uuid(_) => de::Unexpected::Other("UUID"),
        Value::DateTime(_) => de::Unexpected::Other("datetime"),
    }
}

fn into_string(s: PyString) -> Result<String, DeError> {
    s.into_string()
        .map_err(|_| de::Error::custom("string holds a lone surrogate, which Rust strings cannot"))
}

impl<'de> Deserializer<'de> for ValueDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Int(i) => v.visit_i64(i),
            Value::BigInt(b) => {
                if let Some(i) = b.to_i128() {
                    v.visit_i128(i)
                } else if let Some(u) = b.to_u128() {
                    v.visit_u128(u)
                } else {
                    Err(de::Error::custom(format_args!(
                        "integer {b} does not fit in 128 bits"
                    )))
                }
            }
            Value::Float(f) => v.visit_f64(f),
            Value::Str(s) | Value::Markup(s) => v.visit_string(into_string(s)?),
            Value::List(items) | Value::Tuple(items) => {
                let depth = inner_depth(self.depth)?;
                visit_items(items, depth, v)
            }
            Value::Dict(d) => {
                let depth = inner_depth(self.depth)?;
                v.visit_map(MapDeserializer {
                    iter: d.into_iter(),
                    value: None,
                    depth,
                })
            }
            Value::Bytes(b) => v.visit_byte_buf(b),
            Value::Uuid(u) => v.visit_string(u.to_string()),
            Value::DateTime(d) => v.visit_string(d.to_string()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_none(),
            other => v.visit_some(ValueDeserializer::nested(other, self.depth)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        match name {
            VALUE => v.visit_newtype_struct(TaggedDeserializer(self.value, self.depth)),
            UUID | DATETIME | MARKUP => self.deserialize_any(v),
            _ => v.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let depth = inner_depth(self.depth)?;
        match self.value {
            Value::List(items) | Value::Tuple(items) => visit_items(items, depth, v),
            Value::Bytes(b) => visit_items(b.into_iter().map(Value::from).collect(), depth, v),
            other => Err(de::Error::invalid_type(unexpected(&other), &v)),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Null => v.visit_unit(),
            other => Err(de::Error::invalid_type(unexpected(&other), &v)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.value {
            Value::Bytes(b) => v.visit_byte_buf(b),
            other => ValueDeserializer::nested(other, self.depth).deserialize_any(v),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match self.value {
            Value::Str(s) => v.visit_enum(into_string(s)?.into_deserializer()),
            Value::Dict(d) => {
                let depth = inner_depth(self.depth)?;
                let (k, value) = d.into_single().ok_or_else(|| {
                    de::Error::custom("an enum variant must be a dict with one key")
                })?;
                v.visit_enum(EnumDeserializer {
                    variant: into_string(k)?,
                    value,
                    depth,
                })
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"an enum variant",
            )),
        }
    }

    forward_shapes!(DeError);

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        map struct identifier
    }
}

/// A list's remaining items, and the depth left for each.
struct SeqDeserializer<I>(I, usize);

/// Visits a list's items; items the visitor leaves unread are an error
/// (a 3-item list is not a pair), so the value is kept rather than cut.
fn visit_items<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    depth: usize,
    v: V,
) -> Result<V::Value, DeError> {
    let len = items.len();
    let mut seq = SeqDeserializer(items.into_iter(), depth);
    let value = v.visit_seq(&mut seq)?;
    if seq.0.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer items"))
    }
}

impl<'de, I: Iterator<Item = Value>> SeqAccess<'de> for SeqDeserializer<I> {
    type Error = DeError;
    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        self.0
            .next()
            .map(|v| seed.deserialize(ValueDeserializer::nested(v, self.1)))
            .transpose()
    }
    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint().1
    }
}

struct MapDeserializer<I> {
    iter: I,
    value: Option<Value>,
    /// The depth left for each value.
    depth: usize,
}

impl<'de, I: Iterator<Item = (PyString, Value)>> MapAccess<'de> for MapDeserializer<I> {
    type Error = DeError;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(KeyDeserializer(k)).map(Some)
            }
            None => Ok(None),
        }
    }
    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, DeError> {
        let v = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("value without a key"))?;
        seed.deserialize(ValueDeserializer::nested(v, self.depth))
    }
    fn size_hint(&self) -> Option<usize> {
        self.iter.size_hint().1
    }
}

/// Dict keys are strings; integer and bool keys are parsed back from them.
pub(crate) struct KeyDeserializer(pub(crate) PyString);

macro_rules! parse_key {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
            let s = into_string(self.0)?;
            match s.parse() {
                Ok(n) => v.$visit(n),
                Err(_) => Err(de::Error::invalid_value(de::Unexpected::Str(&s), &v)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for KeyDeserializer {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_string(into_string(self.0)?)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        match name {
            // A string (whose carrier, for a lone surrogate, is 2 levels).
            VALUE => ValueDeserializer::nested(Value::Str(self.0), MAX_DESERIALIZE_DEPTH)
                .deserialize_newtype_struct(name, v),
            _ => v.visit_newtype_struct(self),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        v.visit_some(self)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0.as_str() {
            Some("true") => v.visit_bool(true),
            Some("false") => v.visit_bool(false),
            _ => self.deserialize_any(v),
        }
    }

    parse_key! {
        deserialize_i8 => visit_i8, deserialize_i16 => visit_i16, deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64, deserialize_i128 => visit_i128, deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16, deserialize_u32 => visit_u32, deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128, deserialize_f32 => visit_f32, deserialize_f64 => visit_f64,
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_enum(into_string(self.0)?.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

struct EnumDeserializer {
    variant: String,
    value: Value,
    /// The depth left for the variant's contents.
    depth: usize,
}

impl<'de> de::EnumAccess<'de> for EnumDeserializer {
    type Error = DeError;
    type Variant = VariantDeserializer;
    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDeserializer), DeError> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, VariantDeserializer(self.value, self.depth)))
    }
}

struct VariantDeserializer(Value, usize);

impl<'de> de::VariantAccess<'de> for VariantDeserializer {
    type Error = DeError;
    fn unit_variant(self) -> Result<(), DeError> {
        match self.0 {
            Value::Null => Ok(()),
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a unit variant",
            )),
        }
    }
    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DeError> {
        seed.deserialize(ValueDeserializer::nested(self.0, self.1))
    }
    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, v: V) -> Result<V::Value, DeError> {
        ValueDeserializer::nested(self.0, self.1).deserialize_seq(v)
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        ValueDeserializer::nested(self.0, self.1).deserialize_any(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::error::EncodeError;
    use crate::codec::value::ser::to_value;
    use serde::Serializer;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    enum Kind {
        A,
        B(u8),
        C { x: i32 },
        D(u8, u8),
    }

    #[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
    struct Everything {
        s: String,
        o: Option<u64>,
        big: u128,
        f: f64,
        t: (u8, String),
        v: Vec<Kind>,
        m: BTreeMap<u32, bool>,
        markup: Markup,
        uuid: Uuid,
        when: DateTime,
        any: Value,
    }

    #[test]
    fn typed_round_trip_keeps_tags() {
        let x = Everything {
            s: "é".into(),
            o: None,
            big: u128::MAX,
            f: -0.0,
            t: (1, "x".into()),
            v: vec![Kind::A, Kind::B(2), Kind::C { x: -3 }, Kind::D(4, 5)],
            m: [(10, true), (9, false)].into_iter().collect(),
            markup: Markup("<i>".into()),
            uuid: Uuid::from_u128(42),
            when: DateTime::new(2024, 1, 2, 3, 4, 5, 3600).unwrap(),
            any: Value::Tuple(vec![
                Value::Bytes(vec![1]),
                Value::from(PyString::from_code_points([0xD800]).unwrap()),
            ]),
        };
        let v = to_value(&x).unwrap();
        let json = v.to_flask_json().unwrap();
        assert!(json.contains(r#""t":{" t":[1,"x"]}"#), "{json}");
        assert!(json.contains(r#""m":{"9":false,"10":true}"#), "{json}");
        assert!(
            json.contains(r#""any":{" t":[{" b":"AQ=="},"\ud800"]}"#),
            "{json}"
        );
        assert!(
            json.contains(r#""big":340282366920938463463374607431768211455"#),
            "{json}"
        );
        let back: Everything = from_value(v).unwrap();
        assert_eq!(back, x);
    }

    #[test]
    fn with_serde_json_special_types_are_strings() {
        let j = serde_json::to_string(&(Markup("m".into()), Uuid::from_u128(1))).unwrap();
        assert_eq!(j, r#"["m","00000000-0000-0000-0000-000000000001"]"#);
    }

    #[test]
    fn nesting_beyond_the_limit_is_an_error_not_a_stack_overflow() {
        fn nest(levels: usize) -> Value {
            let mut v = Value::List(vec![]);
            for _ in 1..levels {
                v = Value::List(vec![v]);
            }
            v
        }
        assert_eq!(
            from_value::<Value>(nest(MAX_DESERIALIZE_DEPTH)).unwrap(),
            nest(MAX_DESERIALIZE_DEPTH)
        );
        let err = from_value::<Value>(nest(MAX_DESERIALIZE_DEPTH + 1)).unwrap_err();
        assert!(err.to_string().contains("deeper than 128 levels"), "{err}");
        assert!(from_value::<Vec<Value>>(nest(MAX_DESERIALIZE_DEPTH + 1)).is_err());
        // What the reader accepts by default (512 levels) on a 2 MiB
        // thread (a tokio worker's stack) in this unoptimised build, where
        // it used to overflow the stack at about 500.
        let deep = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| from_value::<Value>(nest(512)).is_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(deep);
    }

    #[test]
    fn every_kind_comes_back_from_value_as_itself() {
        let lone = PyString::from_code_points([0x61, 0xD800]).unwrap();
        let all = Value::List(vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-7),
            Value::from(u128::MAX),
            Value::Float(0.5),
            Value::from("é"),
            Value::Str(lone.clone()),
            Value::Markup(PyString::from("<b>")),
            Value::Markup(lone.clone()),
            Value::Bytes(vec![0, 255]),
            Value::Tuple(vec![Value::Int(1), Value::Markup(lone)]),
            Value::Uuid(Uuid::from_u128(7)),
            Value::DateTime(DateTime::new(2024, 1, 2, 3, 4, 5, -3600).unwrap()),
            Value::Dict([("k", Value::Int(1))].into_iter().collect()),
        ]);
        assert_eq!(from_value::<Value>(all.clone()).unwrap(), all);
        // A string or markup, lone surrogates included, reads as a `PyString`.
        let lone = PyString::from_code_points([0xDC00]).unwrap();
        for (v, want) in [
            (Value::from("x"), PyString::from("x")),
            (Value::Str(lone.clone()), lone.clone()),
            (Value::Markup(lone.clone()), lone),
        ] {
            assert_eq!(from_value::<PyString>(v).unwrap(), want);
        }
        let err = from_value::<PyString>(Value::Int(1)).unwrap_err();
        assert!(
            err.to_string().contains("expected a str, found int"),
            "{err}"
        );
    }

    /// A deserializer that hands its visitor `Some(5)`, as formats with an
    /// explicit option marker do.
    struct SomeFive;

    impl<'de> Deserializer<'de> for SomeFive {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Self::Error> {
            v.visit_some(de::value::I64Deserializer::<Self::Error>::new(5))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    }

    #[test]
    fn values_are_read_from_other_formats_by_kind() {
        use de::IntoDeserializer as _;
        type E = de::value::Error;
        let read = |d: de::value::I128Deserializer<E>| Value::deserialize(d).unwrap();
        assert_eq!(read(i128::MIN.into_deserializer()), Value::from(i128::MIN));
        assert_eq!(read((-3i128).into_deserializer()), Value::Int(-3));
        assert_eq!(
            Value::deserialize(u128::MAX.into_deserializer() as de::value::U128Deserializer<E>)
                .unwrap(),
            Value::from(u128::MAX)
        );
        assert_eq!(
            Value::deserialize(u64::MAX.into_deserializer() as de::value::U64Deserializer<E>)
                .unwrap(),
            Value::from(u64::MAX)
        );
        assert_eq!(
            Value::deserialize(de::value::BytesDeserializer::<E>::new(&[1, 2])).unwrap(),
            Value::Bytes(vec![1, 2])
        );
        assert_eq!(Value::deserialize(SomeFive).unwrap(), Value::Int(5));
        assert_eq!(
            Value::deserialize(().into_deserializer() as de::value::UnitDeserializer<E>).unwrap(),
            Value::Null
        );
        // Map keys that are not strings become Python's text for them.
        let map = de::value::MapDeserializer::<_, E>::new([(10i64, true), (-2, false)].into_iter());
        let v = Value::deserialize(map).unwrap();
        let d = v.as_dict().unwrap();
        assert_eq!(d.get("10"), Some(&Value::Bool(true)));
        assert_eq!(d.get("-2"), Some(&Value::Bool(false)));
    }

    #[test]
    fn strings_and_dicts_are_read_from_serde_json_and_errors_say_what_was_expected() {
        // serde_json hands unescaped strings over borrowed, escaped ones owned.
        let v: Value = serde_json::from_str(r#"["plain", "esc\u00e9"]"#).unwrap();
        assert_eq!(
            v,
            Value::List(vec![Value::from("plain"), Value::from("esc\u{e9}")])
        );
        let d: Dict = serde_json::from_str(r#"{"a": 1, "b": [null]}"#).unwrap();
        assert_eq!(d.get("a"), Some(&Value::Int(1)));
        assert_eq!(d.get("b"), Some(&Value::List(vec![Value::Null])));
        let err = serde_json::from_str::<Dict>("[1]").unwrap_err();
        assert!(
            err.to_string().contains("expected a dict, found list"),
            "{err}"
        );
        // What each visitor expects, as serde's errors name it.
        let err = Value::deserialize(de::value::EnumAccessDeserializer::new(
            de::value::StrDeserializer::<de::value::Error>::new("A"),
        ))
        .unwrap_err();
        assert!(
            err.to_string().ends_with("expected a session value"),
            "{err}"
        );
        let err = from_value::<Uuid>(Value::from("not-a-uuid")).unwrap_err();
        assert!(err.to_string().contains("expected a UUID"), "{err}");
        let err = from_value::<DateTime>(Value::from("soon")).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a datetime (ISO 8601 or RFC 2822)"),
            "{err}"
        );
    }

    #[test]
    fn map_keys_are_read_back_into_their_rust_types() {
        // Python writes `True`, `1.5` and big ints as key text; typed maps
        // read that text back.
        let dict: Dict = [("true", Value::Int(1)), ("false", Value::Int(0))]
            .into_iter()
            .collect();
        let m: BTreeMap<bool, u8> = from_value(Value::Dict(dict)).unwrap();
        assert_eq!(m, [(false, 0), (true, 1)].into_iter().collect());
        let dict: Dict = [("-170141183460469231731687303715884105728", Value::Null)]
            .into_iter()
            .collect();
        let m: BTreeMap<i128, ()> = from_value(Value::Dict(dict)).unwrap();
        assert_eq!(m.keys().copied().collect::<Vec<_>>(), [i128::MIN]);
        let dict: Dict = [("1.5", Value::Null)].into_iter().collect();
        let m: BTreeMap<String, Option<u8>> = from_value(Value::Dict(dict.clone())).unwrap();
        assert_eq!(m.get("1.5"), Some(&None));
        assert!(from_value::<BTreeMap<bool, ()>>(Value::Dict(dict)).is_err());
    }

    #[test]
    fn a_unit_variant_holds_nothing() {
        let one = |k: &str, v: Value| Value::Dict([(k, v)].into_iter().collect());
        assert_eq!(from_value::<Kind>(Value::from("A")).unwrap(), Kind::A);
        assert_eq!(from_value::<Kind>(one("A", Value::Null)).unwrap(), Kind::A);
        let err = from_value::<Kind>(one("A", Value::Int(5))).unwrap_err();
        assert!(err.to_string().contains("a unit variant"), "{err}");
        assert_eq!(
            from_value::<Kind>(one("B", Value::Int(5))).unwrap(),
            Kind::B(5)
        );
    }

    #[test]
    fn tuple_structs_are_tuples() {
        // As Rust tuples are: Python tuples, tagged `" t"` in the cookie.
        #[derive(serde::Serialize)]
        struct Pair(u8, &'static str);
        assert_eq!(
            to_value(&Pair(1, "x")).unwrap(),
            Value::Tuple(vec![Value::Int(1), Value::from("x")])
        );
    }

    #[test]
    fn maps_mixing_string_and_number_keys_cannot_be_sorted() {
        // Python refuses to sort `{"a": 1, 2: 1}`, whichever key came first;
        // a repeated key counts with its last spelling's kind.
        let later_number = vec![
            (Value::from("a"), Value::Int(1)),
            (Value::Int(2), Value::Int(1)),
        ];
        for entries in [
            later_number.clone(),
            later_number.into_iter().rev().collect(),
        ] {
            let err = to_value(&PairsMap(entries)).unwrap_err();
            assert!(matches!(err, EncodeError::UnorderableKeys(..)), "{err:?}");
        }
        let respelled = vec![
            (Value::from("1"), Value::Int(1)),
            (Value::Int(1), Value::Int(2)),
            (Value::Int(3), Value::Int(3)),
        ];
        let v = to_value(&PairsMap(respelled)).unwrap();
        assert_eq!(v.to_flask_json().unwrap(), r#"{"1":2,"3":3}"#);
        // The other way round: a number key respelled as a string after it,
        // then a string key, is a dict of strings.
        let respelled = vec![
            (Value::Int(1), Value::Int(1)),
            (Value::from("1"), Value::Int(2)),
            (Value::from("x"), Value::Int(3)),
        ];
        let v = to_value(&PairsMap(respelled)).unwrap();
        assert_eq!(v.to_flask_json().unwrap(), r#"{"1":2,"x":3}"#);
    }

    /// A map given as its entries, in order (keys of any kind).
    struct PairsMap(Vec<(Value, Value)>);

    impl serde::Serialize for PairsMap {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[test]
    fn every_rust_number_becomes_its_python_number() {
        assert_eq!(to_value(&-5i8).unwrap(), Value::Int(-5));
        assert_eq!(to_value(&-300i16).unwrap(), Value::Int(-300));
        assert_eq!(to_value(&-70_000i32).unwrap(), Value::Int(-70_000));
        assert_eq!(to_value(&i64::MIN).unwrap(), Value::Int(i64::MIN));
        assert_eq!(to_value(&i128::MAX).unwrap(), Value::from(i128::MAX));
        assert_eq!(to_value(&200u8).unwrap(), Value::Int(200));
        assert_eq!(to_value(&60_000u16).unwrap(), Value::Int(60_000));
        assert_eq!(
            to_value(&4_000_000_000u32).unwrap(),
            Value::Int(4_000_000_000)
        );
        assert_eq!(to_value(&u64::MAX).unwrap(), Value::from(u64::MAX));
        assert_eq!(to_value(&u128::MAX).unwrap(), Value::from(u128::MAX));
        assert_eq!(to_value(&0.5f32).unwrap(), Value::Float(0.5));
        assert_eq!(to_value(&'é').unwrap(), Value::from("é"));
    }

    #[test]
    fn type_mismatch_is_an_error() {
        let err = from_value::<u8>(Value::from("x")).unwrap_err();
        assert!(err.to_string().contains("expected u8"), "{err}");
        assert!(from_value::<u8>(Value::Int(300)).is_err());
        assert!(
            from_value::<String>(Value::Str(PyString::from_code_points([0xDC00]).unwrap()))
                .is_err()
        );
    }
}
