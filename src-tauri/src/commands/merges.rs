//! Doublons: two records side by side, the merge, "Séparer", "Pas un doublon", and crossed
//! merges to confirm. Each a direct call to `carnet::person_merge`.

use carnet::Uuid;
use carnet::person_merge::{self, Comparison, Crossed, MergedRecord};
use carnet::undo::Undo;
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

/// Two records side by side, with the fields the kept record leaves empty (taken by default).
#[derive(Serialize)]
pub struct MergeChoice {
    #[serde(flatten)]
    comparison: Comparison,
    /// Filled on `b` and empty on `a`: taken from `b` unless the officer says otherwise.
    empty_on_a: Vec<&'static str>,
    /// The same the other way round, for when the officer keeps `b`.
    empty_on_b: Vec<&'static str>,
}

#[tauri::command(async)]
pub fn compare_persons(db: State<'_, Db>, a: Uuid, b: Uuid) -> CommandResult<MergeChoice> {
    let store = db.store()?;
    Ok(MergeChoice {
        comparison: person_merge::compare(&store, a, b)?,
        empty_on_a: person_merge::empty_on_kept(&store, a, b)?,
        empty_on_b: person_merge::empty_on_kept(&store, b, a)?,
    })
}

/// Merges `other` into `keep`, taking `take` from `other` (undoable right after).
#[tauri::command(async)]
pub fn merge_persons(
    db: State<'_, Db>,
    keep: Uuid,
    other: Uuid,
    take: Vec<String>,
) -> CommandResult<Undo> {
    let take: Vec<&str> = take.iter().map(String::as_str).collect();
    Ok(db
        .store()?
        .write(|w| person_merge::merge(w, keep, other, &take))?)
}

/// Where a record stands: merged into another, or holding others.
#[derive(Serialize)]
pub struct MergeState {
    merged_into: Option<Uuid>,
    merged_from: Vec<MergedRecord>,
}

#[tauri::command(async)]
pub fn get_merge_state(db: State<'_, Db>, id: Uuid) -> CommandResult<MergeState> {
    let store = db.store()?;
    Ok(MergeState {
        merged_into: person_merge::merged_into(&store, id)?,
        merged_from: person_merge::merged_from(&store, id)?,
    })
}

#[tauri::command(async)]
pub fn separate_person(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db.store()?.write(|w| person_merge::separate(w, id))?)
}

#[tauri::command(async)]
pub fn mark_not_duplicate(db: State<'_, Db>, a: Uuid, b: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| person_merge::not_duplicate(w, a, b))?)
}

#[tauri::command(async)]
pub fn list_crossed_merges(db: State<'_, Db>) -> CommandResult<Vec<Crossed>> {
    Ok(person_merge::crossed(&*db.store()?)?)
}

#[tauri::command(async)]
pub fn confirm_crossed_merge(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| person_merge::confirm_crossed(w, id))?)
}
