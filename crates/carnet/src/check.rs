//! `carnet check`: SQLite's own integrity check plus the engine's invariants.
//!
//! The invariants are what the rest of the engine relies on: the tables have exactly the
//! catalogue's columns; every materialised value is the winning (highest-clock) value of the
//! change log for that field, and no row exists without a change behind it (the store really
//! is a view of the log, so sync and replay can rebuild it); references point to existing rows;
//! the persisted clock is not behind any stamp in the log; search keys are up to date; every
//! stored value is one a local write could have stored (the same check sync applies to
//! received values).
//! Problems are reported in French, without personal data. Memory stays flat: the log is
//! read one row's history at a time (through its `row_id` index), never held whole.

use std::collections::HashMap;

use rusqlite::types::Value;
use serde::Serialize;

use uuid::Uuid;

use crate::changelog;
use crate::clock::Hlc;
use crate::error::Result;
use crate::schema::{ENTITIES, EntitySpec, FieldKind, PERSON};
use crate::search_key;
use crate::store::Store;

/// What `check` found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    /// Number of rows and changes examined.
    pub rows: u64,
    pub changes: u64,
    /// Problems, one French sentence each. Empty when everything holds.
    pub problems: Vec<String>,
}

impl CheckReport {
    /// True when nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// How far [`check_with_progress`] has read the change log: writes read of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckProgress {
    pub writes_done: u64,
    pub writes_total: u64,
}

/// How many writes of the log are read between two progress reports.
const PROGRESS_EVERY: u64 = 50_000;

/// Runs every check.
pub fn check(store: &Store) -> Result<CheckReport> {
    check_with_progress(store, &mut |_| {})
}

