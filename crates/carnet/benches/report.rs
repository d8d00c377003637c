//! Yearly report benchmarks on the demo data set (10 years under `cargo bench`, 1 year when
//! run once as a test by `cargo test --benches`).
//!
//! - `report_indicators`: every figure of the Bilan screen for the last full year.
//! - `report_xlsx`: that year's workbook (synthesis and every detail sheet), in memory.
//! - Beside them, in a full run and when `sqlite3` is installed: the main counts computed by
//!   the `sqlite3` command-line tool with plain SQL over the same database file (checked equal
//!   to the engine's), timed as a whole process; the ratio is printed.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use carnet::report::xlsx::ExportOptions;
use carnet::{ManualClock, Store};
mod demo_data;

use criterion::{Criterion, criterion_group, criterion_main};
use demo_data::{demo_db, full_run, until, years};

const YEAR: i32 = 2025;

/// Plain SQL for the counts a funder asks first, the way someone with `sqlite3` would write
/// it: persons received, of them new, women, under 26 at first contact, living in a QPV,
/// encounters, people reached, permanences held, meetings, referrals, businesses created.
const SQL: &str = "
WITH contacts AS (
  SELECT person_id, date FROM encounter WHERE deleted = 0 AND person_id IS NOT NULL
  UNION ALL
  SELECT a.person_id, m.date FROM attendance a JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
   WHERE a.deleted = 0),
firsts AS (SELECT person_id, min(date) AS first_ever FROM contacts GROUP BY person_id),
year AS (SELECT person_id, min(date) AS first_in_year FROM contacts
          WHERE date BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY person_id),
received AS (SELECT p.*, y.first_in_year, f.first_ever FROM year y
               JOIN person p ON p.id = y.person_id AND p.deleted = 0
               JOIN firsts f ON f.person_id = y.person_id)
SELECT
 (SELECT count(*) FROM received),
 (SELECT count(*) FROM received WHERE first_ever >= '2025-01-01'),
 (SELECT count(*) FROM received WHERE gender = 'female'),
 (SELECT count(*) FROM received WHERE birth_date IS NOT NULL AND
     (cast(substr(first_in_year,1,4) AS int) - cast(substr(birth_date,1,4) AS int)
      - (substr(first_in_year,6,5) < substr(birth_date,6,5))) < 26),
 (SELECT count(*) FROM received WHERE lives_in_qpv = 1),
 (SELECT count(*) FROM encounter WHERE deleted = 0 AND date BETWEEN '2025-01-01' AND '2025-12-31'),
 (SELECT sum(CASE WHEN person_id IS NULL THEN coalesce(head_count, 1) ELSE 1 END) FROM encounter
   WHERE deleted = 0 AND date BETWEEN '2025-01-01' AND '2025-12-31'),
 (SELECT count(*) FROM permanence WHERE deleted = 0 AND status = 'held' AND date BETWEEN '2025-01-01' AND '2025-12-31'),
 (SELECT count(*) FROM meeting WHERE deleted = 0 AND date BETWEEN '2025-01-01' AND '2025-12-31'),
 (SELECT count(*) FROM referral WHERE deleted = 0 AND date BETWEEN '2025-01-01' AND '2025-12-31'),
 (SELECT count(*) FROM outcome o JOIN person p ON p.id = o.person_id AND p.deleted = 0
   WHERE o.deleted = 0 AND o.kind = 'business_created' AND o.date BETWEEN '2025-01-01' AND '2025-12-31');
";

fn sqlite3_counts(db: &Path) -> Option<(Vec<i64>, f64)> {
    let mut times = Vec::new();
    let mut counts = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let out = Command::new("sqlite3")
            .args(["-readonly", "-separator", ";"])
            .arg(db)
            .arg(SQL)
            .output()
            .ok()?;
        times.push(started.elapsed().as_secs_f64());
        if !out.status.success() {
            eprintln!("sqlite3: {}", String::from_utf8_lossy(&out.stderr));
            return None;
        }
        counts = String::from_utf8_lossy(&out.stdout)
            .trim()
            .split(';')
            .map(|n| n.parse().unwrap_or(-1))
            .collect();
    }
    times.sort_by(f64::total_cmp);
    Some((counts, times[2]))
}

fn report(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    drop(demo_db(&path, years()));
    let store = Store::open(&path, Box::new(ManualClock::at_date(until()))).unwrap();
    let i = carnet::report::indicators(&store, YEAR).unwrap();
    eprintln!(
        "{YEAR}: {} persons received, {} encounters, {} referrals",
        i.persons_received, i.encounters, i.referrals
    );

    c.bench_function("report_indicators", |b| {
        b.iter(|| carnet::report::indicators(&store, YEAR).unwrap())
    });
    let options = ExportOptions {
        year: YEAR,
        with_names: false,
        made_on: until(),
        structure: "CitésLab Pays de Montbéliard".into(),
    };
    let bytes = carnet::report::xlsx::workbook(&store, &options, &mut |_, _| {}).unwrap();
    eprintln!("{YEAR} workbook: {} bytes", bytes.len());
    let mut group = c.benchmark_group("report_xlsx");
    group.sample_size(10);
    group.bench_function("report_xlsx", |b| {
        b.iter(|| carnet::report::xlsx::workbook(&store, &options, &mut |_, _| {}).unwrap())
    });
    group.finish();

    if full_run() {
        let engine: Vec<i64> = vec![
            i.persons_received,
            i.persons_new,
            i.women,
            i.under_26,
            i.living_in_qpv,
            i.encounters,
            i.people_reached,
            i.permanences_held,
            i.meetings,
            i.referrals,
            i.businesses_created,
        ];
        let runs = 10;
        let started = Instant::now();
        for _ in 0..runs {
            std::hint::black_box(carnet::report::indicators(&store, YEAR).unwrap());
        }
        let ours = started.elapsed().as_secs_f64() / f64::from(runs);
        match sqlite3_counts(&path) {
            Some((counts, theirs)) => {
                eprintln!(
                    "same counts: {}; engine indicators {:.1} ms (mean of {runs}), sqlite3 CLI {:.1} ms (median of 5, whole process); ratio engine/sqlite3 {:.2}",
                    if counts == engine {
                        "equal"
                    } else {
                        "DIFFERENT"
                    },
                    ours * 1e3,
                    theirs * 1e3,
                    ours / theirs
                );
                if counts != engine {
                    eprintln!("engine {engine:?}\nsqlite3 {counts:?}");
                }
            }
            None => eprintln!("sqlite3 is not installed: comparison skipped"),
        }
    }
}

criterion_group!(benches, report);
criterion_main!(benches);
