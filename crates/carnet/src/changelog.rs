//! The change log: every field change ever made or received, as sync will ship it.
//!
//! Logically the log is a set of field changes `(hlc, device, entity, id, field, value)`.
//! Physically, the fields written to one row by one write share a log row: the first field
//! is stamped `(wall, counter, device)`, the k-th `(wall, counter + k, device)` (the clock
//! reserves the whole range, so every field change still has its own, strictly increasing
//! stamp). A person created with twenty fields is one log row, not twenty: the log stays about
//! as large as the data and writing it costs one insert per row written.
//!
//! What is guaranteed: [`LoggedWrite::changes`] gives back exactly the field changes that were
//! logged, with their stamps; the log is append-only (rows are never updated or deleted by the
//! engine), with one exception: erasing a person (`erasure.rs`) removes their rows' history
//! (the journal entries local rows carry are moved to `audit_entry` first) and blanks the
//! personal fields of their encounters'; a row's history is found through the
//! `row_id` index, which is all that last-writer-wins needs.

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{Connection, params};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::clock::Hlc;
use crate::error::{Error, Result};
use crate::schema::{self, EntitySpec};

/// One field-level change, as recorded in the change log and shipped by sync.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub hlc: Hlc,
    pub entity: &'static EntitySpec,
    pub row_id: Uuid,
    pub field: &'static str,
    pub value: Value,
    /// The stamp of the value this change replaced on the device that wrote it, if any:
    /// what lets a receiver tell a deliberate overwrite from a concurrent edit.
    pub prev: Option<Hlc>,
}

/// One row of the log: the fields one write set on one row.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedWrite {
    /// Local append order.
    pub seq: i64,
    /// Stamp of the first field; field `k` is stamped `counter + k`.
    pub first: Hlc,
    pub entity: &'static EntitySpec,
    pub row_id: Uuid,
    pub fields: Vec<LoggedField>,
}

/// One field of a logged write: name, value, and the stamp it replaced.
pub type LoggedField = (&'static str, Value, Option<Hlc>);

impl LoggedWrite {
    /// The stamp of the `k`-th field.
    pub fn stamp(&self, k: usize) -> Hlc {
        Hlc {
            counter: self.first.counter + k as i64,
            ..self.first
        }
    }

    /// The field changes of this write, in stamp order.
    pub fn changes(&self) -> impl Iterator<Item = Change> + '_ {
        self.fields
            .iter()
            .enumerate()
            .map(move |(k, (field, value, prev))| Change {
                hlc: self.stamp(k),
                entity: self.entity,
                row_id: self.row_id,
                field,
                value: value.clone(),
                prev: *prev,
            })
    }
}

/// Appends one local write: `fields` stamped from `first` on, with its journal entry when the
/// journal is on (`audit.rs`).
pub(crate) fn append(
    conn: &Connection,
    first: Hlc,
    entity: &EntitySpec,
    row_id: Uuid,
    fields: &[(&str, &Value, Option<Hlc>)],
    journal: Option<&crate::audit::Stamp<'_>>,
) -> Result<()> {
    insert(conn, false, first, entity, row_id, fields, journal)
}

/// Appends one write received by sync: `fields` stamped from `first` on (no journal entry:
/// the journal records what was done on this device).
pub(crate) fn append_received(
    conn: &Connection,
    first: Hlc,
    entity: &EntitySpec,
    row_id: Uuid,
    fields: &[(&str, &Value, Option<Hlc>)],
) -> Result<()> {
    insert(conn, true, first, entity, row_id, fields, None)
}

fn insert(
    conn: &Connection,
    received: bool,
    first: Hlc,
    entity: &EntitySpec,
    row_id: Uuid,
    fields: &[(&str, &Value, Option<Hlc>)],
    journal: Option<&crate::audit::Stamp<'_>>,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO change_log (wall, counter, device, entity, row_id, fields, received,
                                 journal_seq, journal_at, journal_officer, journal_action,
                                 journal_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        first.wall_ms,
        first.counter,
        first.device.as_bytes().as_slice(),
        entity.name,
        row_id.as_bytes().as_slice(),
        encode(fields),
        received,
        journal.map(|j| j.seq),
        journal.map(|j| j.at_ms),
        journal.and_then(|j| j.officer),
        journal.map(|j| j.action),
        journal.map(|j| j.hash),
    ])?;
    Ok(())
}

