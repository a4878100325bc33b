//! [`SessionConfig`]: Flask's session settings, with Flask's defaults.

use std::time::Duration;

pub use cookie::SameSite;

pub use crate::data::PERMANENT_KEY;

use crate::codec::{
    Compression, DEFAULT_MAX_DEPTH, DEFAULT_MAX_PAYLOAD, FLASK_SESSION_SALT, SecretKey,
};

/// The session key holding the time a session was first issued (Unix
/// seconds), written when [`SessionConfig::absolute_lifetime`] is set.
pub const ISSUED_AT_KEY: &str = "_issued_at";

/// How the cookie's payload is protected.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::SecretKey;
/// use sessionkit::{DynamicSession, SessionConfig};
/// use sessionkit::config::Protection;
/// use sessionkit::testing::SessionTester;
///
/// let config = SessionConfig::default()
///     .with_secret_key(SecretKey::from_text("k")?)
///     .with_protection(Protection::Encrypted);
/// let tester = SessionTester::<DynamicSession>::with_config(config)?;
/// let cookie = tester.cookie(|s| {
///     s.insert("email", "ada@example.com");
/// })?;
/// // The payload is sealed: the address is not readable in the cookie.
/// let value = cookie.strip_prefix("session=").unwrap();
/// assert!(sessionkit::codec::SessionCodec::decode_unverified(value).is_err());
/// assert!(tester.open(value)?.contains_key("email"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Protection {
    /// Signed exactly like Flask (itsdangerous, HMAC-SHA1): readable by anyone
    /// who has the cookie, unforgeable without the key, shared with Flask.
    #[default]
    Signed,
    /// Encrypted and authenticated (XChaCha20-Poly1305, key from HKDF-SHA256):
    /// confidential too, but not readable by Flask.
    Encrypted,
}

/// What to do when the `Set-Cookie` header would exceed
/// [`SessionConfig::max_cookie_size`] (browsers silently drop such cookies).
///
/// # Examples
///
/// ```
/// use sessionkit::codec::SecretKey;
/// use sessionkit::{DynamicSession, SessionConfig};
/// use sessionkit::config::OversizePolicy;
/// use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
///
/// let blob: String = (0..100u32).map(|i| i.wrapping_mul(2_654_435_761).to_string()).collect();
/// let mut session = DynamicSession::default();
/// session.insert("blob", blob);
/// let config = SessionConfig::default()
///     .with_secret_key(SecretKey::from_text("k")?)
///     .with_max_cookie_size(200);
///
/// let strict = SecureCookieSessionInterface::new(config.clone())?;
/// assert!(strict.save_session(&session, &mut http::HeaderMap::new()).is_err());
///
/// let lenient = SecureCookieSessionInterface::new(config.with_oversize(OversizePolicy::WarnAndSend))?;
/// let mut headers = http::HeaderMap::new();
/// lenient.save_session(&session, &mut headers)?;
/// assert!(headers["set-cookie"].len() > 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OversizePolicy {
    /// Saving fails with [`SaveError::CookieTooLarge`](crate::error::SaveError).
    #[default]
    Error,
    /// Log a warning and send it anyway (Werkzeug's behaviour).
    WarnAndSend,
}

