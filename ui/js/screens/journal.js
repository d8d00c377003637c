// Réglages → Journal: who did what with personal data on this computer, and when — never a
// name nor a value, only the kind and id of the record. Filter by date and action, check that
// no entry was removed or altered, and set how long entries are kept.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, form, announce, table } from '../dom.js';
import { frDate, isoFromFr } from '../format.js';

const J = () => t.journal;
const when = (ms) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(ms));

/** The Réglages card that leads to the journal. */
export function journalSection() {
  return h('section', { class: 'card', id: 'journal-section' }, h('h2', {}, J().title),
    h('p', { class: 'hint' }, J().intro),
    h('p', { class: 'more' }, h('a', { href: '#/journal', id: 'journal-link' }, J().open)));
}

function recordCell(e) {
  if (!e.record) return t.none;
  // The end of the id: its start is a time, the same for records made together.
  const label = `${e.entity_label ?? e.entity} …${e.record.slice(-8)}`;
  return e.entity === 'person' ? h('a', { href: `#/personnes/${e.record}` }, label) : label;
}

export async function render([since = '', action = ''] = []) {
  const journal = await api.listAudit(since || null, action || null);
  const filter = h('form', { id: 'journal-filter', class: 'toolbar' },
    h('label', { for: 'journal-since' }, J().since),
    h('input', { type: 'text', id: 'journal-since', value: frDate(since), placeholder: 'jj/mm/aaaa', class: 'input-date', inputmode: 'numeric' }),
    h('label', { for: 'journal-action' }, J().action),
    h('select', { id: 'journal-action' },
      h('option', { value: '' }, J().allActions),
      journal.actions.map(([code, label]) => h('option', { value: code, selected: code === action }, label))),
    h('button', { type: 'submit', class: 'secondary' }, J().filter));
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const s = isoFromFr(document.getElementById('journal-since').value);
    const a = document.getElementById('journal-action').value;
    location.hash = `#/journal/${encodeURIComponent(s)}/${encodeURIComponent(a)}`;
  });
  const result = h('p', { id: 'journal-verdict', role: 'status' });
  const check = h('button', { type: 'button', id: 'journal-verify', onclick: async () => {
    const v = await api.verifyAudit();
    result.className = v.broken_at === null && !v.truncated ? 'ok-box' : 'warning-box';
    result.textContent = v.broken_at !== null ? J().broken(v.broken_at) : v.truncated ? J().truncated : J().intact(v.entries);
  } }, J().verify);
  const months = form({
    id: 'journal-months-form',
    submit: t.save,
    fields: [{ name: 'months', label: J().months, hint: J().monthsHint, type: 'number', required: true, value: String(journal.months), inputmode: 'numeric' }],
    onSubmit: async (values, el) => {
      await api.setAuditMonths(Number(values.months));
      el.markClean();
      announce(J().monthsSaved(values.months));
      await render([since, action]);
    },
  });
  const entries = journal.entries.slice().reverse();
  show(
    h('h1', {}, J().title),
    h('p', { class: 'hint' }, J().intro),
    h('section', { class: 'card' }, check, result),
    filter,
    h('p', { id: 'journal-count' }, J().count(entries.length)),
    entries.length
      ? table([
        { label: J().when, cell: (e) => when(e.at_ms) },
        { label: J().action, cell: (e) => e.action_label },
        { label: J().record, cell: recordCell },
      ], entries.slice(0, 500), J().caption)
      : h('p', { class: 'muted' }, J().none),
    entries.length > 500 ? h('p', { class: 'muted' }, J().more(entries.length - 500)) : null,
    h('section', { class: 'card' }, h('h2', {}, J().retention), months),
  );
}
