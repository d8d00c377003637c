-- Per-person keys (crypto-shredding, see `sync/person_keys.rs`): the changes that carry a
-- person's identity and free texts travel in the shared folder sealed with a key of her own,
-- kept here and, wrapped by the team's key, in `carnet-sync/persons/`. Erasing or anonymising
-- her deletes her keys here (with secure_delete) and their files in the folder: every segment
-- ever written, on any disk, becomes unreadable for her. A person may have several keys (two
-- devices that gave one to the same person before either had seen the other's).
CREATE TABLE person_key (
    person BLOB NOT NULL,
    key_id BLOB NOT NULL,
    key BLOB NOT NULL,
    PRIMARY KEY (person, key_id)
) STRICT, WITHOUT ROWID;
