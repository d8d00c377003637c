//! Orientations: create from a person, list by status, move along the status history.

use carnet::record::from_json;
use carnet::referral::{NewReferral, ReferralEvent, ReferralRow};
use carnet::schema;
use carnet::{Entry, Uuid};
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

#[tauri::command(async)]
pub fn create_referral(db: State<'_, Db>, referral: Value) -> CommandResult<Uuid> {
    let referral: NewReferral = from_json(&schema::REFERRAL, referral, db.today()?)?;
    Ok(db
        .store()?
        .write(|w| carnet::referral::create(w, &referral))?)
}

#[tauri::command(async)]
pub fn list_referrals(
    db: State<'_, Db>,
    status: Option<String>,
) -> CommandResult<Vec<ReferralRow>> {
    Ok(carnet::referral::overview(
        &*db.store()?,
        status.as_deref(),
        500,
    )?)
}

#[tauri::command(async)]
pub fn move_referral(
    db: State<'_, Db>,
    id: Uuid,
    status: String,
    date: String,
    note: Option<String>,
) -> CommandResult<Uuid> {
    let date = carnet::validate::date("date", &date)?;
    Ok(db
        .store()?
        .write(|w| carnet::referral::move_to(w, id, &status, date, note.as_deref()))?)
}

#[tauri::command(async)]
pub fn get_referral_history(
    db: State<'_, Db>,
    id: Uuid,
) -> CommandResult<Vec<Entry<ReferralEvent>>> {
    Ok(carnet::referral::history(&*db.store()?, id)?)
}
