//! Réglages: the officer's profile, territory and quartiers (the device's name is set with
//! the synchronisation, in `sync.rs`).

use carnet::officer::Officer;
use carnet::record::from_json;
use carnet::schema;
use carnet::territory::{Quartier, Territory};
use carnet::{Entry, Uuid};
use serde::Serialize;
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[derive(Serialize)]
pub struct Settings {
    pub officer: Option<Entry<Officer>>,
    pub territories: Vec<Entry<Territory>>,
    pub quartiers: Vec<Entry<Quartier>>,
    /// Quartiers of the latest encounters, most recent first (offered first when typing).
    pub recent_quartiers: Vec<Uuid>,
    pub device_id: Uuid,
    pub device_name: Option<String>,
    pub database: String,
}

#[tauri::command(async)]
pub fn get_settings(db: State<'_, Db>) -> CommandResult<Settings> {
    let store = db.store()?;
    Ok(Settings {
        officer: carnet::officer::own(&store)?,
        territories: carnet::territory::territories(&store)?,
        quartiers: carnet::territory::quartiers(&store)?,
        recent_quartiers: carnet::territory::recent_quartiers(&store, 20)?,
        device_id: store.device_id(),
        device_name: store.local_setting("device_name")?,
        database: db.path.display().to_string(),
    })
}

/// Creates the profile, or updates it when `id` is given.
#[tauri::command(async)]
pub fn save_officer(db: State<'_, Db>, id: Option<Uuid>, officer: Value) -> CommandResult<Uuid> {
    let officer: Officer = from_json(&schema::OFFICER, officer, db.today()?)?;
    Ok(carnet::officer::save_profile(
        &mut *db.store()?,
        id,
        &officer,
    )?)
}

#[tauri::command(async)]
pub fn create_territory(db: State<'_, Db>, name: String) -> CommandResult<Uuid> {
    Ok(db
        .store()?
        .write(|w| carnet::territory::create_territory(w, &name))?)
}

/// Creates a quartier, or updates it when `id` is given.
#[tauri::command(async)]
pub fn save_quartier(db: State<'_, Db>, id: Option<Uuid>, quartier: Value) -> CommandResult<Uuid> {
    let quartier: Quartier = from_json(&schema::QUARTIER, quartier, db.today()?)?;
    let mut store = db.store()?;
    match id {
        Some(id) => store.update(id, &quartier).map(|()| id),
        None => store.create(&quartier),
    }
    .map_err(Into::into)
}
