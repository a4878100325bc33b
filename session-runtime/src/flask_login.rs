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
//! use sessionkit::flask_login::session_identifier;
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
use std::time::SystemTime;

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha512};

use crate::codec::{DateTime, Value, lower_hex, tokens_equal};
use crate::config::SameSite;
use crate::data::DynamicSession;
use crate::error::ConfigError;
use crate::werkzeug::http::{
    CookieAttributes, is_token, push_cookie_value, request_cookie, werkzeug_domain, werkzeug_path,
};

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
///
/// # Examples
///
/// ```
/// use http::HeaderMap;
/// use sessionkit::flask_login::{identifier, session_identifier};
///
/// let mut headers = HeaderMap::new();
/// headers.insert("user-agent", "curl/8.0".parse()?);
/// // Without `X-Forwarded-For`, the client address is used.
/// assert_eq!(
///     session_identifier(Some("10.0.0.1"), &headers),
///     identifier(Some(b"10.0.0.1"), Some(b"curl/8.0"))
/// );
/// // With it, its first element (a proxy's view of the client).
/// headers.insert("x-forwarded-for", " 203.0.113.9 , 10.0.0.1".parse()?);
/// assert_eq!(
///     session_identifier(Some("10.0.0.1"), &headers),
///     identifier(Some(b"203.0.113.9"), Some(b"curl/8.0"))
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
/// use sessionkit::flask_login::identifier;
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
///
/// # Examples
///
/// ```
/// use sessionkit::flask_login::SessionProtection;
///
/// assert_eq!(SessionProtection::default(), SessionProtection::Basic);
/// ```
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
///
/// # Examples
///
/// ```
/// use sessionkit::DynamicSession;
/// use sessionkit::flask_login::{LOGIN_KEYS, ProtectionOutcome, SessionProtection};
///
/// let mut s = DynamicSession::default();
/// s.insert("_user_id", "7");
/// s.insert("_id", "the laptop's identifier");
/// s.insert("cart", 3);
/// let outcome = SessionProtection::Strong.protect(&mut s, "a phone's identifier");
/// assert_eq!(outcome, ProtectionOutcome::LoggedOut);
/// assert!(LOGIN_KEYS.iter().all(|k| !s.contains_key(k)));
/// assert!(s.contains_key("cart")); // other keys stay
/// ```
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
    /// use sessionkit::DynamicSession;
    /// use sessionkit::flask_login::{ProtectionOutcome, SessionProtection};
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
    /// use sessionkit::flask_login::{ProtectionOutcome, SessionProtection};
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
/// use sessionkit::flask_login::RememberCookie;
///
/// let remember = RememberCookie::from_text_key("?7ajDm?VS8101NbdHnWY=psRbUtIKUKd")?;
/// let value = remember.encode("473672");
/// // The value Flask-Login set for this key and user (a real Flask vector).
/// assert!(value.starts_with("473672|7a76352543593d17b6d6d816"));
/// assert_eq!(remember.decode(&value), Some("473672"));
/// assert_eq!(remember.decode("473672|00"), None);
/// # Ok::<(), sessionkit::flask_login::NotLatin1>(())
/// ```
#[derive(Clone)]
pub struct RememberCookie {
    mac: Hmac<Sha512>,
    name: String,
    domain: Option<String>,
    path: String,
    secure: bool,
    http_only: bool,
    same_site: Option<SameSite>,
}

impl std::fmt::Debug for RememberCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RememberCookie { .. }")
    }
}

/// A remember-me cookie that cannot be written.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use sessionkit::flask_login::{RememberCookie, RememberCookieError};
///
/// let remember = RememberCookie::new(b"secret");
/// let year_10000 = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
/// assert_eq!(
///     remember.set_cookie("42", year_10000),
///     Err(RememberCookieError::ExpiresOutOfRange)
/// );
/// assert_eq!(
///     remember.set_cookie("4\u{1b}2", UNIX_EPOCH),
///     Err(RememberCookieError::ControlCharacter)
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RememberCookieError {
    /// `Expires` would fall after the year 9999 (Flask-Login fails there
    /// too, with `OverflowError`).
    #[error("the remember-me cookie would expire after the year 9999; use a shorter duration")]
    ExpiresOutOfRange,
    /// The user id has a character U+001A–U+001F, which Werkzeug writes
    /// unescaped, so the header would carry a control character that HTTP
    /// forbids.
    #[error("the user id has a control character (U+001A-U+001F) that cannot be sent in a cookie")]
    ControlCharacter,
}

