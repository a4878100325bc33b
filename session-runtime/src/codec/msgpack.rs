//! Flask-Session 0.8's stored form of a session: `msgspec.msgpack`'s
//! encoding of `dict(session)` (its default `SESSION_SERIALIZATION_FORMAT`),
//! read and written byte for byte as msgspec 0.23 does, on the `rmp`
//! crate's MessagePack primitives; and its `"json"` format
//! ([`encode_session_json`], [`decode_session_json`]: `msgspec.json`, read
//! with `serde_json`).
//!
//! What msgspec writes, and so what is written here (checked against the
//! real package by `tests/store_flask_interop.rs`):
//!
//! | [`Value`] | MessagePack | Flask reads it back as |
//! | --- | --- | --- |
//! | `Null`, `Bool` | nil, bool | `None`, `bool` |
//! | `Int`, `BigInt` (−2⁶³ … 2⁶⁴−1) | the smallest int form (unsigned forms for ≥ 0) | `int` |
//! | `Float` | float 64 | `float` |
//! | `Str` | str (UTF-8) | `str` |
//! | `Bytes` | bin | `bytes` |
//! | `List`, `Tuple` | array | `list` (a tuple comes back a list) |
//! | `Dict` | map, in insertion order | `dict` |
//! | `Uuid` | str, the dashed form | `str` |
//! | `DateTime` (aware) | the timestamp extension (type −1), UTC | aware `datetime` |
//!
//! msgspec refuses an `int` beyond that range, a `Markup` and a `str`
//! holding a lone surrogate; so does [`encode_session`] (the session is not
//! saved, as Flask-Session's save fails). Sub-second parts of a stored
//! timestamp are dropped on reading ([`DateTime`] has whole seconds).
//!
//! Reading is bounded: lengths are checked against the bytes that remain
//! before anything is allocated, nesting is limited, and every byte is read
//! once — untrusted store values cost linear time. Values Flask-Session
//! ≤ 0.6 wrote with `pickle` are not MessagePack maps and fail to decode:
//! they are never unpickled.

use rmp::Marker;
use rmp::encode::{self, ValueWriteError};

use super::error::{EncodeError, MsgpackError};
use super::py::datetime::DateTime;
use super::py::str::PyString;
use super::value::{Dict, Value};

fn write_err<E>(_: E) -> EncodeError {
    // Writing into a `Vec` cannot fail.
    EncodeError::Custom("msgpack write failed".into())
}

fn str_of(s: &PyString) -> Result<&str, EncodeError> {
    s.as_str().ok_or_else(|| {
        let unit = s.code_points().find(|c| (0xD800..0xE000).contains(c));
        EncodeError::LoneSurrogate(unit.unwrap_or(0xD800))
    })
}

/// Appends msgspec's encoding of `session` (a map in insertion order) to
/// `out`.
///
/// # Errors
///
/// [`EncodeError`] for what msgspec refuses (see the module docs), or
/// nesting deeper than `max_depth`.
pub fn encode_session(
    out: &mut Vec<u8>,
    session: &Dict,
    max_depth: usize,
) -> Result<(), EncodeError> {
    write_map(out, session, max_depth)
}

fn write_map(out: &mut Vec<u8>, d: &Dict, depth: usize) -> Result<(), EncodeError> {
    let depth = depth.checked_sub(1).ok_or(EncodeError::TooDeep(0))?;
    let len = u32::try_from(d.len()).map_err(|_| EncodeError::Custom("dict too large".into()))?;
    encode::write_map_len(out, len).map_err(write_err)?;
    for (k, v) in d.iter() {
        encode::write_str(out, str_of(k)?).map_err(write_err)?;
        write_value(out, v, depth)?;
    }
    Ok(())
}

