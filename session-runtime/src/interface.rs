//! [`SessionInterface`]: how sessions are opened from requests and saved into
//! responses (Flask's `flask.sessions.SessionInterface`).

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use http::{HeaderValue, StatusCode};

use crate::config::{SameSite, SessionConfig};
use crate::data::SessionData;
use crate::error::{SaveError, StoreError};
use crate::werkzeug::http::LAST_HTTP_DATE;

pub use crate::secure_cookie::{Clock, SecureCookieSessionInterface};
pub use crate::state::{NULL_SESSION_MESSAGE, SessionState};
pub use crate::werkzeug::http::format_set_cookie;

/// Opens a session from a request and saves it into a response; Flask's
/// `SessionInterface`, with its method names.
///
/// The cookie-attribute and policy hooks have Flask's defaults, computed from
/// [`SessionInterface::config`]; override any of them. Implementations must
/// be shareable across threads.
///
/// ```
/// use sessionkit::{DynamicSession, SessionConfig, SessionData};
/// use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
/// use sessionkit::codec::SecretKey;
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
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config().with_cookie_name("sid"));
    /// assert_eq!(hook(|i| i.config().cookie_name.clone(), &i), "sid");
    /// ```
    fn config(&self) -> &SessionConfig;

    /// `get_cookie_name`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// assert_eq!(hook(|i| i.cookie_name().to_owned(), &interface(config())), "session");
    /// ```
    fn cookie_name(&self) -> &str {
        &self.config().cookie_name
    }

    /// `get_cookie_domain` (as configured; rendering applies Werkzeug's rules).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config().with_domain(".example.com"));
    /// assert_eq!(hook(|i| i.cookie_domain().map(str::to_owned), &i).as_deref(), Some(".example.com"));
    /// assert_eq!(hook(|i| i.cookie_domain().map(str::to_owned), &interface(config())), None);
    /// ```
    fn cookie_domain(&self) -> Option<&str> {
        self.config().cookie_domain.as_deref()
    }

    /// `get_cookie_path`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// assert_eq!(hook(|i| i.cookie_path().to_owned(), &interface(config())), "/");
    /// ```
    fn cookie_path(&self) -> &str {
        &self.config().cookie_path
    }

    /// `get_cookie_httponly`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// assert!(hook(|i| i.cookie_http_only(), &interface(config())));
    /// assert!(!hook(|i| i.cookie_http_only(), &interface(config().with_http_only(false))));
    /// ```
    fn cookie_http_only(&self) -> bool {
        self.config().cookie_http_only
    }

    /// `get_cookie_secure`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// assert!(!hook(|i| i.cookie_secure(), &interface(config())));
    /// assert!(hook(|i| i.cookie_secure(), &interface(config().with_secure(true))));
    /// ```
    fn cookie_secure(&self) -> bool {
        self.config().cookie_secure
    }

    /// `get_cookie_samesite`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use sessionkit::config::SameSite;
    ///
    /// assert_eq!(hook(|i| i.cookie_same_site(), &interface(config())), Some(SameSite::Lax));
    /// assert_eq!(hook(|i| i.cookie_same_site(), &interface(config().with_same_site(None))), None);
    /// ```
    fn cookie_same_site(&self) -> Option<SameSite> {
        self.config().cookie_same_site
    }

    /// `get_cookie_partitioned`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config().with_partitioned(true).with_secure(true));
    /// assert!(hook(|i| i.cookie_partitioned(), &i));
    /// let mut s = DynamicSession::default();
    /// s.insert("n", 1);
    /// let mut headers = http::HeaderMap::new();
    /// i.save_session(&s, &mut headers).unwrap();
    /// assert!(headers["set-cookie"].to_str().unwrap().contains("; Partitioned"));
    /// ```
    fn cookie_partitioned(&self) -> bool {
        self.config().cookie_partitioned
    }

    /// The current time (overridable, e.g. for tests).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use std::time::{Duration, SystemTime};
    ///
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let i = interface(config()).with_clock(move || at);
    /// assert_eq!(hook(|i| i.now(), &i), at);
    /// ```
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    /// `get_expiration_time`: now + lifetime for a permanent session, none
    /// (a browser-session cookie) otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use std::time::{Duration, SystemTime};
    ///
    /// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    /// let i = interface(config().with_lifetime(Duration::from_secs(3600))).with_clock(move || at);
    /// let mut s = DynamicSession::default();
    /// assert_eq!(i.expiration_time(&s), None); // a browser-session cookie
    /// s.set_permanent(true);
    /// assert_eq!(i.expiration_time(&s), Some(at + Duration::from_secs(3600)));
    /// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use sessionkit::codec::Dict;
    ///
    /// let i = interface(config());
    /// let mut dict = Dict::new();
    /// dict.insert("_permanent", true);
    /// let loaded = DynamicSession::from_loaded(dict);
    /// assert!(i.should_set_cookie(&loaded)); // refreshed on every request
    /// let i = interface(config().with_refresh_each_request(false));
    /// assert!(!i.should_set_cookie(&loaded));
    /// ```
    fn should_set_cookie(&self, session: &S) -> bool {
        session.state().is_modified()
            || (session.is_permanent_session() && self.config().refresh_each_request)
    }

    /// `make_null_session`: a session that reads as empty and refuses writes.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(SessionConfig::default()); // no secret key
    /// let (request, ()) = http::Request::new(()).into_parts();
    /// let s: DynamicSession = i.open_session(&request).unwrap_or_else(|| i.make_null_session());
    /// assert!(i.is_null_session(&s));
    /// ```
    fn make_null_session(&self) -> S {
        S::null()
    }

    /// `is_null_session`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config());
    /// assert!(i.is_null_session(&DynamicSession::null()));
    /// assert!(!i.is_null_session(&DynamicSession::default()));
    /// ```
    fn is_null_session(&self, session: &S) -> bool {
        session.state().is_null()
    }

    /// Lazy opening: the request's session cookie value, captured cheaply,
    /// if this interface can open the session from that value alone (then
    /// [`SessionInterface::open_from_cookie`] runs when the session is first
    /// used, or at save time). The default, `None`, opens eagerly with
    /// [`SessionInterface::open_session`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use sessionkit::interface::PendingCookie;
    ///
    /// let i = interface(config());
    /// let (request, ()) = http::Request::builder()
    ///     .header("cookie", "theme=dark; session=abc.def.ghi")
    ///     .body(())
    ///     .unwrap()
    ///     .into_parts();
    /// let captured: Option<PendingCookie> = SessionInterface::<DynamicSession>::lazy_cookie(&i, &request);
    /// assert_eq!(captured, Some(PendingCookie(Some("abc.def.ghi".into()))));
    /// ```
    fn lazy_cookie(&self, _request: &http::request::Parts) -> Option<PendingCookie> {
        None
    }

    /// Opens a session from a value captured by
    /// [`SessionInterface::lazy_cookie`] (only called after it returned
    /// `Some`).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// use sessionkit::interface::PendingCookie;
    ///
    /// let i = interface(config());
    /// let mut s = DynamicSession::default();
    /// s.insert("n", 1);
    /// let value = i.encode_session(&s).unwrap();
    /// let opened: DynamicSession = i.open_from_cookie(PendingCookie(Some(value)));
    /// assert_eq!(opened.get_as::<u8>("n").unwrap().unwrap(), 1);
    /// // A bad value opens a fresh session, as `open_session` does.
    /// let fresh: DynamicSession = i.open_from_cookie(PendingCookie(Some("bad".into())));
    /// assert!(fresh.state().is_new() && fresh.is_empty());
    /// ```
    fn open_from_cookie(&self, _cookie: PendingCookie) -> S {
        S::default()
    }

    /// `open_session`: the request's session, a fresh one if its cookie is
    /// missing or bad, or `None` when sessions are unavailable (no secret
    /// key), in which case the caller uses [`SessionInterface::make_null_session`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config());
    /// let (request, ()) = http::Request::new(()).into_parts();
    /// let s: DynamicSession = i.open_session(&request).unwrap();
    /// assert!(s.state().is_new());
    /// // Without a secret key there is no session to open.
    /// let none: Option<DynamicSession> = interface(SessionConfig::default()).open_session(&request);
    /// assert!(none.is_none());
    /// ```
    fn open_session(&self, request: &http::request::Parts) -> Option<S>;

    /// `save_session`: adds `Set-Cookie` and `Vary` to the response headers by
    /// Flask's rules.
    ///
    /// # Errors
    ///
    /// [`SaveError`] when the session cannot be written, the cookie would be
    /// too large, or a write to a null session was refused.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// # let config = || SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
    /// # let interface = |c: SessionConfig| SecureCookieSessionInterface::new(c).unwrap();
    /// # fn hook<T>(f: impl Fn(&dyn SessionInterface<DynamicSession>) -> T, i: &SecureCookieSessionInterface) -> T { f(i) }
    /// let i = interface(config());
    /// // An emptied session deletes the cookie.
    /// let mut s = DynamicSession::default();
    /// s.insert("n", 1);
    /// s.clear();
    /// let mut headers = http::HeaderMap::new();
    /// i.save_session(&s, &mut headers).unwrap();
    /// assert_eq!(
    ///     headers["set-cookie"],
    ///     "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/; SameSite=Lax"
    /// );
    /// ```
    fn save_session(&self, session: &S, headers: &mut http::HeaderMap) -> Result<(), SaveError>;

    /// Whether sessions live in a server-side store, so they are loaded
    /// ([`SessionInterface::load_session`]) and saved
    /// ([`SessionInterface::begin_save`]) asynchronously. `false`, the
    /// default, for sessions held in the cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// let i = SecureCookieSessionInterface::new(SessionConfig::default())?;
    /// assert!(!SessionInterface::<DynamicSession>::is_server_side(&i));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn is_server_side(&self) -> bool {
        false
    }

    /// Loads the session a request's cookie names: for a server-side
    /// interface, from its store (the extractor and the CSRF layer await it
    /// before the session is first locked). Returns the session and what the
    /// interface keeps beside it for the save ([`Loaded`]). The default
    /// opens it at once with [`SessionInterface::open_from_cookie`].
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store cannot be reached; the request is
    /// then answered with [`SessionInterface::unavailable_response`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig, SessionData};
    /// # use sessionkit::interface::{PendingCookie, SecureCookieSessionInterface, SessionInterface};
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let i = SecureCookieSessionInterface::new(
    ///     SessionConfig::default().with_secret_key(SecretKey::from_text("k")?),
    /// )?;
    /// let (s, _): (DynamicSession, _) = i.load_session(PendingCookie(Some("bad".into()))).await?;
    /// assert!(s.state().is_new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn load_session(
        &self,
        cookie: PendingCookie,
    ) -> BoxFuture<Result<(S, Option<Loaded>), StoreError>> {
        let session = self.open_from_cookie(cookie);
        Box::pin(std::future::ready(Ok((session, None))))
    }

    /// Starts saving a server-side session: called with the session locked,
    /// it reads what it needs and returns the store work, which runs after
    /// the lock is released and returns the headers to add. `loaded` is what
    /// [`SessionInterface::load_session`] returned beside the session
    /// (`None` for a session that was never loaded); `regenerate` asks for a
    /// new session id ([`SessionHandle::regenerate`](crate::lifecycle::SessionHandle::regenerate)).
    /// `None`, the default, means the interface saves synchronously with
    /// [`SessionInterface::save_session`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// let i = SecureCookieSessionInterface::new(SessionConfig::default())?;
    /// assert!(i.begin_save(&DynamicSession::default(), None, false).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn begin_save(
        &self,
        _session: &S,
        _loaded: Option<Loaded>,
        _regenerate: bool,
    ) -> Option<BoxFuture<Result<SavedHeaders, SaveError>>> {
        None
    }

    /// The answer to a request that needs its session while the store is
    /// unreachable: 503 with a short text by default. Override it to
    /// customise the page.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::interface::{SecureCookieSessionInterface, SessionInterface};
    /// use sessionkit::error::StoreError;
    ///
    /// let i = SecureCookieSessionInterface::new(SessionConfig::default())?;
    /// let r = SessionInterface::<DynamicSession>::unavailable_response(
    ///     &i,
    ///     &StoreError::Unavailable("connection refused".into()),
    /// );
    /// assert_eq!(r.status(), 503);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn unavailable_response(&self, error: &StoreError) -> http::Response<Vec<u8>> {
        default_unavailable_response(error)
    }
}

