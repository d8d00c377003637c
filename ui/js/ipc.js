// @ts-check
// Every call to the engine goes through here. Errors arrive as { kind, message, field }.
// Payload types: payloads.js (what commands return) and records.js (the records, from the
// engine's catalogue); `tsc --noEmit -p ui` checks this module against them.
/** @typedef {import('./payloads.js').Candidate} Candidate */
/** @typedef {import('./payloads.js').Conflict} Conflict */
/** @typedef {import('./payloads.js').ConsentHistory} ConsentHistory */
/** @typedef {import('./payloads.js').Crossed} Crossed */
/** @typedef {import('./payloads.js').Encounter} Encounter */
/** @typedef {import('./payloads.js').ErasurePreview} ErasurePreview */
/** @typedef {import('./payloads.js').Exported} Exported */
/** @typedef {import('./payloads.js').FollowUpPage} FollowUpPage */
/** @typedef {import('./payloads.js').Found} Found */
/** @typedef {import('./payloads.js').HeldSegment} HeldSegment */
/** @typedef {import('./payloads.js').ImportPreview} ImportPreview */
/** @typedef {import('./payloads.js').ImportSummary} ImportSummary */
/** @typedef {import('./payloads.js').Journal} Journal */
/** @typedef {import('./payloads.js').LetterPreview} LetterPreview */
/** @typedef {import('./payloads.js').LockState} LockState */
/** @typedef {import('./payloads.js').Meeting} Meeting */
/** @typedef {import('./payloads.js').MergeChoice} MergeChoice */
/** @typedef {import('./payloads.js').MergeState} MergeState */
/** @typedef {import('./payloads.js').Outcome} Outcome */
/** @typedef {import('./payloads.js').Pair} Pair */
/** @typedef {import('./payloads.js').Partner} Partner */
/** @typedef {import('./payloads.js').Permanence} Permanence */
/** @typedef {import('./payloads.js').Person} Person */
/** @typedef {import('./payloads.js').Purged} Purged */
/** @typedef {import('./payloads.js').Recorded} Recorded */
/** @typedef {import('./payloads.js').ReferralEvent} ReferralEvent */
/** @typedef {import('./payloads.js').ReferralPage} ReferralPage */
/** @typedef {import('./payloads.js').ReferralRow} ReferralRow */
/** @typedef {import('./payloads.js').Report} Report */
/** @typedef {import('./payloads.js').Retention} Retention */
/** @typedef {import('./payloads.js').SavedBatch} SavedBatch */
/** @typedef {import('./payloads.js').SavedLetter} SavedLetter */
/** @typedef {import('./payloads.js').Settings} Settings */
/** @typedef {import('./payloads.js').Strength} Strength */
/** @typedef {import('./payloads.js').SyncReport} SyncReport */
/** @typedef {import('./payloads.js').SyncStatus} SyncStatus */
/** @typedef {import('./payloads.js').Templates} Templates */
/** @typedef {import('./payloads.js').TimelineItem} TimelineItem */
/** @typedef {import('./payloads.js').Today} Today */
/** @typedef {import('./payloads.js').Undo} Undo */
/** @typedef {import('./payloads.js').Verification} Verification */
/** @typedef {import('./payloads.js').Vocabulary} Vocabulary */
/** @typedef {import('./payloads.js').Welcome} Welcome */
/** @typedef {import('./payloads.js').EngineError} EngineError */
/**
 * @template T
 * @typedef {import('./payloads.js').Entry<T>} Entry
 */
import { t } from './strings.js';

/**
 * Calls an engine command; rejects with an {@link EngineError}.
 * @param {string} cmd
 * @param {Record<string, unknown>} [args]
 * @returns {Promise<any>}
 */
const invoke = (cmd, args) => tauri().core.invoke(cmd, args);

/** The Tauri bridge, injected into the window (`withGlobalTauri`). */
const tauri = () => /** @type {any} */ (window).__TAURI__;

