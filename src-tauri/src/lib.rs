//! Carnet's desktop shell: a Tauri window over the engine, and nothing else.
//!
//! `run` resolves where the notebook lives (the OS app-data folder, or `CARNET_DB` for tests
//! and the demo) and registers the commands; the notebook stays locked until the window
//! unlocks it (`commands/lock.rs`). Each command in `commands/<area>.rs`
//! maps one UI action to one engine call; business rules, validation and SQL live in the
//! engine, which is tested on its own.

mod commands;
mod error;
mod keystore;
mod state;

use tauri::Manager;

/// Starts the app.
pub fn run() {
    carnet_heap::return_freed_memory_at_once();
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|app| {
            // `--db PATH` (used by the end-to-end tests and `cargo xtask run --demo`), then
            // `CARNET_DB`, then the OS data folder (the `carnet` command's default too).
            let mut args = std::env::args().skip_while(|a| a != "--db").skip(1);
            let path = match (args.next(), std::env::var_os("CARNET_DB")) {
                (Some(path), _) => std::path::PathBuf::from(path),
                (None, Some(path)) => std::path::PathBuf::from(path),
                (None, None) => carnet::notebook_location::default_in(&app.path().data_dir()?),
            };
            let db = state::Db::new(path);
            // Letters left for the PDF viewer by a previous run (a crash) go now.
            let _ = carnet::letter::clear_print_folder(&db.letters_folder());
            app.manage(db);
            app.manage(state::Sync::default());
            // `--auto-lock-seconds N`: the end-to-end tests shorten the inactivity lock.
            let auto_lock = std::env::args()
                .skip_while(|a| a != "--auto-lock-seconds")
                .nth(1)
                .and_then(|s| s.parse().ok());
            app.manage(commands::lock::AutoLockOverride(auto_lock));
            Ok(())
        })
        .invoke_handler(commands::handler())
        .build(tauri::generate_context!())
        .map(|app| {
            app.run(|app, event| {
                // Letters handed to the PDF viewer are not kept once Carnet closes.
                if let tauri::RunEvent::Exit = event
                    && let Some(db) = app.try_state::<state::Db>()
                {
                    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
                }
            })
        });
    if let Err(error) = result {
        eprintln!("Carnet n'a pas pu démarrer : {error}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    /// Tauri keeps the window's own data under the app's identifier, and the notebook goes
    /// in the engine's folder of the same data folder: one folder, the one the `carnet`
    /// command opens too.
    #[test]
    fn the_apps_identifier_is_the_notebooks_folder() {
        let conf: serde_json::Value =
            serde_json::from_str(include_str!("../tauri.conf.json")).unwrap();
        assert_eq!(conf["identifier"], carnet::notebook_location::FOLDER);
    }
}
