//! Consent history: each consent (to be contacted, to share with partners, statistical use)
//! given or withdrawn, with its date and how it was given.
//!
//! Why beside the person's `consent_*` fields rather than instead of them: letters, the
//! figures and the forms read the current state, a yes/no per consent; those fields stay its
//! one source. What they cannot keep is how it came to be: a withdrawn consent overwrote the
//! day it had been given. So every change of a consent made through [`create_person`] or
//! [`update_person`] (the window's and the CLI's way to write a person) also writes a
//! `consent` row, in the same transaction; rows are never changed afterwards, only added, and
//! they go with the person when she is erased.
//!
//! A consent recorded before this history existed (or by the demo generator) has no row: the
//! history then starts with the state the person's record held, dated by `consent_date`
//! ([`history`] says so with `recorded_before_history`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::person::Person;
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};
use crate::undo::Undo;

/// One consent given or withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Consent {
    pub person_id: Uuid,
    /// `contact`, `partners` or `stats`.
    pub kind: String,
    pub given: bool,
    /// `oral`, `written` or `message`.
    pub how: Option<String>,
    pub date: NaiveDate,
}

impl Record for Consent {
    const SPEC: &'static EntitySpec = &schema::CONSENT;

    fn check(&self, today: NaiveDate) -> Result<()> {
        crate::validate::not_after("date", self.date, today)?;
        Ok(())
    }
}

/// The consents of a person record, by kind.
fn states(p: &Person) -> [(&'static str, Option<bool>); 3] {
    [
        ("contact", p.consent_contact),
        ("partners", p.consent_partners),
        ("stats", p.consent_stats),
    ]
}

/// Writes a history row for each consent that `after` gives or withdraws compared with
/// `before` (an answer cleared to "non renseigné" is not an event).
fn record_changes(
    w: &mut Writer<'_>,
    person: Uuid,
    before: Option<&Person>,
    after: &Person,
    how: Option<&str>,
) -> Result<()> {
    // The date typed with this change, if the officer typed one; else today (a withdrawal
    // noted without touching the date of the first consent happens today).
    let typed = match before {
        None => after.consent_date,
        Some(b) => after.consent_date.filter(|d| b.consent_date != Some(*d)),
    };
    let date = typed.unwrap_or_else(|| w.today());
    for (k, (kind, now)) in states(after).into_iter().enumerate() {
        let was = before.and_then(|b| states(b)[k].1);
        let Some(given) = now else { continue };
        if was == Some(given) {
            continue;
        }
        w.create(&Consent {
            person_id: person,
            kind: kind.to_string(),
            given,
            how: how.filter(|h| !h.trim().is_empty()).map(str::to_string),
            date,
        })?;
    }
    Ok(())
}

/// Creates a person; her consents, if any, start their history, given `how`.
pub fn create_person(w: &mut Writer<'_>, person: &Person, how: Option<&str>) -> Result<Uuid> {
    let id = w.create(person)?;
    record_changes(w, id, None, person, how)?;
    Ok(id)
}

/// Updates a person; each consent given or withdrawn is added to her history, given `how`.
/// The [`Undo`] puts her record back (the history keeps both events).
pub fn update_person(
    w: &mut Writer<'_>,
    id: Uuid,
    person: &Person,
    how: Option<&str>,
) -> Result<Undo> {
    let before: Person = w.get(id)?;
    let undo = crate::undo::update(w, id, person)?;
    record_changes(w, id, Some(&before), person, how)?;
    Ok(undo)
}

/// One event of a person's consent history, in French.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    pub kind: String,
    pub kind_label: String,
    pub given: bool,
    pub how: Option<String>,
    pub how_label: Option<String>,
    pub date: NaiveDate,
}

/// A person's consents now and how they came to be.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// Per kind: its code, its French label, the current answer (`None`: not answered).
    pub current: Vec<(String, String, Option<bool>)>,
    /// Oldest first.
    pub events: Vec<Event>,
    /// The record held answers before any history row: dated by `consent_date`, how unknown.
    pub recorded_before_history: Option<NaiveDate>,
}

/// The consents of `person` (or of the record that holds her, if merged), with their history.
pub fn history(store: &Store, person: Uuid) -> Result<History> {
    let holder = crate::person_merge::root_of(store.conn(), person)?;
    let p: Person = store.get(holder)?;
    let mut events = Vec::new();
    for member in crate::person_merge::group(store.conn(), holder)? {
        let rows: Vec<Entry<Consent>> =
            store.select("AND person_id = ?1 ORDER BY date, id", [member.to_string()])?;
        events.extend(rows.into_iter().map(|e| e.data));
    }
    events.sort_by_key(|c| c.date);
    let current = states(&p)
        .into_iter()
        .map(|(kind, given)| {
            (
                kind.to_string(),
                schema::enum_label(schema::CONSENT_KIND, kind),
                given,
            )
        })
        .collect();
    let answered = states(&p).iter().any(|(_, g)| g.is_some());
    Ok(History {
        current,
        recorded_before_history: (events.is_empty() && answered)
            .then_some(p.consent_date)
            .flatten(),
        events: events
            .into_iter()
            .map(|c| Event {
                kind_label: schema::enum_label(schema::CONSENT_KIND, &c.kind),
                how_label: c
                    .how
                    .as_deref()
                    .map(|h| schema::enum_label(schema::CONSENT_HOW, h)),
                kind: c.kind,
                given: c.given,
                how: c.how,
                date: c.date,
            })
            .collect(),
    })
}

/// When `person` withdrew her consent to share with partners, if she did (the letter's
/// refusal says so).
pub(crate) fn partners_withdrawn_on(store: &Store, person: Uuid) -> Result<Option<NaiveDate>> {
    let last: Vec<Entry<Consent>> = store.select(
        "AND person_id = ?1 AND kind = 'partners' ORDER BY date DESC, id DESC LIMIT 1",
        [person.to_string()],
    )?;
    Ok(last
        .into_iter()
        .next()
        .filter(|c| !c.data.given)
        .map(|c| c.data.date))
}
