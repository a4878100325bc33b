//! A serde `Serializer` writing Flask's JSON dialect directly into bytes,
//! without building a [`Value`] tree: the typed path.
//!
//! Maps and structs buffer their entries (each already serialised) to sort
//! them by key code point, or, for a map whose keys are numbers, booleans or
//! `None`, in the order Python sorts those original keys in (`9` before
//! `10`; see `pykey`); everything else streams. Output is identical to
//! `to_value(x)?.to_flask_json()`.

use serde::ser::{self, Serialize};

use crate::codec::error::EncodeError;
use crate::codec::json::tag::Tag;
use crate::codec::json::write::{write_float, write_i64, write_py_string, write_py_string_bytes};
use crate::codec::py::str::PyString;
use crate::codec::value::Value;
use crate::codec::value::key::{self, PyKey};
use crate::codec::value::ser::{SPECIAL_NEWTYPES, newtype_to_value, to_value};

/// Appends the Flask JSON of `value` to `out`.
///
/// # Errors
///
/// [`EncodeError`] as [`to_value`] would give, or nesting deeper than
/// `max_depth`.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use sessionkit::codec::{DEFAULT_MAX_DEPTH, to_value, write_flask_json};
///
/// let mut cart = HashMap::new();
/// cart.insert("b", (1, 2.5));
/// cart.insert("a", (3, 0.0));
/// let mut out = Vec::new();
/// write_flask_json(&mut out, &cart, DEFAULT_MAX_DEPTH)?;
/// // Sorted keys, tuples tagged, Python's float spelling.
/// assert_eq!(out, br#"{"a":{" t":[3,0.0]},"b":{" t":[1,2.5]}}"#);
/// // The same text as going through a `Value`.
/// assert_eq!(out, to_value(&cart)?.to_flask_json()?.as_bytes());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_flask_json<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    max_depth: usize,
) -> Result<(), EncodeError> {
    value.serialize(Writer {
        out,
        depth: 0,
        max_depth,
    })
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    depth: usize,
    max_depth: usize,
}

impl<'a> Writer<'a> {
    /// The same writer, reborrowed (a value inside the current container).
    fn reborrow(&mut self) -> Writer<'_> {
        Writer {
            out: self.out,
            depth: self.depth,
            max_depth: self.max_depth,
        }
    }

    fn into_nested(self) -> Result<Writer<'a>, EncodeError> {
        if self.depth >= self.max_depth {
            return Err(EncodeError::TooDeep(self.max_depth));
        }
        Ok(Writer {
            out: self.out,
            depth: self.depth + 1,
            max_depth: self.max_depth,
        })
    }

    fn value(self, v: &Value) -> Result<(), EncodeError> {
        // Special types are small: route them through the value writer.
        let mut tmp = Vec::new();
        crate::codec::json::write::write_tagged(
            &mut tmp,
            v,
            self.max_depth.saturating_sub(self.depth),
        )?;
        self.out.extend_from_slice(&tmp);
        Ok(())
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = EncodeError;
    type SerializeSeq = SeqWriter<'a>;
    type SerializeTuple = SeqWriter<'a>;
    type SerializeTupleStruct = SeqWriter<'a>;
    type SerializeTupleVariant = SeqWriter<'a>;
    type SerializeMap = MapWriter<'a>;
    type SerializeStruct = MapWriter<'a>;
    type SerializeStructVariant = MapWriter<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), EncodeError> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), EncodeError> {
        write_i64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), EncodeError> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), EncodeError> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), EncodeError> {
        match i64::try_from(v) {
            Ok(i) => self.serialize_i64(i),
            Err(_) => self.serialize_u128(u128::from(v)),
        }
    }
    fn serialize_u128(self, v: u128) -> Result<(), EncodeError> {
        self.out.extend_from_slice(v.to_string().as_bytes());
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), EncodeError> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), EncodeError> {
        write_float(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), EncodeError> {
        write_py_string_bytes(self.out, v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), EncodeError> {
        write_py_string_bytes(self.out, v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), EncodeError> {
        self.into_nested()?.value(&Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<(), EncodeError> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), EncodeError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), EncodeError> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), EncodeError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), EncodeError> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        if SPECIAL_NEWTYPES.contains(&name) {
            let value = newtype_to_value(name, v)?;
            return self.value(&value);
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), EncodeError> {
        let mut w = self.into_nested()?;
        w.out.push(b'{');
        write_py_string_bytes(w.out, variant.as_bytes());
        w.out.push(b':');
        v.serialize(w.reborrow())?;
        w.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<SeqWriter<'a>, EncodeError> {
        SeqWriter::open(self.into_nested()?, None, false)
    }
    fn serialize_tuple(self, _: usize) -> Result<SeqWriter<'a>, EncodeError> {
        SeqWriter::open(self.into_nested()?, None, true)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<SeqWriter<'a>, EncodeError> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<SeqWriter<'a>, EncodeError> {
        SeqWriter::open(self.into_nested()?, Some(variant), true)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapWriter<'a>, EncodeError> {
        Ok(MapWriter::new(self.into_nested()?, None, len.unwrap_or(0)))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<MapWriter<'a>, EncodeError> {
        Ok(MapWriter::new(self.into_nested()?, None, len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapWriter<'a>, EncodeError> {
        Ok(MapWriter::new(self.into_nested()?, Some(variant), len))
    }
}

pub(crate) struct SeqWriter<'a> {
    w: Writer<'a>,
    first: bool,
    /// Closing bytes to write at the end.
    close: &'static [u8],
}

impl<'a> SeqWriter<'a> {
    /// Opens `[`, `{" t":[` (tuple) or `{"Variant":{" t":[` (tuple variant).
    fn open(
        mut w: Writer<'a>,
        variant: Option<&'static str>,
        tuple: bool,
    ) -> Result<Self, EncodeError> {
        let mut close: &'static [u8] = b"]";
        if let Some(v) = variant {
            w.out.push(b'{');
            write_py_string_bytes(w.out, v.as_bytes());
            w.out.push(b':');
            w = w.into_nested()?;
            close = b"]}}";
        }
        if tuple {
            w.out.extend_from_slice(b"{\"");
            w.out.extend_from_slice(Tag::Tuple.key().as_bytes());
            w.out.extend_from_slice(b"\":[");
            w = w.into_nested()?;
            if variant.is_none() {
                close = b"]}";
            }
        } else {
            w.out.push(b'[');
        }
        Ok(SeqWriter {
            w,
            first: true,
            close,
        })
    }

    fn element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        if !self.first {
            self.w.out.push(b',');
        }
        self.first = false;
        v.serialize(self.w.reborrow())
    }

    fn close(self) -> Result<(), EncodeError> {
        self.w.out.extend_from_slice(self.close);
        Ok(())
    }
}

