//! **sessionkit**: typed, declarative web sessions for Rust, byte-compatible
//! with Flask's session cookies.
//!
//! This crate only re-exports: [`codec`] is the Flask-compatible cookie
//! codec; [`SessionInterface`], [`SecureCookieSessionInterface`],
//! [`DynamicSession`] and [`SessionLifecycle`] open and save sessions by
//! Flask's rules over plain `http` types.
//!
//! ```
//! use sessionkit::codec::{Dict, SecretKey, SessionCodec};
//!
//! let codec = SessionCodec::flask(SecretKey::from_text("dev-key")?);
//! let mut session = Dict::new();
//! session.insert("user", "ada");
//! let cookie = codec.dumps_session(&session, 1_700_000_000)?;
//! let opened = codec.loads_session(&cookie, 1_700_000_000, Some(60))?;
//! assert_eq!(opened.value.get("user").and_then(|v| v.as_str()), Some("ada"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub use session_runtime::codec;
pub use session_runtime::{
    AfterRequest, BeforeRequest, ConfigError, DynamicSession, EarlyResponse, Lifecycle,
    OversizePolicy, PERMANENT_KEY, Protection, SameSite, SaveError, SecureCookieSessionInterface,
    SessionConfig, SessionData, SessionDataError, SessionHandle, SessionInterface,
    SessionLifecycle, SessionState,
};

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