fn write_value(out: &mut Vec<u8>, v: &Value, depth: usize) -> Result<(), EncodeError> {
    match v {
        Value::Null => encode::write_nil(out).map_err(write_err),
        Value::Bool(b) => encode::write_bool(out, *b).map_err(write_err),
        Value::Int(i) => encode::write_sint(out, *i)
            .map(|_| ())
            .map_err(|e: ValueWriteError| write_err(e)),
        Value::BigInt(b) => match (b.to_i128(), b.to_u128()) {
            (_, Some(u)) if u <= u128::from(u64::MAX) => encode::write_uint(out, u as u64)
                .map(|_| ())
                .map_err(write_err),
            (Some(i), _) if i64::try_from(i).is_ok() => encode::write_sint(out, i as i64)
                .map(|_| ())
                .map_err(write_err),
            _ => Err(EncodeError::Custom(
                "msgpack cannot hold an int below -2**63 or above 2**64 - 1".into(),
            )),
        },
        Value::Float(f) => encode::write_f64(out, *f).map_err(write_err),
        Value::Str(s) => encode::write_str(out, str_of(s)?).map_err(write_err),
        Value::Bytes(b) => encode::write_bin(out, b).map_err(write_err),
        Value::List(items) | Value::Tuple(items) => {
            let depth = depth.checked_sub(1).ok_or(EncodeError::TooDeep(0))?;
            let len = u32::try_from(items.len())
                .map_err(|_| EncodeError::Custom("list too large".into()))?;
            encode::write_array_len(out, len).map_err(write_err)?;
            items
                .iter()
                .try_for_each(|item| write_value(out, item, depth))
        }
        Value::Dict(d) => write_map(out, d, depth),
        Value::Uuid(u) => encode::write_str(out, &u.to_string()).map_err(write_err),
        Value::DateTime(dt) => {
            write_timestamp(out, dt.to_unix());
            Ok(())
        }
        Value::Markup(_) => Err(EncodeError::Custom(
            "msgpack cannot hold a Markup string (msgspec refuses it)".into(),
        )),
    }
}

/// The timestamp extension (type −1) in the form msgspec picks for whole
/// seconds: 32-bit seconds when they fit, 64-bit up to 2³⁴, else 96-bit.
fn write_timestamp(out: &mut Vec<u8>, secs: i64) {
    match u64::try_from(secs) {
        Ok(s) if s < 1 << 32 => {
            out.extend_from_slice(&[0xd6, 0xff]);
            out.extend_from_slice(&(s as u32).to_be_bytes());
        }
        Ok(s) if s < 1 << 34 => {
            out.extend_from_slice(&[0xd7, 0xff]);
            out.extend_from_slice(&s.to_be_bytes());
        }
        _ => {
            out.extend_from_slice(&[0xc7, 12, 0xff]);
            out.extend_from_slice(&0u32.to_be_bytes());
            out.extend_from_slice(&secs.to_be_bytes());
        }
    }
}

/// Reads a stored session: a map of string keys.
///
/// # Errors
///
/// [`MsgpackError`] when the bytes are not one MessagePack map holding only
/// what sessions hold, or are nested deeper than `max_depth`.
pub fn decode_session(bytes: &[u8], max_depth: usize) -> Result<Dict, MsgpackError> {
    let mut r = Reader {
        b: bytes,
        max_depth,
    };
    let marker = r.marker()?;
    let dict = match marker {
        Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => r.map(marker, max_depth)?,
        _ => return Err(MsgpackError::NotAMap),
    };
    if !r.b.is_empty() {
        return Err(MsgpackError::Trailing);
    }
    Ok(dict)
}

