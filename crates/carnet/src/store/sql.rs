//! The SQL between the catalogue of entities and the tables: statements built once per
//! entity and set of columns ([`SqlCache`]), rows materialised from field values, rows read
//! back into records.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{self, Entry, Record};
use crate::schema::{self, EntitySpec, FieldSpec};
use crate::search_key;

use super::refresh_person_keys;

/// How a write reaches its materialised row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Mode {
    /// A new row: refuses an id already taken.
    Insert,
    /// A change to an existing row.
    Update,
    /// Received changes: the row may or may not exist yet.
    Upsert,
    /// Not a write: "does this id exist, and is it deleted?".
    Exists,
}

/// SQL text per entity, set of fields and mode, built once per store instead of per write.
#[derive(Debug, Default)]
pub(crate) struct SqlCache(HashMap<(&'static str, u64, Mode), String>);

impl SqlCache {
    /// The statement for `mode` on `spec` with the fields in `mask` (bit k: catalogue field
    /// k; bit 63: the tombstone; bit 62: the derived search key).
    fn get(&mut self, spec: &'static EntitySpec, mask: u64, mode: Mode) -> &str {
        self.0.entry((spec.name, mask, mode)).or_insert_with(|| {
            let columns = mask_columns(spec, mask);
            let table = spec.name;
            match mode {
                Mode::Exists => format!("SELECT deleted FROM {table} WHERE id = ?1"),
                Mode::Update => {
                    let sets: Vec<String> = columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| format!("{c} = ?{}", i + 2))
                        .collect();
                    format!("UPDATE {table} SET {} WHERE id = ?1", sets.join(", "))
                }
                Mode::Insert | Mode::Upsert => {
                    let marks: Vec<String> =
                        (2..columns.len() + 2).map(|i| format!("?{i}")).collect();
                    let mut sql = format!(
                        "INSERT INTO {table} (id, {}) VALUES (?1, {})",
                        columns.join(", "),
                        marks.join(", ")
                    );
                    if mode == Mode::Insert {
                        sql.push_str(" ON CONFLICT (id) DO NOTHING");
                    } else {
                        let sets: Vec<String> = columns
                            .iter()
                            .map(|c| format!("{c} = excluded.{c}"))
                            .collect();
                        sql.push_str(&format!(
                            " ON CONFLICT (id) DO UPDATE SET {}",
                            sets.join(", ")
                        ));
                    }
                    sql
                }
            }
        })
    }
}

pub(super) const TOMBSTONE_BIT: u64 = 1 << 63;
pub(super) const SEARCH_KEY_BIT: u64 = 1 << 62;
pub(super) const MATCH_KEY_BIT: u64 = 1 << 61;

pub(super) fn mask_columns(spec: &EntitySpec, mask: u64) -> Vec<&'static str> {
    let mut columns: Vec<&'static str> = spec
        .fields
        .iter()
        .enumerate()
        .filter(|(k, _)| mask & (1 << k) != 0)
        .map(|(_, f)| f.name)
        .collect();
    if mask & TOMBSTONE_BIT != 0 {
        columns.push(schema::DELETED.name);
    }
    if mask & SEARCH_KEY_BIT != 0 {
        columns.push("search_key");
    }
    if mask & MATCH_KEY_BIT != 0 {
        columns.push("match_key");
    }
    columns
}

pub(super) fn field_bit(spec: &EntitySpec, field: &str) -> u64 {
    if field == schema::DELETED.name {
        return TOMBSTONE_BIT;
    }
    spec.fields
        .iter()
        .position(|f| f.name == field)
        .map_or(0, |k| 1 << k)
}

