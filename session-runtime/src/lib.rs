//! The runtime of [sessionkit](https://docs.rs/sessionkit): everything that
//! runs when a session is opened and saved.
//!
//! - [`codec`]: Flask's exact cookie format — itsdangerous signing
//!   (HMAC-SHA1, salt `cookie-session`, timestamps, zlib) and Flask's tagged
//!   JSON — plus the encrypted format, with typed errors for every bad input.
//! - [`interface`]: Flask's `SessionInterface` and
//!   `SecureCookieSessionInterface` (open a session from a request, save it
//!   into a response by Flask's rules), its null session and cookie state.
//! - [`SessionData`]: what a session type provides (the `#[session]` macro
//!   implements it); [`DynamicSession`] is the dict-like session.
//! - [`lifecycle`]: [`SessionLifecycle`] — `preprocess_request` /
//!   `process_response` with before- and after-request hooks.
//! - [`config`], [`error`]: the configuration and the errors (and
//!   [`error::LOG_TARGET`]).
//! - [`tower`] and [`axum`], [`actix`]: the middleware and the extractors; [`csrf`],
//!   [`flask_login`], [`testing`].
//!
//! Floors, each importing only from the ones below it: `werkzeug/` and
//! `codec/` (Werkzeug's HTTP and itsdangerous/Flask's formats) → `data`,
//! `state`, `config`, `error` → `interface`, `secure_cookie` → `lifecycle`
//! → `csrf`, `flask_login` → `extract` → `tower/`, `axum`, `actix/`.
//!
//! Users normally depend on the `sessionkit` facade crate, which re-exports
//! this one.

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
#[cfg(feature = "actix")]
#[cfg_attr(docsrs, doc(cfg(feature = "actix")))]
pub mod actix;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
pub mod codec;
pub mod config;
pub mod csrf;
mod data;
pub mod error;
#[cfg(any(feature = "axum", feature = "actix"))]
mod extract;
pub mod flask_login;
pub mod interface;
pub mod lifecycle;
mod scratch;
mod secure_cookie;
mod state;
pub mod store;
pub mod testing;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
mod werkzeug;

pub use config::SessionConfig;
pub use data::{DynamicSession, SessionData};
pub use lifecycle::SessionLifecycle;

#[cfg(test)]
#[path = "../../tests/support/seed.rs"]
mod test_seed;

/// [`test_seed::seeded`] on proptest's defaults, for the unit tests.
#[cfg(test)]
pub(crate) fn seeded_proptest(test: &str) -> proptest::test_runner::Config {
    test_seed::seeded(test, proptest::test_runner::Config::default())
}
