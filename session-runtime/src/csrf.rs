//! CSRF protection compatible with Flask-WTF, plus Fetch-Metadata / Origin
//! checks.
//!
//! - **Tokens** (Flask-WTF's): the raw token lives in the session under
//!   `csrf_token`; forms and scripts send the signed token (salt
//!   `wtf-csrf-token`, 1 hour by default) in the form field `csrf_token`
//!   (urlencoded or multipart; a prefixed `...csrf_token` field too) or the
//!   `X-CSRFToken` / `X-CSRF-Token` headers. Tokens made here validate in
//!   Flask-WTF and the other way round.
//! - **Fetch-Metadata / Origin**: an unsafe request with
//!   `Sec-Fetch-Site: cross-site` is refused (403); without that header, an
//!   `Origin` matching neither the request's host nor a trusted origin is
//!   refused (403); with neither header, the token check decides.
//! - Under HTTPS, `Referer` must be same-origin (Flask-WTF's `SSL_STRICT`).
//! - Only `POST`, `PUT`, `PATCH`, `DELETE` are checked (configurable);
//!   exempt paths are skipped.
//!
//! Failures are [`CsrfError`]s carrying Flask-WTF's messages; token failures
//! answer 400, cross-origin ones 403.
//!
//! ```
//! use sessionkit::csrf::{Csrf, CsrfConfig};
//! use sessionkit::codec::SecretKey;
//! use sessionkit::DynamicSession;
//!
//! let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret").unwrap()));
//! let mut session = DynamicSession::default();
//! let token = csrf.token(&mut session).unwrap(); // for the form
//! assert!(csrf.validate(Some(&token), &session).is_ok());
//! assert_eq!(csrf.validate(None, &session).unwrap_err().to_string(), "The CSRF token is missing.");
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, HOST, ORIGIN, REFERER};
use http::{HeaderName, Method, StatusCode};

use crate::codec::{
    CsrfTokenCodec, DecodeError, SecretKey, Value, new_raw_csrf_token, tokens_equal,
};
use crate::data::SessionData;
use crate::lifecycle::EarlyResponse;
use crate::werkzeug::http::unix_secs;
use crate::werkzeug::http::werkzeug_https_host;
use crate::werkzeug::urls::urlparse_origin;

/// Why a request was refused.
///
/// # Examples
///
/// ```
/// use http::StatusCode;
/// use sessionkit::csrf::CsrfError;
///
/// // Flask-WTF's messages, and the statuses a refusal answers with.
/// assert_eq!(CsrfError::TokenExpired.to_string(), "The CSRF token has expired.");
/// assert_eq!(CsrfError::TokenInvalid.status(), StatusCode::BAD_REQUEST);
/// assert_eq!(CsrfError::CrossSite.status(), StatusCode::FORBIDDEN);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrfError {
    /// No token in the form or headers.
    #[error("The CSRF token is missing.")]
    TokenMissing,
    /// The session holds no raw token (it expired, or was never issued).
    #[error("The CSRF session token is missing.")]
    SessionTokenMissing,
    /// The token is older than the time limit, or dated in the future.
    #[error("The CSRF token has expired.")]
    TokenExpired,
    /// The token is not a valid signed token.
    #[error("The CSRF token is invalid.")]
    TokenInvalid,
    /// The token is valid but belongs to another session.
    #[error("The CSRF tokens do not match.")]
    TokensDoNotMatch,
    /// HTTPS request without a `Referer` (strict mode).
    #[error("The referrer header is missing.")]
    ReferrerMissing,
    /// HTTPS request whose `Referer` is another origin (strict mode).
    #[error("The referrer does not match the host.")]
    ReferrerMismatch,
    /// `Sec-Fetch-Site` other than `same-origin` or `none` (`same-site`,
    /// `cross-site`, anything else) on an unsafe request, from an origin
    /// that is not trusted.
    #[error("Cross-origin request refused (Sec-Fetch-Site is not same-origin).")]
    CrossSite,
    /// `Origin` (without `Sec-Fetch-Site`) is neither the request's own
    /// origin (scheme, host and port) nor a trusted origin; `Origin: null`
    /// too.
    #[error("Cross-origin request refused: the Origin does not match the host.")]
    OriginMismatch,
    /// The request body is larger than the CSRF layer reads.
    #[error("The request body is too large to be checked.")]
    BodyTooLarge,
    /// The request body could not be read.
    #[error("The request body could not be read.")]
    BodyUnreadable,
}

