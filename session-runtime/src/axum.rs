//! axum integration: the [`Session`] extractor (the request's typed
//! session), the [`Csrf`](crate::csrf::Csrf) extractor, and the
//! `IntoResponse` impls of the errors a handler or layer can answer with.
//!
//! A handler that extracts a session type no layer provides gets
//! [`MissingSessionLayer`] (500 naming the fix); one that extracts `Csrf`
//! without a CSRF layer gets [`MissingCsrfLayer`]. The layers themselves
//! are tower middleware in [`crate::tower`]; [`SessionLayer`] and
//! [`CsrfLayer`] are re-exported here so axum users import from one place.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response as AxumResponse};
use http::StatusCode;

use crate::data::SessionData;
use crate::error::SaveError;
pub use crate::extract::Session;
use crate::lifecycle::{SessionHandle, SessionUnavailable};
#[doc(no_inline)]
pub use crate::tower::{CsrfLayer, SessionLayer};

/// With a server-side store, extracting the session loads it (one store
/// round trip); a handler that does not extract it costs none.
impl<St: Send + Sync, S: SessionData> FromRequestParts<St> for Session<S> {
    type Rejection = SessionRejection;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _state: &St,
    ) -> Result<Self, Self::Rejection> {
        let handle = SessionHandle::from_parts(parts).ok_or_else(MissingSessionLayer::of::<S>)?;
        Ok(Session::obtain(handle).await?)
    }
}

/// Why [`Session<T>`] could not be extracted.
///
/// # Examples
///
/// ```
/// use axum::response::IntoResponse as _;
/// use sessionkit::axum::SessionRejection;
/// use sessionkit::error::StoreError;
/// use sessionkit::lifecycle::SessionUnavailable;
///
/// let down = SessionRejection::from(SessionUnavailable::new(StoreError::Unavailable("refused".into())));
/// assert_eq!(down.into_response().status(), 503);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum SessionRejection {
    /// No layer provides this session type (a wiring mistake): 500.
    MissingLayer(MissingSessionLayer),
    /// The session store is unreachable: 503 (the interface's
    /// [`unavailable_response`](crate::interface::SessionInterface::unavailable_response)).
    Unavailable(SessionUnavailable),
}

impl From<MissingSessionLayer> for SessionRejection {
    fn from(e: MissingSessionLayer) -> Self {
        SessionRejection::MissingLayer(e)
    }
}

impl From<SessionUnavailable> for SessionRejection {
    fn from(e: SessionUnavailable) -> Self {
        SessionRejection::Unavailable(e)
    }
}

impl IntoResponse for SessionRejection {
    fn into_response(self) -> AxumResponse {
        match self {
            SessionRejection::MissingLayer(e) => e.into_response(),
            SessionRejection::Unavailable(e) => e.response().map(axum_core::body::Body::from),
        }
    }
}

/// A handler extracted a session type that no [`SessionLayer`] provides
/// (a wiring mistake): answered with 500.
///
/// # Examples
///
/// ```
/// use axum::body::Body;
/// use http::Request;
/// use tower::ServiceExt as _;
/// use axum::{Router, routing::get};
/// use sessionkit::axum::Session;
/// use sessionkit::DynamicSession;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// async fn handler(_: Session<DynamicSession>) {}
/// // Forgot `.layer(SessionLayer::...)`: a 500 naming the fix, not a panic.
/// let app = Router::new().route("/", get(handler));
/// let response = app.clone().oneshot(Request::get("/").body(Body::empty())?).await?;
/// assert_eq!(response.status(), 500);
/// # Ok(()) }
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
        MissingSessionLayer(crate::extract::public_type_name::<S>())
    }
}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> AxumResponse {
        tracing::error!(
            target: crate::error::LOG_TARGET,
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
/// use axum::body::Body;
/// use http::Request;
/// use tower::ServiceExt as _;
/// use axum::{Router, routing::get};
/// use sessionkit::csrf::Csrf;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// async fn form(_: Csrf) {}
/// // The `Csrf` extractor needs a `CsrfLayer`: without one, a 500.
/// let app = Router::new().route("/form", get(form));
/// assert_eq!(app.clone().oneshot(Request::get("/form").body(Body::empty())?).await?.status(), 500);
/// # Ok(()) }
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
