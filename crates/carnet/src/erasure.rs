//! Erasing a person: every trace goes from this notebook, and the order reaches every other.
//!
//! Why more than a deletion: a deleted row keeps its values in the change log, which sync
//! ships and every device keeps. Erasing (GDPR art. 17, "effacez mes données") removes the
//! person's row and its whole history from the log, with every row that is about them only
//! (referrals and their steps, outcomes, letters, meeting attendances, retention extensions)
//! and the conflicts kept for review; encounters with them stay as anonymous contacts (date,
//! kind, quartier, permanence, head count), without person, note or follow-up, and the
//! personal fields of their history are blanked.
//!
//! The order travels as an `erasure` row whose id is the person's id (ids only, never personal
//! data), written through the one write path and never deleted. Every device that receives it
//! purges the same way, in the same transaction; `erased_row` remembers what went, so a change
//! that arrives later about a gone row (an old segment, a colleague's offline edit) is dropped,
//! and a new row about the person (a referral made offline) is purged as soon as it arrives.
//! Sync reads the folder before writing to it, so a device's own unsent edits to an erased
//! person are purged before they can be exported; the report counts them for the officer.
//!
//! What is guaranteed: the purge is idempotent and does not depend on the order in which the
//! order and the person's changes arrive; afterwards no table of the notebook (rows, change
//! log, conflicts) holds the person's values.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, Change};
use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::{self, EntitySpec};
use crate::store::Store;

/// The fields of an encounter that say who it was with and what was said: blanked when the
/// person is erased.
const ENCOUNTER_PERSONAL: &[&str] = &["person_id", "note", "follow_up", "follow_up_done"];

/// An erasure order (its id is the erased person's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureOrder {
    pub kind: String,
    pub date: NaiveDate,
}

impl Record for ErasureOrder {
    const SPEC: &'static EntitySpec = &schema::ERASURE;

    fn check(&self, today: NaiveDate) -> Result<()> {
        if self.date > today {
            return Err(Error::DateTooFarAhead {
                field: "date",
                value: crate::french::short_date(self.date),
            });
        }
        Ok(())
    }
}

/// What erasing removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Rows removed (the person and the rows about them).
    pub rows: usize,
    /// Encounters kept as anonymous contacts.
    pub encounters_detached: usize,
    /// Changes this device had made and not yet sent that went with them.
    pub own_edits_dropped: usize,
}

impl std::ops::AddAssign for Purged {
    fn add_assign(&mut self, other: Purged) {
        self.rows += other.rows;
        self.encounters_detached += other.encounters_detached;
        self.own_edits_dropped += other.own_edits_dropped;
    }
}

/// What an erasure will remove, to name it in the confirmation.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub encounters: usize,
    pub referrals: usize,
    pub outcomes: usize,
    pub letters: usize,
    pub attendances: usize,
}

/// What erasing `person` will remove (the person page's confirmation).
pub fn preview(store: &Store, person: Uuid) -> Result<Preview> {
    require_live(store.conn(), person)?;
    let id = person.to_string();
    let count = |sql: &str| -> Result<usize> {
        Ok(store.conn().query_row(sql, [&id], |r| r.get::<_, i64>(0))? as usize)
    };
    Ok(Preview {
        encounters: count("SELECT count(*) FROM encounter WHERE person_id = ?1 AND deleted = 0")?,
        referrals: count("SELECT count(*) FROM referral WHERE person_id = ?1 AND deleted = 0")?,
        outcomes: count("SELECT count(*) FROM outcome WHERE person_id = ?1 AND deleted = 0")?,
        letters: count("SELECT count(*) FROM letter WHERE person_id = ?1 AND deleted = 0")?,
        attendances: count("SELECT count(*) FROM attendance WHERE person_id = ?1 AND deleted = 0")?,
    })
}

/// Erases `person` here, and writes the order that erases them on every other device.
/// Cannot be undone.
pub fn erase(store: &mut Store, person: Uuid) -> Result<Purged> {
    require_live(store.conn(), person)?;
    store.write(|w| {
        let today = w.today();
        w.create_with_id(
            person,
            &ErasureOrder {
                kind: "erase".into(),
                date: today,
            },
        )?;
        purge(w.conn(), person)
    })
}

/// The persons erased in this notebook or by an order it received.
pub fn erased_ids(store: &Store) -> Result<HashSet<Uuid>> {
    erased_persons(store.conn())
}

