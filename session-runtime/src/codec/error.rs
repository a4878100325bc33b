//! The codec's typed errors.

use std::fmt;

use super::py::datetime::DateTime;

/// Why a cookie could not be opened.
///
/// Every variant but [`DecodeError::Payload`] and
/// [`DecodeError::NotAMapping`] is what itsdangerous calls a `BadSignature`:
/// Flask silently starts a new session for those. The other two can only
/// happen when the signature is valid (someone holding the key wrote it);
/// Flask answers 500 there, sessionkit reports them as typed errors.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DecodeError, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
/// let cookie = codec.sign_json(b"{}", 1_000);
/// assert_eq!(codec.loads_session("", 1_000, None), Err(DecodeError::Empty));
/// assert_eq!(codec.loads_session("abc", 1_000, None), Err(DecodeError::NoSeparator));
/// let other = SessionCodec::flask(SecretKey::from_text("other")?);
/// assert_eq!(other.loads_session(&cookie, 1_000, None), Err(DecodeError::SignatureMismatch));
/// let expired = codec.loads_session(&cookie, 1_000 + 61, Some(60)).unwrap_err();
/// assert_eq!(expired, DecodeError::Expired { age: 61, max_age: 60, signed_at: 1_000 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The cookie value is empty (Flask opens a new session without looking).
    #[error("the cookie value is empty")]
    Empty,
    /// There is no `.` in the value.
    #[error("bad signature: no '.' found in the value")]
    NoSeparator,
    /// The signature matches none of the keys (tampered, wrong key, wrong salt,
    /// truncated or garbage).
    #[error("bad signature: the signature does not match any key")]
    SignatureMismatch,
    /// The signature is valid but the signed text has no timestamp part.
    #[error("bad signature: timestamp missing")]
    TimestampMissing,
    /// The signature is valid but the timestamp is not decodable.
    #[error("bad signature: malformed timestamp")]
    MalformedTimestamp,
    /// The signature is older than the maximum age.
    #[error("signature expired: age {age} > {max_age} seconds (signed at {signed_at})")]
    Expired {
        /// Seconds between signing and now.
        age: u64,
        /// The maximum age allowed.
        max_age: u64,
        /// The signing time (Unix seconds).
        signed_at: u64,
    },
    /// The signature's timestamp lies in the future.
    #[error(
        "signature timestamp is in the future: signed at {signed_at}, {ahead} seconds ahead of now"
    )]
    FutureTimestamp {
        /// The signing time (Unix seconds).
        signed_at: u64,
        /// How far ahead of now it is, in seconds.
        ahead: u64,
    },
    /// Not a cookie in the expected format (an encrypted cookie whose version
    /// prefix or layout is wrong).
    #[error("bad cookie: not in the expected format")]
    UnknownFormat,
    /// An encrypted cookie that no key authenticates (tampered, or foreign).
    #[error("bad cookie: decryption failed (tampered, or encrypted with another key)")]
    DecryptionFailed,
    /// The signature is valid but the payload cannot be decoded.
    #[error("validly signed payload cannot be decoded: {0}")]
    Payload(#[from] PayloadError),
    /// The payload decoded to a value that is not a dict (nor `null`), so it
    /// is not a session.
    #[error("validly signed payload is a {0}, not a session dict")]
    NotAMapping(&'static str),
    /// The payload is a session dict, but a value in it does not fit the
    /// session type (the key and the reason). Only
    /// [`SessionTester::open`](crate::testing::SessionTester::open) reports
    /// it; a server gives such a cookie a fresh session.
    #[error("validly signed session does not fit the session type: {0}")]
    DoesNotFit(String),
}

impl DecodeError {
    /// Whether itsdangerous would call this a `BadSignature` (including
    /// expiry): a cookie nobody with the key wrote for this moment. Flask
    /// answers those with a fresh session.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{DecodeError, PayloadError};
    ///
    /// assert!(DecodeError::SignatureMismatch.is_bad_signature());
    /// assert!(DecodeError::Expired { age: 2, max_age: 1, signed_at: 0 }.is_bad_signature());
    /// // Validly signed but undecodable: not a bad signature (Flask would answer 500).
    /// assert!(!DecodeError::Payload(PayloadError::Utf8).is_bad_signature());
    /// ```
    pub fn is_bad_signature(&self) -> bool {
        !matches!(
            self,
            DecodeError::Payload(_) | DecodeError::NotAMapping(_) | DecodeError::DoesNotFit(_)
        )
    }
}

/// Why a validly signed payload could not be decoded.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{DecodeError, PayloadError, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
/// // Signed with the right key, but the payload is not JSON.
/// let cookie = codec.sign_json(b"{oops", 1_000);
/// assert!(matches!(
///     codec.loads_session(&cookie, 1_000, None),
///     Err(DecodeError::Payload(PayloadError::Json(_)))
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The payload is not base64.
    #[error("the payload is not valid base64")]
    Base64,
    /// The compressed payload is not a valid zlib stream.
    #[error("the payload cannot be decompressed: {0}")]
    Decompress(String),
    /// The decoded payload is larger than the configured limit.
    #[error("the decoded payload exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The payload is not UTF-8.
    #[error("the payload is not valid UTF-8")]
    Utf8,
    /// The payload is not JSON (as Python's `json` reads it).
    #[error("{0}")]
    Json(#[from] JsonError),
    /// A tagged value could not be converted back.
    #[error("{0}")]
    Tag(#[from] TagError),
}

/// A JSON syntax error with its byte offset.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{JsonErrorKind, PayloadError, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
/// let Err(PayloadError::Json(e)) = codec.parse_json(r#"{"a" 1}"#) else { panic!() };
/// assert_eq!(e.kind(), &JsonErrorKind::ExpectedColon);
/// assert_eq!(e.offset(), 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    kind: JsonErrorKind,
    offset: usize,
}

impl JsonError {
    pub(crate) fn new(kind: JsonErrorKind, offset: usize) -> Self {
        JsonError { kind, offset }
    }

    /// What went wrong.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{JsonErrorKind, PayloadError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
    /// let Err(PayloadError::Json(e)) = codec.parse_json("[1] 2") else { panic!() };
    /// assert_eq!(e.kind(), &JsonErrorKind::ExtraData);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn kind(&self) -> &JsonErrorKind {
        &self.kind
    }

    /// Byte offset in the JSON text.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{PayloadError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
    /// let Err(PayloadError::Json(e)) = codec.parse_json("[1, ]") else { panic!() };
    /// assert_eq!(e.offset(), 4); // where a value was expected
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid JSON at byte {}: {}", self.offset, self.kind)
    }
}