/// `[["field", value], …]` as compact JSON (field names are catalogue identifiers, so only
/// text values need escaping); a third element, the replaced stamp, when there was one.
pub(crate) fn encode(fields: &[(&str, &Value, Option<Hlc>)]) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(16 + fields.len() * 32);
    out.push('[');
    for (i, (field, value, prev)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("[\"");
        out.push_str(field);
        out.push_str("\",");
        // Writing into a String cannot fail.
        let _ = match value {
            Value::Null | Value::Blob(_) => out.write_str("null"),
            Value::Integer(n) => write!(out, "{n}"),
            Value::Real(r) => out.write_str(&Json::from(*r).to_string()),
            Value::Text(t) => {
                push_json_string(&mut out, t);
                Ok(())
            }
        };
        if let Some(prev) = prev {
            let _ = write!(out, ",\"{prev}\"");
        }
        out.push(']');
    }
    out.push(']');
    out
}

/// `text` as a JSON string, escaped exactly as `serde_json` does (the change log's text is
/// hashed: it must not change): `"` and `\`, the short forms of backspace, tab, new line,
/// form feed and carriage return, `\u00xx` for other control characters, nothing else.
fn push_json_string(out: &mut String, text: &str) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape: &str = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            b'\t' => "\\t",
            b'\n' => "\\n",
            0x0c => "\\f",
            b'\r' => "\\r",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escape.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xf)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

/// The JSON form of a stored value, as `encode` writes it (blobs are never stored).
pub(crate) fn value_to_json(value: &Value) -> Json {
    match value {
        Value::Null | Value::Blob(_) => Json::Null,
        Value::Integer(i) => Json::from(*i),
        Value::Real(r) => Json::from(*r),
        Value::Text(t) => Json::from(t.as_str()),
    }
}

/// The stored value of a JSON value `encode` could have written; `None` for anything else.
fn json_to_value(json: &Json) -> Option<Value> {
    Some(match json {
        Json::Null => Value::Null,
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64()?),
        },
        Json::String(s) => Value::Text(s.clone()),
        Json::Bool(_) | Json::Array(_) | Json::Object(_) => return None,
    })
}

fn corrupt() -> Error {
    Error::Corrupt {
        what: "change_log",
        message: "Le journal des modifications est illisible : lancez « carnet check ».",
    }
}

fn decode(entity: &'static EntitySpec, text: &str) -> Result<Vec<LoggedField>> {
    let json: Json = serde_json::from_str(text).map_err(|_| corrupt())?;
    fields_from_json(entity, &json).ok_or_else(corrupt)
}

/// Reads a field list in the form `encode` writes (also the `f` of a sync segment's writes);
/// `None` if anything in it is not a field of `entity` or not a value `encode` writes.
pub(crate) fn fields_from_json(
    entity: &'static EntitySpec,
    json: &Json,
) -> Option<Vec<LoggedField>> {
    json.as_array()?
        .iter()
        .map(|pair| {
            let field = schema::field_of(entity, pair.get(0)?.as_str()?)?;
            let prev = match pair.get(2) {
                Some(Json::String(stamp)) => Some(stamp.parse::<Hlc>().ok()?),
                _ => None,
            };
            Some((field.name, json_to_value(pair.get(1)?)?, prev))
        })
        .collect()
}

fn read_rows(mut rows: rusqlite::Rows<'_>) -> Result<Vec<LoggedWrite>> {
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(read_row(row)?);
    }
    Ok(out)
}