/// The persons erased in this notebook (their orders), for the sync's checks.
pub(crate) fn erased_persons(conn: &Connection) -> Result<HashSet<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM erasure")?;
    let ids = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = HashSet::new();
    for id in ids {
        out.insert(crate::validate::id(&id?)?);
    }
    Ok(out)
}

fn require_live(conn: &Connection, person: Uuid) -> Result<()> {
    let live: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM person WHERE id = ?1 AND deleted = 0",
            [person.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    live.map(|_| ()).ok_or_else(|| Error::UnknownId {
        entity: schema::PERSON.label,
        id: person.to_string(),
    })
}

/// Rows already removed or detached for erased persons, with their entity: what received
/// changes must not bring back. `true` for a detached encounter (only its personal fields are
/// refused).
pub(crate) fn erased_rows(conn: &Connection) -> Result<HashMap<Uuid, (String, bool)>> {
    let mut stmt = conn.prepare_cached("SELECT row_id, entity, detached FROM erased_row")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, entity, detached) = row?;
        out.insert(changelog::uuid_from_blob(&id)?, (entity, detached != 0));
    }
    Ok(out)
}

/// Whether a received change must be dropped because of an erasure (the order itself, which
/// shares the person's id, never is).
pub(crate) fn refuses(erased: &HashMap<Uuid, (String, bool)>, change: &Change) -> bool {
    match erased.get(&change.row_id) {
        Some((entity, detached)) if entity == change.entity.name => {
            !detached || ENCOUNTER_PERSONAL.contains(&change.field)
        }
        _ => false,
    }
}

/// The erased persons that received `changes` concern: new orders, and new or changed rows
/// that point to an erased person or to a row removed for one. Each is purged again after
/// the changes are applied (the purge is idempotent).
pub(crate) fn persons_to_purge(conn: &Connection, changes: &[Change]) -> Result<Vec<Uuid>> {
    let mut out: Vec<Uuid> = Vec::new();
    let mut erased: Option<HashSet<Uuid>> = None;
    for change in changes {
        let person = if change.entity == &schema::ERASURE {
            Some(change.row_id)
        } else if matches!(change.field, "person_id" | "referral_id") {
            let Value::Text(text) = &change.value else {
                continue;
            };
            let Ok(target) = Uuid::parse_str(text) else {
                continue;
            };
            if change.field == "person_id" {
                let erased = match &erased {
                    Some(set) => set,
                    None => erased.insert(erased_persons(conn)?),
                };
                erased.contains(&target).then_some(target)
            } else {
                conn.query_row(
                    "SELECT person FROM erased_row WHERE row_id = ?1",
                    [target.as_bytes().as_slice()],
                    |r| r.get::<_, Vec<u8>>(0),
                )
                .optional()?
                .map(|b| changelog::uuid_from_blob(&b))
                .transpose()?
            }
        } else {
            None
        };
        if let Some(person) = person
            && !out.contains(&person)
        {
            out.push(person);
        }
    }
    Ok(out)
}

