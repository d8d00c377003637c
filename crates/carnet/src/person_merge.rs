//! Merging two records of one person, "pas un doublon", and the pointer every read follows.
//!
//! Why a pointer rather than moving rows: the merged-away record may still receive writes
//! from a device that has not heard of the merge (an encounter recorded on it at a market,
//! offline). If the merge re-pointed her encounters and referrals, those late rows would
//! stay on the old record. Instead the merged-away person keeps her rows and her history,
//! and a `person_merge` row (synced like any other, one per merged-away person: its id is
//! derived from hers) says which record holds her now. Every read that counts or shows
//! persons follows it through `person_root`, a table derived here and never synced: the
//! yearly figures, the timeline, search and lists, retention, duplicates, letters.
//!
//! What is guaranteed:
//! - Chains (A into B, later B into C) end at one record. Crossed merges (A into B on one
//!   device, B into A on another) are resolved the same way on every device: the merge
//!   written last wins, the other pointer is set aside and shown for review
//!   ([`crossed`]), where the officer confirms it (the set-aside pointer is then removed).
//! - A value changed on the merged-away record after the merge (by a device that had not
//!   heard of it) is carried over to the kept record at the next sync, unless the kept
//!   record's value is newer ([`forward_late_edits`]).
//! - "Séparer" ([`separate`]) removes the pointer: the record comes back whole, with its own
//!   rows. The values the merge copied onto the kept record stay there (the officer edits
//!   them); "Annuler" right after a merge puts those back too.
//! - "Pas un doublon" ([`not_duplicate`]) is a synced row whose id is derived from the pair:
//!   no device lists the pair again.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::changelog::{self, RowClocks};
use crate::clock::Hlc;
use crate::error::{Error, Result};
use crate::person::Person;
use crate::record::{Record, sql_to_json};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};
use crate::undo::Undo;

/// A merged-away person and the record that holds her.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergePointer {
    pub person_id: Uuid,
    pub into_id: Uuid,
    pub date: NaiveDate,
}

impl Record for MergePointer {
    const SPEC: &'static EntitySpec = &schema::PERSON_MERGE;
}

/// Two persons the officer said are different.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotDuplicate {
    pub person_id: Uuid,
    pub other_id: Uuid,
    pub date: NaiveDate,
}

impl Record for NotDuplicate {
    const SPEC: &'static EntitySpec = &schema::NOT_DUPLICATE;
}

fn derived_id(label: &[u8], parts: &[Uuid]) -> Uuid {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new().chain_update(label);
    for part in parts {
        hash = hash.chain_update(part.as_bytes());
    }
    let hash = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The id of the merge row of `person` (the merged-away one): the same on every device.
pub fn pointer_id(person: Uuid) -> Uuid {
    derived_id(b"carnet person merge ", &[person])
}

/// The id of the "pas un doublon" row of a pair, whichever order it is named in.
pub fn not_duplicate_id(a: Uuid, b: Uuid) -> Uuid {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    derived_id(b"carnet not duplicate ", &[a, b])
}

/// The person fields a merge can take from the other record.
pub fn mergeable_fields() -> impl Iterator<Item = &'static str> {
    schema::PERSON.fields.iter().map(|f| f.name)
}

/// The fields `keep` leaves empty and `other` fills: what a merge takes when the officer
/// does not choose (nothing is lost).
pub fn empty_on_kept(store: &Store, keep: Uuid, other: Uuid) -> Result<Vec<&'static str>> {
    let kept = serde_json::to_value(store.get::<Person>(keep)?).map_err(unreadable)?;
    let theirs = serde_json::to_value(store.get::<Person>(other)?).map_err(unreadable)?;
    Ok(mergeable_fields()
        .filter(|f| kept[*f].is_null() && !theirs[*f].is_null())
        .collect())
}

/// One record as the merge screen shows it, with what tells which to keep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub id: Uuid,
    pub name: String,
    pub last_contact: Option<NaiveDate>,
    /// Encounters, meetings, referrals, letters and outcomes recorded under it.
    pub events: usize,
}

