//! Flask's JSON tags: which one-key objects are tags, and how each tag's
//! content is converted back (`JSONTag.to_python`), error for error.

use crate::codec::b64;
use crate::codec::error::{PayloadError, TagError};
use crate::codec::py::datetime::DateTime;
use crate::codec::py::str::PyString;
use crate::codec::value::{Dict, Uuid, Value};

/// The tags Flask registers, in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    Dict,
    Tuple,
    Bytes,
    Markup,
    Uuid,
    DateTime,
}

impl Tag {
    pub(crate) fn from_key(key: &[u8]) -> Option<Tag> {
        Some(match key {
            b" di" => Tag::Dict,
            b" t" => Tag::Tuple,
            b" b" => Tag::Bytes,
            b" m" => Tag::Markup,
            b" u" => Tag::Uuid,
            b" d" => Tag::DateTime,
            _ => return None,
        })
    }

    pub(crate) fn key(self) -> &'static str {
        match self {
            Tag::Dict => " di",
            Tag::Tuple => " t",
            Tag::Bytes => " b",
            Tag::Markup => " m",
            Tag::Uuid => " u",
            Tag::DateTime => " d",
        }
    }
}

/// Builds an object from its parsed entries (document order; a repeated
/// key keeps its first position and its last value, like a Python dict),
/// converting a one-key tag object without building a dict. Sets `dropped`
/// when a repeated key dropped an earlier value.
pub(crate) fn untag_entries(
    mut entries: impl ExactSizeIterator<Item = (PyString, Value)>,
    dropped: &mut bool,
) -> Result<Value, PayloadError> {
    if entries.len() == 1 {
        let Some((k, content)) = entries.next() else {
            return Ok(Value::Dict(Dict::new()));
        };
        if let Some(tag) = Tag::from_key(k.as_bytes()) {
            return untag(tag, content).map_err(PayloadError::Tag);
        }
        let mut dict = Dict::with_capacity(1);
        dict.insert(k, content);
        return Ok(Value::Dict(dict));
    }
    untag_dict(dict_of(entries, dropped))
}

/// A dict of parsed entries as `json.loads` builds it: a repeated key keeps
/// its first position and its last value (and sets `dropped`).
pub(crate) fn dict_of(
    entries: impl ExactSizeIterator<Item = (PyString, Value)>,
    dropped: &mut bool,
) -> Dict {
    let mut dict = Dict::with_capacity(entries.len());
    for (k, v) in entries {
        if dict.insert(k, v).is_some() {
            *dropped = true;
        }
    }
    dict
}

/// `TaggedJSONSerializer.untag` on an object whose values are untagged.
pub(crate) fn untag_dict(dict: Dict) -> Result<Value, PayloadError> {
    let tag = match dict.first() {
        Some((k, _)) if dict.len() == 1 => Tag::from_key(k.as_bytes()),
        _ => None,
    };
    let Some(tag) = tag else {
        return Ok(Value::Dict(dict));
    };
    let Some((_, content)) = dict.into_single() else {
        return Err(PayloadError::Tag(TagError::new(tag.key(), "internal")));
    };
    untag(tag, content).map_err(PayloadError::Tag)
}

fn untag(tag: Tag, content: Value) -> Result<Value, TagError> {
    let fail = |why: &str| TagError::new(tag.key(), why);
    match tag {
        Tag::Tuple => match content {
            Value::List(v) | Value::Tuple(v) => Ok(Value::Tuple(v)),
            Value::Str(s) | Value::Markup(s) => Ok(Value::Tuple(
                s.code_points()
                    .map(|cp| Value::Str(PyString::from_code_points([cp]).unwrap_or_default()))
                    .collect(),
            )),
            Value::Dict(d) => Ok(Value::Tuple(
                d.into_iter().map(|(k, _)| Value::Str(k)).collect(),
            )),
            Value::Bytes(b) => Ok(Value::Tuple(b.into_iter().map(Value::from).collect())),
            other => Err(fail(&format!("'{}' object is not iterable", other.kind()))),
        },
        Tag::Bytes => {
            let raw = match &content {
                Value::Str(s) | Value::Markup(s) => {
                    if !s.as_bytes().is_ascii() {
                        return Err(fail("string argument should contain only ASCII characters"));
                    }
                    s.as_bytes()
                }
                Value::Bytes(b) => b.as_slice(),
                other => {
                    return Err(fail(&format!(
                        "argument should be a bytes-like object or ASCII string, not '{}'",
                        other.kind()
                    )));
                }
            };
            b64::decode_python_std(raw)
                .map(Value::Bytes)
                .map_err(|_| fail("invalid base64 (incorrect padding)"))
        }
        Tag::Markup => match content {
            Value::Str(s) | Value::Markup(s) => Ok(Value::Markup(s)),
            Value::Null => Ok(Value::Markup("None".into())),
            Value::Bool(b) => Ok(Value::Markup(if b { "True" } else { "False" }.into())),
            Value::Int(i) => Ok(Value::Markup(i.to_string().into())),
            Value::BigInt(i) => Ok(Value::Markup(i.to_string().into())),
            Value::Float(f) => {
                let mut s = String::new();
                crate::codec::py::float::python_float_str(f, &mut s);
                Ok(Value::Markup(s.into()))
            }
            Value::Uuid(u) => Ok(Value::Markup(u.to_string().into())),
            Value::DateTime(d) => Ok(Value::Markup(d.to_string().replacen('T', " ", 1).into())),
            other => Err(fail(&format!(
                "Markup of a {} is not supported (Flask never writes one)",
                other.kind()
            ))),
        },
        Tag::Uuid => match content {
            Value::Str(s) | Value::Markup(s) => s
                .as_str()
                .and_then(Uuid::parse_python)
                .map(Value::Uuid)
                .ok_or_else(|| fail("badly formed hexadecimal UUID string")),
            other => Err(fail(&format!(
                "'{}' object has no attribute 'replace'",
                other.kind()
            ))),
        },
        Tag::DateTime => match content {
            Value::Str(s) | Value::Markup(s) => match s.as_str().map(DateTime::parse_werkzeug) {
                Some(Err(_)) => Err(fail("a date field beyond Python's range (OverflowError)")),
                Some(Ok(d)) => Ok(d.map_or(Value::Null, Value::DateTime)),
                None => Ok(Value::Null),
            },
            // Werkzeug's parse_date returns None for these (falsy input, or a
            // TypeError on bytes), and raises for other types.
            Value::Bytes(_) => Ok(Value::Null),
            ref other if !other.is_truthy() => Ok(Value::Null),
            other => Err(fail(&format!(
                "'{}' object has no attribute 'split'",
                other.kind()
            ))),
        },
        Tag::Dict => match content {
            Value::Dict(d) => {
                let Some((key, value)) = d.into_iter().next() else {
                    return Err(fail("empty dict (StopIteration)"));
                };
                let mut out = Dict::with_capacity(1);
                out.insert(key.drop_last(2), value);
                Ok(Value::Dict(out))
            }
            other => Err(fail(&format!("expected a dict, got {}", other.kind()))),
        },
    }
}
