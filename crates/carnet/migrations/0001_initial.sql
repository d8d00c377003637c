-- 0001: the first schema. Never edit a shipped migration: add a new file instead.

-- Device-local facts: this device's id and clock, schema version. Never synced.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value ANY
) STRICT;

-- The change log: every field change ever made or received, the source of truth that sync
-- ships. One row per write of one row: `fields` is a JSON array [["field", value], ...] whose
-- k-th field is stamped with the hybrid logical clock (wall, counter + k, device).
-- `seq` is the local append order. Rows are never updated nor deleted.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY,
    wall INTEGER NOT NULL,
    counter INTEGER NOT NULL,
    device BLOB NOT NULL,
    entity TEXT NOT NULL,
    row_id BLOB NOT NULL,
    fields TEXT NOT NULL
) STRICT;
-- Last-writer-wins and duplicate detection read one row's history.
CREATE INDEX change_log_by_row ON change_log (row_id);

CREATE TABLE territory (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT
) STRICT;

CREATE TABLE quartier (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    territory_id TEXT,
    name TEXT,
    commune TEXT,
    is_qpv INTEGER,
    qpv_code TEXT
) STRICT;

CREATE TABLE place (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    kind TEXT,
    quartier_id TEXT,
    address TEXT
) STRICT;

CREATE TABLE permanence (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    quartier_id TEXT,
    place_id TEXT,
    date TEXT,
    start_time TEXT,
    end_time TEXT,
    status TEXT,
    note TEXT
) STRICT;

CREATE TABLE encounter (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    date TEXT,
    kind TEXT,
    phase TEXT,
    person_id TEXT,
    head_count INTEGER,
    quartier_id TEXT,
    permanence_id TEXT,
    note TEXT,
    follow_up TEXT,
    follow_up_done INTEGER
) STRICT;

CREATE TABLE meeting (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    date TEXT,
    title TEXT,
    kind TEXT,
    partner_id TEXT,
    quartier_id TEXT,
    attendee_count INTEGER,
    note TEXT
) STRICT;

CREATE TABLE attendance (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    meeting_id TEXT,
    person_id TEXT
) STRICT;

CREATE TABLE person (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    first_name TEXT,
    last_name TEXT,
    gender TEXT,
    birth_date TEXT,
    phone TEXT,
    email TEXT,
    address TEXT,
    postcode TEXT,
    city TEXT,
    quartier_id TEXT,
    lives_in_qpv INTEGER,
    situation TEXT,
    france_travail INTEGER,
    rsa INTEGER,
    education TEXT,
    consent_date TEXT,
    consent_contact INTEGER,
    consent_partners INTEGER,
    consent_stats INTEGER,
    project_title TEXT,
    project_sector TEXT,
    project_stage TEXT,
    note TEXT,
    search_key TEXT
) STRICT;

CREATE TABLE partner (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    kind TEXT,
    description TEXT,
    contact_name TEXT,
    address TEXT,
    postcode TEXT,
    city TEXT,
    phone TEXT,
    email TEXT,
    note TEXT
) STRICT;

CREATE TABLE referral (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    partner_id TEXT,
    date TEXT,
    need TEXT,
    detail TEXT,
    status TEXT,
    status_date TEXT,
    follow_up TEXT
) STRICT;

CREATE TABLE referral_event (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    referral_id TEXT,
    status TEXT,
    date TEXT,
    note TEXT
) STRICT;

CREATE TABLE outcome (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    person_id TEXT,
    kind TEXT,
    date TEXT,
    legal_form TEXT,
    siret TEXT,
    sector TEXT,
    note TEXT
) STRICT;

CREATE TABLE officer (
    id TEXT PRIMARY KEY NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    name TEXT,
    title TEXT,
    structure TEXT,
    phone TEXT,
    email TEXT,
    signature TEXT
) STRICT;

-- Indexes for the screens: search, timeline, follow-ups, date ranges, yearly figures.
CREATE INDEX quartier_by_territory ON quartier (territory_id);
CREATE INDEX person_by_quartier ON person (quartier_id);
CREATE INDEX permanence_by_date ON permanence (date);
CREATE INDEX encounter_by_date ON encounter (date);
CREATE INDEX encounter_by_person ON encounter (person_id, date);
CREATE INDEX encounter_by_follow_up ON encounter (follow_up) WHERE follow_up IS NOT NULL;
CREATE INDEX encounter_by_permanence ON encounter (permanence_id) WHERE permanence_id IS NOT NULL;
CREATE INDEX meeting_by_date ON meeting (date);
CREATE INDEX attendance_by_person ON attendance (person_id);
CREATE INDEX attendance_by_meeting ON attendance (meeting_id);
CREATE INDEX referral_by_person ON referral (person_id, date);
CREATE INDEX referral_by_status ON referral (status, date);
CREATE INDEX referral_by_follow_up ON referral (follow_up) WHERE follow_up IS NOT NULL;
CREATE INDEX referral_event_by_referral ON referral_event (referral_id, date);
CREATE INDEX outcome_by_person ON outcome (person_id, date);
