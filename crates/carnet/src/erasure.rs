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
//! The order travels as an `erasure` row that names the person by id (ids only, never
//! personal data; its own id is derived from hers, [`order_id`]), written through the one
//! write path and never deleted. Every device that receives it purges the same way, in the
//! same transaction; `erased_row` remembers what went, so a change
//! that arrives later about a gone row (an old segment, a colleague's offline edit) is dropped,
//! and a new row about the person (a referral made offline) is purged as soon as it arrives.
//! Sync reads the folder before writing to it, so a device's own unsent edits to an erased
//! person are purged before they can be exported; the report counts them for the officer.
//!
//! Before the order, in the same write, what the figures need of her is copied under a new
//! anonymous person ([`crate::anonymous_copy`]): her part of the closed years for an
//! erasure (their figures stay the same), of every year for an **anonymisation** (the end of
//! the retention period: the figures of every year stay the same). An anonymisation is
//! therefore an erasure that keeps a complete anonymous copy: her own rows and keys go
//! exactly the same way, everywhere.
//!
//! The copy is itself anonymised by an order of kind "anonymise", which names the stamps of
//! the write that set its anonymous values: every device rewrites its identity fields, in
//! every change of its history and in any that arrives later, to those values (an identity
//! edit made here is refused), and blanks the free texts of its rows. (Earlier versions
//! anonymised a person in place this way; an erasure always wins over such an order.)
//!
//! What is guaranteed: the purge is idempotent and does not depend on the order in which the
//! order and the person's changes arrive; afterwards no table of the notebook (rows, change
//! log, conflicts) holds the person's values, her keys are deleted (what the folder's old segments sealed for her can no longer
//! be opened, see `sync/person_keys.rs`), and the file is rewritten ([`Store::compact`]), so
//! that no page keeps her bytes in its unused space either.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::anonymous_copy::Years;
use crate::changelog::{self, Change};
use crate::error::{Error, Result};
use crate::record::Record;
use crate::schema::{self, EntitySpec};
use crate::store::Store;

/// The fields of an encounter that say who it was with and what was said: blanked when the
/// person is erased.
const ENCOUNTER_PERSONAL: &[&str] = &["person_id", "note", "follow_up", "follow_up_done"];

/// A person's identity, contacts and free texts: what anonymising takes away.
/// The name an anonymised person is shown with.
pub(crate) const ANONYMOUS_FIRST_NAME: &str = "Personne";
pub(crate) const ANONYMOUS_LAST_NAME: &str = "anonymisée";

pub(crate) const PERSON_IDENTITY: &[&str] = &[
    "first_name",
    "last_name",
    "birth_date",
    "phone",
    "email",
    "address",
    "postcode",
    "city",
    "project_title",
    "note",
];

/// The free texts, SIRET and follow-ups of an anonymised person's other rows.
fn anonymised_fields(entity: &str) -> &'static [&'static str] {
    match entity {
        "encounter" => &["note", "follow_up", "follow_up_done"],
        "referral" => &["detail", "follow_up"],
        "referral_event" => &["note"],
        "outcome" => &["note", "siret"],
        _ => &[],
    }
}

/// What `erased_row.mode` says of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Removed: nothing of it comes back.
    Gone,
    /// An encounter of an erased person: its personal fields stay empty.
    Detached,
    /// A row of an anonymised person: its free texts stay empty.
    Anonymised,
    /// An anonymised person. Changes to her identity are accepted and then rewritten to the
    /// anonymous values by the purge that follows in the same transaction: until every
    /// device has every order, which anonymisation wins (and so which values) is not known.
    AnonymousPerson,
}

/// An erasure order (its id is the erased person's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErasureOrder {
    /// The erased or anonymised person's id.
    pub person_id: String,
    pub kind: String,
    pub date: NaiveDate,
    /// For an anonymisation: the stamp of the write that set the anonymous values.
    #[serde(default)]
    pub values_stamp: Option<String>,
}

impl Record for ErasureOrder {
    const SPEC: &'static EntitySpec = &schema::ERASURE;

    fn check(&self, today: NaiveDate) -> Result<()> {
        crate::validate::not_after("date", self.date, today)?;
        Ok(())
    }
}

