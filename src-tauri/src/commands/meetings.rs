//! Rencontres collectives: meetings, their head count and the known persons attending.

use carnet::meeting::Meeting;
use carnet::person::Person;
use carnet::record::from_json;
use carnet::schema;
use carnet::undo::Undo;
use carnet::{Entry, Uuid};
use chrono::NaiveDate;
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[tauri::command(async)]
pub fn list_meetings(
    db: State<'_, Db>,
    from: NaiveDate,
    to: NaiveDate,
) -> CommandResult<Vec<Entry<Meeting>>> {
    Ok(carnet::meeting::in_range(&*db.store()?, from, to)?)
}

#[tauri::command(async)]
pub fn create_meeting(db: State<'_, Db>, meeting: Value) -> CommandResult<Uuid> {
    let meeting: Meeting = from_json(&schema::MEETING, meeting, db.today()?)?;
    Ok(db.store()?.create(&meeting)?)
}

/// Attaches a known person to a meeting; returns how to undo it.
#[tauri::command(async)]
pub fn attach_attendee(db: State<'_, Db>, meeting: Uuid, person: Uuid) -> CommandResult<Undo> {
    let (_, undo) = db
        .store()?
        .write(|w| carnet::meeting::attach_undoable(w, meeting, person))?;
    Ok(undo)
}

#[tauri::command(async)]
pub fn list_attendees(db: State<'_, Db>, meeting: Uuid) -> CommandResult<Vec<Entry<Person>>> {
    Ok(carnet::meeting::attendees(&*db.store()?, meeting)?)
}

/// Removes a person from a meeting (undoable).
#[tauri::command(async)]
pub fn detach_attendee(db: State<'_, Db>, meeting: Uuid, person: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| carnet::meeting::detach(w, meeting, person))?)
}
