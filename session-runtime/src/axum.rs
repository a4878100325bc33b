//! tower and axum integration: [`SessionLayer`] runs the session lifecycle
//! around any inner service, and [`Session`] gives handlers the typed session.
//!
//! - The layer opens the session before the inner service (lazily: a handler
//!   that never extracts it pays no decoding cost unless the request carries
//!   a session cookie) and saves it after, on every response — error statuses
//!   and early answers from before-request hooks included, as Flask does.
//! - A save error ([`SaveError`]) becomes the response (500 by default; see
//!   [`SessionLayer::on_save_error`]); a handler that extracts a session the
//!   layer does not provide gets [`MissingSessionLayer`] (500).
//!
//! ```no_run
//! use axum::{Router, routing::get};
//! use session_runtime::DynamicSession;
//! use session_runtime::axum::{Session, SessionLayer};
//! use session_runtime::codec::SecretKey;
//!
//! async fn home(session: Session<DynamicSession>) -> String {
//!     let mut s = session.lock();
//!     let visits = s.get_as::<u64>("visits").and_then(Result::ok).unwrap_or(0) + 1;
//!     s.insert("visits", visits);
//!     format!("visit {visits}")
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let app = Router::new()
//!     .route("/", get(home))
//!     .layer(SessionLayer::<DynamicSession>::with_key(SecretKey::generate(32)?)?);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(()) }
//! ```
//!
//! With `#[session]` structs it is the same: `Session<UserSession>` and
//! `SessionLayer::<UserSession>::with_key(key)`, which uses the struct's
//! declared cookie options.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response as AxumResponse};
use http::{Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::codec::SecretKey;
use crate::config::SessionConfig;
use crate::data::SessionData;
use crate::error::{ConfigError, SaveError};
use crate::interface::SessionInterface;
use crate::lifecycle::{
    AfterRequest, BeforeRequest, EarlyResponse, Lifecycle, SessionGuard, SessionHandle,
    SessionLifecycle,
};
use crate::secure_cookie::SecureCookieSessionInterface;

/// A tower [`Layer`] running the session lifecycle around the inner service.
///
/// # Examples
///
/// ```
/// # use axum::body::Body;
/// # use http::Request;
/// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
/// #     use tower_service::Service;
/// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// #     rt.block_on(app.call(request)).unwrap()
/// # }
/// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
/// #     let mut r = Request::get(path);
/// #     if let Some(c) = cookie { r = r.header("cookie", c); }
/// #     r.body(Body::empty()).unwrap()
/// # }
/// # fn set_cookie(r: &http::Response<Body>) -> &str {
/// #     r.headers()["set-cookie"].to_str().unwrap()
/// # }
/// use axum::{Router, routing::get};
/// use session_runtime::DynamicSession;
/// use session_runtime::axum::{Session, SessionLayer};
/// use session_runtime::codec::SecretKey;
///
/// async fn count(session: Session<DynamicSession>) -> String {
///     let mut s = session.lock();
///     let n = s.get_as::<u64>("n").and_then(Result::ok).unwrap_or(0) + 1;
///     s.insert("n", n);
///     n.to_string()
/// }
///
/// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let mut app = Router::new().route("/", get(count)).layer(layer);
///
/// let first = send(&mut app, request("/", None));
/// let cookie = set_cookie(&first).split(';').next().unwrap().to_owned();
/// assert!(cookie.starts_with("session="));
/// // The browser sends the cookie back: the session continues.
/// let second = send(&mut app, request("/", Some(&cookie)));
/// let body = axum::body::to_bytes(second.into_body(), 64);
/// let body = tokio::runtime::Builder::new_current_thread().build()?.block_on(body)?;
/// assert_eq!(&body[..], b"2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct SessionLayer<S, I = SecureCookieSessionInterface> {
    lifecycle: SessionLifecycle<S, I>,
}

impl<S, I> Clone for SessionLayer<S, I> {
    fn clone(&self) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.clone(),
        }
    }
}

impl<S, I: fmt::Debug> fmt::Debug for SessionLayer<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

