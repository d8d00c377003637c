//! Relances: the follow-ups due, marked done or put off from the home screen and the
//! Relances screen.

use carnet::Uuid;
use carnet::followup::{Page, Window};
use carnet::undo::Undo;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[tauri::command(async)]
pub fn list_follow_ups(
    db: State<'_, Db>,
    window: Window,
    offset: usize,
    limit: usize,
) -> CommandResult<Page> {
    let store = db.store()?;
    let today = store.today();
    Ok(carnet::followup::list(
        &store, today, window, offset, limit,
    )?)
}

#[tauri::command(async)]
pub fn follow_up_done(db: State<'_, Db>, source: String, id: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| carnet::followup::done(w, &source, id))?)
}

/// Puts a follow-up off to `to` as typed ("lundi" is not a date, "15/12", "demain" are), or
/// by a week from today without one.
#[tauri::command(async)]
pub fn postpone_follow_up(
    db: State<'_, Db>,
    source: String,
    id: Uuid,
    to: Option<String>,
) -> CommandResult<Undo> {
    let today = db.today()?;
    let to = match to.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => carnet::validate::date_as_typed("follow_up", text, today)?,
        None => today + chrono::Days::new(7),
    };
    Ok(db
        .store()?
        .write(|w| carnet::followup::postpone(w, &source, id, to))?)
}
