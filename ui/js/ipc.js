// Every call to the engine goes through here. Errors arrive as { kind, message, field }.
const invoke = (cmd, args) => window.__TAURI__.core.invoke(cmd, args);

export const api = {
  today: () => invoke('get_today'),
  vocabulary: () => invoke('get_vocabulary'),
  rememberCapture: (kind, quartierId) => invoke('remember_capture', { defaults: { kind, quartier_id: quartierId } }),
  searchPersons: (query, { quartier = null, offset = 0, limit = 50 } = {}) => invoke('search_persons', { query, quartier, offset, limit }),
  getPerson: (id) => invoke('get_person', { id }),
  createPerson: (person) => invoke('create_person', { person }),
  updatePerson: (id, person) => invoke('update_person', { id, person }),
  deletePerson: (id) => invoke('delete_person', { id }),
  timeline: (id) => invoke('get_timeline', { id }),
  createOutcome: (outcome) => invoke('create_outcome', { outcome }),
  recordEncounter: (encounter, newPerson = null) => invoke('record_encounter', { encounter, newPerson }),
  getEncounter: (id) => invoke('get_encounter', { id }),
  correctEncounter: (id, encounter) => invoke('correct_encounter', { id, encounter }),
  deleteEncounter: (id) => invoke('delete_encounter', { id }),
  getOutcome: (id) => invoke('get_outcome', { id }),
  correctOutcome: (id, outcome) => invoke('correct_outcome', { id, outcome }),
  deleteOutcome: (id) => invoke('delete_outcome', { id }),
  undo: (undo) => invoke('undo', { undo }),
  listFollowUps: (window, offset, limit) => invoke('list_follow_ups', { window, offset, limit }),
  followUpDone: (source, id) => invoke('follow_up_done', { source, id }),
  postponeFollowUp: (source, id, to = null) => invoke('postpone_follow_up', { source, id, to }),
  listPermanences: (from, to) => invoke('list_permanences', { from, to }),
  getPermanence: (id) => invoke('get_permanence', { id }),
  createPermanence: (permanence) => invoke('create_permanence', { permanence }),
  updatePermanence: (id, permanence) => invoke('update_permanence', { id, permanence }),
  listVisitors: (id) => invoke('list_visitors', { id }),
  createReferral: (referral) => invoke('create_referral', { referral }),
  listReferrals: (filter = {}, offset = 0, limit = 50) => invoke('list_referrals', { filter, offset, limit }),
  getReferral: (id) => invoke('get_referral', { id }),
  moveReferral: (id, status, date, note = null) => invoke('move_referral', { id, status, date, note }),
  referralHistory: (id) => invoke('get_referral_history', { id }),
  correctReferralStep: (id, status, date, note) => invoke('correct_referral_step', { id, status, date, note }),
  deleteReferralStep: (id) => invoke('delete_referral_step', { id }),
  deleteReferral: (id) => invoke('delete_referral', { id }),
  listMeetings: (from, to) => invoke('list_meetings', { from, to }),
  createMeeting: (meeting) => invoke('create_meeting', { meeting }),
  attachAttendee: (meeting, person) => invoke('attach_attendee', { meeting, person }),
  listAttendees: (meeting) => invoke('list_attendees', { meeting }),
  detachAttendee: (meeting, person) => invoke('detach_attendee', { meeting, person }),
  listPartners: () => invoke('list_partners'),
  createPartner: (partner) => invoke('create_partner', { partner }),
  updatePartner: (id, partner) => invoke('update_partner', { id, partner }),
  settings: () => invoke('get_settings'),
  saveOfficer: (id, officer) => invoke('save_officer', { id, officer }),
  createTerritory: (name) => invoke('create_territory', { name }),
  saveQuartier: (id, quartier) => invoke('save_quartier', { id, quartier }),
  syncStatus: () => invoke('get_sync_status'),
  configureSync: (folder, passphrase, deviceName, newTeam = false) => invoke('configure_sync', { folder, passphrase, deviceName, newTeam }),
  passphraseStrength: (passphrase) => invoke('passphrase_strength', { passphrase }),
  changeTeamPassphrase: (newPassphrase) => invoke('change_team_passphrase', { newPassphrase }),
  listHeld: () => invoke('list_held'),
  decideHeld: (device, seq, accept) => invoke('decide_held', { device, seq, accept }),
  syncNow: () => invoke('sync_now', { now: new Date().toISOString() }),
  listConflicts: () => invoke('list_conflicts'),
  resolveConflict: (id, keepOther) => invoke('resolve_conflict', { id, keepOther }),
  letterTemplates: () => invoke('list_letter_templates'),
  saveLetterTemplate: (id, template) => invoke('save_letter_template', { id, template }),
  previewLetter: (referral, template, date) => invoke('preview_letter', { referral, template, date }),
  saveLetter: (referral, template, date, path) => invoke('save_letter', { referral, template, date, path }),
  openLetter: (referral, template, date) => invoke('open_letter', { referral, template, date }),
  saveDayLetters: (date, path) => invoke('save_day_letters', { date, path }),
  setLetterLogo: (path) => invoke('set_letter_logo', { path }),
  // Save dialogs open in Documents, on the suggested file name.
  choosePdfDestination: async (title, fileName) => invoke('plugin:dialog|save', {
    options: { title, defaultPath: await invoke('suggest_save_path', { fileName }), filters: [{ name: 'PDF', extensions: ['pdf'] }] },
  }),
  choosePng: (title) => invoke('plugin:dialog|open', {
    options: { title, multiple: false, directory: false, filters: [{ name: 'Image PNG', extensions: ['png'] }] },
  }),
  report: (year) => invoke('get_report', { year }),
  exportReport: (year, path, withNames) => invoke('export_report', { year, path, withNames }),
  openExported: (path) => invoke('open_exported', { path }),
  onExportProgress: (callback) => window.__TAURI__.event.listen('export-progress', (e) => callback(e.payload)),
  chooseExportDestination: async (title, fileName, name, extension) => invoke('plugin:dialog|save', {
    options: { title, defaultPath: await invoke('suggest_save_path', { fileName }), filters: [{ name, extensions: [extension] }] },
  }),
  chooseFolder: (title) => invoke('plugin:dialog|open', { options: { directory: true, title } }),
  onSyncProgress: (callback) => window.__TAURI__.event.listen('sync-progress', (e) => callback(e.payload)),
};

// Vocabularies are loaded once: { encounter_kind: [[code, label], …], … }.
let vocabulary = null;
export async function vocab() {
  if (!vocabulary) vocabulary = await api.vocabulary();
  return vocabulary;
}
export function label(list, code) {
  const found = (list || []).find(([c]) => c === code);
  return found ? found[1] : (code ?? '—');
}