struct Reader<'a> {
    b: &'a [u8],
    max_depth: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], MsgpackError> {
        if self.b.len() < n {
            return Err(MsgpackError::Truncated);
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn be(&mut self, n: usize) -> Result<u64, MsgpackError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    fn marker(&mut self) -> Result<Marker, MsgpackError> {
        let mut b = self.b;
        let marker = rmp::decode::read_marker(&mut b).map_err(|_| MsgpackError::Truncated)?;
        self.b = b;
        Ok(marker)
    }

    /// The element count of a container, checked against the bytes left
    /// (every element takes at least `min` bytes), so a forged length
    /// allocates nothing.
    fn count(&mut self, marker: Marker, min: usize) -> Result<usize, MsgpackError> {
        let n = match marker {
            Marker::FixMap(n) | Marker::FixArray(n) => usize::from(n),
            Marker::Map16 | Marker::Array16 => self.be(2)? as usize,
            _ => self.be(4)? as usize,
        };
        if n.saturating_mul(min) > self.b.len() {
            return Err(MsgpackError::Truncated);
        }
        Ok(n)
    }

    fn str_len(&mut self, marker: Marker) -> Result<Option<usize>, MsgpackError> {
        Ok(Some(match marker {
            Marker::FixStr(n) => usize::from(n),
            Marker::Str8 => self.be(1)? as usize,
            Marker::Str16 => self.be(2)? as usize,
            Marker::Str32 => self.be(4)? as usize,
            _ => return Ok(None),
        }))
    }

    fn string(&mut self, len: usize) -> Result<PyString, MsgpackError> {
        let raw = self.take(len)?;
        let s = std::str::from_utf8(raw).map_err(|_| MsgpackError::Utf8)?;
        Ok(PyString::from(s))
    }

    fn map(&mut self, marker: Marker, depth: usize) -> Result<Dict, MsgpackError> {
        let depth = depth
            .checked_sub(1)
            .ok_or(MsgpackError::TooDeep(self.max_depth))?;
        let n = self.count(marker, 2)?;
        let mut d = Dict::with_capacity(n);
        for _ in 0..n {
            let key_marker = self.marker()?;
            let key = match self.str_len(key_marker)? {
                Some(len) => self.string(len)?,
                None => return Err(MsgpackError::Unsupported("a map key that is not a string")),
            };
            let value = self.value(depth)?;
            d.insert(key, value);
        }
        Ok(d)
    }

    fn value(&mut self, depth: usize) -> Result<Value, MsgpackError> {
        let marker = self.marker()?;
        if let Some(len) = self.str_len(marker)? {
            return self.string(len).map(Value::Str);
        }
        Ok(match marker {
            Marker::Null => Value::Null,
            Marker::True => Value::Bool(true),
            Marker::False => Value::Bool(false),
            Marker::FixPos(n) => Value::Int(i64::from(n)),
            Marker::FixNeg(n) => Value::Int(i64::from(n)),
            Marker::U8 => Value::Int(self.be(1)? as i64),
            Marker::U16 => Value::Int(self.be(2)? as i64),
            Marker::U32 => Value::Int(self.be(4)? as i64),
            Marker::U64 => {
                let u = self.be(8)?;
                match i64::try_from(u) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::int_from_decimal(&u.to_string()).unwrap_or(Value::Null),
                }
            }
            Marker::I8 => Value::Int(i64::from(self.be(1)? as u8 as i8)),
            Marker::I16 => Value::Int(i64::from(self.be(2)? as u16 as i16)),
            Marker::I32 => Value::Int(i64::from(self.be(4)? as u32 as i32)),
            Marker::I64 => Value::Int(self.be(8)? as i64),
            Marker::F32 => Value::Float(f64::from(f32::from_bits(self.be(4)? as u32))),
            Marker::F64 => Value::Float(f64::from_bits(self.be(8)?)),
            Marker::Bin8 | Marker::Bin16 | Marker::Bin32 => {
                let len = match marker {
                    Marker::Bin8 => self.be(1)?,
                    Marker::Bin16 => self.be(2)?,
                    _ => self.be(4)?,
                } as usize;
                Value::Bytes(self.take(len)?.to_vec())
            }
            Marker::FixArray(_) | Marker::Array16 | Marker::Array32 => {
                let depth = depth
                    .checked_sub(1)
                    .ok_or(MsgpackError::TooDeep(self.max_depth))?;
                let n = self.count(marker, 1)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth)?);
                }
                Value::List(items)
            }
            Marker::FixMap(_) | Marker::Map16 | Marker::Map32 => {
                Value::Dict(self.map(marker, depth)?)
            }
            Marker::FixExt4 | Marker::FixExt8 | Marker::Ext8 => self.timestamp(marker)?,
            _ => {
                return Err(MsgpackError::Unsupported(
                    "a MessagePack type sessions never hold",
                ));
            }
        })
    }

    /// The timestamp extension, in any of its three forms.
    fn timestamp(&mut self, marker: Marker) -> Result<Value, MsgpackError> {
        let len = match marker {
            Marker::FixExt4 => 4,
            Marker::FixExt8 => 8,
            _ => self.be(1)? as usize,
        };
        let ext_type = self.take(1)?[0] as i8;
        if ext_type != -1 {
            return Err(MsgpackError::Unsupported(
                "an extension type other than the timestamp",
            ));
        }
        let secs = match len {
            4 => self.be(4)? as i64,
            8 => (self.be(8)? & ((1 << 34) - 1)) as i64,
            12 => {
                self.take(4)?;
                self.be(8)? as i64
            }
            _ => return Err(MsgpackError::Unsupported("a timestamp of another length")),
        };
        DateTime::from_unix(secs)
            .map(Value::DateTime)
            .ok_or(MsgpackError::Unsupported(
                "a timestamp outside years 1-9999",
            ))
    }
}