/// One field of both records, in French, for the officer to pick a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChoice {
    pub field: &'static str,
    pub label: &'static str,
    pub a: Option<String>,
    pub b: Option<String>,
}

/// Two records side by side ("Comparer et fusionner").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub a: Side,
    pub b: Side,
    /// The fields where the records differ, in form order.
    pub differing: Vec<FieldChoice>,
    /// How many fields hold the same value on both (fields empty on both aside).
    pub same: usize,
}

/// `a` and `b` side by side: their values in French where they differ.
pub fn compare(store: &Store, a: Uuid, b: Uuid) -> Result<Comparison> {
    let pa = serde_json::to_value(store.get::<Person>(a)?).map_err(unreadable)?;
    let pb = serde_json::to_value(store.get::<Person>(b)?).map_err(unreadable)?;
    let mut differing = Vec::new();
    let mut same = 0;
    for field in schema::PERSON.fields {
        let (va, vb) = (&pa[field.name], &pb[field.name]);
        if va == vb {
            if !va.is_null() {
                same += 1;
            }
            continue;
        }
        differing.push(FieldChoice {
            field: field.name,
            label: schema::field_label(field.name),
            a: shown(store, field, va)?,
            b: shown(store, field, vb)?,
        });
    }
    Ok(Comparison {
        a: side(store, a)?,
        b: side(store, b)?,
        differing,
        same,
    })
}

