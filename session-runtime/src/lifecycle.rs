//! The request lifecycle: open the session before the handler, save it
//! after — Flask's `preprocess_request` and `process_response` — and a
//! framework-free runner over plain `http` types.
//!
//! Per request:
//!
//! 1. **preprocess**: open the session (a null session when the interface
//!    has none), put its [`SessionHandle`] into the request's extensions,
//!    then run the before-request hooks in registration order; the first one
//!    that answers short-circuits the handler (a CSRF check, say). A
//!    server-side session is loaded from its store before the hooks run
//!    (only when there are hooks: otherwise it loads when a handler first
//!    extracts it);
//! 2. the handler runs (unless a hook answered);
//! 3. **process**: the after-request hooks run in *reverse* registration
//!    order, then the session is saved (never for a null session; a write a
//!    null session refused is reported). Early answers and error statuses go
//!    through this step too.
//!
//! A save error replaces the response by a 500 (customisable with
//! [`SessionLifecycle::on_save_error`]): a session is never lost silently.
//!
//! ```
//! use sessionkit::{DynamicSession, SessionConfig};
//! use sessionkit::lifecycle::SessionLifecycle;
//! use sessionkit::interface::SecureCookieSessionInterface;
//! use sessionkit::lifecycle::SessionHandle;
//! use sessionkit::codec::SecretKey;
//!
//! let config = SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap());
//! let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config).unwrap());
//!
//! let response = app.run_sync(http::Request::new(()), |req| {
//!     let session = SessionHandle::<DynamicSession>::from_request(&req).unwrap();
//!     session.lock().insert("visits", 1);
//!     http::Response::new(Vec::from("hello"))
//! });
//! assert!(response.headers()["set-cookie"].to_str().unwrap().starts_with("session="));
//! ```

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};

use http::{Request, Response, StatusCode};

use crate::data::SessionData;
use crate::error::{SaveError, StoreError};
use crate::interface::{Loaded, PendingCookie, SessionInterface};

/// A response produced by the session layer itself (an early answer from a
/// hook, or a save error).
///
/// # Examples
///
/// ```
/// use sessionkit::lifecycle::EarlyResponse;
///
/// let answer: EarlyResponse = http::Response::builder().status(303)
///     .header("location", "/login")
///     .body(Vec::new())?;
/// assert_eq!(answer.status(), 303);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type EarlyResponse = Response<Vec<u8>>;

/// Opens a lazily opened session from its captured cookie: the
/// lifecycle's own interface, shared (so a request allocates no closure).
type Opener<S> = Arc<dyn SessionInterface<S>>;

struct HandleState<S> {
    session: S,
    /// Set until the session is first used: the request's session cookie
    /// (if any), and how to open it.
    pending: Option<(PendingCookie, Opener<S>)>,
    /// A handler obtained the session (an extractor) without necessarily
    /// locking it: Flask counts that as an access (`Vary: Cookie`).
    obtained: bool,
    /// What a server-side interface keeps beside the loaded session.
    loaded: Option<Loaded>,
    /// A server-side session was locked before it was loaded: what it
    /// holds is not the stored session, so it is not saved.
    not_loaded: bool,
}

impl<S: SessionData> HandleState<S> {
    fn new(session: S, pending: Option<(PendingCookie, Opener<S>)>) -> Self {
        HandleState {
            session,
            pending,
            obtained: false,
            loaded: None,
            not_loaded: false,
        }
    }

    fn open(&mut self) {
        if let Some((cookie, open)) = self.pending.take() {
            if open.is_server_side() {
                tracing::error!(
                    target: crate::error::LOG_TARGET,
                    "a server-side session was locked before it was loaded; extract Session<T> \
                     (or await SessionHandle::load) first: this request's session is not saved"
                );
                self.not_loaded = true;
            } else {
                self.session = open.open_from_cookie(cookie);
            }
        }
    }
}

/// The session store could not be reached when the session was loaded:
/// the request is answered with [`SessionUnavailable::response`] (503 by
/// default, see [`SessionInterface::unavailable_response`]).
///
/// # Examples
///
/// ```
/// use sessionkit::error::StoreError;
/// use sessionkit::lifecycle::SessionUnavailable;
///
/// let e = SessionUnavailable::new(StoreError::Unavailable("refused".into()));
/// assert_eq!(e.response().status(), 503);
/// ```
#[derive(Debug, Clone)]
pub struct SessionUnavailable {
    error: StoreError,
    response: EarlyResponse,
}

impl SessionUnavailable {
    /// `error`, answered with the default 503 page.
    pub fn new(error: StoreError) -> Self {
        let response = crate::interface::default_unavailable_response(&error);
        SessionUnavailable { error, response }
    }

    /// What the store said.
    pub fn error(&self) -> &StoreError {
        &self.error
    }

    /// The answer to send.
    pub fn response(&self) -> EarlyResponse {
        self.response.clone()
    }
}

impl std::fmt::Display for SessionUnavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for SessionUnavailable {}