/// One `change_log` row read as `SELECT seq, wall, counter, device, entity, row_id, fields`.
pub(crate) fn read_row(row: &rusqlite::Row<'_>) -> Result<LoggedWrite> {
    let entity_name: String = row.get(4)?;
    let entity = schema::entity(&entity_name).ok_or_else(corrupt)?;
    let fields: String = row.get(6)?;
    Ok(LoggedWrite {
        seq: row.get(0)?,
        first: Hlc {
            wall_ms: row.get(1)?,
            counter: row.get(2)?,
            device: uuid_from_blob(&row.get::<_, Vec<u8>>(3)?)?,
        },
        entity,
        row_id: uuid_from_blob(&row.get::<_, Vec<u8>>(5)?)?,
        fields: decode(entity, &fields)?,
    })
}

/// This database's own writes logged after `seq`, in append order, as many as fit in
/// `budget` when each weighs `weight` (at least one): an export reads one segment's worth at
/// a time instead of every pending write, so its memory does not grow with the log.
pub(crate) fn own_since_within(
    conn: &Connection,
    seq: i64,
    budget: usize,
    weight: impl Fn(&LoggedWrite) -> usize,
) -> Result<Vec<LoggedWrite>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, wall, counter, device, entity, row_id, fields
         FROM change_log WHERE seq > ?1 AND received = 0 ORDER BY seq",
    )?;
    let mut rows = stmt.query([seq])?;
    let mut out = Vec::new();
    let mut total = 0usize;
    while let Some(row) = rows.next()? {
        let write = read_row(row)?;
        total = total.saturating_add(weight(&write));
        if total > budget && !out.is_empty() {
            break;
        }
        out.push(write);
    }
    Ok(out)
}

/// This database's own writes (not those received) logged after `after` and up to
/// `through`, in append order.
pub(crate) fn own_between(conn: &Connection, after: i64, through: i64) -> Result<Vec<LoggedWrite>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, wall, counter, device, entity, row_id, fields
         FROM change_log WHERE seq > ?1 AND seq <= ?2 AND received = 0 ORDER BY seq",
    )?;
    read_rows(stmt.query([after, through])?)
}

/// Every write logged after `seq`, in append order.
pub(crate) fn since(conn: &Connection, seq: i64) -> Result<Vec<LoggedWrite>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, wall, counter, device, entity, row_id, fields
         FROM change_log WHERE seq > ?1 ORDER BY seq",
    )?;
    read_rows(stmt.query([seq])?)
}

/// The history of one row.
pub(crate) fn of_row(conn: &Connection, row_id: Uuid) -> Result<Vec<LoggedWrite>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, wall, counter, device, entity, row_id, fields
         FROM change_log WHERE row_id = ?1",
    )?;
    read_rows(stmt.query([row_id.as_bytes().as_slice()])?)
}

/// Per field, the highest stamp and its value; every stamp seen (to spot duplicates) with
/// the stamp it replaced (to tell overwrites from concurrent edits).
#[derive(Debug, Default)]
pub(crate) struct RowClocks {
    pub winners: HashMap<&'static str, (Hlc, Value)>,
    pub seen: HashMap<Hlc, (Option<Hlc>, Value)>,
}

impl RowClocks {
    /// Folds a row's history.
    pub fn of(history: &[LoggedWrite]) -> RowClocks {
        let mut clocks = RowClocks::default();
        for write in history {
            for change in write.changes() {
                clocks.add(&change);
            }
        }
        clocks
    }

    /// Takes a change into account; returns true if it is now its field's winner.
    pub fn add(&mut self, change: &Change) -> bool {
        self.seen
            .insert(change.hlc, (change.prev, change.value.clone()));
        match self.winners.get(change.field) {
            Some((stamp, _)) if *stamp > change.hlc => false,
            // The same stamp with another value happens only when a copied database wrote
            // under the same device id: the greater value wins everywhere alike.
            Some((stamp, value))
                if *stamp == change.hlc && value_order(value) >= value_order(&change.value) =>
            {
                false
            }
            _ => {
                self.winners
                    .insert(change.field, (change.hlc, change.value.clone()));
                true
            }
        }
    }
}

