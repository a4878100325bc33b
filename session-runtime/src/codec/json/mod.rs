//! Flask's tagged JSON (`flask.json.tag.TaggedJSONSerializer` over
//! Python's `json` module with `separators=(",", ":")`, `sort_keys=True`):
//! the entry points the codecs and the session types call.
//!
//! Hand-written rather than on `serde_json` (whose `Formatter` could be
//! taught Python's float `repr` and `\uXXXX` escapes), because a Flask
//! session string is a Python `str`, which may hold lone surrogates
//! (`"\ud800"`): they are kept in a [`PyString`](super::PyString) and must be
//! written back as `\ud800`, byte for byte, which `serde_json` cannot do
//! (its strings are `&str`, UTF-8). The vector
//! `control_chars_and_lone_surrogate` of `tests/data/flask-sessions.json`
//! (`tests/codec_vectors.rs`) and the live `tests/flask_interop.rs` pin it.
//! Integers beyond `u64`, Python's key order and duplicate keys (the last
//! wins, in the first one's place) are Python's too.

pub(crate) mod read;
pub(crate) mod read_fields;
pub(crate) mod tag;
pub(crate) mod write;
pub(crate) mod write_typed;

use super::error::{DecodeError, EncodeError, PayloadError};
use super::value::{Dict, Value};

pub(crate) fn parse_json_bytes(json: &[u8], max_depth: usize) -> Result<Value, PayloadError> {
    let text = std::str::from_utf8(json).map_err(|_| PayloadError::Utf8)?;
    read::parse_tagged(text, max_depth)
}

/// Parses a decoded payload into a session dict, as Flask builds its session:
/// a dict, or `null` for an empty session.
///
/// # Errors
///
/// [`DecodeError::Payload`] for invalid UTF-8 or JSON,
/// [`DecodeError::NotAMapping`] for any other JSON value.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DEFAULT_MAX_DEPTH, DecodeError, parse_session_json};
///
/// let session = parse_session_json(br#"{"n":1}"#, DEFAULT_MAX_DEPTH)?;
/// assert_eq!(session.len(), 1);
/// assert!(parse_session_json(b"null", DEFAULT_MAX_DEPTH)?.is_empty());
/// assert_eq!(
///     parse_session_json(b"42", DEFAULT_MAX_DEPTH),
///     Err(DecodeError::NotAMapping("int"))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_session_json(json: &[u8], max_depth: usize) -> Result<Dict, DecodeError> {
    match parse_json_bytes(json, max_depth)? {
        Value::Dict(d) => Ok(d),
        Value::Null => Ok(Dict::new()),
        other => Err(DecodeError::NotAMapping(other.kind())),
    }
}

/// Writes a session dict as Flask's tagged JSON. The session goes through
/// the tagger like any dict, so a session whose only key is a tag key is
/// escaped with `" di"`.
///
/// # Errors
///
/// [`EncodeError`] if a value cannot be written.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DEFAULT_MAX_DEPTH, Dict, write_session_json};
///
/// let mut session = Dict::new();
/// session.insert("user", "Jürgen");
/// session.insert("_fresh", true);
/// let mut json = Vec::new();
/// write_session_json(&mut json, &session, DEFAULT_MAX_DEPTH)?;
/// // Flask's dialect: sorted keys, compact, `\u` escapes.
/// assert_eq!(json, br#"{"_fresh":true,"user":"J\u00fcrgen"}"#);
///
/// // A session whose only key looks like a tag is escaped, as Flask does.
/// let mut tricky = Dict::new();
/// tricky.insert(" t", 1);
/// json.clear();
/// write_session_json(&mut json, &tricky, DEFAULT_MAX_DEPTH)?;
/// assert_eq!(json, br#"{" di":{" t__":1}}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_session_json(
    out: &mut Vec<u8>,
    session: &Dict,
    max_depth: usize,
) -> Result<(), EncodeError> {
    write::write_dict(out, session, max_depth)
}

/// Writes `"key":` (Flask's escaping).
pub(crate) fn write_json_key(out: &mut Vec<u8>, key: &[u8]) {
    write::write_py_string_bytes(out, key);
    out.push(b':');
}

/// Writes one value in Flask's dialect.
pub(crate) fn write_json_value(
    out: &mut Vec<u8>,
    value: &Value,
    max_depth: usize,
) -> Result<(), EncodeError> {
    write::write_tagged(out, value, max_depth)
}
