//! Collective meetings (*réunions collectives, ateliers, forums*) and who attended.
//!
//! A meeting counts its attendees (most are not known by name); known persons are attached as
//! attendance rows, one per person, so that two devices attaching different people both keep
//! their additions after sync.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meeting {
    pub date: NaiveDate,
    pub title: String,
    pub kind: String,
    pub partner_id: Option<Uuid>,
    pub quartier_id: Option<Uuid>,
    pub attendee_count: Option<i64>,
    pub note: Option<String>,
}

impl Record for Meeting {
    const SPEC: &'static EntitySpec = &schema::MEETING;
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub meeting_id: Uuid,
    pub person_id: Uuid,
}

impl Record for Attendance {
    const SPEC: &'static EntitySpec = &schema::ATTENDANCE;
}

/// Attaches a known person to a meeting (once), raising the head count if it was lower.
pub fn attach(w: &mut Writer<'_>, meeting_id: Uuid, person_id: Uuid) -> Result<Uuid> {
    let meeting: Meeting = w.get(meeting_id)?;
    let existing: Option<String> = w
        .conn()
        .query_row(
            "SELECT id FROM attendance WHERE meeting_id = ?1 AND person_id = ?2 AND deleted = 0",
            [meeting_id.to_string(), person_id.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(existing) = existing {
        return crate::validate::id(&existing);
    }
    let id = w.create(&Attendance {
        meeting_id,
        person_id,
    })?;
    let known: i64 = w.conn().query_row(
        "SELECT count(*) FROM attendance WHERE meeting_id = ?1 AND deleted = 0",
        [meeting_id.to_string()],
        |r| r.get(0),
    )?;
    if meeting.attendee_count.unwrap_or(0) < known {
        w.set::<Meeting>(meeting_id, "attendee_count", known.into())?;
    }
    Ok(id)
}

/// Live meetings dated within `[from, to]`.
pub fn in_range(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<Entry<Meeting>>> {
    store.select::<Meeting>(
        "AND date BETWEEN ?1 AND ?2 ORDER BY date, id",
        [from.to_string(), to.to_string()],
    )
}

/// Persons attached to a meeting, by name.
pub fn attendees(store: &Store, meeting: Uuid) -> Result<Vec<Entry<crate::person::Person>>> {
    store.select::<crate::person::Person>(
        "AND id IN (SELECT person_id FROM attendance WHERE meeting_id = ?1 AND deleted = 0)
         ORDER BY last_name COLLATE NOCASE, first_name COLLATE NOCASE",
        [meeting.to_string()],
    )
}
