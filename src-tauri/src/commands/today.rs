//! Aujourd'hui: the home screen's data, and the vocabularies every form uses.

use carnet::Entry;
use carnet::encounter::{CaptureDefaults, EncounterRow};
use carnet::followup::HomeFollowUps;
use carnet::permanence::Permanence;
use carnet::referral::ReferralRow;
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[derive(Serialize)]
pub struct Today {
    pub date: NaiveDate,
    pub permanences_today: Vec<Entry<Permanence>>,
    pub permanences_week: Vec<Entry<Permanence>>,
    pub follow_ups: HomeFollowUps,
    /// What was recorded today, the latest first, to correct it on the spot.
    pub encounters_today: Vec<EncounterRow>,
    /// The quick capture's nature and quartier, as last used on this device.
    pub capture: CaptureDefaults,
    pub to_send: Vec<ReferralRow>,
}

#[tauri::command(async)]
pub fn get_today(db: State<'_, Db>) -> CommandResult<Today> {
    let store = db.store()?;
    let date = store.today();
    let monday = date - Days::new(u64::from(date.weekday().num_days_from_monday()));
    Ok(Today {
        date,
        permanences_today: carnet::permanence::in_range(&store, date, date)?,
        permanences_week: carnet::permanence::in_range(&store, monday, monday + Days::new(6))?,
        follow_ups: carnet::followup::home(&store, date, 8)?,
        encounters_today: carnet::encounter::of_day(&store, date)?,
        capture: carnet::encounter::capture_defaults(&store)?,
        to_send: carnet::referral::overview(&store, Some("to_send"), 50)?,
    })
}

/// Keeps the quick capture's nature and quartier for the next capture, after a restart too.
#[tauri::command(async)]
pub fn remember_capture(db: State<'_, Db>, defaults: CaptureDefaults) -> CommandResult<()> {
    Ok(carnet::encounter::remember_capture(
        &mut *db.store()?,
        &defaults,
    )?)
}

/// Every closed list as `{ name: [[code, label], …] }`, with `entity_labels` and
/// `field_labels` (`{ entity: { field: label } }`): the names the forms show.
#[tauri::command(async)]
pub fn get_vocabulary() -> carnet::schema::Vocabulary {
    carnet::schema::vocabulary()
}
