//! [`SessionMiddleware`]: the session lifecycle (and, when asked for, the
//! CSRF check) around an actix-web service.
//!
//! What the adapter adds to the core is only actix-web's plumbing: the
//! request head copied for the core ([`super::head`]), the session handle
//! put into actix-web's (thread-local) request extensions, the form body
//! taken from actix-web's payload and put back, a panic caught, and the
//! response head written back. Opening, loading, the hooks, the CSRF rules
//! and the save are the core's ([`SessionLifecycle`], [`Csrf`]).

use std::fmt;
use std::future::{Future, Ready, ready};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::{HttpMessage as _, HttpResponse};
use futures_util::FutureExt as _;

use super::head;
use crate::codec::SecretKey;
use crate::config::SessionConfig;
use crate::csrf::{Csrf, CsrfError, CsrfErrorHandler};
use crate::data::SessionData;
use crate::error::ConfigError;
use crate::interface::SessionInterface;
use crate::lifecycle::{EarlyResponse, SessionHandle, SessionLifecycle};
use crate::secure_cookie::SecureCookieSessionInterface;
use crate::store::{ServerSideSessionInterface, SessionStore};

/// The actix-web middleware that runs the session lifecycle: the session
/// is opened lazily before the handler (a handler that never extracts it
/// pays nothing unless the request carries a session cookie) and saved
/// after it by Flask's rules, on every response: error statuses, early
/// answers of before-request hooks, errors the inner service returns and
/// handlers that panic (answered 500, the session still saved, as Flask
/// does for an unhandled exception). A save error becomes the response
/// (500 by default, 503 when the store is down).
///
/// With [`SessionMiddleware::csrf`] it also runs Flask-WTF's CSRF check,
/// after the session is opened and before the handler, so the two cannot
/// be wired in the wrong order.
///
/// # Examples
///
/// ```
/// use actix_web::{App, web, test};
/// use sessionkit::actix::{Session, SessionMiddleware};
/// use sessionkit::codec::SecretKey;
/// use sessionkit::session;
///
/// #[session(lifetime = "31d")]
/// pub struct Visitor {
///     visits: u64,
/// }
///
/// async fn home(session: Session<Visitor>) -> String {
///     let mut s = session.lock();
///     *s.visits_mut() += 1;
///     format!("visit {}", s.visits())
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let middleware = SessionMiddleware::<Visitor>::with_key(SecretKey::from_text("dev-key")?)?;
/// let app = test::init_service(App::new().route("/", web::get().to(home)).wrap(middleware)).await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/").to_request()).await;
/// // {"visits":1}, signed as Flask signs it.
/// let cookie = response.headers().get("set-cookie").unwrap().to_str()?;
/// assert!(cookie.starts_with("session=eyJ2aXNpdHMiOjF9."));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[must_use]
pub struct SessionMiddleware<S, I = SecureCookieSessionInterface> {
    lifecycle: SessionLifecycle<S, I>,
    csrf: Option<Csrf>,
    on_csrf_error: CsrfErrorHandler,
}

impl<S, I> Clone for SessionMiddleware<S, I> {
    fn clone(&self) -> Self {
        SessionMiddleware {
            lifecycle: self.lifecycle.clone(),
            csrf: self.csrf.clone(),
            on_csrf_error: Arc::clone(&self.on_csrf_error),
        }
    }
}

impl<S, I: fmt::Debug> fmt::Debug for SessionMiddleware<S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddleware")
            .field("lifecycle", &self.lifecycle)
            .field("csrf", &self.csrf)
            .finish_non_exhaustive()
    }
}

impl<S: SessionData> SessionMiddleware<S, SecureCookieSessionInterface> {
    /// Cookie sessions with the session type's options and `key`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    ///
    /// let middleware = SessionMiddleware::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
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
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let middleware = SessionMiddleware::<DynamicSession>::with_config(config)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_config(config: SessionConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(SecureCookieSessionInterface::new(config)?))
    }
}