/// The request's session, shared between hooks and the handler. Cloning is
/// cheap (it is an `Arc`); the lifecycle puts it into the request's
/// extensions.
///
/// The session is opened (its cookie verified and decoded) when it is first
/// locked, so a request whose handler never looks at it pays nothing — unless
/// it carries a session cookie, which the save step must then read to apply
/// Flask's refresh rule for permanent sessions.
///
/// Hold the lock briefly, and never across an `.await`.
///
/// # Examples
///
/// ```
/// use sessionkit::DynamicSession;
/// use sessionkit::lifecycle::SessionHandle;
///
/// let handle = SessionHandle::new(DynamicSession::default());
/// let hook_view = handle.clone(); // the same session
/// handle.lock().insert("n", 1);
/// assert_eq!(hook_view.lock().get_as::<u8>("n").unwrap()?, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionHandle<S>(Arc<HandleShared<S>>);

/// The handle's state, and the regenerate flag outside its lock (so
/// [`SessionHandle::regenerate`] can be called while the session is locked).
struct HandleShared<S> {
    state: Mutex<HandleState<S>>,
    regenerate: std::sync::atomic::AtomicBool,
}

impl<S> HandleShared<S> {
    fn new(state: HandleState<S>) -> Arc<Self> {
        Arc::new(HandleShared {
            state: Mutex::new(state),
            regenerate: std::sync::atomic::AtomicBool::new(false),
        })
    }
}

impl<S> Clone for SessionHandle<S> {
    fn clone(&self) -> Self {
        SessionHandle(Arc::clone(&self.0))
    }
}

impl<S> fmt::Debug for SessionHandle<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle").finish_non_exhaustive()
    }
}

/// A locked session; dereferences to it.
///
/// # Examples
///
/// ```
/// use sessionkit::DynamicSession;
/// use sessionkit::lifecycle::{SessionGuard, SessionHandle};
///
/// let handle = SessionHandle::new(DynamicSession::default());
/// let mut guard: SessionGuard<'_, DynamicSession> = handle.lock();
/// guard.insert("n", 1); // a `DynamicSession` method, through `DerefMut`
/// assert_eq!(guard.len(), 1);
/// ```
pub struct SessionGuard<'a, S>(MutexGuard<'a, HandleState<S>>);

impl<S: fmt::Debug> fmt::Debug for SessionGuard<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.session.fmt(f)
    }
}

impl<S> std::ops::Deref for SessionGuard<'_, S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.0.session
    }
}

impl<S> std::ops::DerefMut for SessionGuard<'_, S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.0.session
    }
}

impl<S: SessionData> SessionHandle<S> {
    /// Wraps an open session.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// let handle = SessionHandle::new(DynamicSession::default());
    /// assert!(handle.is_opened());
    /// assert!(handle.lock().is_empty());
    /// ```
    pub fn new(session: S) -> Self {
        SessionHandle(HandleShared::new(HandleState::new(session, None)))
    }

    /// A session opened on first use by `open`.
    fn lazy(cookie: PendingCookie, open: Opener<S>) -> Self {
        SessionHandle(HandleShared::new(HandleState::new(
            S::default(),
            Some((cookie, open)),
        )))
    }

