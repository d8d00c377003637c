//! Persons (*porteurs de projet*): the people the officer meets, with the reporting fields.
//!
//! Gender, birth date, QPV residence, situation (France Travail registration, RSA) and
//! education level feed the yearly activity file; consent (when, and to what: being contacted,
//! sharing with partners, statistics) decides what letters and exports may contain. Search is
//! accent-, case- and spacing-insensitive (see [`crate::search_key`]).

use chrono::{Months, NaiveDate};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record, optional_date};
use crate::schema::{self, EntitySpec};
use crate::search_key;
use crate::store::{Store, Writer};
use crate::undo::Undo;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub gender: Option<String>,
    #[serde(with = "optional_date", default)]
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub city: Option<String>,
    pub quartier_id: Option<Uuid>,
    pub lives_in_qpv: Option<bool>,
    pub situation: Option<String>,
    pub france_travail: Option<bool>,
    pub rsa: Option<bool>,
    pub education: Option<String>,
    #[serde(with = "optional_date", default)]
    pub consent_date: Option<NaiveDate>,
    pub consent_contact: Option<bool>,
    pub consent_partners: Option<bool>,
    pub consent_stats: Option<bool>,
    pub project_title: Option<String>,
    pub project_sector: Option<String>,
    pub project_stage: Option<String>,
    pub note: Option<String>,
}

impl Record for Person {
    const SPEC: &'static EntitySpec = &schema::PERSON;

    fn check(&self, today: NaiveDate) -> Result<()> {
        if let Some(birth) = self.birth_date {
            if birth > today {
                return Err(Error::BirthDateInFuture {
                    field: "birth_date",
                });
            }
            let oldest = today.checked_sub_months(Months::new(120 * 12));
            if oldest.is_some_and(|oldest| birth < oldest) {
                return Err(Error::BirthDateTooOld {
                    field: "birth_date",
                });
            }
        }
        if let Some(date) = self.consent_date {
            crate::validate::not_after("consent_date", date, today)?;
        }
        let any_consent = [
            self.consent_contact,
            self.consent_partners,
            self.consent_stats,
        ]
        .contains(&Some(true));
        if any_consent && self.consent_date.is_none() {
            return Err(Error::Required {
                field: "consent_date",
            });
        }
        Ok(())
    }
}

/// A person's record as her page opens it: the reading is journaled ([`crate::audit`]).
pub fn open(store: &Store, id: Uuid) -> Result<Person> {
    let person = store.get::<Person>(id)?;
    crate::audit::record(
        store,
        crate::audit::Action::Opened,
        Some(schema::PERSON.name),
        Some(id),
    )?;
    Ok(person)
}

impl Person {
    /// "Prénom Nom".
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// Persons whose names (or e-mail) contain every word of `query`, accents, case and inner
/// spaces aside — or, when `query` is a phone number or a piece of one (four digits or more,
/// no letter, any spacing, `+33`), whose phone contains it; optionally only those of one
/// quartier. Sorted by last then first name.
pub fn search(
    store: &Store,
    query: &str,
    quartier: Option<Uuid>,
    limit: usize,
) -> Result<Vec<Entry<Person>>> {
    let Some(filter) = filter(query, quartier) else {
        return Ok(Vec::new());
    };
    filter.select(store, 0, limit.min(10_000))
}

/// One person found, with what tells namesakes apart: birth year, quartier, the end of the
/// phone number and the last contact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: Uuid,
    pub first_name: String,
    pub last_name: String,
    pub birth_year: Option<i32>,
    pub quartier_id: Option<Uuid>,
    pub quartier_name: Option<String>,
    /// The last four digits of the phone number.
    pub phone_end: Option<String>,
    /// The date of the latest encounter or collective meeting attended.
    pub last_contact: Option<NaiveDate>,
}

/// One page of a search, and how many persons match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub total: i64,
}

/// The last encounter or meeting of a person (`?1`).
const LAST_CONTACT: &str = "SELECT max(d) FROM (
    SELECT max(date) AS d FROM encounter WHERE person_id = ?1 AND deleted = 0
    UNION ALL
    SELECT max(m.date) FROM attendance a JOIN meeting m ON m.id = a.meeting_id
     WHERE a.person_id = ?1 AND a.deleted = 0 AND m.deleted = 0)";

