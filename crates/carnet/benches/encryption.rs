//! What encryption at rest costs: every engine operation the officer waits on, on the same
//! demo notebook plaintext and encrypted (AEGIS-256 pages, raw key), side by side in one run
//! (10 years under `cargo bench`, 1 year when run once as a test).
//!
//! - `record_encounter`, `search_as_you_type`, `timeline`, `find_page`: the daily work.
//! - `bulk_load_one_demo_year`: a year of demo data through the write path into a new file.
//! - `import_100000_changes`: 100,000 field changes (the first of the demo's change log)
//!   applied to a new notebook, as a first sync does.
//! - `report_indicators`, `report_xlsx`: the Bilan and the yearly workbook of 2025.
//! - `unlock`: Argon2id of the passphrase at the standard cost, unwrapping the key, opening the
//!   notebook and the home screen's first query.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use carnet::encounter::Encounter;
use carnet::kdf::KdfParams;
use carnet::key_file::{KeyFile, Randomness, RecoveryKey};
use carnet::notebook_key::NotebookKey;
use carnet::report::xlsx::ExportOptions;
use carnet::{ManualClock, Store, Uuid};
mod demo_data;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use demo_data::{demo_db, until, years};

const PASSPHRASE: &str = "Marché des Buis, mardi 9h !";

fn key() -> NotebookKey {
    NotebookKey::from_bytes([0x5a; 32])
}

fn clock() -> Box<ManualClock> {
    Box::new(ManualClock::at_date(until()))
}

/// The demo notebook, and an encrypted copy of it (same rows, same change log).
fn notebooks(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let plain = dir.join("plaintext.db");
    let encrypted = dir.join("encrypted.db");
    let store = demo_db(&plain, years());
    store.checkpoint().unwrap();
    store.export_encrypted(&encrypted, &key()).unwrap();
    (plain, encrypted)
}

fn open(path: &Path, encrypted: bool) -> Store {
    let key = key();
    Store::open_with(path, encrypted.then_some(&key), clock()).unwrap()
}

fn daily_work(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (plain, encrypted) = notebooks(dir.path());
    for (label, path, is_encrypted) in [
        ("plaintext", &plain, false),
        ("encrypted", &encrypted, true),
    ] {
        let mut store = open(path, is_encrypted);
        let person = carnet::person::search(&store, "eloise", None, 1).unwrap()[0].id;
        for query in ["eloise", "zzz", "06 39 98"] {
            c.bench_function(&format!("search_as_you_type/{query}/{label}"), |b| {
                b.iter(|| carnet::person::search(&store, query, None, 50).unwrap())
            });
        }
        c.bench_function(&format!("find_page/eloise/{label}"), |b| {
            b.iter(|| carnet::person::find(&store, "eloise", None, 0, 50).unwrap())
        });
        c.bench_function(&format!("timeline/{label}"), |b| {
            b.iter(|| carnet::timeline::of_person(&store, person).unwrap())
        });
        c.bench_function(&format!("report_indicators/{label}"), |b| {
            b.iter(|| carnet::report::indicators(&store, 2025).unwrap())
        });
        let options = ExportOptions {
            year: 2025,
            with_names: false,
            made_on: until(),
            structure: "CitésLab Pays de Montbéliard".into(),
        };
        let mut group = c.benchmark_group(format!("report_xlsx/{label}"));
        group.sample_size(10);
        group.bench_function("2025", |b| {
            b.iter(|| carnet::report::xlsx::workbook(&store, &options, &mut |_, _| {}).unwrap())
        });
        group.finish();
        // Last: it adds encounters to the person the reads above look at.
        c.bench_function(&format!("record_encounter/{label}"), |b| {
            b.iter(|| {
                let mut e = Encounter::new(until(), "market");
                e.person_id = Some(person);
                e.note = Some("Rencontrée au marché, intéressée par l'atelier.".into());
                store.create(&e).unwrap()
            })
        });
    }
}

fn writes(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_db(&dir.path().join("source.db"), 1);
    let changes: Vec<carnet::Change> = source
        .changes_since(0)
        .unwrap()
        .into_iter()
        .map(|(_, change)| change)
        .take(100_000)
        .collect();
    eprintln!("{} changes to import", changes.len());
    let mut n = 0;
    for (label, encrypted) in [("plaintext", false), ("encrypted", true)] {
        let mut group = c.benchmark_group(format!("bulk_load_one_demo_year/{label}"));
        group.sample_size(10);
        group.bench_function("engine_with_change_log", |b| {
            b.iter_batched(
                || {
                    n += 1;
                    dir.path().join(format!("bulk-{n}.db"))
                },
                |path| {
                    let key = key();
                    let mut store = Store::init_with(
                        &path,
                        Uuid::from_u128(1),
                        encrypted.then_some(&key),
                        clock(),
                    )
                    .unwrap();
                    carnet_demo::generate(
                        &mut store,
                        &carnet_demo::DemoOptions {
                            seed: 1,
                            years: 1,
                            until: until(),
                        },
                        &mut |_| {},
                    )
                    .unwrap();
                },
                BatchSize::PerIteration,
            )
        });
        group.finish();
        let mut group = c.benchmark_group(format!("import_{}_changes/{label}", changes.len()));
        group.sample_size(10);
        group.bench_function("apply", |b| {
            b.iter_batched(
                || {
                    n += 1;
                    let key = key();
                    Store::init_with(
                        &dir.path().join(format!("import-{n}.db")),
                        Uuid::from_u128(2),
                        encrypted.then_some(&key),
                        clock(),
                    )
                    .unwrap()
                },
                |mut store| store.apply_changes(&changes).unwrap(),
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

fn unlock(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (_, encrypted) = notebooks(dir.path());
    let file = KeyFile::create(
        &key(),
        PASSPHRASE,
        &RecoveryKey::from_bytes([7; 32]),
        &Randomness {
            salt: [1; 16],
            passphrase_nonce: [2; 24],
            recovery_nonce: [3; 24],
        },
        KdfParams::STANDARD,
    )
    .unwrap();
    let mut group = c.benchmark_group("unlock");
    group.sample_size(10);
    group.bench_function("passphrase_to_home_screen_query", |b| {
        b.iter(|| {
            let key = file.open_with_passphrase(PASSPHRASE).unwrap();
            let store = Store::open_with(&encrypted, Some(&key), clock()).unwrap();
            carnet::followup::home(&store, until(), 8).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, daily_work, writes, unlock);
criterion_main!(benches);
