//! Writing the JSON dialect Flask writes sessions in: compact separators,
//! keys sorted by code point, ASCII only with lowercase `\uXXXX` escapes,
//! Python's float `repr`, `NaN`/`Infinity`, and Flask's tags.

use crate::codec::b64;
use crate::codec::error::EncodeError;
use crate::codec::json::tag::Tag;
use crate::codec::py::float::json_float_str;
use crate::codec::py::str::PyString;
use crate::codec::value::{Dict, Value};

/// Appends the tagged JSON of a dict to `out` (a session is tagged like any
/// other dict).
pub(crate) fn write_dict(out: &mut Vec<u8>, d: &Dict, max_depth: usize) -> Result<(), EncodeError> {
    Writer { out, max_depth }.dict(d, 0)
}

/// Appends the tagged JSON of `v` to `out`.
pub(crate) fn write_tagged(
    out: &mut Vec<u8>,
    v: &Value,
    max_depth: usize,
) -> Result<(), EncodeError> {
    Writer { out, max_depth }.value(v, 0)
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
    max_depth: usize,
}

impl Writer<'_> {
    fn enter(&self, depth: usize) -> Result<usize, EncodeError> {
        if depth >= self.max_depth {
            Err(EncodeError::TooDeep(self.max_depth))
        } else {
            Ok(depth + 1)
        }
    }

    /// Opens `{"<tag>":` and returns the depth inside the object.
    fn tagged_open(&mut self, tag: Tag, depth: usize) -> Result<usize, EncodeError> {
        let depth = self.enter(depth)?;
        self.out.extend_from_slice(b"{\"");
        self.out.extend_from_slice(tag.key().as_bytes());
        self.out.extend_from_slice(b"\":");
        Ok(depth)
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<(), EncodeError> {
        match v {
            Value::Null => self.out.extend_from_slice(b"null"),
            Value::Bool(true) => self.out.extend_from_slice(b"true"),
            Value::Bool(false) => self.out.extend_from_slice(b"false"),
            Value::Int(i) => write_i64(self.out, *i),
            Value::BigInt(b) => self.out.extend_from_slice(b.as_decimal().as_bytes()),
            Value::Float(f) => write_float(self.out, *f),
            Value::Str(s) => write_py_string(self.out, s),
            Value::List(items) => self.array(items, depth)?,
            Value::Tuple(items) => {
                let depth = self.tagged_open(Tag::Tuple, depth)?;
                self.array(items, depth)?;
                self.out.push(b'}');
            }
            Value::Bytes(b) => {
                self.tagged_open(Tag::Bytes, depth)?;
                write_ascii_string(self.out, &b64::encode_std(b));
                self.out.push(b'}');
            }
            Value::Markup(s) => {
                self.tagged_open(Tag::Markup, depth)?;
                write_py_string(self.out, s);
                self.out.push(b'}');
            }
            Value::Uuid(u) => {
                self.tagged_open(Tag::Uuid, depth)?;
                write_ascii_string(self.out, &u.simple());
                self.out.push(b'}');
            }
            Value::DateTime(d) => {
                let text = d.http_date().ok_or(EncodeError::DateTimeOutOfRange(*d))?;
                self.tagged_open(Tag::DateTime, depth)?;
                write_ascii_string(self.out, &text);
                self.out.push(b'}');
            }
            Value::Dict(d) => self.dict(d, depth)?,
        }
        Ok(())
    }

    fn dict(&mut self, d: &Dict, depth: usize) -> Result<(), EncodeError> {
        if let Some((k, inner)) = d.first().filter(|_| d.len() == 1)
            && Tag::from_key(k.as_bytes()).is_some()
        {
            // `{" di": {"<key>__": <tagged value>}}`
            let depth = self.tagged_open(Tag::Dict, depth)?;
            let depth = self.enter(depth)?;
            self.out.extend_from_slice(b"{\"");
            self.out.extend_from_slice(k.as_bytes());
            self.out.extend_from_slice(b"__\":");
            self.value(inner, depth)?;
            self.out.extend_from_slice(b"}}");
            return Ok(());
        }
        let depth = self.enter(depth)?;
        self.out.push(b'{');
        // A dict read from a cookie is in key order already; only one that
        // gained keys out of order needs a sorted copy.
        if d.is_key_sorted() {
            self.entries(d.iter(), depth)?;
        } else {
            self.entries(d.sorted().into_iter(), depth)?;
        }
        self.out.push(b'}');
        Ok(())
    }

    /// `key:value` pairs, comma-separated, in the order given.
    fn entries<'v>(
        &mut self,
        entries: impl Iterator<Item = (&'v PyString, &'v Value)>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            write_py_string(self.out, k);
            self.out.push(b':');
            self.value(v, depth)?;
        }
        Ok(())
    }

    fn array(&mut self, items: &[Value], depth: usize) -> Result<(), EncodeError> {
        let depth = self.enter(depth)?;
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            self.value(item, depth)?;
        }
        self.out.push(b']');
        Ok(())
    }
}