/// The same under any of her records, when some records are merged into others.
const LAST_CONTACT_OF_GROUP: &str = "SELECT max(d) FROM (
    SELECT max(date) AS d FROM encounter WHERE person_id = ?1 AND deleted = 0
    UNION ALL
    SELECT max(m.date) FROM attendance a JOIN meeting m ON m.id = a.meeting_id
     WHERE a.person_id = ?1 AND a.deleted = 0 AND m.deleted = 0
    UNION ALL
    SELECT max(e.date) FROM person_root r
      JOIN encounter e ON e.person_id = r.id AND e.deleted = 0
     WHERE r.root = ?1
    UNION ALL
    SELECT max(m.date) FROM person_root r
      JOIN attendance a ON a.person_id = r.id AND a.deleted = 0
      JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
     WHERE r.root = ?1)";

/// The name of a person's quartier and the date of her last encounter or meeting (under any
/// of her records, when others were merged into hers): what tells namesakes apart in a list.
pub(crate) fn quartier_and_last_contact(
    store: &Store,
    id: Uuid,
    quartier_id: Option<Uuid>,
) -> Result<(Option<String>, Option<NaiveDate>)> {
    let quartier = match quartier_id {
        Some(q) => store
            .conn()
            .prepare_cached("SELECT name FROM quartier WHERE id = ?1 AND deleted = 0")?
            .query_row([q.to_string()], |r| r.get(0))
            .optional()?,
        None => None,
    };
    let sql = if crate::person_merge::any(store.conn())? {
        LAST_CONTACT_OF_GROUP
    } else {
        LAST_CONTACT
    };
    let last: Option<String> = store
        .conn()
        .prepare_cached(sql)?
        .query_row([id.to_string()], |r| r.get(0))?;
    let last = last
        .as_deref()
        .map(|d| crate::validate::date("date", d))
        .transpose()?;
    Ok((quartier, last))
}

/// [`search`], one page at a time (`offset`, `limit`), with the total and the details that
/// tell persons apart.
pub fn find(
    store: &Store,
    query: &str,
    quartier: Option<Uuid>,
    offset: usize,
    limit: usize,
) -> Result<Found> {
    let Some(filter) = filter(query, quartier) else {
        return Ok(Found {
            hits: Vec::new(),
            total: 0,
        });
    };
    let offset = offset.min(10_000_000);
    let persons = filter.select(store, offset, limit.min(1000))?;
    // Counting scans the table again: only when the page does not already say how many.
    let total = if persons.len() < limit.min(1000) && (offset == 0 || !persons.is_empty()) {
        (offset + persons.len()) as i64
    } else {
        store.count::<Person>(
            &filter.tail,
            rusqlite::params_from_iter(filter.params.iter()),
        )?
    };
    let mut hits = Vec::with_capacity(persons.len());
    for entry in persons {
        let (quartier, last_contact) =
            quartier_and_last_contact(store, entry.id, entry.data.quartier_id)?;
        let p = entry.data;
        hits.push(Hit {
            id: entry.id,
            birth_year: p.birth_date.map(|d| chrono::Datelike::year(&d)),
            quartier_id: p.quartier_id,
            quartier_name: quartier,
            phone_end: p.phone.as_deref().map(|phone| {
                let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
                digits[digits.len().saturating_sub(4)..].iter().collect()
            }),
            last_contact,
            first_name: p.first_name,
            last_name: p.last_name,
        });
    }
    Ok(Found { hits, total })
}

/// How many persons a search for a word of three letters or more reads in name order,
/// testing each key, before it asks the trigram index.
///
/// Why: the index costs for every person holding the words — found, read and sorted — where
/// reading in name order costs for every person read, and stops when the page is full. A
/// frequent last name early in the alphabet is where the index does worst and the order best:
/// at 23,200 persons "benali" is in 461 keys (0.45 ms through the index), and its first 50 are
/// among the first 1,054 persons in name order (0.10 ms to read them). Reading 2,000 keys costs
/// about 0.2 ms: what a search whose page is not there pays on top of the index, at any size
/// of notebook (`docs/performance.md`). Whichever way it is found, a page is the same (a page
/// found short in name order is thrown away).
pub const READ_IN_NAME_ORDER_FIRST: usize = 2_000;

/// What a search asks of the `person` table.
struct Filter {
    /// The `WHERE` tail.
    tail: String,
    params: Vec<String>,
    /// Whether the trigram index finds the rows: they then come in no useful order and are
    /// all sorted, instead of being read in name order from the `person_search` index until
    /// the page is full.
    sorts_what_it_finds: bool,
    /// The folded words every key must hold (at most six).
    words: Vec<String>,
    /// Whether the search is of one quartier.
    of_a_quartier: bool,
}

