//! Counts of what the notebook holds, for `carnet stats` and the settings screen.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::Result;
use crate::schema::{ENCOUNTER_KIND, ENTITIES};
use crate::store::Store;

/// Live rows per entity, encounters per kind, and the size of the change log.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub entities: BTreeMap<&'static str, i64>,
    pub encounters_by_kind: BTreeMap<&'static str, i64>,
    /// People reached by encounters: named persons plus anonymous head counts.
    pub people_reached: i64,
    pub changes: i64,
}

/// Counts everything.
pub fn stats(store: &Store) -> Result<Stats> {
    let conn = store.conn();
    let mut entities = BTreeMap::new();
    for spec in ENTITIES {
        let n: i64 = conn.query_row(
            &format!("SELECT count(*) FROM {} WHERE deleted = 0", spec.name),
            [],
            |r| r.get(0),
        )?;
        entities.insert(spec.name, n);
    }
    let mut encounters_by_kind: BTreeMap<&'static str, i64> =
        ENCOUNTER_KIND.iter().map(|(code, _)| (*code, 0)).collect();
    let mut stmt =
        conn.prepare("SELECT kind, count(*) FROM encounter WHERE deleted = 0 GROUP BY kind")?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let kind: String = row.get(0)?;
        if let Some((code, _)) = ENCOUNTER_KIND.iter().find(|(c, _)| *c == kind) {
            encounters_by_kind.insert(code, row.get(1)?);
        }
    }
    let people_reached: i64 = conn.query_row(
        "SELECT coalesce(sum(coalesce(head_count, 1)), 0) FROM encounter WHERE deleted = 0",
        [],
        |r| r.get(0),
    )?;
    Ok(Stats {
        entities,
        encounters_by_kind,
        people_reached,
        changes: store.change_count()?,
    })
}