impl CsrfError {
    /// The default status: 403 for cross-origin refusals, 413 for a body
    /// too large, 400 otherwise (Flask-WTF's).
    ///
    /// # Examples
    ///
    /// ```
    /// use http::StatusCode;
    /// use sessionkit::csrf::CsrfError;
    ///
    /// assert_eq!(CsrfError::TokenMissing.status(), StatusCode::BAD_REQUEST);
    /// assert_eq!(CsrfError::OriginMismatch.status(), StatusCode::FORBIDDEN);
    /// assert_eq!(CsrfError::BodyTooLarge.status(), StatusCode::PAYLOAD_TOO_LARGE);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            CsrfError::CrossSite | CsrfError::OriginMismatch => StatusCode::FORBIDDEN,
            CsrfError::BodyTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The default response: the status and the message as text.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::csrf::CsrfError;
    ///
    /// let response = CsrfError::TokensDoNotMatch.to_response();
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(response.body(), b"The CSRF tokens do not match.");
    /// assert_eq!(response.headers()["content-type"], "text/plain; charset=utf-8");
    /// ```
    pub fn to_response(&self) -> EarlyResponse {
        let mut r = http::Response::new(self.to_string().into_bytes());
        *r.status_mut() = self.status();
        r.headers_mut().insert(
            CONTENT_TYPE,
            http::HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    }
}

/// Which checks run.
///
/// # Examples
///
/// ```
/// use sessionkit::codec::SecretKey;
/// use sessionkit::csrf::{CsrfConfig, CsrfMode};
///
/// let config = CsrfConfig::new(SecretKey::from_text("secret")?);
/// assert_eq!(config.mode, CsrfMode::Both);
/// let config = config.with_mode(CsrfMode::TokensOnly);
/// assert_eq!(config.mode, CsrfMode::TokensOnly);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CsrfMode {
    /// The Fetch-Metadata/Origin refusals of [`CsrfMode::FetchMetadata`],
    /// then the token check (default).
    #[default]
    Both,
    /// Only Flask-WTF's token check.
    TokensOnly,
    /// Token-free, as Go 1.25's `CrossOriginProtection`: a request passes
    /// when `Sec-Fetch-Site` is `same-origin` or `none`, or (without that
    /// header) when `Origin` is the request's own origin (scheme, host and
    /// port) or a trusted one; any other `Sec-Fetch-Site` (`same-site`,
    /// `cross-site`, junk) or `Origin` (`null`, foreign) is refused (403);
    /// requests with neither header fall back to the token check.
    FetchMetadata,
}

/// CSRF settings, mirroring Flask-WTF's `WTF_CSRF_*`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use sessionkit::codec::SecretKey;
/// use sessionkit::csrf::CsrfConfig;
///
/// let config = CsrfConfig::new(SecretKey::from_text("secret")?)
///     .with_time_limit(Some(Duration::from_secs(600)))
///     .exempt("/webhooks/payments")
///     .trust_origin("https://admin.example.com");
/// assert_eq!(config.field_name, "csrf_token");
/// assert_eq!(config.exempt_paths, ["/webhooks/payments"]);
/// assert_eq!(config.trusted_origins, ["https://admin.example.com"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct CsrfConfig {
    /// `WTF_CSRF_SECRET_KEY`, or the session's `SECRET_KEY`.
    pub secret_key: SecretKey,
    /// `WTF_CSRF_FIELD_NAME` (`csrf_token`): the form field and the session key.
    pub field_name: String,
    /// `WTF_CSRF_HEADERS` (`X-CSRFToken`, `X-CSRF-Token`).
    pub headers: Vec<HeaderName>,
    /// `WTF_CSRF_TIME_LIMIT` (1 hour); `None`: tokens never expire.
    pub time_limit: Option<Duration>,
    /// `WTF_CSRF_METHODS` (POST, PUT, PATCH, DELETE).
    pub methods: Vec<Method>,
    /// `WTF_CSRF_SSL_STRICT` (true): same-origin `Referer` under HTTPS.
    pub ssl_strict: bool,
    /// This app is served over HTTPS (directly or behind a TLS-terminating
    /// proxy): every request counts as HTTPS. Otherwise a request is HTTPS
    /// only with an absolute `https` request URI (HTTP/2, or a proxy-form
    /// HTTP/1.1 request) or, if `trust_forwarded_proto`,
    /// `X-Forwarded-Proto: https`. HTTPS turns on the strict `Referer`
    /// check and is the scheme of the request's own origin. False by
    /// default; [`CsrfConfig::for_session`] sets it from the session
    /// cookie's `Secure` flag.
    pub assume_https: bool,
    /// Believe `X-Forwarded-Proto` (only behind a proxy that sets it).
    pub trust_forwarded_proto: bool,
    /// Which checks run.
    pub mode: CsrfMode,
    /// Origins (`https://app.example.com`) trusted besides the request's host.
    pub trusted_origins: Vec<String>,
    /// Paths never checked (Flask-WTF's `@csrf.exempt`).
    pub exempt_paths: Vec<String>,
    /// The largest multipart body the layer holds in memory to find the
    /// token (8 MiB; 413 above). Flask streams files to disk and sets no
    /// total (`MAX_CONTENT_LENGTH` is `None`); a layer that buffers needs
    /// one. Bodies that are neither urlencoded nor multipart are not read.
    pub max_body: usize,
    /// Flask's `MAX_FORM_MEMORY_SIZE` (500 000 bytes): the largest
    /// urlencoded body, multipart field or multipart part header (413
    /// above).
    pub max_form_memory_size: usize,
    /// Flask's `MAX_FORM_PARTS` (1 000): the most parts of a multipart body
    /// (413 above).
    pub max_form_parts: usize,
    /// The most parameters of a part's `Content-Disposition` (64; 413
    /// above). Werkzeug sets no such limit; no browser sends more than three.
    pub max_header_params: usize,
}

