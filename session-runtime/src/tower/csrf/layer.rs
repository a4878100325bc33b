//! [`CsrfLayer`], and the [`SessionLayer`] methods that make it (so the two
//! layers cannot disagree on the session type).

use std::fmt;
use std::sync::Arc;

use tower_layer::Layer;

use super::CsrfService;
use crate::data::SessionData;
use crate::error::ConfigError;
use crate::interface::SessionInterface;
use crate::lifecycle::EarlyResponse;
use crate::tower::SessionLayer;

#[cfg(feature = "axum")]
impl<S: SessionData, I: SessionInterface<S>> SessionLayer<S, I> {
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
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::post};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let app = Router::new()
    ///     .route("/cart", post(|| async { "added" }))
    ///     .route_layer(session.csrf_layer()?)
    ///     .layer(session);
    /// let response = app.clone().oneshot(Request::post("/cart").body(Body::from("qty=1"))?).await?;
    /// assert_eq!(response.status(), 400); // The CSRF token is missing.
    /// # Ok(()) }
    /// ```
    pub fn csrf_layer(&self) -> Result<CsrfLayer<S>, ConfigError> {
        let config = crate::csrf::CsrfConfig::for_session(self.lifecycle().interface().config())?;
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
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::csrf::{Csrf, CsrfConfig};
    /// use sessionkit::DynamicSession;
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
/// use axum::body::Body;
/// use http::Request;
/// use tower::ServiceExt as _;
/// use axum::{Router, routing::post};
/// use sessionkit::tower::SessionLayer;
/// use sessionkit::codec::SecretKey;
/// use sessionkit::DynamicSession;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let app = Router::new()
///     .route("/cart", post(|| async { "added" }))
///     .layer(session.csrf_layer()?)
///     .layer(session);
/// // A form post without a token is refused with Flask-WTF's message.
/// let request = Request::post("/cart").body(Body::from("qty=1"))?;
/// let response = app.clone().oneshot(request).await?;
/// assert_eq!(response.status(), 400);
/// # Ok(()) }
/// ```
#[must_use]
pub struct CsrfLayer<S> {
    pub(super) csrf: crate::csrf::Csrf,
    pub(super) on_error: crate::csrf::CsrfErrorHandler,
    pub(super) _session: std::marker::PhantomData<fn() -> S>,
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
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::post};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let session = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let csrf = session.csrf_layer()?.on_error(|e| {
    ///     let body = format!(r#"{{"error":"{e}"}}"#).into_bytes();
    ///     http::Response::builder().status(e.status()).body(body).unwrap()
    /// });
    /// let app = Router::new()
    ///     .route("/api", post(|| async { "ok" }))
    ///     .layer(csrf)
    ///     .layer(session);
    /// let response = app.clone().oneshot(Request::post("/api").body(Body::empty())?).await?;
    /// assert_eq!(response.status(), 400);
    /// # Ok(()) }
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
