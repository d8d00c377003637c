// Réglages → Sécurité: lock now, the inactivity delay, "se souvenir sur cet ordinateur",
// a new passphrase for the notebook, a new recovery sheet.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, form, announce, strengthHint, confirmed, emptyFields } from '../dom.js';
import { lockNow, setIdleLimit } from '../lock.js';

const S = t.security;
const L = t.lock;

function autoLockForm(state) {
  return form({
    id: 'auto-lock-form',
    submit: S.autoLockSave,
    fields: [{ name: 'auto_lock_minutes', label: S.autoLock, hint: S.autoLockHint, type: 'number', value: state.auto_lock_minutes, inputmode: 'numeric', width: 'narrow' }],
    onSubmit: async (values, el) => {
      const minutes = values.auto_lock_minutes;
      await api.setAutoLock(typeof minutes === 'number' ? minutes : -1);
      el.markClean();
      setIdleLimit((await api.lockState()).auto_lock_seconds);
      announce(S.autoLockSaved(minutes));
    },
  });
}

function rememberBox(state) {
  const box = h('input', { type: 'checkbox', id: 'remember' });
  box.checked = state.remembered;
  const message = h('p', { 'aria-live': 'polite', id: 'remember-message' });
  box.addEventListener('change', async () => {
    message.className = '';
    message.textContent = '';
    const wanted = box.checked;
    try {
      await api.setRemember(wanted);
      announce(wanted ? S.remembered : S.forgotten);
    } catch (err) {
      box.checked = !wanted;
      message.className = 'field-error';
      message.textContent = err?.message || t.errorUnexpected;
    }
  });
  return h('div', {},
    h('div', { class: 'field field-check' }, box, h('label', { for: 'remember' }, S.remember)),
    h('p', { class: 'hint' }, S.rememberHint), message);
}

function changePassphrase() {
  const change = form({
    id: 'notebook-passphrase-form',
    submit: S.changeSubmit,
    fields: [
      { name: 'current', label: S.current, type: 'password', required: true },
      { name: 'new_passphrase', label: L.newPassphrase, hint: L.newPassphraseHint, type: 'password', required: true },
      { name: 'confirm', label: L.confirm, type: 'password', required: true },
    ],
    onSubmit: async (values, el) => {
      confirmed(values, 'new_passphrase');
      await api.changeNotebookPassphrase(values.current ?? '', values.new_passphrase ?? '');
      emptyFields(el, ['current', 'new_passphrase', 'confirm']);
      el.markClean();
      announce(S.changed);
    },
  });
  const input = change.control('new_passphrase');
  input.closest('.field').append(strengthHint(input));
  return h('details', { id: 'changer-phrase-carnet' }, h('summary', {}, S.change), change);
}

function renewSheet() {
  const message = h('div', { 'aria-live': 'polite', id: 'renew-message' });
  const button = h('button', { type: 'button', class: 'secondary', id: 'renew-sheet' }, S.renewSubmit);
  button.addEventListener('click', async () => {
    message.replaceChildren();
    try {
      const path = await api.choosePdfDestination(L.sheetDialog, L.sheetFile);
      if (!path) return;
      const key = await api.renewRecoverySheet(path);
      message.replaceChildren(h('p', {}, S.renewed(path)), h('p', {}, S.renewedKey),
        h('p', { class: 'recovery-key', id: 'renewed-key' }, key));
    } catch (err) {
      message.replaceChildren(h('p', { class: 'field-error' }, err?.message || t.errorUnexpected));
    }
  });
  return h('details', { id: 'nouvelle-feuille' }, h('summary', {}, S.renew),
    h('p', { class: 'hint' }, S.renewIntro), h('div', { class: 'actions' }, button), message);
}

export async function securitySection() {
  const state = await api.lockState();
  const lock = h('button', { type: 'button', id: 'lock-now', onclick: () => lockNow() }, S.lockNow);
  return h('section', { class: 'card', id: 'securite' }, h('h2', {}, S.title),
    h('p', {}, S.intro),
    h('div', { class: 'actions' }, lock),
    autoLockForm(state),
    rememberBox(state),
    changePassphrase(),
    renewSheet());
}