impl CsrfConfig {
    /// Flask-WTF's defaults with `secret_key`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use http::Method;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?);
    /// // Flask-WTF's defaults.
    /// assert_eq!(config.time_limit, Some(Duration::from_secs(3600)));
    /// assert_eq!(config.methods, [Method::POST, Method::PUT, Method::PATCH, Method::DELETE]);
    /// assert_eq!(config.headers[0], "x-csrftoken");
    /// assert!(config.ssl_strict);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(secret_key: SecretKey) -> Self {
        CsrfConfig {
            secret_key,
            field_name: "csrf_token".into(),
            headers: vec![
                HeaderName::from_static("x-csrftoken"),
                HeaderName::from_static("x-csrf-token"),
            ],
            time_limit: Some(Duration::from_secs(3600)),
            methods: vec![Method::POST, Method::PUT, Method::PATCH, Method::DELETE],
            ssl_strict: true,
            assume_https: false,
            trust_forwarded_proto: false,
            mode: CsrfMode::Both,
            trusted_origins: Vec::new(),
            exempt_paths: Vec::new(),
            max_body: 8 * 1024 * 1024,
            max_form_memory_size: crate::werkzeug::form::MAX_FORM_MEMORY_SIZE,
            max_form_parts: crate::werkzeug::form::MAX_FORM_PARTS,
            max_header_params: crate::werkzeug::form::MAX_HEADER_PARAMS,
        }
    }

    /// Sets the form limits: Flask's `MAX_FORM_MEMORY_SIZE` and
    /// `MAX_FORM_PARTS`, and the multipart body buffer
    /// ([`CsrfConfig::max_body`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?);
    /// // Flask 3.1's defaults.
    /// assert_eq!((config.max_form_memory_size, config.max_form_parts), (500_000, 1_000));
    /// let config = config.with_form_limits(1_000_000, 200, 32 * 1024 * 1024);
    /// assert_eq!(config.max_body, 32 * 1024 * 1024);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_form_limits(
        mut self,
        max_form_memory_size: usize,
        max_form_parts: usize,
        max_body: usize,
    ) -> Self {
        self.max_form_memory_size = max_form_memory_size;
        self.max_form_parts = max_form_parts;
        self.max_body = max_body;
        self
    }

    /// How many body bytes the CSRF check reads for a request with this
    /// `Content-Type`: none for a body that carries no form, Flask's
    /// `MAX_FORM_MEMORY_SIZE` for urlencoded, [`CsrfConfig::max_body`] for
    /// multipart. A body over the limit is [`CsrfError::BodyTooLarge`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?);
    /// assert_eq!(config.body_limit("application/json"), None);
    /// assert_eq!(config.body_limit("application/x-www-form-urlencoded"), Some(500_000));
    /// assert_eq!(config.body_limit("multipart/form-data; boundary=x"), Some(8 * 1024 * 1024));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn body_limit(&self, content_type: &str) -> Option<usize> {
        let (mimetype, _) = crate::werkzeug::http::parse_options_header_limited(content_type, 0)
            .unwrap_or_default();
        match mimetype.to_ascii_lowercase().as_str() {
            "application/x-www-form-urlencoded" => Some(self.max_form_memory_size),
            "multipart/form-data" => Some(self.max_body),
            _ => None,
        }
    }

    fn form_limits(&self) -> crate::werkzeug::form::FormLimits {
        crate::werkzeug::form::FormLimits {
            max_form_memory_size: self.max_form_memory_size,
            max_form_parts: self.max_form_parts,
            max_header_params: self.max_header_params,
        }
    }

    /// Flask-WTF's defaults for an app whose session is configured by
    /// `session`: its secret key, and HTTPS ([`CsrfConfig::assume_https`])
    /// when the session cookie is `Secure` — a `Secure` cookie is only sent
    /// over HTTPS, so such an app is served over HTTPS.
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingSecretKey`](crate::error::ConfigError::MissingSecretKey)
    /// when `session` has no secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    /// use sessionkit::SessionConfig;
    ///
    /// let session = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("secret")?)
    ///     .with_cookie_name("__Host-session")
    ///     .with_secure(true);
    /// let config = CsrfConfig::for_session(&session)?;
    /// assert!(config.assume_https);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn for_session(
        session: &crate::config::SessionConfig,
    ) -> Result<Self, crate::error::ConfigError> {
        let key = session
            .secret_key
            .clone()
            .ok_or(crate::error::ConfigError::MissingSecretKey)?;
        Ok(CsrfConfig::new(key).with_assume_https(session.cookie_secure))
    }

    /// Sets the time limit (`None`: no expiry).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
    ///
    /// let key = SecretKey::from_text("secret")?;
    /// let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let issue = Csrf::new(CsrfConfig::new(key.clone())).with_clock(move || start);
    /// let mut session = DynamicSession::default();
    /// let token = issue.token(&mut session)?;
    ///
    /// let later = start + Duration::from_secs(2 * 3600);
    /// let default = Csrf::new(CsrfConfig::new(key.clone())).with_clock(move || later);
    /// assert_eq!(default.validate(Some(&token), &session), Err(CsrfError::TokenExpired));
    /// let forever = Csrf::new(CsrfConfig::new(key).with_time_limit(None)).with_clock(move || later);
    /// assert_eq!(forever.validate(Some(&token), &session), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Sets the mode.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{CsrfConfig, CsrfMode};
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?).with_mode(CsrfMode::FetchMetadata);
    /// assert_eq!(config.mode, CsrfMode::FetchMetadata);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_mode(mut self, mode: CsrfMode) -> Self {
        self.mode = mode;
        self
    }

    /// Exempts a path (exact match).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?).exempt("/hooks"));
    /// let post = |path: &str| http::Request::post(path).body(()).unwrap().into_parts().0;
    /// assert!(!csrf.applies_to(&post("/hooks")));
    /// assert!(csrf.applies_to(&post("/hooks/other"))); // exact paths only
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn exempt(mut self, path: impl Into<String>) -> Self {
        self.exempt_paths.push(path.into());
        self
    }

    /// Trusts an origin (`scheme://host[:port]`).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// // Stored as compared: lowercase, no trailing slash.
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?)
    ///     .trust_origin("HTTPS://Admin.Example.com/");
    /// assert_eq!(config.trusted_origins, ["https://admin.example.com"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn trust_origin(mut self, origin: impl Into<String>) -> Self {
        self.trusted_origins
            .push(origin.into().trim_end_matches('/').to_ascii_lowercase());
        self
    }

    /// Sets `ssl_strict`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?);
    /// assert!(config.ssl_strict); // Flask-WTF's default
    /// assert!(!config.with_ssl_strict(false).ssl_strict);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_ssl_strict(mut self, strict: bool) -> Self {
        self.ssl_strict = strict;
        self
    }

    /// Believes `X-Forwarded-Proto: https` as "this request came over
    /// HTTPS". Only behind a proxy that always sets (or strips) the header:
    /// otherwise a client chooses it.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?).with_trust_forwarded_proto(true);
    /// assert!(config.trust_forwarded_proto);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_trust_forwarded_proto(mut self, trust: bool) -> Self {
        self.trust_forwarded_proto = trust;
        self
    }

    /// Sets `assume_https`: this app is served over HTTPS. HTTP/1.1 servers
    /// see only the path of a request (`/login`), never its scheme, so an
    /// app that is reached over HTTPS must say so here (or trust
    /// `X-Forwarded-Proto` from its proxy): it turns on Flask-WTF's strict
    /// `Referer` check and makes `https://host` the request's own origin.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::CsrfConfig;
    ///
    /// // Behind a proxy that terminates TLS: every request counts as HTTPS, so
    /// // the strict `Referer` check applies.
    /// let config = CsrfConfig::new(SecretKey::from_text("secret")?).with_assume_https(true);
    /// assert!(config.assume_https);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_assume_https(mut self, https: bool) -> Self {
        self.assume_https = https;
        self
    }
}

