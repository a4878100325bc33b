//! The actix-web extractors ([`Session`], [`Csrf`]) and the errors they
//! answer with.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};

use super::head;
use crate::csrf::Csrf;
use crate::data::SessionData;
use crate::error::SaveError;
use crate::extract::Session;
use crate::lifecycle::{SessionHandle, SessionUnavailable};

/// With a server-side store, extracting the session loads it (one store
/// round trip); a handler that does not extract it costs none.
impl<S: SessionData> FromRequest for Session<S> {
    type Error = SessionError;
    type Future = std::pin::Pin<Box<dyn Future<Output = Result<Self, SessionError>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let handle = request.extensions().get::<SessionHandle<S>>().cloned();
        Box::pin(async move {
            let handle = handle.ok_or_else(SessionError::missing::<S>)?;
            Ok(Session::obtain(handle).await?)
        })
    }
}

/// Why [`Session<T>`] could not be extracted in actix-web: no
/// [`SessionMiddleware`](super::SessionMiddleware) for that session type
/// wraps the route (500, naming the fix), or the session store is down
/// (503).
///
/// # Examples
///
/// ```
/// use actix_web::ResponseError as _;
/// use sessionkit::actix::SessionError;
/// use sessionkit::error::StoreError;
/// use sessionkit::lifecycle::SessionUnavailable;
///
/// let down = SessionError::from(SessionUnavailable::new(StoreError::Unavailable("refused".into())));
/// assert_eq!(down.error_response().status(), 503);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// No middleware for this session type wraps the route.
    #[error(
        "no SessionMiddleware for the session type `{0}` wraps this route: add \
         `.wrap(SessionMiddleware::<{0}>::with_config(config)?)` to the App (or scope), and \
         extract `Session<T>` with the session type of that middleware"
    )]
    MissingMiddleware(String),
    /// The session store could not be reached.
    #[error(transparent)]
    Unavailable(#[from] SessionUnavailable),
}

impl SessionError {
    fn missing<S>() -> Self {
        SessionError::MissingMiddleware(crate::extract::public_type_name::<S>())
    }
}

impl ResponseError for SessionError {
    fn error_response(&self) -> HttpResponse {
        match self {
            SessionError::MissingMiddleware(_) => {
                tracing::error!(
                    target: crate::error::LOG_TARGET,
                    error = %self,
                    "session extractor without a middleware"
                );
                head::to_actix(crate::lifecycle::default_save_error_response_text(
                    &self.to_string(),
                ))
            }
            SessionError::Unavailable(e) => head::to_actix(e.response()),
        }
    }
}

/// The [`Csrf`] of [`SessionMiddleware::csrf`](super::SessionMiddleware::csrf),
/// to issue tokens in handlers.
impl FromRequest for Csrf {
    type Error = MissingCsrf;
    type Future = Ready<Result<Self, MissingCsrf>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            request
                .extensions()
                .get::<Csrf>()
                .cloned()
                .ok_or(MissingCsrf),
        )
    }
}

/// A handler extracted [`Csrf`], but its [`SessionMiddleware`](super::SessionMiddleware)
/// has no CSRF check (500, naming the fix).
///
/// # Examples
///
/// ```
/// use actix_web::ResponseError as _;
/// use sessionkit::actix::MissingCsrf;
///
/// assert_eq!(MissingCsrf.error_response().status(), 500);
/// assert!(MissingCsrf.to_string().contains(".csrf()"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the SessionMiddleware wrapping this route has no CSRF check, so there is no `Csrf` to \
     extract: build it with `SessionMiddleware::…(…)?.csrf()?`"
)]
pub struct MissingCsrf;

impl ResponseError for MissingCsrf {
    fn error_response(&self) -> HttpResponse {
        head::to_actix(crate::lifecycle::default_save_error_response_text(
            &self.to_string(),
        ))
    }
}

/// A CSRF refusal returned by a handler (Flask-WTF's message, 400 or 403).
impl ResponseError for crate::csrf::CsrfError {
    fn error_response(&self) -> HttpResponse {
        head::to_actix(self.to_response())
    }
}

/// A save error returned by a handler (500; 503 when the store is down).
impl ResponseError for SaveError {
    fn error_response(&self) -> HttpResponse {
        head::to_actix(crate::lifecycle::default_save_error_response(self))
    }
}

/// Flask-Login's session identifier of an actix-web request (the client
/// address or the first `X-Forwarded-For` entry, and the `User-Agent`):
/// [`flask_login::session_identifier`](crate::flask_login::session_identifier)
/// for actix-web's request type.
///
/// # Examples
///
/// ```
/// use actix_web::test::TestRequest;
/// use sessionkit::actix::flask_login_identifier;
/// use sessionkit::flask_login::identifier;
///
/// let request = TestRequest::get()
///     .peer_addr("10.0.0.1:5000".parse()?)
///     .insert_header(("user-agent", "curl/8.0"))
///     .to_http_request();
/// assert_eq!(flask_login_identifier(&request), identifier(Some(b"10.0.0.1"), Some(b"curl/8.0")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn flask_login_identifier(request: &HttpRequest) -> String {
    let address = request.peer_addr().map(|a| a.ip().to_string());
    crate::flask_login::session_identifier(
        address.as_deref(),
        &head::to_http_headers(request.headers()),
    )
}