impl<S: SessionData> SessionLayer<S, SecureCookieSessionInterface> {
    /// Cookie sessions with the session type's configuration
    /// ([`SessionData::default_config`]) and `key`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::get};
    /// use session_runtime::DynamicSession;
    /// use session_runtime::axum::{Session, SessionLayer};
    /// use session_runtime::codec::SecretKey;
    ///
    /// async fn login(session: Session<DynamicSession>) {
    ///     session.lock().insert("user", "ada");
    /// }
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let mut app = Router::new().route("/login", get(login)).layer(layer);
    /// let response = send(&mut app, request("/login", None));
    /// // Flask's defaults: HttpOnly, Path=/, SameSite=Lax (a browser session).
    /// let cookie = set_cookie(&response);
    /// assert!(cookie.starts_with("session=eyJ1c2VyIjoiYWRhIn0."));
    /// assert!(cookie.ends_with("; HttpOnly; Path=/; SameSite=Lax"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_key(key: SecretKey) -> Result<Self, ConfigError> {
        Self::with_config(S::default_config().with_secret_key(key))
    }

    /// Cookie sessions with `config`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::{Session, SessionLayer};
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{ConfigError, DynamicSession, SessionConfig};
    ///
    /// async fn login(session: Session<DynamicSession>) {
    ///     session.lock().insert("user", "ada");
    /// }
    /// let config = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("dev-key")?)
    ///     .with_cookie_name("sid")
    ///     .with_secure(true);
    /// let mut app = Router::new()
    ///     .route("/login", get(login))
    ///     .layer(SessionLayer::<DynamicSession>::with_config(config)?);
    /// let response = send(&mut app, request("/login", None));
    /// assert!(set_cookie(&response).starts_with("sid="));
    /// assert!(set_cookie(&response).contains("; Secure"));
    ///
    /// // A bad configuration is refused when the layer is built, not per request.
    /// let bad = SessionConfig::default().with_cookie_name("no spaces");
    /// assert!(matches!(
    ///     SessionLayer::<DynamicSession>::with_config(bad),
    ///     Err(ConfigError::CookieName(_))
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_config(config: SessionConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(SecureCookieSessionInterface::new(config)?))
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionLayer<S, I> {
    /// A layer over any session interface.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SecureCookieSessionInterface, SessionConfig};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let interface = SecureCookieSessionInterface::new(config)?;
    /// let app: Router = Router::new()
    ///     .route("/", get(|| async { "hi" }))
    ///     .layer(SessionLayer::<DynamicSession, _>::new(interface));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(interface: I) -> Self {
        SessionLayer {
            lifecycle: SessionLifecycle::new(interface),
        }
    }

    /// A layer running an existing lifecycle (with its hooks).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SecureCookieSessionInterface, SessionConfig, SessionLifecycle};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let lifecycle =
    ///     SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?);
    /// // The same lifecycle can run outside axum too (`run_sync`).
    /// let layer = SessionLayer::from_lifecycle(lifecycle.clone());
    /// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_lifecycle(lifecycle: SessionLifecycle<S, I>) -> Self {
        SessionLayer { lifecycle }
    }

    /// Registers a before-request hook (see [`SessionLifecycle::before_request`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SessionHandle};
    ///
    /// // Answer for the handler when nobody is logged in.
    /// let require_login = |request: &http::request::Parts, session: &SessionHandle<DynamicSession>| {
    ///     let logged_in = session.lock().contains_key("user");
    ///     (!logged_in && request.uri.path() != "/login").then(|| {
    ///         http::Response::builder().status(401).body(b"log in first".to_vec()).unwrap()
    ///     })
    /// };
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?
    ///     .before_request(require_login);
    /// let mut app = Router::new().route("/", get(|| async { "secret" })).layer(layer);
    /// assert_eq!(send(&mut app, request("/", None)).status(), 401);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn before_request(self, hook: impl BeforeRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.before_request(hook),
        }
    }

    /// Registers an after-request hook (see [`SessionLifecycle::after_request`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SessionHandle};
    ///
    /// // Record the last status in the session, before it is saved.
    /// let remember_status = |response: &mut http::response::Parts, session: &SessionHandle<DynamicSession>| {
    ///     session.lock().insert("last_status", u64::from(response.status.as_u16()));
    /// };
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?
    ///     .after_request(remember_status);
    /// let mut app = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// let response = send(&mut app, request("/", None));
    /// assert!(set_cookie(&response).starts_with("session=eyJsYXN0X3N0YXR1cyI6MjAwfQ."));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn after_request(self, hook: impl AfterRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.after_request(hook),
        }
    }

    /// Sets the response for save errors (default: 500 with the reason).
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::get};
    /// use session_runtime::axum::{Session, SessionLayer};
    /// use session_runtime::{DynamicSession, SaveError, SessionConfig};
    /// use session_runtime::codec::SecretKey;
    ///
    /// async fn stuff(session: Session<DynamicSession>) {
    ///     // About 1 KiB that compresses poorly: too large for a 200-byte cookie.
    ///     let blob: String = (0..100u32).map(|i| i.wrapping_mul(2_654_435_761).to_string()).collect();
    ///     session.lock().insert("blob", blob);
    /// }
    /// let config = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("dev-key")?)
    ///     .with_max_cookie_size(200);
    /// let layer = SessionLayer::<DynamicSession>::with_config(config)?.on_save_error(|e| {
    ///     let status = if matches!(e, SaveError::CookieTooLarge { .. }) { 507 } else { 500 };
    ///     http::Response::builder().status(status).body(Vec::new()).unwrap()
    /// });
    /// let mut app = Router::new().route("/", get(stuff)).layer(layer);
    /// let response = send(&mut app, request("/", None));
    /// assert_eq!(response.status(), 507);
    /// assert!(response.headers().get("set-cookie").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_save_error(
        self,
        f: impl Fn(&SaveError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.on_save_error(f),
        }
    }

    /// The lifecycle this layer runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SessionData, SessionInterface};
    ///
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let request = http::Request::new(()).into_parts().0;
    /// // The interface the layer opens sessions with.
    /// let session: DynamicSession = layer.lifecycle().interface().open_session(&request).unwrap();
    /// assert!(session.state().is_new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifecycle(&self) -> &SessionLifecycle<S, I> {
        &self.lifecycle
    }

    /// The CSRF layer for this session layer, with Flask-WTF's defaults for
    /// its configuration ([`CsrfConfig::for_session`](crate::csrf::CsrfConfig::for_session):
    /// the session's secret key, HTTPS when its cookie is `Secure`). The
    /// session type comes from this layer, so the two cannot disagree.
    /// Add it to the router *before* the session layer (it runs inside).
    ///
    /// # Errors
    ///
    /// [`ConfigError::MissingSecretKey`] when the session has no secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// use axum::{Router, routing::post};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::DynamicSession;
    ///
    /// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let mut app = Router::new()
    ///     .route("/cart", post(|| async { "added" }))
    ///     .route_layer(session.csrf_layer()?)
    ///     .layer(session);
    /// let response = send(&mut app, Request::post("/cart").body(Body::from("qty=1"))?);
    /// assert_eq!(response.status(), 400); // The CSRF token is missing.
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_layer(&self) -> Result<CsrfLayer<S>, ConfigError> {
        let config = crate::csrf::CsrfConfig::for_session(self.lifecycle.interface().config())?;
        Ok(CsrfLayer::new(crate::csrf::Csrf::new(config)))
    }

    /// The CSRF layer for this session layer, with protection by `csrf`
    /// (exempt paths, trusted origins, mode, time limit: see
    /// [`CsrfConfig`](crate::csrf::CsrfConfig)).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::post};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::csrf::{Csrf, CsrfConfig};
    /// use session_runtime::DynamicSession;
    ///
    /// let key = SecretKey::from_text("dev-key")?;
    /// let session = SessionLayer::<DynamicSession>::with_key(key.clone())?;
    /// let csrf = Csrf::new(CsrfConfig::new(key).exempt("/hooks/payment"));
    /// let app: Router = Router::new()
    ///     .route("/hooks/payment", post(|| async { "ok" }))
    ///     .route_layer(session.csrf_layer_with(csrf))
    ///     .layer(session);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_layer_with(&self, csrf: crate::csrf::Csrf) -> CsrfLayer<S> {
        CsrfLayer::new(csrf)
    }
}

