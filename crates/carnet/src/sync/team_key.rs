//! The team's sync keys kept inside the encrypted notebook, so that one passphrase at start-up
//! unlocks both the notebook and its sync.
//!
//! Why here and not in a file of its own: the keys are as secret as the notebook, and the
//! notebook is the one place on disk that is encrypted under the officer's passphrase. They
//! are kept only in an encrypted notebook ([`keep`] does nothing in a plaintext one), in the
//! device-local `meta` table (never in the change log, so never synced). A folder whose team
//! changed its passphrase since has a newer key epoch: [`reopen`] refuses it, and the officer
//! types the new passphrase once, which keeps the new keys.

use std::path::Path;

use rusqlite::OptionalExtension;
use zeroize::Zeroizing;

use super::folder::{KeptKeys, SyncFolder};
use super::keys::damaged;
use crate::error::Result;
use crate::store::Store;

const META_KEY: &str = "sync_team_keys";

/// Keeps `folder`'s keys in the notebook when it is encrypted; returns whether it did.
pub fn keep(store: &Store, folder: &SyncFolder) -> Result<bool> {
    if !store.is_encrypted() {
        return Ok(false);
    }
    let json = Zeroizing::new(
        serde_json::to_string(&folder.kept_keys())
            .map_err(|_| damaged("clés de l'équipe impossibles à garder"))?,
    );
    store.conn().execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![META_KEY, json.as_str()],
    )?;
    Ok(true)
}

/// Whether the notebook keeps the team's keys.
pub fn is_kept(store: &Store) -> Result<bool> {
    Ok(read(store)?.is_some())
}

/// Opens the folder in `shared` with the kept keys: `None` when none are kept (or the notebook
/// is plaintext), an error when the folder refuses them (another team, a newer passphrase).
pub fn reopen(store: &Store, shared: &Path) -> Result<Option<SyncFolder>> {
    if !store.is_encrypted() {
        return Ok(None);
    }
    let Some(json) = read(store)? else {
        return Ok(None);
    };
    let kept: KeptKeys = serde_json::from_str(&json)
        .map_err(|_| damaged("clés de l'équipe gardées dans le carnet illisibles"))?;
    SyncFolder::reopen(shared, &kept).map(Some)
}

/// Forgets the kept keys (the team is left, or its passphrase must be typed again).
pub fn forget(store: &Store) -> Result<()> {
    store
        .conn()
        .execute("DELETE FROM meta WHERE key = ?1", [META_KEY])?;
    Ok(())
}

fn read(store: &Store) -> Result<Option<Zeroizing<String>>> {
    Ok(store
        .conn()
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .map(Zeroizing::new))
}
