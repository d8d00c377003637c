//! Integration tests of the engine, in one binary (faster to link than one per file).
//!
//! Each module covers one behaviour users rely on; `fixture` builds stores on a manual clock.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]
// Tests may read where the build puts files (CARGO_TARGET_DIR) and how many cases to try
// (PROPTEST_CASES); the engine itself may not (`crates/carnet/clippy.toml`).
#![allow(clippy::disallowed_methods)]

mod access_export;
mod audit;
mod changelog;
mod consent;
mod corrections;
mod demo;
mod duplicates;
mod encryption;
mod erasure;
mod fixture;
mod import;
mod letters;
mod person_merge;
mod queries;
mod replay;
mod report;
mod retention;
mod sync;
mod sync_attacks;
mod validation;
