//! Where a notebook lives when nobody names one: `carnet.db` in a `fr.citeslab.carnet` folder
//! of the user's OS data folder (`~/.local/share` on Linux, `%APPDATA%` on Windows).
//!
//! Why one rule here: the desktop app and the `carnet` command must open the same notebook
//! when the officer names none, on every platform (they once used two different folders).
//! The folder is the desktop app's identifier, so it is also where Tauri keeps the window's
//! own data. The engine reads no environment: the caller passes the OS data folder in. It is
//! never a shared folder: sync only ever writes segments there.

use std::path::{Path, PathBuf};

/// The folder inside the OS data folder: the desktop app's identifier (`tauri.conf.json`).
pub const FOLDER: &str = "fr.citeslab.carnet";

/// The notebook's file name.
pub const FILE: &str = "carnet.db";

/// The default notebook inside `data_dir`, the user's OS data folder.
pub fn default_in(data_dir: &Path) -> PathBuf {
    data_dir.join(FOLDER).join(FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notebook_is_in_the_apps_folder_of_the_data_folder() {
        // A Windows profile with a space, an accent and an apostrophe, as in the field.
        let data = Path::new("/Users/Élodie N'Diaye/AppData/Roaming");
        assert_eq!(
            default_in(data),
            data.join("fr.citeslab.carnet").join("carnet.db")
        );
    }
}
