//! À réexaminer: the persons kept past the retention period, "Prolonger" with a reason, and
//! the period itself (Réglages).

use carnet::Uuid;
use carnet::retention::Due;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[derive(Serialize)]
pub struct Retention {
    /// The period, in months.
    pub months: u32,
    /// The persons past it, oldest contact first.
    pub due: Vec<Due>,
}

#[tauri::command(async)]
pub fn list_retention(db: State<'_, Db>) -> CommandResult<Retention> {
    let store = db.store()?;
    let months = carnet::retention::period(&store)?;
    let due = carnet::retention::due(&store, store.today(), months)?;
    Ok(Retention { months, due })
}

/// How many persons are past the period: the home screen's reminder, asked after the screen
/// is drawn (it reads every contact of every person: about 0.1 s on ten years of data).
#[tauri::command(async)]
pub fn count_retention_due(db: State<'_, Db>) -> CommandResult<usize> {
    let store = db.store()?;
    let months = carnet::retention::period(&store)?;
    Ok(carnet::retention::count_due(&store, store.today(), months)?)
}

/// "Prolonger": keeps the person until `until` (as typed: "30/06/2027", "dans 1 an" is not a
/// date), for `reason`.
#[tauri::command(async)]
pub fn prolong_retention(
    db: State<'_, Db>,
    person_id: Uuid,
    until: Option<String>,
    reason: Option<String>,
) -> CommandResult<()> {
    let mut store = db.store()?;
    let today = store.today();
    let until = match until.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => carnet::validate::date_as_typed("until", text, today)?,
        None => return Err(carnet::Error::Required { field: "until" }.into()),
    };
    carnet::retention::prolong(
        &mut store,
        person_id,
        until,
        reason.as_deref().unwrap_or_default(),
        today,
    )?;
    Ok(())
}

/// Sets the period from what was typed in Réglages (a whole number of months).
#[tauri::command(async)]
pub fn set_retention_months(db: State<'_, Db>, months: String) -> CommandResult<()> {
    let months = months
        .trim()
        .parse()
        .map_err(|_| carnet::Error::NotAnInteger {
            field: "retention_months",
            value: months.trim().to_string(),
        })?;
    Ok(carnet::retention::set_period(&mut *db.store()?, months)?)
}
