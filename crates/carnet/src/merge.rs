//! The merge of changes received from other devices: last writer wins per field, and a
//! concurrent edit is never lost silently.
//!
//! Why apart from the store: the store owns the write path and the tables; deciding which of
//! two values of a field wins, and whether the loser must be shown to the officer, is sync's
//! business. This is where a sync conflict is found; it is recorded, listed and decided next
//! to "À vérifier" (`crate::sync::review::record_conflict`).
//!
//! What is guaranteed, per `(entity, row, field)`: the highest clock stamp wins, whatever the
//! order the changes arrive in (a tie between two values under one stamp, which only a copied
//! database can produce, goes to the greater value, the same on every device); re-applying a
//! change is a no-op; when the winner's writer had not seen the loser (no chain of replaced
//! stamps leads from one to the other), the loser is kept for review. Rows this device never
//! had take a fast path when the received changes are one device's straight line of edits:
//! nothing can then be a duplicate or a conflict, and the result is the same as the general
//! merge's (a property test compares both).

use rusqlite::Connection;
use rusqlite::types::Value;

use crate::changelog::{self, Change, RowClocks};
use crate::clock::Hlc;
use crate::error::Result;
use crate::schema::EntitySpec;
use crate::store::{ApplyReport, Mode, SqlCache, materialise};
use uuid::Uuid;

/// Applies received changes of one row: log the new ones, make the newest value of each field
/// current. Duplicates (changes already in the log) are counted and skipped.
pub(crate) fn apply_row(
    tx: &Connection,
    sql: &mut SqlCache,
    changes: &[&Change],
    fast_path: bool,
    known_new: bool,
    report: &mut ApplyReport,
) -> Result<()> {
    let Some(first) = changes.first() else {
        return Ok(());
    };
    let (entity, row_id) = (first.entity, first.row_id);
    // `known_new`: the caller already found, for a whole batch at once, that this row has no
    // history here; reading it one row at a time was an import's largest cost.
    let history = if known_new {
        Vec::new()
    } else {
        changelog::of_row(tx, row_id)?
    };
    // A row this device never had: the received fields are all there is to it.
    let new_row = history.is_empty();
    if fast_path
        && new_row
        && let Some(winners) = straight_line(changes)
    {
        report.inserted += changes.len();
        log_received(tx, entity, row_id, changes)?;
        report.won += winners.len();
        materialise(tx, sql, entity, row_id, &winners, Mode::Upsert, true)?;
        return Ok(());
    }
    let mut clocks = RowClocks::of(&history);
    let mut fresh: Vec<&Change> = Vec::with_capacity(changes.len());
    let mut winners: Vec<&'static str> = Vec::new();
    for change in changes {
        let already_had = clocks
            .seen
            .get(&change.hlc)
            .is_some_and(|(_, value)| *value == change.value);
        if already_had {
            report.duplicates += 1;
            continue;
        }
        report.inserted += 1;
        let before = clocks.winners.get(change.field).cloned();
        if let Some((stamp, value)) = before {
            // Two values of one field, neither written with knowledge of the other (or the
            // same stamp twice, from a copied database): keep the loser for the officer to
            // review instead of overwriting it silently.
            let incoming_wins = change.hlc > stamp
                || (change.hlc == stamp
                    && changelog::value_order(&change.value) > changelog::value_order(&value));
            let (kept, lost) = if incoming_wins {
                ((change.hlc, &change.value, change.prev), (stamp, &value))
            } else {
                let prev = clocks.seen.get(&stamp).and_then(|(p, _)| *p);
                ((stamp, &value, prev), (change.hlc, &change.value))
            };
            let descends = kept.0 != lost.0
                && (kept.2 == Some(lost.0)
                    || kept.2.is_some_and(|p| clocks.descends_from(p, lost.0)));
            if kept.1 != lost.1 && !descends {
                crate::sync::review::record_conflict(tx, change, (kept.0, kept.1), lost)?;
                report.conflicts += 1;
            }
        }
        if clocks.add(change) && !winners.contains(&change.field) {
            winners.push(change.field);
        }
        fresh.push(change);
    }
    log_received(tx, entity, row_id, &fresh)?;
    if winners.is_empty() {
        return Ok(());
    }
    report.won += winners.len();
    let pairs: Vec<(&str, &Value)> = winners
        .iter()
        .filter_map(|f| clocks.winners.get(f).map(|(_, v)| (*f, v)))
        .collect();
    materialise(tx, sql, entity, row_id, &pairs, Mode::Upsert, new_row)?;
    Ok(())
}

/// The rows among `rows` that have a history in the change log, looked up in batches.
pub(crate) fn rows_with_history(
    tx: &Connection,
    rows: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>> {
    const BATCH: usize = 500;
    let mut found = std::collections::HashSet::new();
    for chunk in rows.chunks(BATCH) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = tx.prepare_cached(&format!(
            "SELECT DISTINCT row_id FROM change_log WHERE row_id IN ({marks})"
        ))?;
        let ids: Vec<&[u8]> = chunk.iter().map(|id| id.as_bytes().as_slice()).collect();
        let mut query = stmt.query(rusqlite::params_from_iter(ids))?;
        while let Some(row) = query.next()? {
            found.insert(changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?);
        }
    }
    Ok(found)
}

/// For the changes of a row this device never had: when their stamps strictly increase and
/// each change of a field replaced the one before it (as one device's own edits do), nothing
/// can be a duplicate or a conflict, and each field's last value wins. Returns those winners
/// in order of first appearance, or `None` when the general merge must decide.
fn straight_line<'c>(changes: &[&'c Change]) -> Option<Vec<(&'static str, &'c Value)>> {
    let mut winners: Vec<(&'static str, &'c Value, Hlc)> = Vec::new();
    let mut last: Option<Hlc> = None;
    for change in changes {
        if last.is_some_and(|l| change.hlc <= l) {
            return None;
        }
        last = Some(change.hlc);
        match winners.iter_mut().find(|(f, _, _)| *f == change.field) {
            Some(slot) => {
                if change.prev != Some(slot.2) {
                    return None;
                }
                slot.1 = &change.value;
                slot.2 = change.hlc;
            }
            None => winners.push((change.field, &change.value, change.hlc)),
        }
    }
    Some(winners.into_iter().map(|(f, v, _)| (f, v)).collect())
}

/// Logs received changes, rebuilding the original writes: consecutive stamps of one device
/// share a log row.
fn log_received(
    tx: &Connection,
    entity: &'static EntitySpec,
    row_id: Uuid,
    fresh: &[&Change],
) -> Result<()> {
    let mut start = 0;
    while start < fresh.len() {
        let mut end = start + 1;
        while end < fresh.len() && {
            let (a, b) = (fresh[end - 1].hlc, fresh[end].hlc);
            b.device == a.device && b.wall_ms == a.wall_ms && b.counter == a.counter + 1
        } {
            end += 1;
        }
        let logged: Vec<(&str, &Value, Option<Hlc>)> = fresh[start..end]
            .iter()
            .map(|c| (c.field, &c.value, c.prev))
            .collect();
        changelog::append_received(tx, fresh[start].hlc, entity, row_id, &logged)?;
        start = end;
    }
    Ok(())
}