pub(crate) fn write_i64(out: &mut Vec<u8>, i: i64) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut pos = buf.len();
    loop {
        pos -= 1;
        if let Some(slot) = buf.get_mut(pos) {
            // n % 10 < 10, the cast cannot truncate.
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(buf.get(pos..).unwrap_or_default());
}

/// Writes `f` as Python's `float.__repr__` does, with JSON's names for the
/// non-finite values (`NaN`, `Infinity`, `-Infinity`).
pub(crate) fn write_float(out: &mut Vec<u8>, f: f64) {
    let mut s = String::with_capacity(24);
    json_float_str(f, &mut s);
    out.extend_from_slice(s.as_bytes());
}

fn write_ascii_string(out: &mut Vec<u8>, s: &str) {
    write_py_string_bytes(out, s.as_bytes());
}

pub(crate) fn write_py_string(out: &mut Vec<u8>, s: &PyString) {
    write_py_string_bytes(out, s.as_bytes());
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The length of the longest prefix of `bytes` that Python's
/// `ensure_ascii` writes as it is: printable ASCII (`0x20..=0x7E`) other
/// than `"` and `\`. Eight bytes are checked at a time: a byte is flagged
/// if it is below `0x20`, above `0x7E` or equal to `"` or `\`; carries and
/// borrows can only flag bytes above the first truly flagged one, so the
/// lowest flag is exact.
fn plain_prefix(bytes: &[u8]) -> usize {
    let mut i = 0;
    for chunk in bytes.chunks_exact(8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let below = w.wrapping_sub(ONES * 0x20) & !w;
        let above = w.wrapping_add(ONES) | w;
        let quote = w ^ (ONES * u64::from(b'"'));
        let backslash = w ^ (ONES * u64::from(b'\\'));
        let zero = |v: u64| v.wrapping_sub(ONES) & !v;
        let flags = (below | above | zero(quote) | zero(backslash)) & HIGHS;
        if flags != 0 {
            return i + (flags.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + bytes[i..]
        .iter()
        .take_while(|&&c| (0x20..0x7F).contains(&c) && c != b'"' && c != b'\\')
        .count()
}

/// Writes a JSON string from generalized UTF-8 bytes with Python's
/// `ensure_ascii` escaping.
pub(crate) fn write_py_string_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let push_u = |out: &mut Vec<u8>, u: u32| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(
                HEX.get(((u >> shift) & 0xF) as usize)
                    .copied()
                    .unwrap_or(b'0'),
            );
        }
    };
    out.push(b'"');
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // Copy the run of bytes that need no escaping.
        let start = i;
        i += plain_prefix(&bytes[i..]);
        if i > start {
            out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
            continue;
        }
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x00..=0x7F => push_u(out, u32::from(b)),
            _ => {
                let (len, init) = match b {
                    0xC0..=0xDF => (2, u32::from(b & 0x1F)),
                    0xE0..=0xEF => (3, u32::from(b & 0x0F)),
                    _ => (4, u32::from(b & 0x07)),
                };
                let cont = bytes.get(i + 1..i + len).unwrap_or_default();
                let cp = cont
                    .iter()
                    .fold(init, |acc, &c| (acc << 6) | u32::from(c & 0x3F));
                if cp > 0xFFFF {
                    let v = cp - 0x10000;
                    push_u(out, 0xD800 | (v >> 10));
                    push_u(out, 0xDC00 | (v & 0x3FF));
                } else {
                    push_u(out, cp);
                }
                i += len;
                continue;
            }
        }
        i += 1;
    }
    out.push(b'"');
}