impl std::error::Error for JsonError {}

/// The kinds of [`JsonError`].
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{JsonErrorKind, PayloadError, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
/// let kind = |text: &str| match codec.parse_json(text) {
///     Err(PayloadError::Json(e)) => Some(e.kind().clone()),
///     _ => None,
/// };
/// assert_eq!(kind(r#""abc"#), Some(JsonErrorKind::UnterminatedString));
/// assert_eq!(kind(r#""\q""#), Some(JsonErrorKind::BadEscape));
/// assert_eq!(kind("{1: 2}"), Some(JsonErrorKind::ExpectedKey));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The text starts with a byte order mark.
    #[error("unexpected UTF-8 BOM")]
    Bom,
    /// A value was expected.
    #[error("expecting value")]
    ExpectedValue,
    /// An object key (a string) was expected.
    #[error("expecting property name enclosed in double quotes")]
    ExpectedKey,
    /// `:` was expected.
    #[error("expecting ':' delimiter")]
    ExpectedColon,
    /// `,` or the closing bracket was expected.
    #[error("expecting ',' delimiter or closing bracket")]
    ExpectedCommaOrEnd,
    /// The string has no closing quote.
    #[error("unterminated string")]
    UnterminatedString,
    /// Unknown backslash escape.
    #[error("invalid \\escape")]
    BadEscape,
    /// `\u` not followed by four hex digits.
    #[error("invalid \\uXXXX escape")]
    BadUnicodeEscape,
    /// A raw control character inside a string.
    #[error("invalid control character in string")]
    ControlCharacter,
    /// More text after the value.
    #[error("extra data")]
    ExtraData,
    /// An integer with more than 4300 digits (Python's limit).
    #[error("integer exceeds the limit of 4300 digits")]
    IntTooLong,
    /// Nesting deeper than the limit.
    #[error("nesting deeper than {0} levels")]
    TooDeep(usize),
}

