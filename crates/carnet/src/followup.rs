//! Follow-ups due (*relances*): what the officer promised to come back to.
//!
//! Two sources: encounters with a follow-up date not yet marked done, and referrals with a
//! follow-up date that are still open (not "accompagnée" nor "sans suite"). The home screen
//! shows what is due this week and the most recent overdue ones (an officer back from leave
//! must not face years of old reminders first); each can be marked done or put off, and the
//! Relances screen pages through them all.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use chrono::{Datelike, Days};

use crate::error::{Error, Result};
use crate::store::{Store, Writer};
use crate::undo::Undo;

/// One follow-up due.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FollowUp {
    pub due: NaiveDate,
    /// `encounter` or `referral`.
    pub source: &'static str,
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    /// "Prénom Nom" when a person is linked.
    pub person_name: Option<String>,
    /// The encounter's note, or the referral's partner.
    pub about: Option<String>,
}

/// A follow-up of a record merged into another names the record that holds her.
const FOLLOW_UPS: &str = "
        SELECT e.follow_up AS due, 'encounter' AS source, e.id AS id, p.id,
               p.first_name || ' ' || p.last_name, e.note AS about
          FROM encounter e
          LEFT JOIN person p
            ON p.id = coalesce((SELECT root FROM person_root WHERE id = e.person_id), e.person_id)
           AND p.deleted = 0
         WHERE e.follow_up IS NOT NULL AND e.deleted = 0 AND coalesce(e.follow_up_done, 0) = 0
        UNION ALL
        SELECT r.follow_up, 'referral', r.id, p.id,
               p.first_name || ' ' || p.last_name, pa.name
          FROM referral r
          LEFT JOIN person p
            ON p.id = coalesce((SELECT root FROM person_root WHERE id = r.person_id), r.person_id)
           AND p.deleted = 0
          LEFT JOIN partner pa ON pa.id = r.partner_id
         WHERE r.follow_up IS NOT NULL AND r.deleted = 0
           AND r.status NOT IN ('supported', 'no_follow_up')";

/// What the home screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HomeFollowUps {
    /// Due from today to Sunday, soonest first.
    pub this_week: Vec<FollowUp>,
    /// Due before today, most recent first, at most the cap.
    pub overdue: Vec<FollowUp>,
    /// How many are overdue in all.
    pub overdue_total: i64,
}

/// The home screen's follow-ups on `today`, with at most `cap` overdue ones.
pub fn home(store: &Store, today: NaiveDate, cap: usize) -> Result<HomeFollowUps> {
    let sunday = today
        .checked_add_days(Days::new(u64::from(
            6 - today.weekday().num_days_from_monday(),
        )))
        .unwrap_or(today);
    let this_week = query(
        store,
        &format!(
            "SELECT * FROM ({FOLLOW_UPS}) WHERE due BETWEEN ?1 AND ?2 ORDER BY due, source, id"
        ),
        [today.to_string(), sunday.to_string()],
    )?;
    let overdue = query(
        store,
        &format!(
            "SELECT * FROM ({FOLLOW_UPS}) WHERE due < ?1
              ORDER BY due DESC, source, id LIMIT {}",
            cap.min(1000)
        ),
        [today.to_string()],
    )?;
    let overdue_total = store.conn().query_row(
        &format!("SELECT count(*) FROM ({FOLLOW_UPS}) WHERE due < ?1"),
        [today.to_string()],
        |r| r.get(0),
    )?;
    Ok(HomeFollowUps {
        this_week,
        overdue,
        overdue_total,
    })
}

/// Which follow-ups the Relances screen lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// Due before today.
    Overdue,
    /// Due from today on.
    Upcoming,
    /// All open follow-ups.
    All,
}

/// One page of the Relances screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub items: Vec<FollowUp>,
    pub total: i64,
}

/// Open follow-ups in `window` (overdue: most recent first; otherwise soonest first).
pub fn list(
    store: &Store,
    today: NaiveDate,
    window: Window,
    offset: usize,
    limit: usize,
) -> Result<Page> {
    let (filter, order) = match window {
        Window::Overdue => ("due < ?1", "due DESC"),
        Window::Upcoming => ("due >= ?1", "due"),
        Window::All => ("?1 = ?1", "due DESC"),
    };
    let items = query(
        store,
        &format!(
            "SELECT * FROM ({FOLLOW_UPS}) WHERE {filter} ORDER BY {order}, source, id
              LIMIT {} OFFSET {}",
            limit.min(1000),
            offset.min(1_000_000)
        ),
        [today.to_string()],
    )?;
    let total = store.conn().query_row(
        &format!("SELECT count(*) FROM ({FOLLOW_UPS}) WHERE {filter}"),
        [today.to_string()],
        |r| r.get(0),
    )?;
    Ok(Page { items, total })
}

/// Marks a follow-up done: an encounter's is ticked, a referral's is cleared (the referral
/// itself stays open).
pub fn done(w: &mut Writer<'_>, source: &str, id: Uuid) -> Result<Undo> {
    match source {
        "encounter" => {
            let mut e: crate::encounter::Encounter = w.get(id)?;
            e.follow_up_done = Some(true);
            crate::undo::update(w, id, &e)
        }
        "referral" => {
            let mut r: crate::referral::Referral = w.get(id)?;
            r.follow_up = None;
            crate::undo::update(w, id, &r)
        }
        _ => Err(Error::UnknownValue { field: "source" }),
    }
}

/// Puts a follow-up off to `to`.
pub fn postpone(w: &mut Writer<'_>, source: &str, id: Uuid, to: NaiveDate) -> Result<Undo> {
    match source {
        "encounter" => {
            let mut e: crate::encounter::Encounter = w.get(id)?;
            e.follow_up = Some(to);
            e.follow_up_done = None;
            crate::undo::update(w, id, &e)
        }
        "referral" => {
            let mut r: crate::referral::Referral = w.get(id)?;
            r.follow_up = Some(to);
            crate::undo::update(w, id, &r)
        }
        _ => Err(Error::UnknownValue { field: "source" }),
    }
}

/// Follow-ups due on or before `day`, oldest first (the CLI's `followups`).
pub fn due(store: &Store, day: NaiveDate) -> Result<Vec<FollowUp>> {
    query(
        store,
        &format!("SELECT * FROM ({FOLLOW_UPS}) WHERE due <= ?1 ORDER BY due, source, id"),
        [day.to_string()],
    )
}

fn query(store: &Store, sql: &str, params: impl rusqlite::Params) -> Result<Vec<FollowUp>> {
    let mut stmt = store.conn().prepare_cached(sql)?;
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let due: String = row.get(0)?;
        let source: String = row.get(1)?;
        let id: String = row.get(2)?;
        let person: Option<String> = row.get(3)?;
        out.push(FollowUp {
            due: crate::validate::date("follow_up", &due)?,
            source: if source == "encounter" {
                "encounter"
            } else {
                "referral"
            },
            id: crate::validate::id(&id)?,
            person_id: person.as_deref().map(crate::validate::id).transpose()?,
            person_name: row.get(4)?,
            about: row.get(5)?,
        });
    }
    Ok(out)
}
