//! The notebook's lock: the first start (choose the passphrase, get the recovery key), the
//! conversion of a notebook from before encryption, unlocking with the passphrase or the
//! recovery key, locking (by hand or after inactivity), and Réglages → Sécurité.
//!
//! The order of every step that rewrites a key is the engine's (`carnet::notebook_lock`); this
//! file adds what only the desktop has: the system's random source, the OS keystore, the
//! recovery key held until the officer saved its sheet. Passphrases arrive as `String`s and are
//! zeroized as soon as they are used.

use std::path::{Path, PathBuf};

use carnet::clock::SystemClock;
use carnet::key_file::{Randomness, RecoveryKey};
use carnet::notebook_key::NotebookKey;
use carnet::notebook_lock::{self, NewKeys, NotebookState};
use serde::Serialize;
use tauri::State;
use zeroize::Zeroizing;

use crate::error::{CommandError, CommandResult};
use crate::keystore;
use crate::state::{Db, Sync};

/// Minutes of inactivity before the window locks, unless the officer chose otherwise.
pub const AUTO_LOCK_MINUTES_DEFAULT: u32 = 10;
const AUTO_LOCK_MINUTES_MAX: u32 = 240;

/// How the window starts and how it locks.
#[derive(Serialize)]
pub struct LockState {
    /// `new` (no notebook yet), `plaintext` (to convert), `locked` or `unlocked`.
    pub state: &'static str,
    /// Whether the key is kept in the OS keystore ("se souvenir sur cet ordinateur").
    pub remembered: bool,
    pub auto_lock_minutes: u32,
    /// Seconds of inactivity before locking (the minutes, or the test's `--auto-lock-seconds`).
    pub auto_lock_seconds: u32,
}

/// `--auto-lock-seconds N` (end-to-end tests shorten the wait with it).
pub struct AutoLockOverride(pub Option<u32>);

#[tauri::command(async)]
pub fn get_lock_state(
    db: State<'_, Db>,
    auto_lock: State<'_, AutoLockOverride>,
) -> CommandResult<LockState> {
    let (state, minutes) = if db.is_open()? {
        ("unlocked", auto_lock_minutes(&*db.store()?)?)
    } else {
        let state = match notebook_lock::state(&db.path)? {
            NotebookState::Missing => "new",
            NotebookState::Plaintext => "plaintext",
            NotebookState::Encrypted => "locked",
        };
        (state, AUTO_LOCK_MINUTES_DEFAULT)
    };
    Ok(LockState {
        state,
        remembered: remembered_marker(&db.path).exists(),
        auto_lock_minutes: minutes,
        auto_lock_seconds: auto_lock.0.unwrap_or(minutes * 60),
    })
}

