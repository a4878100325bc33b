//! [`CsrfFuture`]: unboxed for requests the check does not apply to.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A boxed, sendable future: the checked path reads the body first.
pub(super) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

pin_project_lite::pin_project! {
    /// The future [`CsrfService`] returns. A request the check does not
    /// apply to (a safe method, an exempt path) goes straight to the inner
    /// service's future, unboxed; a checked request reads its body, is
    /// judged and then goes to the inner service, in one boxed future.
    ///
    /// ```
    /// use axum_core::body::Body;
    /// use http::{Request, Response};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::tower::{CsrfFuture, CsrfService};
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
    pub(super) fn direct(future: F) -> Self {
        CsrfFuture {
            state: CsrfState::Direct { future },
        }
    }

    pub(super) fn checked(future: BoxFuture<T>) -> Self {
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