impl<Svc, S, I> Layer<Svc> for SessionLayer<S, I> {
    type Service = SessionService<Svc, S, I>;

    fn layer(&self, inner: Svc) -> Self::Service {
        SessionService {
            inner,
            lifecycle: self.lifecycle.clone(),
        }
    }
}

/// The service [`SessionLayer`] produces.
///
/// # Examples
///
/// ```
/// use session_runtime::axum::{SessionLayer, SessionService};
/// use session_runtime::codec::SecretKey;
/// use session_runtime::DynamicSession;
/// use tower_layer::Layer;
///
/// #[derive(Clone)]
/// struct Inner;
/// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let service: SessionService<Inner, DynamicSession> = layer.layer(Inner);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionService<Svc, S, I = SecureCookieSessionInterface> {
    inner: Svc,
    lifecycle: SessionLifecycle<S, I>,
}

impl<Svc: Clone, S, I> Clone for SessionService<Svc, S, I> {
    fn clone(&self) -> Self {
        SessionService {
            inner: self.inner.clone(),
            lifecycle: self.lifecycle.clone(),
        }
    }
}

impl<Svc: fmt::Debug, S, I: fmt::Debug> fmt::Debug for SessionService<Svc, S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .field("lifecycle", &self.lifecycle)
            .finish()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project_lite::pin_project! {
    /// The future [`SessionService`] returns: the inner service's response
    /// with the session saved into it.
    ///
    /// A named type rather than a boxed future, so the layer adds no
    /// allocation per request. A panic in the inner service is caught here:
    /// the answer is a 500 and the session is still saved by the usual
    /// rules, as Flask does for an unhandled exception.
    ///
    /// ```
    /// use http::{Request, Response};
    /// use session_runtime::axum::{SessionFuture, SessionService};
    /// use session_runtime::{DynamicSession, SecureCookieSessionInterface};
    /// use tower_service::Service;
    ///
    /// // A layered service's future names the inner one: nothing is boxed.
    /// fn call<Svc>(
    ///     service: &mut SessionService<Svc, DynamicSession>,
    ///     request: Request<Vec<u8>>,
    /// ) -> SessionFuture<Svc::Future, DynamicSession, SecureCookieSessionInterface, Vec<u8>>
    /// where
    ///     Svc: Service<Request<Vec<u8>>, Response = Response<Vec<u8>>> + Clone,
    /// {
    ///     service.call(request)
    /// }
    /// ```
    pub struct SessionFuture<F, S, I, ResB> {
        // `None` once the inner service answered, or when a before-request
        // hook answered early.
        #[pin]
        inner: Option<F>,
        early: Option<Response<ResB>>,
        session: SessionHandle<S>,
        lifecycle: SessionLifecycle<S, I>,
    }
}

