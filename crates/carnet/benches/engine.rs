//! Engine benchmarks on the demo data set (10 years under `cargo bench`; 1 year when run once
//! as a test by `cargo test --benches`, so that CI checks they work without the wait).
//!
//! - `record_encounter`: one encounter with its change-log rows and its journal entry, on a
//!   file database in WAL mode with the same settings as the app (one transaction,
//!   committed); `record_encounter_alternated/{with,without}_journal` the same with and
//!   without the journal, alternated in one loop so that neither pays for the other's growth,
//!   each sample the median capture of its batch; `record_encounter_own_index/{with,without}_index`
//!   the same between the notebook and a copy without the partial index of own writes.
//! - `journal/verify_50000_entries`: "Vérifier l'intégrité du journal" on a year of entries.
//! - `access_export/busiest_person`: everything held on the person with the most history,
//!   as the ZIP "Exporter ses données…" writes (letter PDF, JSON with every change, letters).
//! - `search_as_you_type`: the queries typed letter by letter in the Personnes screen.
//! - `timeline`: the profile of the person with the most events.
//! - `find_page`, `follow_ups_home`, `referrals_page_search`: the Personnes, Aujourd'hui and
//!   Orientations screens' queries.
//! - `undo_capture`, `undo_person_deletion`: "Annuler" after a capture, and after deleting the
//!   person with the most events.
//! - `with_200_merges`: the Personnes search, a timeline, "À réexaminer" and the yearly figures
//!   once 200 likely duplicates are merged (reads follow the merge pointers).
//! - `bulk_load`: one demo year through the engine's write path, side by side with raw
//!   rusqlite inserts of the very same rows into the same tables without a change log.

// Test code: a failed unwrap is a failed test (production code refuses `unwrap()`).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use carnet::encounter::Encounter;
use carnet::{ManualClock, Store, Uuid};
mod demo_data;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use demo_data::{demo_db, full_run, until, years};
use rusqlite::types::Value;

/// Runs `timed(mine)` and `timed(!mine)` in turn, `iterations` times, and returns the median
/// of `mine`'s times, times `iterations`: what `iter_custom` reports for two variants measured
/// alternately, so that neither pays for the other's growth (of the log, of the WAL). The
/// median, because a checkpoint that lands on one run (a few ms) would otherwise swamp a 5 µs
/// difference.
fn median_of_alternated(
    iterations: u64,
    mine: bool,
    mut timed: impl FnMut(bool) -> Duration,
) -> Duration {
    let mut times = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        for turn in [mine, !mine] {
            let took = timed(turn);
            if turn == mine {
                times.push(took);
            }
        }
    }
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default() * iterations as u32
}

