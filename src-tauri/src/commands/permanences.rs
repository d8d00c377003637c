//! Permanences: the week's plan and each permanence's visitors.

use carnet::encounter::Encounter;
use carnet::permanence::Permanence;
use carnet::record::from_json;
use carnet::schema;
use carnet::{Entry, Uuid};
use chrono::NaiveDate;
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[tauri::command(async)]
pub fn list_permanences(
    db: State<'_, Db>,
    from: NaiveDate,
    to: NaiveDate,
) -> CommandResult<Vec<Entry<Permanence>>> {
    Ok(carnet::permanence::in_range(&*db.store()?, from, to)?)
}

#[tauri::command(async)]
pub fn get_permanence(db: State<'_, Db>, id: Uuid) -> CommandResult<Permanence> {
    Ok(db.store()?.get(id)?)
}

#[tauri::command(async)]
pub fn create_permanence(db: State<'_, Db>, permanence: Value) -> CommandResult<Uuid> {
    let permanence: Permanence = from_json(&schema::PERMANENCE, permanence, db.today()?)?;
    Ok(db.store()?.create(&permanence)?)
}

#[tauri::command(async)]
pub fn update_permanence(db: State<'_, Db>, id: Uuid, permanence: Value) -> CommandResult<()> {
    let permanence: Permanence = from_json(&schema::PERMANENCE, permanence, db.today()?)?;
    Ok(db.store()?.update(id, &permanence)?)
}

#[tauri::command(async)]
pub fn list_visitors(db: State<'_, Db>, id: Uuid) -> CommandResult<Vec<Entry<Encounter>>> {
    Ok(carnet::encounter::of_permanence(&*db.store()?, id)?)
}