impl<S: SessionData, St: SessionStore> SessionMiddleware<S, ServerSideSessionInterface<St>> {
    /// Server-side sessions in `store` (the cookie holds only the id).
    ///
    /// # Errors
    ///
    /// [`ConfigError`] for an invalid configuration.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::store::MemoryStore;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let middleware = SessionMiddleware::<DynamicSession, _>::with_store(config, MemoryStore::new())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_store(config: SessionConfig, store: St) -> Result<Self, ConfigError> {
        Ok(Self::new(ServerSideSessionInterface::new(config, store)?))
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionMiddleware<S, I> {
    /// The middleware for any session interface.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let middleware = SessionMiddleware::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(interface: I) -> Self {
        Self::from_lifecycle(SessionLifecycle::new(interface))
    }

    /// The middleware for a configured lifecycle (with its before- and
    /// after-request hooks and save-error answer).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    /// use sessionkit::lifecycle::{SessionHandle, SessionLifecycle};
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let lifecycle = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?)
    ///     .after_request(|response: &mut http::response::Parts, _: &SessionHandle<DynamicSession>| {
    ///         response.headers.insert("x-served-by", "sessionkit".parse().unwrap());
    ///     });
    /// let middleware = SessionMiddleware::from_lifecycle(lifecycle);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_lifecycle(lifecycle: SessionLifecycle<S, I>) -> Self {
        SessionMiddleware {
            lifecycle,
            csrf: None,
            on_csrf_error: Arc::new(CsrfError::to_response),
        }
    }

    /// The lifecycle this middleware runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::interface::SessionInterface;
    /// use sessionkit::DynamicSession;
    ///
    /// let middleware = SessionMiddleware::<DynamicSession>::with_key(SecretKey::from_text("k")?)?;
    /// assert_eq!(SessionInterface::<DynamicSession>::cookie_name(middleware.lifecycle().interface()), "session");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn lifecycle(&self) -> &SessionLifecycle<S, I> {
        &self.lifecycle
    }

    /// Adds Flask-WTF's CSRF check with its defaults and the session's
    /// secret key (HTTPS rules when the session cookie is `Secure`): the
    /// same rules and messages as the tower [`CsrfLayer`](crate::tower::CsrfLayer).
    /// Unsafe methods (`POST`, `PUT`, `PATCH`, `DELETE`) to a route the app
    /// has are checked, after the session is opened and before the
    /// handler; a form body is read (within Flask's limits) and handed on
    /// unchanged. Handlers extract the [`Csrf`] to issue tokens.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the session has no secret key.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{App, web, test};
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let middleware = SessionMiddleware::<DynamicSession>::with_key(SecretKey::from_text("k")?)?.csrf()?;
    /// let app = test::init_service(
    ///     App::new().route("/cart", web::post().to(|| async { "added" })).wrap(middleware),
    /// ).await;
    /// let request = test::TestRequest::post().uri("/cart").set_form([("item", "7")]).to_request();
    /// let response = test::call_service(&app, request).await;
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(test::read_body(response).await, "The CSRF token is missing.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf(self) -> Result<Self, ConfigError> {
        let config = crate::csrf::CsrfConfig::for_session(self.lifecycle.interface().config())?;
        Ok(self.csrf_with(Csrf::new(config)))
    }

    /// [`SessionMiddleware::csrf`] with a configured [`Csrf`] (exempt
    /// paths, trusted origins, mode, time limit).
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    /// use sessionkit::DynamicSession;
    ///
    /// let key = SecretKey::from_text("k")?;
    /// let csrf = Csrf::new(CsrfConfig::new(key.clone()).exempt("/webhook"));
    /// let middleware = SessionMiddleware::<DynamicSession>::with_key(key)?.csrf_with(csrf);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn csrf_with(mut self, csrf: Csrf) -> Self {
        self.csrf = Some(csrf);
        self
    }

    /// Sets the answer to a CSRF refusal (default
    /// [`CsrfError::to_response`]: Flask-WTF's message, 400 or 403).
    /// It answers the refusals of the CSRF check, whether [`csrf`](Self::csrf)
    /// or [`csrf_with`](Self::csrf_with) comes before or after it.
    ///
    /// # Examples
    ///
    /// ```
    /// use actix_web::{App, web, test};
    /// use sessionkit::actix::SessionMiddleware;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let middleware = SessionMiddleware::<DynamicSession>::with_key(SecretKey::from_text("k")?)?
    ///     .on_csrf_error(|e| http::Response::builder().status(e.status()).body(b"refused".to_vec()).unwrap())
    ///     .csrf()?;
    /// let app = test::init_service(
    ///     App::new().route("/cart", web::post().to(|| async { "added" })).wrap(middleware),
    /// ).await;
    /// let request = test::TestRequest::post().uri("/cart").set_form([("item", "7")]).to_request();
    /// let response = test::call_service(&app, request).await;
    /// assert_eq!(response.status(), 400);
    /// assert_eq!(test::read_body(response).await, "refused");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn on_csrf_error(
        mut self,
        f: impl Fn(&CsrfError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        self.on_csrf_error = Arc::new(f);
        self
    }
}