/// Session settings, mirroring Flask's `SESSION_COOKIE_*`,
/// `PERMANENT_SESSION_LIFETIME`, `SESSION_REFRESH_EACH_REQUEST`,
/// `SECRET_KEY`, `SECRET_KEY_FALLBACKS` and `MAX_COOKIE_SIZE`.
///
/// Defaults are Flask's, except `cookie_same_site`, which is `Lax` (Flask:
/// unset).
///
/// ```
/// use std::time::Duration;
/// use sessionkit::config::SameSite;
/// use sessionkit::SessionConfig;
/// use sessionkit::codec::SecretKey;
///
/// let config = SessionConfig::default()
///     .with_secret_key(SecretKey::from_text("a long random secret").unwrap())
///     .with_cookie_name("sid")
///     .with_lifetime(Duration::from_secs(3600));
/// assert_eq!(config.cookie_same_site, Some(SameSite::Lax));
/// assert!(config.cookie_http_only && !config.cookie_secure);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct SessionConfig {
    /// `SECRET_KEY`: signs (and verifies). `None`: null sessions, like Flask.
    pub secret_key: Option<SecretKey>,
    /// `SECRET_KEY_FALLBACKS`: older keys that still verify, oldest first.
    pub secret_key_fallbacks: Vec<SecretKey>,
    /// `SESSION_COOKIE_NAME` (`session`).
    pub cookie_name: String,
    /// `SESSION_COOKIE_DOMAIN` (none). Written as Werkzeug does: anything from
    /// a `:` dropped, leading dots removed, IDNA-encoded.
    pub cookie_domain: Option<String>,
    /// `SESSION_COOKIE_PATH` (`/`).
    pub cookie_path: String,
    /// `SESSION_COOKIE_HTTPONLY` (true).
    pub cookie_http_only: bool,
    /// `SESSION_COOKIE_SECURE` (false).
    pub cookie_secure: bool,
    /// `SESSION_COOKIE_SAMESITE` (`Lax` here; Flask: none).
    pub cookie_same_site: Option<SameSite>,
    /// `SESSION_COOKIE_PARTITIONED` (false); implies `Secure`.
    pub cookie_partitioned: bool,
    /// `PERMANENT_SESSION_LIFETIME` (31 days): the maximum age of every
    /// session cookie and the expiry of permanent ones.
    pub permanent_session_lifetime: Duration,
    /// `SESSION_REFRESH_EACH_REQUEST` (true): re-send permanent sessions on
    /// every response.
    pub refresh_each_request: bool,
    /// The absolute age limit (`None`, Flask has none): a session first
    /// issued longer ago than this is refused (a fresh session replaces it)
    /// even if it was refreshed on every request, so a stolen permanent
    /// cookie cannot be kept alive forever. The issue time is stored in the
    /// session under [`ISSUED_AT_KEY`] (`_issued_at`, Unix seconds), a key a
    /// Flask app sharing the session carries along untouched.
    pub absolute_lifetime: Option<Duration>,
    /// `MAX_COOKIE_SIZE` (4093): the largest `Set-Cookie` value; 0 disables
    /// the check.
    pub max_cookie_size: usize,
    /// What to do above `max_cookie_size` (fail by default).
    pub oversize: OversizePolicy,
    /// The longest request session cookie value looked at (8 KiB): a longer
    /// one opens a fresh session without being decoded.
    pub max_request_cookie: usize,
    /// Signed (Flask-compatible, default) or encrypted.
    pub protection: Protection,
    /// Whether signed cookies may be compressed: `Auto` (Flask's rule,
    /// byte-identical cookies; default), `Never` (faster saves; Flask still
    /// reads them) or `Above(n)` (Flask's rule only for more than `n` bytes
    /// of JSON).
    pub compression: Compression,
    /// Whether signed cookies' JSON escapes every non-ASCII character
    /// (true, Flask's default). `false` writes it as UTF-8, as a Flask app
    /// with `app.json.ensure_ascii = False` (before Flask 2.3:
    /// `JSON_AS_ASCII = False`) does, byte for byte. Cookies in either form
    /// are read whatever this says.
    pub json_ensure_ascii: bool,
    /// The itsdangerous salt for signed cookies (`cookie-session`), also the
    /// HKDF purpose suffix for encrypted ones.
    pub salt: String,
    /// The largest decoded payload accepted (64 KiB).
    pub max_payload: usize,
    /// The deepest JSON nesting accepted and written (512; cookies are
    /// read to at most 1 024 levels whatever this says, and a typed
    /// field's value to 128, see [`crate::codec::MAX_DESERIALIZE_DEPTH`]).
    pub max_depth: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            secret_key: None,
            secret_key_fallbacks: Vec::new(),
            cookie_name: "session".into(),
            cookie_domain: None,
            cookie_path: "/".into(),
            cookie_http_only: true,
            cookie_secure: false,
            cookie_same_site: Some(SameSite::Lax),
            cookie_partitioned: false,
            permanent_session_lifetime: Duration::from_secs(crate::codec::FLASK_DEFAULT_MAX_AGE),
            refresh_each_request: true,
            absolute_lifetime: None,
            max_cookie_size: 4093,
            oversize: OversizePolicy::Error,
            max_request_cookie: 8 * 1024,
            protection: Protection::Signed,
            compression: Compression::Auto,
            json_ensure_ascii: true,
            salt: FLASK_SESSION_SALT.into(),
            max_payload: DEFAULT_MAX_PAYLOAD,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

