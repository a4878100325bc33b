//! Flask-Login's side of a shared login, computed exactly as Flask-Login
//! 0.6 computes it: the session identifier it stores under `_id`, its
//! session protection, and its remember-me cookie.
//!
//! A Rust service that logs a user in for a Flask app must store the same
//! `_id` Flask-Login would have stored: on every request Flask-Login
//! compares it with the identifier of the current request, and on a
//! mismatch its session protection marks the login non-fresh (`basic`) or
//! logs the user out (`strong`).
//!
//! ```
//! use http::HeaderMap;
//! use session_runtime::flask_login::session_identifier;
//!
//! let mut headers = HeaderMap::new();
//! headers.insert("user-agent", "flask-vectors/1.0".parse()?);
//! // What Flask-Login stores for this request (a real Flask vector).
//! assert_eq!(
//!     session_identifier(Some("203.0.113.7"), &headers),
//!     "9daeaf2cf3f80368c9aab78daab12bc2f81cca48d074829657d6709a868a12fe\
//!      01933ad2db2e188852a36d7207759b96df7897d7f889a6c8e99845da97049179",
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha512};

use crate::DynamicSession;
use crate::codec::{Value, lower_hex, tokens_equal};

/// The session key of the logged-in user's id.
pub const USER_ID_KEY: &str = "_user_id";
/// The session key of the freshness flag.
pub const FRESH_KEY: &str = "_fresh";
/// The session key of the session identifier ([`session_identifier`]).
pub const IDENTIFIER_KEY: &str = "_id";
/// Flask-Login's default name for the remember-me cookie
/// (`REMEMBER_COOKIE_NAME`).
pub const REMEMBER_COOKIE_NAME: &str = "remember_token";

/// Flask-Login's `_create_identifier()` for a request: the SHA-512 hex of
/// `A|U`, where `A` is the first comma-separated element of
/// `X-Forwarded-For` (trimmed) if the request has that header, else
/// `remote_addr`, and `U` is the `User-Agent` header, both written as
/// Python bytes literals (`b'…'`, `None` when missing).
///
/// Header values are taken as the WSGI server hands them to Flask: each
/// raw byte one Latin-1 character, re-encoded as UTF-8 (a raw `0xFC`
/// becomes `\xc3\xbc`), and repeated headers joined with `,` as Werkzeug's
/// server joins them. `remote_addr` is the client address as WSGI's
/// `REMOTE_ADDR` gives it (`203.0.113.7`, `::1`).
pub fn session_identifier(remote_addr: Option<&str>, headers: &HeaderMap) -> String {
    let forwarded = joined(headers, "x-forwarded-for");
    let user_agent = joined(headers, "user-agent");
    let address = match &forwarded {
        Some(xff) => Some(first_forwarded(xff)),
        None => remote_addr.map(str::as_bytes),
    };
    let address = address.map(wsgi_utf8);
    identifier(
        address.as_deref(),
        user_agent.map(|ua| wsgi_utf8(&ua)).as_deref(),
    )
}

/// [`session_identifier`] from its two parts, already chosen and encoded:
/// the address and the user agent as the bytes Flask-Login hashes the
/// reprs of (`None`: missing).
///
/// ```
/// use session_runtime::flask_login::identifier;
/// // `b'198.51.100.9'|b'Mozilla/5.0 (it\'s "x") \\ \xc3\xbc'` (a Flask vector)
/// let id = identifier(
///     Some(b"198.51.100.9"),
///     Some("Mozilla/5.0 (it's \"x\") \\ ü".as_bytes()),
/// );
/// assert!(id.starts_with("423b3a23d0d458f5"));
/// ```
pub fn identifier(address: Option<&[u8]>, user_agent: Option<&[u8]>) -> String {
    let mut base = String::with_capacity(64);
    push_bytes_repr(&mut base, address);
    base.push('|');
    push_bytes_repr(&mut base, user_agent);
    lower_hex(&Sha512::digest(base.as_bytes()))
}

