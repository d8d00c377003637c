// The notebook's lock, as the officer sees it: the first start (choose a passphrase, keep the
// recovery key), the protection of a notebook from before encryption, "Déverrouiller le
// carnet" (with "J'ai oublié ma phrase de passe" → the recovery key), and locking by hand
// (Verrouiller, Ctrl+L) or after minutes without activity.
//
// A locked window holds nothing of the notebook: the main area, the corner message, any open
// dialog and the unsaved forms are emptied before the lock screen is drawn, and the menu is
// hidden. `document.body.dataset.lock` says which lock screen is shown; `dataset.ready` is
// 'locked', 'new' or 'plaintext' on a lock screen, and 'true' once a screen of the notebook is.
import { t } from './strings.js';
import { api } from './ipc.js';
import { h, show, form, announce, strengthHint, confirmed, forgetUnsavedChanges, clearAnnouncements } from './dom.js';

const L = t.lock;
let enterNotebook = async () => {};
let idleLimitMs = 10 * 60 * 1000;
let lastActivity = Date.now();

/** Starts the window: straight in when unlocked (or remembered), else the right lock screen.
 * `enter` draws the notebook's first screen. */
export async function start(enter) {
  enterNotebook = enter;
  let state = await api.lockState();
  if (state.state === 'locked' && state.remembered && (await api.unlockRemembered().catch(() => false))) {
    state = await api.lockState();
  }
  if (state.state === 'unlocked') return opened(state);
  return lockScreen(state.state);
}

/** Whether a lock screen is shown (no screen of the notebook may be drawn). */
export const isLocked = () => Boolean(document.body.dataset.lock);

/** Locks now: forgets everything shown, closes the notebook, shows the unlock screen. */
export async function lockNow() {
  if (isLocked()) return;
  document.body.dataset.lock = 'locked';
  for (const dialog of document.querySelectorAll('dialog[open]')) dialog.close();
  clearAnnouncements();
  forgetUnsavedChanges();
  document.getElementById('contenu').replaceChildren();
  try {
    await api.lock();
  } finally {
    lockScreen('locked');
  }
}

/** The inactivity delay, changed in Réglages → Sécurité. */
export function setIdleLimit(seconds) {
  idleLimitMs = seconds * 1000;
  lastActivity = Date.now();
}

async function opened(state) {
  delete document.body.dataset.lock;
  setIdleLimit(state.auto_lock_seconds);
  await enterNotebook();
}

function lockScreen(state) {
  document.body.dataset.lock = state;
  if (state === 'new') passphraseChoice(L.welcomeTitle, L.welcomeIntro, L.create, api.createNotebook);
  else if (state === 'plaintext') passphraseChoice(L.protectTitle, L.protectIntro, L.encrypt, api.encryptNotebook, L.encrypting);
  else unlockScreen();
  document.body.dataset.ready = state;
}

function unlockScreen() {
  const unlock = form({
    id: 'unlock-form',
    submit: L.unlock,
    fields: [{ name: 'passphrase', label: L.passphrase, type: 'password', required: true }],
    onSubmit: async (values, el) => {
      busy.hidden = false;
      try {
        await api.unlock(values.passphrase ?? '');
      } catch (err) {
        el.control('passphrase').select();
        throw err;
      } finally {
        busy.hidden = true;
      }
      el.control('passphrase').value = '';
      el.markClean();
      await opened(await api.lockState());
    },
  });
  const busy = h('p', { class: 'muted', 'aria-live': 'polite', hidden: true }, L.unlocking);
  const forgot = h('button', { type: 'button', class: 'link', id: 'forgot-passphrase', onclick: recoveryScreen }, L.forgot);
  show(h('section', { class: 'card lock-screen' },
    h('h1', {}, L.unlockTitle), h('p', {}, L.unlockIntro), unlock, busy, h('p', {}, forgot)));
  unlock.control('passphrase').focus();
}

