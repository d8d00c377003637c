//! The write path of local changes: one [`Writer`] per transaction, which checks each value,
//! stamps each field change with the clock, appends it to the change log and updates the
//! tables, in the same transaction (see the parent module for why one path).

use std::collections::HashSet;

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, Transaction};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::changelog::{self, RowClocks};
use crate::clock::{Hlc, HlcState};
use crate::error::{Error, Result};
use crate::record::{self, Record};
use crate::schema::{self, EntitySpec, FieldKind, FieldSpec};

use super::save_hlc;
use super::sql::{
    Mode, SqlCache, field_spec, materialise, read_row, read_values, row_state, unknown,
};

/// A transaction of local writes. Obtained from [`Store::write`](super::Store::write).
pub struct Writer<'s> {
    /// The change log's last position before this write: what it logs comes after.
    pub(super) first_seq: i64,
    pub(super) tx: Transaction<'s>,
    pub(super) hlc: &'s mut HlcState,
    pub(super) now_ms: i64,
    pub(super) today: NaiveDate,
    pub(super) id_namespace: Option<Uuid>,
    pub(super) id_salt: [u8; 16],
    pub(super) sql: &'s mut SqlCache,
    /// Rows known to be live in this transaction (created or checked): references to them
    /// need no lookup. Deleting a row removes it.
    pub(super) live: HashSet<(&'static str, String)>,
    /// A merge row or a person's tombstone changed: `person_root` is rebuilt before commit.
    pub(super) roots_stale: bool,
    /// Whether each change-log row this write appends carries its journal entry.
    pub(super) journaled: bool,
    /// The journal's state, read at the first entry and saved before commit.
    pub(super) journal: Option<crate::audit::Cursor>,
}