/// The default answer when the session store is unavailable: 503, a short
/// text (the store's error is logged, not shown).
pub(crate) fn default_unavailable_response(_error: &StoreError) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(
        b"Sessions are unavailable right now; please try again in a moment.".to_vec(),
    );
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A boxed, sendable future: the asynchronous steps of server-side
/// interfaces.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// What an interface keeps beside a loaded session for its save (a
/// server-side interface: the session id and the record as it was loaded).
/// Opaque to the lifecycle, which hands it back to
/// [`SessionInterface::begin_save`].
pub type Loaded = Box<dyn Any + Send>;

/// The headers an asynchronous save adds to the response.
///
/// # Examples
///
/// ```
/// use sessionkit::interface::SavedHeaders;
///
/// let mut headers = http::HeaderMap::new();
/// SavedHeaders { vary_cookie: true, set_cookie: None }.apply(&mut headers);
/// assert_eq!(headers["vary"], "Cookie");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SavedHeaders {
    /// Add `Cookie` to `Vary` (Werkzeug's rule for an existing `Vary`).
    pub vary_cookie: bool,
    /// A `Set-Cookie` header to append.
    pub set_cookie: Option<HeaderValue>,
}

impl SavedHeaders {
    /// Adds these headers to `headers`.
    pub fn apply(self, headers: &mut http::HeaderMap) {
        if self.vary_cookie {
            crate::werkzeug::http::add_vary_cookie(headers);
        }
        if let Some(v) = self.set_cookie {
            headers.append(http::header::SET_COOKIE, v);
        }
    }
}

/// The raw session cookie value of a request, captured for lazy opening.
///
/// # Examples
///
/// ```
/// use sessionkit::interface::PendingCookie;
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
    /// use sessionkit::interface::PendingCookie;
    ///
    /// assert!(!PendingCookie::default().is_present());
    /// ```
    pub fn is_present(&self) -> bool {
        self.0.as_deref().is_some_and(|v| !v.is_empty())
    }
}
