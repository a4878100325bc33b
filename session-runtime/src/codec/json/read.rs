//! Reading tagged JSON as Flask does: Python's `json.loads` (C scanner)
//! followed by `TaggedJSONSerializer`'s bottom-up untagging.

use std::cell::RefCell;

use crate::codec::error::{JsonError, JsonErrorKind, PayloadError};
use crate::codec::json::tag;
use crate::codec::py::int::MAX_STR_DIGITS as MAX_INT_DIGITS;
use crate::codec::py::str::{PyString, PyStringBuilder};
use crate::codec::value::{Dict, DictIntoIter, Value};

/// Parses tagged JSON text into a [`Value`], untagging bottom-up.
pub(crate) fn parse_tagged(text: &str, max_depth: usize) -> Result<Value, PayloadError> {
    if text.starts_with('\u{FEFF}') {
        return Err(JsonError::new(JsonErrorKind::Bom, 0).into());
    }
    let mut p = Parser::new(text, max_depth);
    p.skip_ws();
    let v = p.value();
    // A JSON error, trailing data included, comes before a failed tag
    // conversion (which leaves the position after the value).
    if matches!(v, Ok(_) | Err(PayloadError::Tag(_))) {
        p.skip_ws();
        if p.pos != p.s.len() {
            return Err(p.err(JsonErrorKind::ExtraData).into());
        }
    }
    v
}

/// The deepest nesting read whatever the configured limit: reading is
/// iterative, but dropping, comparing and writing a value recurse, and an
/// unoptimised build needs about 1 KiB of stack per level for them, so
/// deeper values could exhaust a 2 MiB worker thread's stack.
pub(crate) const MAX_NESTING: usize = 1024;

/// The reader's reusable stacks: open containers, and the entries of every
/// open object (innermost last).
type Scratch = (Vec<Frame>, Vec<(PyString, Value)>);

thread_local! {
    /// The container stack and entry stack, reused across parses (always
    /// left empty).
    static SCRATCH: RefCell<Scratch> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// How objects are finished while reading.
enum Untag {
    /// Untag each object as it closes (the fast path). A failed tag
    /// conversion is held back, and its object read as `null`, until the
    /// whole value has parsed: a JSON error anywhere comes first in Python,
    /// and a repeated key may drop the failing value altogether.
    Streaming {
        /// The first failed conversion, in document order.
        error: Option<PayloadError>,
        /// Whether a repeated key dropped an earlier value.
        dropped: bool,
    },
    /// Plain dicts, as `json.loads` returns them (for [`untag_scan`]).
    Raw,
}

/// An open container while parsing.
enum Frame {
    Array(Vec<Value>),
    /// Where this object's entries start in the parser's shared entry stack
    /// (a `Dict` is built only at the end, and not at all for a one-key tag
    /// object) and the key whose value is being read.
    Object(usize, PyString),
}

/// Python's JSON scanner over one text (also driven value by value by the
/// typed session reader, `json::read_fields`).
pub(crate) struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    pub(crate) pos: usize,
    /// Containers that may still be opened below the current position.
    pub(crate) max_depth: usize,
}

/// A number's text, as the scanner delimits it.
pub(crate) struct NumberToken<'a> {
    pub(crate) text: &'a str,
    pub(crate) is_float: bool,
    /// Digits before the fraction/exponent (with the sign).
    pub(crate) int_len: usize,
}

impl<'a> Parser<'a> {
    /// A parser over `text` that opens at most `max_depth` nested
    /// containers, and never more than [`MAX_NESTING`].
    pub(crate) fn new(text: &'a str, max_depth: usize) -> Self {
        Parser {
            s: text.as_bytes(),
            text,
            pos: 0,
            max_depth: max_depth.min(MAX_NESTING),
        }
    }

