//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod flask;
pub mod http;
pub mod respell;
pub mod strategies;
pub mod typed;
pub mod web;
