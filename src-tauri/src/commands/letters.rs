//! Lettres d'orientation: templates, the preview, saving, "Ouvrir / imprimer" and the day's
//! batch. The PDF work runs on Tauri's async command pool, off the main thread.

use carnet::letter::{LetterTemplate, Preview, Saved, SavedBatch};
use carnet::record::from_json;
use carnet::schema;
use carnet::{Entry, Uuid};
use serde::Serialize;
use serde_json::Value;
use tauri::{AppHandle, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, CommandResult};
use crate::state::Db;

#[derive(Serialize)]
pub struct Placeholder {
    pub name: &'static str,
    pub description: &'static str,
}

#[derive(Serialize)]
pub struct Templates {
    pub templates: Vec<Entry<LetterTemplate>>,
    pub placeholders: Vec<Placeholder>,
}

#[tauri::command(async)]
pub fn list_letter_templates(db: State<'_, Db>) -> CommandResult<Templates> {
    let mut store = db.store()?;
    carnet::letter::ensure_templates(&mut store)?;
    Ok(Templates {
        templates: carnet::letter::template::templates(&store)?,
        placeholders: carnet::letter::template::PLACEHOLDERS
            .iter()
            .map(|(name, description)| Placeholder { name, description })
            .collect(),
    })
}

/// Creates a template, or updates it when `id` is given.
#[tauri::command(async)]
pub fn save_letter_template(
    db: State<'_, Db>,
    id: Option<Uuid>,
    template: Value,
) -> CommandResult<Uuid> {
    let template: LetterTemplate = from_json(&schema::LETTER_TEMPLATE, template, db.today()?)?;
    let mut store = db.store()?;
    match id {
        Some(id) => store.update(id, &template).map(|()| id),
        None => store.create(&template),
    }
    .map_err(Into::into)
}

#[tauri::command(async)]
pub fn preview_letter(
    db: State<'_, Db>,
    referral: Uuid,
    template: Option<Uuid>,
    date: String,
) -> CommandResult<Preview> {
    let date = carnet::validate::date("date", &date)?;
    Ok(carnet::letter::preview(
        &mut *db.store()?,
        referral,
        template,
        date,
    )?)
}

/// Saves the letter where the officer chose (native dialog), files it, marks it sent.
#[tauri::command(async)]
pub fn save_letter(
    db: State<'_, Db>,
    referral: Uuid,
    template: Option<Uuid>,
    date: String,
    path: String,
) -> CommandResult<Saved> {
    let date = carnet::validate::date("date", &date)?;
    Ok(carnet::letter::save(
        &mut *db.store()?,
        referral,
        template,
        date,
        std::path::Path::new(&path),
    )?)
}

/// Puts the letter in the notebook's print folder (emptied when Carnet starts and closes) and
/// opens it in the system's PDF viewer, from which it is printed. The referral moves to
/// "envoyée" only if a viewer opened.
#[tauri::command(async)]
pub fn open_letter(
    app: AppHandle,
    db: State<'_, Db>,
    referral: Uuid,
    template: Option<Uuid>,
    date: String,
) -> CommandResult<Saved> {
    let date = carnet::validate::date("date", &date)?;
    let folder = db.letters_folder();
    let mut opened = false;
    let saved = carnet::letter::save_in_folder(
        &mut *db.store()?,
        referral,
        template,
        date,
        &folder,
        |path| {
            opened = app
                .opener()
                .open_path(path.display().to_string(), None::<&str>)
                .is_ok();
            opened
        },
    )?;
    if !opened {
        return Err(CommandError {
            kind: "cannot_open_viewer",
            message: "Aucun lecteur de PDF n'a pu ouvrir la lettre : utilisez « Enregistrer le PDF… » pour la garder et l'imprimer. L'orientation reste « à envoyer »."
                .to_string(),
            field: None,
        });
    }
    Ok(saved)
}

/// "Lettres du jour": every letter of `date` still to send, in one PDF at `path`.
#[tauri::command(async)]
pub fn save_day_letters(
    db: State<'_, Db>,
    date: String,
    path: String,
) -> CommandResult<SavedBatch> {
    let date = carnet::validate::date("date", &date)?;
    Ok(carnet::letter::save_batch(
        &mut *db.store()?,
        date,
        std::path::Path::new(&path),
        |_, _| {},
    )?)
}

/// Sets the letterhead logo from a PNG file, or removes it when `path` is absent.
#[tauri::command(async)]
pub fn set_letter_logo(db: State<'_, Db>, path: Option<String>) -> CommandResult<()> {
    let mut store = db.store()?;
    match path {
        Some(path) => carnet::letter::set_logo_from_file(&mut store, std::path::Path::new(&path))?,
        None => carnet::letter::set_logo(&mut store, None)?,
    }
    Ok(())
}
