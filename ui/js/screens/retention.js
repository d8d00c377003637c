// À réexaminer: the persons kept past the retention period, oldest contact first, each with
// "Prolonger…" (until a date, for a recorded reason); and the period itself, in Réglages.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce, form, confirmDialog } from '../dom.js';
import { formatNumeric } from '../format.js';

const R = () => t.retention;

/** A date a year from today, as the officer types it (the default end of an extension). */
function inAYear() {
  const d = new Date();
  d.setFullYear(d.getFullYear() + 1);
  return d.toISOString().slice(0, 10);
}

function dueItem(d) {
  const name = `${d.first_name} ${d.last_name}`;
  const contact = d.never_met ? R().neverMet(formatNumeric(d.last_contact)) : R().lastContact(formatNumeric(d.last_contact));
  const panel = h('div', { class: 'inline-form', hidden: true });
  const toggle = h('button', { type: 'button', class: 'small secondary', 'data-action': 'prolong', 'aria-expanded': 'false' }, R().prolong);
  toggle.addEventListener('click', () => {
    const opening = panel.hidden;
    panel.hidden = !opening;
    toggle.setAttribute('aria-expanded', String(opening));
    if (!opening) return;
    panel.replaceChildren(form({
      id: `prolong-${d.id}`,
      submit: R().save,
      fields: [
        { name: 'until', label: R().until, hint: R().untilHint, type: 'date', required: true, value: inAYear() },
        { name: 'reason', label: R().reason, hint: R().reasonHint, type: 'textarea', required: true, width: 'wide' },
      ],
      cancel: () => { panel.hidden = true; toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); },
      onSubmit: async (values) => {
        await api.prolongRetention(d.id, values.until, values.reason);
        announce(R().prolonged(name, formatNumeric(values.until)));
        await render();
      },
    }));
    panel.querySelector('input')?.focus();
  });
  const act = async (ask, call, done) => {
    try {
      if (!(await ask())) return;
      // The notebook file is rewritten afterwards: the row says it is at work meanwhile.
      for (const b of [anonymise, erase]) b.disabled = true;
      row.setAttribute('aria-busy', 'true');
      await call();
      announce(done);
      await render();
    } catch (err) {
      for (const b of [anonymise, erase]) b.disabled = false;
      row.removeAttribute('aria-busy');
      announce(err?.message || t.errorUnexpected);
    }
  };
  const anonymise = h('button', { type: 'button', class: 'small secondary', 'data-action': 'anonymise' }, R().anonymise);
  anonymise.addEventListener('click', () => act(
    () => confirmDialog(R().anonymiseTitle(name), R().anonymiseText, R().anonymiseYes, R().keep),
    () => api.anonymisePerson(d.id),
    R().anonymised,
  ));
  const erase = h('button', { type: 'button', class: 'small danger', 'data-action': 'erase' }, R().erase);
  erase.addEventListener('click', () => act(
    async () => confirmDialog(t.persons.eraseTitle(name), t.persons.eraseText(await api.erasurePreview(d.id)), t.persons.eraseYes, t.persons.eraseNo),
    () => api.erasePerson(d.id),
    t.persons.erased,
  ));
  const row = h('li', { 'data-person': d.id },
    h('div', { class: 'entry-line' },
      h('span', {}, h('a', { href: `#/personnes/${d.id}` }, name),
        h('span', { class: 'muted' }, ` · ${d.quartier_name ?? R().noQuartier} · ${contact}`,
          d.extended_until ? ` · ${R().extended(formatNumeric(d.extended_until))}` : '')),
      h('span', { class: 'row-actions' }, toggle, anonymise, erase)),
    panel);
  return row;
}

/** "Anonymiser toute la liste", with a progress bar while it runs. */
function anonymiseAll(total) {
  const bar = h('progress', { id: 'retention-progress', max: Math.max(total, 1), value: 0, hidden: true, 'aria-label': R().running });
  const button = h('button', { type: 'button', class: 'secondary', id: 'anonymise-all' }, R().anonymiseAll(total));
  button.addEventListener('click', async () => {
    if (!(await confirmDialog(R().anonymiseAllTitle(total), R().anonymiseAllText(total), R().anonymiseYes, R().keep))) return;
    button.disabled = true;
    bar.hidden = false;
    const unlisten = await api.onRetentionProgress(({ done, total: all }) => {
      bar.max = Math.max(all, 1);
      bar.value = done;
    }).catch(() => null);
    try {
      const n = await api.anonymiseDue();
      announce(R().allDone(n));
      await render();
    } catch (err) {
      announce(err?.message || t.errorUnexpected);
      button.disabled = false;
    } finally {
      bar.hidden = true;
      unlisten?.();
    }
  });
  return h('div', { class: 'actions' }, button, bar);
}

export async function render() {
  const data = await api.listRetention();
  show(
    h('h1', {}, R().title),
    h('p', { class: 'hint' }, R().intro(data.months)),
    h('p', { id: 'retention-count' }, R().count(data.due.length)),
    data.due.length ? anonymiseAll(data.due.length) : null,
    data.due.length
      ? h('ul', { class: 'plain', id: 'retention-list' }, data.due.map(dueItem))
      : h('p', { class: 'muted' }, R().none),
  );
}

/** Réglages → Données personnelles: the retention period and the way to the list. */
export async function retentionSection() {
  const data = await api.listRetention();
  const period = form({
    id: 'retention-form',
    submit: t.save,
    fields: [{ name: 'months', label: R().months, hint: R().monthsHint, type: 'number', required: true, value: String(data.months), inputmode: 'numeric' }],
    onSubmit: async (values, el) => {
      await api.setRetentionMonths(values.months === null ? '' : String(values.months));
      el.markClean();
      announce(R().monthsSaved(values.months));
      // The count under the field follows the new period.
      section.replaceWith(await retentionSection());
    },
  });
  const section = h('section', { class: 'card', id: 'personal-data' }, h('h2', {}, R().settingsTitle),
    period,
    h('p', { class: 'more' }, h('a', { href: '#/a-reexaminer', id: 'retention-link' }, R().seeList(data.due.length))));
  return section;
}
