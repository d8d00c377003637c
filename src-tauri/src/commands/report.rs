//! Bilan: the year's figures for the dashboard, the yearly file, and opening it afterwards.

use carnet::report::{Exported, Indicators, Line};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};
use tauri_plugin_opener::OpenerExt;

use crate::error::{CommandError, CommandResult};
use crate::state::Db;

#[derive(Serialize)]
pub struct Report {
    pub indicators: Indicators,
    pub synthesis: Vec<Line>,
    pub years: Vec<i32>,
    pub creation_rate: f64,
}

#[tauri::command(async)]
pub fn get_report(db: State<'_, Db>, year: i32) -> CommandResult<Report> {
    let store = db.store()?;
    let indicators = carnet::report::indicators(&store, year)?;
    Ok(Report {
        synthesis: carnet::report::synthesis(&indicators),
        years: carnet::report::years(
            &store,
            store
                .today()
                .format("%Y")
                .to_string()
                .parse()
                .unwrap_or(year),
        )?,
        creation_rate: indicators.creation_rate(),
        indicators,
    })
}

#[derive(Clone, Serialize)]
struct Progress {
    done: usize,
    total: usize,
}

/// Writes the yearly file (`.xlsx`, `.csv` or `.pdf` after `path`'s extension); progress
/// arrives as `export-progress` events.
#[tauri::command(async)]
pub fn export_report(
    app: AppHandle,
    db: State<'_, Db>,
    year: i32,
    path: String,
    with_names: bool,
) -> CommandResult<Exported> {
    let store = db.store()?;
    let options = carnet::report::xlsx::ExportOptions {
        year,
        with_names,
        made_on: store.today(),
        structure: carnet::report::structure_name(&store)?,
    };
    Ok(carnet::report::export(
        &store,
        &options,
        std::path::Path::new(&path),
        &mut |done, total| {
            let _ = app.emit("export-progress", Progress { done, total });
        },
    )?)
}

/// Opens a file Carnet just wrote (a yearly file) in the system's program for it.
#[tauri::command(async)]
pub fn open_exported(app: AppHandle, path: String) -> CommandResult<()> {
    let file = std::path::Path::new(&path);
    let known = carnet::report::Format::of(file).is_ok() && file.is_file();
    if !known {
        return Err(CommandError {
            kind: "not_an_export",
            message: format!("{path} n'est pas un fichier exporté par Carnet."),
            field: None,
        });
    }
    app.opener()
        .open_path(&path, None::<&str>)
        .map_err(|_| CommandError {
            kind: "cannot_open_viewer",
            message: format!(
                "Le fichier est enregistré dans {path}, mais aucun programme n'a pu l'ouvrir : ouvrez-le depuis ce dossier."
            ),
            field: None,
        })
}
