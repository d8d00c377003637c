-- 0003: orientation letters. Never edit once shipped.

-- Letter templates: plain text with named placeholders, edited by the officer and synced so
-- the whole team writes the same letters. The defaults are seeded with fixed ids.
CREATE TABLE letter_template (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    partner_kind TEXT,
    subject TEXT,
    body TEXT
) STRICT;

-- Letters produced: which referral, which template version, and `inputs`, the JSON of every
-- value the letter was made from, so the same bytes can be made again later.
CREATE TABLE letter (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    referral_id TEXT,
    person_id TEXT,
    date TEXT,
    template_id TEXT,
    template_version TEXT,
    inputs TEXT,
    pdf_sha256 TEXT
) STRICT;
CREATE INDEX letter_by_referral ON letter (referral_id);
CREATE INDEX letter_by_person ON letter (person_id);
CREATE INDEX letter_by_date ON letter (date);

-- The letterhead needs the office's address and the structure's logo (a PNG, base64).
ALTER TABLE officer ADD COLUMN address TEXT;
ALTER TABLE officer ADD COLUMN postcode TEXT;
ALTER TABLE officer ADD COLUMN city TEXT;
ALTER TABLE officer ADD COLUMN logo TEXT;
