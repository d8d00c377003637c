//! Where the save dialogs open: the officer's Documents folder, whatever the app's working
//! directory (a dialog given a bare file name opens wherever the system last was).

use std::path::PathBuf;

use tauri::{AppHandle, Manager};

/// `file_name` in the user's Documents folder (the home folder when there is none), as the
/// default path of a save dialog. Only the last component of `file_name` is kept.
#[tauri::command(async)]
pub fn suggest_save_path(app: AppHandle, file_name: String) -> String {
    let name = PathBuf::from(&file_name)
        .file_name()
        .map(|n| n.to_owned())
        .unwrap_or_default();
    let folder = app
        .path()
        .document_dir()
        .or_else(|_| app.path().home_dir())
        .unwrap_or_default();
    folder.join(name).display().to_string()
}
