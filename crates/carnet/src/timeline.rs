//! A person's timeline: everything that happened with them, in date order.
//!
//! Encounters, collective meetings attended, referrals and each step of their history, and
//! outcomes, merged into one list the profile screen shows top to bottom. Ties on the same day
//! keep a fixed order (by kind, then id) so the list never reshuffles between two openings.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::schema;
use crate::store::Store;

/// One line of a timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineItem {
    pub date: NaiveDate,
    /// `encounter`, `meeting`, `referral`, `referral_event`, `letter` or `outcome`.
    pub kind: &'static str,
    /// Id of the encounter, meeting, referral, referral step, letter or outcome.
    pub id: Uuid,
    /// A short French description ("Marché", "Orientation vers ADIE : RDV pris").
    pub summary: String,
    /// For an encounter: its phase, quartier and note ("Détection · Les Buis · …").
    pub detail: Option<String>,
    /// The referral a step or a letter belongs to (where the window opens it).
    pub referral_id: Option<Uuid>,
}

/// The timeline of `person`, oldest first: with what was recorded under the records merged
/// into hers ([`crate::person_merge`]), or, for a merged-away record, her kept record's.
pub fn of_person(store: &Store, person: Uuid) -> Result<Vec<TimelineItem>> {
    let person = crate::person_merge::root_of(store.conn(), person)?;
    let sql = "
        WITH group_ids(id) AS (SELECT ?1 UNION ALL SELECT id FROM person_root WHERE root = ?1)
        SELECT e.date, 'encounter', e.id, e.kind, NULL, e.phase, q.name, e.note, NULL
          FROM encounter e LEFT JOIN quartier q ON q.id = e.quartier_id
         WHERE e.person_id IN (SELECT id FROM group_ids) AND e.deleted = 0
        UNION ALL
        SELECT m.date, 'meeting', m.id, m.kind, m.title, NULL, NULL, NULL, NULL FROM attendance a
          JOIN meeting m ON m.id = a.meeting_id AND m.deleted = 0
         WHERE a.person_id IN (SELECT id FROM group_ids) AND a.deleted = 0
        UNION ALL
        SELECT r.date, 'referral', r.id, r.need, p.name, NULL, NULL, NULL, r.id FROM referral r
          LEFT JOIN partner p ON p.id = r.partner_id
         WHERE r.person_id IN (SELECT id FROM group_ids) AND r.deleted = 0
        UNION ALL
        SELECT e.date, 'referral_event', e.id, e.status, p.name, NULL, NULL, e.note, r.id
          FROM referral r
          JOIN referral_event e ON e.referral_id = r.id AND e.deleted = 0
          LEFT JOIN partner p ON p.id = r.partner_id
         WHERE r.person_id IN (SELECT id FROM group_ids) AND r.deleted = 0 AND e.status <> 'to_send'
        UNION ALL
        SELECT l.date, 'letter', l.id, NULL, p.name, NULL, NULL, NULL, l.referral_id FROM letter l
          LEFT JOIN referral r ON r.id = l.referral_id
          LEFT JOIN partner p ON p.id = r.partner_id
         WHERE l.person_id IN (SELECT id FROM group_ids) AND l.deleted = 0
        UNION ALL
        SELECT date, 'outcome', id, kind, NULL, NULL, NULL, note, NULL FROM outcome
         WHERE person_id IN (SELECT id FROM group_ids) AND deleted = 0
        ORDER BY 1, 2, 3";
    let mut stmt = store.conn().prepare_cached(sql)?;
    let mut rows = stmt.query([person.to_string()])?;
    let mut items = Vec::new();
    while let Some(row) = rows.next()? {
        let date: String = row.get(0)?;
        let kind: String = row.get(1)?;
        let id: String = row.get(2)?;
        let code: Option<String> = row.get(3)?;
        let extra: Option<String> = row.get(4)?;
        let code = code.unwrap_or_default();
        let extra = extra.unwrap_or_else(|| "partenaire inconnu".to_string());
        let phase: Option<String> = row.get(5)?;
        let quartier: Option<String> = row.get(6)?;
        let note: Option<String> = row.get(7)?;
        let referral: Option<String> = row.get(8)?;
        let detail = [
            phase.map(|p| schema::enum_label(schema::PHASE, &p)),
            quartier,
            note.map(|n| first_line(&n)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
        let (kind, summary) = match kind.as_str() {
            "encounter" => (
                "encounter",
                schema::enum_label(schema::ENCOUNTER_KIND, &code),
            ),
            "meeting" => (
                "meeting",
                format!(
                    "{} : {extra}",
                    schema::enum_label(schema::MEETING_KIND, &code)
                ),
            ),
            "referral" => (
                "referral",
                format!(
                    "Orientation vers {extra} ({})",
                    schema::enum_label(schema::NEED, &code).to_lowercase()
                ),
            ),
            "referral_event" => (
                "referral_event",
                format!(
                    "Orientation vers {extra} : {}",
                    schema::enum_label(schema::REFERRAL_STATUS, &code)
                ),
            ),
            "letter" => ("letter", format!("Lettre d’orientation pour {extra}")),
            _ => ("outcome", schema::enum_label(schema::OUTCOME_KIND, &code)),
        };
        items.push(TimelineItem {
            date: crate::validate::date("date", &date)?,
            kind,
            id: crate::validate::id(&id)?,
            summary,
            detail: (!detail.is_empty()).then(|| detail.join(" · ")),
            referral_id: referral.as_deref().map(crate::validate::id).transpose()?,
        });
    }
    if items.is_empty() && !person_exists(store, person)? {
        return Err(Error::UnknownId {
            entity: schema::PERSON.label,
            id: person.to_string(),
        });
    }
    Ok(items)
}

/// A note's first line, cut at 120 characters, for a one-line history.
fn first_line(note: &str) -> String {
    let line = note.lines().next().unwrap_or_default().trim();
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line.to_string(),
    }
}

fn person_exists(store: &Store, person: Uuid) -> Result<bool> {
    Ok(store.conn().query_row(
        "SELECT count(*) FROM person WHERE id = ?1 AND deleted = 0",
        [person.to_string()],
        |r| r.get::<_, i64>(0),
    )? > 0)
}