/// Rewrites JSON written by this module (Python's `ensure_ascii=True`
/// form) into the form Python's `json.dumps(..., ensure_ascii=False)`
/// writes: every `\uXXXX` escape of a character from U+007F up (a
/// surrogate pair as one character) becomes that character's UTF-8;
/// control characters, `"` and the backslash keep their escapes. In place:
/// the text only shrinks.
///
/// A lone surrogate has no UTF-8 form: Flask's save fails on it
/// (`UnicodeEncodeError` when itsdangerous encodes the text), and this
/// returns [`EncodeError::LoneSurrogate`].
pub(crate) fn escapes_to_utf8(json: &mut Vec<u8>) -> Result<(), EncodeError> {
    let Some(first) = memchr::memchr(b'\\', json) else {
        return Ok(());
    };
    let hex4 = |json: &[u8], at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(json.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    };
    let (mut r, mut w) = (first, first);
    while r < json.len() {
        let b = json[r];
        if b != b'\\' {
            json[w] = b;
            (r, w) = (r + 1, w + 1);
            continue;
        }
        // The writer escapes only inside strings, always with a second byte;
        // `\u` escapes below U+007F are control characters, kept as they are.
        let escape = if json.get(r + 1) == Some(&b'u') {
            hex4(json, r + 2)
        } else {
            None
        };
        let Some(unit) = escape.filter(|&u| u >= 0x7f) else {
            let len = if escape.is_some() { 6 } else { 2 };
            let len = len.min(json.len() - r);
            json.copy_within(r..r + len, w);
            (r, w) = (r + len, w + len);
            continue;
        };
        let (cp, used) = match unit {
            0xD800..=0xDBFF => {
                let low = (json.get(r + 6..r + 8) == Some(&b"\\u"[..]))
                    .then(|| hex4(json, r + 8))
                    .flatten()
                    .filter(|l| (0xDC00..=0xDFFF).contains(l))
                    .ok_or(EncodeError::LoneSurrogate(unit))?;
                (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
            }
            0xDC00..=0xDFFF => return Err(EncodeError::LoneSurrogate(unit)),
            _ => (unit, 6),
        };
        let c = char::from_u32(cp).ok_or(EncodeError::LoneSurrogate(unit))?;
        let mut buf = [0u8; 4];
        let utf8 = c.encode_utf8(&mut buf).as_bytes();
        json[w..w + utf8.len()].copy_from_slice(utf8);
        (r, w) = (r + used, w + utf8.len());
    }
    json.truncate(w);
    Ok(())
}

/// Flask's JSON for a [`Value`], defined here (beside the writer) so the
/// value model does not import the writer.
impl Value {
    /// Flask's tagged JSON for this value: exactly the text Flask writes.
    ///
    /// # Errors
    ///
    /// [`EncodeError`](EncodeError) if the value cannot be written
    /// (a datetime whose UTC conversion leaves Python's year range, or nesting
    /// deeper than the default limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::Value;
    ///
    /// assert_eq!(Value::Float(1e16).to_flask_json()?, "1e+16");
    /// assert_eq!(Value::Float(-0.0).to_flask_json()?, "-0.0");
    /// assert_eq!(Value::from("ü").to_flask_json()?, r#""\u00fc""#);
    /// assert_eq!(Value::Bytes(b"hi".to_vec()).to_flask_json()?, r#"{" b":"aGk="}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_flask_json(&self) -> Result<String, EncodeError> {
        let mut out = Vec::new();
        write_tagged(&mut out, self, crate::codec::DEFAULT_MAX_DEPTH)?;
        // The writer emits ASCII only.
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::py::float::python_float_str;

    /// The word-at-a-time scan stops exactly where a byte-by-byte one does:
    /// every byte value at every position of inputs up to 24 bytes long,
    /// among plain bytes and after other flagged ones (whose carries and
    /// borrows must not hide it).
    #[test]
    fn plain_prefix_stops_at_the_first_byte_to_escape() {
        let plain = |c: u8| (0x20..0x7F).contains(&c) && c != b'"' && c != b'\\';
        let naive = |b: &[u8]| b.iter().take_while(|&&c| plain(c)).count();
        let mut checked = 0;
        for len in 0..=24 {
            for pos in 0..len {
                for byte in 0..=255u8 {
                    for fill in [b'a', b'~', b' ', b'!', b'#', b'[', b']'] {
                        let mut v = vec![fill; len];
                        v[pos] = byte;
                        assert_eq!(plain_prefix(&v), naive(&v), "{v:?}");
                        // A second odd byte after it, and 0xff/0x00 before.
                        if pos + 1 < len {
                            v[pos + 1] = byte.wrapping_add(1);
                            assert_eq!(plain_prefix(&v), naive(&v), "{v:?}");
                        }
                        if pos > 0 {
                            for lower in [0x00, 0x1f, 0x7f, 0xff, b'"', b'\\'] {
                                v[pos - 1] = lower;
                                assert_eq!(plain_prefix(&v), naive(&v), "{v:?}");
                            }
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 500_000);
        assert_eq!(
            plain_prefix(b"3d70005188f7b2c3a77763d99821c06a3c520414"),
            40
        );
    }

    /// The writer counts nesting as the reader does (every JSON container,
    /// a tag's object included), so a value written under a depth limit is
    /// read back under the same limit, and one level more fails both ways.
    #[test]
    fn depth_limit_agrees_with_the_reader() {
        let wrap: [fn(Value) -> Value; 4] = [
            |v| Value::List(vec![v]),
            |v| Value::Tuple(vec![v]),
            |v| Value::Dict(Dict::from_iter([("k", v)])),
            // A one-key dict whose key is a tag: `{" di": {"<key>__": v}}`.
            |v| Value::Dict(Dict::from_iter([(" t", v)])),
        ];
        for (shape, wrap) in wrap.iter().enumerate() {
            let mut v = Value::Bytes(vec![1, 2]);
            for _ in 0..4 {
                v = wrap(v);
            }
            let mut text = Vec::new();
            write_tagged(&mut text, &v, 64).unwrap();
            let text = String::from_utf8(text).unwrap();
            let mut fits = Vec::new();
            for limit in 0..16 {
                let written = write_tagged(&mut Vec::new(), &v, limit);
                let read = crate::codec::json::read::parse_tagged(&text, limit);
                assert_eq!(
                    written.is_ok(),
                    read.is_ok(),
                    "shape {shape}, limit {limit}"
                );
                if let Err(e) = written {
                    assert_eq!(e, EncodeError::TooDeep(limit));
                }
                fits.push(read.is_ok());
            }
            // Too shallow at first, then enough from some limit on.
            let needed = fits.iter().position(|&ok| ok).unwrap();
            assert!(needed >= 5, "shape {shape}: {text} fits in {needed}");
            assert!(fits[needed..].iter().all(|&ok| ok), "shape {shape}");
        }
    }

    fn repr(f: f64) -> String {
        let mut s = String::new();
        python_float_str(f, &mut s);
        s
    }

    #[test]
    fn floats_like_python_repr() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (5e-324, "5e-324"),
            (1e100, "1e+100"),
            (0.30000000000000004, "0.30000000000000004"),
            (1.5e300, "1.5e+300"),
            (-2.5e-7, "-2.5e-07"),
            (9999999999999998.0, "9999999999999998.0"),
            (f64::MAX, "1.7976931348623157e+308"),
            // Exactly halfway between two shortest candidates: Python's
            // `repr` takes the even last digit (Rust's shortest the upper).
            // 1276771017414697.25, 2^50 + 0.75, 2^50 + 1.25, 2^50 + 0.25.
            (f64::from_bits(0x4312_24dd_abcf_60a5), "1276771017414697.2"),
            (f64::from_bits(0x4310_0000_0000_0003), "1125899906842624.8"),
            (f64::from_bits(0x4310_0000_0000_0005), "1125899906842625.2"),
            (f64::from_bits(0x4310_0000_0000_0001), "1125899906842624.2"),
            // 2^51 + 0.5: one shortest candidate only.
            (f64::from_bits(0x4320_0000_0000_0001), "2251799813685248.5"),
        ];
        for (f, want) in cases {
            assert_eq!(repr(f), want, "{f:e}");
        }
        // Python's repr of the non-finite values (Markup of a float) and
        // JSON's names for them (values and dict keys).
        for (f, python, json) in [
            (f64::INFINITY, "inf", "Infinity"),
            (f64::NEG_INFINITY, "-inf", "-Infinity"),
            (f64::NAN, "nan", "NaN"),
        ] {
            assert_eq!(repr(f), python);
            let mut s = String::new();
            json_float_str(f, &mut s);
            assert_eq!(s, json);
        }
    }

    #[test]
    fn strings_escape_like_python() {
        let mut out = Vec::new();
        write_py_string(
            &mut out,
            &PyString::from("a\"\\/\u{7f}\u{1}\u{8}\u{c}é😀\u{FFFF}"),
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\"\\/\u007f\u0001\b\fé\ud83d\ude00\uffff""#.replace('é', "\\u00e9")
        );
        let mut out = Vec::new();
        write_py_string(
            &mut out,
            &PyString::from_code_points([0xD800, 0x41]).unwrap(),
        );
        assert_eq!(out, br#""\ud800A""#);
    }

    /// Python's `json.dumps(s, ensure_ascii=False)` of a string, for the
    /// property below: only `"`, the backslash and control characters
    /// are escaped.
    fn python_utf8(s: &str) -> Vec<u8> {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out.into_bytes()
    }

    #[test]
    fn escapes_to_utf8_keeps_what_python_keeps_escaped() {
        for (ascii, utf8) in [
            (r#""a\u00e9b""#, "\"a\u{e9}b\""),
            // An escaped backslash followed by the letters `u00e9`.
            (r#""\\u00e9""#, r#""\\u00e9""#),
            (
                r#""\u007f\u0000\u001f\n\"\\""#,
                "\"\u{7f}\\u0000\\u001f\\n\\\"\\\\\"",
            ),
            (
                r#"{"\u65e5":["\ud83d\ude00",1]}"#,
                "{\"\u{65e5}\":[\"\u{1f600}\",1]}",
            ),
            (r#""\u2028\uffff""#, "\"\u{2028}\u{ffff}\""),
            ("[1,2]", "[1,2]"),
        ] {
            let mut json = ascii.as_bytes().to_vec();
            escapes_to_utf8(&mut json).unwrap();
            assert_eq!(String::from_utf8(json).unwrap(), utf8, "{ascii}");
        }
        for (ascii, unit) in [
            (r#""\ud800""#, 0xD800),
            (r#""\udfff\ud800""#, 0xDFFF),
            (r#""\ud800\ud800""#, 0xD800),
            (r#""\ud800\n""#, 0xD800),
        ] {
            let mut json = ascii.as_bytes().to_vec();
            assert_eq!(
                escapes_to_utf8(&mut json),
                Err(EncodeError::LoneSurrogate(unit)),
                "{ascii}"
            );
        }
        // Not this writer's output: no panic, whatever comes out.
        for odd in ["\\", "\"\\u12", "\\u", "\\ud800\\u"] {
            let _ = escapes_to_utf8(&mut odd.as_bytes().to_vec());
        }
    }

    proptest::proptest! {
        #![proptest_config(crate::seeded_proptest("escapes_to_utf8_is_python_ensure_ascii_false"))]
        #[test]
        fn escapes_to_utf8_is_python_ensure_ascii_false(s in "(?s).{0,40}") {
            let mut json = Vec::new();
            write_py_string(&mut json, &PyString::from(s.as_str()));
            escapes_to_utf8(&mut json).unwrap();
            proptest::prop_assert_eq!(json, python_utf8(&s));
        }
    }
}
