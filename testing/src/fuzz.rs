//! The seeded, bounded proptest configuration the workspace's property tests
//! share: CI runs the same cases every time, in seconds, and
//! `CHARM_REACTIVE_FUZZ_CASES` scales every property for a longer run.
//!
//! ```
//! use proptest::prelude::*;
//!
//! let mut runner = charm_reactive_testing::fuzz::runner(100, 0x5eed);
//! runner
//!     .run(&proptest::collection::vec(any::<u8>(), 0..8), |v| {
//!         let mut w = v.clone();
//!         w.reverse();
//!         w.reverse();
//!         prop_assert_eq!(v, w);
//!         Ok(())
//!     })
//!     .unwrap();
//! ```
//!
//! In a `proptest!` block: `#![proptest_config(charm_reactive_testing::fuzz::config(2000, SEED))]`.

use proptest::test_runner::{Config, RngSeed, TestRunner};

/// The environment variable that scales the number of cases: its value is the
/// number of cases a property of the default 2000 cases runs.
pub const CASES_VAR: &str = "CHARM_REACTIVE_FUZZ_CASES";

/// The number of cases in a default run of a property, the unit of
/// [`CASES_VAR`].
pub const DEFAULT_CASES: u32 = 2000;

/// `cases` per property (at the default of [`DEFAULT_CASES`]), scaled by
/// [`CASES_VAR`], from a fixed `seed`, without failure persistence files.
pub fn config(cases: u32, seed: u64) -> Config {
    let scale = std::env::var(CASES_VAR)
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(1.0, |n| f64::from(n) / f64::from(DEFAULT_CASES));
    Config {
        cases: ((f64::from(cases) * scale) as u32).max(1),
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    }
}

/// A runner with [`config`], for properties run by hand
/// (`runner.run(&strategy, |value| ..)`).
pub fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new(config(cases, seed))
}