    /// Loads a server-side session from its store, if it is not loaded yet
    /// (the `Session<T>` extractor and the CSRF layer call this before the
    /// session is first locked; a cookie session needs nothing here). Cheap
    /// when there is nothing to load.
    ///
    /// # Errors
    ///
    /// [`SessionUnavailable`] when the store cannot be reached: the session
    /// stays unloaded, and is not saved.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let handle = SessionHandle::new(DynamicSession::default());
    /// handle.load().await?; // nothing to load
    /// handle.lock().insert("n", 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn load(&self) -> Result<(), SessionUnavailable> {
        let pending = {
            let mut state = self.state();
            match &state.pending {
                Some((_, open)) if open.is_server_side() => state.pending.take(),
                _ => None,
            }
        };
        let Some((cookie, open)) = pending else {
            return Ok(());
        };
        match open.load_session(cookie.clone()).await {
            Ok((session, loaded)) => {
                let mut state = self.state();
                state.session = session;
                state.loaded = loaded;
                Ok(())
            }
            Err(error) => {
                tracing::warn!(
                    target: crate::error::LOG_TARGET,
                    %error,
                    "the session store is unavailable; answering without the session"
                );
                let response = open.unavailable_response(&error);
                self.state().pending = Some((cookie, open));
                Err(SessionUnavailable { error, response })
            }
        }
    }

    /// Asks for a new session id at the save (Flask-Session's
    /// `regenerate`): the data is kept under a fresh id and the old one is
    /// deleted from the store. Call it at login, so an id known before the
    /// login (fixation) is worthless after it. Cookie sessions carry no id:
    /// for them this does nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// let handle = SessionHandle::new(DynamicSession::default());
    /// let mut s = handle.lock();
    /// s.insert("_user_id", "42");
    /// handle.regenerate(); // also while the session is locked
    /// drop(s);
    /// assert!(handle.regenerate_requested());
    /// ```
    pub fn regenerate(&self) {
        self.0
            .regenerate
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`SessionHandle::regenerate`] was called in this request.
    pub fn regenerate_requested(&self) -> bool {
        self.0.regenerate.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn state(&self) -> MutexGuard<'_, HandleState<S>> {
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Locks the session, opening it first if needed, and marks it
    /// accessed — as Flask 3.1.3 marks a session accessed whenever it is
    /// reached through the request context, so the response carries
    /// `Vary: Cookie` even if no key is read. A panic in another holder does
    /// not make the session unusable (the data stays as it was written).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// let handle = SessionHandle::new(DynamicSession::default());
    /// {
    ///     let mut s = handle.lock();
    ///     s.insert("visits", 1);
    /// } // unlocked here
    /// assert!(handle.lock().contains_key("visits"));
    /// ```
    pub fn lock(&self) -> SessionGuard<'_, S> {
        let mut state = self.state();
        state.open();
        state.session.state().mark_accessed();
        SessionGuard(state)
    }

    /// Locks the session, opening it first if needed, without marking it
    /// accessed: for library code that marks accessed itself exactly where
    /// Flask's counterpart touches the session (Flask-WTF's token check).
    pub(crate) fn lock_untracked(&self) -> SessionGuard<'_, S> {
        let mut state = self.state();
        state.open();
        SessionGuard(state)
    }

    /// Records that a handler obtained the session (Flask's
    /// `RequestContext.session` access) without opening it: the response
    /// then carries `Vary: Cookie`, as Flask's does. Adapters' extractors
    /// call it; locking marks the session accessed by itself.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let response = app.run_sync(http::Request::new(()), |request| {
    ///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
    ///     session.mark_obtained();
    ///     assert!(!session.is_opened()); // still lazy
    ///     http::Response::new(Vec::new())
    /// });
    /// assert_eq!(response.headers()["vary"], "Cookie");
    /// ```
    pub fn mark_obtained(&self) {
        self.state().obtained = true;
    }

    /// Whether the session has been opened (used) yet.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let request = http::Request::builder().header("cookie", "session=anything").body(())?;
    /// app.run_sync(request, |request| {
    ///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
    ///     assert!(!session.is_opened()); // nothing decoded yet
    ///     session.lock();
    ///     assert!(session.is_opened());
    ///     http::Response::new(Vec::new())
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_opened(&self) -> bool {
        self.state().pending.is_none()
    }

    /// The handle the lifecycle put into `request`'s extensions.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let response = app.run_sync(http::Request::new(()), |request| {
    ///     let found = SessionHandle::<DynamicSession>::from_request(&request).is_some();
    ///     http::Response::new(format!("{found}").into_bytes())
    /// });
    /// assert_eq!(response.body(), b"true");
    /// // Outside the lifecycle there is none.
    /// assert!(SessionHandle::<DynamicSession>::from_request(&http::Request::new(())).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_request<B>(request: &Request<B>) -> Option<Self> {
        request.extensions().get::<SessionHandle<S>>().cloned()
    }

    /// The handle in request parts' extensions.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// app.run_sync(http::Request::new(()), |request| {
    ///     let (parts, _body) = request.into_parts();
    ///     assert!(SessionHandle::<DynamicSession>::from_parts(&parts).is_some());
    ///     http::Response::new(Vec::new())
    /// });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_parts(parts: &http::request::Parts) -> Option<Self> {
        parts.extensions.get::<SessionHandle<S>>().cloned()
    }
}

/// A before-request hook: may answer early instead of the handler.
///
/// With a server-side store, the tower layer and
/// [`SessionLifecycle::run`] load the session before the hooks run, so a
/// hook reads and changes the stored session; a request whose session
/// cannot be loaded is answered with the store's 503 and no hook runs.
///
/// # Examples
///
/// ```
/// # use sessionkit::codec::SecretKey;
/// # use sessionkit::{DynamicSession, SessionConfig};
/// # use sessionkit::lifecycle::SessionLifecycle;
/// # use sessionkit::interface::SecureCookieSessionInterface;
/// # use sessionkit::lifecycle::SessionHandle;
/// # let interface = || SecureCookieSessionInterface::new(
/// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
/// # ).unwrap();
/// use sessionkit::lifecycle::{BeforeRequest, EarlyResponse};
///
/// /// Refuses requests from a blocked user.
/// struct Blocklist(Vec<String>);
/// impl BeforeRequest<DynamicSession> for Blocklist {
///     fn before_request(
///         &self,
///         _request: &http::request::Parts,
///         session: &SessionHandle<DynamicSession>,
///     ) -> Option<EarlyResponse> {
///         let user = session.lock().get_as::<String>("_user_id").and_then(Result::ok)?;
///         self.0.contains(&user).then(|| {
///             http::Response::builder().status(403).body(Vec::new()).unwrap()
///         })
///     }
/// }
/// let app = SessionLifecycle::<DynamicSession>::new(interface())
///     .before_request(Blocklist(vec!["13".into()]));
/// let ok = app.run_sync(http::Request::new(()), |_| http::Response::new(Vec::new()));
/// assert_eq!(ok.status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait BeforeRequest<S>: Send + Sync + 'static {
    /// Runs before the handler; `Some` answers the request.
    fn before_request(
        &self,
        request: &http::request::Parts,
        session: &SessionHandle<S>,
    ) -> Option<EarlyResponse>;
}