function recoveryScreen() {
  const recover = form({
    id: 'recovery-form',
    submit: L.recoverySubmit,
    fields: [
      { name: 'recovery_key', label: L.recoveryKey, hint: L.recoveryKeyHint, required: true },
      { name: 'new_passphrase', label: L.newPassphrase, hint: L.newPassphraseHint, type: 'password', required: true },
      { name: 'confirm', label: L.confirm, type: 'password', required: true },
    ],
    onSubmit: async (values, el) => {
      confirmed(values, 'new_passphrase');
      try {
        await api.unlockWithRecoveryKey(values.recovery_key ?? '', values.new_passphrase ?? '');
      } catch (err) {
        if (err?.kind === 'notebook_passphrase_too_weak') err.field = 'new_passphrase';
        throw err;
      }
      el.markClean();
      await opened(await api.lockState());
      announce(L.recovered);
    },
  });
  const input = recover.control('new_passphrase');
  input.closest('.field').append(strengthHint(input));
  const back = h('button', { type: 'button', class: 'secondary', onclick: () => { forgetUnsavedChanges(); unlockScreen(); } }, t.back);
  show(h('section', { class: 'card lock-screen' },
    h('h1', {}, L.recoveryTitle), h('p', {}, L.recoveryIntro), recover, h('div', { class: 'actions' }, back)));
  recover.control('recovery_key').focus();
}

/** The first start and the protection of an unencrypted notebook: choose the passphrase. */
function passphraseChoice(title, intro, submit, make, working = L.unlocking) {
  const choose = form({
    id: 'choose-passphrase',
    submit,
    fields: [
      { name: 'passphrase', label: L.newPassphrase, hint: L.newPassphraseHint, type: 'password', required: true },
      { name: 'confirm', label: L.confirm, type: 'password', required: true },
    ],
    onSubmit: async (values, el) => {
      confirmed(values, 'passphrase');
      busy.hidden = false;
      let key;
      try {
        key = await make(values.passphrase ?? '');
      } catch (err) {
        if (err?.kind === 'notebook_passphrase_too_weak') err.field = 'passphrase';
        throw err;
      } finally {
        busy.hidden = true;
      }
      el.markClean();
      recoveryKeyScreen(key);
    },
  });
  const input = choose.control('passphrase');
  input.closest('.field').append(strengthHint(input));
  const busy = h('p', { class: 'muted', 'aria-live': 'polite', hidden: true }, working);
  show(h('section', { class: 'card lock-screen' }, h('h1', {}, title), h('p', {}, intro), choose, busy));
  input.focus();
}

/** The recovery key, shown once; the officer saves its sheet and says she keeps it. */
function recoveryKeyScreen(key) {
  document.body.dataset.lock = 'recovery';
  const message = h('p', { 'aria-live': 'polite', id: 'sheet-message' });
  const save = h('button', { type: 'button', class: 'secondary', id: 'save-sheet' }, L.saveSheet);
  save.addEventListener('click', async () => {
    message.className = '';
    message.textContent = '';
    try {
      const path = await api.choosePdfDestination(L.sheetDialog, L.sheetFile);
      if (!path) return;
      await api.saveRecoverySheet(path);
      message.textContent = L.sheetSaved(path);
    } catch (err) {
      message.className = 'field-error';
      message.textContent = err?.message || t.errorUnexpected;
    }
  });
  const noted = h('input', { type: 'checkbox', id: 'recovery-noted' });
  const next = h('button', { type: 'button', id: 'recovery-continue', disabled: true }, L.continue);
  noted.addEventListener('change', () => { next.disabled = !noted.checked; });
  next.addEventListener('click', async () => {
    await api.forgetRecoveryKey().catch(() => {});
    await opened(await api.lockState());
  });
  show(h('section', { class: 'card lock-screen' },
    h('h1', {}, L.keyTitle), h('p', {}, L.keyIntro),
    h('p', { class: 'recovery-key', id: 'recovery-key' }, key),
    h('div', { class: 'actions' }, save), message,
    h('div', { class: 'field field-check' }, noted, h('label', { for: 'recovery-noted' }, L.noted)),
    h('div', { class: 'actions' }, next)));
  document.body.dataset.ready = 'recovery';
}

// Inactivity: any key, click, pointer move or scroll counts as activity.
for (const kind of ['keydown', 'pointerdown', 'pointermove', 'wheel', 'touchstart']) {
  document.addEventListener(kind, () => { lastActivity = Date.now(); }, { capture: true, passive: true });
}
setInterval(() => {
  if (!isLocked() && Date.now() - lastActivity >= idleLimitMs) lockNow();
}, 1000);
