// Doublons: the pairs of records that may be the same person, the surest first, each with
// its level, its reasons, "Comparer et fusionner" and "Pas un doublon"; and the merge screen
// (#/doublons/A/B): both records side by side, the record to keep and, field by field, the
// value to keep.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce } from '../dom.js';
import { formatNumeric } from '../format.js';

const D = () => t.duplicates;

const pairItem = (p, dismiss) => h('li', { 'data-pair': `${p.a} ${p.b}` },
  h('div', { class: 'entry-line' },
    h('span', {},
      h('a', { href: `#/personnes/${p.a}` }, p.a_name), ' / ',
      h('a', { href: `#/personnes/${p.b}` }, p.b_name), ' ',
      h('span', { class: `badge ${p.level}` }, D().level[p.level])),
    h('span', { class: 'toolbar' },
      h('a', { class: 'button small', href: `#/doublons/${p.a}/${p.b}`, 'data-compare': `${p.a} ${p.b}` }, D().compare),
      h('button', { type: 'button', class: 'small secondary', 'data-not-duplicate': `${p.a} ${p.b}`, onclick: () => dismiss(p) }, D().notDuplicate))),
  h('div', { class: 'muted' }, D().why(p.reasons.join(', '))));

export async function render([a, b] = []) {
  if (a && b) return compare(a, b);
  const pairs = await api.listDuplicates();
  const sure = pairs.filter((p) => p.level === 'very_likely').length;
  const dismiss = async (p) => {
    const undo = await api.markNotDuplicate(p.a, p.b);
    announce(D().notDuplicateDone, { undo, onUndone: () => render() });
    await render();
  };
  show(
    h('h1', {}, D().listTitle),
    h('p', { class: 'hint' }, D().listIntro),
    h('p', { id: 'duplicates-count' }, D().count(pairs.length, sure)),
    pairs.length
      ? h('ul', { class: 'plain', id: 'duplicates-list' }, pairs.map((p) => pairItem(p, dismiss)))
      : h('p', { class: 'muted' }, D().none),
  );
}

/** The side of a record in the header: its name, its history's size and its last contact. */
const sideFacts = (side) => [
  h('strong', {}, side.name),
  h('br'),
  h('span', { class: 'muted' }, D().events(side.events), ' · ',
    side.last_contact ? D().lastContact(formatNumeric(side.last_contact)) : D().noContact),
];

async function compare(a, b) {
  const choice = await api.comparePersons(a, b);
  const sides = { a: choice.a, b: choice.b };
  const status = h('p', { class: 'field-error', role: 'alert', hidden: true });
  // Which record is kept decides the default of each field: the kept record's value, or the
  // other's where the kept one is empty (nothing is lost).
  const keepRadios = ['a', 'b'].map((key) => h('input', {
    type: 'radio', name: 'keep', value: key, id: `keep-${key}`, checked: key === 'a',
  }));
  const rows = choice.differing.map((f) => {
    const radios = ['a', 'b'].map((key) => h('input', { type: 'radio', name: `field-${f.field}`, value: key, id: `field-${f.field}-${key}` }));
    const cell = (key, i) => h('td', {},
      h('label', { class: 'choice', for: radios[i].id }, radios[i], f[key] ?? D().empty));
    return { field: f, radios, row: h('tr', { 'data-field': f.field }, h('th', { scope: 'row' }, f.label), cell('a', 0), cell('b', 1)) };
  });
  const kept = () => keepRadios.find((r) => r.checked).value;
  const resetValues = () => {
    const keep = kept();
    const emptyOnKept = keep === 'a' ? choice.empty_on_a : choice.empty_on_b;
    for (const { field, radios } of rows) {
      const takeOther = emptyOnKept.includes(field.field);
      const pick = takeOther ? (keep === 'a' ? 'b' : 'a') : keep;
      radios.forEach((r) => { r.checked = r.value === pick; });
    }
  };
  keepRadios.forEach((r) => r.addEventListener('change', resetValues));
  resetValues();

  const mergeButton = h('button', { type: 'submit', id: 'merge-submit' }, D().merge);
  const formEl = h('form', { id: 'merge-form', novalidate: true },
    h('fieldset', {},
      h('legend', {}, D().keepLegend),
      h('div', { class: 'columns' }, ['a', 'b'].map((key, i) => h('div', { class: 'card' },
        h('label', { class: 'choice', for: keepRadios[i].id }, keepRadios[i], D().keepThis(sides[key].name)),
        h('p', {}, sideFacts(sides[key])))))),
    choice.differing.length
      ? h('table', { id: 'merge-fields' },
        h('caption', {}, D().same(choice.same)),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, ''), h('th', { scope: 'col' }, sides.a.name), h('th', { scope: 'col' }, sides.b.name))),
        h('tbody', {}, rows.map((r) => r.row)))
      : h('p', { class: 'muted' }, D().noDifference),
    status,
    h('div', { class: 'actions' },
      mergeButton,
      h('button', { type: 'button', class: 'secondary', id: 'merge-not-duplicate', onclick: async () => {
        const undo = await api.markNotDuplicate(a, b);
        announce(D().notDuplicateDone, { undo });
        location.hash = '#/doublons';
      } }, D().notDuplicate),
      h('a', { class: 'button secondary', href: '#/doublons' }, D().backToList)));
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    const keep = kept();
    const other = keep === 'a' ? 'b' : 'a';
    const take = rows.filter((r) => r.radios.find((x) => x.checked)?.value === other).map((r) => r.field.field);
    mergeButton.disabled = true;
    mergeButton.textContent = D().merging;
    try {
      const undo = await api.mergePersons(sides[keep].id, sides[other].id, take);
      announce(D().merged(sides[keep].name), { undo, onUndone: () => { location.hash = '#/doublons'; } });
      location.hash = `#/personnes/${sides[keep].id}`;
    } catch (err) {
      status.textContent = err?.message || t.errorUnexpected;
      status.hidden = false;
      mergeButton.disabled = false;
      mergeButton.textContent = D().merge;
    }
  });
  show(h('h1', {}, D().mergeTitle), h('p', { class: 'hint' }, D().mergeIntro), formEl);
}