/// Appends `msgspec.json`'s encoding of `session` to `out` (Flask-Session's
/// `SESSION_SERIALIZATION_FORMAT = "json"`): compact, in insertion order,
/// UTF-8 text with only `"`, `\\` and control characters escaped, bytes as
/// padded base64, datetimes as UTC ISO 8601 with `Z`, tuples as arrays,
/// NaN and infinities as `null`, floats as msgspec writes them (Python's
/// shortest digits; fixed notation from 10⁻⁵ up to 10¹⁶, exponents without
/// `+` or leading zeros).
///
/// # Errors
///
/// As [`encode_session`] (but integers of any size are written, as msgspec
/// writes them in JSON).
pub fn encode_session_json(
    out: &mut Vec<u8>,
    session: &Dict,
    max_depth: usize,
) -> Result<(), EncodeError> {
    let mut s = String::new();
    json_map(&mut s, session, max_depth)?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn json_map(out: &mut String, d: &Dict, depth: usize) -> Result<(), EncodeError> {
    let depth = depth.checked_sub(1).ok_or(EncodeError::TooDeep(0))?;
    out.push('{');
    for (i, (k, v)) in d.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_str(out, str_of(k)?);
        out.push(':');
        json_value(out, v, depth)?;
    }
    out.push('}');
    Ok(())
}

fn json_str(out: &mut String, s: &str) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `msgspec.json`'s float: Python's shortest digits, fixed notation for
/// decimal exponents −5 to 15, else `<digits>e<exponent>`.
fn json_float(out: &mut String, f: f64) {
    if !f.is_finite() {
        out.push_str("null");
        return;
    }
    let mut repr = String::new();
    super::py::float::python_float_str(f, &mut repr);
    let Some((mantissa, exp)) = repr.split_once('e') else {
        out.push_str(&repr);
        return;
    };
    let exp: i32 = exp.parse().unwrap_or(0);
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    out.push_str(sign);
    if exp == -5 {
        out.push_str("0.0000");
        out.push_str(&mantissa.replace('.', ""));
    } else {
        out.push_str(mantissa);
        out.push('e');
        out.push_str(&exp.to_string());
    }
}

fn json_value(out: &mut String, v: &Value, depth: usize) -> Result<(), EncodeError> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::BigInt(b) => out.push_str(b.as_decimal()),
        Value::Float(f) => json_float(out, *f),
        Value::Str(s) => json_str(out, str_of(s)?),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&super::b64::encode_std(b));
            out.push('"');
        }
        Value::List(items) | Value::Tuple(items) => {
            let depth = depth.checked_sub(1).ok_or(EncodeError::TooDeep(0))?;
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_value(out, item, depth)?;
            }
            out.push(']');
        }
        Value::Dict(d) => json_map(out, d, depth)?,
        Value::Uuid(u) => json_str(out, &u.to_string()),
        Value::DateTime(dt) => {
            let utc = dt.to_utc().ok_or(EncodeError::DateTimeOutOfRange(*dt))?;
            out.push_str(&format!(
                "\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z\"",
                utc.year(),
                utc.month(),
                utc.day(),
                utc.hour(),
                utc.minute(),
                utc.second()
            ));
        }
        Value::Markup(_) => {
            return Err(EncodeError::Custom(
                "JSON cannot hold a Markup string (msgspec refuses it)".into(),
            ));
        }
    }
    Ok(())
}

/// Reads a session stored in Flask-Session's `"json"` format: a JSON
/// object (read with `serde_json`, in its key order; datetimes and bytes
/// come back as the strings msgspec wrote, as they do in Python).
///
/// # Errors
///
/// [`MsgpackError::NotAMap`] when the text is not one JSON object,
/// [`MsgpackError::TooDeep`] past `max_depth`.
pub fn decode_session_json(bytes: &[u8], max_depth: usize) -> Result<Dict, MsgpackError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| MsgpackError::NotAMap)?;
    if depth_of(&value) > max_depth {
        return Err(MsgpackError::TooDeep(max_depth));
    }
    match value {
        Value::Dict(d) => Ok(d),
        _ => Err(MsgpackError::NotAMap),
    }
}

