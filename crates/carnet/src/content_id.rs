//! Ids derived from content rather than drawn at random: the same row made apart on two
//! devices (a default partner, a known quartier, a letter template, a row of an imported
//! spreadsheet) gets the same id, so sync merges it instead of showing it twice.
//!
//! Why a module of its own: the notebook's seeding, partners, territories, letter templates
//! and the import all need it; a leaf that depends on nothing keeps them from depending on
//! each other for it.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The id of the row named by `parts` (its kind first, then what identifies it), the same on
/// every device; different parts give different ids (each part is length-prefixed).
pub fn of(parts: &[&str]) -> Uuid {
    let mut hash = Sha256::new();
    hash.update(b"carnet-seed");
    for part in parts {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_same_parts_give_the_same_id_and_parts_do_not_run_into_each_other() {
        assert_eq!(
            super::of(&["partner", "ADIE"]),
            super::of(&["partner", "ADIE"])
        );
        assert_ne!(
            super::of(&["partner", "ADIE"]),
            super::of(&["partner", "BGE"])
        );
        assert_ne!(super::of(&["ab", "c"]), super::of(&["a", "bc"]));
    }
}
