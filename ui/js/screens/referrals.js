// Orientations: every referral by status, moved along its history in place.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { h, show, form, announce, table, confirmDelete } from '../dom.js';
import { formatNumeric, isoToday, frDate, isoFromFr } from '../format.js';
import * as letter from './letter.js';


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

// What the list shows, kept while the officer opens a letter and comes back.
const state = { status: '', partner: '', query: '', offset: 0 };
const PAGE = 50;

export async function render(args = []) {
  if (args[0] && args[1] === 'lettre') return letter.render(args[0]);
  if (args[0] && args[1] === 'etapes') return steps(args[0]);
  const R = t.referrals;
  const [v, partners] = await Promise.all([vocab(), api.listPartners()]);
  const search = h('input', { id: 'referral-search', type: 'search', autocomplete: 'off', value: state.query, placeholder: R.searchHint });
  const statusSelect = h('select', { id: 'referral-filter' },
    h('option', { value: '' }, R.all),
    v.referral_status.map(([code, text]) => h('option', { value: code, selected: code === state.status }, text)));
  const partnerSelect = h('select', { id: 'referral-partner' },
    h('option', { value: '' }, R.allPartners),
    partners.map((p) => h('option', { value: p.id, selected: p.id === state.partner }, p.name)));
  const results = h('div', { id: 'referral-results', 'aria-live': 'polite' });

  const mover = (r) => {
    // The next steps first (envoyée after à envoyer…), then going back.
    const at = v.referral_status.findIndex(([c]) => c === r.status);
    const order = [...v.referral_status.slice(at + 1), ...v.referral_status.slice(0, Math.max(at, 0))];
    const status = h('select', { 'aria-label': `${R.moveTo} — ${r.person_name}` },
      order.map(([code, text]) => h('option', { value: code }, text)));
    const date = h('input', { type: 'text', class: 'input-date', inputmode: 'numeric', placeholder: 'jj/mm/aaaa', value: frDate(isoToday()), 'aria-label': `${fieldLabel('referral_event', 'date')} — ${r.person_name}` });
    const error = h('span', { class: 'field-error', role: 'alert' });
    const button = h('button', { type: 'button', class: 'small' }, R.move);
    button.addEventListener('click', async () => {
      error.textContent = '';
      try {
        const undo = await api.moveReferral(r.id, status.value, date.value);
        announce(R.moved, { undo, onUndone: refresh });
        await refresh();
      } catch (err) {
        error.textContent = err?.message || t.errorUnexpected;
      }
    });
    return h('div', { class: 'inline wrap', 'data-referral': r.id }, status, date, button, error);
  };

  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    const page = await api.listReferrals({ status: state.status || null, partner_id: state.partner || null, query: state.query || null }, state.offset, PAGE);
    if (mine !== seq) return;
    const pager = page.total > PAGE
      ? h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary small', disabled: state.offset === 0, onclick: () => { state.offset = Math.max(0, state.offset - PAGE); refresh(); } }, R.previous),
        h('span', {}, `${state.offset + 1}–${Math.min(state.offset + PAGE, page.total)} / ${page.total}`),
        h('button', { type: 'button', class: 'secondary small', id: 'referral-next', disabled: state.offset + PAGE >= page.total, onclick: () => { state.offset += PAGE; refresh(); } }, R.next))
      : null;
    results.replaceChildren(...[
      h('p', { id: 'referral-count', class: 'muted' }, R.count(page.total)),
      page.rows.length
        ? table([
          { label: fieldLabel('referral', 'date'), cell: (r) => formatNumeric(r.date) },
          { label: fieldLabel('referral', 'person_id'), cell: (r) => h('a', { href: `#/personnes/${r.person_id}` }, r.person_name) },
          { label: fieldLabel('referral', 'partner_id'), cell: (r) => [r.partner_name, h('br'), h('span', { class: 'muted' }, label(v.need, r.need))] },
          { label: fieldLabel('referral', 'status'), cell: (r) => [h('span', { class: `badge ${r.status}` }, label(v.referral_status, r.status)),
            r.follow_up ? [h('br'), h('span', { class: 'muted' }, `${R.followUp} ${formatNumeric(r.follow_up)}`)] : null] },
          { label: R.move, cell: mover },
          { label: '', cell: (r) => h('div', { class: 'stack' },
            h('a', { class: 'button small secondary', href: `#/orientations/${r.id}/lettre`, 'aria-label': `${R.letterFor} — ${r.person_name}` }, R.letter),
            h('a', { class: 'button small secondary', href: `#/orientations/${r.id}/etapes`, 'aria-label': `${R.steps} — ${r.person_name}` }, R.steps)) },
        ], page.rows)
        : h('p', { class: 'muted' }, R.none),
      pager].filter(Boolean));
    results.dataset.query = state.query;
  }
  search.addEventListener('input', () => { state.query = search.value; state.offset = 0; refresh(); });
  statusSelect.addEventListener('change', () => { state.status = statusSelect.value; state.offset = 0; refresh(); });
  partnerSelect.addEventListener('change', () => { state.partner = partnerSelect.value; state.offset = 0; refresh(); });

  show(
    h('h1', {}, R.title),
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'referral-search' }, R.search), search),
      h('div', { class: 'field' }, h('label', { for: 'referral-filter' }, R.filter), statusSelect),
      h('div', { class: 'field' }, h('label', { for: 'referral-partner' }, R.partner), partnerSelect)),
    dayLetters(),
    results,
  );
  await refresh();
}

/** One referral's steps, each corrected or deleted in place; the referral itself deleted. */
async function steps(id) {
  const R = t.referrals;
  const [v, r, history] = await Promise.all([vocab(), api.getReferral(id), api.referralHistory(id)]);
  const again = () => steps(id);
  const stepItem = (e) => {
    const editor = form({
      id: `step-${e.id}`,
      submit: t.save,
      fields: [
        { name: 'status', label: fieldLabel('referral_event', 'status'), type: 'select', options: v.referral_status, value: e.status, empty: false, required: true },
        { name: 'date', label: fieldLabel('referral_event', 'date'), type: 'date', value: e.date, required: true },
        { name: 'note', label: fieldLabel('referral_event', 'note'), value: e.note ?? '', width: 'wide' },
      ],
      onSubmit: async (values, el) => {
        const undo = await api.correctReferralStep(e.id, values.status, values.date ?? '', values.note);
        el.markClean();
        announce(R.stepCorrected, { undo, onUndone: again });
        await again();
      },
    });
    const remove = h('button', { type: 'button', class: 'small danger', 'data-action': 'delete' }, t.delete);
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
  const removeAll = h('button', { type: 'button', class: 'danger', id: 'referral-delete' }, R.delete);
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
    h('ul', { class: 'plain', id: 'referral-steps' }, history.slice().reverse().map(stepItem)),
    h('div', { class: 'actions' }, removeAll),
  );
}