    pub(crate) fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError::new(kind, self.pos)
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }

    pub(crate) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// After a container's item: `Some(true)` past a `,` (and whitespace),
    /// `Some(false)` past the closing `close`, `None` at anything else.
    pub(crate) fn after_item(&mut self, close: u8) -> Option<bool> {
        self.skip_ws();
        let more = match self.peek() {
            Some(b',') => true,
            Some(c) if c == close => false,
            _ => return None,
        };
        self.pos += 1;
        if more {
            self.skip_ws();
        }
        Some(more)
    }

    pub(crate) fn eat_literal(&mut self, lit: &str) -> bool {
        if self.s.get(self.pos..self.pos + lit.len()) == Some(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    /// A scalar, or `None` at an opening bracket (the caller handles those).
    fn scalar(&mut self) -> Result<Option<Value>, PayloadError> {
        match self.peek() {
            Some(b'{' | b'[') => Ok(None),
            Some(b'"') => Ok(Some(Value::Str(self.string()?))),
            Some(b'-') if self.s.get(self.pos + 1) == Some(&b'I') => {
                if self.eat_literal("-Infinity") {
                    Ok(Some(Value::Float(f64::NEG_INFINITY)))
                } else {
                    Err(self.err(JsonErrorKind::ExpectedValue).into())
                }
            }
            Some(b'-' | b'0'..=b'9') => self.number().map(Some),
            _ => {
                for (lit, v) in [
                    ("null", Value::Null),
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("NaN", Value::Float(f64::NAN)),
                    ("Infinity", Value::Float(f64::INFINITY)),
                ] {
                    if self.eat_literal(lit) {
                        return Ok(Some(v));
                    }
                }
                Err(self.err(JsonErrorKind::ExpectedValue).into())
            }
        }
    }

    /// Parses one value iteratively: nesting depth costs heap, not stack.
    /// A failed tag conversion is reported only once the whole value has
    /// parsed (a JSON error comes first), with the position after it.
    pub(crate) fn value(&mut self) -> Result<Value, PayloadError> {
        // A scalar (`_permanent`'s `true`, say) needs no stack and carries
        // no tag: the same result as `value_with`'s first step, without
        // borrowing the scratch stacks.
        if !matches!(self.peek(), Some(b'{' | b'['))
            && let Some(v) = self.scalar()?
        {
            return Ok(v);
        }
        let start = self.pos;
        let mut mode = Untag::Streaming {
            error: None,
            dropped: false,
        };
        let value = crate::scratch::with_empty(&SCRATCH, |(stack, entries)| {
            self.value_with(stack, entries, &mut mode)
        })?;
        match mode {
            Untag::Streaming { error: None, .. } | Untag::Raw => Ok(value),
            Untag::Streaming {
                error: Some(error),
                dropped: false,
            } => Err(error),
            Untag::Streaming { dropped: true, .. } => {
                drop(value);
                self.value_as_python_reads_it(start)
            }
        }
    }

    /// A failed tag conversion whose survival depends on which values
    /// repeated keys dropped: the value at `start` read again as Python
    /// does, plain dicts first, then untagged in Flask's order.
    #[cold]
    fn value_as_python_reads_it(&mut self, start: usize) -> Result<Value, PayloadError> {
        self.pos = start;
        let raw = crate::scratch::with_empty(&SCRATCH, |(stack, entries)| {
            self.value_with(stack, entries, &mut Untag::Raw)
        })?;
        untag_scan(raw)
    }

    fn value_with(
        &mut self,
        stack: &mut Vec<Frame>,
        entries: &mut Vec<(PyString, Value)>,
        mode: &mut Untag,
    ) -> Result<Value, PayloadError> {
        'value: loop {
            // Read a value: a scalar, or open a container and loop for its
            // first element.
            let mut done = match self.peek() {
                Some(open @ (b'{' | b'[')) => {
                    if stack.len() >= self.max_depth {
                        return Err(self.err(JsonErrorKind::TooDeep(self.max_depth)).into());
                    }
                    self.pos += 1;
                    self.skip_ws();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::List(Vec::new())
                        } else {
                            stack.push(Frame::Array(Vec::new()));
                            continue 'value;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Dict(Dict::new())
                    } else {
                        let key = self.key()?;
                        stack.push(Frame::Object(entries.len(), key));
                        continue 'value;
                    }
                }
                _ => match self.scalar()? {
                    Some(v) => v,
                    None => return Err(self.err(JsonErrorKind::ExpectedValue).into()),
                },
            };
            // Attach the finished value to its container; close containers
            // that end here.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok(done);
                };
                // The frame stays on the stack while it continues (no moves
                // of its vector per element); it is popped when it closes.
                match frame {
                    Frame::Array(items) => {
                        items.push(done);
                        match self.after_item(b']') {
                            Some(true) => continue 'value,
                            Some(false) => {
                                done = Value::List(std::mem::take(items));
                                stack.pop();
                            }
                            None => return Err(self.err(JsonErrorKind::ExpectedCommaOrEnd).into()),
                        }
                    }
                    Frame::Object(start, key) => {
                        entries.push((std::mem::take(key), done));
                        match self.after_item(b'}') {
                            Some(true) => {
                                *key = self.key()?;
                                continue 'value;
                            }
                            Some(false) => {
                                let start = *start;
                                stack.pop();
                                let items = entries.drain(start..);
                                done = match mode {
                                    Untag::Streaming { error, dropped } => {
                                        match tag::untag_entries(items, dropped) {
                                            Ok(v) => v,
                                            Err(e) => {
                                                error.get_or_insert(e);
                                                Value::Null
                                            }
                                        }
                                    }
                                    Untag::Raw => Value::Dict(tag::dict_of(items, &mut false)),
                                };
                            }
                            None => return Err(self.err(JsonErrorKind::ExpectedCommaOrEnd).into()),
                        }
                    }
                }
            }
        }
    }

    /// An object key and its colon, leaving the position at the value.
    pub(crate) fn key(&mut self) -> Result<PyString, PayloadError> {
        if self.peek() != Some(b'"') {
            return Err(self.err(JsonErrorKind::ExpectedKey).into());
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return Err(self.err(JsonErrorKind::ExpectedColon).into());
        }
        self.pos += 1;
        self.skip_ws();
        Ok(key)
    }

    /// The four hex digits after the `u` at `u`; an error is reported at
    /// the `u`, as Python reports it.
    fn hex4(&self, u: usize) -> Result<u32, JsonError> {
        let digits = self
            .s
            .get(u + 1..u + 5)
            .ok_or(JsonError::new(JsonErrorKind::BadUnicodeEscape, u))?;
        digits.iter().try_fold(0u32, |acc, &b| {
            char::from(b)
                .to_digit(16)
                .map(|d| (acc << 4) | d)
                .ok_or(JsonError::new(JsonErrorKind::BadUnicodeEscape, u))
        })
    }

    /// A string without escapes, borrowed from the text (the position moves
    /// past it); `None` (position unchanged) if it has escapes or is not a
    /// well-formed string here.
    pub(crate) fn plain_string(&mut self) -> Option<&'a str> {
        if self.peek() != Some(b'"') {
            return None;
        }
        let start = self.pos + 1;
        let len = self
            .s
            .get(start..)?
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        if self.s.get(start + len) != Some(&b'"') {
            return None;
        }
        self.pos = start + len + 1;
        self.text.get(start..start + len)
    }

    /// [`Parser::plain_string`] as an object key, with its colon and the
    /// whitespace up to the value.
    pub(crate) fn plain_key(&mut self) -> Option<&'a str> {
        let key = self.plain_string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return None;
        }
        self.pos += 1;
        self.skip_ws();
        Some(key)
    }

    pub(crate) fn string(&mut self) -> Result<PyString, JsonError> {
        // Most strings have no escapes: one exact-size copy.
        if let Some(plain) = self.plain_string() {
            return Ok(PyString::from(plain));
        }
        let start = self.pos;
        self.pos += 1;
        let mut b = PyStringBuilder::with_capacity(16);
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.pos;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Boundaries are ASCII bytes, so they are char boundaries.
            b.push_str(self.text.get(run_start..self.pos).unwrap_or_default());
            match self.peek() {
                None => return Err(JsonError::new(JsonErrorKind::UnterminatedString, start)),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(b.finish());
                }
                Some(b'\\') => {
                    let esc = self.s.get(self.pos + 1).copied();
                    let simple = match esc {
                        Some(b'"') => Some('"'),
                        Some(b'\\') => Some('\\'),
                        Some(b'/') => Some('/'),
                        Some(b'b') => Some('\u{8}'),
                        Some(b'f') => Some('\u{c}'),
                        Some(b'n') => Some('\n'),
                        Some(b'r') => Some('\r'),
                        Some(b't') => Some('\t'),
                        Some(b'u') => None,
                        None => {
                            return Err(JsonError::new(JsonErrorKind::UnterminatedString, start));
                        }
                        Some(_) => return Err(self.err(JsonErrorKind::BadEscape)),
                    };
                    match simple {
                        Some(c) => {
                            b.push_code_point(u32::from(c));
                            self.pos += 2;
                        }
                        None => {
                            let cp = self.hex4(self.pos + 1)?;
                            self.pos += 6;
                            b.push_code_point(cp);
                        }
                    }
                }
                Some(_) => return Err(self.err(JsonErrorKind::ControlCharacter)),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    /// Delimits a number (Python's grammar) without converting it.
    pub(crate) fn number_token(&mut self) -> Result<NumberToken<'a>, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(JsonError::new(JsonErrorKind::ExpectedValue, start)),
        }
        let int_len = self.pos - start;
        let mut is_float = false;
        if self.peek() == Some(b'.') && matches!(self.s.get(self.pos + 1), Some(b'0'..=b'9')) {
            self.pos += 1;
            self.digits();
            is_float = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            let save = self.pos;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                self.pos = save;
            } else {
                is_float = true;
            }
        }
        Ok(NumberToken {
            text: self.text.get(start..self.pos).unwrap_or_default(),
            is_float,
            int_len,
        })
    }

    fn number(&mut self) -> Result<Value, PayloadError> {
        let start = self.pos;
        let NumberToken {
            text,
            is_float,
            int_len,
        } = self.number_token()?;
        if is_float {
            let f: f64 = text
                .parse()
                .map_err(|_| JsonError::new(JsonErrorKind::ExpectedValue, start))?;
            return Ok(Value::Float(f));
        }
        if int_len > MAX_INT_DIGITS + usize::from(text.starts_with('-')) {
            return Err(JsonError::new(JsonErrorKind::IntTooLong, start).into());
        }
        Value::int_from_decimal(text)
            .ok_or_else(|| JsonError::new(JsonErrorKind::ExpectedValue, start).into())
    }
}