/// A field's value as the officer reads it (the access export writes it the same way).
pub(crate) fn shown(
    store: &Store,
    field: &schema::FieldSpec,
    value: &serde_json::Value,
) -> Result<Option<String>> {
    use schema::FieldKind;
    let text = match value {
        serde_json::Value::Null => return Ok(None),
        serde_json::Value::Bool(b) => (if *b { "Oui" } else { "Non" }).to_string(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    Ok(Some(match field.kind {
        FieldKind::Enum(values) => schema::enum_label(values, &text),
        FieldKind::Date => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(crate::french::short_date)
            .unwrap_or(text),
        FieldKind::Ref("quartier") => store
            .conn()
            .prepare_cached("SELECT name FROM quartier WHERE id = ?1")?
            .query_row([&text], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or(text),
        _ => text,
    }))
}

fn side(store: &Store, id: Uuid) -> Result<Side> {
    let person: Person = store.get(id)?;
    let (_, last_contact) =
        crate::person::quartier_and_last_contact(store, id, person.quartier_id)?;
    Ok(Side {
        id,
        name: person.full_name(),
        last_contact,
        events: crate::timeline::of_person(store, id)?.len(),
    })
}

/// Merges `other` into `keep`: the fields named in `take` get `other`'s values, then `other`
/// points to `keep`. Everything recorded with `other` (and with the records merged into her
/// before) reads as `keep`'s from now on. Returns what "Annuler" needs to put it all back.
pub fn merge(w: &mut Writer<'_>, keep: Uuid, other: Uuid, take: &[&str]) -> Result<Undo> {
    if keep == other {
        return Err(Error::Inconsistent {
            field: "person_id",
            message: "Choisissez deux fiches différentes à fusionner.",
        });
    }
    for id in [keep, other] {
        // Both must be live persons with an identity.
        w.get::<Person>(id)?;
        if crate::erasure::is_anonymous_person(w.conn(), id)? {
            return Err(Error::Inconsistent {
                field: "person_id",
                message: "Une fiche anonymisée ne se fusionne pas.",
            });
        }
        if root_of(w.conn(), id)? != id {
            return Err(Error::Inconsistent {
                field: "person_id",
                message: "Cette fiche a déjà été fusionnée dans une autre : ouvrez la fiche gardée.",
            });
        }
    }
    let mut undo = Undo::default();
    if !take.is_empty() {
        let mut kept = serde_json::to_value(w.get::<Person>(keep)?).map_err(unreadable)?;
        let taken = serde_json::to_value(w.get::<Person>(other)?).map_err(unreadable)?;
        for field in take {
            if schema::PERSON.field(field).is_none() {
                return Err(Error::Inconsistent {
                    field: "take",
                    message: "Ce champ ne fait pas partie d'une fiche personne.",
                });
            }
            kept[*field] = taken[*field].clone();
        }
        let kept: Person = serde_json::from_value(kept).map_err(unreadable)?;
        undo.extend(crate::undo::update(w, keep, &kept)?);
    }
    let pointer = MergePointer {
        person_id: other,
        into_id: keep,
        date: w.today(),
    };
    let id = pointer_id(other);
    match row_deleted(w.conn(), &schema::PERSON_MERGE, id)? {
        None => {
            w.create_with_id(id, &pointer)?;
            undo.push_created(&schema::PERSON_MERGE, id);
        }
        Some(deleted) => {
            if deleted {
                w.restore(&schema::PERSON_MERGE, id)?;
            }
            w.update(id, &pointer)?;
            undo.push_created(&schema::PERSON_MERGE, id);
        }
    }
    Ok(undo)
}

/// "Séparer": `person`, merged away, is her own record again, with her own rows.
pub fn separate(w: &mut Writer<'_>, person: Uuid) -> Result<Undo> {
    let id = pointer_id(person);
    if row_deleted(w.conn(), &schema::PERSON_MERGE, id)? != Some(false) {
        return Err(Error::Inconsistent {
            field: "person_id",
            message: "Cette fiche n'est fusionnée dans aucune autre.",
        });
    }
    crate::undo::delete(w, &schema::PERSON_MERGE, id)
}

/// "Pas un doublon": `a` and `b` are two persons; no device lists the pair again.
pub fn not_duplicate(w: &mut Writer<'_>, a: Uuid, b: Uuid) -> Result<Undo> {
    if a == b {
        return Err(Error::Inconsistent {
            field: "person_id",
            message: "Choisissez deux fiches différentes.",
        });
    }
    w.get::<Person>(a)?;
    w.get::<Person>(b)?;
    let (first, second) = if a < b { (a, b) } else { (b, a) };
    let id = not_duplicate_id(a, b);
    let row = NotDuplicate {
        person_id: first,
        other_id: second,
        date: w.today(),
    };
    match row_deleted(w.conn(), &schema::NOT_DUPLICATE, id)? {
        None => {
            w.create_with_id(id, &row)?;
            Ok(Undo::created(&schema::NOT_DUPLICATE, id))
        }
        Some(true) => {
            w.restore(&schema::NOT_DUPLICATE, id)?;
            Ok(Undo::created(&schema::NOT_DUPLICATE, id))
        }
        // Already said (here or on another device).
        Some(false) => Ok(Undo::default()),
    }
}

fn unreadable(_: serde_json::Error) -> Error {
    Error::Internal {
        message: "Enregistrement illisible.",
    }
}

/// `Some(deleted)` for a row of `spec` that exists, `None` otherwise.
fn row_deleted(conn: &Connection, spec: &EntitySpec, id: Uuid) -> Result<Option<bool>> {
    Ok(conn
        .query_row(
            &format!("SELECT deleted FROM {} WHERE id = ?1", spec.name),
            [id.to_string()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .map(|d| d != 0))
}

/// Whether any record is merged into another (reads can skip following pointers if not).
pub(crate) fn any(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM person_root)")?
        .query_row([], |r| r.get(0))?)
}

/// The record that holds `person` now: herself unless she was merged away.
pub(crate) fn root_of(conn: &Connection, person: Uuid) -> Result<Uuid> {
    let root: Option<String> = conn
        .prepare_cached("SELECT root FROM person_root WHERE id = ?1")?
        .query_row([person.to_string()], |r| r.get(0))
        .optional()?;
    match root {
        Some(root) => crate::validate::id(&root),
        None => Ok(person),
    }
}

/// The record that holds `person` now, if she was merged away.
pub fn merged_into(store: &Store, person: Uuid) -> Result<Option<Uuid>> {
    let root = root_of(store.conn(), person)?;
    Ok((root != person).then_some(root))
}

/// `root` and the records merged into it: every id under which something of her is recorded.
pub(crate) fn group(conn: &Connection, root: Uuid) -> Result<Vec<Uuid>> {
    let mut out = vec![root];
    let mut stmt = conn.prepare_cached("SELECT id FROM person_root WHERE root = ?1 ORDER BY id")?;
    for id in stmt.query_map([root.to_string()], |r| r.get::<_, String>(0))? {
        out.push(crate::validate::id(&id?)?);
    }
    Ok(out)
}

/// Moves every row recorded with the records merged into `root` onto `root`, and returns
/// those records (erasing or anonymising her takes them all, counted once).
pub(crate) fn fold(w: &mut Writer<'_>, root: Uuid) -> Result<Vec<Uuid>> {
    let members: Vec<Uuid> = group(w.conn(), root)?.into_iter().skip(1).collect();
    for member in &members {
        // Her rows that name her; a referral's steps follow their referral.
        for (spec, sql) in crate::person::LIVE_ROWS_OF {
            if spec == &schema::REFERRAL_EVENT {
                continue;
            }
            let ids: Vec<String> = w
                .conn()
                .prepare_cached(sql)?
                .query_map([member.to_string()], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            for id in ids {
                let id = crate::validate::id(&id)?;
                w.set_field(spec, id, "person_id", serde_json::json!(root.to_string()))?;
            }
        }
    }
    Ok(members)
}

/// A record merged into another, as the kept person's page lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MergedRecord {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    /// The date of the merge.
    pub date: Option<NaiveDate>,
}

/// The records merged into `root` (directly or through a chain), for its page.
pub fn merged_from(store: &Store, root: Uuid) -> Result<Vec<MergedRecord>> {
    let mut stmt = store.conn().prepare_cached(
        "SELECT p.id, p.first_name, p.last_name, p.birth_date, m.date
           FROM person_root r JOIN person p ON p.id = r.id
           LEFT JOIN person_merge m ON m.person_id = r.id AND m.deleted = 0
          WHERE r.root = ?1
          ORDER BY p.last_name, p.first_name, p.id",
    )?;
    let date = |s: Option<String>| s.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let rows = stmt.query_map([root.to_string()], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
            r.get::<_, Option<String>>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, first, last, birth, merged) = row?;
        out.push(MergedRecord {
            id: crate::validate::id(&id)?,
            first_name: first.unwrap_or_default(),
            last_name: last.unwrap_or_default(),
            birth_date: date(birth),
            date: date(merged),
        });
    }
    Ok(out)
}

/// Every merged-away person (lists and duplicates leave them out).
pub(crate) fn merged_away(conn: &Connection) -> Result<HashSet<Uuid>> {
    let mut stmt = conn.prepare_cached("SELECT id FROM person_root")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.map(|id| crate::validate::id(&id?)).collect()
}

/// Every pair said "pas un doublon", smaller id first.
pub(crate) fn dismissed(conn: &Connection) -> Result<HashSet<(Uuid, Uuid)>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id, other_id FROM not_duplicate WHERE deleted = 0")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = HashSet::new();
    for row in rows {
        let (a, b) = row?;
        let (a, b) = (crate::validate::id(&a)?, crate::validate::id(&b)?);
        out.insert(if a < b { (a, b) } else { (b, a) });
    }
    Ok(out)
}

/// The merge pointers in force, after crossed merges are resolved.
struct Resolution {
    /// Merged-away person → the record that holds her.
    roots: HashMap<Uuid, Uuid>,
    /// Pointers set aside because they closed a loop: (person, into).
    crossed: Vec<(Uuid, Uuid)>,
}

/// Reads the live pointers between live persons and follows them. A loop (crossed merges)
/// is opened at its oldest pointer: the merge written last wins, on every device alike,
/// since every device that has the same pointers has the same stamps.
fn resolve(conn: &Connection) -> Result<Resolution> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.person_id, m.into_id FROM person_merge m
           JOIN person a ON a.id = m.person_id AND a.deleted = 0
           JOIN person b ON b.id = m.into_id AND b.deleted = 0
          WHERE m.deleted = 0 AND m.person_id <> m.into_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut pointers: HashMap<Uuid, (Uuid, Uuid)> = HashMap::new();
    for row in rows {
        let (row_id, person, into) = row?;
        pointers.insert(
            crate::validate::id(&person)?,
            (crate::validate::id(&into)?, crate::validate::id(&row_id)?),
        );
    }
    let mut crossed = Vec::new();
    // Open every loop at its oldest pointer, one loop at a time.
    loop {
        let mut starts: Vec<Uuid> = pointers.keys().copied().collect();
        starts.sort();
        let mut found: Option<Vec<Uuid>> = None;
        for start in starts {
            let mut path: Vec<Uuid> = vec![start];
            let mut at = start;
            while let Some((next, _)) = pointers.get(&at) {
                if let Some(pos) = path.iter().position(|p| p == next) {
                    found = Some(path[pos..].to_vec());
                    break;
                }
                path.push(*next);
                at = *next;
            }
            if found.is_some() {
                break;
            }
        }
        let Some(members) = found else { break };
        let mut oldest: Option<(Option<Hlc>, Uuid)> = None;
        for member in members {
            let stamp = pointer_stamp(conn, pointers[&member].1)?;
            if oldest.is_none_or(|(s, m)| (stamp, member) < (s, m)) {
                oldest = Some((stamp, member));
            }
        }
        if let Some((_, member)) = oldest
            && let Some((into, _)) = pointers.remove(&member)
        {
            crossed.push((member, into));
        }
    }
    let mut roots = HashMap::new();
    for &person in pointers.keys() {
        let mut at = person;
        while let Some((next, _)) = pointers.get(&at) {
            at = *next;
        }
        roots.insert(person, at);
    }
    Ok(Resolution { roots, crossed })
}