export const api = {
  /** @returns {Promise<Today>} */
  today: () => invoke('get_today'),
  /** @returns {Promise<Vocabulary>} */
  vocabulary: () => invoke('get_vocabulary'),
  /** @returns {Promise<void>} */
  rememberCapture: (kind, quartierId) => invoke('remember_capture', { defaults: { kind, quartier_id: quartierId } }),
  /** @returns {Promise<Found>} */
  searchPersons: (query, { quartier = null, offset = 0, limit = 50 } = {}) => invoke('search_persons', { query, quartier, offset, limit }),
  /** @returns {Promise<Person>} */
  getPerson: (id) => invoke('get_person', { id }),
  /** @returns {Promise<Person>} */
  openPerson: (id) => invoke('open_person', { id }),
  /** @returns {Promise<Journal>} */
  listAudit: (since, action) => invoke('list_audit', { since, action }),
  /** @returns {Promise<Verification>} */
  verifyAudit: () => invoke('verify_audit'),
  /** @returns {Promise<void>} */
  setAuditMonths: (months) => invoke('set_audit_months', { months }),
  /** @returns {Promise<Candidate[]>} */
  findDuplicates: (person) => invoke('find_duplicates', { person }),
  /** @returns {Promise<Pair[]>} */
  listDuplicates: () => invoke('list_duplicates'),
  /** @returns {Promise<MergeChoice>} */
  comparePersons: (a, b) => invoke('compare_persons', { a, b }),
  /** @returns {Promise<Undo>} */
  mergePersons: (keep, other, take) => invoke('merge_persons', { keep, other, take }),
  /** @returns {Promise<MergeState>} */
  getMergeState: (id) => invoke('get_merge_state', { id }),
  /** @returns {Promise<Undo>} */
  separatePerson: (id) => invoke('separate_person', { id }),
  /** @returns {Promise<Undo>} */
  markNotDuplicate: (a, b) => invoke('mark_not_duplicate', { a, b }),
  /** @returns {Promise<Crossed[]>} */
  listCrossedMerges: () => invoke('list_crossed_merges'),
  /** @returns {Promise<Undo>} */
  confirmCrossedMerge: (id) => invoke('confirm_crossed_merge', { id }),
  /** @returns {Promise<string>} */
  createPerson: (person, how = null) => invoke('create_person', { person, how }),
  /** @returns {Promise<Undo>} */
  updatePerson: (id, person, how = null) => invoke('update_person', { id, person, how }),
  /** @returns {Promise<ConsentHistory>} */
  getConsents: (id) => invoke('get_consents', { id }),
  /** @returns {Promise<number>} */
  exportPersonData: (id, path) => invoke('export_person_data', { id, path }),
  /** @returns {Promise<Undo>} */
  deletePerson: (id) => invoke('delete_person', { id }),
  /** @returns {Promise<ErasurePreview>} */
  erasurePreview: (id) => invoke('erasure_preview', { id }),
  /** @returns {Promise<Purged>} */
  erasePerson: (id) => invoke('erase_person', { id }),
  /** @returns {Promise<TimelineItem[]>} */
  timeline: (id) => invoke('get_timeline', { id }),
  /** @returns {Promise<string>} */
  createOutcome: (outcome) => invoke('create_outcome', { outcome }),
  /** @returns {Promise<Recorded>} */
  recordEncounter: (encounter, newPerson = null) => invoke('record_encounter', { encounter, newPerson }),
  /** @returns {Promise<Encounter>} */
  getEncounter: (id) => invoke('get_encounter', { id }),
  /** @returns {Promise<Recorded>} */
  correctEncounter: (id, encounter) => invoke('correct_encounter', { id, encounter }),
  /** @returns {Promise<Undo>} */
  deleteEncounter: (id) => invoke('delete_encounter', { id }),
  /** @returns {Promise<Outcome>} */
  getOutcome: (id) => invoke('get_outcome', { id }),
  /** @returns {Promise<Undo>} */
  correctOutcome: (id, outcome) => invoke('correct_outcome', { id, outcome }),
  /** @returns {Promise<Undo>} */
  deleteOutcome: (id) => invoke('delete_outcome', { id }),
  /** @returns {Promise<Undo>} */
  undo: (undo) => invoke('undo', { undo }),
  /** @returns {Promise<FollowUpPage>} */
  listFollowUps: (window, offset, limit) => invoke('list_follow_ups', { window, offset, limit }),
  /** @returns {Promise<Undo>} */
  followUpDone: (source, id) => invoke('follow_up_done', { source, id }),
  /** @returns {Promise<Undo>} */
  postponeFollowUp: (source, id, to = null) => invoke('postpone_follow_up', { source, id, to }),
  /** @returns {Promise<Retention>} */
  listRetention: () => invoke('list_retention'),
  /** @returns {Promise<number>} */
  countRetentionDue: () => invoke('count_retention_due'),
  /** @returns {Promise<Purged>} */
  anonymisePerson: (id) => invoke('anonymise_person', { id }),
  /** @returns {Promise<number>} */
  anonymiseDue: () => invoke('anonymise_due'),
  onRetentionProgress: (callback) => tauri().event.listen('retention-progress', (e) => callback(e.payload)),
  /** @returns {Promise<void>} */
  prolongRetention: (personId, until, reason) => invoke('prolong_retention', { personId, until, reason }),
  /** @returns {Promise<void>} */
  setRetentionMonths: (months) => invoke('set_retention_months', { months }),
  /** @returns {Promise<Entry<Permanence>[]>} */
  listPermanences: (from, to) => invoke('list_permanences', { from, to }),
  /** @returns {Promise<Permanence>} */
  getPermanence: (id) => invoke('get_permanence', { id }),
  /** @returns {Promise<string>} */
  createPermanence: (permanence) => invoke('create_permanence', { permanence }),
  /** @returns {Promise<void>} */
  updatePermanence: (id, permanence) => invoke('update_permanence', { id, permanence }),
  /** @returns {Promise<Entry<Encounter>[]>} */
  listVisitors: (id) => invoke('list_visitors', { id }),
  /** @returns {Promise<string>} */
  createReferral: (referral) => invoke('create_referral', { referral }),
  /** @returns {Promise<ReferralPage>} */
  listReferrals: (filter = {}, offset = 0, limit = 50) => invoke('list_referrals', { filter, offset, limit }),
  /** @returns {Promise<ReferralRow>} */
  getReferral: (id) => invoke('get_referral', { id }),
  /** @returns {Promise<Undo>} */
  moveReferral: (id, status, date, note = null) => invoke('move_referral', { id, status, date, note }),
  /** @returns {Promise<Entry<ReferralEvent>[]>} */
  referralHistory: (id) => invoke('get_referral_history', { id }),
  /** @returns {Promise<Undo>} */
  correctReferralStep: (id, status, date, note) => invoke('correct_referral_step', { id, status, date, note }),
  /** @returns {Promise<Undo>} */
  deleteReferralStep: (id) => invoke('delete_referral_step', { id }),
  /** @returns {Promise<Undo>} */
  deleteReferral: (id) => invoke('delete_referral', { id }),
  /** @returns {Promise<Entry<Meeting>[]>} */
  listMeetings: (from, to) => invoke('list_meetings', { from, to }),
  /** @returns {Promise<string>} */
  createMeeting: (meeting) => invoke('create_meeting', { meeting }),
  /** @returns {Promise<Undo>} */
  attachAttendee: (meeting, person) => invoke('attach_attendee', { meeting, person }),
  /** @returns {Promise<Entry<Person>[]>} */
  listAttendees: (meeting) => invoke('list_attendees', { meeting }),
  /** @returns {Promise<Undo>} */
  detachAttendee: (meeting, person) => invoke('detach_attendee', { meeting, person }),
  /** @returns {Promise<Entry<Partner>[]>} */
  listPartners: () => invoke('list_partners'),
  /** @returns {Promise<string>} */
  createPartner: (partner) => invoke('create_partner', { partner }),
  /** @returns {Promise<void>} */
  updatePartner: (id, partner) => invoke('update_partner', { id, partner }),
  /** @returns {Promise<Settings>} */
  settings: () => invoke('get_settings'),
  /** @returns {Promise<string>} */
  saveOfficer: (id, officer) => invoke('save_officer', { id, officer }),
  /** @returns {Promise<string>} */
  createTerritory: (name) => invoke('create_territory', { name }),
  /** @returns {Promise<string>} */
  saveQuartier: (id, quartier) => invoke('save_quartier', { id, quartier }),
  /** @returns {Promise<SyncStatus>} */
  syncStatus: () => invoke('get_sync_status'),
  /** @returns {Promise<boolean>} */
  configureSync: (folder, passphrase, deviceName, newTeam = false) => invoke('configure_sync', { folder, passphrase, deviceName, newTeam }),
  /** @returns {Promise<Strength>} */
  passphraseStrength: (passphrase) => invoke('passphrase_strength', { passphrase }),
  /** @returns {Promise<number>} */
  changeTeamPassphrase: (newPassphrase) => invoke('change_team_passphrase', { newPassphrase }),
  /** @returns {Promise<HeldSegment[]>} */
  listHeld: () => invoke('list_held'),
  /** @returns {Promise<void>} */
  decideHeld: (device, seq, accept) => invoke('decide_held', { device, seq, accept }),
  /** @returns {Promise<SyncReport>} */
  syncNow: () => invoke('sync_now', { now: new Date().toISOString() }),
  /** @returns {Promise<Conflict[]>} */
  listConflicts: () => invoke('list_conflicts'),
  /** @returns {Promise<void>} */
  resolveConflict: (id, keepOther) => invoke('resolve_conflict', { id, keepOther }),
  /** @returns {Promise<Templates>} */
  letterTemplates: () => invoke('list_letter_templates'),
  /** @returns {Promise<string>} */
  saveLetterTemplate: (id, template) => invoke('save_letter_template', { id, template }),
  /** @returns {Promise<LetterPreview>} */
  previewLetter: (referral, template, date) => invoke('preview_letter', { referral, template, date }),
  /** @returns {Promise<SavedLetter>} */
  saveLetter: (referral, template, date, path) => invoke('save_letter', { referral, template, date, path }),
  /** @returns {Promise<SavedLetter>} */
  openLetter: (referral, template, date) => invoke('open_letter', { referral, template, date }),
  /** @returns {Promise<SavedBatch>} */
  saveDayLetters: (date, path) => invoke('save_day_letters', { date, path }),
  /** @returns {Promise<void>} */
  setLetterLogo: (path) => invoke('set_letter_logo', { path }),
  // Save dialogs open in Documents, on the suggested file name.
  choosePdfDestination: async (title, fileName) => invoke('plugin:dialog|save', {
    options: { title, defaultPath: await invoke('suggest_save_path', { fileName }), filters: [{ name: t.dialogFilters.pdf, extensions: ['pdf'] }] },
  }),
  choosePng: (title) => invoke('plugin:dialog|open', {
    options: { title, multiple: false, directory: false, filters: [{ name: t.dialogFilters.png, extensions: ['png'] }] },
  }),
  /** @returns {Promise<Report>} */
  report: (year) => invoke('get_report', { year }),
  /** @returns {Promise<Exported>} */
  exportReport: (year, path, withNames) => invoke('export_report', { year, path, withNames }),
  /** @returns {Promise<void>} */
  openExported: (path) => invoke('open_exported', { path }),
  /** @returns {Promise<Welcome>} */
  welcome: () => invoke('get_welcome'),
  /** @returns {Promise<void>} */
  finishWelcome: () => invoke('finish_welcome'),
  /** @returns {Promise<ImportPreview>} */
  previewImport: (path) => invoke('preview_import', { path }),
  /** @returns {Promise<ImportSummary>} */
  checkImport: (path, mapping) => invoke('check_import', { path, mapping }),
  /** @returns {Promise<ImportSummary>} */
  runImport: (path, mapping) => invoke('run_import', { path, mapping }),
  /** @returns {Promise<void>} */
  cancelImport: () => invoke('cancel_import'),
  /** @returns {Promise<void>} */
  saveImportRejections: (path, rejected) => invoke('save_import_rejections', { path, rejected }),
  onImportProgress: (callback) => tauri().event.listen('import-progress', (e) => callback(e.payload)),
  chooseSpreadsheet: (title) => invoke('plugin:dialog|open', {
    options: { title, multiple: false, directory: false, filters: [{ name: t.dialogFilters.spreadsheet, extensions: ['xlsx', 'ods', 'csv'] }] },
  }),
  onExportProgress: (callback) => tauri().event.listen('export-progress', (e) => callback(e.payload)),
  chooseExportDestination: async (title, fileName, name, extension) => invoke('plugin:dialog|save', {
    options: { title, defaultPath: await invoke('suggest_save_path', { fileName }), filters: [{ name, extensions: [extension] }] },
  }),
  chooseFolder: (title) => invoke('plugin:dialog|open', { options: { directory: true, title } }),
  /** @returns {Promise<LockState>} */
  lockState: () => invoke('get_lock_state'),
  /** @returns {Promise<boolean>} */
  unlockRemembered: () => invoke('unlock_remembered'),
  /** @returns {Promise<string>} */
  createNotebook: (passphrase) => invoke('create_notebook', { passphrase }),
  /** @returns {Promise<string>} */
  encryptNotebook: (passphrase) => invoke('encrypt_notebook', { passphrase }),
  /** @returns {Promise<void>} */
  unlock: (passphrase) => invoke('unlock', { passphrase }),
  /** @returns {Promise<void>} */
  unlockWithRecoveryKey: (recoveryKey, newPassphrase) => invoke('unlock_with_recovery_key', { recoveryKey, newPassphrase }),
  /** @returns {Promise<void>} */
  lock: () => invoke('lock'),
  /** @returns {Promise<void>} */
  saveRecoverySheet: (path) => invoke('save_recovery_sheet', { path }),
  /** @returns {Promise<void>} */
  forgetRecoveryKey: () => invoke('forget_recovery_key'),
  /** @returns {Promise<void>} */
  changeNotebookPassphrase: (current, newPassphrase) => invoke('change_notebook_passphrase', { current, newPassphrase }),
  /** @returns {Promise<string>} */
  renewRecoverySheet: (path) => invoke('renew_recovery_sheet', { path }),
  /** @returns {Promise<void>} */
  setRemember: (remember) => invoke('set_remember', { remember }),
  /** @returns {Promise<void>} */
  setAutoLock: (minutes) => invoke('set_auto_lock', { minutes }),
  /** @param {(progress: import('./payloads.js').SyncProgress) => void} callback */
  onSyncProgress: (callback) => tauri().event.listen('sync-progress', (e) => callback(e.payload)),
};

// Vocabularies are loaded once: { encounter_kind: [[code, label], …], … }.
/** @type {Vocabulary | null} */
let vocabulary = null;
/** @returns {Promise<Vocabulary>} */
export async function vocab() {
  if (!vocabulary) vocabulary = await api.vocabulary();
  return vocabulary;
}
// The label of a field as the engine names it ({ entity: { field: label } } in the vocabulary):
// forms and lists take their field names from there, never from copies of their own. The
// vocabulary is loaded before any screen (main.js); until then, the field's code.
/**
 * @param {string} entity
 * @param {string} field
 * @returns {string}
 */
export function fieldLabel(entity, field) {
  return vocabulary?.field_labels?.[entity]?.[field] ?? field;
}
/**
 * The label of `code` in a closed list, the code itself if unknown, a dash for none.
 * @param {Array<[string, string]> | undefined} list
 * @param {string | null | undefined} code
 * @returns {string}
 */
export function label(list, code) {
  const found = (list || []).find(([c]) => c === code);
  return found ? found[1] : (code ?? '—');
}