impl RowClocks {
    /// True if `ancestor` is on the chain of replaced stamps that leads to `stamp`: the writer
    /// of `stamp` had (directly or through later writes) seen the value written at `ancestor`.
    pub fn descends_from(&self, stamp: Hlc, ancestor: Hlc) -> bool {
        let mut current = Some(stamp);
        let mut steps = 0;
        while let Some(s) = current {
            if s == ancestor {
                return true;
            }
            steps += 1;
            if steps > 10_000 {
                return false;
            }
            current = self.seen.get(&s).and_then(|(prev, _)| *prev);
        }
        false
    }
}

/// A total order on stored values, for tie-breaks.
pub(crate) fn value_order(value: &Value) -> (u8, String) {
    match value {
        Value::Null => (0, String::new()),
        Value::Integer(i) => (1, format!("{:+020}", i)),
        Value::Real(r) => (2, format!("{r:e}")),
        Value::Text(t) => (3, t.clone()),
        Value::Blob(b) => (4, crate::hex::encode(b)),
    }
}

pub(crate) fn uuid_from_blob(bytes: &[u8]) -> Result<Uuid> {
    Uuid::from_slice(bytes).map_err(|_| corrupt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_reads_one_segments_worth_and_at_least_one_write() {
        let clock = Box::new(crate::ManualClock::new(1_764_000_000_000));
        let mut store = crate::Store::open_in_memory(Uuid::from_u128(1), clock).unwrap();
        for n in 0..10 {
            store
                .create(&crate::person::Person {
                    first_name: format!("P{n}"),
                    last_name: "X".into(),
                    ..Default::default()
                })
                .unwrap();
        }
        let all = own_between(store.conn(), 0, i64::MAX).unwrap();
        assert!(all.len() >= 10);
        let seqs = |w: &[LoggedWrite]| w.iter().map(|w| w.seq).collect::<Vec<_>>();
        // Three writes of weight 1 fit in 3; the fourth would not.
        let three = own_since_within(store.conn(), 0, 3, |_| 1).unwrap();
        assert_eq!(seqs(&three), seqs(&all[..3]));
        // A write heavier than the whole budget still goes, alone.
        let one = own_since_within(store.conn(), 0, 3, |_| 100).unwrap();
        assert_eq!(seqs(&one), seqs(&all[..1]));
        // From a later point, everything left when it all fits.
        let rest = own_since_within(store.conn(), all[4].seq, usize::MAX, |_| 1).unwrap();
        assert_eq!(seqs(&rest), seqs(&all[5..]));
        assert_eq!(
            seqs(&own_between(store.conn(), all[1].seq, all[3].seq).unwrap()),
            seqs(&all[2..4])
        );
    }

    proptest::proptest! {
        #[test]
        fn texts_are_escaped_exactly_as_serde_json_escapes_them(text in "(\\PC|[\\x00-\\x1f\"\\\\\\x7f])*") {
            let mut out = String::new();
            push_json_string(&mut out, &text);
            proptest::prop_assert_eq!(out, Json::from(text.as_str()).to_string());
        }
    }

    #[test]
    fn encoding_round_trips_every_value_kind() {
        let prev = Hlc {
            wall_ms: 1_700_000_000_000,
            counter: 4,
            device: Uuid::from_u128(9),
        };
        let fields = [
            ("first_name", Value::Text("Éloïse « Zoé »".into()), None),
            ("head_count", Value::Integer(3), Some(prev)),
            ("note", Value::Null, None),
        ];
        let pairs: Vec<(&str, &Value, Option<Hlc>)> =
            fields.iter().map(|(f, v, p)| (*f, v, *p)).collect();
        let text = encode(&pairs);
        assert!(decode(&schema::PERSON, &text.replace("head_count", "note")).is_ok());
        let back = decode(&schema::ENCOUNTER, &encode(&pairs[1..])).unwrap();
        assert_eq!(
            back,
            vec![
                ("head_count", Value::Integer(3), Some(prev)),
                ("note", Value::Null, None)
            ]
        );
        assert!(decode(&schema::PERSON, "[[\"no_such_field\", 1]]").is_err());
        assert!(decode(&schema::PERSON, "not json").is_err());
    }
}