impl<Svc, B, S, I> Transform<Svc, ServiceRequest> for SessionMiddleware<S, I>
where
    Svc: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    S: SessionData,
    I: SessionInterface<S>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = SessionMiddlewareService<Svc, S, I>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: Svc) -> Self::Future {
        ready(Ok(SessionMiddlewareService {
            service: Rc::new(service),
            middleware: Rc::new(self.clone()),
        }))
    }
}

/// The service [`SessionMiddleware`] wraps around the app's.
///
/// # Examples
///
/// ```
/// use actix_web::{App, web, test};
/// use sessionkit::actix::SessionMiddleware;
/// use sessionkit::codec::SecretKey;
/// use sessionkit::DynamicSession;
///
/// # actix_web::rt::System::new().block_on(async {
/// let middleware = SessionMiddleware::<DynamicSession>::with_key(SecretKey::from_text("k")?)?;
/// // `init_service` builds the app, whose outermost service is a `SessionMiddlewareService`.
/// let app = test::init_service(App::new().route("/", web::get().to(|| async { "hi" })).wrap(middleware)).await;
/// let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
/// assert!(response.headers().get("set-cookie").is_none(), "an untouched session sets no cookie");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionMiddlewareService<Svc, S, I = SecureCookieSessionInterface> {
    service: Rc<Svc>,
    middleware: Rc<SessionMiddleware<S, I>>,
}

impl<Svc, S, I: fmt::Debug> fmt::Debug for SessionMiddlewareService<Svc, S, I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMiddlewareService")
            .field("middleware", &self.middleware)
            .finish_non_exhaustive()
    }
}

/// The future of [`SessionMiddlewareService`] (boxed, as actix-web's own
/// middleware futures are; not `Send`, as actix-web's requests are not).
pub type SessionMiddlewareFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>>>;

impl<Svc, B, S, I> Service<ServiceRequest> for SessionMiddlewareService<Svc, S, I>
where
    Svc: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
    S: SessionData,
    I: SessionInterface<S>,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = SessionMiddlewareFuture<B>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        let middleware = Rc::clone(&self.middleware);
        Box::pin(async move { middleware.serve(&*service, request).await })
    }
}

/// The body of a response the core finished: the actix-web response's own
/// (kept), or the core's answer that replaces it (a save error).
enum Finished {
    Kept,
    Replaced(Vec<u8>),
}