/// `TaggedJSONSerializer._untag_scan` on what `json.loads` returned:
/// children before their container, in dict order, and the first failure
/// is the error. Iterative, like the reader.
fn untag_scan(root: Value) -> Result<Value, PayloadError> {
    enum Open {
        List(std::vec::IntoIter<Value>, Vec<Value>),
        /// The dict's remaining entries, the untagged ones so far, and the
        /// key whose value is being scanned.
        Dict(DictIntoIter, Dict, PyString),
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut next = root;
    'descend: loop {
        let mut done = match next {
            Value::List(items) => {
                stack.push(Open::List(items.into_iter(), Vec::new()));
                None
            }
            Value::Dict(dict) => {
                let len = dict.len();
                stack.push(Open::Dict(
                    dict.into_iter(),
                    Dict::with_capacity(len),
                    PyString::default(),
                ));
                None
            }
            scalar => Some(scalar),
        };
        loop {
            let Some(open) = stack.last_mut() else {
                return Ok(done.unwrap_or(Value::Null));
            };
            match open {
                Open::List(rest, out) => {
                    out.extend(done.take());
                    if let Some(item) = rest.next() {
                        next = item;
                        continue 'descend;
                    }
                    done = Some(Value::List(std::mem::take(out)));
                }
                Open::Dict(rest, out, key) => {
                    if let Some(v) = done.take() {
                        out.insert(std::mem::take(key), v);
                    }
                    if let Some((k, v)) = rest.next() {
                        *key = k;
                        next = v;
                        continue 'descend;
                    }
                    done = Some(tag::untag_dict(std::mem::take(out))?);
                }
            }
            stack.pop();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Result<Value, PayloadError> {
        parse_tagged(s, 64)
    }

    /// Werkzeug's `parse_date` on a `" d"` tag's content that is not text
    /// (Flask 3.1.3): falsy values give `None`, other values fail.
    #[test]
    fn date_tag_of_a_non_string() {
        for falsy in ["0", "false", "[]", "{}", "null", "0.0"] {
            let text = format!(r#"{{" d": {falsy}}}"#);
            assert_eq!(p(&text).unwrap(), Value::Null, "{text}");
        }
        for truthy in ["1", "[1]", "true", "{\"a\":1}"] {
            let text = format!(r#"{{" d": {truthy}}}"#);
            assert!(matches!(p(&text), Err(PayloadError::Tag(_))), "{text}");
        }
    }

    /// The error kind and offset Python's `json.loads` reports (its
    /// `msg` and `pos`, from CPython 3.11; the texts are ASCII, so its
    /// character offsets are byte offsets).
    #[test]
    fn errors_where_python_reports_them() {
        use JsonErrorKind::*;
        for (text, kind, offset) in [
            ("1e", ExtraData, 1),
            ("1e+", ExtraData, 1),
            ("[1e]", ExpectedCommaOrEnd, 2),
            ("1.", ExtraData, 1),
            ("[1.]", ExpectedCommaOrEnd, 2),
            ("01", ExtraData, 1),
            ("[1,]", ExpectedValue, 3),
            ("{\"a\":1,}", ExpectedKey, 7),
            ("tru", ExpectedValue, 0),
            ("{} x", ExtraData, 3),
            ("-", ExpectedValue, 0),
            ("\"\\u12\"", BadUnicodeEscape, 2),
            ("\"ab\\uZZZZ\"", BadUnicodeEscape, 4),
            ("\"\\ud83d\\u12\"", BadUnicodeEscape, 8),
            ("\"\\ud83d\\uZZZZ\"", BadUnicodeEscape, 8),
            ("[1}", ExpectedCommaOrEnd, 2),
            ("{\"a\" 1}", ExpectedColon, 5),
            ("{1:2}", ExpectedKey, 1),
            ("\"abc", UnterminatedString, 0),
            ("\"\\x\"", BadEscape, 1),
            ("\"\u{1}\"", ControlCharacter, 1),
            ("[", ExpectedValue, 1),
            ("{\"a\":", ExpectedValue, 5),
        ] {
            match p(text) {
                Err(PayloadError::Json(e)) => {
                    assert_eq!((e.kind(), e.offset()), (&kind, offset), "{text:?}")
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn python_json_grammar() {
        assert_eq!(
            p(" [1, -0, 2.5e1, NaN] ").unwrap().to_flask_json().unwrap(),
            "[1,0,25.0,NaN]"
        );
        assert_eq!(p("-Infinity").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert_eq!(p("1E400").unwrap(), Value::Float(f64::INFINITY));
        for bad in [
            "",
            "01",
            "1.",
            "[1,]",
            "{\"a\":1,}",
            "\u{FEFF}{}",
            "\"\u{1}\"",
            "\"\\x\"",
            "tru",
            "{} x",
            "'a'",
            "-",
            "\"\\u12\"",
            // A container closes only with its own bracket.
            "[1}",
            "{\"a\":1]",
            "[{}}",
        ] {
            assert!(p(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn surrogates_pair_or_stay_lone() {
        assert_eq!(p(r#""\ud83d\ude00""#).unwrap(), Value::from("😀"));
        let lone = p(r#""\udc00\ud800x""#).unwrap();
        match lone {
            Value::Str(s) => {
                assert_eq!(s.code_points().collect::<Vec<_>>(), [0xDC00, 0xD800, 0x78])
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn duplicate_keys_last_wins_first_position() {
        let v = p(r#"{"b":1,"a":2,"b":3}"#).unwrap();
        let d = v.as_dict().unwrap();
        assert_eq!(
            d.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
            ["b", "a"]
        );
        assert_eq!(d.get("b"), Some(&Value::Int(3)));
    }

    fn tag_of(r: Result<Value, PayloadError>) -> &'static str {
        match r {
            Err(PayloadError::Tag(e)) => e.tag(),
            other => panic!("expected a tag error, got {other:?}"),
        }
    }

    #[test]
    fn a_failed_tag_that_a_repeated_key_drops_is_no_error() {
        // json.loads keeps the last value before Flask untags anything.
        let v = p(r#"{"a":{" b":"é"},"a":1}"#).unwrap();
        assert_eq!(v.to_flask_json().unwrap(), r#"{"a":1}"#);
        let v =
            p(r#"{"x":{" t":{" b":"é"}},"y":[{"k":{" u":"no"},"k":{" t":[1]}}],"x":0}"#).unwrap();
        assert_eq!(
            v.to_flask_json().unwrap(),
            r#"{"x":0,"y":[{"k":{" t":[1]}}]}"#
        );
        // The value that survives is still untagged.
        let v = p(r#"{"a":[{" b":"!"}],"a":{" b":"aGk="}}"#).unwrap();
        assert_eq!(v.to_flask_json().unwrap(), r#"{"a":{" b":"aGk="}}"#);
    }

    #[test]
    fn a_failed_tag_that_survives_is_the_error() {
        assert_eq!(tag_of(p(r#"{"a":{" b":"é"},"b":1}"#)), " b");
        // Repeated keys elsewhere do not hide it.
        assert_eq!(tag_of(p(r#"[{"k":1,"k":2},{" u":"no"}]"#)), " u");
        assert_eq!(tag_of(p(r#"{"a":{" b":"é"},"b":1,"b":2}"#)), " b");
    }

    #[test]
    fn the_first_failure_in_flasks_scan_order_is_reported() {
        // Without repeats: document order (children before their object).
        assert_eq!(tag_of(p(r#"[{" u":"no"},{" b":"é"}]"#)), " u");
        assert_eq!(tag_of(p(r#"{" t":{" b":"é"}}"#)), " b");
        // With a repeat, "a" keeps its first position but its last value.
        assert_eq!(
            tag_of(p(r#"{"a":{" b":"é"},"b":{" u":"no"},"a":{" d":[1]}}"#)),
            " d"
        );
    }

    #[test]
    fn a_json_error_comes_before_a_failed_tag() {
        for text in [r#"{"a":{" b":"é"},"b":}"#, r#"[{" u":"no"}] x"#] {
            assert!(matches!(p(text), Err(PayloadError::Json(_))), "{text}");
        }
    }

    /// Flask's way, literally: `json.loads` (plain dicts, repeated keys
    /// resolved), then `_untag_scan`.
    fn reference(text: &str) -> Result<Value, PayloadError> {
        let mut p = Parser::new(text, 64);
        p.skip_ws();
        let raw = p.value_with(&mut Vec::new(), &mut Vec::new(), &mut Untag::Raw)?;
        p.skip_ws();
        if !p.at_end() {
            return Err(p.err(JsonErrorKind::ExtraData).into());
        }
        untag_scan(raw)
    }

    fn tagged_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop::sample::select(vec![
            "1",
            r#""s""#,
            "null",
            "[]",
            r#"{" t":[1]}"#,
            r#"{" b":"aGk="}"#,
            r#"{" u":"12345678123456781234567812345678"}"#,
            r#"{" m":"x"}"#,
            r#"{" d":"Thu, 01 Jan 2026 00:00:00 GMT"}"#,
            r#"{" d":"garbage"}"#,
            r#"{" b":"\u00e9"}"#,
            r#"{" u":"no"}"#,
            r#"{" d":[1]}"#,
            r#"{" t":1}"#,
            r#"{" di":{}}"#,
            r#"{" di":{"ab__":1}}"#,
        ])
        .prop_map(str::to_owned);
        leaf.prop_recursive(4, 40, 4, |inner| {
            let key = prop::sample::select(vec!["k", "j", " t", " b", " di", " u"]);
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec((key, inner), 0..4).prop_map(|entries| {
                    let body: Vec<String> = entries
                        .iter()
                        .map(|(k, v)| format!(r#""{k}":{v}"#))
                        .collect();
                    format!("{{{}}}", body.join(","))
                }),
            ]
        })
    }

    proptest::proptest! {
        /// The streaming reader (untagging as objects close, failures held
        /// back) gives exactly what Flask's two passes give: the same
        /// value, or the same first error.
        #[test]
        fn streaming_untagging_equals_flasks_two_passes(text in tagged_text()) {
            proptest::prop_assert_eq!(p(&text), reference(&text), "{}", text);
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = "[".repeat(65) + &"]".repeat(65);
        assert!(matches!(
            p(&deep),
            Err(PayloadError::Json(e)) if matches!(e.kind(), JsonErrorKind::TooDeep(64))
        ));
        let ok = "[".repeat(64) + &"]".repeat(64);
        assert!(p(&ok).is_ok());
    }

    #[test]
    fn a_configured_depth_is_capped() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(parse_tagged(&deep(MAX_NESTING), usize::MAX).is_ok());
        assert!(matches!(
            parse_tagged(&deep(MAX_NESTING + 1), usize::MAX),
            Err(PayloadError::Json(e)) if matches!(e.kind(), JsonErrorKind::TooDeep(MAX_NESTING))
        ));
    }

    #[test]
    fn int_digit_limit() {
        assert!(p(&"9".repeat(4300)).is_ok());
        assert!(p(&format!("-{}", "9".repeat(4300))).is_ok());
        assert!(p(&"9".repeat(4301)).is_err());
    }
}