/// All values of a header joined with `,` (Werkzeug's development server
/// joins repeated headers so; `None` when the header is absent).
fn joined(headers: &HeaderMap, name: &str) -> Option<Vec<u8>> {
    let mut values = headers.get_all(name).iter();
    let mut out = values.next()?.as_bytes().to_vec();
    for v in values {
        out.push(b',');
        out.extend_from_slice(v.as_bytes());
    }
    Some(out)
}

/// `value.split(b",")[0].strip()`: Python's `bytes.strip()` removes space,
/// `\t`, `\n`, `\r`, `\x0b` and `\x0c` (Rust's `trim_ascii` keeps `\x0b`).
/// Done on the raw bytes, as the UTF-8 re-encoding keeps every ASCII byte.
fn first_forwarded(value: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let first = value.split(|&b| b == b',').next().unwrap_or_default();
    let start = first.iter().position(|b| !space(b)).unwrap_or(first.len());
    let end = first
        .iter()
        .rposition(|b| !space(b))
        .map_or(start, |i| i + 1);
    &first[start..end]
}

/// Raw header bytes as Python sees them after `str.encode("utf-8")` of the
/// WSGI string: each byte is a Latin-1 character.
fn wsgi_utf8(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    for &b in raw {
        if b < 0x80 {
            out.push(b);
        } else {
            out.extend_from_slice(char::from(b).encode_utf8(&mut [0; 2]).as_bytes());
        }
    }
    out
}

/// Python's `repr()` of a bytes object (or `None`): single quotes unless the
/// bytes hold `'` and no `"`; `\\`, the quote, `\t`, `\n` and `\r`
/// escaped; other bytes outside printable ASCII as `\xhh`.
fn push_bytes_repr(out: &mut String, bytes: Option<&[u8]>) {
    let Some(bytes) = bytes else {
        out.push_str("None");
        return;
    };
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    out.push('b');
    out.push(char::from(quote));
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            _ if b == quote => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..0x7f => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\x{b:02x}");
            }
        }
    }
    out.push(char::from(quote));
}

/// The keys Flask-Login's strong session protection removes
/// (`SESSION_KEYS`).
pub const LOGIN_KEYS: [&str; 6] = [
    "_user_id",
    "_remember",
    "_remember_seconds",
    "_id",
    "_fresh",
    "next",
];

/// Flask-Login's `SESSION_PROTECTION` setting (`basic` by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionProtection {
    /// No check (`None`, or any other value).
    Off,
    /// A session from another client stays logged in but is no longer
    /// fresh.
    #[default]
    Basic,
    /// A session from another client is logged out (unless it is
    /// permanent, which is treated as `Basic`).
    Strong,
}

/// What Flask-Login's session protection did to a session
/// ([`SessionProtection::protect`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionOutcome {
    /// Nothing: protection is off, the session is empty, or its `_id` is
    /// this request's identifier.
    Passed,
    /// Another client's session under `basic` (or a permanent one under
    /// `strong`): `_fresh` is now false. The user stays logged in.
    Stale,
    /// Another client's session under `strong`: the [`LOGIN_KEYS`] are
    /// gone and no user is loaded for this request. Flask-Login also
    /// deletes the remember-me cookie (its `_remember = "clear"`): send a
    /// deletion of [`REMEMBER_COOKIE_NAME`] with the response.
    LoggedOut,
}