/// A tag whose content Flask cannot convert back (a payload error in Flask).
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{PayloadError, SecretKey, SessionCodec};
///
/// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
/// // A `" u"` (UUID) tag whose text is not a UUID: Flask cannot read it either.
/// let Err(PayloadError::Tag(e)) = codec.parse_json(r#"{" u":"nope"}"#) else { panic!() };
/// assert_eq!(e.tag(), " u");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagError {
    tag: &'static str,
    reason: String,
}

impl TagError {
    pub(crate) fn new(tag: &'static str, reason: &str) -> Self {
        TagError {
            tag,
            reason: reason.to_owned(),
        }
    }

    /// The tag key, such as `" t"`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::{PayloadError, SecretKey, SessionCodec};
    ///
    /// let codec = SessionCodec::flask(SecretKey::from_text("k")?);
    /// let Err(PayloadError::Tag(e)) = codec.parse_json(r#"{" b":"not base64!"}"#) else { panic!() };
    /// assert_eq!(e.tag(), " b");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tag(&self) -> &'static str {
        self.tag
    }
}

impl fmt::Display for TagError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "bad {:?} tag: {}", self.tag, self.reason)
    }
}

impl std::error::Error for TagError {}

/// Why a value could not be written as Flask's JSON.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{EncodeError, Value, to_value};
/// use std::collections::BTreeMap;
///
/// // Integer keys become strings, as Python's `json` writes them...
/// let mut by_id = BTreeMap::new();
/// by_id.insert(1u8, "one");
/// assert!(to_value(&by_id).is_ok());
/// // ...but a tuple cannot be a JSON key (Python: `TypeError`).
/// let mut by_pair = BTreeMap::new();
/// by_pair.insert((1u8, 2u8), "one-two");
/// assert_eq!(to_value(&by_pair), Err(EncodeError::KeyMustBeString));
/// # let _ = Value::Null;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// Nesting deeper than the limit.
    #[error("value nested deeper than {0} levels")]
    TooDeep(usize),
    /// A datetime whose UTC conversion leaves years 1–9999.
    #[error("datetime {0} is out of range once converted to UTC")]
    DateTimeOutOfRange(DateTime),
    /// The session is not a dict.
    #[error("a session must be a dict, not a {0}")]
    NotAMapping(&'static str),
    /// A map key that is not a string, integer, bool or unit.
    #[error("map keys must be strings, integers or booleans")]
    KeyMustBeString,
    /// A map holds keys Python cannot order against each other (a string
    /// and a number, or `None` and any other key): `json.dumps` sorts the
    /// original keys, so Flask's save fails (a `TypeError`, answered with a
    /// 500). The two Python type names.
    #[error("map keys of types {0} and {1} cannot be sorted against each other, as Flask must")]
    UnorderableKeys(&'static str, &'static str),
    /// A string holds a lone surrogate (the code unit), which has no UTF-8
    /// form: written only with `ensure_ascii` off, where Flask's save fails
    /// the same way (a `UnicodeEncodeError`, answered with a 500).
    #[error(
        "a string holds the lone surrogate U+{0:04X}, which UTF-8 cannot carry (write it with ensure_ascii on)"
    )]
    LoneSurrogate(u32),
    /// An error raised by a `Serialize` implementation.
    #[error("{0}")]
    Custom(String),
    /// The encrypted codec could not seal the cookie (the OS random source
    /// failed).
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
}

impl serde::ser::Error for EncodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        EncodeError::Custom(msg.to_string())
    }
}

/// A secret key cannot be used.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{KeyError, SecretKey};
///
/// assert_eq!(SecretKey::from_text("").unwrap_err(), KeyError::Empty);
/// assert!(matches!(SecretKey::from_hex("0g"), Err(KeyError::BadHex(_))));
/// assert_eq!(SecretKey::generate(0).unwrap_err(), KeyError::Empty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is empty (Flask treats an empty `SECRET_KEY` as no key at all).
    #[error("the secret key is empty; use at least 32 random bytes")]
    Empty,
    /// A hex key is not valid hex.
    #[error("the secret key is not valid hex: {0}")]
    BadHex(String),
    /// The operating system's random source failed.
    #[error("cannot generate a key: {0}")]
    Rng(String),
}