impl<F, S, I, ResB> fmt::Debug for SessionFuture<F, S, I, ResB> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionFuture")
            .field("session", &self.session)
            .field("answered_early", &self.early.is_some())
            .finish_non_exhaustive()
    }
}

impl<F, E, S, I, ResB> Future for SessionFuture<F, S, I, ResB>
where
    F: Future<Output = Result<Response<ResB>, E>>,
    S: SessionData,
    I: SessionInterface<S>,
    ResB: From<Vec<u8>>,
{
    type Output = Result<Response<ResB>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let response = match this.inner.as_mut().as_pin_mut() {
            None => this
                .early
                .take()
                .expect("SessionFuture polled after it completed"),
            Some(inner) => {
                let polled =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx)));
                let response = match polled {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(response))) => response,
                    Ok(Poll::Ready(Err(e))) => {
                        this.inner.set(None);
                        return Poll::Ready(Err(e));
                    }
                    Err(_panic) => {
                        tracing::error!(
                            target: crate::LOG_TARGET,
                            "the handler panicked; answering 500 and saving the session"
                        );
                        crate::lifecycle::default_save_error_response_text("Internal Server Error")
                            .map(ResB::from)
                    }
                };
                this.inner.set(None);
                response
            }
        };
        Poll::Ready(Ok(this.lifecycle.finish_response(this.session, response)))
    }
}

impl<Svc, S, I, ReqB, ResB> Service<Request<ReqB>> for SessionService<Svc, S, I>
where
    Svc: Service<Request<ReqB>, Response = Response<ResB>> + Clone,
    S: SessionData,
    I: SessionInterface<S>,
    ResB: From<Vec<u8>>,
{
    type Response = Response<ResB>;
    type Error = Svc::Error;
    type Future = SessionFuture<Svc::Future, S, I, ResB>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqB>) -> Self::Future {
        let (mut parts, body) = request.into_parts();
        let (session, early) = self.lifecycle.preprocess_request(&mut parts);
        let lifecycle = self.lifecycle.clone();
        if let Some(response) = early {
            return SessionFuture {
                inner: None,
                early: Some(response.map(ResB::from)),
                session,
                lifecycle,
            };
        }
        // Call the instance that was polled ready; keep a fresh clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        SessionFuture {
            inner: Some(inner.call(Request::from_parts(parts, body))),
            early: None,
            session,
            lifecycle,
        }
    }
}

/// The axum extractor for the request's typed session.
///
/// ```
/// use session_runtime::axum::Session;
/// use session_runtime::DynamicSession;
///
/// async fn handler(session: Session<DynamicSession>) -> String {
///     let visits = session.lock().get_as::<u64>("visits").and_then(Result::ok).unwrap_or(0);
///     format!("{visits}")
/// }
/// ```
pub struct Session<S>(SessionHandle<S>);

impl<S> fmt::Debug for Session<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Session").field(&self.0).finish()
    }
}

impl<S> Clone for Session<S> {
    fn clone(&self) -> Self {
        Session(self.0.clone())
    }
}