impl<S, F> BeforeRequest<S> for F
where
    F: Fn(&http::request::Parts, &SessionHandle<S>) -> Option<EarlyResponse>
        + Send
        + Sync
        + 'static,
{
    fn before_request(
        &self,
        request: &http::request::Parts,
        session: &SessionHandle<S>,
    ) -> Option<EarlyResponse> {
        self(request, session)
    }
}

/// An after-request hook: may change the response and the session before
/// it is saved.
///
/// # Examples
///
/// ```
/// # use sessionkit::codec::SecretKey;
/// # use sessionkit::{DynamicSession, SessionConfig};
/// # use sessionkit::lifecycle::SessionLifecycle;
/// # use sessionkit::interface::SecureCookieSessionInterface;
/// # use sessionkit::lifecycle::SessionHandle;
/// # let interface = || SecureCookieSessionInterface::new(
/// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
/// # ).unwrap();
/// use sessionkit::lifecycle::AfterRequest;
///
/// /// Counts the responses a client has seen, in its session.
/// struct CountResponses;
/// impl AfterRequest<DynamicSession> for CountResponses {
///     fn after_request(&self, _: &mut http::response::Parts, session: &SessionHandle<DynamicSession>) {
///         let mut s = session.lock();
///         let n = s.get_as::<u64>("responses").and_then(Result::ok).unwrap_or(0);
///         s.insert("responses", n + 1);
///     }
/// }
/// let app = SessionLifecycle::<DynamicSession>::new(interface()).after_request(CountResponses);
/// let response = app.run_sync(http::Request::new(()), |_| http::Response::new(Vec::new()));
/// assert!(response.headers().contains_key("set-cookie"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait AfterRequest<S>: Send + Sync + 'static {
    /// Runs after the handler (or an early answer), before the save.
    fn after_request(&self, response: &mut http::response::Parts, session: &SessionHandle<S>);
}

impl<S, F> AfterRequest<S> for F
where
    F: Fn(&mut http::response::Parts, &SessionHandle<S>) + Send + Sync + 'static,
{
    fn after_request(&self, response: &mut http::response::Parts, session: &SessionHandle<S>) {
        self(response, session);
    }
}

type SaveErrorHandler = Arc<dyn Fn(&SaveError) -> EarlyResponse + Send + Sync>;

/// The lifecycle around a [`SessionInterface`], with hooks, and a runner for
/// any handler over `http` types.
///
/// # Examples
///
/// ```
/// # use sessionkit::codec::SecretKey;
/// # use sessionkit::{DynamicSession, SessionConfig};
/// # use sessionkit::lifecycle::SessionLifecycle;
/// # use sessionkit::interface::SecureCookieSessionInterface;
/// # use sessionkit::lifecycle::SessionHandle;
/// # let interface = || SecureCookieSessionInterface::new(
/// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
/// # ).unwrap();
/// let app = SessionLifecycle::<DynamicSession>::new(interface());
/// // A handler that only reads: no cookie is sent, but `Vary: Cookie` is.
/// let response = app.run_sync(http::Request::new(()), |request| {
///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
///     let _ = session.lock().get("user");
///     http::Response::new(Vec::new())
/// });
/// assert!(response.headers().get("set-cookie").is_none());
/// assert_eq!(response.headers()["vary"], "Cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionLifecycle<S, I = crate::secure_cookie::SecureCookieSessionInterface> {
    interface: Arc<I>,
    /// Shared, so cloning the lifecycle for a request allocates nothing.
    before: Arc<[Arc<dyn BeforeRequest<S>>]>,
    after: Arc<[Arc<dyn AfterRequest<S>>]>,
    on_save_error: SaveErrorHandler,
}

impl<S, I> Clone for SessionLifecycle<S, I> {
    fn clone(&self) -> Self {
        SessionLifecycle {
            interface: Arc::clone(&self.interface),
            before: Arc::clone(&self.before),
            after: Arc::clone(&self.after),
            on_save_error: Arc::clone(&self.on_save_error),
        }
    }
}

impl<S, I: fmt::Debug> fmt::Debug for SessionLifecycle<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLifecycle")
            .field("interface", &self.interface)
            .field("before_request_hooks", &self.before.len())
            .field("after_request_hooks", &self.after.len())
            .finish()
    }
}

/// The default answer to a save error: the reason as text, with 503 when
/// the session store is down or slow ([`StoreError::is_unavailable`](crate::error::StoreError::is_unavailable)), else 500.
///
/// # Examples
///
/// ```
/// use sessionkit::error::SaveError;
/// use sessionkit::lifecycle::default_save_error_response;
///
/// let response = default_save_error_response(&SaveError::NullSessionWrite);
/// assert_eq!(response.status(), 500);
/// assert_eq!(response.body(), SaveError::NullSessionWrite.to_string().as_bytes());
/// ```
pub fn default_save_error_response(e: &SaveError) -> EarlyResponse {
    let mut r = default_save_error_response_text(&e.to_string());
    if matches!(e, SaveError::Store(s) if s.is_unavailable()) {
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    }
    r
}

