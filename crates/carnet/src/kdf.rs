//! Turning a passphrase into a key: Argon2id, at a cost kept within fixed bounds.
//!
//! Two secrets of Carnet come from a passphrase: the team's sync keys (the team passphrase)
//! and the notebook's key (the officer's own passphrase). Both read the cost from a file that
//! could be damaged or planted, so the cost is accepted only within ranges that cannot make a
//! device hang or allocate gigabytes; each caller says in its own words what a refused cost
//! means (a damaged shared folder, a damaged key file).

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A 256-bit key, wiped from memory when dropped.
pub(crate) type Key = Zeroizing<[u8; 32]>;

/// Cost of deriving a key from a passphrase (Argon2id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    /// For real use: 64 MiB, 3 passes (about half a second on the officer's laptop).
    pub const STANDARD: KdfParams = KdfParams {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };
    /// For tests only: as cheap as Argon2id allows.
    pub const FAST_FOR_TESTS: KdfParams = KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    };

    /// Whether a cost read from a file is acceptable: at most 256 MiB, 10 passes, 4 lanes.
    pub fn within_limits(self) -> bool {
        (8..=256 * 1024).contains(&self.m_cost_kib)
            && self.m_cost_kib >= 8 * self.p_cost
            && (1..=10).contains(&self.t_cost)
            && (1..=4).contains(&self.p_cost)
    }
}

/// Argon2id of `passphrase` with `salt`; `None` when the cost is out of limits or the salt
/// unusable (the caller names the damage).
pub(crate) fn derive(passphrase: &str, salt: &[u8], kdf: KdfParams) -> Option<Key> {
    if !kdf.within_limits() {
        return None;
    }
    let params = Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32)).ok()?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, key.as_mut())
        .ok()?;
    Some(key)
}