macro_rules! with {
    ($($(#[$doc:meta])* $name:ident($field:ident: $t:ty)),* $(,)?) => {$(
        $(#[$doc])*
        #[must_use]
        pub fn $name(mut self, $field: $t) -> Self {
            self.$field = $field;
            self
        }
    )*};
}

impl SessionConfig {
    with! {
        /// Sets `cookie_http_only`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert!(!SessionConfig::default().with_http_only(false).cookie_http_only);
        /// ```
        with_http_only(cookie_http_only: bool),
        /// Sets `cookie_secure`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert!(SessionConfig::default().with_secure(true).cookie_secure);
        /// ```
        with_secure(cookie_secure: bool),
        /// Sets `cookie_same_site`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// use sessionkit::config::SameSite;
        /// assert_eq!(SessionConfig::default().with_same_site(Some(SameSite::Strict)).cookie_same_site, Some(SameSite::Strict));
        /// ```
        with_same_site(cookie_same_site: Option<SameSite>),
        /// Sets `cookie_partitioned`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert!(SessionConfig::default().with_partitioned(true).cookie_partitioned);
        /// ```
        with_partitioned(cookie_partitioned: bool),
        /// Sets `permanent_session_lifetime`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// use std::time::Duration;
        /// let day = SessionConfig::default().with_lifetime(Duration::from_secs(86_400));
        /// assert_eq!(day.max_age_secs(), 86_400);
        /// ```
        with_lifetime(permanent_session_lifetime: Duration),
        /// Sets `refresh_each_request`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert!(!SessionConfig::default().with_refresh_each_request(false).refresh_each_request);
        /// ```
        with_refresh_each_request(refresh_each_request: bool),
        /// Sets `max_cookie_size`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert_eq!(SessionConfig::default().max_cookie_size, 4093); // Werkzeug's default
        /// assert_eq!(SessionConfig::default().with_max_cookie_size(8000).max_cookie_size, 8000);
        /// ```
        with_max_cookie_size(max_cookie_size: usize),
        /// Sets `oversize`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// use sessionkit::config::OversizePolicy;
        /// assert_eq!(SessionConfig::default().with_oversize(OversizePolicy::WarnAndSend).oversize, OversizePolicy::WarnAndSend);
        /// ```
        with_oversize(oversize: OversizePolicy),
        /// Sets `protection`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// use sessionkit::config::Protection;
        /// assert_eq!(SessionConfig::default().with_protection(Protection::Encrypted).protection, Protection::Encrypted);
        /// ```
        with_protection(protection: Protection),
        /// Sets `compression`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// use sessionkit::codec::Compression;
        /// assert_eq!(SessionConfig::default().with_compression(Compression::Above(256)).compression, Compression::Above(256));
        /// ```
        with_compression(compression: Compression),
        /// Sets `json_ensure_ascii`.
        ///
        /// # Examples
        ///
        /// ```
        /// use sessionkit::SessionConfig;
        /// assert!(!SessionConfig::default().with_json_ensure_ascii(false).json_ensure_ascii);
        /// ```
        with_json_ensure_ascii(json_ensure_ascii: bool),
    }

    /// Sets the secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    /// use sessionkit::codec::SecretKey;
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("k")?);
    /// assert!(config.secret_key.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_secret_key(mut self, key: SecretKey) -> Self {
        self.secret_key = Some(key);
        self
    }

    /// Adds a fallback key (append oldest first, as in Flask's list).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::testing::SessionTester;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let old = SessionTester::<DynamicSession>::new(SecretKey::from_text("old")?)?;
    /// let cookie = old.cookie(|s| {
    ///     s.insert("n", 1);
    /// })?;
    /// let rotated = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("new")?)
    ///     .with_fallback_key(SecretKey::from_text("old")?);
    /// let new = SessionTester::<DynamicSession>::with_config(rotated)?;
    /// // Old cookies still open; new ones are signed with the new key.
    /// assert!(new.open(cookie.strip_prefix("session=").unwrap()).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_fallback_key(mut self, key: SecretKey) -> Self {
        self.secret_key_fallbacks.push(key);
        self
    }

    /// Sets the cookie name.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    ///
    /// assert_eq!(SessionConfig::default().with_cookie_name("sid").cookie_name, "sid");
    /// ```
    #[must_use]
    pub fn with_cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// Sets the cookie domain (Flask's `SESSION_COOKIE_DOMAIN`), rendered by
    /// Werkzeug's rule: anything from the first `:` on is dropped, leading
    /// dots are removed and the rest is IDNA-encoded (`.Example.COM:8443`
    /// becomes `Domain=Example.COM`). Like Flask, an empty domain (or one
    /// that rule leaves empty) is sent as `Domain=`, which browsers ignore;
    /// leave the domain unset for a host-only cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// let interface = SecureCookieSessionInterface::new(config().with_domain(".Example.COM:8443"))?;
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let mut headers = http::HeaderMap::new();
    /// interface.save_session(&session, &mut headers)?;
    /// assert!(headers["set-cookie"].to_str()?.contains("; Domain=Example.COM;"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.cookie_domain = Some(domain.into());
        self
    }

    /// Sets the cookie path.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// let interface = SecureCookieSessionInterface::new(config().with_path("/app"))?;
    /// let mut session = DynamicSession::default();
    /// session.insert("n", 1);
    /// let mut headers = http::HeaderMap::new();
    /// interface.save_session(&session, &mut headers)?;
    /// assert!(headers["set-cookie"].to_str()?.contains("; Path=/app"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.cookie_path = path.into();
        self
    }

    /// Sets the absolute age limit ([`SessionConfig::absolute_lifetime`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use sessionkit::SessionConfig;
    ///
    /// let week = Duration::from_secs(7 * 24 * 3600);
    /// let config = SessionConfig::default().with_absolute_lifetime(week);
    /// assert_eq!(config.absolute_lifetime, Some(week));
    /// ```
    #[must_use]
    pub fn with_absolute_lifetime(mut self, limit: Duration) -> Self {
        self.absolute_lifetime = Some(limit);
        self
    }

    /// Sets the salt.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::SessionConfig;
    ///
    /// // Flask's salt unless changed (another itsdangerous app, say).
    /// assert_eq!(SessionConfig::default().salt, "cookie-session");
    /// assert_eq!(SessionConfig::default().with_salt("other").salt, "other");
    /// ```
    #[must_use]
    pub fn with_salt(mut self, salt: impl Into<String>) -> Self {
        self.salt = salt.into();
        self
    }

    /// The lifetime in whole seconds (Flask's `max_age`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use sessionkit::SessionConfig;
    ///
    /// assert_eq!(SessionConfig::default().max_age_secs(), 31 * 24 * 3600);
    /// let hour = SessionConfig::default().with_lifetime(Duration::from_millis(3_600_900));
    /// assert_eq!(hour.max_age_secs(), 3600);
    /// ```
    pub fn max_age_secs(&self) -> u64 {
        self.permanent_session_lifetime.as_secs()
    }
}
