//! The Flask-compatible cookie codec: itsdangerous' `URLSafeTimedSerializer`
//! as Flask configures it, with Flask's tagged JSON.
//!
//! A cookie is `payload.timestamp.signature`:
//!
//! - `payload` is the unpadded URL-safe base64 of the session's tagged JSON,
//!   or `.` followed by the base64 of its zlib compression when that is at
//!   least 2 bytes shorter;
//! - `timestamp` is the signing time in Unix seconds, minimal big-endian
//!   bytes, base64;
//! - `signature` is `HMAC-SHA1(derived key, payload "." timestamp)`, base64,
//!   where the derived key is `HMAC-SHA1(secret, "cookie-session")`.
//!
//! [`SessionCodec`] writes exactly the bytes Flask writes and accepts exactly
//! what Flask accepts, with typed errors for everything else and bounds on
//! decompressed size and JSON nesting.
//!
//! # Examples
//!
//! ```
//! use sessionkit::codec::{Dict, SecretKey, SessionCodec};
//!
//! let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
//! let mut session = Dict::new();
//! session.insert("user", "ada");
//! session.insert("n", 1);
//!
//! let cookie = codec.dumps_session(&session, 1_700_000_000)?;
//! assert_eq!(cookie, "eyJuIjoxLCJ1c2VyIjoiYWRhIn0.ZVPxAA.mf0bc39ibTxY3NxcJRC7kyBNw14");
//!
//! let opened = codec.loads_session(&cookie, 1_700_000_100, Some(31 * 86_400))?;
//! assert_eq!(opened.value, session);
//! assert_eq!(opened.timestamp, 1_700_000_000);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

//!
//! # Layout
//!
//! - [`SessionCodec`] (`signed.rs`, Flask's signed cookie) and
//!   [`EncryptedCodec`] (`encrypted.rs`) are siblings with one vocabulary:
//!   `dumps*` / `loads*` write and open cookies, `Signed` carries the value
//!   and its timestamp;
//! - `signer.rs` (itsdangerous' `Signer`, [`SecretKey`]), `csrf.rs`
//!   (Flask-WTF's tokens), `b64.rs`, `compress.rs` (zlib) and `deflate.rs`
//!   (zlib's level 6, exactly), `error.rs` (every codec error);
//! - `json/`: Flask's tagged JSON — `read.rs` (text → [`Value`]),
//!   `read_fields.rs` (text → a typed session's fields), `write.rs`
//!   ([`Value`] → text), `write_typed.rs` (serde → text), `tag.rs`;
//! - `value/`: the value model ([`Value`], [`Dict`]) and serde into it
//!   (`ser.rs`, [`to_value`]) and out of it (`de.rs`, [`from_value`]);
//! - `py/`: Python's own rules, beside each other — `int`, `str`
//!   ([`PyString`]), `float` (`repr`), `datetime` ([`DateTime`]);
//! - [`msgpack`]: Flask-Session's stored form of a session (msgspec's
//!   MessagePack), for the server-side stores.
//!
//! Floors import downward only: `py` ← `value` ← `json` ← the codecs.

mod b64;
mod compress;
mod csrf;
mod deflate;
mod encrypted;
mod error;
pub(crate) mod json;
pub mod msgpack;
pub(crate) mod py;
mod signed;
pub(crate) mod signer;
pub(crate) mod value;

pub(crate) use b64::encode_url as b64_encode_url;
pub(crate) use b64::lower_hex;
pub use compress::Compression;
pub use csrf::{CSRF_SALT, CsrfTokenCodec, new_raw_csrf_token, tokens_equal};
pub use encrypted::EncryptedCodec;
pub use error::{
    CompressionParseError, DeError, DecodeError, EncodeError, EncryptError, JsonError,
    JsonErrorKind, KeyError, MsgpackError, PayloadError, TagError,
};
pub(crate) use json::read_fields::read_session;
pub use json::write_typed::write_flask_json;
pub use json::{parse_session_json, write_session_json};
pub(crate) use json::{write_json_key, write_json_value};
pub use py::datetime::DateTime;
pub use py::str::{CodePoints, PyString};
pub(crate) use signed::check_age;
pub use signed::{CodecBuilder, SessionCodec, Signed, Unverified};
pub use signer::{KeyDerivation, SecretKey, SecretKeys};
pub use value::de::{MAX_DESERIALIZE_DEPTH, from_value};
pub use value::ser::to_value;
pub use value::{BigInt, Dict, DictIntoIter, DictIter, Markup, Uuid, Value};

/// The salt Flask's session cookies use.
pub const FLASK_SESSION_SALT: &str = "cookie-session";

/// Default limit on the decoded (decompressed) payload size: 64 KiB.
pub const DEFAULT_MAX_PAYLOAD: usize = 64 * 1024;

/// Default limit on JSON nesting (objects and arrays, tags included): 512,
/// above the ~497 levels Flask itself can read.
pub const DEFAULT_MAX_DEPTH: usize = 512;

/// Flask's default `PERMANENT_SESSION_LIFETIME` (31 days), which is also the
/// maximum age of every session cookie.
pub const FLASK_DEFAULT_MAX_AGE: u64 = 31 * 24 * 60 * 60;
