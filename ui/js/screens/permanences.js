// Permanences: the week's plan; each permanence with its visitors and its status.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { recordEncounter } from '../encounter.js';
import { h, show, form, announce, personPicker, table, confirmDelete } from '../dom.js';
import { formatDate, formatShort, isoToday, mondayOf, addDays } from '../format.js';

let monday = mondayOf(isoToday());

export async function render([id]) {
  if (id) return detail(id);
  const [rows, v, settings] = await Promise.all([api.listPermanences(monday, addDays(monday, 6)), vocab(), api.settings()]);
  const quartiers = settings.quartiers.map((q) => [q.id, q.name]);
  const name = (qid) => settings.quartiers.find((q) => q.id === qid)?.name ?? t.none;
  const nav = (days) => h('button', { type: 'button', class: 'secondary', onclick: () => { monday = addDays(monday, days); render([]); } }, days < 0 ? t.permanences.previous : t.permanences.next);
  const create = form({
    id: 'permanence-form',
    fields: [
      { name: 'quartier_id', label: fieldLabel('permanence', 'quartier_id'), type: 'combobox', options: quartiers, recent: settings.recent_quartiers, required: true },
      { name: 'date', label: fieldLabel('permanence', 'date'), type: 'date', value: monday, required: true },
      { name: 'start_time', label: fieldLabel('permanence', 'start_time'), type: 'time', value: '14:00' },
      { name: 'end_time', label: fieldLabel('permanence', 'end_time'), type: 'time', value: '17:00' },
      { name: 'note', label: fieldLabel('permanence', 'note'), width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      const id = await api.createPermanence({ ...values, place_id: null, status: 'planned' });
      el.markClean();
      announce(t.saved);
      // The date as the engine read it ("demain", "25/11/26"…), not as typed.
      monday = mondayOf((await api.getPermanence(id)).date);
      await render([]);
    },
  });
  show(
    h('h1', {}, `${t.permanences.title} — ${t.permanences.week} ${formatDate(monday)}`),
    h('div', { class: 'toolbar' }, nav(-7), nav(7)),
    rows.length
      ? table([
        { label: fieldLabel('permanence', 'date'), cell: (p) => formatShort(p.date) },
        { label: t.permanences.hours, cell: (p) => `${p.start_time ?? ''}–${p.end_time ?? ''}` },
        { label: fieldLabel('permanence', 'quartier_id'), cell: (p) => name(p.quartier_id) },
        { label: fieldLabel('permanence', 'status'), cell: (p) => h('span', { class: `badge ${p.status}` }, label(v.permanence_status, p.status)) },
        { label: '', cell: (p) => h('a', { href: `#/permanences/${p.id}` }, t.permanences.open) },
      ], rows)
      : h('p', { class: 'muted' }, t.permanences.none),
    h('details', { class: 'card' }, h('summary', {}, t.permanences.add), create),
  );
}

async function detail(id) {
  const [v, settings] = await Promise.all([vocab(), api.settings()]);
  const p = await api.getPermanence(id);
  const visitors = await api.listVisitors(id);
  const names = new Map();
  await Promise.all(visitors.filter((e) => e.person_id).map(async (e) => {
    const person = await api.getPerson(e.person_id).catch(() => null);
    if (person) names.set(e.person_id, `${person.first_name} ${person.last_name}`);
  }));
  const quartier = settings.quartiers.find((q) => q.id === p.quartier_id)?.name ?? t.none;
  const setStatus = (status) => async () => {
    await api.updatePermanence(id, { ...p, status });
    announce(t.saved);
    await detail(id);
  };
  const picker = personPicker({ label: t.permanences.knownPerson, hint: t.today.personHint });
  const add = form({
    id: 'visitor-form',
    submit: t.permanences.addVisitor,
    fields: [
      { name: 'new_first_name', label: t.today.newFirst, width: 'half' },
      { name: 'new_last_name', label: t.today.newLast, width: 'half' },
      { name: 'phase', label: fieldLabel('encounter', 'phase'), type: 'select', options: v.phase },
      { name: 'follow_up', label: fieldLabel('encounter', 'follow_up'), type: 'date' },
      { name: 'note', label: fieldLabel('encounter', 'note'), width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      const person = picker.chosen();
      const newPerson = person ? null : { first_name: values.new_first_name ?? '', last_name: values.new_last_name ?? '', quartier_id: p.quartier_id };
      const recorded = await recordEncounter({
        date: p.date, kind: 'permanence_visit', phase: values.phase, person_id: person?.id ?? null, head_count: null,
        quartier_id: p.quartier_id, permanence_id: id, note: values.note, follow_up: values.follow_up, follow_up_done: null,
      }, newPerson);
      el.markClean();
      announce(recorded.permanence?.marked_held ? t.permanences.markedHeld : t.today.recorded, { undo: recorded.undo, onUndone: () => detail(id) });
      await detail(id);
    },
  });
  add.querySelector('[data-field="new_first_name"]').before(picker);
  const edit = form({
    id: 'permanence-edit',
    fields: [
      { name: 'quartier_id', label: fieldLabel('permanence', 'quartier_id'), type: 'combobox', options: settings.quartiers.map((q) => [q.id, q.name]), recent: settings.recent_quartiers, value: p.quartier_id, required: true },
      { name: 'date', label: fieldLabel('permanence', 'date'), type: 'date', value: p.date, required: true },
      { name: 'start_time', label: fieldLabel('permanence', 'start_time'), type: 'time', value: p.start_time },
      { name: 'end_time', label: fieldLabel('permanence', 'end_time'), type: 'time', value: p.end_time },
      { name: 'note', label: fieldLabel('permanence', 'note'), value: p.note, width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      await api.updatePermanence(id, { ...p, ...values });
      el.markClean();
      announce(t.saved);
      await detail(id);
    },
  });
  show(
    h('p', {}, h('a', { href: '#/permanences' }, `← ${t.permanences.title}`)),
    h('h1', {}, `${t.permanences.title} — ${quartier}, ${formatDate(p.date)}`),
    h('p', {}, `${p.start_time ?? ''}–${p.end_time ?? ''} · `, h('span', { class: `badge ${p.status}` }, label(v.permanence_status, p.status))),
    h('div', { class: 'toolbar' },
      h('button', { type: 'button', onclick: setStatus('held'), disabled: p.status === 'held' }, t.permanences.markHeld),
      h('button', { type: 'button', class: 'secondary', onclick: setStatus('cancelled'), disabled: p.status === 'cancelled' }, t.permanences.markCancelled)),
    h('section', { class: 'card' }, h('h2', {}, `${t.permanences.visitors} (${visitors.length})`),
      visitors.length
        ? h('ul', { class: 'plain', id: 'visitors' }, visitors.map((e) => h('li', { 'data-encounter': e.id }, h('div', { class: 'entry-line' },
          h('span', {},
            e.person_id ? h('a', { href: `#/personnes/${e.person_id}` }, names.get(e.person_id) ?? '…') : `${e.head_count ?? 1} ${t.today.anonymous}`,
            e.note ? h('span', { class: 'muted' }, ` · ${e.note}`) : null),
          h('span', { class: 'row-actions' },
            h('a', { class: 'button small secondary', href: `#/rencontres/${e.id}`, 'data-action': 'edit' }, t.edit),
            h('button', { type: 'button', class: 'small danger', 'data-action': 'delete', onclick: () => confirmDelete({
              title: t.encounter.deleteTitle, text: t.encounter.deleteText, done: t.encounter.deleted,
              remove: () => api.deleteEncounter(e.id), onDone: () => detail(id),
            }) }, t.delete))))))
        : h('p', { class: 'muted' }, t.permanences.noVisitor)),
    h('section', { class: 'card' }, h('h2', {}, t.permanences.addVisitor), add),
    h('details', { class: 'card' }, h('summary', {}, t.permanences.edit), edit),
  );
}