impl Filter {
    /// The persons from `offset` to `offset + limit` in name order.
    fn select(&self, store: &Store, offset: usize, limit: usize) -> Result<Vec<Entry<Person>>> {
        let params = rusqlite::params_from_iter(self.params.iter());
        let page = format!(
            "{} ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id LIMIT {limit} OFFSET {offset}",
            self.tail
        );
        if !self.sorts_what_it_finds {
            return store.select::<Person>(&page, params);
        }
        if !self.of_a_quartier
            && let Some(first) = self.first_in_name_order(store, offset.saturating_add(limit))?
        {
            return store.select_rowids::<Person>(first.get(offset..).unwrap_or_default());
        }
        store.select_page::<Person>(&page, params)
    }

    /// The rowids of the first `wanted` persons in name order whose key holds every word,
    /// when they are among the first persons a search reads in name order
    /// ([`READ_IN_NAME_ORDER_FIRST`]) or those are all there is; `None` otherwise, and while a
    /// sync has the `person_search` index set aside (reading in order would sort every row).
    fn first_in_name_order(&self, store: &Store, wanted: usize) -> Result<Option<Vec<i64>>> {
        let budget = store.search_reads_in_name_order();
        if wanted == 0 {
            return Ok(Some(Vec::new()));
        }
        if wanted > budget || store.indexes_set_aside()? {
            return Ok(None);
        }
        let mut read = store.conn().prepare_cached(&format!(
            "SELECT rowid, search_key FROM person INDEXED BY person_search
              WHERE deleted = 0{} AND merged_into IS NULL
              ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id",
            crate::store::complete_clause(Person::SPEC)
        ))?;
        let mut rows = read.query([])?;
        // A key holds a word as `search_key LIKE '%word%'` tests it: keys are only ever
        // written by `search_key::of_person`, folded like the words (lower case, where
        // `LIKE`'s ASCII case-insensitivity changes nothing), so as bytes.
        let words: Vec<memchr::memmem::Finder<'_>> = self
            .words
            .iter()
            .map(|word| memchr::memmem::Finder::new(word.as_bytes()))
            .collect();
        let mut found = Vec::with_capacity(wanted);
        for _ in 0..budget {
            let Some(row) = rows.next()? else {
                return Ok(Some(found));
            };
            let rusqlite::types::ValueRef::Text(key) = row.get_ref(1)? else {
                continue;
            };
            if words.iter().all(|word| word.find(key).is_some()) {
                found.push(row.get(0)?);
                if found.len() == wanted {
                    return Ok(Some(found));
                }
            }
        }
        Ok(None)
    }
}

/// The `WHERE` tail and parameters of a search, or `None` when nothing can match.
fn filter(query: &str, quartier: Option<Uuid>) -> Option<Filter> {
    // A record merged into another is found as the one that holds her.
    let mut tail = String::from(" AND merged_into IS NULL");
    let mut params: Vec<String> = Vec::new();
    let mut sorts_what_it_finds = false;
    let mut kept_words = Vec::new();
    if let Some(digits) = phone_digits(query) {
        params.push(digits);
        tail.push_str(" AND phone IS NOT NULL AND replace(phone, ' ', '') LIKE '%' || ?1 || '%'");
    } else {
        let words = search_key::words(query);
        // Only signs typed ("%", "_", "-"): nothing matches them literally in a name, and they
        // must not list everyone as an empty search does.
        if words.is_empty() && !query.trim().is_empty() {
            return None;
        }
        // Words of three letters or more narrow the search through the trigram index: the
        // keys holding the word's first and last trigrams. Each trigram asked costs the index
        // a list of every key holding it (at 23,000 persons, the phrase of "benali"'s four
        // took 0.45 ms, its first and last 0.18 ms), and two already leave few keys beyond
        // those holding the word. Then every word but one of exactly three letters (which
        // its trigram finds exactly) is tested on the keys left, as shorter ones, which
        // trigrams cannot find, always were (on every key when no word is long enough).
        // Folded words hold only letters and digits: neither a LIKE wildcard nor an FTS5
        // operator.
        let words: Vec<&String> = words.iter().take(6).collect();
        kept_words = words.iter().map(|w| w.to_string()).collect();
        let mut trigrams: Vec<String> = Vec::new();
        for word in &words {
            let chars: Vec<char> = word.chars().collect();
            if chars.len() < 3 {
                continue;
            }
            for ends in [&chars[..3], &chars[chars.len() - 3..]] {
                let trigram = format!("\"{}\"", ends.iter().collect::<String>());
                if !trigrams.contains(&trigram) {
                    trigrams.push(trigram);
                }
            }
        }
        sorts_what_it_finds = !trigrams.is_empty();
        if sorts_what_it_finds {
            params.push(trigrams.join(" AND "));
            tail.push_str(&format!(
                " AND rowid IN (SELECT rowid FROM person_trigram WHERE person_trigram MATCH ?{})",
                params.len()
            ));
        }
        // The pattern is built in SQL: a bound pattern is a plan that depends on it.
        for word in words.iter().filter(|w| w.chars().count() != 3) {
            params.push(word.to_string());
            tail.push_str(&format!(
                " AND search_key LIKE '%' || ?{} || '%'",
                params.len()
            ));
        }
    }
    if let Some(q) = quartier {
        params.push(q.to_string());
        tail.push_str(&format!(" AND quartier_id = ?{}", params.len()));
    }
    Some(Filter {
        tail,
        params,
        sorts_what_it_finds,
        words: kept_words,
        of_a_quartier: quartier.is_some(),
    })
}