/// Writes field values into the materialised row and keeps a person's derived search key up
/// to date. Returns the number of rows written (0: no such row, or id already taken).
pub(crate) fn materialise(
    tx: &Connection,
    sql: &mut SqlCache,
    spec: &'static EntitySpec,
    id: Uuid,
    fields: &[(&str, &Value)],
    mode: Mode,
    new_row: bool,
) -> Result<usize> {
    // Fields in catalogue order, so that one SQL text serves every write of the same shape.
    let mut ordered: Vec<(u64, &Value)> = fields
        .iter()
        .map(|(f, v)| (field_bit(spec, f), *v))
        .collect();
    ordered.sort_by_key(|(bit, _)| bit.trailing_zeros());
    let mut mask: u64 = ordered.iter().fold(0, |m, (bit, _)| m | bit);

    let is_person = spec.name == schema::PERSON.name;
    let name_changed = is_person
        && fields
            .iter()
            .any(|(f, _)| search_key::SOURCE_FIELDS.contains(f));
    let value_of = |name: &str| {
        fields
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, v)| match v {
                Value::Text(t) => Some(t.as_str()),
                _ => None,
            })
    };
    // A new row carries all its source fields: compute the key without reading back.
    let key = (name_changed && (mode == Mode::Insert || new_row)).then(|| {
        search_key::of_person(
            value_of("first_name").flatten(),
            value_of("last_name").flatten(),
            value_of("email").flatten(),
        )
    });
    let match_value = key.as_ref().map(|_| {
        Value::Text(crate::person_match::match_key(
            value_of("first_name").flatten().unwrap_or(""),
            value_of("last_name").flatten().unwrap_or(""),
        ))
    });
    let key_value = key.map(Value::Text);
    if let (Some(key), Some(matching)) = (&key_value, &match_value) {
        mask |= SEARCH_KEY_BIT | MATCH_KEY_BIT;
        ordered.push((SEARCH_KEY_BIT, key));
        ordered.push((MATCH_KEY_BIT, matching));
    }

    let id_text = id.to_string();
    let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(ordered.len() + 1);
    params.push(&id_text);
    for (_, value) in &ordered {
        params.push(*value);
    }
    let written = tx
        .prepare_cached(sql.get(spec, mask, mode))?
        .execute(params.as_slice())?;

    if name_changed && key_value.is_none() && written > 0 {
        refresh_person_keys(tx, &id_text)?;
    }
    Ok(written)
}

/// `None` if the row does not exist, `Some(deleted)` otherwise.
pub(super) fn row_state(
    conn: &Connection,
    sql: &mut SqlCache,
    spec: &'static EntitySpec,
    id: &str,
) -> Result<Option<bool>> {
    Ok(conn
        .prepare_cached(sql.get(spec, 0, Mode::Exists))?
        .query_row([id], |r| r.get::<_, i64>(0))
        .optional()?
        .map(|d| d != 0))
}

/// The stored values of a live row, in catalogue order.
pub(crate) fn read_values(
    conn: &Connection,
    spec: &EntitySpec,
    id: Uuid,
) -> Result<Option<Vec<Value>>> {
    let sql = format!(
        "SELECT {} FROM {} WHERE id = ?1 AND deleted = 0{}",
        column_list(spec),
        spec.name,
        complete_clause(spec)
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], |r| {
            (0..spec.fields.len())
                .map(|i| r.get::<_, Value>(i))
                .collect::<rusqlite::Result<Vec<Value>>>()
        })
        .optional()?)
}

pub(super) fn read_row<T: Record>(conn: &Connection, id: Uuid) -> Result<Option<T>> {
    match read_values(conn, T::SPEC, id)? {
        Some(values) => Ok(Some(record::from_row(&values)?)),
        None => Ok(None),
    }
}

/// Builds an entry from a row whose first column is the id and the rest the catalogue fields.
pub(crate) fn entry_from_row<T: Record>(row: &rusqlite::Row<'_>) -> Result<Entry<T>> {
    let id: String = row.get(0)?;
    let id = crate::validate::id(&id)?;
    let values = (0..T::SPEC.fields.len())
        .map(|i| row.get_ref(i + 1))
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Entry {
        id,
        data: record::from_stored(values.into_iter())?,
    })
}

/// ` AND r1 IS NOT NULL AND …` for an entity's required fields. A row whose creation has not
/// arrived yet (sync delivers an edit before it, or the segment that created it is missing
/// from the folder) is invisible to reads until it does, instead of failing them.
pub(crate) fn complete_clause(spec: &EntitySpec) -> String {
    spec.fields
        .iter()
        .filter(|f| f.required)
        .map(|f| format!(" AND {} IS NOT NULL", f.name))
        .collect()
}

/// `f1, f2, …` for an entity's catalogue fields.
pub(crate) fn column_list(spec: &EntitySpec) -> String {
    spec.fields
        .iter()
        .map(|f| f.name)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn field_spec(spec: &'static EntitySpec, name: &str) -> Result<&'static FieldSpec> {
    schema::field_of(spec, name).ok_or(Error::Internal {
        message: "Champ inconnu.",
    })
}

pub(super) fn unknown(spec: &EntitySpec, id: Uuid) -> Error {
    Error::UnknownId {
        entity: spec.label,
        id: id.to_string(),
    }
}