/// CSRF protection: makes tokens and checks requests. Cheap to clone.
///
/// # Examples
///
/// ```
/// use sessionkit::DynamicSession;
/// use sessionkit::codec::SecretKey;
/// use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
///
/// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
/// let mut alice = DynamicSession::default();
/// let token = csrf.token(&mut alice)?;
/// assert_eq!(csrf.validate(Some(&token), &alice), Ok(()));
///
/// // Another session's token does not validate here.
/// let mut bob = DynamicSession::default();
/// csrf.token(&mut bob)?;
/// assert_eq!(csrf.validate(Some(&token), &bob), Err(CsrfError::TokensDoNotMatch));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Csrf {
    inner: Arc<Inner>,
}

struct Inner {
    config: CsrfConfig,
    codec: CsrfTokenCodec,
    clock: Option<Box<dyn Fn() -> SystemTime + Send + Sync>>,
}

impl fmt::Debug for Csrf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csrf")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// How a CSRF refusal is answered (the adapters' `on_error`; default
/// [`CsrfError::to_response`]).
pub(crate) type CsrfErrorHandler = Arc<dyn Fn(&CsrfError) -> EarlyResponse + Send + Sync>;

/// An origin `(scheme, host, port)` with the scheme's default port filled
/// in; `None` for anything but an `http` or `https` origin with a host.
fn with_default_port(
    (scheme, host, port): (String, Option<String>, Option<u16>),
) -> Option<(String, String, u16)> {
    let default = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    Some((scheme, host?, port.unwrap_or(default)))
}