/// When the merge in force was written: the later of its target's stamp and its tombstone's
/// (merging the same two records again after "Séparer" only restores the row).
fn pointer_stamp(conn: &Connection, row: Uuid) -> Result<Option<Hlc>> {
    let clocks = RowClocks::of(&changelog::of_row(conn, row)?);
    let stamp = |field: &str| clocks.winners.get(field).map(|(stamp, _)| *stamp);
    Ok(stamp("into_id").max(stamp(schema::DELETED.name)))
}

/// Rebuilds `person_root` (and `person.merged_into`, its copy on the person's row) from the
/// merge rows. Runs inside the transaction that changed a
/// merge row or a person's tombstone (local write, sync, erasure).
pub(crate) fn refresh(conn: &Connection) -> Result<()> {
    let resolution = resolve(conn)?;
    conn.execute("DELETE FROM person_root", [])?;
    let mut insert = conn.prepare_cached("INSERT INTO person_root (id, root) VALUES (?1, ?2)")?;
    for (person, root) in resolution.roots {
        insert.execute([person.to_string(), root.to_string()])?;
    }
    conn.execute(
        "UPDATE person SET merged_into = NULL
          WHERE merged_into IS NOT NULL AND id NOT IN (SELECT id FROM person_root)",
        [],
    )?;
    conn.execute(
        "UPDATE person SET merged_into = (SELECT root FROM person_root r WHERE r.id = person.id)
          WHERE id IN (SELECT id FROM person_root)",
        [],
    )?;
    Ok(())
}