impl SessionProtection {
    /// Flask-Login's `_session_protection_failed()`, run when it loads the
    /// user: a non-empty session whose `_id` is not `current_id` (the
    /// request's [`session_identifier`]) is made stale or logged out, with
    /// the same changes (and the same modified flag) as in Flask.
    ///
    /// ```
    /// use session_runtime::DynamicSession;
    /// use session_runtime::flask_login::{ProtectionOutcome, SessionProtection};
    ///
    /// let mut s = DynamicSession::default();
    /// s.insert("_user_id", "ada");
    /// s.insert("_id", "identifier of the laptop");
    /// s.insert("_fresh", true);
    /// let outcome = SessionProtection::Basic.protect(&mut s, "identifier of a phone");
    /// assert_eq!(outcome, ProtectionOutcome::Stale);
    /// assert_eq!(s.get_as::<bool>("_fresh").unwrap().unwrap(), false);
    ///
    /// let outcome = SessionProtection::Strong.protect(&mut s, "identifier of a phone");
    /// assert_eq!(outcome, ProtectionOutcome::LoggedOut);
    /// assert!(s.is_empty());
    /// ```
    pub fn protect(self, session: &mut DynamicSession, current_id: &str) -> ProtectionOutcome {
        // Flask-Login reaches the session first, whatever the mode: in
        // Flask 3.1 that alone marks it accessed (`Vary: Cookie`).
        let empty = session.dict().is_empty();
        // Python's `!=` on the stored value: a `str` (or `Markup`) of the
        // same text is equal; anything else differs.
        let stored = match session.get(IDENTIFIER_KEY) {
            Some(Value::Str(s) | Value::Markup(s)) => s.as_str(),
            _ => None,
        };
        let permanent = self == SessionProtection::Strong && session.is_permanent();
        match self.check(empty, permanent, stored, current_id) {
            ProtectionOutcome::Passed => ProtectionOutcome::Passed,
            ProtectionOutcome::Stale => {
                if session.get(FRESH_KEY) != Some(&Value::Bool(false)) {
                    session.insert(FRESH_KEY, false);
                }
                ProtectionOutcome::Stale
            }
            ProtectionOutcome::LoggedOut => {
                for key in LOGIN_KEYS {
                    session.remove(key);
                }
                // Flask-Login sets `_remember = "clear"` (its after-request
                // hook pops it again): the session counts as modified
                // either way.
                session.insert("_remember", "clear");
                session.remove("_remember");
                ProtectionOutcome::LoggedOut
            }
        }
    }

    /// The decision alone, for a typed session: `empty` and `permanent`
    /// describe the session, `stored_id` is its `_id` if that is a string.
    /// On [`ProtectionOutcome::Stale`] set `_fresh` to false unless it
    /// already is `false`; on [`ProtectionOutcome::LoggedOut`] remove the
    /// [`LOGIN_KEYS`].
    ///
    /// ```
    /// use session_runtime::flask_login::{ProtectionOutcome, SessionProtection};
    ///
    /// let check = |mode: SessionProtection, permanent| mode.check(false, permanent, Some("a"), "b");
    /// assert_eq!(check(SessionProtection::Basic, false), ProtectionOutcome::Stale);
    /// assert_eq!(check(SessionProtection::Strong, false), ProtectionOutcome::LoggedOut);
    /// assert_eq!(check(SessionProtection::Strong, true), ProtectionOutcome::Stale);
    /// assert_eq!(SessionProtection::Strong.check(true, false, None, "b"), ProtectionOutcome::Passed);
    /// ```
    pub fn check(
        self,
        empty: bool,
        permanent: bool,
        stored_id: Option<&str>,
        current_id: &str,
    ) -> ProtectionOutcome {
        if self == SessionProtection::Off || empty || stored_id == Some(current_id) {
            ProtectionOutcome::Passed
        } else if self == SessionProtection::Basic || permanent {
            ProtectionOutcome::Stale
        } else {
            ProtectionOutcome::LoggedOut
        }
    }
}

/// Flask-Login's remember-me cookie value, `<user id>|<hex HMAC-SHA512 of
/// the id>` (`encode_cookie` / `decode_cookie`).
///
/// The HMAC key is the app's `SECRET_KEY` as Flask-Login uses it: a text
/// key is encoded as **Latin-1** there (the session signs with its UTF-8
/// bytes), so build it with [`RememberCookie::from_text_key`] from the text
/// the Flask app is configured with, or with [`RememberCookie::new`] from a
/// bytes key.
///
/// ```
/// use session_runtime::flask_login::RememberCookie;
///
/// let remember = RememberCookie::from_text_key("?7ajDm?VS8101NbdHnWY=psRbUtIKUKd")?;
/// let value = remember.encode("473672");
/// // The value Flask-Login set for this key and user (a real Flask vector).
/// assert!(value.starts_with("473672|7a76352543593d17b6d6d816"));
/// assert_eq!(remember.decode(&value), Some("473672"));
/// assert_eq!(remember.decode("473672|00"), None);
/// # Ok::<(), session_runtime::flask_login::NotLatin1>(())
/// ```
#[derive(Clone)]
pub struct RememberCookie {
    mac: Hmac<Sha512>,
}

