// "Cette personne existe peut-être déjà": before a new person is saved, the records that may
// be her, with what tells them apart (birth date, quartier, last contact, why they look
// alike). The officer picks one ("C'est elle") or creates the new record anyway.
import { t } from './strings.js';
import { api } from './ipc.js';
import { h } from './dom.js';
import { formatNumeric } from './format.js';

const D = () => t.duplicates;

/**
 * Checks `person` (the values typed) against the notebook. Resolves to `{ create: true }` to
 * go on creating her, `{ existing: candidate }` to use a record already there, or `null` to
 * go back to the form with everything typed.
 */
export async function existingOrNew(person) {
  let found;
  try {
    found = await api.findDuplicates(person);
  } catch {
    // Values the engine refuses: saving will say which, next to its field.
    return { create: true };
  }
  return found.length ? choose(found) : { create: true };
}

function describe(c) {
  return [
    c.birth_date ? D().born(formatNumeric(c.birth_date)) : D().noBirth,
    c.quartier_name ?? D().noQuartier,
    c.last_contact ? D().lastContact(formatNumeric(c.last_contact)) : D().noContact,
  ].join(' · ');
}

function choose(found) {
  const dialog = document.getElementById('doublon');
  document.getElementById('doublon-titre').textContent = D().title;
  document.getElementById('doublon-texte').textContent = D().text(found.length);
  document.getElementById('doublon-retour').textContent = D().back;
  document.getElementById('doublon-creer').textContent = D().createAnyway;
  document.getElementById('doublon-liste').replaceChildren(...found.map((c) => h('li', { 'data-candidate': c.id },
    h('div', { class: 'candidate-name' },
      h('strong', {}, `${c.first_name} ${c.last_name}`), ' ',
      h('span', { class: `badge ${c.level}` }, D().level[c.level])),
    h('div', { class: 'muted' }, describe(c)),
    h('div', { class: 'muted' }, D().why(c.reasons.join(', '))),
    h('button', { type: 'submit', value: `elle:${c.id}`, class: 'small' }, D().itsHer))));
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const value = dialog.returnValue;
      if (value === 'creer') resolve({ create: true });
      else if (value.startsWith('elle:')) resolve({ existing: found.find((c) => c.id === value.slice(5)) ?? null });
      else resolve(null);
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    dialog.querySelector('[data-candidate] button')?.focus();
  });
}
