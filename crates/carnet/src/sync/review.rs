//! "À vérifier": what sync could not decide alone, and the officer's decisions.
//!
//! Why: silent overwrites are the most common complaint about sync tools, and a device whose
//! clock runs days ahead would otherwise win every later edit. Two kinds of cards:
//! - a **conflict**: two values of one field written without seeing each other; the winner is
//!   current everywhere, the loser is kept here until the officer keeps one or the other
//!   (recorded by `record_conflict`, which the merge of received changes calls, into
//!   `sync_conflict`; listed by [`conflicts`], decided by [`resolve`]);
//! - a **held segment**: changes stamped more than 24 h ahead of this device's clock, with the
//!   authenticated name of the device that sent them, waiting until the officer accepts them
//!   (applied as any segment) or rejects them (never applied here; the officer is asked to fix
//!   that device's date). The clock catching up does not decide for her.
//!
//! Every card names its record as the officer knows it (the person's name, the encounter's date
//! and person), and for each value the device and the time it was written.

use rusqlite::OptionalExtension;
use rusqlite::params;
use rusqlite::types::Value;
use serde::Serialize;
use serde_json::Value as Json;
use sha2::Digest;
use uuid::Uuid;

use super::SyncFolder;
use crate::changelog;
use crate::clock::Hlc;
use crate::error::{Error, Result};
use crate::schema::{self, EntitySpec};
use crate::store::{ApplyReport, Store};

/// A concurrent edit to review.
#[derive(Debug, Clone, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub entity: &'static str,
    /// The entity's French name ("personne", "rencontre").
    pub entity_label: &'static str,
    pub row_id: Uuid,
    /// The record as the officer knows it: "Nour Hamidi", "Rencontre du 12/03/2026 — Nour Hamidi".
    pub record: String,
    pub field: &'static str,
    /// The field's French label.
    pub field_label: &'static str,
    pub kept_value: Json,
    pub lost_value: Json,
    pub kept_device: Uuid,
    pub lost_device: Uuid,
    /// Who wrote each value ("cet appareil", "« Portable Sarah »").
    pub kept_by: String,
    pub lost_by: String,
    /// When each value was written (milliseconds since the epoch, from its clock stamp).
    pub kept_at_ms: i64,
    pub lost_at_ms: i64,
    /// Clock stamps of the two values (text form of [`Hlc`]).
    pub kept_stamp: String,
    pub lost_stamp: String,
}

/// Unresolved conflicts, oldest first.
pub fn conflicts(store: &Store) -> Result<Vec<Conflict>> {
    let mut stmt = store.conn().prepare(
        "SELECT id, entity, row_id, field, kept_value, lost_value, lost_stamp, kept_stamp
           FROM sync_conflict WHERE resolved = 0 ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let entity = schema::entity(&row.get::<_, String>(1)?).ok_or(Error::NotACarnetDatabase)?;
        let field =
            schema::field_of(entity, &row.get::<_, String>(3)?).ok_or(Error::NotACarnetDatabase)?;
        let row_id = changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(2)?)?;
        let lost_stamp: String = row.get(6)?;
        let kept_stamp: String = row.get(7)?;
        let lost = lost_stamp.parse::<Hlc>().unwrap_or(Hlc::zero(Uuid::nil()));
        let kept = kept_stamp.parse::<Hlc>().unwrap_or(Hlc::zero(Uuid::nil()));
        out.push(Conflict {
            id: row.get(0)?,
            entity: entity.name,
            entity_label: entity.label,
            row_id,
            record: record_label(store, entity, row_id)?,
            field: field.name,
            field_label: schema::field_label(field.name),
            kept_value: changelog::value_to_json(&row.get(4)?),
            lost_value: changelog::value_to_json(&row.get(5)?),
            kept_device: kept.device,
            lost_device: lost.device,
            kept_by: writer(store, kept.device)?,
            lost_by: writer(store, lost.device)?,
            kept_at_ms: kept.wall_ms,
            lost_at_ms: lost.wall_ms,
            kept_stamp,
            lost_stamp,
        });
    }
    Ok(out)
}