/// Two records merged into each other on two devices: the merge of `person` into `into` was
/// set aside, `person` holds both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossed {
    pub person_id: Uuid,
    pub person_name: String,
    pub into_id: Uuid,
    pub into_name: String,
}

/// Crossed merges waiting for the officer's look ("À vérifier").
pub fn crossed(store: &Store) -> Result<Vec<Crossed>> {
    let resolution = resolve(store.conn())?;
    let mut out = Vec::new();
    for (person, into) in resolution.crossed {
        out.push(Crossed {
            person_id: person,
            person_name: name_of(store.conn(), person)?,
            into_id: into,
            into_name: name_of(store.conn(), into)?,
        });
    }
    out.sort_by_key(|c| (c.person_id, c.into_id));
    Ok(out)
}

/// "Compris": the set-aside merge of `person` is removed for good (the other one stands).
pub fn confirm_crossed(w: &mut Writer<'_>, person: Uuid) -> Result<Undo> {
    let crossed = resolve(w.conn())?.crossed;
    if !crossed.iter().any(|(p, _)| *p == person) {
        return Err(Error::Inconsistent {
            field: "person_id",
            message: "Cette fusion croisée a déjà été réglée.",
        });
    }
    crate::undo::delete(w, &schema::PERSON_MERGE, pointer_id(person))
}