impl std::fmt::Debug for RememberCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RememberCookie { .. }")
    }
}

/// A text `SECRET_KEY` with a character outside Latin-1: Flask-Login cannot
/// encode it (`UnicodeEncodeError`), so it has no remember-me cookies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Flask-Login encodes a text secret key as Latin-1; this one has a character outside it")]
pub struct NotLatin1;

impl RememberCookie {
    /// With the key's bytes, as a bytes `SECRET_KEY` is used.
    pub fn new(key: &[u8]) -> Self {
        RememberCookie {
            mac: <Hmac<Sha512> as KeyInit>::new_from_slice(key)
                .expect("HMAC takes keys of any length"),
        }
    }

    /// With a text `SECRET_KEY`, encoded as Latin-1 like Flask-Login does.
    ///
    /// # Errors
    ///
    /// [`NotLatin1`] if the text has a character above U+00FF.
    pub fn from_text_key(text: &str) -> Result<Self, NotLatin1> {
        let latin1 = text
            .chars()
            .map(|c| u8::try_from(c).map_err(|_| NotLatin1))
            .collect::<Result<Vec<u8>, _>>()?;
        Ok(RememberCookie::new(&latin1))
    }

    fn digest(&self, user_id: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(user_id.as_bytes());
        lower_hex(&mac.finalize().into_bytes())
    }

    /// The cookie value for `user_id` (`encode_cookie`).
    pub fn encode(&self, user_id: &str) -> String {
        format!("{user_id}|{}", self.digest(user_id))
    }

    /// The user id a cookie value carries if its digest is valid
    /// (`decode_cookie`; compared in constant time). The value is split at
    /// its last `|`, so an id may itself contain `|`.
    pub fn decode<'a>(&self, value: &'a str) -> Option<&'a str> {
        let (user_id, digest) = value.rsplit_once('|')?;
        tokens_equal(&self.digest(user_id), digest).then_some(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(b: Option<&[u8]>) -> String {
        let mut s = String::new();
        push_bytes_repr(&mut s, b);
        s
    }

    #[test]
    fn bytes_repr_matches_python() {
        // Each expectation is CPython 3.11's repr() of the same bytes.
        let cases: &[(&[u8], &str)] = &[
            (b"", "b''"),
            (b"abc", "b'abc'"),
            (b"it's", "b\"it's\""),
            (b"say \"hi\"", "b'say \"hi\"'"),
            (b"it's \"x\"", "b'it\\'s \"x\"'"),
            (b"a\\b", "b'a\\\\b'"),
            (
                b"\t\n\r\x0b\x0c\x00\x7f\x80\xff",
                "b'\\t\\n\\r\\x0b\\x0c\\x00\\x7f\\x80\\xff'",
            ),
            (b"~ ", "b'~ '"),
        ];
        for &(bytes, want) in cases {
            assert_eq!(repr(Some(bytes)), want, "{bytes:?}");
        }
        assert_eq!(repr(None), "None");
    }

    #[test]
    fn forwarded_for_takes_the_first_element_stripped() {
        assert_eq!(
            first_forwarded(b" 198.51.100.9 , 10.0.0.1"),
            b"198.51.100.9"
        );
        assert_eq!(first_forwarded(b""), b"");
        assert_eq!(first_forwarded(b",x"), b"");
        assert_eq!(first_forwarded(b"\x0b\x0ca\t"), b"a");
    }

    #[test]
    fn raw_bytes_are_latin1_then_utf8() {
        assert_eq!(wsgi_utf8(b"a\xfc"), b"a\xc3\xbc");
        assert_eq!(wsgi_utf8(b"\x80"), b"\xc2\x80");
    }
}
