//! The notebook as the window sees it: locked (nothing of it in memory) or open, shared by
//! every command.
//!
//! A rusqlite connection is not `Sync`, so the store sits behind a mutex; commands run off
//! the main thread (`#[tauri::command(async)]`), so a slow query never freezes the window.
//! Locking drops the connection (the page cipher wipes its key), the notebook's key
//! and the team's keys: every command but the unlocking ones then answers `locked`.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use carnet::Store;
use carnet::key_file::RecoveryKey;
use carnet::notebook_key::NotebookKey;

use crate::error::{CommandError, CommandResult};

/// What is held while the notebook is open.
pub struct Open {
    pub store: Store,
    /// The notebook's key, for "se souvenir sur cet ordinateur" and a new recovery sheet
    /// (the window opens only encrypted notebooks: an older one is converted first).
    pub key: NotebookKey,
}

pub struct Db {
    open: Mutex<Option<Open>>,
    /// The recovery key just made, until the officer saved its sheet or said she noted it.
    pending_recovery: Mutex<Option<RecoveryKey>>,
    pub path: PathBuf,
}

/// The open store, borrowed for one command.
pub struct StoreGuard<'a>(MutexGuard<'a, Option<Open>>);

impl std::ops::Deref for StoreGuard<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        // `Db::store` hands out a guard only over an open notebook.
        &self.0.as_ref().expect("checked open").store
    }
}

impl std::ops::DerefMut for StoreGuard<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        &mut self.0.as_mut().expect("checked open").store
    }
}

impl Db {
    /// The notebook at `path`, locked: nothing is read before the officer unlocks it.
    pub fn new(path: PathBuf) -> Db {
        Db {
            open: Mutex::new(None),
            pending_recovery: Mutex::new(None),
            path,
        }
    }

    /// Where "Ouvrir / imprimer" puts letters for the PDF viewer: a "Lettres" folder beside
    /// the notebook, in the OS data folder (never a shared folder), emptied when Carnet starts,
    /// locks and closes.
    pub fn letters_folder(&self) -> PathBuf {
        self.path
            .parent()
            .map_or_else(|| PathBuf::from("Lettres"), |dir| dir.join("Lettres"))
    }

    /// Today according to the notebook's clock (for dates typed as "demain").
    pub fn today(&self) -> CommandResult<chrono::NaiveDate> {
        Ok(self.store()?.today())
    }

    /// The open store, or the `locked` error.
    pub fn store(&self) -> CommandResult<StoreGuard<'_>> {
        let guard = self.lock_open()?;
        if guard.is_none() {
            return Err(locked());
        }
        Ok(StoreGuard(guard))
    }

    /// The open notebook and its key, or the `locked` error.
    pub fn with_key<T>(
        &self,
        body: impl FnOnce(&Store, &NotebookKey) -> CommandResult<T>,
    ) -> CommandResult<T> {
        let guard = self.lock_open()?;
        let open = guard.as_ref().ok_or_else(locked)?;
        body(&open.store, &open.key)
    }

    pub fn is_open(&self) -> CommandResult<bool> {
        Ok(self.lock_open()?.is_some())
    }

    /// Puts the unlocked notebook in place.
    pub fn set_open(&self, mut store: Store, key: NotebookKey) -> CommandResult<()> {
        // Fresh at each opening, never stored: new ids never collide between two copies of
        // one file, and a person's key (sync) is drawn from bytes nobody else has.
        let mut id_salt = [0u8; 16];
        let mut key_seed = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::fill(&mut id_salt)
            .and_then(|()| getrandom::fill(key_seed.as_mut_slice()))
            .map_err(|_| {
                CommandError::internal(
                    "La source d'aléa du système ne répond pas : redémarrez Carnet.",
                )
            })?;
        store.set_id_salt(id_salt);
        store.set_key_seed(*key_seed);
        *self.lock_open()? = Some(Open { store, key });
        Ok(())
    }

    /// Closes the notebook and forgets its key.
    pub fn close(&self) -> CommandResult<()> {
        let open = self.lock_open()?.take();
        if let Some(open) = open {
            let _ = open.store.checkpoint();
        }
        *self.pending()? = None;
        Ok(())
    }

    pub fn pending(&self) -> CommandResult<MutexGuard<'_, Option<RecoveryKey>>> {
        self.pending_recovery
            .lock()
            .map_err(|_| CommandError::internal("La base est indisponible : redémarrez Carnet."))
    }

    fn lock_open(&self) -> CommandResult<MutexGuard<'_, Option<Open>>> {
        self.open
            .lock()
            .map_err(|_| CommandError::internal("La base est indisponible : redémarrez Carnet."))
    }
}

fn locked() -> CommandError {
    CommandError {
        kind: "locked",
        message: "Le carnet est verrouillé : saisissez votre phrase de passe pour le rouvrir."
            .into(),
        field: None,
    }
}

/// The open shared folder (with the team key): from the keys kept in the notebook, or once
/// the officer typed the team passphrase.
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

/// Rewrites the notebook file (`Store::compact`) on a thread of its own, after an erasure or
/// an anonymisation has answered the window: the officer does not wait for it, and a command
/// that comes meanwhile waits for the store as it would for any other. If the notebook was
/// locked or closed first, its next opening does the rewrite (`Store::rewrite_pending`).
pub fn rewrite_in_background(app: tauri::AppHandle) {
    use tauri::Manager;
    std::thread::spawn(move || {
        let db = app.state::<Db>();
        if let Ok(store) = db.store() {
            let _ = store.compact();
        }
    });
}
