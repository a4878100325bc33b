//! Errors of the session layer, and what sessionkit logs ([`LOG_TARGET`]).
//!
//! The codec's errors are in [`crate::codec`]; the CSRF check's and
//! Flask-Login's in their modules; the axum extractors' in [`crate::axum`].

use crate::codec::{DeError, DecodeError, EncodeError, EncryptError};
use crate::state::NULL_SESSION_MESSAGE;

/// Why a session could not be saved.
///
/// # Examples
///
/// ```
/// use sessionkit::{DynamicSession, SessionConfig};
/// use sessionkit::error::SaveError;
/// use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
///
/// // No secret key: Flask's null session. A write is reported, not dropped.
/// let interface = SecureCookieSessionInterface::new(SessionConfig::default())?;
/// let (request, ()) = http::Request::new(()).into_parts();
/// let mut session: DynamicSession = interface.open_session(&request)
///     .unwrap_or_else(|| interface.make_null_session());
/// session.insert("n", 1);
/// assert_eq!(
///     interface.save_session(&session, &mut http::HeaderMap::new()),
///     Err(SaveError::NullSessionWrite)
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SaveError {
    /// The handler wrote to a null session (sessions are unavailable because
    /// no secret key is configured). Flask raises `RuntimeError` here.
    #[error("{NULL_SESSION_MESSAGE}")]
    NullSessionWrite,
    /// A value cannot be written as Flask's JSON.
    #[error("the session cannot be serialised: {0}")]
    Encode(#[from] EncodeError),
    /// Encryption failed.
    #[error(transparent)]
    Encrypt(#[from] EncryptError),
    /// The `Set-Cookie` header would be larger than browsers accept; they
    /// would drop it silently, so it is not sent.
    #[error(
        "the {name:?} cookie is too large: the Set-Cookie value would be {size} bytes, \
         the limit is {limit}; store less in the session (or raise max_cookie_size)"
    )]
    CookieTooLarge {
        /// The cookie name.
        name: String,
        /// The size of the header value.
        size: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The cookie's expiry date is not a date an HTTP header can carry
    /// (after the year 9999). Flask fails here too (`OverflowError`).
    #[error(
        "the session cookie would expire after the year 9999; use a shorter permanent_session_lifetime"
    )]
    ExpiresOutOfRange,
    /// The session store could not be reached or did not answer in time:
    /// the change is not saved (answered with 503 by default).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A server-side session was locked before it was loaded (code reached
    /// it without the `Session<T>` extractor,
    /// [`SessionHandle::load`](crate::lifecycle::SessionHandle::load) or an
    /// asynchronous lifecycle step that loads it), so what it holds is not
    /// the stored session; it is not saved.
    #[error(
        "a server-side session was used before it was loaded: extract Session<T> \
         (or await SessionHandle::load) before locking it"
    )]
    NotLoaded,
    /// A server-side interface saves asynchronously, and a synchronous
    /// step was used (`run_sync`, `finish_response`, `process_response`).
    #[error(
        "a server-side session store saves asynchronously: use SessionLifecycle::run \
         or finish_response_async (the tower layer does)"
    )]
    NeedsAsync,
}

/// A server-side session store failed.
///
/// # Examples
///
/// ```
/// use sessionkit::error::StoreError;
/// use std::time::Duration;
///
/// let e = StoreError::Timeout(Duration::from_millis(500));
/// assert!(e.is_unavailable());
/// assert_eq!(e.to_string(), "the session store did not answer within 500ms");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The store cannot be reached (connection refused, reset, not yet
    /// connected).
    #[error("the session store is unreachable: {0}")]
    Unavailable(String),
    /// The store did not answer within the configured time.
    #[error("the session store did not answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The store answered with an error.
    #[error("the session store refused the operation: {0}")]
    Refused(String),
}

impl StoreError {
    /// Whether the store is down or slow (a 503), rather than refusing.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_) | StoreError::Timeout(_))
    }
}

