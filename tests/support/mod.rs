//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod flask;
pub mod http;
pub mod respell;
pub mod strategies;
pub mod typed;
pub mod web;

#[path = "../../session-runtime/src/test_seed.rs"]
mod test_seed;
pub use test_seed::seeded;
