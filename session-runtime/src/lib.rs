//! The runtime of [sessionkit](https://docs.rs/sessionkit): everything that
//! runs when a session is opened and saved.
//!
//! - [`codec`]: Flask's exact cookie format — itsdangerous signing
//!   (HMAC-SHA1, salt `cookie-session`, timestamps, zlib) and Flask's tagged
//!   JSON — plus the encrypted format, with typed errors for every bad input.
//! - [`SessionInterface`] and [`SecureCookieSessionInterface`]: open a
//!   session from a request and save it into a response by Flask's rules.
//! - [`SessionData`]: what a session type provides (the `#[session]` macro
//!   implements it); [`DynamicSession`] is the dict-like session.
//! - [`SessionLifecycle`]: `preprocess_request` / `process_response` with
//!   before- and after-request hooks, and a runner for any `http` handler.
//!
//! Users normally depend on the `sessionkit` facade crate, which re-exports
//! this one.

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub mod axum;
pub mod codec;
mod config;
pub mod csrf;
mod data;
mod error;
pub mod flask_login;
mod interface;
mod lifecycle;
mod scratch;
mod secure_cookie;
mod state;
pub mod testing;
mod werkzeug;

/// The codec types that [`SessionConfig`]'s setters take.
pub use codec::{Compression, SecretKey, SecretKeys};
pub use config::{ISSUED_AT_KEY, OversizePolicy, Protection, SameSite, SessionConfig};
pub use data::{DynamicSession, OpenError, PERMANENT_KEY, SessionData, SessionDataError};
pub use error::{ConfigError, SaveError};
pub use interface::{PendingCookie, SessionInterface};
pub use lifecycle::{
    AfterRequest, BeforeRequest, EarlyResponse, Lifecycle, SessionGuard, SessionHandle,
    SessionLifecycle, default_save_error_response,
};
pub use secure_cookie::{Clock, SecureCookieSessionInterface};
pub use state::{NULL_SESSION_MESSAGE, SessionState};
pub use werkzeug::http::format_set_cookie;

/// The [`tracing`](https://docs.rs/tracing) target of every event
/// sessionkit logs, so one filter directive selects them all (for example
/// `RUST_LOG=sessionkit=debug` with `tracing-subscriber`'s `EnvFilter`).
///
/// What is logged:
///
/// - `debug`: a request cookie that cannot be a session for this moment —
///   a bad or foreign signature, an expired or future timestamp, a malformed
///   or over-long value (a fresh session is opened instead, as Flask does);
///   a request the `CsrfLayer` refused; a remember-me cookie that carries
///   nobody; a declared field whose stored
///   value does not fit its type (the value is kept and written back).
/// - `warn`: a *validly signed* cookie whose payload cannot be used (not
///   tagged JSON, not a dict, or not fitting the session type: someone
///   holding the key wrote it; Flask would answer 500, sessionkit opens a
///   fresh session); a `Set-Cookie` line over the size limit sent anyway;
///   a missing or short secret key, and an invalid cookie domain.
/// - `error`: a session that could not be saved, a handler that panicked, a
///   layer or extractor used without its `SessionLayer`.
///
/// No event contains a cookie's value or a key.
///
/// # Examples
///
/// ```
/// assert_eq!(session_runtime::LOG_TARGET, "sessionkit");
/// ```
pub const LOG_TARGET: &str = "sessionkit";

/// Re-exports of the types that appear in this crate's signatures.
pub mod deps {
    #[doc(no_inline)]
    pub use cookie;
    #[doc(no_inline)]
    pub use http;
}

#[cfg(test)]
mod test_seed;

/// [`test_seed::seeded`] on proptest's defaults, for the unit tests.
#[cfg(test)]
pub(crate) fn seeded_proptest(test: &str) -> proptest::test_runner::Config {
    test_seed::seeded(test, proptest::test_runner::Config::default())
}