/// A 500 with `text`.
pub(crate) fn default_save_error_response_text(text: &str) -> EarlyResponse {
    let mut r = Response::new(text.as_bytes().to_vec());
    *r.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

impl<S: SessionData, I: SessionInterface<S>> SessionLifecycle<S, I> {
    /// A lifecycle without hooks.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let response = app.run_sync(http::Request::new(()), |_| http::Response::new(Vec::new()));
    /// // The session was not used: no cookie, no `Vary`.
    /// assert!(response.headers().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(interface: I) -> Self {
        SessionLifecycle {
            interface: Arc::new(interface),
            before: Arc::new([]),
            after: Arc::new([]),
            on_save_error: Arc::new(default_save_error_response),
        }
    }

    /// The session interface.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// use sessionkit::interface::SessionInterface;
    ///
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// assert_eq!(SessionInterface::<DynamicSession>::cookie_name(app.interface()), "session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn interface(&self) -> &I {
        &self.interface
    }

    /// Registers a before-request hook (they run in registration order).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface())
    ///     .before_request(|request: &http::request::Parts, _: &SessionHandle<DynamicSession>| {
    ///         (request.uri.path() == "/down").then(|| {
    ///             http::Response::builder().status(503).body(b"maintenance".to_vec()).unwrap()
    ///         })
    ///     });
    /// let request = http::Request::get("/down").body(())?;
    /// let response = app.run_sync(request, |_| -> http::Response<Vec<u8>> { unreachable!("the hook answered") });
    /// assert_eq!(response.status(), 503);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn before_request(mut self, hook: impl BeforeRequest<S>) -> Self {
        let hook: Arc<dyn BeforeRequest<S>> = Arc::new(hook);
        self.before = self.before.iter().cloned().chain([hook]).collect();
        self
    }

    /// Registers an after-request hook (they run in reverse order).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface())
    ///     .after_request(|response: &mut http::response::Parts, _: &SessionHandle<DynamicSession>| {
    ///         response.headers.insert("x-served-by", "sessionkit".parse().unwrap());
    ///     });
    /// let response = app.run_sync(http::Request::new(()), |_| http::Response::new(Vec::new()));
    /// assert_eq!(response.headers()["x-served-by"], "sessionkit");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn after_request(mut self, hook: impl AfterRequest<S>) -> Self {
        let hook: Arc<dyn AfterRequest<S>> = Arc::new(hook);
        self.after = self.after.iter().cloned().chain([hook]).collect();
        self
    }

    /// Sets the response used when saving fails (default: 500 with the
    /// reason). A server-side store that is down or slow is answered by the
    /// interface's [`unavailable_response`](SessionInterface::unavailable_response)
    /// instead (503 by default), the same answer as when loading failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::lifecycle::SessionLifecycle;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// // No secret key: a null session, which refuses writes.
    /// let interface = SecureCookieSessionInterface::new(SessionConfig::default())?;
    /// let app = SessionLifecycle::<DynamicSession>::new(interface)
    ///     .on_save_error(|e| http::Response::builder().status(503).body(e.to_string().into_bytes()).unwrap());
    /// let response = app.run_sync(http::Request::new(()), |request| {
    ///     SessionHandle::<DynamicSession>::from_request(&request).unwrap().lock().insert("n", 1);
    ///     http::Response::new(Vec::new())
    /// });
    /// assert_eq!(response.status(), 503);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn on_save_error(
        mut self,
        f: impl Fn(&SaveError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        self.on_save_error = Arc::new(f);
        self
    }

    /// [`SessionLifecycle::finish_response`] for every interface, the
    /// server-side ones included (see
    /// [`SessionLifecycle::process_response_async`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(
    ///     SessionConfig::default().with_secret_key(SecretKey::from_text("k")?),
    /// )?);
    /// let (mut parts, ()) = http::Request::new(()).into_parts();
    /// let (session, _) = app.preprocess_request(&mut parts);
    /// session.lock().insert("n", 1);
    /// let response = app.finish_response_async(&session, http::Response::new(Vec::new())).await;
    /// assert!(response.headers().contains_key("set-cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn finish_response_async<R: From<Vec<u8>>>(
        &self,
        session: &SessionHandle<S>,
        response: Response<R>,
    ) -> Response<R> {
        let (mut parts, body) = response.into_parts();
        match self.process_response_async(session, &mut parts).await {
            Ok(()) => Response::from_parts(parts, body),
            Err(e) => self.save_error_response(&e),
        }
    }

    pub(crate) fn save_error_response<R: From<Vec<u8>>>(&self, e: &SaveError) -> Response<R> {
        tracing::error!(
            target: crate::error::LOG_TARGET,
            error = %e,
            "the session could not be saved"
        );
        match e {
            // The store is down or slow: the same answer as when the
            // session could not be loaded.
            SaveError::Store(store) if store.is_unavailable() => {
                self.interface.unavailable_response(store).map(R::from)
            }
            _ => (self.on_save_error)(e).map(R::from),
        }
    }

    /// The end of a request: runs [`SessionLifecycle::process_response`] on
    /// `response` and, if saving fails, answers with the save-error response
    /// instead. Adapters call this after the handler.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    ///
    ///
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let (mut parts, ()) = http::Request::new(()).into_parts();
    /// let (session, _) = app.preprocess_request(&mut parts);
    /// session.lock().insert("n", 1);
    /// let response = app.finish_response(&session, http::Response::new(Vec::<u8>::new()));
    /// assert!(response.headers().contains_key("set-cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish_response<R: From<Vec<u8>>>(
        &self,
        session: &SessionHandle<S>,
        response: Response<R>,
    ) -> Response<R> {
        let (mut parts, body) = response.into_parts();
        match self.process_response(session, &mut parts) {
            Ok(()) => Response::from_parts(parts, body),
            Err(e) => self.save_error_response(&e),
        }
    }

    /// Runs `handler` inside the lifecycle. The handler finds the session
    /// with [`SessionHandle::from_request`].
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let handler = |request: http::Request<()>| async move {
    ///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
    ///     session.lock().insert("n", 1);
    ///     http::Response::new(Vec::new())
    /// };
    /// let rt = tokio::runtime::Builder::new_current_thread().build()?;
    /// let response = rt.block_on(app.run(http::Request::new(()), handler));
    /// assert!(response.headers().contains_key("set-cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn run<B, R, F, Fut>(&self, request: Request<B>, handler: F) -> Response<R>
    where
        R: From<Vec<u8>>,
        F: FnOnce(Request<B>) -> Fut,
        Fut: Future<Output = Response<R>>,
    {
        let (mut parts, body) = request.into_parts();
        let (session, early) = self.preprocess_request_async(&mut parts).await;
        let response = match early {
            Some(r) => r.map(R::from),
            None => handler(Request::from_parts(parts, body)).await,
        };
        self.finish_response_async(&session, response).await
    }

    /// [`SessionLifecycle::run`] for a synchronous handler.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let first = app.run_sync(http::Request::new(()), |request| {
    ///     SessionHandle::<DynamicSession>::from_request(&request).unwrap().lock().insert("n", 1);
    ///     http::Response::new(Vec::new())
    /// });
    /// let cookie = first.headers()["set-cookie"].to_str()?.split(';').next().unwrap().to_owned();
    /// let second = app.run_sync(http::Request::builder().header("cookie", cookie).body(())?, |request| {
    ///     let session = SessionHandle::<DynamicSession>::from_request(&request).unwrap();
    ///     let n = session.lock().get_as::<u64>("n").unwrap().unwrap();
    ///     http::Response::new(n.to_string().into_bytes())
    /// });
    /// assert_eq!(second.body(), b"1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_sync<B, R, F>(&self, request: Request<B>, handler: F) -> Response<R>
    where
        R: From<Vec<u8>>,
        F: FnOnce(Request<B>) -> Response<R>,
    {
        let (mut parts, body) = request.into_parts();
        let (session, early) = self.preprocess_request(&mut parts);
        let response = match early {
            Some(r) => r.map(R::from),
            None => handler(Request::from_parts(parts, body)),
        };
        self.finish_response(&session, response)
    }
}

