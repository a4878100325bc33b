//! [`SessionInterface`]: how sessions are opened from requests and saved into
//! responses (Flask's `flask.sessions.SessionInterface`).

use std::time::{Duration, SystemTime};

use crate::config::{SameSite, SessionConfig};
use crate::data::SessionData;
use crate::error::SaveError;

/// Opens a session from a request and saves it into a response; Flask's
/// `SessionInterface`, with its method names.
///
/// The cookie-attribute and policy hooks have Flask's defaults, computed from
/// [`SessionInterface::config`]; override any of them. Implementations must
/// be shareable across threads.
///
/// ```
/// use session_runtime::{DynamicSession, SecureCookieSessionInterface, SessionConfig, SessionData, SessionInterface};
/// use session_runtime::codec::SecretKey;
///
/// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
/// let interface = SecureCookieSessionInterface::new(config).unwrap();
///
/// let (request, ()) = http::Request::new(()).into_parts();
/// let mut session: DynamicSession = interface.open_session(&request).unwrap();
/// session.insert("user", "ada");
///
/// let mut headers = http::HeaderMap::new();
/// interface.save_session(&session, &mut headers).unwrap();
/// assert!(headers["set-cookie"].to_str().unwrap().starts_with("session=eyJ1c2VyIjoiYWRhIn0."));
/// assert_eq!(headers["vary"], "Cookie");
/// ```
pub trait SessionInterface<S: SessionData>: Send + Sync + 'static {
    /// The configuration the default hooks read.
    fn config(&self) -> &SessionConfig;

    /// `get_cookie_name`.
    fn cookie_name(&self) -> &str {
        &self.config().cookie_name
    }

    /// `get_cookie_domain` (as configured; rendering applies Werkzeug's rules).
    fn cookie_domain(&self) -> Option<&str> {
        self.config().cookie_domain.as_deref()
    }

    /// `get_cookie_path`.
    fn cookie_path(&self) -> &str {
        &self.config().cookie_path
    }

    /// `get_cookie_httponly`.
    fn cookie_http_only(&self) -> bool {
        self.config().cookie_http_only
    }

    /// `get_cookie_secure`.
    fn cookie_secure(&self) -> bool {
        self.config().cookie_secure
    }

    /// `get_cookie_samesite`.
    fn cookie_same_site(&self) -> Option<SameSite> {
        self.config().cookie_same_site
    }

    /// `get_cookie_partitioned`.
    fn cookie_partitioned(&self) -> bool {
        self.config().cookie_partitioned
    }

    /// The current time (overridable, e.g. for tests).
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// `get_expiration_time`: now + lifetime for a permanent session, none
    /// (a browser-session cookie) otherwise.
    fn expiration_time(&self, session: &S) -> Option<SystemTime> {
        session.is_permanent_session().then(|| {
            // Past what `SystemTime` holds: a date no header can carry
            // either, which the save step refuses.
            self.now()
                .checked_add(self.config().permanent_session_lifetime)
                .unwrap_or(SystemTime::UNIX_EPOCH + Duration::from_secs(LAST_HTTP_DATE + 1))
        })
    }

    /// `should_set_cookie`: modified, or permanent with refresh-each-request.
    fn should_set_cookie(&self, session: &S) -> bool {
        session.state().is_modified()
            || (session.is_permanent_session() && self.config().refresh_each_request)
    }

    /// `make_null_session`: a session that reads as empty and refuses writes.
    fn make_null_session(&self) -> S {
        S::null()
    }

    /// `is_null_session`.
    fn is_null_session(&self, session: &S) -> bool {
        session.state().is_null()
    }

    /// Lazy opening: the request's session cookie value, captured cheaply,
    /// if this interface can open the session from that value alone (then
    /// [`SessionInterface::open_from_cookie`] runs when the session is first
    /// used, or at save time). The default, `None`, opens eagerly with
    /// [`SessionInterface::open_session`].
    fn lazy_cookie(&self, _request: &http::request::Parts) -> Option<PendingCookie> {
        None
    }

    /// Opens a session from a value captured by
    /// [`SessionInterface::lazy_cookie`] (only called after it returned
    /// `Some`).
    fn open_from_cookie(&self, _cookie: PendingCookie) -> S {
        S::default()
    }

    /// `open_session`: the request's session, a fresh one if its cookie is
    /// missing or bad, or `None` when sessions are unavailable (no secret
    /// key), in which case the caller uses [`SessionInterface::make_null_session`].
    fn open_session(&self, request: &http::request::Parts) -> Option<S>;

    /// `save_session`: adds `Set-Cookie` and `Vary` to the response headers by
    /// Flask's rules.
    ///
    /// # Errors
    ///
    /// [`SaveError`] when the session cannot be written, the cookie would be
    /// too large, or a write to a null session was refused.
    fn save_session(&self, session: &S, headers: &mut http::HeaderMap) -> Result<(), SaveError>;
}

/// The raw session cookie value of a request, captured for lazy opening.
///
/// # Examples
///
/// ```
/// use session_runtime::PendingCookie;
///
/// assert!(PendingCookie(Some("abc.def.ghi".into())).is_present());
/// assert!(!PendingCookie(Some(String::new())).is_present());
/// assert!(!PendingCookie(None).is_present());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingCookie(pub Option<String>);

impl PendingCookie {
    /// Whether the request carried a (non-empty) session cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_runtime::PendingCookie;
    ///
    /// assert!(!PendingCookie::default().is_present());
    /// ```
    pub fn is_present(&self) -> bool {
        self.0.as_deref().is_some_and(|v| !v.is_empty())
    }
}

/// The last second an HTTP date can carry: 9999-12-31 23:59:59 UTC.
pub(crate) const LAST_HTTP_DATE: u64 = 253_402_300_799;

/// Seconds since the Unix epoch (0 before it).
pub(crate) fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_secs()
}