/// The id of the order about `person`: derived from the person's id, so that every device
/// that erases or anonymises the same person writes the same row (a row id of its own: a
/// row's history is found by its id alone, whatever the entity).
pub fn order_id(person: Uuid) -> Uuid {
    use sha2::{Digest, Sha256};
    let hash = Sha256::new()
        .chain_update(b"carnet erasure order ")
        .chain_update(person.as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&hash[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
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
    /// Rows copied under an anonymous person, without anything that names her, so that the
    /// figures stay the same (closed years for an erasure, every year for an anonymisation:
    /// [`crate::anonymous_copy`]).
    pub kept_anonymously: usize,
    /// The anonymous person who holds them, if she counted in those years.
    pub anonymous_copy: Option<Uuid>,
}

impl std::ops::AddAssign for Purged {
    fn add_assign(&mut self, other: Purged) {
        self.rows += other.rows;
        self.encounters_detached += other.encounters_detached;
        self.own_edits_dropped += other.own_edits_dropped;
        self.kept_anonymously += other.kept_anonymously;
        self.anonymous_copy = other.anonymous_copy.or(self.anonymous_copy);
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
/// Counts every record of hers: records merged into hers go with her.
pub fn preview(store: &Store, person: Uuid) -> Result<Preview> {
    require_live(store.conn(), person)?;
    let root = crate::person_merge::root_of(store.conn(), person)?;
    let mut preview = Preview::default();
    for member in crate::person_merge::group(store.conn(), root)? {
        let id = member.to_string();
        let count = |sql: &str| -> Result<usize> {
            Ok(store.conn().query_row(sql, [&id], |r| r.get::<_, i64>(0))? as usize)
        };
        preview.encounters +=
            count("SELECT count(*) FROM encounter WHERE person_id = ?1 AND deleted = 0")?;
        preview.referrals +=
            count("SELECT count(*) FROM referral WHERE person_id = ?1 AND deleted = 0")?;
        preview.outcomes +=
            count("SELECT count(*) FROM outcome WHERE person_id = ?1 AND deleted = 0")?;
        preview.letters +=
            count("SELECT count(*) FROM letter WHERE person_id = ?1 AND deleted = 0")?;
        preview.attendances +=
            count("SELECT count(*) FROM attendance WHERE person_id = ?1 AND deleted = 0")?;
    }
    Ok(preview)
}

/// Erases `person` here, and writes the order that erases them on every other device.
/// Cannot be undone.
pub fn erase(store: &mut Store, person: Uuid) -> Result<Purged> {
    let purged = erase_without_rewrite(store, person)?;
    store.compact()?;
    Ok(purged)
}

/// [`erase`], leaving the file rewrite ([`Store::compact`]) to the caller: when this returns
/// she is gone from every table and from the change log, and the order is written; her old
/// bytes may still sit in the file's free pages until the rewrite, which the next opening of
/// the notebook does if nothing did before ([`Store::rewrite_pending`]). The window erases
/// this way and rewrites right after, without keeping the officer waiting.
pub fn erase_without_rewrite(store: &mut Store, person: Uuid) -> Result<Purged> {
    require_live(store.conn(), person)?;
    let root = fold_group(store, person)?;
    let purged = erase_keeping(store, root.0, Years::Closed)?;
    let mut total = root.1;
    total += purged;
    crate::audit::record(
        store,
        crate::audit::Action::Erased,
        Some(schema::PERSON.name),
        Some(root.0),
    )?;
    Ok(total)
}

/// Erasing or anonymising one record of a person merged from several takes them all: the
/// rows of the records merged into hers are first moved onto hers (so that the figures kept
/// count her once), then those records are erased. Returns the kept record's id and what
/// erasing the others removed.
fn fold_group(store: &mut Store, person: Uuid) -> Result<(Uuid, Purged)> {
    let root = crate::person_merge::root_of(store.conn(), person)?;
    let members = store.write(|w| crate::person_merge::fold(w, root))?;
    let mut purged = Purged::default();
    for member in members {
        purged += erase_keeping(store, member, Years::Closed)?;
    }
    Ok((root, purged))
}

/// Erases `person` here and orders it everywhere, after copying under a new anonymous person
/// what the figures of `years` need of her ([`crate::anonymous_copy`]).
fn erase_keeping(store: &mut Store, person: Uuid, years: Years) -> Result<Purged> {
    require_live(store.conn(), person)?;
    store.write(|w| {
        let kept = crate::anonymous_copy::keep_figures(w, person, years)?;
        let order = ErasureOrder {
            person_id: person.to_string(),
            kind: "erase".into(),
            date: w.today(),
            values_stamp: None,
        };
        // A person anonymised by an earlier version has an order already: it becomes an
        // erasure.
        if w.is_live(&schema::ERASURE, order_id(person))? {
            w.update(order_id(person), &order)?;
        } else {
            w.create_with_id(order_id(person), &order)?;
        }
        let mut purged = purge_erased(w.conn(), person)?;
        purged.kept_anonymously = kept.rows;
        purged.anonymous_copy = kept.person;
        Ok(purged)
    })
}

/// The persons erased or anonymised in this notebook or by an order it received.
pub fn erased_ids(store: &Store) -> Result<HashSet<Uuid>> {
    erased_persons(store.conn())
}

/// Whether `field` is part of a person's identity (what anonymising takes away).
pub(crate) fn is_identity_field(field: &str) -> bool {
    PERSON_IDENTITY.contains(&field)
}

/// Whether `person` is anonymised in this notebook.
pub(crate) fn is_anonymous_person(conn: &Connection, person: Uuid) -> Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM erased_row WHERE row_id = ?1 AND mode = 3",
            [person.as_bytes().as_slice()],
            |r| r.get::<_, i64>(0),
        )
        .optional()?
        .is_some())
}

/// After a local write, in its transaction: purges again the erased or anonymised persons
/// that what it logged (after `first_seq`) is about, exactly as a receiver of it will.
pub(crate) fn purge_after_local_write(conn: &Connection, first_seq: i64) -> Result<()> {
    // Every local write asks: a cached statement.
    let any: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM erasure)")?
        .query_row([], |r| r.get(0))?;
    if !any {
        return Ok(());
    }
    let changes: Vec<Change> = changelog::since(conn, first_seq)?
        .iter()
        .flat_map(|w| w.changes())
        .collect();
    // Erasing or anonymising purged already, in this write.
    if changes.iter().any(|c| c.entity == &schema::ERASURE) {
        return Ok(());
    }
    for person in persons_to_purge(conn, &changes)? {
        purge(conn, person)?;
    }
    Ok(())
}

