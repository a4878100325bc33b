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
        let checked = Box::pin(async move {
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
            // The form's bytes, read up to the limit; the handler reads the
            // same bytes (or, not a form, the unread body).
            let mut unread = Some(body);
            let read = |limit| {
                let body = unread.take().unwrap_or_default();
                async move {
                    match http_body_util::Limited::new(body, limit).collect().await {
                        Ok(collected) => Ok(collected.to_bytes()),
                        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
                            Err(crate::csrf::CsrfError::BodyTooLarge)
                        }
                        Err(_) => Err(crate::csrf::CsrfError::BodyUnreadable),
                    }
                }
            };
            let checked = csrf.check_request(&parts, &session, &on_error, read).await;
            match checked {
                Ok(Some(bytes)) => {
                    let body = axum_core::body::Body::from(bytes);
                    inner.call(Request::from_parts(parts, body)).await
                }
                Ok(None) => {
                    let body = unread.take().unwrap_or_default();
                    inner.call(Request::from_parts(parts, body)).await
                }
                Err(answer) => Ok(answer.map(ResB::from)),
            }
        });
        CsrfFuture::checked(checked)
    }
}