impl From<Vec<u8>> for Finished {
    fn from(body: Vec<u8>) -> Self {
        Finished::Replaced(body)
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionMiddleware<S, I> {
    /// One request: open (and, for hooks, load), hooks, CSRF, the inner
    /// service, save.
    async fn serve<Svc, B>(
        &self,
        service: &Svc,
        mut request: ServiceRequest,
    ) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error>
    where
        Svc: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody + 'static,
    {
        // The head as the core reads it: the cookies, and every header
        // only when something reads more.
        let mut parts = head::request_parts(request.head());
        let csrf = self
            .csrf
            .as_ref()
            .filter(|csrf| csrf.applies_to(&parts) && request.match_pattern().is_some());
        let session = match self.lifecycle.open_lazily(&mut parts) {
            Some(session) => {
                if self.lifecycle.has_before_hooks() || csrf.is_some() {
                    head::copy_headers(request.head(), &mut parts);
                }
                session
            }
            None => {
                head::copy_headers(request.head(), &mut parts);
                self.lifecycle.open_eagerly(&mut parts)
            }
        };
        request.extensions_mut().insert(session.clone());
        if let Some(csrf) = &self.csrf {
            request.extensions_mut().insert(csrf.clone());
        }
        let mut early = self.lifecycle.before_hooks_async(&parts, &session).await;
        if let (None, Some(csrf)) = (&early, csrf) {
            early = self.check_csrf(csrf, &parts, &session, &mut request).await;
        }
        if let Some(answer) = early {
            let answer = self.lifecycle.finish_response_async(&session, answer).await;
            return Ok(request
                .into_response(head::to_actix(answer))
                .map_into_right_body());
        }
        // No clone of the request may live while the inner service runs
        // (actix-web's router needs it unshared), so an error or a panic is
        // answered as an error whose response carries the saved session.
        let (error, response): (Box<dyn fmt::Display>, _) =
            match AssertUnwindSafe(service.call(request)).catch_unwind().await {
                Ok(Ok(response)) => return Ok(self.finish(&session, response).await),
                // Answered as actix-web answers the error.
                Ok(Err(error)) => {
                    let response = error.error_response();
                    (Box::new(error), response)
                }
                Err(_panic) => {
                    tracing::error!(
                        target: crate::error::LOG_TARGET,
                        "the handler panicked; answering 500 and saving the session"
                    );
                    let text = "Internal Server Error";
                    let answer = crate::lifecycle::default_save_error_response_text(text);
                    (Box::new(text), head::to_actix(answer))
                }
            };
        let response = self
            .finish_response(&session, response)
            .await
            .map_into_boxed_body();
        Err(actix_web::error::InternalError::from_response(DisplayOnly(error), response).into())
    }

    /// The CSRF check: the form body is taken from the payload, read
    /// within the limit and put back for the handler. `Some` refuses.
    async fn check_csrf(
        &self,
        csrf: &Csrf,
        parts: &http::request::Parts,
        session: &SessionHandle<S>,
        request: &mut ServiceRequest,
    ) -> Option<EarlyResponse> {
        let payload = request.take_payload();
        let read = |limit| read_limited(payload, limit);
        match csrf
            .check_request(parts, session, &self.on_csrf_error, read)
            .await
        {
            Ok(Some(bytes)) => {
                request.set_payload(actix_web::dev::Payload::from(bytes));
                None
            }
            Ok(None) => None,
            Err(answer) => Some(answer),
        }
    }

    /// Saves the session into an actix-web service response.
    async fn finish<B>(
        &self,
        session: &SessionHandle<S>,
        response: ServiceResponse<B>,
    ) -> ServiceResponse<EitherBody<B>> {
        let (request, response) = response.into_parts();
        let response = self.finish_response(session, response).await;
        ServiceResponse::new(request, response)
    }

    /// Saves the session into an actix-web response: its head goes through
    /// the core's save; the core's answer replaces it on a save error.
    async fn finish_response<B>(
        &self,
        session: &SessionHandle<S>,
        mut response: HttpResponse<B>,
    ) -> HttpResponse<EitherBody<B>> {
        let full = self.lifecycle.has_after_hooks();
        let parts = head::response_parts(&response, full);
        let finished = http::Response::from_parts(parts, Finished::Kept);
        let (parts, body) = self
            .lifecycle
            .finish_response_async(session, finished)
            .await
            .into_parts();
        match body {
            Finished::Kept => {
                head::write_back(&parts, &mut response, full);
                response.map_into_left_body()
            }
            Finished::Replaced(body) => {
                head::to_actix(http::Response::from_parts(parts, body)).map_into_right_body()
            }
        }
    }
}

/// An error shown by its `Display` alone (its response is made here).
struct DisplayOnly(Box<dyn fmt::Display>);

impl fmt::Debug for DisplayOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for DisplayOnly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Reads a payload up to `limit` bytes: more is
/// [`CsrfError::BodyTooLarge`], a stream error
/// [`CsrfError::BodyUnreadable`].
async fn read_limited(
    mut payload: actix_web::dev::Payload,
    limit: usize,
) -> Result<actix_web::web::Bytes, CsrfError> {
    use futures_util::StreamExt as _;

    let mut body = actix_web::web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| CsrfError::BodyUnreadable)?;
        if body.len() + chunk.len() > limit {
            return Err(CsrfError::BodyTooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
