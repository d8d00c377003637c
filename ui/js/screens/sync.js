// Réglages → Synchronisation: the shared folder, the passphrase, the "Synchroniser" button
// with its progress bar and the summary of what happened.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, form, announce, strengthHint, confirmed, emptyFields } from '../dom.js';
import { formatNumber } from '../format.js';

const S = t.sync;

/**
 * A sync's progress bar and its line of text (also the welcome's first sync): the bar moves
 * with the changes read or sent, the text says the step, segments and changes.
 * @param {string} id
 */
export function syncProgressView(id) {
  const bar = h('progress', { id, max: 1, value: 0, 'aria-label': S.running });
  const text = h('p', { id: `${id}-text`, class: 'hint' }, S.running);
  const element = h('div', { class: 'sync-progress', hidden: true }, bar, text);
  return {
    element,
    /** Shows the bar moving without a value until the first report. */
    start() {
      element.hidden = false;
      bar.removeAttribute('value');
      text.textContent = S.running;
    },
    /** @param {import('../payloads.js').SyncProgress} p */
    update(p) {
      if (p.step === 'indexing') {
        // No count to show: the bar moves without a value until the next step.
        bar.removeAttribute('value');
        text.textContent = S.indexing;
        return;
      }
      bar.max = Math.max(p.changes_total, 1);
      bar.value = p.changes_done;
      text.textContent = p.step === 'sending' ? S.sending(p, formatNumber) : S.receiving(p, formatNumber);
    },
    stop() {
      element.hidden = true;
    },
  };
}

/** What a sync did, as lines for the screen (also the welcome's first sync). */
export function syncSummary(report) {
  const lines = [h('p', { id: 'sync-result' }, S.result(report))];
  if (report.new_device_id) lines.push(h('p', {}, S.newDevice));
  if (report.restored) lines.push(h('p', { id: 'sync-restored' }, S.restored(report.restored)));
  if (report.persons_erased) lines.push(h('p', { id: 'sync-erased' }, S.personsErased(report.persons_erased)));
  if (report.merge_edits_forwarded) lines.push(h('p', { id: 'sync-merge-forwarded' }, S.mergeEditsForwarded(report.merge_edits_forwarded)));
  if (report.crossed_merges.length) {
    lines.push(h('p', { id: 'sync-crossed', class: 'warning-box' }, S.crossedMerges(report.crossed_merges.length), ' ', h('a', { href: '#/a-verifier' }, S.seeReview)));
  }
  if (report.likely_duplicates.length) {
    lines.push(h('p', { id: 'sync-duplicates' }, S.likelyDuplicates(report.likely_duplicates.length), ' ', h('a', { href: '#/doublons' }, S.seeDuplicates)));
  }
  if (report.person_keys_destroyed) lines.push(h('p', { id: 'sync-keys-destroyed' }, S.personKeysDestroyed(report.person_keys_destroyed)));
  if (report.own_edits_dropped) lines.push(h('p', { id: 'sync-dropped', class: 'warning-box' }, S.ownEditsDropped(report.own_edits_dropped)));
  if (report.missing.length) {
    lines.push(h('ul', { id: 'sync-missing', class: 'warning' }, report.missing.map((m) => h('li', {}, S.missing(m)))));
  }
  if (report.skipped.length) {
    lines.push(h('p', {}, S.skipped), h('ul', {}, report.skipped.map((s) => h('li', {}, `${s.file}${S.from(s)} : ${s.reason}`))));
  }
  if (report.held.length) {
    lines.push(h('p', {}, S.held), h('ul', {}, report.held.map((s) => h('li', {}, s.reason))));
  }
  const review = report.conflicts + report.held.length;
  if (review) lines.push(h('p', {}, h('a', { href: '#/a-verifier' }, `${t.review.title} (${review})`)));
  return lines;
}

