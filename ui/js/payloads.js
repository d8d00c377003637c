// @ts-check
// What the engine's commands send back, as JSDoc types for `// @ts-check` (no build step:
// editors and `tsc --noEmit` read them, the window never loads this file). Each type names
// the Rust struct it mirrors; the records themselves (Person, Encounter…) are in records.js,
// written from the catalogue. Dates are `YYYY-MM-DD` strings, ids are uuid strings.

/** @typedef {import('./records.js').Person} Person */
/** @typedef {import('./records.js').Encounter} Encounter */
/** @typedef {import('./records.js').Partner} Partner */
/** @typedef {import('./records.js').Permanence} Permanence */
/** @typedef {import('./records.js').Meeting} Meeting */
/** @typedef {import('./records.js').Outcome} Outcome */
/** @typedef {import('./records.js').ReferralEvent} ReferralEvent */
/** @typedef {import('./records.js').Officer} Officer */
/** @typedef {import('./records.js').Territory} Territory */
/** @typedef {import('./records.js').Quartier} Quartier */
/** @typedef {import('./records.js').LetterTemplate} LetterTemplate */

/**
 * A record with its id (`carnet::Entry<T>`: the record's fields and `id` side by side).
 * @template T
 * @typedef {T & { id: string }} Entry
 */

/**
 * Every refusal or failure (`src-tauri/src/error.rs`): the UI switches on `kind`, puts
 * `message` (French) next to the input named by `field`.
 * @typedef {object} EngineError
 * @property {string} kind
 * @property {string} message
 * @property {string | null} field
 */

/**
 * What "Annuler" replays (`carnet::undo::Undo`): opaque to the window, sent back as is.
 * @typedef {{ steps: Array<{ action: 'delete' | 'restore' | 'set', entity: string, id: string, field?: string, value?: unknown }> }} Undo
 */

/**
 * The closed lists (`[code, label]` pairs by list name) and the names of entities and fields
 * (`carnet::schema::Vocabulary`).
 * @typedef {Record<string, Array<[string, string]>> & {
 *   entity_labels: Record<string, string>,
 *   field_labels: Record<string, Record<string, string>>,
 * }} Vocabulary
 */

/**
 * An encounter just recorded or corrected (`carnet::encounter::Recorded`).
 * @typedef {object} Recorded
 * @property {string} id
 * @property {string | null} person_id
 * @property {{ id: string, created: boolean, marked_held: boolean } | null} permanence
 * @property {Undo} undo
 */

/**
 * @typedef {object} FollowUp `carnet::followup::FollowUp`
 * @property {string} due
 * @property {'encounter' | 'referral'} source
 * @property {string} id
 * @property {string | null} person_id
 * @property {string | null} person_name
 * @property {string | null} about
 */

/**
 * @typedef {object} ReferralRow `carnet::referral::ReferralRow`
 * @property {string} id
 * @property {string} date
 * @property {string} person_id
 * @property {string} person_name
 * @property {string} partner_name
 * @property {string} need
 * @property {string} status
 * @property {string | null} status_date
 * @property {string | null} follow_up
 */

/**
 * The home screen (`commands::today::Today`).
 * @typedef {object} Today
 * @property {string} date
 * @property {Entry<Permanence>[]} permanences_today
 * @property {Entry<Permanence>[]} permanences_week
 * @property {{ this_week: FollowUp[], overdue: FollowUp[], overdue_total: number }} follow_ups
 * @property {Array<Entry<Encounter> & { person_name: string | null }>} encounters_today
 * @property {{ kind: string, quartier_id: string | null }} capture
 * @property {ReferralRow[]} to_send
 */

/**
 * Réglages (`commands::settings::Settings`).
 * @typedef {object} Settings
 * @property {Entry<Officer> | null} officer
 * @property {Entry<Territory>[]} territories
 * @property {Entry<Quartier>[]} quartiers
 * @property {string[]} recent_quartiers
 * @property {string} device_id
 * @property {string | null} device_name
 * @property {string} database
 */