impl<S: SessionData> Session<S> {
    /// Locks the session (opening it on first use). Do not hold the guard
    /// across an `.await`: it is not `Send`, so axum rejects such handlers.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_runtime::axum::Session;
    /// use session_runtime::DynamicSession;
    ///
    /// async fn add_to_cart(session: Session<DynamicSession>) -> String {
    ///     let items = {
    ///         let mut s = session.lock();
    ///         let items = s.get_as::<u64>("items").and_then(Result::ok).unwrap_or(0) + 1;
    ///         s.insert("items", items);
    ///         items
    ///     }; // the guard is dropped here, before any `.await`
    ///     format!("{items} items")
    /// }
    /// ```
    pub fn lock(&self) -> SessionGuard<'_, S> {
        self.0.lock()
    }

    /// The underlying handle.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_runtime::axum::Session;
    /// use session_runtime::DynamicSession;
    ///
    /// async fn peek(session: Session<DynamicSession>) -> &'static str {
    ///     // Not opened until first locked (a request without a cookie pays nothing).
    ///     if session.handle().is_opened() { "opened" } else { "not yet" }
    /// }
    /// ```
    pub fn handle(&self) -> &SessionHandle<S> {
        &self.0
    }
}

impl<St: Send + Sync, S: SessionData> FromRequestParts<St> for Session<S> {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &St,
    ) -> Result<Self, Self::Rejection> {
        let handle = SessionHandle::from_parts(parts).ok_or_else(MissingSessionLayer::of::<S>)?;
        handle.mark_obtained();
        Ok(Session(handle))
    }
}

/// A handler extracted a session type that no [`SessionLayer`] provides
/// (a wiring mistake): answered with 500.
///
/// # Examples
///
/// ```
/// # use axum::body::Body;
/// # use http::Request;
/// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
/// #     use tower_service::Service;
/// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// #     rt.block_on(app.call(request)).unwrap()
/// # }
/// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
/// #     let mut r = Request::get(path);
/// #     if let Some(c) = cookie { r = r.header("cookie", c); }
/// #     r.body(Body::empty()).unwrap()
/// # }
/// # fn set_cookie(r: &http::Response<Body>) -> &str {
/// #     r.headers()["set-cookie"].to_str().unwrap()
/// # }
/// use axum::{Router, routing::get};
/// use session_runtime::axum::Session;
/// use session_runtime::DynamicSession;
///
/// async fn handler(_: Session<DynamicSession>) {}
/// // Forgot `.layer(SessionLayer::...)`: a 500 naming the fix, not a panic.
/// let mut app = Router::new().route("/", get(handler));
/// let response = send(&mut app, request("/", None));
/// assert_eq!(response.status(), 500);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no SessionLayer for the session type `{0}` covers this route: add \
     `.layer(SessionLayer::<{0}>::with_config(config)?)` to the Router after its routes, \
     and extract `Session<T>` with the session type of that layer"
)]
pub struct MissingSessionLayer(String);

impl MissingSessionLayer {
    fn of<S>() -> Self {
        MissingSessionLayer(public_type_name::<S>())
    }
}

/// `S`'s path as users write it: sessionkit's own types under the facade
/// crate (`sessionkit::DynamicSession`), not the internal crate that
/// defines them.
fn public_type_name<S>() -> String {
    let name = std::any::type_name::<S>();
    match name.strip_prefix("session_runtime::") {
        Some(rest) => format!("sessionkit::{}", rest.rsplit("::").next().unwrap_or(rest)),
        None => name.to_owned(),
    }
}

