// Aujourd'hui: the quick capture and what is due today and this week.
import { t } from '../strings.js';
import { api, vocab, label } from '../ipc.js';
import { recordEncounter } from '../encounter.js';
import { h, show, form, personPicker, announce } from '../dom.js';
import { formatShort, formatNumeric, formatDate, isoToday } from '../format.js';
import { lastSyncText } from './sync.js';

let lastKind = 'market';
let lastQuartier = '';

export async function render() {
  const [data, v, settings, sync] = await Promise.all([api.today(), vocab(), api.settings(), api.syncStatus()]);
  const quartiers = settings.quartiers.map((q) => [q.id, q.name]);
  const quartierName = (id) => settings.quartiers.find((q) => q.id === id)?.name ?? t.none;

  const picker = personPicker({ label: t.today.person, hint: t.today.personHint });
  const capture = form({
    id: 'quick-capture',
    submit: t.today.record,
    fields: [
      { name: 'kind', label: t.today.kind, type: 'select', options: v.encounter_kind, value: lastKind, empty: false, required: true },
      { name: 'quartier_id', label: t.today.quartier, type: 'select', options: quartiers, value: lastQuartier },
      { name: 'date', label: t.today.date, type: 'date', value: data.date, required: true },
      { name: 'head_count', label: t.today.headCount, type: 'number', min: 1, max: 500, value: '', hint: t.today.headCountHint, inputmode: 'numeric' },
      { name: 'new_first_name', label: t.today.newFirst, width: 'half' },
      { name: 'new_last_name', label: t.today.newLast, width: 'half' },
      { name: 'phase', label: t.today.phase, type: 'select', options: v.phase },
      { name: 'note', label: t.today.note },
    ],
    onSubmit: async (values, el) => {
      const person = picker.chosen();
      const newPerson = !person && (values.new_first_name || values.new_last_name)
        ? { first_name: values.new_first_name ?? '', last_name: values.new_last_name ?? '', quartier_id: values.quartier_id }
        : null;
      const encounter = {
        date: values.date, kind: values.kind, phase: values.phase,
        person_id: person ? person.id : null,
        head_count: person || newPerson ? null : (values.head_count ?? null),
        quartier_id: values.quartier_id, permanence_id: null, note: values.note,
        follow_up: null, follow_up_done: null,
      };
      await recordEncounter(encounter, newPerson);
      lastKind = values.kind;
      lastQuartier = values.quartier_id ?? '';
      announce(t.today.recorded);
      el.markClean();
      await render();
      document.querySelector('#quick-capture select')?.focus();
    },
  });
  // The person finder sits before the inline "new person" fields.
  capture.querySelector('[data-field="new_first_name"]').before(picker);

  const permanenceItem = (p) => h('li', {},
    h('a', { href: `#/permanences/${p.id}` }, `${formatShort(p.date)} · ${p.start_time ?? ''}–${p.end_time ?? ''} · ${quartierName(p.quartier_id)}`),
    ' ', h('span', { class: `badge ${p.status}` }, label(v.permanence_status, p.status)));
  const list = (items, render) => (items.length ? h('ul', { class: 'plain' }, items.map(render)) : h('p', { class: 'muted' }, t.today.nothing));

  show(
    h('h1', {}, `${t.today.title} — ${formatDate(data.date || isoToday())}`),
    lastSyncText(sync) ? h('p', { class: 'muted', id: 'last-sync' }, h('a', { href: '#/reglages' }, lastSyncText(sync)),
      sync.conflicts ? [' · ', h('a', { href: '#/a-verifier' }, `${t.review.title} (${sync.conflicts})`)] : null) : null,
    h('div', { class: 'columns' },
      h('section', { class: 'card', 'aria-labelledby': 'quick-title' },
        h('h2', { id: 'quick-title' }, t.today.quick),
        h('p', { class: 'hint' }, t.today.quickHint),
        capture),
      h('div', {},
        h('section', { class: 'card' }, h('h2', {}, t.today.permanencesToday), list(data.permanences_today, permanenceItem)),
        h('section', { class: 'card' }, h('h2', {}, t.today.permanencesWeek), list(data.permanences_week, permanenceItem)),
        h('section', { class: 'card' }, h('h2', {}, t.today.followUps), list(data.follow_ups, (f) => h('li', {},
          `${formatNumeric(f.due)} · `,
          f.person_id ? h('a', { href: `#/personnes/${f.person_id}` }, f.person_name ?? t.today.anonymous) : t.today.anonymous,
          h('span', { class: 'muted' }, f.source === 'referral' ? ' · orientation' : ' · rencontre')))),
        h('section', { class: 'card' }, h('h2', {}, t.today.toSend), list(data.to_send, (r) => h('li', {},
          h('a', { href: `#/personnes/${r.person_id}` }, r.person_name), ` → ${r.partner_name} · ${formatShort(r.date)}`))))),
  );
  // Quick capture starts on its first field, ready for the keyboard.
  capture.querySelector('select')?.focus();
}
