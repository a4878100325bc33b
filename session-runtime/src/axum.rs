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
    pub fn with_key(key: SecretKey) -> Result<Self, ConfigError> {
        Self::with_config(S::default_config().with_secret_key(key))
    }

    /// Cookie sessions with `config`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    pub fn with_config(config: SessionConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(SecureCookieSessionInterface::new(config)?))
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionLayer<S, I> {
    /// A layer over any session interface.
    pub fn new(interface: I) -> Self {
        SessionLayer {
            lifecycle: SessionLifecycle::new(interface),
        }
    }

    /// A layer running an existing lifecycle (with its hooks).
    pub fn from_lifecycle(lifecycle: SessionLifecycle<S, I>) -> Self {
        SessionLayer { lifecycle }
    }

    /// Registers a before-request hook (see [`SessionLifecycle::before_request`]).
    pub fn before_request(self, hook: impl BeforeRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.before_request(hook),
        }
    }

    /// Registers an after-request hook (see [`SessionLifecycle::after_request`]).
    pub fn after_request(self, hook: impl AfterRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.after_request(hook),
        }
    }

    /// Sets the response for save errors (default: 500 with the reason).
    pub fn on_save_error(
        self,
        f: impl Fn(&SaveError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.on_save_error(f),
        }
    }

    /// The lifecycle this layer runs.
    pub fn lifecycle(&self) -> &SessionLifecycle<S, I> {
        &self.lifecycle
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
    pub fn lock(&self) -> SessionGuard<'_, S> {
        self.0.lock()
    }

    /// The underlying handle.
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
        SessionHandle::from_parts(parts)
            .map(Session)
            .ok_or(MissingSessionLayer(std::any::type_name::<S>()))
    }
}

/// A handler extracted a session type that no [`SessionLayer`] provides
/// (a wiring mistake): answered with 500.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "no SessionLayer provides the session type `{0}`: add `.layer(SessionLayer::<{0}>::...)` to the router"
)]
pub struct MissingSessionLayer(&'static str);

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> AxumResponse {
        tracing::error!(error = %self, "session extractor without a layer");
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
    pub fn into_layer(self) -> SessionLayer<S, I> {
        SessionLayer::from_lifecycle(self)
    }
}

/// A tower [`Layer`] enforcing CSRF protection (see [`crate::csrf`]).
///
/// Put it *inside* the [`SessionLayer`] (add it to the router first:
/// `.layer(CsrfLayer::new(csrf)).layer(session_layer)`), since it reads the
/// session. For checked requests it reads the body (up to
/// [`CsrfConfig::max_body`](crate::csrf::CsrfConfig::max_body)) to find the
/// token and passes the same bytes on, so handlers still read the form. It
/// also makes the [`Csrf`](crate::csrf::Csrf) available to handlers as an
/// extractor, to generate tokens for forms.
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
    pub fn new(csrf: crate::csrf::Csrf) -> Self {
        CsrfLayer {
            csrf,
            on_error: Arc::new(crate::csrf::CsrfError::to_response),
            _session: std::marker::PhantomData,
        }
    }

    /// Sets the response for refused requests.
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
        let checked = Box::pin(async move {
            let limited = http_body_util::Limited::new(body, csrf.config().max_body);
            let bytes = match limited.collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(e) => {
                    let err = if e.is::<http_body_util::LengthLimitError>() {
                        crate::csrf::CsrfError::BodyTooLarge
                    } else {
                        crate::csrf::CsrfError::BodyUnreadable
                    };
                    return Ok(on_error(&err).map(ResB::from));
                }
            };
            let Some(session) = SessionHandle::<S>::from_parts(&parts) else {
                let e = MissingSessionLayer(std::any::type_name::<S>());
                tracing::error!(error = %e, "CsrfLayer outside SessionLayer");
                return Ok(
                    crate::lifecycle::default_save_error_response_text(&e.to_string())
                        .map(ResB::from),
                );
            };
            if let Err(e) = csrf.protect(&parts, &bytes, &session) {
                tracing::debug!(error = %e, path = %parts.uri.path(), "CSRF check refused the request");
                return Ok(on_error(&e).map(ResB::from));
            }
            inner
                .call(Request::from_parts(
                    parts,
                    axum_core::body::Body::from(bytes),
                ))
                .await
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no CsrfLayer on this route: add `.layer(CsrfLayer::new(csrf))` inside the SessionLayer")]
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