/// Runs every check, reporting how far the reading of the change log (most of the time
/// taken) has gone.
pub fn check_with_progress(
    store: &Store,
    progress: &mut dyn FnMut(CheckProgress),
) -> Result<CheckReport> {
    let conn = store.conn();
    let mut report = CheckReport::default();

    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if integrity != ["ok"] {
        report
            .problems
            .push(format!("Intégrité SQLite : {}", integrity.join(" ; ")));
    }

    // The persons' trigram index holds exactly the search keys of the rows (rank 1: compared
    // with the table it indexes), and no pause of it outlived its transaction.
    if conn
        .execute(
            "INSERT INTO person_trigram (person_trigram, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .is_err()
    {
        report
            .problems
            .push("Index de recherche des personnes : il ne correspond pas aux fiches.".into());
    }
    let (paused, stale): (i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM person_trigram_paused),
                (SELECT count(*) FROM person_trigram_stale)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if paused + stale > 0 {
        report.problems.push(format!(
            "Index de recherche des personnes : mise à jour interrompue ({stale} fiche(s) en attente)."
        ));
    }

    // Columns match the catalogue.
    for spec in ENTITIES {
        let columns: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{}')",
                spec.name
            ))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for field in spec.fields {
            if !columns.iter().any(|c| c == field.name) {
                report.problems.push(format!(
                    "Table {} : colonne {} absente.",
                    spec.name, field.name
                ));
            }
        }
    }

    // Every materialised row against the winning values of its history. The log is read
    // row by row through its `row_id` index, so only one row's history is held at a time:
    // memory does not grow with the notebook (it held every winning value of the log, 2.4 GB
    // for a team's ten years).
    let mut counts: HashMap<&'static str, Counts> = HashMap::new();
    // One statement per entity, written once: a history is compared for every row.
    let row_by_id: HashMap<&'static str, String> = ENTITIES
        .iter()
        .map(|spec| (spec.name, format!("{} WHERE id = ?1", select_rows(spec))))
        .collect();
    let mut max_stamp = (0i64, 0i64);
    let device = store.device_id();
    {
        let mut log = conn.prepare(
            "SELECT seq, wall, counter, device, entity, row_id, fields
               FROM change_log INDEXED BY change_log_by_row ORDER BY row_id, seq",
        )?;
        let writes_total: i64 =
            conn.query_row("SELECT count(*) FROM change_log", [], |r| r.get(0))?;
        let writes_total = writes_total.max(0) as u64;
        let mut writes_done = 0u64;
        if writes_total > 0 {
            progress(CheckProgress {
                writes_done,
                writes_total,
            });
        }
        let mut rows = log.query([])?;
        // The history being read: its row, and per entity (one id is one entity's, but
        // nothing here relies on it) the winners so far.
        let mut current: Option<Uuid> = None;
        let mut winners: Vec<(&'static EntitySpec, Winners)> = Vec::new();
        while let Some(row) = rows.next()? {
            let write = changelog::read_row(row)?;
            writes_done += 1;
            if writes_done.is_multiple_of(PROGRESS_EVERY) {
                progress(CheckProgress {
                    writes_done,
                    writes_total,
                });
            }
            if current != Some(write.row_id) {
                if let Some(id) = current {
                    compare_history(conn, id, &winners, &row_by_id, &mut counts)?;
                }
                current = Some(write.row_id);
                winners.clear();
            }
            let slot = match winners.iter().position(|(spec, _)| *spec == write.entity) {
                Some(slot) => slot,
                None => {
                    winners.push((write.entity, Winners::new()));
                    winners.len() - 1
                }
            };
            for change in write.changes() {
                report.changes += 1;
                if change.hlc.device == device {
                    max_stamp = max_stamp.max((change.hlc.wall_ms, change.hlc.counter));
                }
                // The merge's rule exactly: the highest stamp wins, and under one stamp (a
                // copied database) the greater value.
                let held = &mut winners[slot].1;
                if held.get(change.field).is_none_or(|(stamp, value)| {
                    *stamp < change.hlc
                        || (*stamp == change.hlc
                            && changelog::value_order(&change.value)
                                > changelog::value_order(value))
                }) {
                    held.insert(change.field, (change.hlc, change.value));
                }
            }
        }
        if let Some(id) = current {
            compare_history(conn, id, &winners, &row_by_id, &mut counts)?;
        }
        progress(CheckProgress {
            writes_done,
            writes_total,
        });
    }
    let (wall, counter) = store.last_hlc_parts();
    if (wall, counter) < max_stamp {
        report
            .problems
            .push("L'horloge enregistrée est en retard sur le journal des modifications.".into());
    }

    // Rows with no history at all, each compared with nothing.
    for spec in ENTITIES {
        let mut stmt = conn.prepare(&select_rows(spec))?;
        let mut has_history =
            conn.prepare("SELECT EXISTS (SELECT 1 FROM change_log WHERE row_id = ?1)")?;
        let mut rows = stmt.query([])?;
        let entity_counts = counts.entry(spec.name).or_default();
        while let Some(row) = rows.next()? {
            report.rows += 1;
            let id: String = row.get(0)?;
            let Ok(uuid) = uuid::Uuid::parse_str(&id) else {
                report
                    .problems
                    .push(format!("Table {} : identifiant mal formé.", spec.name));
                continue;
            };
            if has_history.query_row([uuid.as_bytes().as_slice()], |r| r.get::<_, bool>(0))? {
                continue;
            }
            compare_row(spec, row, &Winners::new(), entity_counts)?;
        }
    }
    for spec in ENTITIES {
        let Some(c) = counts.get(spec.name) else {
            continue;
        };
        if c.mismatched > 0 {
            report.problems.push(format!(
                "Table {} : {} valeur(s) ne correspondent pas au journal des modifications.",
                spec.name, c.mismatched
            ));
        }
        if c.invalid > 0 {
            report.problems.push(format!(
                "Table {} : {} valeur(s) invalide(s) (format, liste de choix ou longueur).",
                spec.name, c.invalid
            ));
        }
        if c.orphan_rows > 0 {
            report.problems.push(format!(
                "Table {} : {} ligne(s) sans modification enregistrée.",
                spec.name, c.orphan_rows
            ));
        }
    }

    // References.
    for spec in ENTITIES {
        for field in spec.fields {
            if let FieldKind::Ref(target) = field.kind {
                let dangling: i64 = conn.query_row(
                    &format!(
                        "SELECT count(*) FROM {t} s WHERE s.{f} IS NOT NULL AND s.deleted = 0
                           AND NOT EXISTS (SELECT 1 FROM {target} r WHERE r.id = s.{f})",
                        t = spec.name,
                        f = field.name
                    ),
                    [],
                    |r| r.get(0),
                )?;
                if dangling > 0 {
                    report.problems.push(format!(
                        "Table {} : {dangling} référence(s) {} vers une ligne absente.",
                        spec.name, field.name
                    ));
                }
            }
        }
    }

    // Search keys.
    let stale: usize = {
        let mut stmt = conn.prepare(&format!(
            "SELECT first_name, last_name, email, search_key FROM {}",
            PERSON.name
        ))?;
        let rows = stmt.query_map([], |r| {
            let first: Option<String> = r.get(0)?;
            let last: Option<String> = r.get(1)?;
            let email: Option<String> = r.get(2)?;
            let key: Option<String> = r.get(3)?;
            Ok(key.as_deref()
                != Some(
                    search_key::of_person(first.as_deref(), last.as_deref(), email.as_deref())
                        .as_str(),
                ))
        })?;
        rows.filter(|r| matches!(r, Ok(true))).count()
    };
    if stale > 0 {
        report.problems.push(format!(
            "{stale} clé(s) de recherche de personnes ne sont pas à jour."
        ));
    }
    Ok(report)
}