/// A text `SECRET_KEY` with a character outside Latin-1: Flask-Login cannot
/// encode it (`UnicodeEncodeError`), so it has no remember-me cookies.
///
/// # Examples
///
/// ```
/// use sessionkit::flask_login::{NotLatin1, RememberCookie};
///
/// assert!(RememberCookie::from_text_key("café").is_ok()); // é is Latin-1
/// assert_eq!(RememberCookie::from_text_key("ключ").unwrap_err(), NotLatin1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Flask-Login encodes a text secret key as Latin-1; this one has a character outside it")]
pub struct NotLatin1;

impl RememberCookie {
    /// With the key's bytes, as a bytes `SECRET_KEY` is used, and
    /// Flask-Login's default cookie settings (`remember_token`, `Path=/`,
    /// `HttpOnly`, no `Domain`, not `Secure`, no `SameSite`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// // A bytes key, and the same key given as Latin-1 text: one cookie.
    /// let bytes = RememberCookie::new(b"caf\xe9");
    /// let text = RememberCookie::from_text_key("café")?;
    /// assert_eq!(bytes.encode("7"), text.encode("7"));
    /// assert_eq!(bytes.cookie_name(), "remember_token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(key: &[u8]) -> Self {
        RememberCookie {
            mac: <Hmac<Sha512> as KeyInit>::new_from_slice(key)
                .expect("HMAC takes keys of any length"),
            name: REMEMBER_COOKIE_NAME.to_owned(),
            domain: None,
            path: "/".to_owned(),
            secure: false,
            http_only: true,
            same_site: None,
        }
    }

    /// `REMEMBER_COOKIE_NAME`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::CookieName`] unless the name is an HTTP token.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_cookie_name("stay_in")?;
    /// assert!(remember.delete_cookie().starts_with("stay_in=;"));
    /// assert!(RememberCookie::new(b"secret").with_cookie_name("no;way").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_cookie_name(mut self, name: &str) -> Result<Self, ConfigError> {
        if !is_token(name) {
            return Err(ConfigError::CookieName(name.to_owned()));
        }
        self.name = name.to_owned();
        Ok(self)
    }

    /// `REMEMBER_COOKIE_DOMAIN`, written as Werkzeug writes it (IDNA 2003).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Domain`] for a domain that cannot be written.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_domain("bücher.example")?;
    /// // IDNA-encoded, as Werkzeug writes it.
    /// assert!(remember.delete_cookie().contains("; Domain=xn--bcher-kva.example;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_domain(mut self, domain: &str) -> Result<Self, ConfigError> {
        self.domain = werkzeug_domain(domain)?;
        Ok(self)
    }

    /// `REMEMBER_COOKIE_PATH` (default `/`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_path("/app");
    /// assert!(remember.delete_cookie().ends_with("; Path=/app"));
    /// ```
    pub fn with_path(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }

    /// `REMEMBER_COOKIE_SECURE` (default false).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_secure(true);
    /// assert!(remember.set_cookie("7", UNIX_EPOCH)?.contains("; Secure; HttpOnly;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// `REMEMBER_COOKIE_HTTPONLY` (default true).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_http_only(false);
    /// assert!(!remember.set_cookie("7", UNIX_EPOCH)?.contains("HttpOnly"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `REMEMBER_COOKIE_SAMESITE` (default none).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::UNIX_EPOCH;
    /// use sessionkit::config::SameSite;
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret").with_same_site(Some(SameSite::Strict));
    /// assert!(remember.set_cookie("7", UNIX_EPOCH)?.ends_with("; Path=/; SameSite=Strict"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.same_site = same_site;
        self
    }

    /// The cookie's name.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::{REMEMBER_COOKIE_NAME, RememberCookie};
    ///
    /// assert_eq!(RememberCookie::new(b"secret").cookie_name(), REMEMBER_COOKIE_NAME);
    /// ```
    pub fn cookie_name(&self) -> &str {
        &self.name
    }

    /// The `Set-Cookie` value Flask-Login sends for `user_id` when it
    /// remembers a login until `expires` (Flask-Login: now plus
    /// `REMEMBER_COOKIE_DURATION`, 365 days, or the session's
    /// `_remember_seconds`), byte for byte as Werkzeug writes it: the value
    /// quoted when it has to be, `Expires` without `Max-Age`.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::from_text_key("?7ajDm?VS8101NbdHnWY=psRbUtIKUKd")?;
    /// let expires = UNIX_EPOCH + Duration::from_secs(1_701_672_399 + 365 * 86_400);
    /// let header = remember.set_cookie("473672", expires)?;
    /// assert!(header.starts_with("remember_token=473672|7a76352543593d17"));
    /// assert!(header.ends_with("; Expires=Tue, 03 Dec 2024 06:46:39 GMT; HttpOnly; Path=/"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RememberCookieError::ExpiresOutOfRange`] when `expires` is after
    /// the year 9999; [`RememberCookieError::ControlCharacter`] for a user
    /// id Werkzeug would write with a raw control character.
    pub fn set_cookie(
        &self,
        user_id: &str,
        expires: SystemTime,
    ) -> Result<String, RememberCookieError> {
        // Whole seconds, rounded down (Python drops the microseconds).
        let secs = match expires.duration_since(SystemTime::UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(e) => {
                let before = e.duration();
                let whole = before.as_secs() + u64::from(before.subsec_nanos() > 0);
                i64::try_from(whole).map_or(i64::MIN, |s| -s)
            }
        };
        let date = DateTime::from_unix(secs)
            .and_then(|d| d.http_date())
            .ok_or(RememberCookieError::ExpiresOutOfRange)?;
        let mut out = format!("{}=", self.name);
        push_cookie_value(&mut out, &self.encode(user_id));
        if out.bytes().any(|b| b.is_ascii_control()) {
            return Err(RememberCookieError::ControlCharacter);
        }
        Ok(self.attributes(out, &date, false))
    }

    /// The `Set-Cookie` value that deletes the cookie (Flask-Login's
    /// logout: Werkzeug's `delete_cookie`, which sends neither `Secure`
    /// nor `HttpOnly` unless asked).
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    /// assert_eq!(
    ///     RememberCookie::new(b"k").delete_cookie(),
    ///     "remember_token=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/",
    /// );
    /// ```
    pub fn delete_cookie(&self) -> String {
        self.attributes(
            format!("{}=", self.name),
            "Thu, 01 Jan 1970 00:00:00 GMT",
            true,
        )
    }

    /// Werkzeug's attributes after `name=value` (a deletion sends neither
    /// `Secure`, `HttpOnly` nor `SameSite`, as Werkzeug's `delete_cookie`).
    fn attributes(&self, mut out: String, expires: &str, delete: bool) -> String {
        CookieAttributes {
            domain: self.domain.as_deref(),
            expires: Some(expires),
            max_age: delete.then_some(0),
            secure: self.secure && !delete,
            http_only: self.http_only && !delete,
            path: Some(&werkzeug_path(&self.path)),
            same_site: self.same_site.filter(|_| !delete),
            partitioned: false,
        }
        .write(&mut out);
        out
    }

    /// The user id the request's remember-me cookie carries, if it has one
    /// with a valid digest (the cookie read as Werkzeug reads the `Cookie`
    /// header: the first one of that name, unquoted).
    ///
    /// # Examples
    ///
    /// ```
    /// use http::HeaderMap;
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret");
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cookie", format!("a=1; remember_token={}", remember.encode("42")).parse()?);
    /// assert_eq!(remember.user_from_request(&headers).as_deref(), Some("42"));
    /// // A forged digest carries nobody.
    /// headers.insert("cookie", "remember_token=42|00ff".parse()?);
    /// assert_eq!(remember.user_from_request(&headers), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn user_from_request(&self, headers: &HeaderMap) -> Option<String> {
        let value = request_cookie(headers, &self.name)?;
        self.decode_logged(&value).map(str::to_owned)
    }

    /// [`RememberCookie::decode`] of a request's cookie, with a debug line
    /// when it carries nobody (forged, truncated, another key).
    fn decode_logged<'a>(&self, value: &'a str) -> Option<&'a str> {
        let user = self.decode(value);
        if user.is_none() {
            tracing::debug!(
                target: crate::error::LOG_TARGET,
                cookie = %self.name,
                "bad remember-me cookie: ignored"
            );
        }
        user
    }

    /// Flask-Login's login from the remember-me cookie
    /// (`_load_user_from_remember_cookie`): when the session has no
    /// `_user_id` (or a null one) and its `_remember` is not `"clear"`, a
    /// valid remember-me cookie in the request logs its user in again, not
    /// fresh: the session gets `_user_id` and `_fresh = false`. Returns that
    /// user id; `None` when nothing was restored.
    ///
    /// Flask-Login also does this when its user loader rejects the
    /// session's `_user_id`; call it after removing such an id.
    ///
    /// ```
    /// use http::HeaderMap;
    /// use sessionkit::DynamicSession;
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret");
    /// let mut headers = HeaderMap::new();
    /// headers.insert("cookie", format!("remember_token={}", remember.encode("42")).parse()?);
    /// let mut session = DynamicSession::default();
    /// assert_eq!(remember.restore(&mut session, &headers).as_deref(), Some("42"));
    /// assert_eq!(session.get_as::<String>("_user_id").unwrap()?, "42");
    /// assert_eq!(session.get_as::<bool>("_fresh").unwrap()?, false);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn restore(&self, session: &mut DynamicSession, headers: &HeaderMap) -> Option<String> {
        if !matches!(session.get(USER_ID_KEY), None | Some(Value::Null)) {
            return None;
        }
        let cookie = request_cookie(headers, &self.name)?;
        let cleared = matches!(
            session.get("_remember"),
            Some(Value::Str(s) | Value::Markup(s)) if s.as_str() == Some("clear")
        );
        if cleared {
            return None;
        }
        let user_id = self.decode_logged(&cookie)?.to_owned();
        session.insert(USER_ID_KEY, user_id.as_str());
        session.insert(FRESH_KEY, false);
        Some(user_id)
    }

    /// With a text `SECRET_KEY`, encoded as Latin-1 like Flask-Login does.
    ///
    /// # Errors
    ///
    /// [`NotLatin1`] if the text has a character above U+00FF.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::from_text_key("dev-key")?;
    /// assert_eq!(remember.decode(&remember.encode("ada")), Some("ada"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let value = RememberCookie::new(b"secret").encode("42");
    /// let (id, digest) = value.split_once('|').unwrap();
    /// assert_eq!(id, "42");
    /// assert_eq!(digest.len(), 128); // hex of HMAC-SHA512
    /// ```
    pub fn encode(&self, user_id: &str) -> String {
        format!("{user_id}|{}", self.digest(user_id))
    }

    /// The user id a cookie value carries if its digest is valid
    /// (`decode_cookie`; compared in constant time). The value is split at
    /// its last `|`, so an id may itself contain `|`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::flask_login::RememberCookie;
    ///
    /// let remember = RememberCookie::new(b"secret");
    /// let value = remember.encode("a|b");
    /// assert_eq!(remember.decode(&value), Some("a|b")); // split at the last `|`
    /// assert_eq!(RememberCookie::new(b"other").decode(&value), None);
    /// assert_eq!(remember.decode("no digest"), None);
    /// ```
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
    fn cookie_values_are_quoted_as_werkzeug_quotes_them() {
        // Werkzeug 3.1's `dump_cookie("k", value)` for each value.
        let cases = [
            ("a b", "\"a b\""),
            ("a,b", "\"a\\054b\""),
            ("\u{fc}", "\"\\303\\274\""),
            ("a\"b\\", "\"a\\\"b\\\\\""),
            ("x|y=z", "x|y=z"),
            ("a;b", "\"a\\073b\""),
            ("\u{7f}", "\"\\177\""),
            ("", ""),
        ];
        for (value, want) in cases {
            let mut out = String::new();
            push_cookie_value(&mut out, value);
            assert_eq!(out, want, "{value:?}");
        }
    }

    #[test]
    fn raw_bytes_are_latin1_then_utf8() {
        assert_eq!(wsgi_utf8(b"a\xfc"), b"a\xc3\xbc");
        assert_eq!(wsgi_utf8(b"\x80"), b"\xc2\x80");
    }
}