function changePassphraseSection() {
  const change = form({
    id: 'sync-change-passphrase',
    submit: S.changeSubmit,
    fields: [
      { name: 'new_passphrase', label: S.newPassphrase, type: 'password', required: true },
      { name: 'confirm', label: S.confirmPassphrase, type: 'password', required: true },
    ],
    onSubmit: async (values, el) => {
      confirmed(values, 'new_passphrase');
      try {
        await api.changeTeamPassphrase(values.new_passphrase ?? '');
      } catch (err) {
        if (err?.kind === 'sync_passphrase_too_weak') err.field = 'new_passphrase';
        throw err;
      }
      emptyFields(el, ['new_passphrase', 'confirm']);
      el.markClean();
      announce(S.changed);
    },
  });
  const input = change.control('new_passphrase');
  input.closest('.field').append(strengthHint(input));
  return h('details', { class: 'card', id: 'changer-phrase' },
    h('summary', {}, S.change), h('p', { class: 'hint' }, S.changeIntro), change);
}

export function lastSyncText(status) {
  if (!status.folder) return null;
  if (!status.unlocked) return S.locked;
  if (!status.last_sync) return S.never;
  const when = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short' }).format(new Date(status.last_sync));
  return `${S.last} : ${when} — ${status.last_summary ?? ''}`;
}

export async function syncSection() {
  const status = await api.syncStatus();
  const result = h('div', { id: 'sync-summary', 'aria-live': 'polite' });
  const progress = syncProgressView('sync-progress');
  const unsubscribe = await api.onSyncProgress(progress.update).catch(() => null);

  async function run() {
    button.disabled = true;
    progress.start();
    result.replaceChildren(h('p', {}, S.running));
    try {
      const report = await api.syncNow();
      result.replaceChildren(...syncSummary(report));
      status.last_sync = new Date().toISOString();
      state.textContent = lastSyncText({ ...status, unlocked: true });
    } catch (err) {
      result.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
    } finally {
      button.disabled = false;
      progress.stop();
    }
  }

  const config = form({
    id: 'sync-form',
    submit: S.configure,
    fields: [
      { name: 'folder', label: S.folder, hint: S.folderHint, value: status.folder ?? '', required: true, width: 'wide' },
      { name: 'passphrase', label: S.passphrase, hint: S.passphraseHint, type: 'password', required: true },
      { name: 'device_name', label: S.deviceName, value: status.device_name ?? '' },
      { name: 'new_team', label: S.newTeam, hint: S.newTeamHint, type: 'checkbox' },
    ],
    onSubmit: async (values, el) => {
      let created;
      try {
        created = await api.configureSync(values.folder ?? '', values.passphrase ?? '', values.device_name, values.new_team === true);
      } catch (err) {
        if (['sync_wrong_passphrase', 'sync_passphrase_too_weak', 'sync_passphrase_changed'].includes(err?.kind)) err.field = 'passphrase';
        else if (err?.kind === 'sync_other_team') { newTeam.hidden = false; err.field = 'folder'; }
        else if (err?.kind?.startsWith('sync_')) err.field = 'folder';
        throw err;
      }
      emptyFields(el, ['passphrase']);
      el.markClean();
      if (created) announce(S.created);
      await run();
    },
  });
  const choose = h('button', { type: 'button', class: 'secondary small' }, S.choose);
  choose.addEventListener('click', async () => {
    try {
      const picked = await api.chooseFolder(S.folder);
      if (picked) config.control('folder').value = picked;
    } catch {
      // No native dialog available: the path can still be typed.
    }
  });
  config.querySelector('[data-field="folder"]').append(choose);
  // Joining another team is offered only when the folder turns out to be another team's.
  const newTeam = config.querySelector('[data-field="new_team"]');
  newTeam.hidden = true;
  const passInput = config.control('passphrase');
  passInput.closest('.field').append(strengthHint(passInput));

  const button = h('button', { type: 'button', id: 'sync-now', disabled: !status.unlocked }, S.now);
  button.addEventListener('click', run);
  const state = h('p', { id: 'sync-state' }, lastSyncText(status) ?? '');
  const section = h('section', { class: 'card', id: 'synchronisation' },
    h('h2', {}, S.title), h('p', { class: 'hint' }, S.intro), state, config,
    h('div', { class: 'actions' }, button), progress.element, result,
    status.unlocked ? changePassphraseSection() : null);
  // Stop listening when the section leaves the page.
  new MutationObserver((_, observer) => {
    if (!section.isConnected) { unsubscribe?.(); observer.disconnect(); }
  }).observe(document.getElementById('contenu'), { childList: true });
  return section;
}
