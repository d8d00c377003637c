//! A fingerprint of the notebook's logical content.
//!
//! Two devices that hold the same data print the same digest, whatever order the data arrived
//! in, whatever clocks stamped it and whichever device wrote it: the digest hashes the
//! materialised rows (entity, id, every catalogue field and the tombstone), sorted by entity
//! and id, and nothing else — not the change log, not `meta`, not derived columns such as the
//! search key. Sync tests compare devices with it; `carnet digest` prints it.

use rusqlite::types::ValueRef;
use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::schema::ENTITIES;
use crate::store::{Store, column_list};

/// The SHA-256 of the logical content, in lowercase hex.
pub fn digest(store: &Store) -> Result<String> {
    let mut hash = Sha256::new();
    for spec in ENTITIES {
        hash.update(b"E");
        hash.update(spec.name.as_bytes());
        let sql = format!(
            "SELECT id, deleted, {} FROM {} ORDER BY id",
            column_list(spec),
            spec.name
        );
        let mut stmt = store.conn().prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let columns = spec.fields.len() + 2;
        while let Some(row) = rows.next()? {
            hash.update(b"R");
            for i in 0..columns {
                feed(&mut hash, row.get_ref(i)?);
            }
        }
    }
    Ok(crate::hex::encode(&hash.finalize()))
}

/// Hashes a value with a type tag and length, so that no two different rows hash alike.
fn feed(hash: &mut Sha256, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => hash.update(b"n"),
        ValueRef::Integer(i) => {
            hash.update(b"i");
            hash.update(i.to_be_bytes());
        }
        ValueRef::Real(r) => {
            hash.update(b"r");
            hash.update(r.to_bits().to_be_bytes());
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            hash.update(b"t");
            hash.update((t.len() as u64).to_be_bytes());
            hash.update(t);
        }
    }
}
