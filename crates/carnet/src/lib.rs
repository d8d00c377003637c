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

pub mod access_export;
pub mod anonymous_copy;
pub mod atomic_file;
pub mod audit;
pub mod changelog;
pub mod check;
pub mod clock;
pub mod consent;
pub mod conversion;
pub mod demo;
pub mod digest;
pub mod duplicates;
pub mod encounter;
pub mod erasure;
pub mod error;
pub mod followup;
pub mod french;
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