/// Opens the notebook with the key kept in the OS keystore, if the officer asked for it and
/// the keystore answers; `false` otherwise (the window then asks for the passphrase).
#[tauri::command(async)]
pub fn unlock_remembered(db: State<'_, Db>) -> CommandResult<bool> {
    if db.is_open()? {
        return Ok(true);
    }
    if !remembered_marker(&db.path).exists()
        || notebook_lock::state(&db.path)? != NotebookState::Encrypted
    {
        return Ok(false);
    }
    let Some(key) = keystore::recall(&db.path) else {
        return Ok(false);
    };
    match open(&db, key) {
        Ok(()) => Ok(true),
        // A key that no longer opens this notebook (restored from another copy?) is dropped.
        Err(e) if e.kind == "wrong_notebook_key" => {
            let _ = keystore::forget(&db.path);
            let _ = std::fs::remove_file(remembered_marker(&db.path));
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The first start: creates the encrypted notebook under `passphrase` and returns its
/// recovery key, to show once.
#[tauri::command(async)]
pub fn create_notebook(db: State<'_, Db>, passphrase: String) -> CommandResult<String> {
    let passphrase = Zeroizing::new(passphrase);
    if let Some(dir) = db.path.parent() {
        std::fs::create_dir_all(dir).map_err(carnet::Error::from)?;
    }
    let keys = NewKeys::drawn(&mut os_random)?;
    let mut store = notebook_lock::create(
        &db.path,
        &passphrase,
        &keys,
        carnet::Uuid::new_v4(),
        Box::new(SystemClock),
    )?;
    store.write(|w| carnet::notebook::start(w, None, None))?;
    drop(store);
    open_new(&db, keys)
}

/// A notebook from before encryption: encrypts it under `passphrase` (copy, verify, swap,
/// wipe the old file) and returns the recovery key, to show once.
#[tauri::command(async)]
pub fn encrypt_notebook(db: State<'_, Db>, passphrase: String) -> CommandResult<String> {
    let passphrase = Zeroizing::new(passphrase);
    let keys = NewKeys::drawn(&mut os_random)?;
    notebook_lock::encrypt(&db.path, &passphrase, &keys, Box::new(SystemClock))?;
    open_new(&db, keys)
}

/// Opens the notebook with the officer's passphrase. A wrong one says so; she may retry as
/// often as she needs (the cost of each try is the key derivation's).
#[tauri::command(async)]
pub fn unlock(db: State<'_, Db>, passphrase: String) -> CommandResult<()> {
    let passphrase = Zeroizing::new(passphrase);
    if db.is_open()? {
        return Ok(());
    }
    let key = notebook_lock::key_from_passphrase(&db.path, &passphrase).map_err(in_field)?;
    open(&db, key)
}

/// "J'ai oublié ma phrase de passe": opens the notebook with the recovery key and seals it
/// under a new passphrase (the recovery key stays valid).
#[tauri::command(async)]
pub fn unlock_with_recovery_key(
    db: State<'_, Db>,
    recovery_key: String,
    new_passphrase: String,
) -> CommandResult<()> {
    let recovery_key = Zeroizing::new(recovery_key);
    let new_passphrase = Zeroizing::new(new_passphrase);
    // A weak new passphrase is said before the recovery key is tried.
    carnet::key_file::require_strong(&new_passphrase)?;
    let key = notebook_lock::key_from_recovery_key(&db.path, &recovery_key, Box::new(SystemClock))
        .map_err(|e| with_field(e, "recovery_key"))?;
    notebook_lock::change_passphrase(
        &db.path,
        &key,
        &new_passphrase,
        &Randomness::drawn(&mut os_random)?,
    )?;
    open(&db, key)
}

/// Locks the window: the notebook is closed, its key and the team's keys forgotten, the
/// letters left for the PDF viewer removed.
#[tauri::command(async)]
pub fn lock(db: State<'_, Db>, sync_state: State<'_, Sync>) -> CommandResult<()> {
    sync_state.set(None)?;
    db.close()?;
    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
    Ok(())
}

/// Writes the printable sheet of the recovery key just shown to `path` (chosen by the officer).
#[tauri::command(async)]
pub fn save_recovery_sheet(db: State<'_, Db>, path: String) -> CommandResult<()> {
    let store = db.store()?;
    let pending = db.pending()?;
    let recovery = pending.as_ref().ok_or_else(|| CommandError {
        kind: "recovery_key_gone",
        message: "La clé de secours n'est plus affichée : faites une nouvelle feuille dans Réglages → Sécurité.".into(),
        field: None,
    })?;
    Ok(carnet::recovery_sheet::save(
        &store,
        recovery,
        Path::new(&path),
    )?)
}

/// The officer noted her recovery key: it is forgotten from memory.
#[tauri::command(async)]
pub fn forget_recovery_key(db: State<'_, Db>) -> CommandResult<()> {
    *db.pending()? = None;
    Ok(())
}

/// Réglages → Sécurité: a new passphrase, after the current one.
#[tauri::command(async)]
pub fn change_notebook_passphrase(
    db: State<'_, Db>,
    current: String,
    new_passphrase: String,
) -> CommandResult<()> {
    let current = Zeroizing::new(current);
    let new_passphrase = Zeroizing::new(new_passphrase);
    // Only an unlocked window changes it.
    db.store()?;
    let key = notebook_lock::key_from_passphrase(&db.path, &current)
        .map_err(|e| with_field(e, "current"))?;
    notebook_lock::change_passphrase(
        &db.path,
        &key,
        &new_passphrase,
        &Randomness::drawn(&mut os_random)?,
    )
    .map_err(|e| with_field(e, "new_passphrase"))?;
    Ok(())
}

/// Réglages → Sécurité: a new recovery key, its sheet written to `path` first; the old key no
/// longer opens the notebook. Returns the new key, to show once.
#[tauri::command(async)]
pub fn renew_recovery_sheet(db: State<'_, Db>, path: String) -> CommandResult<String> {
    let recovery = RecoveryKey::drawn(&mut os_random)?;
    let randomness = Randomness::drawn(&mut os_random)?;
    db.with_key(|store, key| {
        notebook_lock::renew_recovery_key(&db.path, key, &recovery, &randomness, || {
            carnet::recovery_sheet::save(store, &recovery, Path::new(&path))
        })?;
        Ok(())
    })?;
    Ok(recovery.display().to_string())
}

/// Réglages → Sécurité: "se souvenir sur cet ordinateur", on or off.
#[tauri::command(async)]
pub fn set_remember(db: State<'_, Db>, remember: bool) -> CommandResult<()> {
    let marker = remembered_marker(&db.path);
    if !remember {
        let _ = std::fs::remove_file(&marker);
        return keystore::forget(&db.path);
    }
    let key = db.with_key(|_, key| Ok(NotebookKey::from_bytes(*key.as_bytes())))?;
    keystore::remember(&db.path, &key)?;
    // The marker holds no secret: it only says a key is worth asking the keystore for, so a
    // Carnet that never remembered does not wake a locked keystore at every start.
    carnet::atomic_file::write(&marker, b"").map_err(CommandError::from)
}

/// Réglages → Sécurité: minutes of inactivity before the window locks.
#[tauri::command(async)]
pub fn set_auto_lock(db: State<'_, Db>, minutes: u32) -> CommandResult<()> {
    if !(1..=AUTO_LOCK_MINUTES_MAX).contains(&minutes) {
        return Err(CommandError {
            kind: "invalid_auto_lock",
            message: format!("Choisissez une durée entre 1 et {AUTO_LOCK_MINUTES_MAX} minutes."),
            field: Some("auto_lock_minutes"),
        });
    }
    db.store()?
        .set_local_setting("auto_lock_minutes", &minutes.to_string())?;
    Ok(())
}

fn auto_lock_minutes(store: &carnet::Store) -> CommandResult<u32> {
    Ok(store
        .local_setting("auto_lock_minutes")?
        .and_then(|m| m.parse().ok())
        .filter(|m| (1..=AUTO_LOCK_MINUTES_MAX).contains(m))
        .unwrap_or(AUTO_LOCK_MINUTES_DEFAULT))
}

/// Opens the notebook with `key`, puts it in place and empties the letters a crash may have
/// left. The shared folder is opened by the first sync, with the team's keys kept in the
/// notebook (`commands/sync.rs`): unlocking never waits on a network drive.
fn open(db: &Db, key: NotebookKey) -> CommandResult<()> {
    let store = carnet::Store::open_with(&db.path, Some(&key), Box::new(SystemClock))?;
    let _ = carnet::letter::clear_print_folder(&db.letters_folder());
    carnet::audit::record(&store, carnet::audit::Action::Unlocked, None, None)?;
    db.set_open(store, key)
}

/// Opens a notebook whose keys were just made, and holds its recovery key until the officer
/// saved its sheet; returns the key, to show once.
fn open_new(db: &Db, keys: NewKeys) -> CommandResult<String> {
    open(db, keys.key)?;
    let shown = keys.recovery.display().to_string();
    *db.pending()? = Some(keys.recovery);
    Ok(shown)
}

/// `carnet.db.remember`: an empty file saying the key was put in the OS keystore.
fn remembered_marker(notebook: &Path) -> PathBuf {
    carnet::notebook_key::beside(notebook, "remember")
}

fn in_field(e: carnet::Error) -> CommandError {
    with_field(e, "passphrase")
}

fn with_field(e: carnet::Error, field: &'static str) -> CommandError {
    let mut error = CommandError::from(e);
    if matches!(
        error.kind,
        "wrong_notebook_passphrase"
            | "notebook_passphrase_too_weak"
            | "recovery_key_malformed"
            | "wrong_recovery_key"
    ) {
        error.field = Some(field);
    }
    error
}

/// The system's random source, for keys, salts and nonces.
fn os_random(bytes: &mut [u8]) -> CommandResult<()> {
    getrandom::fill(bytes).map_err(|_| {
        CommandError::internal("La source d'aléa du système ne répond pas : redémarrez Carnet.")
    })
}