fn reads_and_writes(c: &mut Criterion) {
    let years = years();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let started = std::time::Instant::now();
    drop(demo_db(&path, years));
    eprintln!(
        "demo of {years} year(s) generated in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let clock = Arc::new(ManualClock::at_date(until()));
    let mut store = Store::open(&path, Box::new(clock.clone())).unwrap();
    let stats = carnet::stats::stats(&store).unwrap();
    eprintln!(
        "persons {}, encounters {}, changes {}",
        stats.entities["person"], stats.entities["encounter"], stats.changes
    );

    let person = carnet::person::search(&store, "eloise", None, 1).unwrap()[0].id;
    let busiest: String = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.query_row(
            "SELECT person_id FROM encounter WHERE person_id IS NOT NULL
             GROUP BY person_id ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let busiest = Uuid::parse_str(&busiest).unwrap();
    eprintln!(
        "busiest person has {} timeline items",
        carnet::timeline::of_person(&store, busiest).unwrap().len()
    );

    // "Exporter ses données…" for the person with the most history (issue #16: ≤ 300 ms).
    let mut group = c.benchmark_group("access_export");
    group.sample_size(20);
    group.bench_function("busiest_person", |b| {
        b.iter(|| carnet::access_export::export(&store, busiest, until()).unwrap())
    });
    group.finish();
    let capture = |store: &mut Store| {
        let mut e = Encounter::new(until(), "market");
        e.person_id = Some(person);
        e.phase = Some("detection".into());
        e.note = Some("Rencontrée au marché, intéressée par l'atelier.".into());
        store.create(&e).unwrap()
    };
    c.bench_function("record_encounter", |b| b.iter(|| capture(&mut store)));
    // What the journal costs a capture: captures with and without their journal entry,
    // alternated in one loop (the log and the WAL grow alike for both), each timed apart.
    let mut group = c.benchmark_group("record_encounter_alternated");
    for journaled in [true, false] {
        let name = if journaled {
            "with_journal"
        } else {
            "without_journal"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                let median = median_of_alternated(iterations, journaled, |turn| {
                    store.set_audit(turn);
                    let started = std::time::Instant::now();
                    capture(&mut store);
                    started.elapsed()
                });
                store.set_audit(true);
                median
            })
        });
    }
    group.finish();
    // What the partial index of own writes (migration 0018) costs a capture: the same
    // notebook twice, one without that index, captures alternated between them in one loop,
    // each timed apart (as above).
    store.checkpoint().unwrap();
    let bare_path = dir.path().join("without_own_index.db");
    std::fs::copy(&path, &bare_path).unwrap();
    rusqlite::Connection::open(&bare_path)
        .unwrap()
        .execute_batch("DROP INDEX change_log_own")
        .unwrap();
    let mut bare = Store::open(&bare_path, Box::new(clock.clone())).unwrap();
    let mut group = c.benchmark_group("record_encounter_own_index");
    for indexed in [true, false] {
        let name = if indexed {
            "with_index"
        } else {
            "without_index"
        };
        group.bench_function(name, |b| {
            b.iter_custom(|iterations| {
                median_of_alternated(iterations, indexed, |turn| {
                    let target = if turn { &mut store } else { &mut bare };
                    let started = std::time::Instant::now();
                    capture(target);
                    started.elapsed()
                })
            })
        });
    }
    group.finish();
    drop(bare);
    // Checking a year of journal: 50,000 entries (a demo year's writes are about 40,000).
    let journal = dir.path().join("journal.db");
    store.checkpoint().unwrap();
    std::fs::copy(&path, &journal).unwrap();
    {
        let journaled = Store::open(&journal, Box::new(clock.clone())).unwrap();
        for k in 0..50_000u128 {
            carnet::audit::record(
                &journaled,
                carnet::audit::Action::Opened,
                Some("person"),
                Some(Uuid::from_u128(k)),
            )
            .unwrap();
        }
        let mut group = c.benchmark_group("journal");
        group.sample_size(10);
        group.bench_function("verify_50000_entries", |b| {
            b.iter(|| assert!(carnet::audit::verify(&journaled).unwrap().is_ok()))
        });
        group.finish();
    }

    let mut group = c.benchmark_group("search_as_you_type");
    // The last three are phone searches (a piece of a number, any spacing).
    for query in [
        "e",
        "el",
        "elo",
        "eloise",
        "eloise ben",
        "benali",
        "zzz",
        "06 39",
        "06 39 98",
        "3998 12",
    ] {
        group.bench_function(query, |b| {
            b.iter(|| carnet::person::search(&store, query, None, 50).unwrap())
        });
    }
    group.finish();

    c.bench_function("timeline", |b| {
        b.iter(|| carnet::timeline::of_person(&store, busiest).unwrap())
    });

    // The Personnes screen's page: 50 results with their total and the details that tell
    // namesakes apart (birth year, quartier, phone's end, last contact).
    let mut group = c.benchmark_group("find_page");
    for query in ["e", "eloise", "06 39 98"] {
        group.bench_function(query, |b| {
            b.iter(|| carnet::person::find(&store, query, None, 0, 50).unwrap())
        });
    }
    group.finish();

    c.bench_function("follow_ups_home", |b| {
        b.iter(|| carnet::followup::home(&store, until(), 8).unwrap())
    });
    // The home screen counts the persons past retention at every visit.
    c.bench_function("retention_due_24_months", |b| {
        b.iter(|| carnet::retention::due(&store, until(), 24).unwrap())
    });
    // Duplicate persons: the check as a new person is typed, and the whole "Doublons" list.
    let typed = {
        let someone = carnet::person::all(&store).unwrap().swap_remove(1234).data;
        carnet::person::Person {
            first_name: someone.first_name.to_uppercase(),
            ..someone
        }
    };
    c.bench_function("duplicates_check_at_entry", |b| {
        b.iter(|| carnet::duplicates::candidates(&store, &typed, None, 5).unwrap())
    });
    // After a sync that brought 1,000 persons: each checked against the notebook.
    let arrived: Vec<Uuid> = carnet::person::all(&store)
        .unwrap()
        .into_iter()
        .rev()
        .take(1000)
        .map(|p| p.id)
        .collect();
    let mut group = c.benchmark_group("duplicates_after_sync");
    group.sample_size(10);
    group.bench_function("1000_arrived_persons", |b| {
        b.iter(|| carnet::duplicates::among(&store, &arrived).unwrap())
    });
    group.finish();
    let mut group = c.benchmark_group("duplicates_whole_notebook");
    group.sample_size(10);
    group.bench_function("pairs", |b| {
        b.iter(|| carnet::duplicates::pairs(&store).unwrap())
    });
    group.finish();
    // The same screens once 200 likely duplicates are merged (every read then follows the
    // merge pointers), the merges undone afterwards so that later benches see the demo as is.
    let merged: Vec<(Uuid, Uuid)> = carnet::duplicates::pairs(&store)
        .unwrap()
        .into_iter()
        .filter(|p| p.a != person && p.b != person)
        .take(200)
        .map(|p| (p.a, p.b))
        .collect();
    let mut merged_away = Vec::new();
    for (a, b) in &merged {
        let ok = store
            .write(|w| carnet::person_merge::merge(w, *a, *b, &[]))
            .is_ok();
        if ok {
            merged_away.push(*b);
        }
    }
    eprintln!("{} records merged", merged_away.len());
    let mut group = c.benchmark_group("with_200_merges");
    group.bench_function("find_page_eloise", |b| {
        b.iter(|| carnet::person::find(&store, "eloise", None, 0, 50).unwrap())
    });
    group.bench_function("timeline", |b| {
        b.iter(|| carnet::timeline::of_person(&store, busiest).unwrap())
    });
    group.bench_function("retention_due_24_months", |b| {
        b.iter(|| carnet::retention::due(&store, until(), 24).unwrap())
    });
    group.bench_function("report_indicators", |b| {
        b.iter(|| carnet::report::indicators(&store, 2025).unwrap())
    });
    group.finish();
    for other in merged_away {
        store
            .write(|w| carnet::person_merge::separate(w, other))
            .unwrap();
    }
    c.bench_function("referrals_page_search", |b| {
        let filter = carnet::referral::ReferralFilter {
            query: Some("adie".into()),
            ..Default::default()
        };
        b.iter(|| carnet::referral::page(&store, &filter, 0, 50).unwrap())
    });

    // "Annuler": undoing a capture (one tombstone), and undoing the deletion of the busiest
    // person (every encounter, referral and outcome of hers restored), each a committed write.
    let store = std::cell::RefCell::new(store);
    c.bench_function("undo_capture", |b| {
        b.iter_batched(
            || {
                let mut e = Encounter::new(until(), "market");
                e.head_count = Some(3);
                store
                    .borrow_mut()
                    .write(|w| carnet::encounter::record(w, &e, None))
                    .unwrap()
                    .undo
            },
            |undo| {
                store
                    .borrow_mut()
                    .write(|w| carnet::undo::apply(w, &undo))
                    .unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    c.bench_function("undo_person_deletion", |b| {
        b.iter_batched(
            || {
                store
                    .borrow_mut()
                    .write(|w| carnet::person::delete(w, busiest))
                    .unwrap()
            },
            |undo| {
                store
                    .borrow_mut()
                    .write(|w| carnet::undo::apply(w, &undo))
                    .unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    // Erasing a person for good, those with the most history first (the worst cases), one
    // per iteration. Last: it removes persons the benchmarks above read.
    let most_history: Vec<Uuid> = {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT person_id FROM encounter WHERE person_id IS NOT NULL
                 GROUP BY person_id ORDER BY count(*) DESC",
            )
            .unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(|id| Uuid::parse_str(&id.unwrap()).unwrap())
            .collect()
    };
    let mut next = most_history.into_iter();
    let mut group = c.benchmark_group("erase_person");
    group.sample_size(10);
    group.warm_up_time(std::time::Duration::from_millis(300));
    group.measurement_time(std::time::Duration::from_secs(1));
    group.bench_function("most_history_first", |b| {
        b.iter_batched(
            || next.next().expect("persons left to erase"),
            |id| carnet::erasure::erase(&mut store.borrow_mut(), id).unwrap(),
            BatchSize::PerIteration,
        )
    });
    // What the officer waits for in the window: the erasure without the file rewrite, which
    // then runs on a thread of its own (`erasure::erase_without_rewrite`).
    group.bench_function("before_rewrite", |b| {
        b.iter_batched(
            || next.next().expect("persons left to erase"),
            |id| carnet::erasure::erase_without_rewrite(&mut store.borrow_mut(), id).unwrap(),
            BatchSize::PerIteration,
        )
    });
    // Of which: the rewrite of the whole file that ends every erasure (`Store::compact`).
    group.bench_function("file_rewrite_alone", |b| {
        b.iter(|| store.borrow().compact().unwrap())
    });
    group.finish();

    // "Anonymiser toute la liste": 2,000 persons past retention, each in its own
    // transaction, on a fresh copy of the notebook every time.
    store.borrow().checkpoint().unwrap();
    let pristine = dir.path().join("avant-anonymisation.db");
    std::fs::copy(&path, &pristine).unwrap();
    let mut n = 0;
    let mut group = c.benchmark_group("anonymise_past_retention");
    group.sample_size(10);
    group.bench_function("2000_persons", |b| {
        b.iter_batched(
            || {
                n += 1;
                let copy = dir.path().join(format!("anonymisation-{n}.db"));
                std::fs::copy(&pristine, &copy).unwrap();
                let copy_store =
                    Store::open(&copy, Box::new(ManualClock::at_date(until()))).unwrap();
                let due: Vec<Uuid> = carnet::retention::due(&copy_store, until(), 24)
                    .unwrap()
                    .into_iter()
                    .take(2000)
                    .map(|d| d.id)
                    .collect();
                (copy_store, due)
            },
            |(mut copy_store, due)| {
                carnet::erasure::anonymise_all(&mut copy_store, &due, &mut |_, _| {}).unwrap()
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Inserts the rows a demo produced into a fresh database with the same tables and no
/// change log, with plain prepared inserts: what a bare rusqlite app would do.
/// One table's rows: name, columns, values.
type TableRows = (String, Vec<String>, Vec<Vec<Value>>);

fn raw_insert(rows: &[TableRows], path: &Path) {
    let conn = raw_connection(path);
    for migration in [
        include_str!("../migrations/0001_initial.sql"),
        include_str!("../migrations/0002_sync.sql"),
        include_str!("../migrations/0003_letters.sql"),
    ] {
        conn.execute_batch(migration).unwrap();
    }
    insert_rows(&conn, rows);
}

/// A bare connection with the app's settings (write-ahead log, cache).
fn raw_connection(path: &Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "NORMAL").unwrap();
    conn.pragma_update(None, "cache_size", -32_768).unwrap();
    conn
}

/// Plain prepared inserts, 2,000 rows per transaction.
fn insert_rows(conn: &rusqlite::Connection, rows: &[TableRows]) {
    for chunk_rows in rows {
        let (table, columns, values) = chunk_rows;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        );
        for batch in values.chunks(2_000) {
            let tx = conn.unchecked_transaction().unwrap();
            {
                let mut stmt = tx.prepare_cached(&sql).unwrap();
                for row in batch {
                    stmt.execute(rusqlite::params_from_iter(row)).unwrap();
                }
            }
            tx.commit().unwrap();
        }
    }
}

fn bulk_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.db");
    drop(demo_db(&template, 1));
    // The rows the demo produced, table by table.
    let conn = rusqlite::Connection::open(&template).unwrap();
    let mut rows = Vec::new();
    for spec in carnet::schema::ENTITIES {
        let mut columns = vec!["id".to_string(), "deleted".to_string()];
        columns.extend(spec.fields.iter().map(|f| f.name.to_string()));
        if spec.name == "person" {
            columns.push("search_key".into());
        }
        let sql = format!("SELECT {} FROM {}", columns.join(", "), spec.name);
        let mut stmt = conn.prepare(&sql).unwrap();
        let values: Vec<Vec<Value>> = stmt
            .query_map([], |r| {
                (0..columns.len())
                    .map(|i| r.get::<_, Value>(i))
                    .collect::<rusqlite::Result<Vec<Value>>>()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        rows.push((spec.name.to_string(), columns, values));
    }
    drop(conn);
    let total: usize = rows.iter().map(|(_, _, v)| v.len()).sum();
    eprintln!("bulk load compares {total} rows");

    let mut group = c.benchmark_group("bulk_load_one_demo_year");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    let mut n = 0u32;
    group.bench_function("engine_with_change_log", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(format!("engine-{n}.db"))
            },
            |path| demo_db(&path, 1),
            BatchSize::PerIteration,
        )
    });
    group.bench_function("raw_rusqlite_inserts", |b| {
        b.iter_batched(
            || {
                n += 1;
                dir.path().join(format!("raw-{n}.db"))
            },
            |path| raw_insert(&rows, &path),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Folder with `devices` writers, each having sent `segments` segments of `persons_per`
/// persons (about ten field changes each).
fn sync_folder(
    dir: &Path,
    devices: u128,
    segments: usize,
    persons_per: usize,
) -> (carnet::sync::SyncFolder, usize) {
    use carnet::person::Person;
    use carnet::sync::{FreshSecrets, KdfParams, SyncFolder};
    let folder = SyncFolder::create(
        dir,
        "phrase de passe du banc d'essai Carnet",
        &FreshSecrets {
            salt: [3; 16],
            key: [4; 32],
        },
        Uuid::from_u128(5),
        KdfParams::FAST_FOR_TESTS,
    )
    .unwrap();
    let mut changes = 0;
    for d in 0..devices {
        let clock = Box::new(ManualClock::at_date(until()));
        let mut store = Store::open_in_memory(Uuid::from_u128(100 + d), clock).unwrap();
        for s in 0..segments {
            store
                .write(|w| {
                    for n in 0..persons_per {
                        w.create(&Person {
                            first_name: format!("Prénom{n}"),
                            last_name: format!("Nom {d}-{s}"),
                            gender: Some("female".into()),
                            phone: Some("06 39 98 12 34".into()),
                            email: Some(format!("p{n}@example.org")),
                            city: Some("Montbéliard".into()),
                            lives_in_qpv: Some(true),
                            situation: Some("job_seeker".into()),
                            france_travail: Some(true),
                            project_title: Some("Food truck".into()),
                            ..Default::default()
                        })?;
                    }
                    Ok(())
                })
                .unwrap();
            let report =
                carnet::sync::sync(&mut store, &folder, Some("banc"), &mut |_| {}).unwrap();
            changes += report.changes_sent;
        }
    }
    (folder, changes)
}

fn folder_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        for entry in std::fs::read_dir(&path).unwrap().flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else if [".seg", ".keys"]
                .iter()
                .any(|end| entry.file_name().to_string_lossy().ends_with(end))
            {
                total += meta.len();
            }
        }
    }
    total
}

fn sync(c: &mut Criterion) {
    // 5 devices × 5 segments × 400 persons × 10 fields = 100,000 changes (a tenth as a test).
    let persons = if full_run() { 400 } else { 40 };
    let dir = tempfile::tempdir().unwrap();
    let (folder, changes) = sync_folder(dir.path(), 5, 5, persons);
    let bytes = folder_bytes(dir.path());
    eprintln!(
        "sync folder: {changes} changes in {bytes} bytes of segments and key bundles, {:.1} bytes per change",
        bytes as f64 / changes as f64
    );
    let dbs = tempfile::tempdir().unwrap();
    let mut n = 0u32;
    let mut group = c.benchmark_group("sync");
    group.sample_size(10);
    group.bench_function(format!("import_{changes}_changes_from_5_devices"), |b| {
        b.iter_batched(
            || {
                n += 1;
                let path = dbs.path().join(format!("import-{n}.db"));
                Store::init(
                    &path,
                    Uuid::from_u128(1),
                    Box::new(ManualClock::at_date(until())),
                )
                .unwrap()
            },
            |mut store| carnet::sync::sync(&mut store, &folder, None, &mut |_| {}).unwrap(),
            BatchSize::PerIteration,
        )
    });
    // The same rows inserted raw, without change log, clocks, merge or decryption.
    let path = dbs.path().join("reference.db");
    let mut reference = Store::init(
        &path,
        Uuid::from_u128(2),
        Box::new(ManualClock::at_date(until())),
    )
    .unwrap();
    carnet::sync::sync(&mut reference, &folder, None, &mut |_| {}).unwrap();
    drop(reference);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let person_rows = |extra: &[&str]| -> Vec<TableRows> {
        let mut columns = vec!["id".to_string(), "deleted".to_string()];
        columns.extend(
            carnet::schema::PERSON
                .fields
                .iter()
                .map(|f| f.name.to_string()),
        );
        columns.extend(extra.iter().map(|c| c.to_string()));
        let rows: Vec<Vec<Value>> = conn
            .prepare(&format!("SELECT {} FROM person", columns.join(", ")))
            .unwrap()
            .query_map([], |r| {
                (0..columns.len()).map(|i| r.get::<_, Value>(i)).collect()
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        vec![("person".into(), columns, rows)]
    };
    // The tables of migrations 1 to 3 have the search key but not the duplicates' match key.
    let table = person_rows(&["search_key"]);
    let table_now = person_rows(&["search_key", "match_key"]);
    group.bench_function("raw_rusqlite_inserts_of_the_same_rows", |b| {
        b.iter_batched(
            || {
                n += 1;
                dbs.path().join(format!("raw-{n}.db"))
            },
            |path| raw_insert(&table, &path),
            BatchSize::PerIteration,
        )
    });
    // The same rows inserted raw into the tables of a new notebook as this version makes it
    // (every index the import must keep up to date: search, duplicates, quartier), made
    // beforehand like the import's own new notebook.
    group.bench_function(
        "raw_rusqlite_inserts_of_the_same_rows_into_a_new_notebook",
        |b| {
            b.iter_batched(
                || {
                    n += 1;
                    let path = dbs.path().join(format!("raw-notebook-{n}.db"));
                    drop(
                        Store::init(
                            &path,
                            Uuid::from_u128(1),
                            Box::new(ManualClock::at_date(until())),
                        )
                        .unwrap(),
                    );
                    raw_connection(&path)
                },
                |conn| insert_rows(&conn, &table_now),
                BatchSize::PerIteration,
            )
        },
    );

    // An unchanged folder of 1,000 segments: 5 devices × 200 syncs of one person.
    let (segments, small) = if full_run() { (200, 1) } else { (20, 1) };
    let quiet_dir = tempfile::tempdir().unwrap();
    let (quiet, _) = sync_folder(quiet_dir.path(), 5, segments, small);
    let quiet_db = dbs.path().join("quiet.db");
    let mut up_to_date = Store::init(
        &quiet_db,
        Uuid::from_u128(3),
        Box::new(ManualClock::at_date(until())),
    )
    .unwrap();
    carnet::sync::sync(&mut up_to_date, &quiet, None, &mut |_| {}).unwrap();
    group.bench_function(
        format!("unchanged_folder_of_{}_segments", 5 * segments),
        |b| b.iter(|| carnet::sync::sync(&mut up_to_date, &quiet, None, &mut |_| {}).unwrap()),
    );
    group.finish();
}

/// Search as you type on a team's notebook (five officers' ten years, synced into one: see
/// `docs/performance.md`), when `CARNET_SCALE_DB` names such a plaintext notebook: through
/// the trigram index (`person::search`), and side by side the scan of every key that search
/// was before it (the same SQL with `search_key LIKE '%word%'` per word).
fn search_at_scale(c: &mut Criterion) {
    // A benchmark is the caller here: it names the notebook, as the CLI would name a file.
    #[allow(clippy::disallowed_methods)]
    let Some(path) = std::env::var_os("CARNET_SCALE_DB") else {
        return;
    };
    let store = Store::open(Path::new(&path), Box::new(ManualClock::at_date(until()))).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let persons: i64 = conn
        .query_row("SELECT count(*) FROM person WHERE deleted = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    eprintln!("search at scale: {persons} persons");
    let mut group = c.benchmark_group("search_at_scale");
    for query in ["e", "el", "elo", "eloise", "eloise ben", "benali", "zzz"] {
        group.bench_function(format!("index/{query}"), |b| {
            b.iter(|| carnet::person::search(&store, query, None, 50).unwrap())
        });
        let words = carnet::search_key::words(query);
        let mut sql =
            String::from("SELECT * FROM person WHERE deleted = 0 AND merged_into IS NULL");
        for k in 1..=words.len() {
            sql.push_str(&format!(" AND search_key LIKE ?{k}"));
        }
        sql.push_str(" ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id LIMIT 50");
        let params: Vec<String> = words.iter().map(|w| format!("%{w}%")).collect();
        group.bench_function(format!("scan/{query}"), |b| {
            b.iter(|| {
                let mut stmt = conn.prepare_cached(&sql).unwrap();
                let rows: Vec<String> = stmt
                    .query_map(rusqlite::params_from_iter(params.iter()), |r| r.get(0))
                    .unwrap()
                    .collect::<rusqlite::Result<_>>()
                    .unwrap();
                rows
            })
        });
    }
    group.finish();
}

criterion_group!(benches, reads_and_writes, bulk_load, sync, search_at_scale);
criterion_main!(benches);
