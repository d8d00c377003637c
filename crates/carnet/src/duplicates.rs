//! Duplicate persons in the notebook: the records that are likely the same person, at entry
//! (one new record against the notebook) and over the whole notebook (the "Doublons" list,
//! `carnet duplicates`).
//!
//! Why blocking: comparing every pair of 23,000 persons is 260 million comparisons. A record
//! is compared only with those that share one of its keys ([`person_match::blocking_keys`]):
//! the sound keys of its names (stored as `person.match_key`, indexed, kept by the write
//! path and sync), its birth date with day and month in either order, or its phone. The
//! scoring itself is `person_match`'s.
//!
//! A key shared by more than [`MAX_BLOCK`] records identifies nobody — a structure's phone
//! typed for everyone it receives, a very common name without a birth date — and is not
//! used: otherwise one such key would make every check compare a record with thousands
//! (measured: a sync bringing persons who all shared one phone spent more time here than in
//! the import itself), and the whole-notebook list quadratic. Such records are still found
//! through their other keys.
//!
//! What is guaranteed: anonymous persons (anonymised, or the copies an erasure keeps) and
//! records merged into another are never proposed, nor a pair said "pas un doublon" on any
//! device ([`crate::person_merge`]); a pair is listed once, best score first, with the
//! reasons in French.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use crate::error::Result;
use crate::person::Person;
use crate::person_match::{self, Level};
use crate::store::Store;

/// The most records a blocking key may gather and still be used (see the module's text).
pub const MAX_BLOCK: usize = 50;

/// A record that may be the one being entered.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub birth_date: Option<NaiveDate>,
    pub quartier_id: Option<Uuid>,
    pub quartier_name: Option<String>,
    pub last_contact: Option<NaiveDate>,
    pub score: i32,
    pub level: Level,
    pub reasons: Vec<&'static str>,
}

/// Two records that may be the same person.
#[derive(Debug, Clone, Serialize)]
pub struct Pair {
    pub a: Uuid,
    pub b: Uuid,
    pub a_name: String,
    pub b_name: String,
    pub score: i32,
    pub level: Level,
    pub reasons: Vec<&'static str>,
}

/// What matching reads of a person.
const COLUMNS: &str = "id, first_name, last_name, gender, birth_date, phone, email, quartier_id";

fn read(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, Person)> {
    let date = |s: Option<String>| s.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
    let uuid = |s: Option<String>| s.and_then(|d| Uuid::parse_str(&d).ok());
    Ok((
        row.get(0)?,
        Person {
            first_name: row.get(1)?,
            last_name: row.get(2)?,
            gender: row.get(3)?,
            birth_date: date(row.get(4)?),
            phone: row.get(5)?,
            email: row.get(6)?,
            quartier_id: uuid(row.get(7)?),
            ..Person::default()
        },
    ))
}

/// The records that may be `new` (not yet saved, or `except` itself), best first, at most
/// `limit`.
pub fn candidates(
    store: &Store,
    new: &Person,
    except: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Candidate>> {
    candidates_outside(store, new, except, limit, &never_proposed(store)?)
}

/// [`candidates`], `anonymous` (the persons never proposed) read once by the caller.
fn candidates_outside(
    store: &Store,
    new: &Person,
    except: Option<Uuid>,
    limit: usize,
    anonymous: &HashSet<Uuid>,
) -> Result<Vec<Candidate>> {
    let names = person_match::match_key(&new.first_name, &new.last_name);
    let (d1, d2) = match new.birth_date {
        Some(b) => (
            b.format("%Y-%m-%d").to_string(),
            NaiveDate::from_ymd_opt(b.year(), b.day(), b.month())
                .unwrap_or(b)
                .format("%Y-%m-%d")
                .to_string(),
        ),
        None => (String::new(), String::new()),
    };
    let phone = new
        .phone
        .as_deref()
        .and_then(|p| crate::validate::phone("phone", p).ok())
        .unwrap_or_default();
    // Each key apart, at most one record more than a usable block holds: a fuller block is
    // dropped whole (the same records whatever the order they come in).
    let cap = MAX_BLOCK + 1;
    let blocks: [(&str, Vec<rusqlite::types::Value>); 3] = [
        ("match_key = ?1", vec![names.into()]),
        ("birth_date IN (?1, ?2)", vec![d1.into(), d2.into()]),
        ("phone = ?1", vec![phone.into()]),
    ];
    let mut found: Vec<(String, Person)> = Vec::new();
    for (test, params) in blocks {
        if params
            .iter()
            .all(|p| matches!(p, rusqlite::types::Value::Text(t) if t.is_empty()))
        {
            continue;
        }
        // Counted in the key's index first: a full block costs 51 index entries, not 51 rows.
        let size: i64 = store
            .conn()
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM person WHERE deleted = 0 AND {test} LIMIT {cap})"
            ))?
            .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
        if size > MAX_BLOCK as i64 {
            continue;
        }
        let mut stmt = store.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM person WHERE deleted = 0 AND {test}"
        ))?;
        for row in stmt.query_map(rusqlite::params_from_iter(params), read)? {
            found.push(row?);
        }
    }
    let mut out = Vec::new();
    let mut scored: HashSet<Uuid> = HashSet::new();
    for (id, person) in found {
        let id = crate::validate::id(&id)?;
        if Some(id) == except || anonymous.contains(&id) || !scored.insert(id) {
            continue;
        }
        let score = person_match::score(new, &person);
        if let Some(level) = score.level {
            out.push(Candidate {
                id,
                first_name: person.first_name,
                last_name: person.last_name,
                birth_date: person.birth_date,
                quartier_id: person.quartier_id,
                quartier_name: None,
                last_contact: None,
                score: score.score,
                level,
                reasons: score.reasons,
            });
        }
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
    out.truncate(limit);
    for c in &mut out {
        (c.quartier_name, c.last_contact) =
            crate::person::quartier_and_last_contact(store, c.id, c.quartier_id)?;
    }
    Ok(out)
}