/// The materialised rows of an entity as `compare_row` reads them (id, tombstone, fields).
fn select_rows(spec: &EntitySpec) -> String {
    format!(
        "SELECT id, deleted, {} FROM {}",
        crate::store::column_list(spec),
        spec.name
    )
}

/// One row's winning values, per field.
type Winners = HashMap<&'static str, (Hlc, Value)>;

/// What is wrong with one entity's table, counted.
#[derive(Default)]
struct Counts {
    mismatched: u64,
    orphan_rows: u64,
    invalid: u64,
}

/// Compares the materialised rows of the id whose history was just read (one per entity
/// that history names) with its winning values.
fn compare_history(
    conn: &rusqlite::Connection,
    id: Uuid,
    winners: &[(&'static EntitySpec, Winners)],
    row_by_id: &HashMap<&'static str, String>,
    counts: &mut HashMap<&'static str, Counts>,
) -> Result<()> {
    for (spec, held) in winners {
        let Some(sql) = row_by_id.get(spec.name) else {
            continue;
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let mut rows = stmt.query([id.to_string()])?;
        if let Some(row) = rows.next()? {
            compare_row(spec, row, held, counts.entry(spec.name).or_default())?;
        }
    }
    Ok(())
}

/// One materialised row against its winning values: every stored value must be the winner
/// (or, with no winner, empty), be one a local write could have stored, and the row must have
/// at least one logged field.
fn compare_row(
    spec: &'static EntitySpec,
    row: &rusqlite::Row<'_>,
    winners: &Winners,
    counts: &mut Counts,
) -> Result<()> {
    let mut logged = 0;
    let names = std::iter::once("deleted").chain(spec.fields.iter().map(|f| f.name));
    for (i, name) in names.enumerate() {
        let stored: Value = row.get(i + 1)?;
        let field = crate::schema::field_of(spec, name).unwrap_or(&crate::schema::DELETED);
        let deleted_row = i > 0 && row.get::<_, i64>(1)? != 0;
        // A deleted row may keep partial values (its creation never arrived).
        if !deleted_row
            && crate::sync::stored_value_problem(field, &stored).is_some()
            && !(stored == Value::Null && name != "deleted")
        {
            counts.invalid += 1;
        }
        match winners.get(name) {
            Some((_, winner)) => {
                logged += 1;
                if *winner != stored {
                    counts.mismatched += 1;
                }
            }
            None if name == "deleted" && stored == Value::Integer(0) => {}
            None if stored == Value::Null => {}
            None => counts.mismatched += 1,
        }
    }
    if logged == 0 {
        counts.orphan_rows += 1;
    }
    Ok(())
}