fn name_of(conn: &Connection, person: Uuid) -> Result<String> {
    Ok(conn
        .prepare_cached("SELECT first_name || ' ' || last_name FROM person WHERE id = ?1")?
        .query_row([person.to_string()], |r| r.get::<_, Option<String>>(0))
        .optional()?
        .flatten()
        .unwrap_or_default())
}

/// Carries over to the kept records the values changed on merged-away records after their
/// merge (by a device that had not heard of it), unless the kept record's value is newer.
/// Idempotent: a value carried over is newer on the kept record than on the other. Returns
/// the number of values carried over.
pub fn forward_late_edits(store: &mut Store) -> Result<usize> {
    type Late = (
        Uuid,
        &'static schema::FieldSpec,
        rusqlite::types::Value,
        Hlc,
    );
    let mut late: Vec<Late> = Vec::new();
    {
        let conn = store.conn();
        let roots: Vec<(Uuid, Uuid)> = {
            let mut stmt = conn.prepare_cached("SELECT id, root FROM person_root")?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (a, b) = row?;
                out.push((crate::validate::id(&a)?, crate::validate::id(&b)?));
            }
            out
        };
        for (person, root) in roots {
            let Some(merged_at) = pointer_stamp(conn, pointer_id(person))? else {
                continue;
            };
            let theirs = RowClocks::of(&changelog::of_row(conn, person)?);
            let ours = RowClocks::of(&changelog::of_row(conn, root)?);
            for field in schema::PERSON.fields {
                let Some((stamp, value)) = theirs.winners.get(field.name) else {
                    continue;
                };
                let newer_than_kept = ours
                    .winners
                    .get(field.name)
                    .is_none_or(|(kept, kept_value)| kept < stamp && kept_value != value);
                if *stamp <= merged_at || !newer_than_kept {
                    continue;
                }
                // Two records merged into one, both changed late: the newest value.
                match late
                    .iter_mut()
                    .find(|(r, f, _, _)| *r == root && f.name == field.name)
                {
                    Some(slot) if slot.3 < *stamp => *slot = (root, field, value.clone(), *stamp),
                    Some(_) => {}
                    None => late.push((root, field, value.clone(), *stamp)),
                }
            }
        }
    }
    if late.is_empty() {
        return Ok(0);
    }
    let count = late.len();
    store.write(|w| {
        for (root, field, value, _) in late {
            // Checked like the officer's own edit of that field.
            w.set_field(
                &schema::PERSON,
                root,
                field.name,
                sql_to_json(field.kind, &value),
            )?;
        }
        Ok(())
    })?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_do_not_depend_on_the_order_of_a_pair() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(not_duplicate_id(a, b), not_duplicate_id(b, a));
        assert_ne!(not_duplicate_id(a, b), pointer_id(a));
        assert_ne!(pointer_id(a), pointer_id(b));
    }
}
