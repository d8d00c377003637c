//! Referrals (*orientations*): a person sent to a partner for a need, with a status history.
//!
//! The status moves along *à envoyer → envoyée → RDV pris → accompagnée* or ends *sans suite*.
//! Each move is its own [`ReferralEvent`] row (so two devices moving the same referral both
//! keep their step after sync) and also updates the referral's current `status` field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::record::{Entry, Record, optional_date};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};
use crate::undo::Undo;
use rusqlite::OptionalExtension;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Referral {
    pub person_id: Uuid,
    pub partner_id: Uuid,
    pub date: NaiveDate,
    pub need: String,
    pub detail: Option<String>,
    pub status: String,
    #[serde(with = "optional_date", default)]
    pub status_date: Option<NaiveDate>,
    #[serde(with = "optional_date", default)]
    pub follow_up: Option<NaiveDate>,
}

impl Record for Referral {
    const SPEC: &'static EntitySpec = &schema::REFERRAL;

    fn check(&self, _today: NaiveDate) -> Result<()> {
        if self.follow_up.is_some_and(|f| f < self.date) {
            return Err(Error::Inconsistent {
                field: "follow_up",
                message: "La date de relance doit suivre la date de l'orientation.",
            });
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReferralEvent {
    pub referral_id: Uuid,
    pub status: String,
    pub date: NaiveDate,
    pub note: Option<String>,
}

impl Record for ReferralEvent {
    const SPEC: &'static EntitySpec = &schema::REFERRAL_EVENT;
}

/// What the officer fills in to refer someone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewReferral {
    pub person_id: Uuid,
    pub partner_id: Uuid,
    pub date: NaiveDate,
    pub need: String,
    pub detail: Option<String>,
    #[serde(with = "optional_date", default)]
    pub follow_up: Option<NaiveDate>,
}

/// Creates a referral in status "à envoyer" with its first history step.
pub fn create(w: &mut Writer<'_>, new: &NewReferral) -> Result<Uuid> {
    let id = w.create(&Referral {
        person_id: new.person_id,
        partner_id: new.partner_id,
        date: new.date,
        need: new.need.clone(),
        detail: new.detail.clone(),
        status: "to_send".to_string(),
        status_date: Some(new.date),
        follow_up: new.follow_up,
    })?;
    w.create(&ReferralEvent {
        referral_id: id,
        status: "to_send".to_string(),
        date: new.date,
        note: None,
    })?;
    Ok(id)
}

/// Moves a referral to a new status on `date` (with an optional note), recording the step.
pub fn move_to(
    w: &mut Writer<'_>,
    referral_id: Uuid,
    status: &str,
    date: NaiveDate,
    note: Option<&str>,
) -> Result<Uuid> {
    Ok(move_to_undoable(w, referral_id, status, date, note)?.0)
}

/// [`move_to`], also returning how to undo it (the step goes, the status comes back).
pub fn move_to_undoable(
    w: &mut Writer<'_>,
    referral_id: Uuid,
    status: &str,
    date: NaiveDate,
    note: Option<&str>,
) -> Result<(Uuid, Undo)> {
    let referral: Referral = w.get(referral_id)?;
    step_after_referral(&referral, date)?;
    let event = w.create(&ReferralEvent {
        referral_id,
        status: status.to_string(),
        date,
        note: note.map(str::to_string),
    })?;
    let mut undo = Undo::created(&schema::REFERRAL_EVENT, event);
    follow_latest_step(w, referral_id, &mut undo)?;
    Ok((event, undo))
}

/// Corrects one step of a referral (status, date, note); the referral's status is then its
/// latest step's.
pub fn correct_step(
    w: &mut Writer<'_>,
    event_id: Uuid,
    status: &str,
    date: NaiveDate,
    note: Option<&str>,
) -> Result<Undo> {
    let mut event: ReferralEvent = w.get(event_id)?;
    let referral: Referral = w.get(event.referral_id)?;
    step_after_referral(&referral, date)?;
    event.status = status.to_string();
    event.date = date;
    event.note = note.map(str::to_string);
    let mut undo = crate::undo::update(w, event_id, &event)?;
    follow_latest_step(w, event.referral_id, &mut undo)?;
    Ok(undo)
}

/// Deletes one step of a referral; the referral's status goes back to its latest remaining
/// step. Deleting its only step deletes the referral.
pub fn delete_step(w: &mut Writer<'_>, event_id: Uuid) -> Result<Undo> {
    let event: ReferralEvent = w.get(event_id)?;
    let remaining: i64 = w.conn().query_row(
        "SELECT count(*) FROM referral_event WHERE referral_id = ?1 AND deleted = 0 AND id <> ?2",
        [event.referral_id.to_string(), event_id.to_string()],
        |r| r.get(0),
    )?;
    if remaining == 0 {
        return delete(w, event.referral_id);
    }
    let mut undo = crate::undo::delete(w, &schema::REFERRAL_EVENT, event_id)?;
    follow_latest_step(w, event.referral_id, &mut undo)?;
    Ok(undo)
}

/// Deletes a referral with its steps and letters (tombstones; the [`Undo`] restores them).
pub fn delete(w: &mut Writer<'_>, referral_id: Uuid) -> Result<Undo> {
    let mut undo = crate::undo::delete(w, &schema::REFERRAL, referral_id)?;
    for (spec, sql) in [
        (
            &schema::REFERRAL_EVENT,
            "SELECT id FROM referral_event WHERE referral_id = ?1 AND deleted = 0",
        ),
        (
            &schema::LETTER,
            "SELECT id FROM letter WHERE referral_id = ?1 AND deleted = 0",
        ),
    ] {
        undo.extend(crate::undo::delete_selected(w, spec, sql, referral_id)?);
    }
    Ok(undo)
}

/// A step is dated on or after its referral.
fn step_after_referral(referral: &Referral, date: NaiveDate) -> Result<()> {
    if date < referral.date {
        return Err(Error::Inconsistent {
            field: "date",
            message: "Une étape ne peut pas précéder la date de l'orientation.",
        });
    }
    Ok(())
}

/// Sets the referral's status and status date to its latest live step's.
fn follow_latest_step(w: &mut Writer<'_>, referral_id: Uuid, undo: &mut Undo) -> Result<()> {
    let latest: Option<(String, String)> = w
        .conn()
        .query_row(
            "SELECT status, date FROM referral_event WHERE referral_id = ?1 AND deleted = 0
              ORDER BY date DESC, rowid DESC LIMIT 1",
            [referral_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((status, date)) = latest else {
        return Ok(());
    };
    let mut referral: Referral = w.get(referral_id)?;
    referral.status = status;
    referral.status_date = Some(crate::validate::date("date", &date)?);
    undo.extend(crate::undo::update(w, referral_id, &referral)?);
    Ok(())
}

/// A referral's history, oldest first.
pub fn history(store: &Store, referral_id: Uuid) -> Result<Vec<Entry<ReferralEvent>>> {
    store.select::<ReferralEvent>(
        "AND referral_id = ?1 ORDER BY date, rowid",
        [referral_id.to_string()],
    )
}

/// Live referrals in `status`, newest first.
pub fn by_status(store: &Store, status: &str) -> Result<Vec<Entry<Referral>>> {
    store.select::<Referral>("AND status = ?1 ORDER BY date DESC, id", [status])
}

/// Live referrals dated within `[from, to]`.
pub fn in_range(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Referral>>> {
    store.select::<Referral>(
        "AND date BETWEEN ?1 AND ?2 ORDER BY date, id",
        [from.to_string(), to.to_string()],
    )
}

/// A referral as the Orientations screen lists it: with the person's and partner's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferralRow {
    pub id: Uuid,
    pub date: NaiveDate,
    pub person_id: Uuid,
    pub person_name: String,
    pub partner_name: String,
    pub need: String,
    pub status: String,
    pub status_date: Option<NaiveDate>,
    pub follow_up: Option<NaiveDate>,
}

/// Referrals with their person and partner names, newest first, optionally of one status,
/// at most `limit` of them.
pub fn overview(store: &Store, status: Option<&str>, limit: usize) -> Result<Vec<ReferralRow>> {
    Ok(page(
        store,
        &ReferralFilter {
            status: status.map(str::to_string),
            ..ReferralFilter::default()
        },
        0,
        limit,
    )?
    .rows)
}

/// What the Orientations screen filters on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReferralFilter {
    pub status: Option<String>,
    pub partner_id: Option<Uuid>,
    /// Words of the person's name or the partner's, accents and case aside.
    pub query: Option<String>,
    /// One referral only (its page, its letter).
    #[serde(default)]
    pub id: Option<Uuid>,
}

/// One referral with its person and partner names.
pub fn row(store: &Store, id: Uuid) -> Result<ReferralRow> {
    let filter = ReferralFilter {
        id: Some(id),
        ..ReferralFilter::default()
    };
    page(store, &filter, 0, 1)?
        .rows
        .pop()
        .ok_or_else(|| Error::UnknownId {
            entity: schema::REFERRAL.label,
            id: id.to_string(),
        })
}

/// One page of referrals and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferralPage {
    pub rows: Vec<ReferralRow>,
    pub total: i64,
}

/// Referrals matching `filter`, newest first, `limit` from `offset`, with the total.
pub fn page(
    store: &Store,
    filter: &ReferralFilter,
    offset: usize,
    limit: usize,
) -> Result<ReferralPage> {
    let mut params: Vec<Option<String>> = vec![
        filter.status.clone().filter(|s| !s.is_empty()),
        filter.partner_id.map(|p| p.to_string()),
        filter.id.map(|id| id.to_string()),
    ];
    let mut words = String::new();
    let query = filter.query.as_deref().unwrap_or_default();
    let folded = crate::search_key::words(query);
    if folded.is_empty() && !query.trim().is_empty() {
        // Only signs typed: nothing matches them literally.
        return Ok(ReferralPage {
            rows: Vec::new(),
            total: 0,
        });
    }
    for word in folded.iter().take(6) {
        // Folded words hold only letters and digits: no LIKE wildcard can be in them.
        params.push(Some(format!("%{word}%")));
        let n = params.len();
        words.push_str(&format!(
            " AND (p.search_key LIKE ?{n} OR lower(replace(pa.name, ' ', '')) LIKE ?{n})"
        ));
    }
    let from = format!(
        "FROM referral r
           LEFT JOIN person p
             ON p.id = coalesce((SELECT root FROM person_root WHERE id = r.person_id), r.person_id)
           LEFT JOIN partner pa ON pa.id = r.partner_id
          WHERE r.deleted = 0 AND (?1 IS NULL OR r.status = ?1)
            AND (?2 IS NULL OR r.partner_id = ?2) AND (?3 IS NULL OR r.id = ?3){words}"
    );
    let total = store
        .conn()
        .prepare_cached(&format!("SELECT count(*) {from}"))?
        .query_row(rusqlite::params_from_iter(params.iter()), |r| r.get(0))?;
    let sql = format!(
        "SELECT r.id, r.date, coalesce(p.id, r.person_id), coalesce(p.first_name || ' ' || p.last_name, ''),
                coalesce(pa.name, ''), r.need, r.status, r.status_date, r.follow_up
           {from}
          ORDER BY r.date DESC, r.id LIMIT {} OFFSET {}",
        limit.min(10_000),
        offset.min(10_000_000)
    );
    let mut stmt = store.conn().prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
    let mut out = Vec::new();
    let date = |s: Option<String>| s.map(|s| crate::validate::date("date", &s)).transpose();
    while let Some(row) = rows.next()? {
        out.push(ReferralRow {
            id: crate::validate::id(&row.get::<_, String>(0)?)?,
            date: crate::validate::date("date", &row.get::<_, String>(1)?)?,
            person_id: crate::validate::id(&row.get::<_, String>(2)?)?,
            person_name: row.get(3)?,
            partner_name: row.get(4)?,
            need: row.get(5)?,
            status: row.get(6)?,
            status_date: date(row.get(7)?)?,
            follow_up: date(row.get(8)?)?,
        });
    }
    Ok(ReferralPage { rows: out, total })
}
