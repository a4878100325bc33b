//! Proptest configurations with a seed fixed per test, so every run (CI's
//! included) checks the same inputs and a failure reproduces;
//! `SESSIONKIT_TEST_SEED=random` (or any number) explores other inputs.
//! Shared by the integration tests and, through `#[path]`, the runtime's
//! unit tests.

use proptest::test_runner::{Config, RngSeed};

/// `config` with the seed for `test` (the FNV-1a hash of its name unless
/// `SESSIONKIT_TEST_SEED` says otherwise).
#[allow(unreachable_pub)] // `pub` for the integration tests
pub fn seeded(test: &str, config: Config) -> Config {
    let rng_seed = match std::env::var("SESSIONKIT_TEST_SEED").ok().as_deref() {
        Some("random") => RngSeed::Random,
        Some(n) => RngSeed::Fixed(
            n.parse()
                .expect("SESSIONKIT_TEST_SEED: a number or `random`"),
        ),
        None => RngSeed::Fixed(test.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })),
    };
    Config { rng_seed, ..config }
}
