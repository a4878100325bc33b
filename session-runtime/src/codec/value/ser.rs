//! serde's `Serialize` side: typed Rust values into [`Value`] ([`to_value`]),
//! and the model's own `Serialize` impls.
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

use serde::Serializer;
use serde::ser::{self, Serialize, SerializeMap as _};

use crate::codec::error::EncodeError;
use crate::codec::py::datetime::DateTime;
use crate::codec::py::str::PyString;
use crate::codec::value::key::PyKey;
use crate::codec::value::{Dict, Markup, Uuid, Value};

pub(super) const MARKUP: &str = "$sessionkit::Markup";
pub(super) const UUID: &str = "$sessionkit::Uuid";
pub(super) const DATETIME: &str = "$sessionkit::DateTime";
pub(super) const BIGINT: &str = "$sessionkit::BigInt";
pub(super) const PYSTRING: &str = "$sessionkit::PyString";
pub(super) const VALUE: &str = "$sessionkit::Value";
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
pub(super) const TAG_PREFIX: &str = "\u{0}$sessionkit:";

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
// The serializer into Value.

/// Serializes into [`Value`].
struct ValueSerializer;

pub(super) fn key_string(v: Value) -> Result<PyString, EncodeError> {
    crate::codec::value::key::py_key(v).map(|(key, _)| key)
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
        self.key = Some(crate::codec::value::key::py_key(
            k.serialize(ValueSerializer)?,
        )?);
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
        crate::codec::value::key::needs_python_order(self.dict.keys().map(kind_of))?;
        let mut entries: Vec<(PyString, Value, PyKey)> = self
            .dict
            .into_iter()
            .map(|(k, v)| {
                let kind = kind_of(&k);
                (k, v, kind)
            })
            .collect();
        crate::codec::value::key::sort_like_python(&mut entries, |e| e.2);
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

/// Rebuilds a tagged value from its carrier map entry (see [`TAG_PREFIX`]).
/// A nested carrier (the `pystring` inside a lone-surrogate `markup`) has
/// already been rebuilt by the time its outer carrier is: the inner value is
/// read through the same visitor.
pub(super) fn untag_carrier(tag: &str, inner: Value) -> Option<Value> {
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
