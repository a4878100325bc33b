//! serde support: typed Rust values into and out of [`Value`].
//!
//! Mapping (Rust → Flask):
//!
//! | Rust | Flask / Python |
//! | --- | --- |
//! | `bool`, integers (any width), floats | `bool`, `int`, `float` |
//! | `String`, `&str`, `char` | `str` |
//! | `Option<T>` | `None` or the value |
//! | `()`, unit structs | `None` |
//! | `Vec<T>`, slices, sets | `list` |
//! | tuples, tuple structs, `[T; N]` | `tuple` (tag `" t"`) |
//! | structs, maps | `dict` (integer and bool keys become strings, as in JSON) |
//! | enums | externally tagged, like serde_json: `"Unit"` or `{"Variant": ...}` |
//! | bytes (`serde_bytes`) | `bytes` (tag `" b"`) |
//! | [`Markup`], [`Uuid`], [`DateTime`], [`Value`] | `Markup`, `UUID`, `datetime`, anything |
//!
//! The special types travel through serde as newtype structs with reserved
//! names, so with other formats (serde_json...) they are plain strings.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeMap as _};
use serde::{Deserialize, Deserializer, Serializer};

use super::datetime::DateTime;
use super::error::EncodeError;
use super::pykey::PyKey;
use super::pystr::PyString;
use super::value::{Dict, Uuid, Value};

const MARKUP: &str = "$sessionkit::Markup";
const UUID: &str = "$sessionkit::Uuid";
const DATETIME: &str = "$sessionkit::DateTime";
const BIGINT: &str = "$sessionkit::BigInt";
const PYSTRING: &str = "$sessionkit::PyString";
const VALUE: &str = "$sessionkit::Value";
/// Newtype names with a meaning to sessionkit's serializers.
pub(crate) const SPECIAL_NEWTYPES: &[&str] = &[MARKUP, UUID, DATETIME, BIGINT, PYSTRING];

/// Serialises one special newtype into a value.
pub(crate) fn newtype_to_value<T: Serialize + ?Sized>(
    name: &'static str,
    v: &T,
) -> Result<Value, EncodeError> {
    ValueSerializer.serialize_newtype_struct(name, v)
}

/// Keys of the one-entry maps that carry tagged values to `Value`'s visitor.
const TAG_PREFIX: &str = "\u{0}$sessionkit:";

/// A markupsafe `Markup` string: HTML that Flask stores with the `" m"` tag.
///
/// ```
/// use sessionkit::codec::{Markup, Value, to_value};
/// let v = to_value(&Markup("<b>hi</b>".into())).unwrap();
/// assert_eq!(v.to_flask_json().unwrap(), r#"{" m":"<b>hi</b>"}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Markup(pub String);

/// Converts a typed value into the value model.
///
/// # Errors
///
/// [`EncodeError`] when a map key is not a string, integer or bool, or the
/// type's `Serialize` fails.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::to_value;
///
/// #[derive(serde::Serialize)]
/// struct Prefs { theme: String, cart: Vec<(u64, u32)> }
///
/// let v = to_value(&Prefs { theme: "dark".into(), cart: vec![(7, 2)] }).unwrap();
/// assert_eq!(v.to_flask_json().unwrap(), r#"{"cart":[{" t":[7,2]}],"theme":"dark"}"#);
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, EncodeError> {
    value.serialize(ValueSerializer)
}

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
// Serialize impls for the model's types.

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::BigInt(b) => s.serialize_newtype_struct(BIGINT, b.as_decimal()),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(p) => p.serialize(s),
            Value::List(items) => s.collect_seq(items),
            Value::Tuple(items) => {
                use serde::ser::SerializeTuple as _;
                let mut t = s.serialize_tuple(items.len())?;
                for item in items {
                    t.serialize_element(item)?;
                }
                t.end()
            }
            Value::Dict(d) => d.serialize(s),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::Markup(p) => s.serialize_newtype_struct(MARKUP, p),
            Value::Uuid(u) => u.serialize(s),
            Value::DateTime(d) => d.serialize(s),
        }
    }
}

impl Serialize for Dict {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for PyString {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(text) => s.serialize_str(text),
            None => s.serialize_newtype_struct(PYSTRING, &self.code_points().collect::<Vec<u32>>()),
        }
    }
}

impl Serialize for Markup {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(MARKUP, &self.0)
    }
}

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(UUID, &self.to_string())
    }
}

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(DATETIME, &self.to_string())
    }
}

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

