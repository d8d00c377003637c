//! Carnet's engine: the offline notebook of a CitésLab project officer, without any UI.
//!
//! The desktop shell (`src-tauri`) and the command line (`carnet-cli`) are thin layers over
//! this crate. It holds the domain model (persons, encounters, permanences, referrals…), the
//! local SQLite [`store`] whose single write path records every field change in a change log
//! stamped by a hybrid logical [`clock`], and the queries the screens need.
//!
//! Rules that hold throughout: the engine never reads the system clock, the environment or
//! any global state — the clock, the device id and file paths are passed in — so the same
//! inputs always give the same outputs. Every error is an [`Error`] with a stable `kind` and a
//! French message; nothing here panics on bad input.
//!
//! # Where things are, by layer
//!
//! - **Domain** (what the officer records, each entity's rules and queries): [`person`],
//!   [`encounter`], [`permanence`], [`meeting`], [`referral`], [`outcome`], [`partner`],
//!   [`territory`], [`officer`], [`consent`], [`followup`], [`timeline`]; the catalogue of
//!   fields [`schema`], typed records as field lists [`record`], formats [`validate`], search
//!   keys [`search_key`]; duplicates [`person_match`] (is this pair one person?),
//!   [`duplicates`] (which pairs), [`person_merge`] (merging, "pas un doublon").
//! - **Store** (one write path, the change log, the clock): [`store`], [`changelog`],
//!   [`clock`], `merge` (received changes: last writer wins per field), [`undo`], [`hex`],
//!   [`content_id`] (ids the same on every device),
//!   [`digest`], [`check`], [`stats`]; a new notebook's contents [`notebook`] and
//!   [`welcome`]; where it lives [`notebook_location`].
//! - **Keys and the file at rest**: [`notebook_key`] (the page cipher and its key),
//!   [`key_file`] and [`kdf`] (the key wrapped under the passphrase and the recovery key),
//!   [`notebook_lock`] (every way in), [`conversion`] (plaintext or former format → current),
//!   [`recovery_sheet`], [`atomic_file`].
//! - **Sync** through the shared folder: [`sync`] (its own module map: segments, person
//!   keys, validation, review of conflicts and held segments).
//! - **Personal data over time**: [`retention`], [`erasure`], [`anonymous_copy`],
//!   [`access_export`], [`audit`] (the journal).
//! - **Outputs and inputs**: [`letter`], [`report`], [`french`], [`zip_archive`], [`import`]
//!   (the officer's spreadsheet). Fictional demo data is made by the `carnet-demo` crate,
//!   through this crate's public write path like any front end.

pub mod access_export;
pub mod anonymous_copy;
pub mod atomic_file;
pub mod audit;
pub mod changelog;
pub mod check;
pub mod clock;
pub mod consent;
pub mod content_id;
pub mod conversion;
pub mod digest;
pub mod duplicates;
pub mod encounter;
pub mod erasure;
pub mod error;
pub mod followup;
pub mod french;
pub mod hex;
pub mod import;
pub mod kdf;
pub mod key_file;
pub mod letter;
pub mod meeting;
mod merge;
pub mod notebook;
pub mod notebook_key;
pub mod notebook_location;
pub mod notebook_lock;
pub mod officer;
pub mod outcome;
pub mod partner;
pub mod permanence;
pub mod person;
pub mod person_match;
pub mod person_merge;
pub mod record;
mod record_row;
pub mod recovery_sheet;
pub mod referral;
pub mod report;
pub mod retention;
pub mod schema;
pub mod search_key;
pub mod stats;
pub mod store;
pub mod sync;
pub mod territory;
pub mod timeline;
pub mod undo;
pub mod validate;
pub mod welcome;
pub mod zip_archive;

pub use clock::{Clock, Hlc, ManualClock};
pub use error::{Error, Result};
pub use record::{Entry, Record};
pub use store::{Change, Store, Writer};
pub use uuid::Uuid;
