//! [`SessionFuture`]: the inner service's response with the session saved
//! into it.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::Response;

use crate::data::SessionData;
use crate::error::SaveError;
use crate::interface::{BoxFuture, SessionInterface};
use crate::lifecycle::{EarlyResponse, SessionHandle, SessionLifecycle, SessionUnavailable};

pin_project_lite::pin_project! {
    /// The future [`SessionService`] returns: the inner service's response
    /// with the session saved into it.
    ///
    /// A named type rather than a boxed future, so the layer adds no
    /// allocation per request (a server-side session that before-request
    /// hooks need is loaded first, through one boxed future). A panic in the inner service is caught here:
    /// the answer is a 500 and the session is still saved by the usual
    /// rules, as Flask does for an unhandled exception.
    ///
    /// ```
    /// use http::{Request, Response};
    /// use sessionkit::tower::{SessionFuture, SessionService};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    /// use tower_service::Service;
    ///
    /// // A layered service's future names the inner one: nothing is boxed.
    /// fn call<Svc>(
    ///     service: &mut SessionService<Svc, DynamicSession>,
    ///     request: Request<Vec<u8>>,
    /// ) -> SessionFuture<Svc::Future, DynamicSession, SecureCookieSessionInterface, Vec<u8>>
    /// where
    ///     Svc: Service<Request<Vec<u8>>, Response = Response<Vec<u8>>> + Clone + Send + 'static,
    /// {
    ///     service.call(request)
    /// }
    /// ```
    pub struct SessionFuture<F, S, I, ResB> {
        // `None` once the inner service answered, or when a before-request
        // hook answered early.
        #[pin]
        pub(super) inner: Option<F>,
        pub(super) early: Option<Response<ResB>>,
        pub(super) session: SessionHandle<S>,
        pub(super) lifecycle: SessionLifecycle<S, I>,
        // A server-side session loading before the before-request hooks,
        // and what runs once it is loaded: the hooks, then the inner
        // service.
        pub(super) loading: Option<(Loading, Option<Start<F, S>>)>,
        // A server-side session's save, awaiting its store: the response's
        // head travels through it, the body waits here.
        pub(super) saving: Option<(Saving, Option<ResB>)>,
    }
}

/// The load of a server-side session that before-request hooks will see.
pub(super) type Loading = BoxFuture<Result<(), SessionUnavailable>>;

/// Runs the before-request hooks on the loaded session, then calls the
/// inner service (or returns a hook's early answer).
pub(super) type Start<F, S> = Box<dyn FnOnce(&SessionHandle<S>) -> Started<F> + Send>;

/// What [`Start`] did.
pub(super) enum Started<F> {
    /// The hooks let the request through: the inner service's future.
    Called(F),
    /// A hook answered.
    Answered(EarlyResponse),
}

/// The save of a server-side session: the response head and the outcome.
pub(super) type Saving = BoxFuture<(http::response::Parts, Result<(), SaveError>)>;

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
        if let Some((saving, body)) = this.saving.as_mut() {
            let (parts, saved) = std::task::ready!(saving.as_mut().poll(cx));
            let body = body
                .take()
                .expect("SessionFuture polled after it completed");
            *this.saving = None;
            return Poll::Ready(Ok(match saved {
                Ok(()) => Response::from_parts(parts, body),
                Err(e) => this.lifecycle.save_error_response(&e),
            }));
        }
        if let Some((loading, start)) = this.loading.as_mut() {
            let loaded = std::task::ready!(loading.as_mut().poll(cx));
            let start = start
                .take()
                .expect("SessionFuture polled after it completed");
            *this.loading = None;
            match loaded {
                Ok(()) => match start(this.session) {
                    Started::Called(inner) => this.inner.set(Some(inner)),
                    Started::Answered(early) => *this.early = Some(early.map(ResB::from)),
                },
                Err(unavailable) => *this.early = Some(unavailable.response().map(ResB::from)),
            }
        }
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
                            target: crate::error::LOG_TARGET,
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
        if !this.lifecycle.interface().is_server_side() {
            return Poll::Ready(Ok(this.lifecycle.finish_response(this.session, response)));
        }
        // A server-side session: its save awaits the store.
        let (mut parts, body) = response.into_parts();
        let lifecycle = this.lifecycle.clone();
        let session = this.session.clone();
        let mut saving: Saving = Box::pin(async move {
            let saved = lifecycle.process_response_async(&session, &mut parts).await;
            (parts, saved)
        });
        match saving.as_mut().poll(cx) {
            Poll::Ready((parts, Ok(()))) => Poll::Ready(Ok(Response::from_parts(parts, body))),
            Poll::Ready((_, Err(e))) => Poll::Ready(Ok(this.lifecycle.save_error_response(&e))),
            Poll::Pending => {
                *this.saving = Some((saving, Some(body)));
                Poll::Pending
            }
        }
    }
}
