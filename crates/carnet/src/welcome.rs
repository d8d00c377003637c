//! The welcome on a device's first start: who the officer is, where she works and the
//! partners she writes to — or "Je rejoins une équipe" — so that the first screen she works
//! in already knows her name, her quartiers and her partners.
//!
//! Why in the engine: whether the welcome is due is a state of the notebook on this device,
//! decided the same way whichever shell asks, and the territories it offers are the ones
//! [`crate::territory::create_territory`] knows. What is guaranteed: it is due on a device
//! where the officer has no profile of her own ([`crate::officer::own`]) and that never
//! finished it; once finished (or passed) it is never shown again on this device — the mark is
//! local, never synced, since a colleague's welcome is hers. Every step writes through the
//! same engine calls as Réglages, so each can be changed there later.

use serde::Serialize;

use crate::error::Result;
use crate::store::Store;

/// A territory whose quartiers Carnet knows, as the welcome offers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KnownTerritory {
    pub name: String,
    /// (quartier, commune), all QPV.
    pub quartiers: Vec<(String, String)>,
}

/// Whether the welcome is due on this device.
pub fn is_due(store: &Store) -> Result<bool> {
    Ok(store.local_setting("welcome_done")?.is_none() && crate::officer::own(store)?.is_none())
}

/// The welcome is done (or passed): it is not shown again on this device.
pub fn finish(store: &mut Store) -> Result<()> {
    store.set_local_setting("welcome_done", "1")
}

/// The territories whose quartiers Carnet lays out by itself.
pub fn known_territories() -> Vec<KnownTerritory> {
    crate::territory::known_territories()
        .into_iter()
        .map(|(name, quartiers)| KnownTerritory { name, quartiers })
        .collect()
}