/// A session configuration cannot be used.
///
/// # Examples
///
/// ```
/// use sessionkit::error::ConfigError;
/// use sessionkit::interface::SecureCookieSessionInterface;
/// use sessionkit::SessionConfig;
///
/// let bad = SessionConfig::default().with_cookie_name("my session");
/// assert_eq!(
///     SecureCookieSessionInterface::new(bad).unwrap_err(),
///     ConfigError::CookieName("my session".into())
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is empty or not an HTTP token.
    #[error("invalid cookie name {0:?}: use letters, digits and !#$%&'*+-.^_`|~")]
    CookieName(String),
    /// A `__Host-` or `__Secure-` cookie name whose attributes browsers
    /// would reject: both prefixes need `Secure`; `__Host-` also needs
    /// `Path=/` and no `Domain`.
    #[error("the cookie name {name:?} needs {needs}: browsers drop a prefixed cookie without it")]
    CookiePrefix {
        /// The cookie name.
        name: String,
        /// What the prefix requires and the configuration lacks.
        needs: &'static str,
    },
    /// A secret key is required here.
    #[error("a secret key is required: set SessionConfig::secret_key")]
    MissingSecretKey,
    /// The cookie domain cannot be encoded as Werkzeug encodes it (Python's
    /// IDNA 2003 codec, which Flask would fail on at save time).
    #[error(
        "invalid cookie domain {0:?}: an empty or over-long label, or a character IDNA 2003 prohibits"
    )]
    Domain(String),
    /// `permanent_session_lifetime` puts the cookie's `Expires` after the
    /// year 9999, which no HTTP date can carry (Flask fails at save time).
    #[error(
        "the permanent session lifetime of {0} seconds ends after the year 9999: use a shorter one"
    )]
    Lifetime(u64),
    /// A session store cannot be set up (a URL its client cannot read).
    #[error("the session store cannot be set up: {0}")]
    Store(String),
}

/// Why a verified cookie payload did not open into a session.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::DecodeError;
/// use sessionkit::{DynamicSession, SessionData};
/// use sessionkit::error::OpenError;
///
/// assert!(matches!(
///     DynamicSession::from_json(b"\"text\"", 64),
///     Err(OpenError::Decode(DecodeError::NotAMapping("str")))
/// ));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The payload is not a session (see [`DecodeError`]).
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A value did not fit the session type.
    #[error(transparent)]
    Data(#[from] SessionDataError),
}

/// A session's data did not fit its type.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::{Dict, Value};
/// use sessionkit::SessionData;
/// use sessionkit::error::SessionDataError;
///
/// /// A hand-written session type with one `u64` field.
/// #[derive(Default)]
/// struct Visits {
///     n: u64,
///     state: sessionkit::interface::SessionState,
/// }
/// impl SessionData for Visits {
///     fn from_dict(mut dict: Dict) -> Result<Self, SessionDataError> {
///         let n = match dict.remove("n") {
///             None => 0,
///             Some(v) => sessionkit::codec::from_value(v)
///                 .map_err(|source| SessionDataError { key: "n".into(), source })?,
///         };
///         Ok(Visits { n, state: sessionkit::interface::SessionState::loaded() })
///     }
///     fn write_json(&self, out: &mut Vec<u8>, _: usize) -> Result<(), sessionkit::codec::EncodeError> {
///         out.extend_from_slice(format!(r#"{{"n":{}}}"#, self.n).as_bytes());
///         Ok(())
///     }
///     fn is_empty_session(&self) -> bool { false }
///     fn is_permanent_session(&self) -> bool { false }
///     fn get_key(&self, key: &str) -> Option<Value> { (key == "n").then(|| Value::from(self.n)) }
///     fn set_key(&mut self, _: &str, _: Value) -> Result<(), SessionDataError> { Ok(()) }
///     fn state(&self) -> &sessionkit::interface::SessionState { &self.state }
///     fn state_mut(&mut self) -> &mut sessionkit::interface::SessionState { &mut self.state }
/// }
///
/// let mut dict = Dict::new();
/// dict.insert("n", "not a number");
/// let err = Visits::from_dict(dict).err().unwrap();
/// assert_eq!(err.key, "n");
/// assert!(err.to_string().starts_with(r#"session key "n" does not fit its field"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session key {key:?} does not fit its field: {source}")]
pub struct SessionDataError {
    /// The key on the wire.
    pub key: String,
    /// Why.
    #[source]
    pub source: DeError,
}

/// The [`tracing`](https://docs.rs/tracing) target of every event
/// sessionkit logs, so one filter directive selects them all (for example
/// `RUST_LOG=sessionkit=debug` with `tracing-subscriber`'s `EnvFilter`).
///
/// What is logged:
///
/// - `debug`: a request cookie that cannot be a session for this moment —
///   a bad or foreign signature, an expired or future timestamp, a malformed
///   or over-long value (a fresh session is opened instead, as Flask does);
///   a request the `CsrfLayer` refused; a remember-me cookie that carries
///   nobody; a declared field whose stored
///   value does not fit its type (the value is kept and written back).
/// - `warn`: a *validly signed* cookie whose payload cannot be used (not
///   tagged JSON, not a dict, or not fitting the session type: someone
///   holding the key wrote it; Flask would answer 500, sessionkit opens a
///   fresh session); a `Set-Cookie` line over the size limit sent anyway;
///   a missing or short secret key, and an invalid cookie domain.
/// - `error`: a session that could not be saved, a handler that panicked, a
///   layer or extractor used without its `SessionLayer`.
///
/// No event contains a cookie's value or a key.
///
/// # Examples
///
/// ```
/// assert_eq!(sessionkit::error::LOG_TARGET, "sessionkit");
/// ```
pub const LOG_TARGET: &str = "sessionkit";
