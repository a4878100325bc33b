//! [`SessionLayer`]: the configured lifecycle, applied to an inner service.

use std::fmt;

use tower_layer::Layer;

use super::SessionService;
use crate::codec::SecretKey;
use crate::config::SessionConfig;
use crate::data::SessionData;
use crate::error::{ConfigError, SaveError};
use crate::interface::SessionInterface;
use crate::lifecycle::{AfterRequest, BeforeRequest, EarlyResponse, SessionLifecycle};
use crate::secure_cookie::SecureCookieSessionInterface;
use crate::store::{ServerSideSessionInterface, SessionStore};

/// A tower [`Layer`] running the session lifecycle around the inner service.
///
/// # Examples
///
/// ```
/// use axum::body::Body;
/// use http::Request;
/// use tower::ServiceExt as _;
/// use axum::{Router, routing::get};
/// use sessionkit::DynamicSession;
/// use sessionkit::axum::Session;
/// use sessionkit::tower::SessionLayer;
/// use sessionkit::codec::SecretKey;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// async fn count(session: Session<DynamicSession>) -> String {
///     let mut s = session.lock();
///     let n = s.get_as::<u64>("n").and_then(Result::ok).unwrap_or(0) + 1;
///     s.insert("n", n);
///     n.to_string()
/// }
///
/// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
/// let app = Router::new().route("/", get(count)).layer(layer);
///
/// let first = app.clone().oneshot(Request::get("/").body(Body::empty())?).await?;
/// let cookie = first.headers()["set-cookie"].to_str()?.split(';').next().unwrap().to_owned();
/// assert!(cookie.starts_with("session="));
/// // The browser sends the cookie back: the session continues.
/// let second = app.clone().oneshot(Request::get("/").header("cookie", &cookie).body(Body::empty())?).await?;
/// let body = axum::body::to_bytes(second.into_body(), 64).await?;
/// assert_eq!(&body[..], b"2");
/// # Ok(()) }
/// ```
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
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::get};
    /// use sessionkit::DynamicSession;
    /// use sessionkit::axum::Session;
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// async fn login(session: Session<DynamicSession>) {
    ///     session.lock().insert("user", "ada");
    /// }
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let app = Router::new().route("/login", get(login)).layer(layer);
    /// let response = app.clone().oneshot(Request::get("/login").body(Body::empty())?).await?;
    /// // Flask's defaults: HttpOnly, Path=/, SameSite=Lax (a browser session).
    /// let cookie = response.headers()["set-cookie"].to_str()?;
    /// assert!(cookie.starts_with("session=eyJ1c2VyIjoiYWRhIn0."));
    /// assert!(cookie.ends_with("; HttpOnly; Path=/; SameSite=Lax"));
    /// # Ok(()) }
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
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::get};
    /// use sessionkit::axum::Session;
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::error::ConfigError;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// async fn login(session: Session<DynamicSession>) {
    ///     session.lock().insert("user", "ada");
    /// }
    /// let config = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("dev-key")?)
    ///     .with_cookie_name("sid")
    ///     .with_secure(true);
    /// let app = Router::new()
    ///     .route("/login", get(login))
    ///     .layer(SessionLayer::<DynamicSession>::with_config(config)?);
    /// let response = app.clone().oneshot(Request::get("/login").body(Body::empty())?).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.starts_with("sid="));
    /// assert!(response.headers()["set-cookie"].to_str()?.contains("; Secure"));
    ///
    /// // A bad configuration is refused when the layer is built, not per request.
    /// let bad = SessionConfig::default().with_cookie_name("no spaces");
    /// assert!(matches!(
    ///     SessionLayer::<DynamicSession>::with_config(bad),
    ///     Err(ConfigError::CookieName(_))
    /// ));
    /// # Ok(()) }
    /// ```
    pub fn with_config(config: SessionConfig) -> Result<Self, ConfigError> {
        Ok(Self::new(SecureCookieSessionInterface::new(config)?))
    }
}

impl<S: SessionData, St: SessionStore> SessionLayer<S, ServerSideSessionInterface<St>> {
    /// Server-side sessions in `store`, Flask-Session's layout and defaults
    /// ([`StoreConfig::default`](crate::store::StoreConfig)), with the
    /// session type's configuration for the cookie and the lifetime.
    ///
    /// # Errors
    ///
    /// As [`ServerSideSessionInterface::with_options`].
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::store::MemoryStore;
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::{DynamicSession, SessionConfig};
    ///
    /// let layer = SessionLayer::<DynamicSession, _>::with_store(SessionConfig::default(), MemoryStore::new())?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_store(config: SessionConfig, store: St) -> Result<Self, ConfigError> {
        Ok(Self::new(ServerSideSessionInterface::new(config, store)?))
    }
}

