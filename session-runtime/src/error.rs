//! Errors of the session layer (the codec has its own, in [`crate::codec`]).

use crate::codec::{EncodeError, EncryptError};
use crate::state::NULL_SESSION_MESSAGE;

/// Why a session could not be saved.
///
/// # Examples
///
/// ```
/// use session_runtime::{DynamicSession, SaveError, SecureCookieSessionInterface, SessionConfig, SessionInterface};
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
}

/// A session configuration cannot be used.
///
/// # Examples
///
/// ```
/// use session_runtime::{ConfigError, SecureCookieSessionInterface, SessionConfig};
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
}
