//! The runtime of [sessionkit](https://docs.rs/sessionkit): everything that
//! runs when a session is opened and saved.
//!
//! - [`codec`]: Flask's exact cookie format — itsdangerous signing
//!   (HMAC-SHA1, salt `cookie-session`, timestamps, zlib) and Flask's tagged
//!   JSON — with typed errors for every bad input.
//!
//! Users normally depend on the `sessionkit` facade crate, which re-exports
//! this one.

pub mod codec;
