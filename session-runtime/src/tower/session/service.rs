//! [`SessionService`]: opens the session, calls the inner service, and hands
//! both to a [`SessionFuture`].

use std::fmt;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower_service::Service;

use super::SessionFuture;
use super::future::{Start, Started};
use crate::data::SessionData;
use crate::interface::SessionInterface;
use crate::lifecycle::SessionLifecycle;
use crate::secure_cookie::SecureCookieSessionInterface;

/// The service [`SessionLayer`](super::SessionLayer) produces.
///
/// # Examples
///
/// ```
/// use sessionkit::tower::{SessionLayer, SessionService};
/// use sessionkit::codec::SecretKey;
/// use sessionkit::DynamicSession;
/// use tower_layer::Layer;
///
/// #[derive(Clone)]
/// struct Inner;
/// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let service: SessionService<Inner, DynamicSession> = layer.layer(Inner);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SessionService<Svc, S, I = SecureCookieSessionInterface> {
    pub(super) inner: Svc,
    pub(super) lifecycle: SessionLifecycle<S, I>,
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

impl<Svc, S, I, ReqB, ResB> Service<Request<ReqB>> for SessionService<Svc, S, I>
where
    Svc: Service<Request<ReqB>, Response = Response<ResB>> + Clone + Send + 'static,
    S: SessionData,
    I: SessionInterface<S>,
    ReqB: Send + 'static,
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
        let session = self.lifecycle.open_request(&mut parts);
        let lifecycle = self.lifecycle.clone();
        // Call the instance that was polled ready; keep a fresh clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        if lifecycle.loads_before_hooks(&session) {
            // The hooks need the stored session: load it, then run them and
            // the inner service (boxed: only this path pays for it).
            let handle = session.clone();
            let hooks = lifecycle.clone();
            let loading = Box::pin(async move { handle.load().await });
            let start: Start<Svc::Future, S> =
                Box::new(move |handle| match hooks.run_before_hooks(&parts, handle) {
                    Some(early) => Started::Answered(early),
                    None => Started::Called(inner.call(Request::from_parts(parts, body))),
                });
            return SessionFuture {
                inner: None,
                early: None,
                session,
                lifecycle,
                loading: Some((loading, Some(start))),
                saving: None,
            };
        }
        if let Some(response) = lifecycle.run_before_hooks(&parts, &session) {
            return SessionFuture {
                inner: None,
                early: Some(response.map(ResB::from)),
                session,
                lifecycle,
                loading: None,
                saving: None,
            };
        }
        SessionFuture {
            inner: Some(inner.call(Request::from_parts(parts, body))),
            early: None,
            session,
            lifecycle,
            loading: None,
            saving: None,
        }
    }
}
