//! [`CsrfService`]: reads a checked request's form body within Flask's
//! limits, judges it, and passes the same bytes on.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use super::{CsrfFuture, CsrfLayer};
use crate::data::SessionData;
use crate::lifecycle::SessionHandle;

/// The CSRF check ran but found no session: the [`CsrfLayer`] was added
/// after (outside) the [`SessionLayer`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the CsrfLayer runs outside the SessionLayer, so it finds no session: add the CsrfLayer to the \
     Router first, then the SessionLayer (`.route_layer(session.csrf_layer()?).layer(session)`)"
)]
struct CsrfOutsideSessionLayer;

/// The service [`CsrfLayer`] produces.
///
/// # Examples
///
/// ```
/// use sessionkit::tower::{CsrfService, SessionLayer};
/// use sessionkit::codec::SecretKey;
/// use sessionkit::DynamicSession;
/// use tower_layer::Layer;
///
/// #[derive(Clone)]
/// struct Inner;
/// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let service: CsrfService<Inner, DynamicSession> = session.csrf_layer()?.layer(Inner);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct CsrfService<Svc, S> {
    pub(super) inner: Svc,
    pub(super) layer: CsrfLayer<S>,
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
                    target: crate::error::LOG_TARGET,
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
                    target: crate::error::LOG_TARGET,
                    error = %e,
                    "CsrfLayer outside SessionLayer"
                );
                return Ok(
                    crate::lifecycle::default_save_error_response_text(&e.to_string())
                        .map(ResB::from),
                );
            };
            // A server-side session is loaded from its store first.
            if let Err(unavailable) = session.load().await {
                return Ok(unavailable.response().map(ResB::from));
            }
            if let Err(e) = csrf.protect(&parts, &bytes, &session) {
                return refuse(e, &parts);
            }
            inner.call(Request::from_parts(parts, body)).await
        });
        CsrfFuture::checked(checked)
    }
}