macro_rules! seq_impls {
    ($($tr:ident :: $m:ident),*) => {$(
        impl ser::$tr for SeqWriter<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
                self.element(v)
            }
            fn end(self) -> Result<(), EncodeError> {
                self.close()
            }
        }
    )*};
}

seq_impls!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Buffers entries (key, serialised value) to sort them.
pub(crate) struct MapWriter<'a> {
    w: Writer<'a>,
    variant: Option<&'static str>,
    entries: Vec<(PyString, PyKey, Vec<u8>)>,
    key: Option<(PyString, PyKey)>,
}

impl<'a> MapWriter<'a> {
    fn new(w: Writer<'a>, variant: Option<&'static str>, len: usize) -> Self {
        MapWriter {
            w,
            variant,
            entries: Vec::with_capacity(len.min(64)),
            key: None,
        }
    }

    fn entry<T: Serialize + ?Sized>(
        &mut self,
        (key, kind): (PyString, PyKey),
        v: &T,
    ) -> Result<(), EncodeError> {
        let mut buf = Vec::new();
        // Values sit one level deeper than the object (two under a variant).
        let depth = self.w.depth + usize::from(self.variant.is_some());
        v.serialize(Writer {
            out: &mut buf,
            depth,
            max_depth: self.w.max_depth,
        })?;
        self.entries.push((key, kind, buf));
        Ok(())
    }

    fn finish(mut self) -> Result<(), EncodeError> {
        let out = &mut *self.w.out;
        if let Some(v) = self.variant {
            out.push(b'{');
            write_py_string_bytes(out, v.as_bytes());
            out.push(b':');
            if self.w.depth + 1 > self.w.max_depth {
                return Err(EncodeError::TooDeep(self.w.max_depth));
            }
        }
        if key::needs_python_order(self.entries.iter().map(|e| e.1))? {
            // Keys that were not strings: a dict of them (a repeated key
            // keeps its first place and takes its last value) in the order
            // Python sorts the original keys in.
            let mut at = std::collections::HashMap::with_capacity(self.entries.len());
            let mut unique: Vec<(PyString, PyKey, Vec<u8>)> =
                Vec::with_capacity(self.entries.len());
            for entry in self.entries.drain(..) {
                match at.get(&entry.0) {
                    Some(&i) => unique[i] = entry,
                    None => {
                        at.insert(entry.0.clone(), unique.len());
                        unique.push(entry);
                    }
                }
            }
            key::sort_like_python(&mut unique, |e| e.1);
            self.entries = unique;
        } else {
            // Later duplicates win, like a dict.
            self.entries.reverse();
            self.entries.sort_by(|a, b| a.0.cmp(&b.0));
            self.entries.dedup_by(|later, earlier| later.0 == earlier.0);
        }
        let single_tag = self.entries.len() == 1
            && self
                .entries
                .first()
                .is_some_and(|(k, _, _)| Tag::from_key(k.as_bytes()).is_some());
        if single_tag {
            // `{" di": {"<key>__": value}}`
            out.extend_from_slice(b"{\" di\":");
        }
        out.push(b'{');
        for (i, (k, _, v)) in self.entries.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            if single_tag {
                let mut escaped = k.as_bytes().to_vec();
                escaped.extend_from_slice(b"__");
                write_py_string_bytes(out, &escaped);
            } else {
                write_py_string(out, k);
            }
            out.push(b':');
            out.extend_from_slice(v);
        }
        out.push(b'}');
        if single_tag {
            out.push(b'}');
        }
        if self.variant.is_some() {
            out.push(b'}');
        }
        Ok(())
    }
}

impl ser::SerializeMap for MapWriter<'_> {
    type Ok = ();
    type Error = EncodeError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), EncodeError> {
        self.key = Some(key::py_key(to_value(k)?)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), EncodeError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| EncodeError::Custom("value without a key".into()))?;
        self.entry(key, v)
    }
    fn end(self) -> Result<(), EncodeError> {
        self.finish()
    }
}

macro_rules! struct_impls {
    ($($tr:ident),*) => {$(
        impl ser::$tr for MapWriter<'_> {
            type Ok = ();
            type Error = EncodeError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), EncodeError> {
                self.entry((key.into(), PyKey::Str), v)
            }
            fn end(self) -> Result<(), EncodeError> {
                self.finish()
            }
        }
    )*};
}

struct_impls!(SerializeStruct, SerializeStructVariant);