/// Flask's two steps, for framework adapters (the tower layer calls them
/// around its inner service).
impl<S: SessionData, I: SessionInterface<S>> SessionLifecycle<S, I> {
    /// Opens the session, stores its handle in the request's extensions and
    /// runs the before-request hooks (Flask's `preprocess_request`); returns
    /// the handle and an early answer if a hook gave one.
    ///
    /// A server-side session cannot be loaded here (its store is
    /// asynchronous): with such an interface, use
    /// [`SessionLifecycle::preprocess_request_async`], which loads it before
    /// the hooks run (a hook that locks an unloaded session leaves it
    /// unsaved, with [`SaveError::NotLoaded`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # use sessionkit::lifecycle::SessionHandle;
    /// # let interface = || SecureCookieSessionInterface::new(
    /// #     SessionConfig::default().with_secret_key(SecretKey::from_text("k").unwrap()),
    /// # ).unwrap();
    /// // What a framework adapter does around its handler.
    /// let app = SessionLifecycle::<DynamicSession>::new(interface());
    /// let (mut parts, ()) = http::Request::new(()).into_parts();
    /// let (session, early) = app.preprocess_request(&mut parts);
    /// assert!(early.is_none());
    /// session.lock().insert("n", 1); // the handler
    /// let (mut response, ()) = http::Response::new(()).into_parts();
    /// app.process_response(&session, &mut response)?;
    /// assert!(response.headers["set-cookie"].to_str()?.starts_with("session="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn preprocess_request(
        &self,
        request: &mut http::request::Parts,
    ) -> (SessionHandle<S>, Option<EarlyResponse>) {
        let handle = self.open_request(request);
        let early = self.run_before_hooks(request, &handle);
        (handle, early)
    }

    /// [`SessionLifecycle::preprocess_request`] for every interface: when
    /// before-request hooks are registered and the session lives in a
    /// store, the session is loaded first, so the hooks read and change the
    /// stored session. A store that cannot be reached then answers the
    /// request ([`SessionInterface::unavailable_response`], 503 by default)
    /// and no hook runs. Without hooks nothing is loaded here: opening stays
    /// lazy.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::{EarlyResponse, SessionHandle, SessionLifecycle};
    /// use sessionkit::store::{MemoryStore, ServerSideSessionInterface};
    /// # use sessionkit::SessionConfig;
    /// # use sessionkit::codec::SecretKey;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let interface = ServerSideSessionInterface::new(
    ///     SessionConfig::default().with_secret_key(SecretKey::from_text("k")?),
    ///     MemoryStore::default(),
    /// )?;
    /// // A hook that counts requests in the stored session.
    /// let count = |_: &http::request::Parts, session: &SessionHandle<DynamicSession>| {
    ///     let mut s = session.lock();
    ///     let n = s.get_as::<u64>("hits").and_then(Result::ok).unwrap_or(0);
    ///     s.insert("hits", n + 1);
    ///     None::<EarlyResponse>
    /// };
    /// let app = SessionLifecycle::<DynamicSession, _>::new(interface).before_request(count);
    /// let mut cookie = String::new();
    /// for expected in 1..=2u64 {
    ///     let mut request = http::Request::builder();
    ///     if !cookie.is_empty() {
    ///         request = request.header("cookie", cookie.as_str());
    ///     }
    ///     let (mut parts, ()) = request.body(())?.into_parts();
    ///     let (session, early) = app.preprocess_request_async(&mut parts).await;
    ///     assert!(early.is_none());
    ///     assert_eq!(session.lock().get_as::<u64>("hits").unwrap()?, expected);
    ///     let response = app.finish_response_async(&session, http::Response::new(Vec::<u8>::new())).await;
    ///     if let Some(set) = response.headers().get("set-cookie") {
    ///         cookie = set.to_str()?.split(';').next().unwrap().to_owned();
    ///     }
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn preprocess_request_async(
        &self,
        request: &mut http::request::Parts,
    ) -> (SessionHandle<S>, Option<EarlyResponse>) {
        let handle = self.open_request(request);
        let early = self.before_hooks_async(request, &handle).await;
        (handle, early)
    }

    /// The second half of [`SessionLifecycle::preprocess_request_async`]:
    /// loads a stored session the hooks will see, then runs them.
    pub(crate) async fn before_hooks_async(
        &self,
        request: &http::request::Parts,
        handle: &SessionHandle<S>,
    ) -> Option<EarlyResponse> {
        if self.loads_before_hooks(handle)
            && let Err(unavailable) = handle.load().await
        {
            return Some(unavailable.response());
        }
        self.run_before_hooks(request, handle)
    }

    /// Opens the session (lazily) and stores its handle in the request's
    /// extensions: the first half of [`SessionLifecycle::preprocess_request`].
    pub(crate) fn open_request(&self, request: &mut http::request::Parts) -> SessionHandle<S> {
        self.open_lazily(request)
            .unwrap_or_else(|| self.open_eagerly(request))
    }

    /// Opens the session lazily, if the interface opens from the session
    /// cookie alone ([`SessionInterface::lazy_cookie`]): then nothing but
    /// the request's `Cookie` headers is read. `None` otherwise.
    pub(crate) fn open_lazily(
        &self,
        request: &mut http::request::Parts,
    ) -> Option<SessionHandle<S>> {
        let cookie = self.interface.lazy_cookie(request)?;
        let opener: Opener<S> = self.interface.clone();
        let handle = SessionHandle::lazy(cookie, opener);
        request.extensions.insert(handle.clone());
        Some(handle)
    }

    /// Opens the session now with [`SessionInterface::open_session`] (an
    /// interface that does not open lazily; it may read the whole request
    /// head).
    pub(crate) fn open_eagerly(&self, request: &mut http::request::Parts) -> SessionHandle<S> {
        let handle = SessionHandle::new(
            self.interface
                .open_session(request)
                .unwrap_or_else(|| self.interface.make_null_session()),
        );
        request.extensions.insert(handle.clone());
        handle
    }

    /// Whether before-request hooks are registered (they see the whole
    /// request head).
    pub(crate) fn has_before_hooks(&self) -> bool {
        !self.before.is_empty()
    }

    /// Whether after-request hooks are registered (they see, and may
    /// change, the whole response head).
    pub(crate) fn has_after_hooks(&self) -> bool {
        !self.after.is_empty()
    }

    /// Whether `handle` must be loaded from its store before the
    /// before-request hooks run (there are hooks, and a stored session to
    /// load).
    pub(crate) fn loads_before_hooks(&self, handle: &SessionHandle<S>) -> bool {
        !self.before.is_empty() && self.interface.is_server_side() && !handle.is_opened()
    }

    /// The before-request hooks, in registration order; the first answer
    /// wins.
    pub(crate) fn run_before_hooks(
        &self,
        request: &http::request::Parts,
        handle: &SessionHandle<S>,
    ) -> Option<EarlyResponse> {
        self.before
            .iter()
            .find_map(|h| h.before_request(request, handle))
    }

    /// Runs the after-request hooks (reverse order), then saves the session
    /// (Flask's `process_response`).
    ///
    /// # Errors
    ///
    /// [`SaveError`] from the interface, or for a write a null session refused.
    pub fn process_response(
        &self,
        session: &SessionHandle<S>,
        response: &mut http::response::Parts,
    ) -> Result<(), SaveError> {
        for hook in self.after.iter().rev() {
            hook.after_request(response, session);
        }
        if self.interface.is_server_side() {
            return Err(SaveError::NeedsAsync);
        }
        self.save_now(session, response)
    }

    /// [`SessionLifecycle::process_response`] for every interface, the
    /// server-side ones included: their save awaits the store (with the
    /// session's lock released). When after-request hooks are registered, a
    /// server-side session the handler did not load is loaded before they
    /// run.
    ///
    /// # Errors
    ///
    /// As [`SessionLifecycle::process_response`], and [`SaveError::Store`]
    /// when the store fails.
    ///
    /// # Examples
    ///
    /// ```
    /// # use sessionkit::codec::SecretKey;
    /// # use sessionkit::{DynamicSession, SessionConfig};
    /// # use sessionkit::lifecycle::SessionLifecycle;
    /// # use sessionkit::interface::SecureCookieSessionInterface;
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let app = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(
    ///     SessionConfig::default().with_secret_key(SecretKey::from_text("k")?),
    /// )?);
    /// let (mut parts, ()) = http::Request::new(()).into_parts();
    /// let (session, _) = app.preprocess_request(&mut parts);
    /// session.lock().insert("n", 1);
    /// let (mut response, ()) = http::Response::new(()).into_parts();
    /// app.process_response_async(&session, &mut response).await?;
    /// assert!(response.headers.contains_key("set-cookie"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn process_response_async(
        &self,
        session: &SessionHandle<S>,
        response: &mut http::response::Parts,
    ) -> Result<(), SaveError> {
        if !self.after.is_empty() && self.interface.is_server_side() {
            // The hooks may read or change the session: load it first (a
            // no-op when the handler already did).
            session
                .load()
                .await
                .map_err(|e| SaveError::Store(e.error().clone()))?;
        }
        for hook in self.after.iter().rev() {
            hook.after_request(response, session);
        }
        if !self.interface.is_server_side() {
            return self.save_now(session, response);
        }
        let work = {
            let mut state = session.state();
            let obtained = std::mem::take(&mut state.obtained);
            if state.pending.is_some() {
                // Never loaded: the handler did not use the session, so
                // there is nothing to save (and no store round trip).
                if obtained {
                    crate::werkzeug::http::add_vary_cookie(&mut response.headers);
                }
                return Ok(());
            }
            if state.not_loaded {
                return Err(SaveError::NotLoaded);
            }
            if obtained {
                state.session.state().mark_accessed();
            }
            if self.interface.config().absolute_lifetime.is_some()
                && self.interface.should_set_cookie(&state.session)
            {
                stamp_issue_time(&mut state.session, self.interface.now());
            }
            let loaded = state.loaded.take();
            let regenerate = session.regenerate_requested();
            match self
                .interface
                .begin_save(&state.session, loaded, regenerate)
            {
                Some(work) => work,
                None => {
                    return self
                        .interface
                        .save_session(&state.session, &mut response.headers);
                }
            }
        };
        work.await?.apply(&mut response.headers);
        Ok(())
    }

    /// The synchronous save (cookie interfaces).
    fn save_now(
        &self,
        session: &SessionHandle<S>,
        response: &mut http::response::Parts,
    ) -> Result<(), SaveError> {
        let mut state = session.state();
        if std::mem::take(&mut state.obtained) {
            state.open();
            state.session.state().mark_accessed();
        }
        if let Some((cookie, open)) = state.pending.take() {
            if !cookie.is_present() {
                // Never used and no cookie: a new, empty, untouched session,
                // for which Flask saves nothing.
                return Ok(());
            }
            state.session = open.open_from_cookie(cookie);
        }
        // Only a session whose cookie is written anyway (modified, or a
        // permanent one refreshed): stamping must not add a `Set-Cookie` to
        // a route that never touched the session.
        if self.interface.config().absolute_lifetime.is_some()
            && self.interface.should_set_cookie(&state.session)
        {
            stamp_issue_time(&mut state.session, self.interface.now());
        }
        let s = &state.session;
        if self.interface.is_null_session(s) {
            return if s.state().refused_write() {
                Err(SaveError::NullSessionWrite)
            } else {
                Ok(())
            };
        }
        self.interface.save_session(s, &mut response.headers)
    }
}

/// Writes the issue time ([`ISSUED_AT_KEY`](crate::config::ISSUED_AT_KEY)) into a
/// session whose cookie is about to be written that holds data but no issue
/// time: a session created in this request, or one issued before an
/// absolute lifetime was configured (or by a Flask app). Empty and null
/// sessions are left alone.
fn stamp_issue_time<S: SessionData>(session: &mut S, now: std::time::SystemTime) {
    if session.state().is_null()
        || session.is_empty_session()
        || session.get_key(crate::config::ISSUED_AT_KEY).is_some()
    {
        return;
    }
    let secs = crate::werkzeug::http::unix_secs(now);
    let _ = session.set_key(
        crate::config::ISSUED_AT_KEY,
        crate::codec::Value::Int(i64::try_from(secs).unwrap_or(i64::MAX)),
    );
}