/// The digits of a query that is a phone number or a piece of one, in the stored form's
/// spelling (`+33 6…` and `0033 6…` become `06…`): at least four digits and no letter.
/// `None` for a name.
fn phone_digits(query: &str) -> Option<String> {
    if query.chars().any(char::is_alphabetic) {
        return None;
    }
    let plus = query.trim_start().starts_with('+');
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 {
        return None;
    }
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    Some(
        match international.and_then(|rest| rest.strip_prefix("33")) {
            Some(french) => format!("0{}", french.strip_prefix('0').unwrap_or(french)),
            None if plus => format!("+{digits}"),
            None => digits,
        },
    )
}

/// Live persons, by last then first name.
pub fn all(store: &Store) -> Result<Vec<Entry<Person>>> {
    store.select::<Person>(
        "AND merged_into IS NULL
         ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id",
        [],
    )
}

/// Live persons with at least one encounter or collective-meeting attendance dated within
/// `[from, to]`, by last then first name.
pub fn seen_between(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Person>>> {
    store.select::<Person>(
        "AND id IN (
            SELECT coalesce((SELECT root FROM person_root WHERE id = person_id), person_id)
              FROM encounter
             WHERE deleted = 0 AND person_id IS NOT NULL AND date BETWEEN ?1 AND ?2
            UNION
            SELECT coalesce((SELECT root FROM person_root WHERE id = a.person_id), a.person_id)
              FROM attendance a JOIN meeting m ON m.id = a.meeting_id
             WHERE a.deleted = 0 AND m.deleted = 0 AND m.date BETWEEN ?1 AND ?2)
         ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE, id",
        [from.to_string(), to.to_string()],
    )
}

/// The live rows recorded with a person (`?1`: her id), each with its entity, in the order
/// deleting her removes them (a referral's letters and steps before the referral). Deletion
/// and the access export read this one list.
pub(crate) const LIVE_ROWS_OF: [(&EntitySpec, &str); 8] = [
    (
        &schema::ENCOUNTER,
        "SELECT id FROM encounter WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::ATTENDANCE,
        "SELECT id FROM attendance WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::LETTER,
        "SELECT id FROM letter WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::REFERRAL_EVENT,
        "SELECT e.id FROM referral_event e JOIN referral r ON r.id = e.referral_id
              WHERE r.person_id = ?1 AND r.deleted = 0 AND e.deleted = 0",
    ),
    (
        &schema::REFERRAL,
        "SELECT id FROM referral WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::OUTCOME,
        "SELECT id FROM outcome WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::RETENTION_EXTENSION,
        "SELECT id FROM retention_extension WHERE person_id = ?1 AND deleted = 0",
    ),
    (
        &schema::CONSENT,
        "SELECT id FROM consent WHERE person_id = ?1 AND deleted = 0",
    ),
];

/// Deletes a person and what was recorded with them (encounters, meeting attendances,
/// referrals and their steps and letters, outcomes): tombstones that sync carries, so a
/// person typed by mistake stops counting in every figure. The [`Undo`] brings it all back.
/// (Erasing a person's data for good is another operation.)
pub fn delete(w: &mut Writer<'_>, id: Uuid) -> Result<Undo> {
    // The records merged into hers are hers: they go with her.
    let merged = crate::person_merge::group(w.conn(), id)?;
    let mut undo = crate::undo::delete(w, &schema::PERSON, id)?;
    for member in merged.into_iter().skip(1) {
        undo.extend(delete(w, member)?);
    }
    for (spec, sql) in LIVE_ROWS_OF {
        undo.extend(crate::undo::delete_selected(w, spec, sql, id)?);
    }
    Ok(undo)
}