/// The CSRF check ran but found no session: the [`CsrfLayer`] was added
/// after (outside) the [`SessionLayer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the CsrfLayer runs outside the SessionLayer, so it finds no session: add the CsrfLayer to the \
     Router first, then the SessionLayer (`.route_layer(session.csrf_layer()?).layer(session)`)"
)]
struct CsrfOutsideSessionLayer;

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> AxumResponse {
        tracing::error!(
            target: crate::LOG_TARGET,
            error = %self,
            "session extractor without a layer"
        );
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// A save error as a response: 500 with the reason as text (what the layer
/// answers by default).
impl IntoResponse for SaveError {
    fn into_response(self) -> AxumResponse {
        crate::lifecycle::default_save_error_response(&self).map(axum_core::body::Body::from)
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionLifecycle<S, I> {
    /// Wraps this lifecycle into a tower layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::{DynamicSession, SecureCookieSessionInterface, SessionConfig, SessionLifecycle};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let layer = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?)
    ///     .into_layer();
    /// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_layer(self) -> SessionLayer<S, I> {
        SessionLayer::from_lifecycle(self)
    }
}

/// A tower [`Layer`] enforcing CSRF protection (see [`crate::csrf`]).
///
/// Made by [`SessionLayer::csrf_layer`] (or [`SessionLayer::csrf_layer_with`]),
/// so its session type is the session layer's. Put it *inside* the
/// [`SessionLayer`] (add it to the router first:
/// `.route_layer(session.csrf_layer()?).layer(session)`), since it reads the
/// session. For checked requests with a form body (urlencoded or
/// multipart) it reads the body, within Flask's form limits
/// ([`CsrfConfig::body_limit`](crate::csrf::CsrfConfig::body_limit)), to
/// find the token and passes the same bytes on, so handlers still read the
/// form; other bodies pass unread (their token comes in a header). It
/// also makes the [`Csrf`](crate::csrf::Csrf) available to handlers as an
/// extractor, to generate tokens for forms.
///
/// # Examples
///
/// ```
/// # use axum::body::Body;
/// # use http::Request;
/// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
/// #     use tower_service::Service;
/// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// #     rt.block_on(app.call(request)).unwrap()
/// # }
/// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
/// #     let mut r = Request::get(path);
/// #     if let Some(c) = cookie { r = r.header("cookie", c); }
/// #     r.body(Body::empty()).unwrap()
/// # }
/// # fn set_cookie(r: &http::Response<Body>) -> &str {
/// #     r.headers()["set-cookie"].to_str().unwrap()
/// # }
/// use axum::{Router, routing::post};
/// use session_runtime::axum::SessionLayer;
/// use session_runtime::codec::SecretKey;
/// use session_runtime::DynamicSession;
///
/// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let mut app = Router::new()
///     .route("/cart", post(|| async { "added" }))
///     .layer(session.csrf_layer()?)
///     .layer(session);
/// // A form post without a token is refused with Flask-WTF's message.
/// let request = Request::post("/cart").body(Body::from("qty=1"))?;
/// let response = send(&mut app, request);
/// assert_eq!(response.status(), 400);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct CsrfLayer<S> {
    csrf: crate::csrf::Csrf,
    on_error: Arc<dyn Fn(&crate::csrf::CsrfError) -> EarlyResponse + Send + Sync>,
    _session: std::marker::PhantomData<fn() -> S>,
}

impl<S> Clone for CsrfLayer<S> {
    fn clone(&self) -> Self {
        CsrfLayer {
            csrf: self.csrf.clone(),
            on_error: Arc::clone(&self.on_error),
            _session: std::marker::PhantomData,
        }
    }
}

impl<S> fmt::Debug for CsrfLayer<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfLayer")
            .field("csrf", &self.csrf)
            .finish_non_exhaustive()
    }
}

impl<S: SessionData> CsrfLayer<S> {
    /// Protection by `csrf`; refusals answer [`CsrfError::to_response`](crate::csrf::CsrfError::to_response).
    /// Users get one from [`SessionLayer::csrf_layer`], which fixes `S`.
    pub(crate) fn new(csrf: crate::csrf::Csrf) -> Self {
        CsrfLayer {
            csrf,
            on_error: Arc::new(crate::csrf::CsrfError::to_response),
            _session: std::marker::PhantomData,
        }
    }

    /// Sets the response for refused requests.
    ///
    /// # Examples
    ///
    /// ```
    /// # use axum::body::Body;
    /// # use http::Request;
    /// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
    /// #     use tower_service::Service;
    /// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// #     rt.block_on(app.call(request)).unwrap()
    /// # }
    /// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
    /// #     let mut r = Request::get(path);
    /// #     if let Some(c) = cookie { r = r.header("cookie", c); }
    /// #     r.body(Body::empty()).unwrap()
    /// # }
    /// # fn set_cookie(r: &http::Response<Body>) -> &str {
    /// #     r.headers()["set-cookie"].to_str().unwrap()
    /// # }
    /// use axum::{Router, routing::post};
    /// use session_runtime::axum::SessionLayer;
    /// use session_runtime::codec::SecretKey;
    /// use session_runtime::DynamicSession;
    ///
    /// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let csrf = session.csrf_layer()?.on_error(|e| {
    ///     let body = format!(r#"{{"error":"{e}"}}"#).into_bytes();
    ///     http::Response::builder().status(e.status()).body(body).unwrap()
    /// });
    /// let mut app = Router::new()
    ///     .route("/api", post(|| async { "ok" }))
    ///     .layer(csrf)
    ///     .layer(session);
    /// let response = send(&mut app, Request::post("/api").body(Body::empty())?);
    /// assert_eq!(response.status(), 400);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_error(
        mut self,
        f: impl Fn(&crate::csrf::CsrfError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        self.on_error = Arc::new(f);
        self
    }
}

