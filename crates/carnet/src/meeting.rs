//! Collective meetings (*réunions collectives, ateliers, forums*) and who attended.
//!
//! A meeting counts its attendees (most are not known by name); known persons are attached as
//! attendance rows, one per person, so that two devices attaching different people both keep
//! their additions after sync.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use rusqlite::OptionalExtension;

use crate::error::{Error, Result};
use crate::record::{Entry, Record};
use crate::schema::{self, EntitySpec};
use crate::store::{Store, Writer};
use crate::undo::Undo;

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
    Ok(attach_undoable(w, meeting_id, person_id)?.0)
}

/// [`attach`], also returning how to undo it (nothing when the person was already there).
pub fn attach_undoable(
    w: &mut Writer<'_>,
    meeting_id: Uuid,
    person_id: Uuid,
) -> Result<(Uuid, Undo)> {
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
        return Ok((crate::validate::id(&existing)?, Undo::default()));
    }
    let id = w.create(&Attendance {
        meeting_id,
        person_id,
    })?;
    let mut undo = Undo::created(&schema::ATTENDANCE, id);
    let known: i64 = w.conn().query_row(
        "SELECT count(*) FROM attendance WHERE meeting_id = ?1 AND deleted = 0",
        [meeting_id.to_string()],
        |r| r.get(0),
    )?;
    if meeting.attendee_count.unwrap_or(0) < known {
        let mut raised = meeting.clone();
        raised.attendee_count = Some(known);
        undo.extend(crate::undo::update(w, meeting_id, &raised)?);
    }
    Ok((id, undo))
}

/// Removes a person from a meeting's attendees; the head count goes down with them when it
/// counted exactly the known attendees.
pub fn detach(w: &mut Writer<'_>, meeting_id: Uuid, person_id: Uuid) -> Result<Undo> {
    let meeting: Meeting = w.get(meeting_id)?;
    let ids: Vec<String> = {
        let mut stmt = w.conn().prepare_cached(
            "SELECT id FROM attendance WHERE meeting_id = ?1 AND person_id = ?2 AND deleted = 0",
        )?;
        stmt.query_map([meeting_id.to_string(), person_id.to_string()], |r| {
            r.get(0)
        })?
        .collect::<rusqlite::Result<_>>()?
    };
    if ids.is_empty() {
        return Err(Error::UnknownId {
            entity: schema::ATTENDANCE.label,
            id: person_id.to_string(),
        });
    }
    let known: i64 = w.conn().query_row(
        "SELECT count(*) FROM attendance WHERE meeting_id = ?1 AND deleted = 0",
        [meeting_id.to_string()],
        |r| r.get(0),
    )?;
    let mut undo = Undo::default();
    for id in ids {
        undo.extend(crate::undo::delete(
            w,
            &schema::ATTENDANCE,
            crate::validate::id(&id)?,
        )?);
    }
    if meeting.attendee_count == Some(known) {
        let mut lowered = meeting.clone();
        lowered.attendee_count = Some(known - 1);
        undo.extend(crate::undo::update(w, meeting_id, &lowered)?);
    }
    Ok(undo)
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
