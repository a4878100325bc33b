//! Helpers shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

pub mod flask;
pub mod http;
pub mod respell;
pub mod strategies;
pub mod typed;
pub mod web;

use proptest::test_runner::{Config, RngSeed};

/// `config` with a seed fixed per test (the FNV-1a hash of `test`), so every
/// run, CI's included, checks the same inputs and a failure reproduces.
/// `SESSIONKIT_TEST_SEED=random` (or any number) explores other inputs;
/// `PROPTEST_CASES` scales the run as usual.
pub fn seeded(test: &str, config: Config) -> Config {
    let seed = match std::env::var("SESSIONKIT_TEST_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(n) => RngSeed::Fixed(
            n.parse()
                .expect("SESSIONKIT_TEST_SEED: a number or `random`"),
        ),
        None => RngSeed::Fixed(test.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })),
    };
    Config {
        rng_seed: seed,
        ..config
    }
}