impl<Svc, S> Layer<Svc> for CsrfLayer<S> {
    type Service = CsrfService<Svc, S>;

    fn layer(&self, inner: Svc) -> Self::Service {
        CsrfService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The service [`CsrfLayer`] produces.
///
/// # Examples
///
/// ```
/// use session_runtime::axum::{CsrfService, SessionLayer};
/// use session_runtime::codec::SecretKey;
/// use session_runtime::DynamicSession;
/// use tower_layer::Layer;
///
/// #[derive(Clone)]
/// struct Inner;
/// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let service: CsrfService<Inner, DynamicSession> = session.csrf_layer()?.layer(Inner);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsrfService<Svc, S> {
    inner: Svc,
    layer: CsrfLayer<S>,
}

impl<Svc: Clone, S> Clone for CsrfService<Svc, S> {
    fn clone(&self) -> Self {
        CsrfService {
            inner: self.inner.clone(),
            layer: self.layer.clone(),
        }
    }
}

impl<Svc: fmt::Debug, S> fmt::Debug for CsrfService<Svc, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsrfService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<Svc, S, ResB> Service<Request<axum_core::body::Body>> for CsrfService<Svc, S>
where
    Svc:
        Service<Request<axum_core::body::Body>, Response = Response<ResB>> + Clone + Send + 'static,
    Svc::Future: Send + 'static,
    S: SessionData,
    ResB: From<Vec<u8>> + Send + 'static,
{
    type Response = Response<ResB>;
    type Error = Svc::Error;
    type Future = CsrfFuture<Svc::Future, Result<Response<ResB>, Svc::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<axum_core::body::Body>) -> Self::Future {
        use http_body_util::BodyExt as _;

        let (mut parts, body) = request.into_parts();
        let csrf = self.layer.csrf.clone();
        parts.extensions.insert(csrf.clone());
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if !csrf.applies_to(&parts) {
            return CsrfFuture::direct(inner.call(Request::from_parts(parts, body)));
        }
        let on_error = Arc::clone(&self.layer.on_error);
        // Only form bodies can carry the token; others are not read.
        // Header bytes as Latin-1 text, as Werkzeug (and the check) read them.
        let limit = parts.headers.get(http::header::CONTENT_TYPE).and_then(|v| {
            csrf.config()
                .body_limit(&crate::werkzeug::http::latin1(v.as_bytes()))
        });
        let checked = Box::pin(async move {
            // Every refusal is logged once (the reason and the path), then
            // answered by `on_error`.
            let refuse = |e: crate::csrf::CsrfError, parts: &http::request::Parts| {
                tracing::debug!(
                    target: crate::LOG_TARGET,
                    error = %e,
                    path = %parts.uri.path(),
                    "CSRF check refused the request"
                );
                Ok(on_error(&e).map(ResB::from))
            };
            let declared = parts
                .headers
                .get(http::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if let (Some(limit), Some(declared)) = (limit, declared)
                && declared > limit as u64
            {
                return refuse(crate::csrf::CsrfError::BodyTooLarge, &parts);
            }
            // The form's bytes, read up to the limit, or (not a form) none:
            // the body then goes on to the handler unread.
            let (bytes, body) = match limit {
                None => (Default::default(), body),
                Some(limit) => match http_body_util::Limited::new(body, limit).collect().await {
                    Ok(collected) => {
                        let bytes = collected.to_bytes();
                        (bytes.clone(), axum_core::body::Body::from(bytes))
                    }
                    Err(e) => {
                        let err = if e.is::<http_body_util::LengthLimitError>() {
                            crate::csrf::CsrfError::BodyTooLarge
                        } else {
                            crate::csrf::CsrfError::BodyUnreadable
                        };
                        return refuse(err, &parts);
                    }
                },
            };
            let Some(session) = SessionHandle::<S>::from_parts(&parts) else {
                let e = CsrfOutsideSessionLayer;
                tracing::error!(
                    target: crate::LOG_TARGET,
                    error = %e,
                    "CsrfLayer outside SessionLayer"
                );
                return Ok(
                    crate::lifecycle::default_save_error_response_text(&e.to_string())
                        .map(ResB::from),
                );
            };
            if let Err(e) = csrf.protect(&parts, &bytes, &session) {
                return refuse(e, &parts);
            }
            inner.call(Request::from_parts(parts, body)).await
        });
        CsrfFuture::checked(checked)
    }
}

pin_project_lite::pin_project! {
    /// The future [`CsrfService`] returns. A request the check does not
    /// apply to (a safe method, an exempt path) goes straight to the inner
    /// service's future, unboxed; a checked request reads its body, is
    /// judged and then goes to the inner service, in one boxed future.
    ///
    /// ```
    /// use axum_core::body::Body;
    /// use http::{Request, Response};
    /// use session_runtime::DynamicSession;
    /// use session_runtime::axum::{CsrfFuture, CsrfService};
    /// use tower_service::Service;
    ///
    /// fn call<Svc>(
    ///     service: &mut CsrfService<Svc, DynamicSession>,
    ///     request: Request<Body>,
    /// ) -> CsrfFuture<Svc::Future, Result<Response<Vec<u8>>, Svc::Error>>
    /// where
    ///     Svc: Service<Request<Body>, Response = Response<Vec<u8>>> + Clone + Send + 'static,
    ///     Svc::Future: Send + 'static,
    /// {
    ///     service.call(request)
    /// }
    /// ```
    pub struct CsrfFuture<F, T> {
        #[pin]
        state: CsrfState<F, T>,
    }
}

pin_project_lite::pin_project! {
    #[project = CsrfStateProj]
    enum CsrfState<F, T> {
        // Not checked: the inner service's own future.
        Direct {
            #[pin]
            future: F,
        },
        // Checked: reading the body, judging it, then the inner service.
        Checked {
            future: BoxFuture<T>,
        },
    }
}

impl<F, T> CsrfFuture<F, T> {
    fn direct(future: F) -> Self {
        CsrfFuture {
            state: CsrfState::Direct { future },
        }
    }

