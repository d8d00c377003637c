// Rencontre: correct or delete one encounter (a capture, a permanence visit), reached from
// the day's list, the person's history and the permanence's visitors.
import { t } from '../strings.js';
import { api, vocab, fieldLabel } from '../ipc.js';
import { h, show, form, announce, confirmDelete } from '../dom.js';
import { recordedMessage } from '../encounter.js';
import { confirmOldDate } from './today.js';

export async function render([id]) {
  const [e, v, settings] = await Promise.all([api.getEncounter(id), vocab(), api.settings()]);
  const person = e.person_id ? await api.getPerson(e.person_id).catch(() => null) : null;
  const personName = person ? `${person.first_name} ${person.last_name}` : null;
  const quartiers = settings.quartiers.map((q) => [q.id, q.name]);
  const quartierName = (qid) => settings.quartiers.find((q) => q.id === qid)?.name ?? null;
  const back = () => { if (history.length > 1) history.back(); else location.hash = '#/aujourdhui'; };
  const E = t.encounter;
  const el = form({
    id: 'encounter-form',
    fields: [
      { name: 'kind', label: fieldLabel('encounter', 'kind'), type: 'select', options: v.encounter_kind, value: e.kind, empty: false, required: true },
      { name: 'date', label: fieldLabel('encounter', 'date'), type: 'date', value: e.date, required: true },
      { name: 'quartier_id', label: fieldLabel('encounter', 'quartier_id'), type: 'combobox', options: quartiers, recent: settings.recent_quartiers, value: e.quartier_id ?? '' },
      e.person_id ? null : { name: 'head_count', label: fieldLabel('encounter', 'head_count'), type: 'number', value: e.head_count ?? '', inputmode: 'numeric' },
      { name: 'phase', label: fieldLabel('encounter', 'phase'), type: 'select', options: v.phase, value: e.phase ?? '' },
      { name: 'follow_up', label: fieldLabel('encounter', 'follow_up'), type: 'date', value: e.follow_up, hint: E.followUpHint },
      e.follow_up ? { name: 'follow_up_done', label: fieldLabel('encounter', 'follow_up_done'), type: 'checkbox', value: e.follow_up_done === true } : null,
      { name: 'note', label: fieldLabel('encounter', 'note'), type: 'textarea', value: e.note ?? '', width: 'wide' },
    ].filter(Boolean),
    cancel: back,
    onSubmit: async (values, formEl) => {
      const encounter = { ...e, ...values, follow_up_done: values.follow_up_done ?? e.follow_up_done ?? null };
      if (!(await confirmOldDate(encounter.date))) return;
      const recorded = await api.correctEncounter(id, encounter);
      formEl.markClean();
      const saved = await api.getEncounter(id);
      announce(recordedMessage(v, saved, recorded, { personName, quartierName: quartierName(saved.quartier_id), corrected: true }),
        { undo: recorded.undo, onUndone: () => render([id]) });
      back();
    },
  });
  const remove = h('button', { type: 'button', class: 'danger', id: 'encounter-delete' }, t.delete);
  remove.addEventListener('click', () => confirmDelete({
    title: E.deleteTitle,
    text: E.deleteText,
    done: E.deleted,
    remove: () => api.deleteEncounter(id),
    onDone: back,
  }));
  el.querySelector('.actions').append(remove);
  show(
    h('h1', {}, E.edit),
    h('p', {}, personName
      ? [`${E.person} : `, h('a', { href: `#/personnes/${e.person_id}` }, personName)]
      : E.anonymous),
    el,
  );
  el.control('kind').focus();
}