/// Rebuilds a tagged value from its carrier map entry (see [`TAG_PREFIX`]).
/// A nested carrier (the `pystring` inside a lone-surrogate `markup`) has
/// already been rebuilt by the time its outer carrier is: the inner value is
/// read through the same visitor.
fn untag_carrier(tag: &str, inner: Value) -> Option<Value> {
    Some(match (tag, inner) {
        ("tuple", Value::List(v)) => Value::Tuple(v),
        ("markup", Value::Str(s)) => Value::Markup(s),
        ("uuid", Value::Str(s)) => Value::Uuid(Uuid::parse_python(s.as_str()?)?),
        ("datetime", Value::Str(s)) => Value::DateTime(DateTime::parse_iso(s.as_str()?)?),
        ("bigint", Value::Str(s)) => Value::int_from_decimal(s.as_str()?)?,
        ("pystring", Value::List(cps)) => Value::Str(PyString::from_code_points(
            cps.iter()
                .map(|c| c.as_i64().and_then(|i| u32::try_from(i).ok()))
                .collect::<Option<Vec<u32>>>()?,
        )?),
        _ => return None,
    })
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
// The serializer into Value.

/// Serializes into [`Value`].
struct ValueSerializer;

fn key_string(v: Value) -> Result<PyString, EncodeError> {
    super::pykey::py_key(v).map(|(key, _)| key)
}

impl Serializer for ValueSerializer {
    type Ok = Value;
    type Error = EncodeError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = VariantBuilder<SeqBuilder>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = VariantBuilder<MapBuilder>;

    fn serialize_bool(self, v: bool) -> Result<Value, EncodeError> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<Value, EncodeError> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value, EncodeError> {
        Ok(Value::Str(PyString::from(v)))
    }
    fn serialize_str(self, v: &str) -> Result<Value, EncodeError> {
        Ok(Value::from(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, EncodeError> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, EncodeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, EncodeError> {
        Ok(Value::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value, EncodeError> {
        Ok(Value::from(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<Value, EncodeError> {
        let inner = v.serialize(ValueSerializer)?;
        let bad = || EncodeError::Custom(format!("invalid content for {name}"));
        Ok(match name {
            MARKUP => match inner {
                Value::Str(s) => Value::Markup(s),
                _ => return Err(bad()),
            },
            UUID => Value::Uuid(
                inner
                    .as_str()
                    .and_then(Uuid::parse_python)
                    .ok_or_else(bad)?,
            ),
            DATETIME => Value::DateTime(
                inner
                    .as_str()
                    .and_then(DateTime::parse_iso)
                    .ok_or_else(bad)?,
            ),
            BIGINT => inner
                .as_str()
                .and_then(Value::int_from_decimal)
                .ok_or_else(bad)?,
            PYSTRING => untag_carrier("pystring", inner).ok_or_else(bad)?,
            _ => inner,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, EncodeError> {
        let mut d = Dict::with_capacity(1);
        d.insert(variant, v.serialize(ValueSerializer)?);
        Ok(Value::Dict(d))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, EncodeError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(1024)),
            tuple: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, EncodeError> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.min(1024)),
            tuple: true,
        })
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, EncodeError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<SeqBuilder>, EncodeError> {
        Ok(VariantBuilder {
            variant,
            inner: self.serialize_tuple(len)?,
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, EncodeError> {
        Ok(MapBuilder {
            dict: Dict::with_capacity(len.unwrap_or(0).min(1024)),
            key: None,
            kinds: Vec::new(),
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapBuilder, EncodeError> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantBuilder<MapBuilder>, EncodeError> {
        Ok(VariantBuilder {
            variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct SeqBuilder {
    items: Vec<Value>,
    tuple: bool,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.items.push(v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn finish(self) -> Value {
        if self.tuple {
            Value::Tuple(self.items)
        } else {
            Value::List(self.items)
        }
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.push(v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(self.finish())
    }
}

#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct MapBuilder {
    dict: Dict,
    key: Option<(PyString, PyKey)>,
    /// Each key's kind, in insertion order, once a key was not a string.
    kinds: Vec<(PyString, PyKey)>,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), EncodeError> {
        self.key = Some(super::pykey::py_key(k.serialize(ValueSerializer)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let (key, kind) = self
            .key
            .take()
            .ok_or_else(|| EncodeError::Custom("value without a key".into()))?;
        // Kinds are recorded from the first key that is not a string on
        // (any key without a record is a string), keeping each later string
        // key too, so that a repeated key takes its last spelling's kind.
        if kind != PyKey::Str || !self.kinds.is_empty() {
            self.kinds.push((key.clone(), kind));
        }
        self.dict.insert(key, v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value, EncodeError> {
        if self.kinds.is_empty() {
            return Ok(Value::Dict(self.dict));
        }
        // A later duplicate's kind wins, like its value.
        let kinds: std::collections::HashMap<PyString, PyKey> = self.kinds.into_iter().collect();
        let kind_of = |key: &PyString| kinds.get(key).copied().unwrap_or(PyKey::Str);
        super::pykey::needs_python_order(self.dict.keys().map(kind_of))?;
        let mut entries: Vec<(PyString, Value, PyKey)> = self
            .dict
            .into_iter()
            .map(|(k, v)| {
                let kind = kind_of(&k);
                (k, v, kind)
            })
            .collect();
        super::pykey::sort_like_python(&mut entries, |e| e.2);
        Ok(Value::Dict(Dict::in_given_order(
            entries.into_iter().map(|(k, v, _)| (k, v)).collect(),
        )))
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        self.dict.insert(key, v.serialize(ValueSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(Value::Dict(self.dict))
    }
}

#[doc(hidden)]
#[derive(Debug)]
pub(crate) struct VariantBuilder<B> {
    variant: &'static str,
    inner: B,
}

impl<B> VariantBuilder<B> {
    fn wrap(variant: &'static str, v: Value) -> Value {
        let mut d = Dict::with_capacity(1);
        d.insert(variant, v);
        Value::Dict(d)
    }
}

impl ser::SerializeTupleVariant for VariantBuilder<SeqBuilder> {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        self.inner.push(v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(Self::wrap(self.variant, self.inner.finish()))
    }
}

impl ser::SerializeStructVariant for VariantBuilder<MapBuilder> {
    type Ok = Value;
    type Error = EncodeError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, v)
    }
    fn end(self) -> Result<Value, EncodeError> {
        Ok(Self::wrap(self.variant, Value::Dict(self.inner.dict)))
    }
}

// ---------------------------------------------------------------------------
// The deserializer from Value.

/// A value did not fit the type it was deserialized into.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DeError, Value, from_value};
///
/// let err: DeError = from_value::<u8>(Value::from(300)).unwrap_err();
/// assert!(!err.to_string().is_empty());
/// assert_eq!(from_value::<u16>(Value::from(300)), Ok(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeError(String);

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }

    // serde's defaults quote the value (`invalid type: string "SSN-123",
    // expected u64`); these messages name its kind only, so an error that
    // reaches a log line carries no session data.
    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DeError(format!(
            "invalid type: {}, expected {expected}",
            unexpected_kind(&unexpected)
        ))
    }

    fn invalid_value(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        DeError(format!(
            "invalid value: a {}, expected {expected}",
            unexpected_kind(&unexpected)
        ))
    }

    fn unknown_variant(_variant: &str, expected: &'static [&'static str]) -> Self {
        DeError(format!("unknown variant, expected one of {expected:?}"))
    }

    fn unknown_field(_field: &str, expected: &'static [&'static str]) -> Self {
        DeError(format!("unknown field, expected one of {expected:?}"))
    }
}

/// What kind of value `unexpected` is, without the value itself.
fn unexpected_kind(unexpected: &de::Unexpected<'_>) -> &'static str {
    use de::Unexpected as U;
    match unexpected {
        U::Bool(_) => "boolean",
        U::Unsigned(_) | U::Signed(_) => "integer",
        U::Float(_) => "floating point number",
        U::Char(_) => "character",
        U::Str(_) => "string",
        U::Bytes(_) => "byte array",
        U::Unit => "null",
        U::Option => "optional value",
        U::NewtypeStruct => "newtype struct",
        U::Seq => "sequence",
        U::Map => "map",
        U::Enum => "enum",
        U::UnitVariant => "unit variant",
        U::NewtypeVariant => "newtype variant",
        U::TupleVariant => "tuple variant",
        U::StructVariant => "struct variant",
        U::Other(_) => "value of another kind",
    }
}

/// The `Deserializer` methods that only forward, shared by the tree and the
/// direct (`json_fast`) deserializers: tuples read as sequences, unit
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
