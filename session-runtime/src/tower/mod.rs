//! tower middleware, the tower-http way: one folder per middleware, each
//! with its layer, service and future.
//!
//! - [`SessionLayer`] (`session/`): runs the session lifecycle around any
//!   `http` service: opens the session before it (lazily: a handler that
//!   never touches the session pays no decoding cost unless the request
//!   carries a session cookie) and saves it after, on every response
//!   (error statuses and early answers from before-request hooks included,
//!   as Flask does). A save error ([`SaveError`](crate::error::SaveError))
//!   becomes the response (500 by default; see
//!   [`SessionLayer::on_save_error`]).
//! - [`CsrfLayer`] (`csrf/`, cargo feature `axum`): Flask-WTF's CSRF check
//!   in front of the handlers, made by [`SessionLayer::csrf_layer`].
//!
//! ```
//! use axum::{Router, routing::get};
//! use sessionkit::DynamicSession;
//! use sessionkit::axum::Session;
//! use sessionkit::codec::SecretKey;
//! use sessionkit::tower::SessionLayer;
//! use tower::ServiceExt as _;
//!
//! async fn home(session: Session<DynamicSession>) -> String {
//!     let mut s = session.lock();
//!     let visits = s.get_as::<u64>("visits").and_then(Result::ok).unwrap_or(0) + 1;
//!     s.insert("visits", visits);
//!     format!("visit {visits}")
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let layer = SessionLayer::<DynamicSession>::with_key(SecretKey::from_text("dev-key")?)?;
//! let app = Router::new().route("/", get(home)).layer(layer);
//! let response = app.oneshot(http::Request::get("/").body(axum::body::Body::empty())?).await?;
//! assert!(response.headers()["set-cookie"].to_str()?.starts_with("session="));
//! # Ok(()) }
//! ```

#[cfg(feature = "axum")]
mod csrf;
mod session;

#[cfg(feature = "axum")]
pub use csrf::{CsrfFuture, CsrfLayer, CsrfService};
pub use session::{SessionFuture, SessionLayer, SessionService};
