// Aujourd'hui: the quick capture, what was recorded today (to correct on the spot), what is
// due, and this week's permanences.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { recordEncounter, recordedMessage } from '../encounter.js';
import { h, show, form, personPicker, announce, confirmDialog, confirmDelete } from '../dom.js';
import { formatShort, formatNumeric, formatDate, isoToday, addDays } from '../format.js';
import { lastSyncText } from './sync.js';
import { followUpItem } from './followups.js';
import { existingOrNew } from '../duplicates.js';

/** Asks before saving an encounter dated more than a year ago (a typo in the year). */
export async function confirmOldDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || '') || iso >= addDays(isoToday(), -365)) return true;
  const E = t.encounter;
  return confirmDialog(E.old, E.oldText(formatNumeric(iso)), E.oldYes, E.oldNo);
}

export async function render() {
  const [data, v, settings, sync] = await Promise.all([api.today(), vocab(), api.settings(), api.syncStatus()]);
  const quartiers = settings.quartiers.map((q) => [q.id, q.name]);
  const quartierName = (id) => settings.quartiers.find((q) => q.id === id)?.name ?? null;
  // The last capture's nature and quartier, kept by the engine for this device.
  const defaults = { kind: data.capture.kind, quartier: data.capture.quartier_id ?? '' };

  const picker = personPicker({ label: t.today.person, hint: t.today.personHint });
  const capture = form({
    id: 'quick-capture',
    submit: t.today.record,
    fields: [
      { name: 'kind', label: fieldLabel('encounter', 'kind'), type: 'select', options: v.encounter_kind, value: defaults.kind, empty: false, required: true },
      { name: 'quartier_id', label: fieldLabel('encounter', 'quartier_id'), type: 'combobox', options: quartiers, recent: settings.recent_quartiers, value: defaults.quartier, placeholder: t.today.quartierHint },
      { name: 'head_count', label: fieldLabel('encounter', 'head_count'), type: 'number', min: 1, max: 500, value: '', hint: t.today.headCountHint, inputmode: 'numeric' },
      { name: 'date', label: fieldLabel('encounter', 'date'), type: 'date', value: data.date, required: true },
      { name: 'new_first_name', label: t.today.newFirst, width: 'half' },
      { name: 'new_last_name', label: t.today.newLast, width: 'half' },
      { name: 'phase', label: fieldLabel('encounter', 'phase'), type: 'select', options: v.phase },
      { name: 'follow_up', label: fieldLabel('encounter', 'follow_up'), type: 'date', hint: t.encounter.followUpHint },
      { name: 'note', label: fieldLabel('encounter', 'note'), width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      let person = picker.chosen();
      let newPerson = !person && (values.new_first_name || values.new_last_name)
        ? { first_name: values.new_first_name ?? '', last_name: values.new_last_name ?? '', quartier_id: values.quartier_id }
        : null;
      // A new person typed inline may already have a record: the officer says which.
      if (newPerson) {
        const choice = await existingOrNew(newPerson);
        if (!choice) return;
        if (choice.existing) {
          person = choice.existing;
          newPerson = null;
        }
      }
      const encounter = {
        date: values.date, kind: values.kind, phase: values.phase,
        person_id: person ? person.id : null,
        head_count: person || newPerson ? null : (values.head_count ?? null),
        quartier_id: values.quartier_id, permanence_id: null, note: values.note,
        follow_up: values.follow_up, follow_up_done: null,
      };
      if (!(await confirmOldDate(encounter.date))) return;
      const recorded = await recordEncounter(encounter, newPerson);
      // Saved: leaving now must not ask about unsaved changes.
      el.markClean();
      await api.rememberCapture(values.kind, values.quartier_id ?? null).catch(() => {});
      const personName = person ? `${person.first_name} ${person.last_name}`
        : newPerson ? `${newPerson.first_name} ${newPerson.last_name}`.trim() : null;
      const saved = await api.getEncounter(recorded.id);
      announce(recordedMessage(v, saved, recorded, { personName, quartierName: quartierName(saved.quartier_id) }),
        { undo: recorded.undo, onUndone: render });
      await render();
      document.querySelector('#quick-capture select')?.focus();
    },
  });
  // The person finder sits before the inline "new person" fields.
  capture.querySelector('[data-field="new_first_name"]').before(picker);

  const permanenceItem = (p) => h('li', {},
    h('a', { href: `#/permanences/${p.id}` }, [formatShort(p.date), p.start_time ? `${p.start_time}–${p.end_time ?? ''}` : null, quartierName(p.quartier_id) ?? t.none].filter(Boolean).join(' · ')),
    ' ', h('span', { class: `badge ${p.status}` }, label(v.permanence_status, p.status)));
  const list = (items, render, attrs = {}) => (items.length ? h('ul', { class: 'plain', ...attrs }, items.map(render)) : h('p', { class: 'muted' }, t.today.nothing));

  const entryItem = (e) => {
    const who = e.person_id
      ? h('a', { href: `#/personnes/${e.person_id}` }, e.person_name ?? '…')
      : t.encounter.people(e.head_count ?? 1);
    const remove = () => confirmDelete({
      title: t.encounter.deleteTitle,
      text: t.encounter.deleteText,
      done: t.encounter.deleted,
      remove: () => api.deleteEncounter(e.id),
      onDone: render,
    });
    return h('li', { 'data-encounter': e.id },
      h('div', { class: 'entry-line' },
        h('span', {}, h('strong', {}, label(v.encounter_kind, e.kind)), ' · ', who,
          quartierName(e.quartier_id) ? ` · ${quartierName(e.quartier_id)}` : null,
          e.note ? h('span', { class: 'muted' }, ` · ${e.note}`) : null),
        h('span', { class: 'row-actions' },
          h('a', { class: 'button small secondary', href: `#/rencontres/${e.id}`, 'data-action': 'edit' }, t.edit),
          h('button', { type: 'button', class: 'small danger', 'data-action': 'delete', onclick: remove }, t.delete))));
  };

  const F = t.followUps;
  const fu = data.follow_ups;
  const followUps = h('section', { class: 'card', id: 'follow-ups' }, h('h2', {}, t.today.followUps),
    fu.this_week.length || fu.overdue.length
      ? [
        fu.this_week.length ? [h('h3', {}, F.thisWeek), h('ul', { class: 'plain' }, fu.this_week.map((f) => followUpItem(f, render)))] : null,
        fu.overdue.length ? [h('h3', {}, F.overdue), h('ul', { class: 'plain' }, fu.overdue.map((f) => followUpItem(f, render)))] : null,
      ]
      : h('p', { class: 'muted' }, t.today.nothing),
    h('p', { class: 'more' }, h('a', { href: '#/relances', id: 'all-follow-ups' }, fu.overdue_total ? F.seeAll(fu.overdue_total) : F.seeAllNone)));

  // Persons past the retention period: counted after the screen is drawn, not to hold it up.
  const retentionDue = h('p', { id: 'retention-due', hidden: true });
  api.countRetentionDue().then((n) => {
    if (!n) return;
    retentionDue.replaceChildren(h('a', { href: '#/a-reexaminer' }, t.retention.homeDue(n)));
    retentionDue.hidden = false;
  }).catch(() => {});
  show(
    h('h1', {}, `${t.today.title} — ${formatDate(data.date || isoToday())}`),
    lastSyncText(sync) ? h('p', { class: 'muted', id: 'last-sync' }, h('a', { href: '#/reglages' }, lastSyncText(sync)),
      sync.conflicts ? [' · ', h('a', { href: '#/a-verifier' }, `${t.review.title} (${sync.conflicts})`)] : null) : null,
    retentionDue,
    h('div', { class: 'columns' },
      h('div', {},
        h('section', { class: 'card', 'aria-labelledby': 'quick-title' },
          h('h2', { id: 'quick-title' }, t.today.quick),
          h('p', { class: 'hint' }, t.today.quickHint),
          capture)),
      h('div', {},
        h('section', { class: 'card', id: 'recorded-today' }, h('h2', {}, t.today.recordedToday),
          list(data.encounters_today, entryItem)),
        followUps,
        h('section', { class: 'card' }, h('h2', {}, t.today.permanencesToday), list(data.permanences_today, permanenceItem)),
        h('section', { class: 'card' }, h('h2', {}, t.today.permanencesWeek), list(data.permanences_week, permanenceItem)),
        h('section', { class: 'card' }, h('h2', {}, t.today.toSend), list(data.to_send, (r) => h('li', {},
          h('a', { href: `#/personnes/${r.person_id}` }, r.person_name), ` → ${r.partner_name} · ${formatShort(r.date)}`))))),
  );
  // Quick capture starts on its first field, ready for the keyboard.
  capture.querySelector('select')?.focus();
}
