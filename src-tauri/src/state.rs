//! The open notebook, shared by every command.
//!
//! A rusqlite connection is not `Sync`, so the store sits behind a mutex; commands run off
//! the main thread (`#[tauri::command(async)]`), so a slow query never freezes the window.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use carnet::clock::SystemClock;
use carnet::{Store, Uuid};

use crate::error::{CommandError, CommandResult};

pub struct Db {
    store: Mutex<Store>,
    pub path: PathBuf,
}

impl Db {
    /// Opens the notebook at `path`, creating (and seeding) it on first launch.
    pub fn open(path: &Path) -> Result<Db, carnet::Error> {
        let store = if path.exists() {
            Store::open(path, Box::new(SystemClock))?
        } else {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let mut store = Store::init(path, Uuid::new_v4(), Box::new(SystemClock))?;
            store.write(|w| carnet::notebook::start(w, None, None))?;
            store
        };
        let mut store = store;
        store.set_id_salt(Uuid::new_v4().into_bytes());
        Ok(Db {
            store: Mutex::new(store),
            path: path.to_path_buf(),
        })
    }

    /// Where "Ouvrir / imprimer" puts letters for the PDF viewer: a "Lettres" folder beside
    /// the notebook, in the OS data folder (never a shared folder), emptied when Carnet starts
    /// and when it closes.
    pub fn letters_folder(&self) -> PathBuf {
        self.path
            .parent()
            .map_or_else(|| PathBuf::from("Lettres"), |dir| dir.join("Lettres"))
    }

    /// Today according to the notebook's clock (for dates typed as "demain").
    pub fn today(&self) -> CommandResult<chrono::NaiveDate> {
        Ok(self.store()?.today())
    }

    pub fn store(&self) -> CommandResult<MutexGuard<'_, Store>> {
        self.store
            .lock()
            .map_err(|_| CommandError::internal("La base est indisponible : redémarrez Carnet."))
    }
}

/// The open shared folder (with the team key), once the officer typed the passphrase.
#[derive(Default)]
pub struct Sync(Mutex<Option<carnet::sync::SyncFolder>>);

impl Sync {
    pub fn folder(&self) -> CommandResult<MutexGuard<'_, Option<carnet::sync::SyncFolder>>> {
        self.0.lock().map_err(|_| {
            CommandError::internal("La synchronisation est indisponible : redémarrez Carnet.")
        })
    }

    pub fn set(&self, folder: Option<carnet::sync::SyncFolder>) -> CommandResult<()> {
        *self.folder()? = folder;
        Ok(())
    }
}
