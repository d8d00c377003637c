//! Personnes and Rencontres: search, profile, timeline, outcomes, the quick capture, and the
//! corrections (edit, delete, undo) of what was recorded.

use carnet::Uuid;
use carnet::encounter::{Encounter, Recorded};
use carnet::outcome::Outcome;
use carnet::person::{Found, Person};
use carnet::record::from_json;
use carnet::schema;
use carnet::timeline::TimelineItem;
use carnet::undo::Undo;
use serde_json::Value;
use tauri::State;

use crate::error::CommandResult;
use crate::state::Db;

/// One page of persons matching `query` (name, e-mail or phone), with the total.
#[tauri::command(async)]
pub fn search_persons(
    db: State<'_, Db>,
    query: String,
    quartier: Option<Uuid>,
    offset: Option<usize>,
    limit: Option<usize>,
) -> CommandResult<Found> {
    Ok(carnet::person::find(
        &*db.store()?,
        &query,
        quartier,
        offset.unwrap_or(0),
        limit.unwrap_or(50),
    )?)
}

#[tauri::command(async)]
pub fn get_person(db: State<'_, Db>, id: Uuid) -> CommandResult<Person> {
    Ok(db.store()?.get(id)?)
}

/// The records that may be the person about to be created ("Cette personne existe peut-être
/// déjà"), best first.
#[tauri::command(async)]
pub fn find_duplicates(
    db: State<'_, Db>,
    person: Value,
) -> CommandResult<Vec<carnet::duplicates::Candidate>> {
    let person: Person = from_json(&schema::PERSON, person, db.today()?)?;
    Ok(carnet::duplicates::candidates(
        &*db.store()?,
        &person,
        None,
        5,
    )?)
}

/// Every pair of records that may be the same person ("Doublons probables").
#[tauri::command(async)]
pub fn list_duplicates(db: State<'_, Db>) -> CommandResult<Vec<carnet::duplicates::Pair>> {
    Ok(carnet::duplicates::pairs(&*db.store()?)?)
}

/// Creates a person; `how` her consents were given (oral, written, by message), if any.
#[tauri::command(async)]
pub fn create_person(db: State<'_, Db>, person: Value, how: Option<String>) -> CommandResult<Uuid> {
    let person: Person = from_json(&schema::PERSON, person, db.today()?)?;
    Ok(db
        .store()?
        .write(|w| carnet::consent::create_person(w, &person, how.as_deref()))?)
}

/// Updates a person; a consent given or withdrawn joins her consent history, with `how`.
#[tauri::command(async)]
pub fn update_person(
    db: State<'_, Db>,
    id: Uuid,
    person: Value,
    how: Option<String>,
) -> CommandResult<Undo> {
    let person: Person = from_json(&schema::PERSON, person, db.today()?)?;
    Ok(db
        .store()?
        .write(|w| carnet::consent::update_person(w, id, &person, how.as_deref()))?)
}

/// Everything held on the person, as a ZIP at `path` (right of access); returns its size.
#[tauri::command(async)]
pub fn export_person_data(db: State<'_, Db>, id: Uuid, path: String) -> CommandResult<usize> {
    let store = db.store()?;
    let today = store.today();
    Ok(carnet::access_export::write(
        &store,
        id,
        today,
        std::path::Path::new(&path),
    )?)
}

/// A person's consents now, and their history.
#[tauri::command(async)]
pub fn get_consents(db: State<'_, Db>, id: Uuid) -> CommandResult<carnet::consent::History> {
    Ok(carnet::consent::history(&*db.store()?, id)?)
}

/// Deletes the person with everything recorded with them (tombstones; undoable).
#[tauri::command(async)]
pub fn delete_person(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db.store()?.write(|w| carnet::person::delete(w, id))?)
}

/// What erasing the person would remove, for the confirmation.
#[tauri::command(async)]
pub fn erasure_preview(db: State<'_, Db>, id: Uuid) -> CommandResult<carnet::erasure::Preview> {
    Ok(carnet::erasure::preview(&*db.store()?, id)?)
}

/// Erases the person everywhere (the order leaves with the next sync). Cannot be undone.
/// Letters left for the PDF viewer go too: one of them may be hers (a viewer that still
/// holds one open keeps it until the next start, which empties the folder again).
#[tauri::command(async)]
pub fn erase_person(
    app: tauri::AppHandle,
    db: State<'_, Db>,
    id: Uuid,
) -> CommandResult<carnet::erasure::Purged> {
    let purged = carnet::erasure::erase_without_rewrite(&mut *db.store()?, id)?;
    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
    crate::state::rewrite_in_background(app);
    Ok(purged)
}

#[tauri::command(async)]
pub fn get_timeline(db: State<'_, Db>, id: Uuid) -> CommandResult<Vec<TimelineItem>> {
    Ok(carnet::timeline::of_person(&*db.store()?, id)?)
}

#[tauri::command(async)]
pub fn create_outcome(db: State<'_, Db>, outcome: Value) -> CommandResult<Uuid> {
    let outcome: Outcome = from_json(&schema::OUTCOME, outcome, db.today()?)?;
    Ok(db.store()?.create(&outcome)?)
}

#[tauri::command(async)]
pub fn get_outcome(db: State<'_, Db>, id: Uuid) -> CommandResult<Outcome> {
    Ok(db.store()?.get(id)?)
}

#[tauri::command(async)]
pub fn correct_outcome(db: State<'_, Db>, id: Uuid, outcome: Value) -> CommandResult<Undo> {
    let outcome: Outcome = from_json(&schema::OUTCOME, outcome, db.today()?)?;
    Ok(db
        .store()?
        .write(|w| carnet::undo::update(w, id, &outcome))?)
}

#[tauri::command(async)]
pub fn delete_outcome(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| carnet::undo::delete(w, &schema::OUTCOME, id))?)
}

/// Records an encounter; with `new_person`, creates that person first (both or neither).
#[tauri::command(async)]
pub fn record_encounter(
    db: State<'_, Db>,
    encounter: Value,
    new_person: Option<Value>,
) -> CommandResult<Recorded> {
    let today = db.today()?;
    let encounter: Encounter = from_json(&schema::ENCOUNTER, encounter, today)?;
    let new_person: Option<Person> = new_person
        .map(|p| from_json(&schema::PERSON, p, today))
        .transpose()?;
    Ok(db
        .store()?
        .write(|w| carnet::encounter::record(w, &encounter, new_person.as_ref()))?)
}

#[tauri::command(async)]
pub fn get_encounter(db: State<'_, Db>, id: Uuid) -> CommandResult<Encounter> {
    Ok(db.store()?.get(id)?)
}

/// Corrects an encounter (or a permanence visit) with the same rules as recording it.
#[tauri::command(async)]
pub fn correct_encounter(db: State<'_, Db>, id: Uuid, encounter: Value) -> CommandResult<Recorded> {
    let encounter: Encounter = from_json(&schema::ENCOUNTER, encounter, db.today()?)?;
    Ok(db
        .store()?
        .write(|w| carnet::encounter::correct(w, id, &encounter))?)
}

#[tauri::command(async)]
pub fn delete_encounter(db: State<'_, Db>, id: Uuid) -> CommandResult<Undo> {
    Ok(db
        .store()?
        .write(|w| carnet::undo::delete(w, &schema::ENCOUNTER, id))?)
}

/// Puts the notebook back as it was before an action; returns how to redo it.
#[tauri::command(async)]
pub fn undo(db: State<'_, Db>, undo: Undo) -> CommandResult<Undo> {
    Ok(db.store()?.write(|w| carnet::undo::apply(w, &undo))?)
}