/// Whether `person` was erased (not merely anonymised) here or by an order received: an
/// erasure wins over any anonymisation.
pub fn is_erased(store: &Store, person: Uuid) -> Result<bool> {
    erase_ordered(store.conn(), person)
}

/// Whether any device ever ordered `person` erased: any change of her order to the kind
/// "erase", whichever kind won the order's field.
fn erase_ordered(conn: &Connection, person: Uuid) -> Result<bool> {
    Ok(changelog::of_row(conn, order_id(person))?
        .iter()
        .filter(|w| w.entity == &schema::ERASURE)
        .flat_map(|w| w.fields.iter())
        .any(|(name, value, _)| *name == "kind" && *value == Value::Text("erase".into())))
}

/// The change-log position up to which this device has exported its own changes: its own
/// changes after it were never sent.
fn last_sent(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(through), 0) FROM sync_segment WHERE direction = 'out'",
        [],
        |r| r.get(0),
    )?)
}

/// The persons erased in this notebook (their orders), for the sync's checks.
pub(crate) fn erased_persons(conn: &Connection) -> Result<HashSet<Uuid>> {
    // An order of which only a later edit arrived so far names nobody yet.
    let mut stmt =
        conn.prepare_cached("SELECT person_id FROM erasure WHERE person_id IS NOT NULL")?;
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

/// Rows already removed, detached or anonymised for erased or anonymised persons, with their
/// entity: what received changes must not bring back.
pub(crate) fn erased_rows(conn: &Connection) -> Result<HashMap<Uuid, (String, Mode)>> {
    let mut stmt = conn.prepare_cached("SELECT row_id, entity, mode FROM erased_row")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (id, entity, mode) = row?;
        let mode = match mode {
            0 => Mode::Gone,
            1 => Mode::Detached,
            3 => Mode::AnonymousPerson,
            _ => Mode::Anonymised,
        };
        out.insert(changelog::uuid_from_blob(&id)?, (entity, mode));
    }
    Ok(out)
}