/**
 * A search page (`carnet::person::Found`): the hits, and how many there are in all.
 * @typedef {{ hits: Array<Entry<Person> & Record<string, unknown>>, total: number }} Found
 */

/**
 * @typedef {object} TimelineItem `carnet::timeline::TimelineItem`
 * @property {string} date
 * @property {string} kind
 * @property {string} id
 * @property {string} summary
 * @property {string | null} detail
 * @property {string | null} referral_id
 */

/**
 * A likely duplicate of what is being typed (`carnet::duplicates::Candidate`).
 * @typedef {object} Candidate
 * @property {string} id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string | null} birth_date
 * @property {string | null} quartier_id
 * @property {string | null} quartier_name
 * @property {string | null} last_contact
 * @property {number} score
 * @property {'very_likely' | 'to_check'} level
 * @property {string[]} reasons
 */

/**
 * A pair of the Doublons list (`carnet::duplicates::Pair`).
 * @typedef {object} Pair
 * @property {string} a
 * @property {string} b
 * @property {string} a_name
 * @property {string} b_name
 * @property {number} score
 * @property {'very_likely' | 'to_check'} level
 * @property {string[]} reasons
 */

/**
 * @typedef {object} Crossed `carnet::person_merge::Crossed`
 * @property {string} person_id
 * @property {string} person_name
 * @property {string} into_id
 * @property {string} into_name
 */

/**
 * What an erasure or an anonymisation removed (`carnet::erasure::Purged`).
 * @typedef {object} Purged
 * @property {number} rows
 * @property {number} encounters_detached
 * @property {number} own_edits_dropped
 * @property {number} kept_anonymously
 * @property {string | null} anonymous_copy
 */

/**
 * What an erasure will remove, counted for the confirmation (`carnet::erasure::Preview`).
 * @typedef {{ encounters: number, referrals: number, outcomes: number, letters: number, attendances: number }} ErasurePreview
 */

/**
 * @typedef {object} SyncStatus `commands::sync::SyncStatus`
 * @property {string | null} folder
 * @property {boolean} unlocked
 * @property {string | null} device_name
 * @property {string | null} last_sync
 * @property {string | null} last_summary
 * @property {number} conflicts
 */

/**
 * A file of the shared folder not applied, and why (`carnet::sync::Skipped`).
 * @typedef {{ file: string, device: string | null, device_name: string | null, seq: number | null, reason: string }} Skipped
 */

/**
 * Where a sync is (`carnet::sync::SyncProgress`), sent as `sync-progress` events: segments and
 * field changes done of how many; `changes_total` is an estimate until `exact`. `indexing` is
 * reported once, after a large reception's last segment, while the notebook's indexes are built
 * again (it has no count of its own).
 * @typedef {object} SyncProgress
 * @property {'receiving' | 'indexing' | 'sending'} step
 * @property {number} segments_done
 * @property {number} segments_total
 * @property {number} changes_done
 * @property {number} changes_total
 * @property {boolean} exact
 */

/**
 * @typedef {object} SyncReport `carnet::sync::SyncReport`
 * @property {number} segments_sent
 * @property {number} changes_sent
 * @property {number} segments_received
 * @property {number} changes_applied
 * @property {number} duplicates
 * @property {number} conflicts
 * @property {Skipped[]} skipped
 * @property {Skipped[]} held
 * @property {unknown[]} missing
 * @property {number} restored
 * @property {string | null} new_device_id
 * @property {number} bytes_sent
 * @property {number} erased_dropped
 * @property {number} persons_erased
 * @property {number} own_edits_dropped
 * @property {number} person_keys_written
 * @property {number} person_keys_destroyed
 * @property {Pair[]} likely_duplicates
 * @property {number} merge_edits_forwarded
 * @property {Crossed[]} crossed_merges
 */

