//! Réglages → "Importer un tableau…": the preview with the columns as understood, the dry run
//! that lists every problem, the import with its progress (and "Annuler"), and the refused
//! rows saved as a CSV for the officer to fix.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use carnet::import::{self, Column, Preview, Rejection, Summary};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::CommandResult;
use crate::state::Db;

/// "Annuler" pressed during a check or an import (one runs at a time: the store is locked).
static CANCEL: AtomicBool = AtomicBool::new(false);

#[derive(Serialize)]
pub struct ImportPreview {
    #[serde(flatten)]
    preview: Preview,
    /// Every meaning a column can be given: (code, French label).
    choices: Vec<(Column, &'static str)>,
}

/// The file's first rows and how its columns are understood.
#[tauri::command(async)]
pub fn preview_import(path: String) -> CommandResult<ImportPreview> {
    Ok(ImportPreview {
        preview: import::preview(Path::new(&path))?,
        choices: Column::ALL.iter().map(|c| (*c, c.label())).collect(),
    })
}

#[derive(Clone, Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

fn progress(app: &AppHandle) -> impl FnMut(usize, usize) -> bool + '_ {
    CANCEL.store(false, Ordering::SeqCst);
    move |done, total| {
        let _ = app.emit("import-progress", Progress { done, total });
        !CANCEL.load(Ordering::SeqCst)
    }
}

/// The dry run: what the import would write and every problem, nothing written; progress
/// arrives as `import-progress` events.
#[tauri::command(async)]
pub fn check_import(
    app: AppHandle,
    db: State<'_, Db>,
    path: String,
    mapping: Vec<Column>,
) -> CommandResult<Summary> {
    let store = db.store()?;
    Ok(import::plan(
        &store,
        Path::new(&path),
        Some(&mapping),
        &mut progress(&app),
    )?)
}

/// Imports the valid rows in one transaction; progress arrives as `import-progress` events.
#[tauri::command(async)]
pub fn run_import(
    app: AppHandle,
    db: State<'_, Db>,
    path: String,
    mapping: Vec<Column>,
) -> CommandResult<Summary> {
    let mut store = db.store()?;
    Ok(import::import(
        &mut store,
        Path::new(&path),
        Some(&mapping),
        &mut progress(&app),
    )?)
}

/// "Annuler": the running check or import stops, and nothing is written.
#[tauri::command]
pub fn cancel_import() {
    CANCEL.store(true, Ordering::SeqCst);
}

/// Saves the refused rows (line, column, problem) as a CSV French Excel opens.
#[tauri::command(async)]
pub fn save_import_rejections(path: String, rejected: Vec<Rejection>) -> CommandResult<()> {
    Ok(import::write_rejections(Path::new(&path), &rejected)?)
}
