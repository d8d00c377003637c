//! Importing the officer's existing spreadsheet (issue #17): a 5,000-row sheet (each person
//! with a first contact and a referral), as French Excel saves it (`;`, Windows-1252), into a
//! new notebook — the first day — and its dry run. 500 rows when run once as a test.
//!
//! - `import/dry_run`: reading, checking and counting every row, nothing written.
//! - `import/import`: the same, then writing everything in one transaction (a new notebook
//!   for each run: a second import of the same sheet writes nothing, by design).

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use carnet::{ManualClock, Store, Uuid};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// Under `cargo bench` (not once as a test).
fn full_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

const FIRST: &[&str] = &[
    "Inès", "Mohamed", "Awa", "Emre", "Linh", "Fatou", "Kevin", "Zoé", "Yacine", "Aïcha",
];
const LAST: &[&str] = &[
    "Haddad", "Ben Ali", "Diallo", "Kaya", "Nguyen", "Traoré", "Martin", "Lefèvre", "Belkacem",
    "Mbappé",
];
const QUARTIERS: &[&str] = &["Les Buis", "la chiffogne", "Petite Hollande", "Champvallon"];
const PARTNERS: &[&str] = &["ADIE", "BGE", "Pôle emploi", "Initiative France", "CMA"];

/// The sheet's bytes: `rows` persons, every one different.
fn sheet(rows: usize) -> Vec<u8> {
    let mut text = String::from(
        "Nom;Prénom;Né(e) le;Tél.;Quartier;Date 1er contact;Orientation;Date orientation\r\n",
    );
    for k in 0..rows {
        let first = FIRST[k % FIRST.len()];
        let last = LAST[(k / FIRST.len()) % LAST.len()];
        text.push_str(&format!(
            "{last} {n};{first};{d:02}/{m:02}/{y};06 {a:02} {b:02} {c:02} {e:02};{q};{d:02}/{m2:02}/2024;{p};{d2:02}/{m2:02}/2024\r\n",
            n = k / 100,
            d = 1 + k % 28,
            m = 1 + k % 12,
            y = 1960 + k % 45,
            a = k % 100,
            b = (k / 100) % 100,
            c = (k * 7) % 100,
            e = (k * 13) % 100,
            q = QUARTIERS[k % QUARTIERS.len()],
            m2 = 1 + (k / 28) % 11,
            p = PARTNERS[k % PARTNERS.len()],
            d2 = 1 + (k + 3) % 28,
        ));
    }
    encoding_rs::WINDOWS_1252.encode(&text).0.into_owned()
}

fn new_notebook(dir: &Path, k: usize) -> Store {
    let clock = Arc::new(ManualClock::at_date(
        chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
    ));
    let mut store = Store::init(
        &dir.join(format!("carnet-{k}.db")),
        Uuid::from_u128(9),
        Box::new(clock),
    )
    .unwrap();
    store
        .write(|w| carnet::notebook::start(w, Some("Sarah Martin"), Some("Pays de Montbéliard")))
        .unwrap();
    store
}

fn import(c: &mut Criterion) {
    let rows = if full_run() { 5_000 } else { 500 };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("suivi.csv");
    std::fs::write(&file, sheet(rows)).unwrap();
    let probe = new_notebook(dir.path(), 0);
    let summary = carnet::import::plan(&probe, &file, None, &mut |_, _| true).unwrap();
    assert!(summary.rejected.is_empty(), "{:?}", &summary.rejected[..1]);
    assert_eq!(
        (summary.persons, summary.encounters, summary.referrals),
        (rows, rows, rows)
    );
    let mut group = c.benchmark_group("import");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("dry_run", |b| {
        b.iter(|| carnet::import::plan(&probe, &file, None, &mut |_, _| true).unwrap())
    });
    let mut k = 0;
    group.bench_function("import", |b| {
        b.iter_batched(
            || {
                k += 1;
                new_notebook(dir.path(), k)
            },
            |mut store| {
                carnet::import::import(&mut store, &file, None, &mut |_, _| true).unwrap();
                store
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