fn depth_of(v: &Value) -> usize {
    match v {
        Value::List(items) | Value::Tuple(items) => {
            1 + items.iter().map(depth_of).max().unwrap_or(0)
        }
        Value::Dict(d) => 1 + d.iter().map(|(_, v)| depth_of(v)).max().unwrap_or(0),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: Value) -> String {
        let mut d = Dict::new();
        d.insert("k", v);
        let mut out = Vec::new();
        encode_session(&mut out, &d, 64).unwrap();
        // Strip the map header and the key `"k"` (81 a1 6b).
        out[3..].iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn values_are_written_as_msgspec_writes_them() {
        // Each expected value is `msgspec.msgpack.Encoder().encode(v).hex()`
        // with msgspec 0.23.
        for (v, hex) in [
            (Value::Int(0), "00"),
            (Value::Int(127), "7f"),
            (Value::Int(128), "cc80"),
            (Value::Int(256), "cd0100"),
            (Value::Int(65_536), "ce00010000"),
            (Value::Int(1 << 32), "cf0000000100000000"),
            (Value::Int(-1), "ff"),
            (Value::Int(-32), "e0"),
            (Value::Int(-33), "d0df"),
            (Value::Int(-129), "d1ff7f"),
            (Value::Int(-(1 << 31) - 1), "d3ffffffff7fffffff"),
            (
                Value::int_from_decimal("18446744073709551615").unwrap(),
                "cfffffffffffffffff",
            ),
            (Value::Float(1.5), "cb3ff8000000000000"),
            (Value::from("é"), "a2c3a9"),
            (
                Value::from("x".repeat(32).as_str()),
                &format!("d920{}", "78".repeat(32)),
            ),
            (Value::Bytes(vec![0, 1]), "c4020001"),
            (Value::Tuple(vec![Value::Int(1), Value::Int(2)]), "920102"),
            (Value::Null, "c0"),
            (Value::Bool(true), "c3"),
            (
                Value::DateTime(DateTime::new(2026, 1, 2, 3, 4, 5, 0).unwrap()),
                "d6ff695735a5",
            ),
            (
                Value::DateTime(DateTime::new(2026, 1, 2, 3, 4, 5, 7200).unwrap()),
                "d6ff69571985",
            ),
            (
                Value::DateTime(DateTime::new(1900, 1, 1, 0, 0, 0, 0).unwrap()),
                "c70cff00000000ffffffff7c558180",
            ),
            (
                Value::DateTime(DateTime::new(2600, 1, 1, 0, 0, 0, 0).unwrap()),
                "c70cff0000000000000004a0fe7280",
            ),
            (
                Value::Uuid(crate::codec::Uuid::from_u128(1)),
                "d92430303030303030302d303030302d303030302d303030302d303030303030303030303031",
            ),
        ] {
            assert_eq!(enc(v.clone()), hex, "{v:?}");
        }
    }

    #[test]
    fn what_msgspec_refuses_is_refused() {
        let mut out = Vec::new();
        for v in [
            Value::int_from_decimal("18446744073709551616").unwrap(),
            Value::int_from_decimal("-9223372036854775809").unwrap(),
            Value::Markup("<b>".into()),
            Value::Str(PyString::from_code_points([0xD800]).unwrap()),
        ] {
            let mut d = Dict::new();
            d.insert("k", v.clone());
            assert!(encode_session(&mut out, &d, 64).is_err(), "{v:?}");
        }
    }

    #[test]
    fn json_is_written_as_msgspec_writes_it() {
        // Each expected text is `msgspec.json.Encoder().encode(v)` with
        // msgspec 0.23.
        let json = |v: Value| {
            let mut d = Dict::new();
            d.insert("k", v);
            let mut out = Vec::new();
            encode_session_json(&mut out, &d, 64).unwrap();
            String::from_utf8(out).unwrap()[5..]
                .trim_end_matches('}')
                .to_owned()
        };
        for (v, want) in [
            (Value::Float(1.5), "1.5"),
            (Value::Float(1e16), "1e16"),
            (Value::Float(1e22), "1e22"),
            (Value::Float(1e-7), "1e-7"),
            (Value::Float(1e-5), "0.00001"),
            (Value::Float(1.23e-5), "0.0000123"),
            (Value::Float(-1.5e-5), "-0.000015"),
            (Value::Float(1e15), "1000000000000000.0"),
            (Value::Float(1.2345678901234568e16), "1.2345678901234568e16"),
            (Value::Float(-1.5e-10), "-1.5e-10"),
            (Value::Float(5e-324), "5e-324"),
            (Value::Float(f64::NAN), "null"),
            (Value::Float(-0.0), "-0.0"),
            (
                Value::int_from_decimal("18446744073709551616").unwrap(),
                "18446744073709551616",
            ),
            (
                Value::from("\u{e9}\u{2028}\u{7f}\u{1}\"\\/"),
                "\"\u{e9}\u{2028}\u{7f}\\u0001\\\"\\\\/\"",
            ),
            (
                Value::from("\n\t\r\u{8}\u{c}\u{1f}"),
                "\"\\n\\t\\r\\b\\f\\u001f\"",
            ),
            (Value::Bytes(vec![0, 255]), "\"AP8=\""),
            (
                Value::Tuple(vec![Value::Int(1), Value::from("x")]),
                "[1,\"x\"]",
            ),
            (
                Value::DateTime(DateTime::new(2026, 1, 2, 5, 4, 5, 7200).unwrap()),
                "\"2026-01-02T03:04:05Z\"",
            ),
            (
                Value::Uuid(crate::codec::Uuid::from_u128(1)),
                "\"00000000-0000-0000-0000-000000000001\"",
            ),
            (Value::Null, "null"),
        ] {
            assert_eq!(json(v.clone()), want, "{v:?}");
        }
        let mut d = Dict::new();
        d.insert("a", Value::Null);
        d.insert("b", true);
        let mut out = Vec::new();
        encode_session_json(&mut out, &d, 64).unwrap();
        assert_eq!(out, b"{\"a\":null,\"b\":true}");
        let back = decode_session_json(&out, 64).unwrap();
        assert_eq!(back, d);
        assert!(decode_session_json(b"[1]", 64).is_err());
        assert_eq!(
            decode_session_json(b"{\"a\":[[[1]]]}", 2),
            Err(MsgpackError::TooDeep(2))
        );
    }

    #[test]
    fn stored_sessions_read_back() {
        let mut d = Dict::new();
        d.insert("_permanent", true);
        d.insert("user", "ada");
        d.insert("n", Value::Int(-70_000));
        d.insert(
            "big",
            Value::int_from_decimal("18446744073709551615").unwrap(),
        );
        d.insert("cart", Value::Tuple(vec![Value::Int(7), Value::Float(0.5)]));
        let mut nested = Dict::new();
        nested.insert("b", Value::Bytes(vec![1, 2, 3]));
        d.insert("nested", Value::Dict(nested));
        d.insert(
            "at",
            Value::DateTime(DateTime::new(2026, 1, 2, 3, 4, 5, 0).unwrap()),
        );
        let mut out = Vec::new();
        encode_session(&mut out, &d, 64).unwrap();
        let back = decode_session(&out, 64).unwrap();
        // A tuple comes back a list, as in Python.
        d.insert("cart", Value::List(vec![Value::Int(7), Value::Float(0.5)]));
        assert_eq!(back, d);
        // Order is kept.
        let keys: Vec<_> = back.iter().map(|(k, _)| k.to_string_lossy()).collect();
        assert_eq!(
            keys,
            ["_permanent", "user", "n", "big", "cart", "nested", "at"]
        );
    }

    #[test]
    fn bad_stored_values_are_typed_errors() {
        // A pickle from Flask-Session <= 0.6 (protocol 4 header).
        assert!(decode_session(b"\x80\x04\x95\x11\x00", 64).is_err());
        assert_eq!(decode_session(b"\x91\x01", 64), Err(MsgpackError::NotAMap));
        assert_eq!(
            decode_session(b"\x81\xa1k", 64),
            Err(MsgpackError::Truncated)
        );
        assert_eq!(decode_session(b"\x80\x00", 64), Err(MsgpackError::Trailing));
        assert_eq!(
            decode_session(b"\x81\x01\x01", 64).unwrap_err(),
            MsgpackError::Unsupported("a map key that is not a string")
        );
        // A forged length allocates nothing and fails.
        assert_eq!(
            decode_session(b"\xdf\xff\xff\xff\xff", 64),
            Err(MsgpackError::Truncated)
        );
        assert_eq!(
            decode_session(b"\x81\xa1k\xdd\xff\xff\xff\xff", 64),
            Err(MsgpackError::Truncated)
        );
        // Nesting is bounded.
        let mut deep = b"\x81\xa1k".to_vec();
        deep.extend(std::iter::repeat_n(0x91, 100));
        deep.push(0xc0);
        assert_eq!(decode_session(&deep, 64), Err(MsgpackError::TooDeep(64)));
        assert!(decode_session(&deep, 128).is_ok());
        assert_eq!(
            decode_session(b"\x81\xa1k\xd4\x05\x00", 64).unwrap_err(),
            MsgpackError::Unsupported("a MessagePack type sessions never hold")
        );
    }
}
