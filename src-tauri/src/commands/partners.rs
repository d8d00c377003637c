//! Partenaires: the directory of structures the officer refers people to.

use carnet::partner::Partner;
use carnet::record::from_json;
use carnet::schema;
use carnet::{Entry, Uuid};
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[tauri::command(async)]
pub fn list_partners(db: State<'_, Db>) -> CommandResult<Vec<Entry<Partner>>> {
    Ok(carnet::partner::partners(&*db.store()?)?)
}

#[tauri::command(async)]
pub fn create_partner(db: State<'_, Db>, partner: Value) -> CommandResult<Uuid> {
    let partner: Partner = from_json(&schema::PARTNER, partner, db.today()?)?;
    Ok(db.store()?.create(&partner)?)
}

#[tauri::command(async)]
pub fn update_partner(db: State<'_, Db>, id: Uuid, partner: Value) -> CommandResult<()> {
    let partner: Partner = from_json(&schema::PARTNER, partner, db.today()?)?;
    Ok(db.store()?.update(id, &partner)?)
}
