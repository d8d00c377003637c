//! À réexaminer: the persons kept past the retention period, "Prolonger" with a reason,
//! "Anonymiser" one or the whole list (with its progress), and the period itself (Réglages).

use carnet::Uuid;
use carnet::retention::Due;
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

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

/// "Anonymiser": this person, everywhere (the order leaves with the next sync).
#[tauri::command(async)]
pub fn anonymise_person(
    app: tauri::AppHandle,
    db: State<'_, Db>,
    id: Uuid,
) -> CommandResult<carnet::erasure::Purged> {
    let purged = carnet::erasure::anonymise_without_rewrite(&mut *db.store()?, id)?;
    // A letter of hers may be waiting for the PDF viewer.
    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
    crate::state::rewrite_in_background(app);
    Ok(purged)
}

#[derive(Clone, Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

/// "Anonymiser toute la liste": every person past the period today, each in its own
/// transaction; progress arrives as `retention-progress` events. Returns how many.
#[tauri::command(async)]
pub fn anonymise_due(app: AppHandle, db: State<'_, Db>) -> CommandResult<usize> {
    let mut store = db.store()?;
    let months = carnet::retention::period(&store)?;
    let due: Vec<Uuid> = carnet::retention::due(&store, store.today(), months)?
        .into_iter()
        .map(|d| d.id)
        .collect();
    carnet::erasure::anonymise_all(&mut store, &due, &mut |done, total| {
        // Every 20 persons and at the end: enough for the bar, not a flood of events.
        if done % 20 == 0 || done == total {
            let _ = app.emit("retention-progress", Progress { done, total });
        }
    })?;
    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
    Ok(due.len())
}