impl Writer<'_> {
    /// Today's date according to the store's clock.
    pub fn today(&self) -> NaiveDate {
        self.today
    }

    /// Creates a record with a fresh UUIDv7 id.
    pub fn create<T: Record>(&mut self, rec: &T) -> Result<Uuid> {
        let id = self.new_id();
        self.create_with_id(id, rec)?;
        Ok(id)
    }

    /// Creates a record with a given id (demo data, imports). Refuses an id already used.
    pub fn create_with_id<T: Record>(&mut self, id: Uuid, rec: &T) -> Result<()> {
        let values = record::to_values(rec, self.today)?;
        self.check_refs(T::SPEC, &values)?;
        let fields: Vec<(&'static FieldSpec, Value)> = T::SPEC
            .fields
            .iter()
            .zip(values)
            .filter(|(_, v)| *v != Value::Null)
            .collect();
        self.put(T::SPEC, id, &fields, Mode::Insert)
    }

    /// Replaces the fields of a live record; logs only the fields whose value changed.
    pub fn update<T: Record>(&mut self, id: Uuid, rec: &T) -> Result<()> {
        self.update_returning_previous(id, rec).map(drop)
    }

    /// [`update`](Self::update), returning each changed field with the value it had before
    /// (what an undo puts back).
    pub fn update_returning_previous<T: Record>(
        &mut self,
        id: Uuid,
        rec: &T,
    ) -> Result<Vec<(&'static FieldSpec, Value)>> {
        let values = record::to_values(rec, self.today)?;
        self.check_refs(T::SPEC, &values)?;
        let current = read_values(&self.tx, T::SPEC, id)?.ok_or_else(|| unknown(T::SPEC, id))?;
        type Pair = (&'static FieldSpec, Value);
        let (changed, previous): (Vec<Pair>, Vec<Pair>) = T::SPEC
            .fields
            .iter()
            .zip(values)
            .zip(current)
            .filter(|((_, new), old)| new != old)
            .map(|((field, new), old)| ((field, new), (field, old)))
            .unzip();
        self.put(T::SPEC, id, &changed, Mode::Update)?;
        Ok(previous)
    }

    /// Sets one field of a live record, with the same checks as a full update.
    pub fn set<T: Record>(&mut self, id: Uuid, field: &str, json: serde_json::Value) -> Result<()> {
        self.set_field(T::SPEC, id, field, json)
    }

    /// Sets one field of a live row of any entity, checked like any write of that field
    /// (an undo names its entity by name).
    pub fn set_field(
        &mut self,
        entity: &'static EntitySpec,
        id: Uuid,
        field: &str,
        json: serde_json::Value,
    ) -> Result<()> {
        let spec = field_spec(entity, field)?;
        let value = record::field_value(spec, &json)?;
        self.check_refs_of(&[(spec, &value)])?;
        if row_state(&self.tx, self.sql, entity, &id.to_string())? != Some(false) {
            return Err(unknown(entity, id));
        }
        self.put(entity, id, &[(spec, value)], Mode::Update)
    }

    /// Whether a row of `entity` exists and is live.
    pub fn is_live(&mut self, entity: &'static EntitySpec, id: Uuid) -> Result<bool> {
        Ok(row_state(&self.tx, self.sql, entity, &id.to_string())? == Some(false))
    }

    /// Writes one already-validated stored value (sync's conflict resolution brings back a
    /// value that was valid when first written).
    pub(crate) fn set_value(
        &mut self,
        spec: &'static EntitySpec,
        id: Uuid,
        field: &'static FieldSpec,
        value: Value,
    ) -> Result<()> {
        if row_state(&self.tx, self.sql, spec, &id.to_string())?.is_none() {
            return Err(unknown(spec, id));
        }
        self.put(spec, id, &[(field, value)], Mode::Update)
    }

    /// Marks a live record deleted (tombstone).
    pub fn delete(&mut self, spec: &'static EntitySpec, id: Uuid) -> Result<()> {
        self.set_deleted(spec, id, true)
    }

    /// Restores a deleted record.
    pub fn restore(&mut self, spec: &'static EntitySpec, id: Uuid) -> Result<()> {
        self.set_deleted(spec, id, false)
    }

    /// Writes the tombstone of a row that is currently in the opposite state.
    pub(super) fn set_deleted(
        &mut self,
        spec: &'static EntitySpec,
        id: Uuid,
        deleted: bool,
    ) -> Result<()> {
        if row_state(&self.tx, self.sql, spec, &id.to_string())? != Some(!deleted) {
            return Err(unknown(spec, id));
        }
        let tombstone = [(&schema::DELETED, Value::Integer(i64::from(deleted)))];
        self.put(spec, id, &tombstone, Mode::Update)
    }

    /// The transaction's connection, for engine-internal reads.
    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    /// Reads a live record inside this transaction.
    pub fn get<T: Record>(&self, id: Uuid) -> Result<T> {
        read_row::<T>(&self.tx, id)?.ok_or_else(|| unknown(T::SPEC, id))
    }

    /// A new UUIDv7: the millisecond time of the store's clock and bits derived from this
    /// device's id (or the id namespace) and a fresh clock stamp, so ids are unique and reproducible for a given
    /// clock and device.
    pub fn new_id(&mut self) -> Uuid {
        let stamp = self.hlc.tick(self.now_ms);
        let mut hash = Sha256::new();
        match self.id_namespace {
            Some(namespace) => hash.update(namespace.as_bytes()),
            None => {
                hash.update(stamp.device.as_bytes());
                hash.update(self.id_salt);
            }
        }
        hash.update(stamp.wall_ms.to_be_bytes());
        hash.update(stamp.counter.to_be_bytes());
        let digest = hash.finalize();
        let mut random = [0u8; 10];
        random.copy_from_slice(&digest[..10]);
        uuid::Builder::from_unix_timestamp_millis(self.now_ms.max(0) as u64, &random).into_uuid()
    }

    pub(super) fn check_refs(&mut self, spec: &'static EntitySpec, values: &[Value]) -> Result<()> {
        let pairs: Vec<(&'static FieldSpec, &Value)> = spec.fields.iter().zip(values).collect();
        self.check_refs_of(&pairs)
    }

    pub(super) fn check_refs_of(&mut self, pairs: &[(&'static FieldSpec, &Value)]) -> Result<()> {
        for (field, value) in pairs {
            if let (FieldKind::Ref(target), Value::Text(id)) = (field.kind, value) {
                let target =
                    schema::entity(target).ok_or(Error::UnknownValue { field: field.name })?;
                let key = (target.name, id.clone());
                if self.live.contains(&key) {
                    continue;
                }
                if row_state(&self.tx, self.sql, target, id)? != Some(false) {
                    return Err(Error::UnknownId {
                        entity: target.label,
                        id: id.clone(),
                    });
                }
                self.live.insert(key);
            }
        }
        Ok(())
    }

    /// The one local write path: stamps the field changes (one clock stamp each), appends
    /// them to the change log and writes the materialised row, all inside this transaction.
    pub(super) fn put(
        &mut self,
        spec: &'static EntitySpec,
        id: Uuid,
        fields: &[(&'static FieldSpec, Value)],
        mode: Mode,
    ) -> Result<()> {
        if fields.is_empty() {
            return Ok(());
        }
        if spec == &schema::PERSON
            && mode == Mode::Update
            && let Some((field, _)) = fields
                .iter()
                .find(|(f, _)| crate::erasure::is_identity_field(f.name))
            && crate::erasure::is_anonymous_person(&self.tx, id)?
        {
            return Err(Error::Inconsistent {
                field: field.name,
                message: "Cette personne a été anonymisée : son identité et ses coordonnées ne se saisissent plus.",
            });
        }
        let tombstone = fields.iter().find(|(f, _)| f.name == schema::DELETED.name);
        if spec == &schema::PERSON_MERGE || (spec == &schema::PERSON && tombstone.is_some()) {
            self.roots_stale = true;
        }
        match tombstone {
            Some((_, Value::Integer(1))) => {
                self.live.remove(&(spec.name, id.to_string()));
            }
            _ if mode == Mode::Insert => {
                self.live.insert((spec.name, id.to_string()));
            }
            _ => {}
        }
        // An update records, per field, the stamp of the value it replaces.
        let clocks = match mode {
            Mode::Update => RowClocks::of(&changelog::of_row(&self.tx, id)?),
            _ => RowClocks::default(),
        };
        let first = self.hlc.tick_range(self.now_ms, fields.len());
        let logged: Vec<(&str, &Value, Option<Hlc>)> = fields
            .iter()
            .map(|(f, v)| {
                (
                    f.name,
                    v,
                    clocks.winners.get(f.name).map(|(stamp, _)| *stamp),
                )
            })
            .collect();
        // The first profile made on this device is its officer's (`officer::own`).
        if spec == &schema::OFFICER && mode == Mode::Insert {
            self.tx
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES ('setting.officer_id', ?1)
                     ON CONFLICT (key) DO NOTHING",
                )?
                .execute([id.to_string()])?;
        }
        // The journal's entry for this write rides on its change-log row.
        let record = id.to_string();
        let journal = match (self.journaled, &mut self.journal) {
            (false, _) => None,
            (true, Some(cursor)) => Some(cursor),
            (true, slot) => Some(slot.insert(crate::audit::Cursor::load(&self.tx)?)),
        };
        let stamp = journal.map(|cursor| {
            // The officer's profile made in this very write signs it from here on.
            if spec == &schema::OFFICER && mode == Mode::Insert {
                cursor.sign_as(&record);
            }
            use crate::audit::Action;
            let action = match (mode, tombstone) {
                (Mode::Insert, _) => Action::Created,
                (_, Some((_, Value::Integer(1)))) => Action::Deleted,
                _ => Action::Changed,
            };
            cursor.next(self.now_ms, action, Some(spec.name), Some(&record))
        });
        changelog::append(&self.tx, first, spec, id, &logged, stamp.as_ref())?;
        let pairs: Vec<(&str, &Value)> = fields.iter().map(|(f, v)| (f.name, v)).collect();
        let written = materialise(
            &self.tx,
            self.sql,
            spec,
            id,
            &pairs,
            mode,
            mode == Mode::Insert,
        )?;
        if written == 0 {
            // An update that matched no row, or an insert of an id already taken.
            return Err(if mode == Mode::Insert {
                Error::IdTaken
            } else {
                unknown(spec, id)
            });
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Result<()> {
        // A local write about an erased or anonymised person (a note on her encounter, a new
        // referral) is purged as a received one would be, so that this notebook holds what
        // every other will.
        crate::erasure::purge_after_local_write(&self.tx, self.first_seq)?;
        if self.roots_stale {
            crate::person_merge::refresh(&self.tx)?;
        }
        if let Some(journal) = &self.journal {
            journal.save(&self.tx)?;
        }
        save_hlc(&self.tx, self.hlc)?;
        self.tx.commit()?;
        Ok(())
    }
}
