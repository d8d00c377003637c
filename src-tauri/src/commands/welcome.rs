//! The welcome on the first start: whether it is due, what it offers, and its end.

use carnet::welcome::{self, KnownTerritory};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[derive(Serialize)]
pub struct Welcome {
    due: bool,
    known_territories: Vec<KnownTerritory>,
}

#[tauri::command(async)]
pub fn get_welcome(db: State<'_, Db>) -> CommandResult<Welcome> {
    let store = db.store()?;
    Ok(Welcome {
        due: welcome::is_due(&store)?,
        known_territories: welcome::known_territories(),
    })
}

/// The welcome is done, or passed: it is not shown again on this computer.
#[tauri::command(async)]
pub fn finish_welcome(db: State<'_, Db>) -> CommandResult<()> {
    Ok(welcome::finish(&mut *db.store()?)?)
}
