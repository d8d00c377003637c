// Sortie: correct or delete an outcome, reached from the person's history.
import { t } from '../strings.js';
import { api, vocab } from '../ipc.js';
import { h, show, form, announce, confirmDelete } from '../dom.js';
import { outcomeFields } from './persons.js';

export async function render([id]) {
  const [o, v] = await Promise.all([api.getOutcome(id), vocab()]);
  const person = await api.getPerson(o.person_id).catch(() => null);
  const back = () => { location.hash = `#/personnes/${o.person_id}`; };
  const O = t.outcome;
  const el = form({
    id: 'outcome-edit',
    fields: outcomeFields(v, o),
    cancel: back,
    onSubmit: async (values, formEl) => {
      const undo = await api.correctOutcome(id, { ...o, ...values });
      formEl.markClean();
      announce(O.corrected, { undo, onUndone: () => render([id]) });
      back();
    },
  });
  const remove = h('button', { type: 'button', class: 'danger', id: 'outcome-delete' }, t.delete);
  remove.addEventListener('click', () => confirmDelete({
    title: O.deleteTitle, text: O.deleteText, done: O.deleted,
    remove: () => api.deleteOutcome(id), onDone: back,
  }));
  el.querySelector('.actions').append(remove);
  show(
    h('h1', {}, O.edit),
    person ? h('p', {}, h('a', { href: `#/personnes/${o.person_id}` }, `${person.first_name} ${person.last_name}`)) : null,
    el,
  );
  el.control('kind').focus();
}