/// "cet appareil", or the device's authenticated name.
fn writer(store: &Store, device: Uuid) -> Result<String> {
    if super::export::own_ids(store)?.contains(&device) {
        return Ok("cet appareil".into());
    }
    Ok(super::device_label(
        super::device_name_of(store, device)?.as_deref(),
        device,
    ))
}

/// The record as the officer knows it, from its current (or last) values.
pub(crate) fn record_label(store: &Store, entity: &'static EntitySpec, id: Uuid) -> Result<String> {
    let text = |spec: &EntitySpec, id: &str, field: &str| -> Result<Option<String>> {
        if spec.field(field).is_none() {
            return Ok(None);
        }
        Ok(store
            .conn()
            .query_row(
                &format!("SELECT {field} FROM {} WHERE id = ?1", spec.name),
                [id],
                |r| r.get::<_, Value>(0),
            )
            .optional()?
            .and_then(|v| match v {
                Value::Text(t) => Some(t),
                _ => None,
            }))
    };
    let person_name = |person: &str| -> Result<Option<String>> {
        let first = text(&schema::PERSON, person, "first_name")?;
        let last = text(&schema::PERSON, person, "last_name")?;
        Ok(match (first, last) {
            (None, None) => None,
            (f, l) => Some([f, l].into_iter().flatten().collect::<Vec<_>>().join(" ")),
        })
    };
    let id_text = id.to_string();
    let mut label = crate::french::capitalise(entity.label);
    if entity.name == schema::PERSON.name {
        if let Some(name) = person_name(&id_text)? {
            label = name;
        }
        return Ok(label);
    }
    for field in ["name", "title"] {
        if let Some(name) = text(entity, &id_text, field)? {
            label.push_str(&format!(" « {name} »"));
        }
    }
    if let Some(date) = text(entity, &id_text, "date")?
        && let Ok(day) = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
    {
        label.push_str(&format!(" du {}", day.format("%d/%m/%Y")));
    }
    if let Some(person) = text(entity, &id_text, "person_id")?
        && let Some(name) = person_name(&person)?
    {
        label.push_str(&format!(" — {name}"));
    }
    Ok(label)
}

/// Settles a conflict: keep the current value (`keep_lost = false`) or bring the value that
/// lost back (a new local write, which every device will then receive).
pub fn resolve(store: &mut Store, conflict: i64, keep_lost: bool) -> Result<()> {
    let found: Option<(String, Vec<u8>, String, rusqlite::types::Value)> = store
        .conn()
        .query_row(
            "SELECT entity, row_id, field, lost_value FROM sync_conflict WHERE id = ?1 AND resolved = 0",
            [conflict],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .ok();
    let Some((entity, row_id, field, lost)) = found else {
        return Err(Error::UnknownId {
            entity: "conflit",
            id: conflict.to_string(),
        });
    };
    let spec = schema::entity(&entity).ok_or(Error::NotACarnetDatabase)?;
    let field = schema::field_of(spec, &field).ok_or(Error::NotACarnetDatabase)?;
    let row_id = changelog::uuid_from_blob(&row_id)?;
    store.write(|w| {
        if keep_lost {
            w.set_value(spec, row_id, field, lost.clone())?;
        }
        w.conn().execute(
            "UPDATE sync_conflict SET resolved = 1 WHERE id = ?1",
            [conflict],
        )?;
        Ok(())
    })
}

/// A segment waiting for the officer's decision.
#[derive(Debug, Clone, Serialize)]
pub struct HeldSegment {
    pub device: Uuid,
    /// The name the device gave itself inside the segment (authenticated).
    pub device_name: Option<String>,
    pub seq: u64,
    pub changes: u64,
    /// The furthest clock stamp in it (milliseconds since the epoch).
    pub ahead_until_ms: i64,
}

/// Segments held aside, oldest first.
pub fn held(store: &Store) -> Result<Vec<HeldSegment>> {
    let mut stmt = store.conn().prepare(
        "SELECT device, device_name, seq, changes, ahead_until FROM sync_held ORDER BY device, seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(HeldSegment {
            device: changelog::uuid_from_blob(&row.get::<_, Vec<u8>>(0)?)?,
            device_name: row.get(1)?,
            seq: row.get::<_, i64>(2)? as u64,
            changes: row.get::<_, i64>(3)? as u64,
            ahead_until_ms: row.get(4)?,
        });
    }
    Ok(out)
}

