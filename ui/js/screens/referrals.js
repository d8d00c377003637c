// Orientations: every referral by status, moved along its history in place.
import { t } from '../strings.js';
import { api, vocab, label } from '../ipc.js';
import { h, show, form, announce, table, confirmDelete } from '../dom.js';
import { formatNumeric, isoToday, frDate, isoFromFr } from '../format.js';
import * as letter from './letter.js';

let filter = '';

/** "Lettres du jour": every letter of a day in one PDF, saved where the officer chooses. */
function dayLetters() {
  const R = t.referrals;
  const dateInput = h('input', { id: 'day-letters-date', type: 'text', class: 'input-date', inputmode: 'numeric', placeholder: 'jj/mm/aaaa', value: frDate(isoToday()) });
  const result = h('div', { id: 'day-letters-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'button', id: 'day-letters' }, R.dayMake);
  button.addEventListener('click', async () => {
    result.replaceChildren();
    button.disabled = true;
    try {
      const date = isoFromFr(dateInput.value);
      const path = await api.choosePdfDestination(R.dayLetters, `Lettres d’orientation du ${date}.pdf`);
      if (!path) return;
      const saved = await api.saveDayLetters(date, path);
      result.append(h('p', {}, saved.letters ? R.daySaved(saved.letters, saved.path) : R.dayNone));
      if (saved.skipped.length) {
        result.append(h('p', {}, `${R.daySkipped} :`),
          h('ul', {}, saved.skipped.map((s) => h('li', {}, `${s.person_name} — ${s.reason}`))));
      }
      await render();
    } catch (err) {
      result.append(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'card' }, h('summary', {}, R.dayLetters),
    h('p', { class: 'hint' }, R.dayLettersHint),
    h('div', { class: 'inline' }, h('label', { for: 'day-letters-date' }, R.dayDate), dateInput, button), result);
}

export async function render(args = []) {
  if (args[0] && args[1] === 'lettre') return letter.render(args[0]);
  if (args[0] && args[1] === 'etapes') return steps(args[0]);
  const [v, rows] = await Promise.all([vocab(), api.listReferrals(filter || null)]);
  const select = h('select', { id: 'referral-filter' },
    h('option', { value: '' }, t.referrals.all),
    v.referral_status.map(([code, text]) => h('option', { value: code, selected: code === filter }, text)));
  select.addEventListener('change', () => { filter = select.value; render(); });

  const mover = (r) => {
    // The next steps first (envoyée after à envoyer…), then going back.
    const at = v.referral_status.findIndex(([c]) => c === r.status);
    const order = [...v.referral_status.slice(at + 1), ...v.referral_status.slice(0, Math.max(at, 0))];
    const status = h('select', { 'aria-label': `${t.referrals.moveTo} — ${r.person_name}` },
      order.map(([code, text]) => h('option', { value: code }, text)));
    const date = h('input', { type: 'text', class: 'input-date', inputmode: 'numeric', placeholder: 'jj/mm/aaaa', value: frDate(isoToday()), 'aria-label': `${t.referrals.moveDate} — ${r.person_name}` });
    const error = h('span', { class: 'field-error', role: 'alert' });
    const button = h('button', { type: 'button', class: 'small' }, t.referrals.move);
    button.addEventListener('click', async () => {
      error.textContent = '';
      try {
        const undo = await api.moveReferral(r.id, status.value, date.value);
        announce(t.referrals.moved, { undo, onUndone: () => render() });
        await render();
      } catch (err) {
        error.textContent = err?.message || t.errorUnexpected;
      }
    });
    return h('div', { class: 'inline', 'data-referral': r.id }, status, date, button, error);
  };

  show(
    h('h1', {}, t.referrals.title),
    h('div', { class: 'field narrow' }, h('label', { for: 'referral-filter' }, t.referrals.filter), select),
    dayLetters(),
    rows.length
      ? table([
        { label: t.referrals.date, cell: (r) => formatNumeric(r.date) },
        { label: t.referrals.person, cell: (r) => h('a', { href: `#/personnes/${r.person_id}` }, r.person_name) },
        { label: t.referrals.partner, cell: (r) => r.partner_name },
        { label: t.referrals.need, cell: (r) => label(v.need, r.need) },
        { label: t.referrals.status, cell: (r) => h('span', { class: `badge ${r.status}` }, label(v.referral_status, r.status)) },
        { label: t.referrals.followUp, cell: (r) => formatNumeric(r.follow_up) },
        { label: t.referrals.move, cell: mover },
        { label: t.referrals.letter, cell: (r) => h('a', { class: 'button small secondary', href: `#/orientations/${r.id}/lettre`, 'aria-label': `${t.referrals.letterFor} — ${r.person_name}` }, t.referrals.letter) },
      ], rows)
      : h('p', { class: 'muted' }, t.referrals.none),
  );
}

/** One referral's steps, each corrected or deleted in place; the referral itself deleted. */
async function steps(id) {
  const R = t.referrals;
  const [v, rows, history] = await Promise.all([vocab(), api.listReferrals(null), api.referralHistory(id)]);
  const r = rows.find((x) => x.id === id);
  const again = () => steps(id);
  const stepItem = (e) => {
    const editor = form({
      id: `step-${e.id}`,
      submit: t.save,
      fields: [
        { name: 'status', label: R.status, type: 'select', options: v.referral_status, value: e.status, empty: false, required: true },
        { name: 'date', label: R.moveDate, type: 'date', value: e.date, required: true },
        { name: 'note', label: t.today.note, value: e.note ?? '', width: 'wide' },
      ],
      onSubmit: async (values, el) => {
        const undo = await api.correctReferralStep(e.id, values.status, values.date ?? '', values.note);
        el.markClean();
        announce(R.stepCorrected, { undo, onUndone: again });
        await again();
      },
    });
    const remove = h('button', { type: 'button', class: 'small secondary', 'data-action': 'delete' }, t.delete);
    remove.addEventListener('click', () => confirmDelete({
      title: history.length > 1 ? R.stepDeleteTitle : R.deleteTitle,
      text: history.length > 1 ? R.stepDeleteText : R.deleteText,
      done: history.length > 1 ? R.stepDeleted : R.deleted,
      remove: () => api.deleteReferralStep(e.id),
      onDone: history.length > 1 ? again : () => { location.hash = '#/orientations'; },
    }));
    return h('li', { class: 'card', 'data-step': e.id },
      h('div', { class: 'entry-line' },
        h('h2', {}, `${formatNumeric(e.date)} · `, h('span', { class: `badge ${e.status}` }, label(v.referral_status, e.status)),
          e.note ? h('span', { class: 'muted' }, ` · ${e.note}`) : null),
        h('span', { class: 'row-actions' }, remove)),
      h('details', {}, h('summary', {}, R.stepEdit), editor));
  };
  const removeAll = h('button', { type: 'button', class: 'secondary', id: 'referral-delete' }, R.delete);
  removeAll.addEventListener('click', () => confirmDelete({
    title: R.deleteTitle, text: R.deleteText, done: R.deleted,
    remove: () => api.deleteReferral(id),
    onDone: () => { location.hash = r ? `#/personnes/${r.person_id}` : '#/orientations'; },
  }));
  show(
    h('p', {}, h('a', { href: '#/orientations' }, `← ${R.title}`)),
    h('h1', {}, r ? R.stepsTitle(r.person_name, r.partner_name) : R.title),
    r ? h('p', {}, h('a', { href: `#/personnes/${r.person_id}` }, r.person_name), ` · ${label(v.need, r.need)} · `,
      h('a', { class: 'button small secondary', href: `#/orientations/${id}/lettre` }, R.letter)) : null,
    h('ol', { class: 'plain', id: 'referral-steps' }, history.slice().reverse().map(stepItem)),
    h('div', { class: 'actions' }, removeAll),
  );
}