/// A [`Compression`](super::Compression) spelling that is none of `auto`,
/// `never` or `above:N`.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Compression, CompressionParseError};
///
/// assert_eq!(
///     "above:4k".parse::<Compression>(),
///     Err(CompressionParseError("above:4k".into()))
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid compression {0:?}: expected \"auto\", \"never\" or \"above:N\" (N bytes of JSON)")]
pub struct CompressionParseError(pub String);

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

impl serde::de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError(msg.to_string())
    }

    // serde's defaults quote the value (`invalid type: string "SSN-123",
    // expected u64`); these messages name its kind only, so an error that
    // reaches a log line carries no session data.
    fn invalid_type(
        unexpected: serde::de::Unexpected<'_>,
        expected: &dyn serde::de::Expected,
    ) -> Self {
        DeError(format!(
            "invalid type: {}, expected {expected}",
            unexpected_kind(&unexpected)
        ))
    }

    fn invalid_value(
        unexpected: serde::de::Unexpected<'_>,
        expected: &dyn serde::de::Expected,
    ) -> Self {
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
fn unexpected_kind(unexpected: &serde::de::Unexpected<'_>) -> &'static str {
    use serde::de::Unexpected as U;
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

/// Encryption failed (the OS random source is unavailable).
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{EncryptError, EncryptedCodec, SecretKey, SecretKeys};
///
/// // Sealing fails only if the OS random source does.
/// let codec = EncryptedCodec::new(&SecretKeys::new(SecretKey::from_text("k")?), "s");
/// let sealed: Result<String, EncryptError> = codec.seal(b"{}", 0);
/// assert!(sealed.is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot encrypt the session: {0}")]
pub struct EncryptError(String);

impl EncryptError {
    pub(crate) fn new(why: impl Into<String>) -> Self {
        EncryptError(why.into())
    }
}

/// Why a stored value is not a session this codec can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MsgpackError {
    /// The bytes end inside a value.
    #[error("the stored value ends early")]
    Truncated,
    /// Bytes after the top-level value.
    #[error("bytes after the stored value")]
    Trailing,
    /// A MessagePack type sessions never hold (an unknown extension, a
    /// reserved marker), or a map key that is not a string.
    #[error("the stored value holds {0}, which no session holds")]
    Unsupported(&'static str),
    /// A string that is not UTF-8.
    #[error("a stored string is not UTF-8")]
    Utf8,
    /// Nesting deeper than the limit.
    #[error("the stored value is nested deeper than {0} levels")]
    TooDeep(usize),
    /// The top-level value is not a map (a pickle from Flask-Session ≤ 0.6
    /// lands here: its first byte is `0x80`, which reads as a map only by
    /// accident, and fails further on).
    #[error("the stored value is not a session dict")]
    NotAMap,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{SecretKey, SessionCodec};

    /// The messages name the place and the reason, through every layer.
    #[test]
    fn payload_errors_say_where_and_why() {
        let codec = SessionCodec::flask(SecretKey::from_text("k").unwrap());
        let Err(PayloadError::Json(e)) = codec.parse_json("[1, ]") else {
            panic!("not a JSON error");
        };
        assert_eq!(
            e.to_string(),
            format!("invalid JSON at byte 4: {}", e.kind())
        );
        assert!(!e.kind().to_string().is_empty());
        let Err(PayloadError::Tag(e)) = codec.parse_json(r#"{" u":"nope"}"#) else {
            panic!("not a tag error");
        };
        let message = e.to_string();
        assert!(message.starts_with(r#"bad " u" tag: "#), "{message}");
        assert!(message.len() > r#"bad " u" tag: "#.len(), "{message}");
        let cookie = codec.sign_json(b"[1, ]", 1_000);
        let err = codec.loads_session(&cookie, 1_000, None).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("validly signed payload cannot be decoded: invalid JSON at byte 4: "),
            "{err}"
        );
    }
}