fn held_bytes(store: &Store, device: Uuid, seq: u64) -> Result<Vec<u8>> {
    store
        .conn()
        .query_row(
            "SELECT bytes FROM sync_held WHERE device = ?1 AND seq = ?2",
            params![device.as_bytes().as_slice(), seq as i64],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::UnknownId {
            entity: "segment mis de côté",
            id: format!("{device}/{seq}"),
        })
}

/// Applies a held segment: the officer checked that device's date and accepts its changes.
pub fn accept_held(
    store: &mut Store,
    folder: &SyncFolder,
    device: Uuid,
    seq: u64,
) -> Result<ApplyReport> {
    let bytes = held_bytes(store, device, seq)?;
    let refused = |reason: String| Error::SyncFolder {
        path: format!("devices/{device}/{seq:012}.seg"),
        reason,
    };
    let mut contents = super::import::open_and_check(folder, &bytes, device, seq)
        .map_err(|r| refused(r.to_string()))?;
    let folder_keys = super::person_keys::load(folder, &mut Vec::new());
    let found = match super::person_blocks::open_all(
        store,
        folder,
        &folder_keys,
        (device, seq),
        &mut contents,
    )? {
        Ok(found) => found,
        Err(super::person_blocks::Unopened::KeyMissing) => {
            return Err(refused(
                "la clé d'une personne n'est pas (encore) dans le dossier partagé : synchronisez, puis réessayez".into(),
            ));
        }
        Err(super::person_blocks::Unopened::Refused(reason)) => {
            return Err(refused(reason.to_string()));
        }
    };
    let name = contents.name.clone();
    let digest = sha2::Sha256::digest(&bytes).to_vec();
    let report = super::import::apply(
        store,
        (device, seq),
        (&bytes, &digest),
        &contents,
        &found,
        name.as_deref(),
    )?;
    store.conn().execute(
        "DELETE FROM sync_held WHERE device = ?1 AND seq = ?2",
        params![device.as_bytes().as_slice(), seq as i64],
    )?;
    Ok(report)
}

/// Refuses a held segment: its changes are never applied on this device (its bytes are kept,
/// so this device can still put the file back in the folder for the others).
pub fn reject_held(store: &mut Store, device: Uuid, seq: u64) -> Result<()> {
    held_bytes(store, device, seq)?;
    let tx = store.conn().unchecked_transaction()?;
    tx.execute(
        "INSERT INTO sync_segment (device, seq, direction, digest, bytes, rejected)
         SELECT device, seq, 'in', digest, bytes, 1 FROM sync_held WHERE device = ?1 AND seq = ?2",
        params![device.as_bytes().as_slice(), seq as i64],
    )?;
    tx.execute(
        "DELETE FROM sync_held WHERE device = ?1 AND seq = ?2",
        params![device.as_bytes().as_slice(), seq as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// Keeps the losing value of a field written on two devices without either seeing the other
/// (`kept` won by its stamp), for the officer to review; once per pair of values.
pub(crate) fn record_conflict(
    tx: &rusqlite::Connection,
    change: &crate::changelog::Change,
    kept: (Hlc, &Value),
    lost: (Hlc, &Value),
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO sync_conflict (entity, row_id, field, kept_stamp, kept_value, lost_stamp, lost_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
    )?
    .execute(params![
        change.entity.name,
        change.row_id.as_bytes().as_slice(),
        change.field,
        kept.0.to_string(),
        kept.1,
        lost.0.to_string(),
        lost.1
    ])?;
    Ok(())
}