impl<S: SessionData, I: SessionInterface<S>> SessionLayer<S, I> {
    /// A layer over any session interface.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::interface::SecureCookieSessionInterface;
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let interface = SecureCookieSessionInterface::new(config)?;
    /// let app: Router = Router::new()
    ///     .route("/", get(|| async { "hi" }))
    ///     .layer(SessionLayer::<DynamicSession, _>::new(interface));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(interface: I) -> Self {
        SessionLayer {
            lifecycle: SessionLifecycle::new(interface),
        }
    }

    /// A layer running an existing lifecycle (with its hooks).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::lifecycle::SessionLifecycle;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let lifecycle =
    ///     SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?);
    /// // The same lifecycle can run outside axum too (`run_sync`).
    /// let layer = SessionLayer::from_lifecycle(lifecycle.clone());
    /// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_lifecycle(lifecycle: SessionLifecycle<S, I>) -> Self {
        SessionLayer { lifecycle }
    }

    /// Registers a before-request hook (see [`SessionLifecycle::before_request`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::get};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Answer for the handler when nobody is logged in.
    /// let require_login = |request: &http::request::Parts, session: &SessionHandle<DynamicSession>| {
    ///     let logged_in = session.lock().contains_key("user");
    ///     (!logged_in && request.uri.path() != "/login").then(|| {
    ///         http::Response::builder().status(401).body(b"log in first".to_vec()).unwrap()
    ///     })
    /// };
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?
    ///     .before_request(require_login);
    /// let app = Router::new().route("/", get(|| async { "secret" })).layer(layer);
    /// assert_eq!(app.clone().oneshot(Request::get("/").body(Body::empty())?).await?.status(), 401);
    /// # Ok(()) }
    /// ```
    pub fn before_request(self, hook: impl BeforeRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.before_request(hook),
        }
    }

    /// Registers an after-request hook (see [`SessionLifecycle::after_request`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::get};
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::DynamicSession;
    /// use sessionkit::lifecycle::SessionHandle;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // Record the last status in the session, before it is saved.
    /// let remember_status = |response: &mut http::response::Parts, session: &SessionHandle<DynamicSession>| {
    ///     session.lock().insert("last_status", u64::from(response.status.as_u16()));
    /// };
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?
    ///     .after_request(remember_status);
    /// let app = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// let response = app.clone().oneshot(Request::get("/").body(Body::empty())?).await?;
    /// assert!(response.headers()["set-cookie"].to_str()?.starts_with("session=eyJsYXN0X3N0YXR1cyI6MjAwfQ."));
    /// # Ok(()) }
    /// ```
    pub fn after_request(self, hook: impl AfterRequest<S>) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.after_request(hook),
        }
    }

    /// Sets the response for save errors (default: 500 with the reason).
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::body::Body;
    /// use http::Request;
    /// use tower::ServiceExt as _;
    /// use axum::{Router, routing::get};
    /// use sessionkit::axum::Session;
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::error::SaveError;
    /// use sessionkit::codec::SecretKey;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// async fn stuff(session: Session<DynamicSession>) {
    ///     // About 1 KiB that compresses poorly: too large for a 200-byte cookie.
    ///     let blob: String = (0..100u32).map(|i| i.wrapping_mul(2_654_435_761).to_string()).collect();
    ///     session.lock().insert("blob", blob);
    /// }
    /// let config = SessionConfig::default()
    ///     .with_secret_key(SecretKey::from_text("dev-key")?)
    ///     .with_max_cookie_size(200);
    /// let layer = SessionLayer::<DynamicSession>::with_config(config)?.on_save_error(|e| {
    ///     let status = if matches!(e, SaveError::CookieTooLarge { .. }) { 507 } else { 500 };
    ///     http::Response::builder().status(status).body(Vec::new()).unwrap()
    /// });
    /// let app = Router::new().route("/", get(stuff)).layer(layer);
    /// let response = app.clone().oneshot(Request::get("/").body(Body::empty())?).await?;
    /// assert_eq!(response.status(), 507);
    /// assert!(response.headers().get("set-cookie").is_none());
    /// # Ok(()) }
    /// ```
    pub fn on_save_error(
        self,
        f: impl Fn(&SaveError) -> EarlyResponse + Send + Sync + 'static,
    ) -> Self {
        SessionLayer {
            lifecycle: self.lifecycle.on_save_error(f),
        }
    }

    /// The lifecycle this layer runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use sessionkit::tower::SessionLayer;
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::{DynamicSession, SessionData};
    /// use sessionkit::interface::SessionInterface;
    ///
    /// let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
    /// let request = http::Request::new(()).into_parts().0;
    /// // The interface the layer opens sessions with.
    /// let session: DynamicSession = layer.lifecycle().interface().open_session(&request).unwrap();
    /// assert!(session.state().is_new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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

impl<S: SessionData, I: SessionInterface<S>> SessionLifecycle<S, I> {
    /// Wraps this lifecycle into a tower layer.
    ///
    /// # Examples
    ///
    /// ```
    /// use axum::{Router, routing::get};
    /// use sessionkit::codec::SecretKey;
    /// use sessionkit::{DynamicSession, SessionConfig};
    /// use sessionkit::lifecycle::SessionLifecycle;
    /// use sessionkit::interface::SecureCookieSessionInterface;
    ///
    /// let config = SessionConfig::default().with_secret_key(SecretKey::from_text("dev-key")?);
    /// let layer = SessionLifecycle::<DynamicSession>::new(SecureCookieSessionInterface::new(config)?)
    ///     .into_layer();
    /// let app: Router = Router::new().route("/", get(|| async { "hi" })).layer(layer);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn into_layer(self) -> SessionLayer<S, I> {
        SessionLayer::from_lifecycle(self)
    }
}
