//! Orientations: create from a person, list by status, move along the status history, and
//! correct or delete a step.

use carnet::record::from_json;
use carnet::referral::{NewReferral, ReferralEvent, ReferralFilter, ReferralPage, ReferralRow};
use carnet::schema;
use carnet::undo::Undo;
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

/// One page of referrals matching the Orientations screen's search and filters.
#[tauri::command(async)]
pub fn list_referrals(
    db: State<'_, Db>,
    filter: ReferralFilter,
    offset: usize,
    limit: usize,
) -> CommandResult<ReferralPage> {
    Ok(carnet::referral::page(
        &*db.store()?,
        &filter,
        offset,
        limit,
    )?)
}

#[tauri::command(async)]
pub fn get_referral(db: State<'_, Db>, id: Uuid) -> CommandResult<ReferralRow> {
    Ok(carnet::referral::row(&*db.store()?, id)?)
}

#[tauri::command(async)]
pub fn move_referral(
    db: State<'_, Db>,
    id: Uuid,
    status: String,
    date: String,
    note: Option<String>,
) -> CommandResult<Undo> {
    let date = carnet::validate::date_as_typed("date", &date, db.today()?)?;
    let (_, undo) = db
        .store()?
        .write(|w| carnet::referral::move_to_undoable(w, id, &status, date, note.as_deref()))?;
    Ok(undo)
}

/// Corrects one step of a referral's history; the referral follows its latest step.
#[tauri::command(async)]
pub fn correct_referral_step(
    db: State<'_, Db>,
    id: Uuid,
    status: String,
    date: String,
    note: Option<String>,
) -> CommandResult<Undo> {
    let date = carnet::validate::date_as_typed("date", &date, db.today()?)?;
    let note = note.filter(|n| !n.trim().is_empty());
    Ok(db
        .store()?
        .write(|w| carnet::referral::correct_step(w, id, &status, date, note.as_deref()))?)
}

#[tauri::command(async)]
pub fn delete_referral_step(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| carnet::referral::delete_step(w, id))?)
}

#[tauri::command(async)]
pub fn delete_referral(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db.store()?.write(|w| carnet::referral::delete(w, id))?)
}

#[tauri::command(async)]
pub fn get_referral_history(
    db: State<'_, Db>,
    id: Uuid,
) -> CommandResult<Vec<Entry<ReferralEvent>>> {
    Ok(carnet::referral::history(&*db.store()?, id)?)
}
