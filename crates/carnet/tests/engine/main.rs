//! Integration tests of the engine, in one binary (faster to link than one per file).
//!
//! Each module covers one behaviour users rely on; `fixture` builds stores on a manual clock.

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
