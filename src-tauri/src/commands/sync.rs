//! Synchronisation: the shared folder, the "Synchroniser" button, automatic runs, and the
//! conflicts to review ("À vérifier").
//!
//! The team's keys are kept inside the encrypted notebook (`carnet::sync::team_key`), never in
//! a file of their own: once the notebook is unlocked, the first sync opens the folder with
//! them, with no second passphrase. Locking forgets the open folder.

use std::path::PathBuf;

use carnet::sync::{self, Conflict, HeldSegment, SyncReport};
use serde::Serialize;
use tauri::{AppHandle, Emitter, State};

use crate::error::{CommandError, CommandResult};
use crate::state::{Db, Sync};

#[derive(Serialize)]
pub struct SyncStatus {
    pub folder: Option<String>,
    pub unlocked: bool,
    pub device_name: Option<String>,
    pub last_sync: Option<String>,
    pub last_summary: Option<String>,
    pub conflicts: usize,
}

#[tauri::command(async)]
pub fn get_sync_status(
    db: State<'_, Db>,
    sync_state: State<'_, Sync>,
) -> CommandResult<SyncStatus> {
    // Locks are always taken in the same order, the shared folder's before the notebook's.
    let folder_open = sync_state.folder()?.is_some();
    let store = db.store()?;
    Ok(SyncStatus {
        folder: store.local_setting("sync_folder")?,
        unlocked: folder_open || carnet::sync::team_key::is_kept(&store)?,
        device_name: store.local_setting("device_name")?,
        last_sync: store.local_setting("sync_last")?,
        last_summary: store.local_setting("sync_summary")?,
        conflicts: sync::conflicts(&store)?.len() + sync::held(&store)?.len(),
    })
}

/// Opens (or initialises) the shared folder with the team passphrase and remembers the folder.
#[tauri::command(async)]
pub fn configure_sync(
    db: State<'_, Db>,
    sync_state: State<'_, Sync>,
    folder: String,
    passphrase: String,
    device_name: Option<String>,
    new_team: Option<bool>,
) -> CommandResult<bool> {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    let path = PathBuf::from(folder.trim());
    let mut store = db.store()?;
    if let Some(problem) = device_name.as_deref().and_then(sync::device_name_problem) {
        return Err(CommandError {
            kind: "invalid_device_name",
            message: format!("Nom d'appareil refusé : {problem}."),
            field: Some("device_name"),
        });
    }
    if new_team == Some(true) {
        sync::forget_team(&mut store)?;
    }
    let (opened, created) = sync::connect(
        &store,
        &path,
        &passphrase,
        &fresh_secrets(),
        carnet::Uuid::new_v4(),
        sync::KdfParams::STANDARD,
    )?;
    store.set_local_setting("sync_folder", &path.display().to_string())?;
    sync::team_key::keep(&store, &opened)?;
    if let Some(name) = device_name.filter(|n| !n.trim().is_empty()) {
        store.set_local_setting("device_name", &name)?;
    }
    drop(store);
    sync_state.set(Some(opened))?;
    Ok(created)
}

/// Fresh random salt and key for a new folder or a new passphrase (the system's random source,
/// through UUIDv4).
fn fresh_secrets() -> sync::FreshSecrets {
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(carnet::Uuid::new_v4().as_bytes());
    key[16..].copy_from_slice(carnet::Uuid::new_v4().as_bytes());
    sync::FreshSecrets {
        salt: carnet::Uuid::new_v4().into_bytes(),
        key,
    }
}