/// The persons never proposed: anonymous ones, and records merged into another.
fn never_proposed(store: &Store) -> Result<HashSet<Uuid>> {
    let mut out = crate::erasure::erased_ids(store)?;
    out.extend(crate::person_merge::merged_away(store.conn())?);
    Ok(out)
}

/// The likely duplicates of `persons` (those a sync just brought) among the notebook's
/// records, each pair once, best first.
pub fn among(store: &Store, persons: &[Uuid]) -> Result<Vec<Pair>> {
    let mut out: Vec<Pair> = Vec::new();
    if persons.is_empty() {
        return Ok(out);
    }
    let anonymous = never_proposed(store)?;
    let mut seen: HashSet<(Uuid, Uuid)> = crate::person_merge::dismissed(store.conn())?;
    for id in persons {
        let Ok(person) = store.get::<Person>(*id) else {
            // Erased or deleted meanwhile.
            continue;
        };
        if anonymous.contains(id) {
            continue;
        }
        for c in candidates_outside(store, &person, Some(*id), 5, &anonymous)? {
            let key = if *id < c.id { (*id, c.id) } else { (c.id, *id) };
            if !seen.insert(key) {
                continue;
            }
            out.push(Pair {
                a: key.0,
                b: key.1,
                a_name: if key.0 == *id {
                    person.full_name()
                } else {
                    format!("{} {}", c.first_name, c.last_name)
                },
                b_name: if key.1 == *id {
                    person.full_name()
                } else {
                    format!("{} {}", c.first_name, c.last_name)
                },
                score: c.score,
                level: c.level,
                reasons: c.reasons,
            });
        }
    }
    out.sort_by(|p, q| q.score.cmp(&p.score).then((p.a, p.b).cmp(&(q.a, q.b))));
    Ok(out)
}

/// Every pair of records of the notebook that may be the same person, best first.
pub fn pairs(store: &Store) -> Result<Vec<Pair>> {
    let anonymous = never_proposed(store)?;
    let dismissed = crate::person_merge::dismissed(store.conn())?;
    let mut stmt = store.conn().prepare(&format!(
        "SELECT {COLUMNS} FROM person WHERE deleted = 0 ORDER BY id"
    ))?;
    let mut persons: Vec<(Uuid, Person)> = Vec::new();
    for row in stmt.query_map([], read)? {
        let (id, person) = row?;
        let id = crate::validate::id(&id)?;
        if !anonymous.contains(&id) {
            persons.push((id, person));
        }
    }
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (k, (_, person)) in persons.iter().enumerate() {
        for key in person_match::blocking_keys(person) {
            blocks.entry(key).or_default().push(k);
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut out = Vec::new();
    for members in blocks.values().filter(|m| m.len() <= MAX_BLOCK) {
        for (i, &x) in members.iter().enumerate() {
            for &y in &members[i + 1..] {
                if !seen.insert((x, y)) {
                    continue;
                }
                let ((a, pa), (b, pb)) = (&persons[x], &persons[y]);
                if dismissed.contains(&(*a, *b)) {
                    continue;
                }
                let score = person_match::score(pa, pb);
                if let Some(level) = score.level {
                    out.push(Pair {
                        a: *a,
                        b: *b,
                        a_name: pa.full_name(),
                        b_name: pb.full_name(),
                        score: score.score,
                        level,
                        reasons: score.reasons,
                    });
                }
            }
        }
    }
    out.sort_by(|p, q| q.score.cmp(&p.score).then((p.a, p.b).cmp(&(q.a, q.b))));
    Ok(out)
}