/**
 * A value kept and a value lost by concurrent edits (`carnet::sync::review::Conflict`).
 * @typedef {object} Conflict
 * @property {number} id
 * @property {string} entity
 * @property {string} entity_label
 * @property {string} row_id
 * @property {string} record
 * @property {string} field
 * @property {string} field_label
 * @property {unknown} kept_value
 * @property {unknown} lost_value
 * @property {string} kept_by
 * @property {string} lost_by
 * @property {number} kept_at_ms
 * @property {number} lost_at_ms
 */

/**
 * @typedef {object} HeldSegment `carnet::sync::review::HeldSegment`
 * @property {string} device
 * @property {string | null} device_name
 * @property {number} seq
 * @property {number} changes
 * @property {number} ahead_until_ms
 */

/**
 * @typedef {{ ok: boolean, characters: number, kinds: number, words: number, hint: string }} Strength
 */

/**
 * @typedef {object} LockState `commands::lock::LockState`
 * @property {string} state
 * @property {boolean} remembered
 * @property {number} auto_lock_minutes
 * @property {number} auto_lock_seconds
 */

/**
 * A letter saved as PDF (`carnet::letter::Saved`).
 * @typedef {{ letter_id: string, path: string, bytes: number, sent: boolean }} SavedLetter
 */

/**
 * @typedef {{ path: string, letters: number, bytes: number, skipped: unknown[] }} SavedBatch
 */

/**
 * A letter laid out for the preview (`carnet::letter::Preview`).
 * @typedef {object} LetterPreview
 * @property {unknown[]} pages
 * @property {number} page_width
 * @property {number} page_height
 * @property {string | null} logo_png
 * @property {string} template_id
 * @property {string} file_name
 */

/**
 * @typedef {{ templates: Entry<LetterTemplate>[], placeholders: unknown[] }} Templates
 */

/**
 * The yearly figures (`commands::report::Report`).
 * @typedef {{ indicators: Record<string, any>, synthesis: unknown[], years: number[], creation_rate: number }} Report
 */

/**
 * @typedef {{ path: string, format: string, bytes: number }} Exported
 */

/**
 * The "À réexaminer" list (`commands::retention::Retention`).
 * @typedef {{ months: number, due: Array<Record<string, unknown>> }} Retention
 */

/**
 * What a spreadsheet import did, or would do (`carnet::import::Summary`).
 * @typedef {object} ImportSummary
 * @property {number} rows
 * @property {number} persons
 * @property {number} encounters
 * @property {number} referrals
 * @property {number} outcomes
 * @property {unknown[]} rejected
 * @property {number} already_present
 * @property {Array<[number, string]>} look_like_existing
 */

/**
 * The first rows of a spreadsheet and the columns understood (`commands::import::ImportPreview`).
 * @typedef {object} ImportPreview
 * @property {string | null} sheet
 * @property {number} header_line
 * @property {string[]} titles
 * @property {unknown[]} columns
 * @property {Array<[number, string[]]>} sample
 * @property {number} rows
 * @property {Array<[unknown, string]>} choices
 */

/**
 * @typedef {{ entries: number, broken_at: number | null, truncated: boolean }} Verification
 */

/**
 * @typedef {{ entries: unknown[], months: number, actions: Array<[string, string]> }} Journal
 */

/**
 * @typedef {{ current: Array<[string, string, boolean | null]>, events: unknown[], recorded_before_history: string | null }} ConsentHistory
 */

/**
 * @typedef {{ merged_into: string | null, merged_from: unknown[] }} MergeState
 */

/**
 * Two records side by side for a merge (`commands::merges::MergeChoice`).
 * @typedef {Record<string, unknown> & { empty_on_a: string[], empty_on_b: string[] }} MergeChoice
 */

/**
 * @typedef {{ due: boolean, known_territories: Array<{ name: string, quartiers: Array<[string, string]> }> }} Welcome
 */

/**
 * @typedef {{ items: FollowUp[], total: number }} FollowUpPage
 */

/**
 * @typedef {{ rows: ReferralRow[], total: number }} ReferralPage
 */

export {};