impl Csrf {
    /// Protection with `config`.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// assert_eq!(csrf.config().field_name, "csrf_token");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(config: CsrfConfig) -> Self {
        Csrf {
            inner: Arc::new(Inner {
                codec: CsrfTokenCodec::new(config.secret_key.clone()),
                config,
                clock: None,
            }),
        }
    }

    /// Uses `clock` instead of the system time (for tests and replays).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?)).with_clock(move || at);
    /// let mut session = DynamicSession::default();
    /// // The same raw token and time give the same signed token.
    /// assert_eq!(csrf.token(&mut session)?, csrf.token(&mut session)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        let inner = Arc::try_unwrap(self.inner).unwrap_or_else(|shared| Inner {
            config: shared.config.clone(),
            codec: shared.codec.clone(),
            clock: None,
        });
        Csrf {
            inner: Arc::new(Inner {
                clock: Some(Box::new(clock)),
                ..inner
            }),
        }
    }

    /// The configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?).exempt("/hooks"));
    /// assert_eq!(csrf.config().exempt_paths, ["/hooks"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn config(&self) -> &CsrfConfig {
        &self.inner.config
    }

    fn now(&self) -> u64 {
        unix_secs(
            self.inner
                .clock
                .as_ref()
                .map_or_else(SystemTime::now, |c| c()),
        )
    }

    fn raw_token<S: SessionData>(&self, session: &S) -> Option<String> {
        match session.get_key(&self.inner.config.field_name) {
            Some(Value::Str(s)) => s.into_string().ok(),
            _ => None,
        }
    }

    /// Flask-WTF's `generate_csrf()`: the signed token for forms, creating
    /// the raw token in the session if it has none (which modifies the
    /// session, so its cookie is sent).
    ///
    /// # Errors
    ///
    /// The OS random source failed, or the session refused the write (a null
    /// session) — then [`CsrfError::SessionTokenMissing`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionData};
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// let mut session = DynamicSession::default();
    /// let token = csrf.token(&mut session)?;
    /// // The raw token (40 hex digits) is now in the session, as in Flask-WTF;
    /// // the form gets the signed one.
    /// let raw: String = session.get_as("csrf_token").unwrap()?;
    /// assert_eq!(raw.len(), 40);
    /// assert_eq!(token.split('.').count(), 3); // payload.timestamp.signature
    /// assert!(session.state().is_modified());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn token<S: SessionData>(&self, session: &mut S) -> Result<String, CsrfError> {
        session.state().mark_accessed();
        let raw = match self.raw_token(session) {
            Some(raw) => raw,
            None => self.new_raw_token(session)?,
        };
        Ok(self.inner.codec.sign(&raw, self.now()))
    }

    /// Puts a new raw token into the session and returns it.
    fn new_raw_token<S: SessionData>(&self, session: &mut S) -> Result<String, CsrfError> {
        let raw = new_raw_csrf_token().map_err(|_| CsrfError::SessionTokenMissing)?;
        session
            .set_key(&self.inner.config.field_name, Value::from(raw.as_str()))
            .map_err(|_| CsrfError::SessionTokenMissing)?;
        if session.state().is_null() {
            return Err(CsrfError::SessionTokenMissing);
        }
        Ok(raw)
    }

    /// Rotates the token: a new raw token replaces the session's, so every
    /// token signed before is refused from now on ([`CsrfError::TokensDoNotMatch`]).
    /// Call it whenever the privilege of the session changes — at login
    /// above all: a token an attacker obtained (or planted) before the login
    /// must not be valid after it (token fixation). Returns the new signed
    /// token for the next form. Flask-WTF reads the new raw token as it
    /// reads any (the session key `csrf_token`).
    ///
    /// # Errors
    ///
    /// As [`Csrf::token`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// let mut session = DynamicSession::default();
    /// let before_login = csrf.token(&mut session)?;
    /// // At login:
    /// let after_login = csrf.rotate(&mut session)?;
    /// assert_eq!(csrf.validate(Some(&before_login), &session), Err(CsrfError::TokensDoNotMatch));
    /// assert_eq!(csrf.validate(Some(&after_login), &session), Ok(()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn rotate<S: SessionData>(&self, session: &mut S) -> Result<String, CsrfError> {
        session.state().mark_accessed();
        let raw = self.new_raw_token(session)?;
        Ok(self.inner.codec.sign(&raw, self.now()))
    }

    /// Flask-WTF's `validate_csrf()`, in its order: missing token, missing
    /// session token, expired, invalid, mismatch.
    ///
    /// # Errors
    ///
    /// The [`CsrfError`] for the first check that fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// let mut session = DynamicSession::default();
    /// assert_eq!(csrf.validate(Some("x"), &session), Err(CsrfError::SessionTokenMissing));
    /// let token = csrf.token(&mut session)?;
    /// assert_eq!(csrf.validate(Some(&token), &session), Ok(()));
    /// assert_eq!(csrf.validate(Some(""), &session), Err(CsrfError::TokenMissing));
    /// assert_eq!(csrf.validate(Some("forged"), &session), Err(CsrfError::TokenInvalid));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn validate<S: SessionData>(
        &self,
        submitted: Option<&str>,
        session: &S,
    ) -> Result<(), CsrfError> {
        let submitted = submitted
            .filter(|t| !t.is_empty())
            .ok_or(CsrfError::TokenMissing)?;
        session.state().mark_accessed();
        let raw = self
            .raw_token(session)
            .ok_or(CsrfError::SessionTokenMissing)?;
        let max_age = self.inner.config.time_limit.map(|d| d.as_secs());
        let token = match self.inner.codec.verify(submitted, self.now(), max_age) {
            Ok(t) => t,
            Err(DecodeError::Expired { .. } | DecodeError::FutureTimestamp { .. }) => {
                return Err(CsrfError::TokenExpired);
            }
            Err(_) => return Err(CsrfError::TokenInvalid),
        };
        if tokens_equal(&raw, &token) {
            Ok(())
        } else {
            Err(CsrfError::TokensDoNotMatch)
        }
    }

    /// Whether `request` needs checking at all (method, exemption).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// let parts = |method: &str| {
    ///     http::Request::builder().method(method).uri("/form").body(()).unwrap().into_parts().0
    /// };
    /// assert!(csrf.applies_to(&parts("POST")));
    /// assert!(csrf.applies_to(&parts("DELETE")));
    /// assert!(!csrf.applies_to(&parts("GET")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn applies_to(&self, request: &http::request::Parts) -> bool {
        let c = &self.inner.config;
        c.methods.contains(&request.method)
            && !c.exempt_paths.iter().any(|p| p == request.uri.path())
    }

    fn is_https(&self, request: &http::request::Parts) -> bool {
        let c = &self.inner.config;
        c.assume_https
            || request.uri.scheme_str() == Some("https")
            || (c.trust_forwarded_proto
                && request
                    .headers
                    .get("x-forwarded-proto")
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case("https")))
    }

    fn host(request: &http::request::Parts) -> Option<String> {
        request
            .headers
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .or_else(|| request.uri.authority().map(|a| a.as_str().to_owned()))
    }

    /// The request's own origin, `(scheme, host, port)` with the port
    /// filled in (80 or 443): the scheme is `https` when the app is served
    /// over HTTPS (see [`CsrfConfig::assume_https`]), the host and port
    /// those of the `Host` header.
    fn own_origin(&self, request: &http::request::Parts) -> Option<(String, String, u16)> {
        let scheme = if self.is_https(request) {
            "https"
        } else {
            "http"
        };
        let host = Self::host(request)?;
        with_default_port(urlparse_origin(&format!("{scheme}://{}/", host.trim()))?)
    }

    /// Fetch-Metadata/Origin, as Go 1.25's `CrossOriginProtection` judges
    /// them: `Ok(Some(()))` when the headers show a same-origin request (or
    /// a trusted origin), an error when they show any other, and `Ok(None)`
    /// when neither header is there.
    fn fetch_metadata(&self, request: &http::request::Parts) -> Result<Option<()>, CsrfError> {
        let headers = &request.headers;
        let origin = headers
            .get(ORIGIN)
            .map(|v| crate::werkzeug::http::latin1(v.as_bytes()));
        // The origin as (scheme, host, port), the default port filled in.
        let parsed = origin
            .as_deref()
            .and_then(|o| urlparse_origin(o.trim()))
            .and_then(with_default_port);
        // A trusted origin passes whatever `Sec-Fetch-Site` says (it is
        // another site by definition). Compared as written, or by scheme,
        // host and port (`https://a.example:443` is `https://a.example`).
        if let Some(origin) = &origin {
            let text = origin.trim().trim_end_matches('/').to_ascii_lowercase();
            let trusted = self.inner.config.trusted_origins.iter().any(|t| {
                *t == text
                    || parsed.is_some() && urlparse_origin(t).and_then(with_default_port) == parsed
            });
            if trusted {
                return Ok(Some(()));
            }
        }
        if let Some(site) = headers.get("sec-fetch-site") {
            return match site.as_bytes() {
                b"same-origin" | b"none" => Ok(Some(())),
                _ => Err(CsrfError::CrossSite),
            };
        }
        if origin.is_none() {
            return Ok(None);
        }
        let same = parsed
            .zip(self.own_origin(request))
            .is_some_and(|(theirs, ours)| theirs == ours);
        if same {
            Ok(Some(()))
        } else {
            Err(CsrfError::OriginMismatch)
        }
    }

    /// Flask-WTF's token lookup: the `csrf_token` form field, else the first
    /// non-empty field ending in `csrf_token`, else the headers. A multipart
    /// body over Werkzeug's limits is [`CsrfError::BodyTooLarge`] (Flask
    /// answers 413 there too).
    fn submitted_token(
        &self,
        request: &http::request::Parts,
        body: &[u8],
    ) -> Result<Option<String>, CsrfError> {
        let c = &self.inner.config;
        // Werkzeug sees header bytes as Latin-1 text.
        let latin1 = |v: &http::HeaderValue| crate::werkzeug::http::latin1(v.as_bytes());
        let content_type = request
            .headers
            .get(CONTENT_TYPE)
            .map(latin1)
            .unwrap_or_default();
        let fields = crate::werkzeug::form::form_fields(&content_type, body, c.form_limits())
            .map_err(|_| CsrfError::BodyTooLarge)?;
        let exact = fields
            .iter()
            .find(|(k, _)| *k == c.field_name)
            .map(|(_, v)| v.as_str());
        if let Some(t) = exact.filter(|t| !t.is_empty()) {
            return Ok(Some(t.to_owned()));
        }
        // `for key in request.form: if key.endswith(field): form[key]`: the
        // distinct keys in order, each with its first value, which is the
        // value at the key's first occurrence. One pass, one hash set (of
        // the matching keys only): linear in the number of fields.
        let mut seen = std::collections::HashSet::new();
        for (k, v) in &fields {
            if k.ends_with(c.field_name.as_str()) && seen.insert(k.as_str()) && !v.is_empty() {
                return Ok(Some(v.clone()));
            }
        }
        Ok(c.headers
            .iter()
            .filter_map(|h| request.headers.get(h).map(latin1))
            .find(|t| !t.is_empty()))
    }

    /// Flask-WTF's `CSRFProtect` check of one request (plus Fetch-Metadata /
    /// Origin, per the mode), with its body already read.
    ///
    /// # Errors
    ///
    /// The [`CsrfError`] refusing the request.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig, CsrfError};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// let csrf = Csrf::new(CsrfConfig::new(SecretKey::from_text("secret")?));
    /// let session = SessionHandle::new(DynamicSession::default());
    /// let token = csrf.token(&mut *session.lock())?;
    ///
    /// let form = |origin: &str| {
    ///     http::Request::post("http://shop.example/cart")
    ///         .header("host", "shop.example")
    ///         .header("origin", origin)
    ///         .header("content-type", "application/x-www-form-urlencoded")
    ///         .body(())
    ///         .unwrap()
    ///         .into_parts()
    ///         .0
    /// };
    /// let body = format!("csrf_token={token}&qty=2");
    /// assert_eq!(csrf.protect(&form("http://shop.example"), body.as_bytes(), &session), Ok(()));
    /// assert_eq!(
    ///     csrf.protect(&form("https://evil.example"), body.as_bytes(), &session),
    ///     Err(CsrfError::OriginMismatch)
    /// );
    /// assert_eq!(
    ///     csrf.protect(&form("http://shop.example"), b"qty=2", &session),
    ///     Err(CsrfError::TokenMissing)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn protect<S: SessionData>(
        &self,
        request: &http::request::Parts,
        body: &[u8],
        session: &crate::lifecycle::SessionHandle<S>,
    ) -> Result<(), CsrfError> {
        if !self.applies_to(request) {
            return Ok(());
        }
        let mode = self.inner.config.mode;
        if mode != CsrfMode::TokensOnly {
            let ok_by_headers = self.fetch_metadata(request)?;
            if mode == CsrfMode::FetchMetadata && ok_by_headers.is_some() {
                return Ok(());
            }
        }
        let submitted = self.submitted_token(request, body)?;
        // `validate` marks the session accessed where Flask-WTF reads it
        // (after the missing-token check), so a refused request without a
        // token gets no `Vary: Cookie`, as in Flask.
        self.validate(submitted.as_deref(), &*session.lock_untracked())?;
        if self.inner.config.ssl_strict && self.is_https(request) {
            // Flask-WTF: `if not request.referrer`, then
            // `same_origin(request.referrer, f"https://{request.host}/")`.
            let referer: String = match request.headers.get(REFERER) {
                Some(v) if !v.is_empty() => crate::werkzeug::http::latin1(v.as_bytes()),
                _ => return Err(CsrfError::ReferrerMissing),
            };
            let host = Self::host(request);
            let good = format!("https://{}/", werkzeug_https_host(host.as_deref()));
            match (urlparse_origin(&referer), urlparse_origin(&good)) {
                (Some(a), Some(b)) if a == b => {}
                _ => return Err(CsrfError::ReferrerMismatch),
            }
        }
        Ok(())
    }

    /// The whole check of one request, shared by the framework adapters:
    /// the form body's size limit (a declared `Content-Length` over it is
    /// refused before anything is read), the body read by `read` up to that
    /// limit (only a form body: other bodies are not read, and `Ok(None)`
    /// says so), the session loaded from its store, then
    /// [`Csrf::protect`]. A refusal is logged once (the reason and the
    /// path, never the token) and answered by `on_error`; a store that is
    /// down answers with its 503.
    pub(crate) async fn check_request<S, B, Fut>(
        &self,
        request: &http::request::Parts,
        session: &crate::lifecycle::SessionHandle<S>,
        on_error: &CsrfErrorHandler,
        read: impl FnOnce(usize) -> Fut,
    ) -> Result<Option<B>, EarlyResponse>
    where
        S: SessionData,
        B: AsRef<[u8]>,
        Fut: std::future::Future<Output = Result<B, CsrfError>>,
    {
        let refuse = |e: CsrfError| {
            tracing::debug!(
                target: crate::error::LOG_TARGET,
                error = %e,
                path = %request.uri.path(),
                "CSRF check refused the request"
            );
            on_error(&e)
        };
        // Only form bodies can carry the token. Header bytes as Latin-1
        // text, as Werkzeug (and the check) read them.
        let limit = request.headers.get(CONTENT_TYPE).and_then(|v| {
            self.config()
                .body_limit(&crate::werkzeug::http::latin1(v.as_bytes()))
        });
        let body = match limit {
            None => None,
            Some(limit) => {
                let declared = request
                    .headers
                    .get(http::header::CONTENT_LENGTH)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok());
                if declared.is_some_and(|d| d > limit as u64) {
                    return Err(refuse(CsrfError::BodyTooLarge));
                }
                Some(read(limit).await.map_err(refuse)?)
            }
        };
        // A server-side session is loaded from its store first.
        session.load().await.map_err(|u| u.response())?;
        let bytes = body.as_ref().map_or(&[][..], AsRef::as_ref);
        self.protect(request, bytes, session).map_err(refuse)?;
        Ok(body)
    }
}
