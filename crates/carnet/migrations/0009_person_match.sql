-- Duplicate persons (`person_match.rs`, `duplicates.rs`): the sound keys of a person's first
-- and last names, in sorted order ("mhmd:bnl"), kept by the write path and by sync like the
-- search key, so that the check at entry reads only the persons that share it, a birth date
-- (day and month in either order) or a phone. Filled for existing persons by
-- `store::migrate` right after this script (the keys are computed in Rust).
ALTER TABLE person ADD COLUMN match_key TEXT;
CREATE INDEX person_match_key ON person (match_key) WHERE deleted = 0;
CREATE INDEX person_birth_date ON person (birth_date) WHERE deleted = 0;
CREATE INDEX person_phone ON person (phone) WHERE deleted = 0;