/// Removes `person` and every row about them, with their history, from this notebook, and
/// makes their encounters anonymous. Runs inside the caller's transaction.
pub(crate) fn purge(conn: &Connection, person: Uuid) -> Result<Purged> {
    let mut purged = Purged::default();
    let p = person.to_string();
    // The log position this device last exported: own changes after it were never sent.
    let sent: i64 = conn.query_row(
        "SELECT coalesce(max(through), 0) FROM sync_segment WHERE direction = 'out'",
        [],
        |r| r.get(0),
    )?;
    let mut gone: Vec<(&'static EntitySpec, Uuid)> = vec![(&schema::PERSON, person)];
    let ids = |sql: &str, param: &str| -> Result<Vec<Uuid>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([param], |r| r.get::<_, String>(0))?;
        rows.map(|id| crate::validate::id(&id?)).collect()
    };
    // Referrals, with those removed earlier (a step or letter about them may arrive late).
    let mut referrals = ids("SELECT id FROM referral WHERE person_id = ?1", &p)?;
    for id in gone_of(conn, person, "referral")? {
        if !referrals.contains(&id) {
            referrals.push(id);
        }
    }
    for referral in &referrals {
        let r = referral.to_string();
        for id in ids("SELECT id FROM referral_event WHERE referral_id = ?1", &r)? {
            gone.push((&schema::REFERRAL_EVENT, id));
        }
        for id in ids("SELECT id FROM letter WHERE referral_id = ?1", &r)? {
            gone.push((&schema::LETTER, id));
        }
        gone.push((&schema::REFERRAL, *referral));
    }
    for (spec, sql) in [
        (
            &schema::OUTCOME,
            "SELECT id FROM outcome WHERE person_id = ?1",
        ),
        (
            &schema::LETTER,
            "SELECT id FROM letter WHERE person_id = ?1",
        ),
        (
            &schema::ATTENDANCE,
            "SELECT id FROM attendance WHERE person_id = ?1",
        ),
        (
            &schema::RETENTION_EXTENSION,
            "SELECT id FROM retention_extension WHERE person_id = ?1",
        ),
    ] {
        for id in ids(sql, &p)? {
            if !gone.iter().any(|(_, g)| *g == id) {
                gone.push((spec, id));
            }
        }
    }
    for (spec, id) in gone {
        let blob = id.as_bytes().as_slice();
        // By entity too: the erasure order shares the person's id, and must stay.
        purged.own_edits_dropped += conn.query_row(
            "SELECT count(*) FROM change_log
              WHERE row_id = ?1 AND entity = ?2 AND received = 0 AND seq > ?3",
            params![blob, spec.name, sent],
            |r| r.get::<_, i64>(0),
        )? as usize;
        purged.rows += conn.execute(
            &format!("DELETE FROM {} WHERE id = ?1", spec.name),
            [id.to_string()],
        )?;
        conn.execute(
            "DELETE FROM change_log WHERE row_id = ?1 AND entity = ?2",
            params![blob, spec.name],
        )?;
        conn.execute(
            "DELETE FROM sync_conflict WHERE row_id = ?1 AND entity = ?2",
            params![blob, spec.name],
        )?;
        conn.execute(
            "INSERT OR IGNORE INTO erased_row (row_id, entity, detached, person)
             VALUES (?1, ?2, 0, ?3)",
            params![blob, spec.name, person.as_bytes().as_slice()],
        )?;
    }
    for encounter in ids("SELECT id FROM encounter WHERE person_id = ?1", &p)? {
        detach_encounter(conn, person, encounter)?;
        purged.encounters_detached += 1;
    }
    Ok(purged)
}

/// Rows of `entity` removed earlier for `person`.
fn gone_of(conn: &Connection, person: Uuid, entity: &str) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT row_id FROM erased_row WHERE person = ?1 AND entity = ?2 AND detached = 0",
    )?;
    let rows = stmt.query_map(params![person.as_bytes().as_slice(), entity], |r| {
        r.get::<_, Vec<u8>>(0)
    })?;
    rows.map(|b| changelog::uuid_from_blob(&b?)).collect()
}

/// An encounter with an erased person becomes an anonymous contact: no person, no note, no
/// follow-up, in its row and in every change of its history (the stamps stay, so the merge of
/// its other fields is unchanged).
fn detach_encounter(conn: &Connection, person: Uuid, encounter: Uuid) -> Result<()> {
    let blob = encounter.as_bytes().as_slice();
    conn.execute(
        "UPDATE encounter SET person_id = NULL, note = NULL, follow_up = NULL,
                              follow_up_done = NULL
          WHERE id = ?1",
        [encounter.to_string()],
    )?;
    for write in changelog::of_row(conn, encounter)? {
        let blank = Value::Null;
        let fields: Vec<(&str, &Value, Option<crate::clock::Hlc>)> = write
            .fields
            .iter()
            .map(|(name, value, prev)| {
                if ENCOUNTER_PERSONAL.contains(name) {
                    (*name, &blank, *prev)
                } else {
                    (*name, value, *prev)
                }
            })
            .collect();
        conn.execute(
            "UPDATE change_log SET fields = ?1 WHERE seq = ?2",
            params![changelog::encode(&fields), write.seq],
        )?;
    }
    let mut placeholders = String::new();
    for (i, _) in ENCOUNTER_PERSONAL.iter().enumerate() {
        placeholders.push_str(if i == 0 { "?" } else { ", ?" });
        placeholders.push_str(&(i + 2).to_string());
    }
    let mut args: Vec<Value> = vec![Value::Blob(blob.to_vec())];
    args.extend(ENCOUNTER_PERSONAL.iter().map(|f| Value::Text((*f).into())));
    conn.execute(
        &format!("DELETE FROM sync_conflict WHERE row_id = ?1 AND field IN ({placeholders})"),
        rusqlite::params_from_iter(args),
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO erased_row (row_id, entity, detached, person)
         VALUES (?1, 'encounter', 1, ?2)",
        params![blob, person.as_bytes().as_slice()],
    )?;
    Ok(())
}
