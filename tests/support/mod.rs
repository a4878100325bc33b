//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod flask;
pub mod http;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "redis")]
pub mod redis_cluster;
pub mod respell;
pub mod router;
pub mod store;
pub mod store_suite;
pub mod strategies;
pub mod typed;
pub mod web;

mod seed;
pub use seed::seeded;

/// Whether this run is CI's (`CI` set to anything but empty, `false` or
/// `0`), where a missing tool fails a test instead of skipping it.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}