/// Runs a sync now; progress arrives as `sync-progress` events.
#[tauri::command(async)]
pub fn sync_now(
    app: AppHandle,
    db: State<'_, Db>,
    sync_state: State<'_, Sync>,
    now: String,
) -> CommandResult<SyncReport> {
    let mut guard = sync_state.folder()?;
    let mut store = db.store()?;
    let folder = open_folder(&mut guard, &store)?;
    let name = store.local_setting("device_name")?;
    let report = sync::sync(&mut store, folder, name.as_deref(), &mut |p| {
        let _ = app.emit("sync-progress", p);
    });
    // What the sync held (segments, SQLite's cache filled by it) goes back to the system.
    let _ = store.release_memory();
    carnet_heap::give_back();
    let report = report?;
    store.set_local_setting("sync_last", &now)?;
    store.set_local_setting(
        "sync_summary",
        &format!(
            "{} envoyée(s), {} reçue(s), {} à vérifier{}{}{}",
            report.changes_sent,
            report.changes_applied,
            report.conflicts + report.held.len(),
            if report.missing.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} segment(s) manquant(s)",
                    report.missing.iter().map(|m| m.count).sum::<u64>()
                )
            },
            if report.persons_erased == 0 {
                String::new()
            } else {
                format!(", {} personne(s) effacée(s)", report.persons_erased)
            },
            if report.own_edits_dropped == 0 {
                String::new()
            } else {
                format!(
                    ", {} modification(s) écartée(s) (personnes effacées)",
                    report.own_edits_dropped
                )
            }
        ),
    )?;
    Ok(report)
}

#[tauri::command(async)]
pub fn list_conflicts(db: State<'_, Db>) -> CommandResult<Vec<Conflict>> {
    Ok(sync::conflicts(&*db.store()?)?)
}

#[tauri::command(async)]
pub fn resolve_conflict(db: State<'_, Db>, id: i64, keep_other: bool) -> CommandResult<()> {
    Ok(sync::resolve(&mut *db.store()?, id, keep_other)?)
}

/// How strong a candidate team passphrase is (the CNIL's rule), for the hint under the field.
#[tauri::command]
pub fn passphrase_strength(passphrase: String) -> sync::passphrase::Strength {
    let passphrase = zeroize::Zeroizing::new(passphrase);
    sync::passphrase::strength(&passphrase)
}

/// Changes the team passphrase: what this device writes next uses the new key.
#[tauri::command(async)]
pub fn change_team_passphrase(
    db: State<'_, Db>,
    sync_state: State<'_, Sync>,
    new_passphrase: String,
) -> CommandResult<u32> {
    let new_passphrase = zeroize::Zeroizing::new(new_passphrase);
    let mut guard = sync_state.folder()?;
    let store = db.store()?;
    let folder = open_folder(&mut guard, &store)?;
    let epoch =
        folder.change_passphrase(&new_passphrase, &fresh_secrets(), sync::KdfParams::STANDARD)?;
    sync::team_key::keep(&store, folder)?;
    Ok(epoch)
}

/// Segments held aside because their clocks run far ahead, for "À vérifier".
#[tauri::command(async)]
pub fn list_held(db: State<'_, Db>) -> CommandResult<Vec<HeldSegment>> {
    Ok(sync::held(&*db.store()?)?)
}

/// The officer's decision on a held segment: apply it (`accept`) or never apply it here.
#[tauri::command(async)]
pub fn decide_held(
    db: State<'_, Db>,
    sync_state: State<'_, Sync>,
    device: String,
    seq: u64,
    accept: bool,
) -> CommandResult<()> {
    let device = carnet::validate::id(&device)?;
    let mut guard = sync_state.folder()?;
    let mut store = db.store()?;
    if accept {
        let folder = open_folder(&mut guard, &store)?;
        sync::accept_held(&mut store, folder, device, seq)?;
    } else {
        sync::reject_held(&mut store, device, seq)?;
    }
    Ok(())
}

/// The shared folder: as opened since the notebook was unlocked, else opened now with the
/// team's keys kept in the notebook (nothing is read from the folder before sync needs it: a
/// USB key may be plugged in later), else `sync_locked`.
fn open_folder<'a>(
    guard: &'a mut Option<sync::SyncFolder>,
    store: &carnet::Store,
) -> CommandResult<&'a mut sync::SyncFolder> {
    if guard.is_none() {
        let shared = store.local_setting("sync_folder")?.ok_or_else(locked)?;
        *guard = sync::team_key::reopen(store, std::path::Path::new(&shared))?;
    }
    guard.as_mut().ok_or_else(locked)
}

fn locked() -> CommandError {
    CommandError {
        kind: "sync_locked",
        message: "Saisissez la phrase de passe de l'équipe dans Réglages → Synchronisation.".into(),
        field: Some("passphrase"),
    }
}