/// Whether a received change must be dropped because of an erasure or an anonymisation.
pub(crate) fn refuses(erased: &HashMap<Uuid, (String, Mode)>, change: &Change) -> bool {
    match erased.get(&change.row_id) {
        Some((entity, mode)) if entity == change.entity.name => match mode {
            Mode::Gone => true,
            Mode::Detached => ENCOUNTER_PERSONAL.contains(&change.field),
            Mode::Anonymised => anonymised_fields(entity).contains(&change.field),
            Mode::AnonymousPerson => false,
        },
        _ => false,
    }
}

/// Whether `stamp` is one of the `count` stamps of the write stamped from `first`.
fn in_write(first: crate::clock::Hlc, count: i64, stamp: crate::clock::Hlc) -> bool {
    stamp.device == first.device
        && stamp.wall_ms == first.wall_ms
        && (first.counter..first.counter + count).contains(&stamp.counter)
}

/// The erased persons that received `changes` concern: new orders, and new or changed rows
/// that point to an erased person or to a row removed for one. Each is purged again after
/// the changes are applied (the purge is idempotent).
pub(crate) fn persons_to_purge(conn: &Connection, changes: &[Change]) -> Result<Vec<Uuid>> {
    let mut out: Vec<Uuid> = Vec::new();
    // A received batch can be large: the erased persons are read once. A local write names
    // a person or two: each is looked up through the index.
    let mut erased: Option<HashSet<Uuid>> = None;
    let few = changes.len() < 64;
    let is_erased = |erased: &mut Option<HashSet<Uuid>>, person: Uuid| -> Result<bool> {
        if few {
            return Ok(conn
                .query_row(
                    "SELECT 1 FROM erasure WHERE person_id = ?1",
                    [person.to_string()],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?
                .is_some());
        }
        let set = match erased {
            Some(set) => set,
            None => erased.insert(erased_persons(conn)?),
        };
        Ok(set.contains(&person))
    };
    for change in changes {
        let person = if change.entity == &schema::ERASURE {
            conn.query_row(
                "SELECT person_id FROM erasure WHERE id = ?1",
                [change.row_id.to_string()],
                |r| r.get::<_, Option<String>>(0),
            )
            .optional()?
            .flatten()
            .map(|id| crate::validate::id(&id))
            .transpose()?
        } else if change.entity == &schema::PERSON {
            // An anonymised person's values may arrive after the order.
            is_erased(&mut erased, change.row_id)?.then_some(change.row_id)
        } else if matches!(
            change.field,
            "person_id" | "referral_id" | "into_id" | "other_id"
        ) {
            let Value::Text(text) = &change.value else {
                continue;
            };
            let Ok(target) = Uuid::parse_str(text) else {
                continue;
            };
            if change.field != "referral_id" {
                is_erased(&mut erased, target)?.then_some(target)
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

/// Applies the order about `person` this notebook holds: an erasure if any device ever
/// ordered one (it wins over an anonymisation), else the anonymisation. Runs inside the
/// caller's transaction; idempotent.
pub(crate) fn purge(conn: &Connection, person: Uuid) -> Result<Purged> {
    if erase_ordered(conn, person)? {
        return purge_erased(conn, person);
    }
    let stamp: Option<String> = conn
        .query_row(
            "SELECT values_stamp FROM erasure WHERE id = ?1 AND kind = 'anonymise'",
            [order_id(person).to_string()],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    let values = stamp.as_deref().and_then(|s| {
        let (first, count) = s.split_once('/')?;
        Some((first.parse().ok()?, count.parse().ok()?))
    });
    match values {
        Some((first, count)) => purge_anonymised(conn, person, first, count),
        None => Ok(Purged::default()),
    }
}

/// Removes `person` and every row about them, with their history, from this notebook, and
/// makes their encounters anonymous. Runs inside the caller's transaction.
pub(crate) fn purge_erased(conn: &Connection, person: Uuid) -> Result<Purged> {
    let mut purged = Purged::default();
    forget_keys(conn, person)?;
    let p = person.to_string();
    // The log position this device last exported: own changes after it were never sent.
    let sent = last_sent(conn)?;
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
        (
            &schema::CONSENT,
            "SELECT id FROM consent WHERE person_id = ?1",
        ),
        (
            &schema::PERSON_MERGE,
            "SELECT id FROM person_merge WHERE person_id = ?1 OR into_id = ?1",
        ),
        (
            &schema::NOT_DUPLICATE,
            "SELECT id FROM not_duplicate WHERE person_id = ?1 OR other_id = ?1",
        ),
    ] {
        for id in ids(sql, &p)? {
            if !gone.iter().any(|(_, g)| *g == id) {
                gone.push((spec, id));
            }
        }
    }
    for (spec, id) in gone {
        remove_row(conn, spec, id, person, sent, &mut purged)?;
    }
    for encounter in ids("SELECT id FROM encounter WHERE person_id = ?1", &p)? {
        detach_encounter(conn, person, encounter)?;
        purged.encounters_detached += 1;
    }
    crate::person_merge::refresh(conn)?;
    crate::store::mark_rewrite_pending(conn)?;
    Ok(purged)
}

/// Rows of `entity` removed earlier for `person`.
fn gone_of(conn: &Connection, person: Uuid, entity: &str) -> Result<Vec<Uuid>> {
    let mut stmt = conn.prepare_cached(
        "SELECT row_id FROM erased_row WHERE person = ?1 AND entity = ?2 AND mode = 0",
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
    blank_fields(conn, &schema::ENCOUNTER, encounter, ENCOUNTER_PERSONAL)?;
    conn.execute(
        "INSERT INTO erased_row (row_id, entity, mode, person) VALUES (?1, 'encounter', 1, ?2)
         ON CONFLICT (row_id) DO UPDATE SET mode = 1",
        params![
            encounter.as_bytes().as_slice(),
            person.as_bytes().as_slice()
        ],
    )?;
    Ok(())
}

/// Anonymises `person` here, and writes the order that anonymises them on every other
/// device: identity, contacts and free texts go; what the yearly figures need stays.
/// Cannot be undone.
pub fn anonymise(store: &mut Store, person: Uuid) -> Result<Purged> {
    let purged = anonymise_one(store, person)?;
    store.compact()?;
    Ok(purged)
}

/// [`anonymise`], leaving the file rewrite to the caller (as [`erase_without_rewrite`]).
pub fn anonymise_without_rewrite(store: &mut Store, person: Uuid) -> Result<Purged> {
    anonymise_one(store, person)
}

/// [`anonymise`], without rewriting the file afterwards.
fn anonymise_one(store: &mut Store, person: Uuid) -> Result<Purged> {
    require_live(store.conn(), person)?;
    // Already an anonymous person: nothing more to take away.
    if is_anonymous_person(store.conn(), person)? {
        return Ok(Purged::default());
    }
    let (root, mut purged) = fold_group(store, person)?;
    purged += erase_keeping(store, root, Years::All)?;
    crate::audit::record(
        store,
        crate::audit::Action::Anonymised,
        Some(schema::PERSON.name),
        Some(root),
    )?;
    Ok(purged)
}

/// Writes the order that anonymises `person`, naming the stamps of her latest write (the
/// one that just set her anonymous values), and applies it here.
pub(crate) fn order_anonymisation(
    w: &mut crate::store::Writer<'_>,
    person: Uuid,
) -> Result<Purged> {
    let today = w.today();
    // The write that set the anonymous values is the person's latest: its stamps are
    // what every device will accept for her identity (a receiver may log them together
    // with other contiguous stamps: the range, not the log row, names them).
    let latest = changelog::of_row(w.conn(), person)?
        .into_iter()
        .filter(|write| write.entity == &schema::PERSON)
        .max_by_key(|write| write.seq)
        .ok_or_else(|| Error::UnknownId {
            entity: schema::PERSON.label,
            id: person.to_string(),
        })?;
    let first = latest.first;
    let count = latest.fields.len() as i64;
    let order = ErasureOrder {
        person_id: person.to_string(),
        kind: "anonymise".into(),
        date: today,
        values_stamp: Some(format!("{first}/{count}")),
    };
    if w.is_live(&schema::ERASURE, order_id(person))? {
        w.update(order_id(person), &order)?;
    } else {
        w.create_with_id(order_id(person), &order)?;
    }
    purge_anonymised(w.conn(), person, first, count)
}

/// Anonymises every person of `persons` (the "À réexaminer" list), each in its own
/// transaction, telling `progress` how many are done; stops at the first error, keeping
/// those already done.
pub fn anonymise_all(
    store: &mut Store,
    persons: &[Uuid],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Purged> {
    let mut purged = Purged::default();
    let mut failed = None;
    for (done, person) in persons.iter().enumerate() {
        match anonymise_one(store, *person) {
            Ok(one) => purged += one,
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
        progress(done + 1, persons.len());
    }
    // One rewrite of the file for the whole list, even when it stopped early.
    store.compact()?;
    match failed {
        Some(e) => Err(e),
        None => Ok(purged),
    }
}

/// The coarsest birth date that puts the person in the same age band (under 25, 25, 26 or
/// more) at her first contact of each year as her true one: the first of January of her
/// birth year, else the first of her birth month, else the date itself.
pub(crate) fn banded_birth_date(
    conn: &Connection,
    person: Uuid,
    birth: NaiveDate,
) -> Result<NaiveDate> {
    use chrono::Datelike;
    let mut stmt = conn.prepare_cached(
        "SELECT min(d) FROM (
             SELECT date AS d FROM encounter WHERE person_id = ?1 AND deleted = 0
             UNION ALL
             SELECT m.date FROM attendance a JOIN meeting m ON m.id = a.meeting_id
              WHERE a.person_id = ?1 AND a.deleted = 0 AND m.deleted = 0)
         GROUP BY substr(d, 1, 4)",
    )?;
    let firsts: Vec<NaiveDate> = stmt
        .query_map([person.to_string()], |r| r.get::<_, String>(0))?
        .map(|d| crate::validate::date("date", &d?))
        .collect::<Result<_>>()?;
    let band = |born: NaiveDate, day: NaiveDate| crate::report::age_on(born, day).clamp(24, 26);
    let candidates = [
        NaiveDate::from_ymd_opt(birth.year(), 1, 1),
        NaiveDate::from_ymd_opt(birth.year(), birth.month(), 1),
    ];
    Ok(candidates
        .into_iter()
        .flatten()
        .find(|c| firsts.iter().all(|d| band(*c, *d) == band(birth, *d)))
        .unwrap_or(birth))
}

/// Keeps `person` as an anonymous record (see the module's description): identity fields
/// take the anonymous write's values in every change of the person's history, free texts of
/// their other rows are blanked, letters and extensions go. Idempotent.
pub(crate) fn purge_anonymised(
    conn: &Connection,
    person: Uuid,
    first: crate::clock::Hlc,
    count: i64,
) -> Result<Purged> {
    let mut purged = Purged::default();
    forget_keys(conn, person)?;
    let p = person.to_string();
    let blob = person.as_bytes().as_slice();
    // The order may come before the person (or without her: an erasure purged her, and the
    // anonymous write with her, where it was ordered): purged again when she arrives.
    let here: Option<i64> = conn
        .query_row("SELECT 1 FROM person WHERE id = ?1", [&p], |r| r.get(0))
        .optional()?;
    if here.is_none() {
        return Ok(purged);
    }
    let sent = last_sent(conn)?;
    // The person's history: every identity field takes the anonymous write's value (or none).
    let history: Vec<changelog::LoggedWrite> = changelog::of_row(conn, person)?
        .into_iter()
        .filter(|w| w.entity == &schema::PERSON)
        .collect();
    // Per identity field, the anonymous value: the one the anonymous write set, or for a
    // field it left as it was (a birth date that had to stay, a phone already empty), the
    // value that field had just before it. Until that write is here, none.
    let mut set: HashMap<&str, Value> = HashMap::new();
    let mut before: HashMap<&str, (crate::clock::Hlc, Value)> = HashMap::new();
    for write in &history {
        for (k, (name, value, _)) in write.fields.iter().enumerate() {
            let stamp = write.stamp(k);
            if in_write(first, count, stamp) {
                set.insert(name, value.clone());
            } else if stamp < first && before.get(name).is_none_or(|(s, _)| stamp > *s) {
                before.insert(name, (stamp, value.clone()));
            }
        }
    }
    let arrived = !set.is_empty();
    let allowed_value = |field: &str| -> Value {
        if !arrived {
            return Value::Null;
        }
        set.get(field)
            .or_else(|| before.get(field).map(|(_, v)| v))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut rewritten = Vec::new();
    for write in &history {
        let mut changed = false;
        let fields: Vec<changelog::LoggedField> = write
            .fields
            .iter()
            .enumerate()
            .map(|(k, (name, value, prev))| {
                if PERSON_IDENTITY.contains(name) && !in_write(first, count, write.stamp(k)) {
                    let anonymous = allowed_value(name);
                    changed |= anonymous != *value;
                    (*name, anonymous, *prev)
                } else {
                    (*name, value.clone(), *prev)
                }
            })
            .collect();
        if changed {
            let refs: Vec<(&str, &Value, Option<crate::clock::Hlc>)> =
                fields.iter().map(|(n, v, p)| (*n, v, *p)).collect();
            conn.execute(
                "UPDATE change_log SET fields = ?1 WHERE seq = ?2",
                params![changelog::encode(&refs), write.seq],
            )?;
            let own: i64 = conn.query_row(
                "SELECT received = 0 FROM change_log WHERE seq = ?1",
                [write.seq],
                |r| r.get(0),
            )?;
            if own == 1 && write.seq > sent {
                purged.own_edits_dropped += 1;
            }
        }
        rewritten.push(changelog::LoggedWrite {
            fields,
            ..write.clone()
        });
    }
    // The row shows, per identity field, the value of its latest change.
    let clocks = changelog::RowClocks::of(&rewritten);
    let mut values: Vec<Value> = PERSON_IDENTITY
        .iter()
        .map(|field| {
            clocks
                .winners
                .get(field)
                .map_or(Value::Null, |(_, v)| v.clone())
        })
        .collect();
    values.push(Value::Text(p.clone()));
    let sets: Vec<String> = PERSON_IDENTITY
        .iter()
        .enumerate()
        .map(|(i, field)| format!("{field} = ?{}", i + 1))
        .collect();
    conn.prepare_cached(&format!(
        "UPDATE person SET {} WHERE id = ?{}",
        sets.join(", "),
        PERSON_IDENTITY.len() + 1
    ))?
    .execute(rusqlite::params_from_iter(values))?;
    // Search finds the anonymous name, and nothing of the former one.
    crate::store::refresh_person_keys(conn, &p)?;
    // Conflicts kept about her identity go; those about what stays (gender, quartier…) stay.
    let mut stmt = conn.prepare_cached(
        "DELETE FROM sync_conflict WHERE row_id = ?1 AND entity = 'person' AND field = ?2",
    )?;
    for field in PERSON_IDENTITY {
        stmt.execute(params![blob, field])?;
    }
    conn.execute(
        "INSERT INTO erased_row (row_id, entity, mode, person) VALUES (?1, 'person', 3, ?1)
         ON CONFLICT (row_id) DO UPDATE SET mode = 3",
        params![blob],
    )?;
    // Letters and extensions go; the other rows lose their free texts.
    let ids = |sql: &str| -> Result<Vec<Uuid>> {
        let mut stmt = conn.prepare_cached(sql)?;
        let rows = stmt.query_map([&p], |r| r.get::<_, String>(0))?;
        rows.map(|id| crate::validate::id(&id?)).collect()
    };
    for (spec, sql) in [
        (
            &schema::LETTER,
            "SELECT id FROM letter WHERE person_id = ?1",
        ),
        (
            &schema::RETENTION_EXTENSION,
            "SELECT id FROM retention_extension WHERE person_id = ?1",
        ),
        (
            &schema::CONSENT,
            "SELECT id FROM consent WHERE person_id = ?1",
        ),
    ] {
        for id in ids(sql)? {
            remove_row(conn, spec, id, person, sent, &mut purged)?;
        }
    }
    for (spec, sql) in [
        (
            &schema::ENCOUNTER,
            "SELECT id FROM encounter WHERE person_id = ?1",
        ),
        (
            &schema::REFERRAL,
            "SELECT id FROM referral WHERE person_id = ?1",
        ),
        (
            &schema::REFERRAL_EVENT,
            "SELECT e.id FROM referral_event e JOIN referral r ON r.id = e.referral_id
              WHERE r.person_id = ?1",
        ),
        (
            &schema::OUTCOME,
            "SELECT id FROM outcome WHERE person_id = ?1",
        ),
    ] {
        for id in ids(sql)? {
            blank_fields(conn, spec, id, anonymised_fields(spec.name))?;
            conn.execute(
                "INSERT INTO erased_row (row_id, entity, mode, person) VALUES (?1, ?2, 2, ?3)
                 ON CONFLICT (row_id) DO NOTHING",
                params![id.as_bytes().as_slice(), spec.name, blob],
            )?;
            purged.encounters_detached += usize::from(spec == &schema::ENCOUNTER);
        }
    }
    Ok(purged)
}

/// Deletes `person`'s keys from this notebook (with `secure_delete`, their bytes are
/// overwritten): what the folder's old segments hold of her identity and free texts can no
/// longer be opened here; the next sync deletes her key files from the folder
/// (`sync/person_keys.rs`).
fn forget_keys(conn: &Connection, person: Uuid) -> Result<()> {
    conn.prepare_cached("DELETE FROM person_key WHERE person = ?1")?
        .execute([person.as_bytes().as_slice()])?;
    Ok(())
}

/// Removes one row of `person`, its history and conflicts, and remembers it as gone.
fn remove_row(
    conn: &Connection,
    spec: &'static EntitySpec,
    id: Uuid,
    person: Uuid,
    sent: i64,
    purged: &mut Purged,
) -> Result<()> {
    let blob = id.as_bytes().as_slice();
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
    crate::audit::keep_entries_of_rows(conn, id, spec.name)?;
    conn.execute(
        "DELETE FROM change_log WHERE row_id = ?1 AND entity = ?2",
        params![blob, spec.name],
    )?;
    conn.execute(
        "DELETE FROM sync_conflict WHERE row_id = ?1 AND entity = ?2",
        params![blob, spec.name],
    )?;
    conn.execute(
        "INSERT INTO erased_row (row_id, entity, mode, person) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT (row_id) DO UPDATE SET mode = 0",
        params![blob, spec.name, person.as_bytes().as_slice()],
    )?;
    Ok(())
}

/// Empties `fields` of one row, in the row and in every change of its history (the stamps
/// stay), and drops the conflicts kept about them.
fn blank_fields(
    conn: &Connection,
    spec: &'static EntitySpec,
    id: Uuid,
    fields: &[&str],
) -> Result<()> {
    let sets: Vec<String> = fields.iter().map(|f| format!("{f} = NULL")).collect();
    conn.execute(
        &format!("UPDATE {} SET {} WHERE id = ?1", spec.name, sets.join(", ")),
        [id.to_string()],
    )?;
    for write in changelog::of_row(conn, id)? {
        if write.entity != spec
            || !write
                .fields
                .iter()
                .any(|(n, v, _)| fields.contains(n) && *v != Value::Null)
        {
            continue;
        }
        let blank = Value::Null;
        let refs: Vec<(&str, &Value, Option<crate::clock::Hlc>)> = write
            .fields
            .iter()
            .map(|(name, value, prev)| {
                (
                    *name,
                    if fields.contains(name) { &blank } else { value },
                    *prev,
                )
            })
            .collect();
        conn.execute(
            "UPDATE change_log SET fields = ?1 WHERE seq = ?2",
            params![changelog::encode(&refs), write.seq],
        )?;
    }
    for field in fields {
        conn.execute(
            "DELETE FROM sync_conflict WHERE row_id = ?1 AND entity = ?2 AND field = ?3",
            params![id.as_bytes().as_slice(), spec.name, field],
        )?;
    }
    Ok(())
}