    fn checked(future: BoxFuture<T>) -> Self {
        CsrfFuture {
            state: CsrfState::Checked { future },
        }
    }
}

impl<F, T> fmt::Debug for CsrfFuture<F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let checked = matches!(self.state, CsrfState::Checked { .. });
        f.debug_struct("CsrfFuture")
            .field("checked", &checked)
            .finish_non_exhaustive()
    }
}

impl<F: Future<Output = T>, T> Future for CsrfFuture<F, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.project().state.project() {
            CsrfStateProj::Direct { future } => future.poll(cx),
            CsrfStateProj::Checked { future } => future.as_mut().poll(cx),
        }
    }
}

impl<St: Send + Sync> FromRequestParts<St> for crate::csrf::Csrf {
    type Rejection = MissingCsrfLayer;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &St,
    ) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<crate::csrf::Csrf>()
            .cloned()
            .ok_or(MissingCsrfLayer)
    }
}

/// A handler extracted [`Csrf`](crate::csrf::Csrf) without a [`CsrfLayer`]: 500.
///
/// # Examples
///
/// ```
/// # use axum::body::Body;
/// # use http::Request;
/// # fn send(app: &mut axum::Router, request: Request<Body>) -> http::Response<Body> {
/// #     use tower_service::Service;
/// #     let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// #     rt.block_on(app.call(request)).unwrap()
/// # }
/// # fn request(path: &str, cookie: Option<&str>) -> Request<Body> {
/// #     let mut r = Request::get(path);
/// #     if let Some(c) = cookie { r = r.header("cookie", c); }
/// #     r.body(Body::empty()).unwrap()
/// # }
/// # fn set_cookie(r: &http::Response<Body>) -> &str {
/// #     r.headers()["set-cookie"].to_str().unwrap()
/// # }
/// use axum::{Router, routing::get};
/// use session_runtime::csrf::Csrf;
///
/// async fn form(_: Csrf) {}
/// // The `Csrf` extractor needs a `CsrfLayer`: without one, a 500.
/// let mut app = Router::new().route("/form", get(form));
/// assert_eq!(send(&mut app, request("/form", None)).status(), 500);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "no CsrfLayer covers this route, so there is no `Csrf` to extract: add the route to the Router \
     before `.route_layer(session.csrf_layer()?)` (a route added after a route_layer is not covered)"
)]
pub struct MissingCsrfLayer;

impl IntoResponse for MissingCsrfLayer {
    fn into_response(self) -> AxumResponse {
        (StatusCode::INTERNAL_SERVER_ERROR, self.to_string()).into_response()
    }
}

/// A CSRF refusal as a response (its status and message).
impl IntoResponse for crate::csrf::CsrfError {
    fn into_response(self) -> AxumResponse {
        self.to_response().map(axum_core::body::Body::from)
    }
}
