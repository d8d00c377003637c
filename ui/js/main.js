// The router: one screen per hash, asking before leaving a form with unsaved changes.
import { t } from './strings.js';
import { show, h, hasUnsavedChanges, forgetUnsavedChanges, confirmDialog, undoLast, hasPendingUndo } from './dom.js';
import { vocab } from './ipc.js';
import * as today from './screens/today.js';
import * as permanences from './screens/permanences.js';
import * as persons from './screens/persons.js';
import * as referrals from './screens/referrals.js';
import * as meetings from './screens/meetings.js';
import * as partners from './screens/partners.js';
import * as settings from './screens/settings.js';
import * as review from './screens/review.js';
import * as bilan from './screens/bilan.js';
import * as encounter from './screens/encounter.js';
import * as followups from './screens/followups.js';
import * as outcome from './screens/outcome.js';
import * as retention from './screens/retention.js';
import * as duplicatePairs from './screens/duplicate_pairs.js';
import * as journal from './screens/journal.js';
import * as importSheet from './screens/import.js';
import * as welcome from './screens/welcome.js';
import { api } from './ipc.js';
import * as lock from './lock.js';

const screens = {
  aujourdhui: today, permanences, personnes: persons, orientations: referrals,
  collectives: meetings, partenaires: partners, bilan, reglages: settings, 'a-verifier': review,
  rencontres: encounter, relances: followups, sorties: outcome, 'a-reexaminer': retention,
  doublons: duplicatePairs, journal, importer: importSheet, bienvenue: welcome,
};

let current = location.hash || '#/aujourdhui';
let shownHash = null;

async function route() {
  // Nothing of the notebook is drawn behind a lock screen.
  if (lock.isLocked()) return;
  const hash = location.hash || '#/aujourdhui';
  if (hash !== current && hasUnsavedChanges()) {
    const leave = await confirmDialog(t.leaveTitle, t.leaveText, t.leaveYes, t.leaveNo);
    if (!leave) {
      history.replaceState(null, '', current);
      return;
    }
    forgetUnsavedChanges();
  }
  current = hash;
  const [name, ...rest] = hash.replace(/^#\//, '').split('/');
  const screen = screens[name] || today;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.screen === (screens[name] ? name : 'aujourdhui')) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    await screen.render(rest.map(decodeURIComponent));
    // Another screen opens at its top (a re-render of the same one keeps its place).
    if (hash !== shownHash) window.scrollTo(0, 0);
    shownHash = hash;
  } catch (err) {
    // Engine errors arrive in French; anything else is a bug: say so plainly, keep the detail.
    const message = err?.kind ? err.message : t.screenFailed;
    show(h('h1', {}, t.appName), h('div', { class: 'error-summary', role: 'alert', 'data-screen-error': 'true' },
      h('p', {}, message), err?.kind ? null : h('p', { class: 'muted' }, String(err?.message ?? err))));
  }
  document.body.dataset.ready = 'true';
}

window.addEventListener('hashchange', route);

// Shortcuts, listed in the "Raccourcis" help (F1 or ?): Alt+1…9 for the menu, Ctrl+K to find
// a person, Ctrl+Z to undo what was just recorded (outside a text field, where Ctrl+Z undoes
// typing).
const typing = (el) => el && (el.tagName === 'TEXTAREA' || (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(el.type)));
document.addEventListener('keydown', async (e) => {
  if (document.querySelector('dialog[open]') || lock.isLocked()) return;
  if (e.altKey && !e.ctrlKey && /^[1-9]$/.test(e.key)) {
    const link = document.querySelectorAll('#nav a')[Number(e.key) - 1];
    if (link) { e.preventDefault(); location.hash = link.getAttribute('href'); }
  } else if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'k' || e.key === 'K')) {
    e.preventDefault();
    if (location.hash === '#/personnes') document.getElementById('person-search')?.focus();
    else location.hash = '#/personnes';
  } else if ((e.ctrlKey || e.metaKey) && !e.shiftKey && (e.key === 'z' || e.key === 'Z') && !typing(e.target) && hasPendingUndo()) {
    e.preventDefault();
    await undoLast();
  } else if ((e.ctrlKey || e.metaKey) && !e.altKey && (e.key === 'l' || e.key === 'L')) {
    e.preventDefault();
    await lock.lockNow();
  } else if (e.key === 'F1' || (e.key === '?' && !typing(e.target))) {
    e.preventDefault();
    showShortcuts();
  }
});

function showShortcuts() {
  const dialog = document.getElementById('raccourcis');
  dialog.replaceChildren(h('form', { method: 'dialog' },
    h('h2', {}, t.shortcuts.title),
    h('dl', { class: 'shortcuts' }, t.shortcuts.list.map(([keys, what]) => [h('dt', {}, h('kbd', {}, keys)), h('dd', {}, what)])),
    h('div', { class: 'actions' }, h('button', { value: 'ok' }, t.shortcuts.close))));
  dialog.showModal();
}
document.getElementById('raccourcis-ouvrir')?.addEventListener('click', showShortcuts);
document.getElementById('verrouiller')?.addEventListener('click', () => lock.lockNow());
window.addEventListener('beforeunload', (e) => { if (hasUnsavedChanges()) e.preventDefault(); });
// Closing the window asks too (Tauri sends the close request here before closing).
window.__TAURI__?.window?.getCurrentWindow().onCloseRequested(async (event) => {
  if (!hasUnsavedChanges()) return;
  event.preventDefault();
  if (await confirmDialog(t.leaveTitle, t.closeText, t.closeYes, t.leaveNo)) {
    forgetUnsavedChanges();
    await window.__TAURI__.window.getCurrentWindow().destroy();
  }
});
// Automatic sync once the notebook is unlocked, then every 5 minutes, with the team's keys
// kept in the notebook (or the passphrase typed since start-up).
async function syncInBackground() {
  if (lock.isLocked()) return;
  try {
    const status = await api.syncStatus();
    if (status.folder && status.unlocked) await api.syncNow();
  } catch {
    // The folder may be unreachable (USB key out): the next run or the button will tell.
  }
}
setInterval(syncInBackground, 5 * 60 * 1000);

lock.start(async () => {
  await vocab().catch(() => null);
  // The first start on this computer opens the welcome ("Premiers pas").
  const first = await api.welcome().catch(() => null);
  if (first?.due) history.replaceState(null, '', '#/bienvenue');
  await route();
  syncInBackground();
}).catch((err) => {
  show(h('h1', {}, t.appName), h('div', { class: 'error-summary', role: 'alert' },
    h('p', {}, err?.kind ? err.message : t.screenFailed)));
  document.body.dataset.ready = 'error';
});
