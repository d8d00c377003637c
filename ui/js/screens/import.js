// Réglages → "Importer un tableau…": the officer picks her sheet (.xlsx, .ods, .csv), sees its
// first rows with what Carnet understood of each column (and can change it), checks it — every
// problem is listed by line and column, nothing written — then imports the valid rows in one go,
// with a progress bar and "Annuler". The refused rows can be saved as a CSV to fix them.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce, table } from '../dom.js';

const I = () => t.importSheet;

/** The file chosen and what is known of it, kept while the officer stays on the screen. */
let state = null;

/** The Réglages card that leads here. */
export function importSection() {
  return h('section', { class: 'card', id: 'import-section' }, h('h2', {}, I().title),
    h('p', { class: 'hint' }, I().intro),
    h('p', { class: 'more' }, h('a', { href: '#/importer', id: 'import-link' }, I().open)));
}

function fileName(path) {
  return path.split(/[\\/]/).pop();
}

async function choose() {
  const path = await api.chooseSpreadsheet(I().chooseTitle).catch(() => null);
  if (!path) return;
  try {
    const preview = await api.previewImport(path);
    state = { path, preview, mapping: preview.columns.slice(), checked: null, done: null };
  } catch (err) {
    state = { path, error: err?.message || t.errorUnexpected };
  }
  await render();
}

function mappingTable() {
  const p = state.preview;
  const selects = p.titles.map((title, k) => {
    const select = h('select', { id: `import-column-${k}`, 'aria-label': I().columnOf(title || I().untitled(k + 1)) },
      p.choices.map(([code, label]) => h('option', { value: code, selected: code === state.mapping[k] }, label)));
    select.addEventListener('change', () => {
      state.mapping[k] = select.value;
      // What was checked no longer holds.
      state.checked = null;
      state.done = null;
      document.getElementById('import-check-result')?.replaceChildren();
      document.getElementById('import-run')?.setAttribute('hidden', '');
    });
    return select;
  });
  return h('div', { class: 'table-scroll' }, h('table', { id: 'import-preview' },
    h('caption', {}, I().previewCaption(p.sample.length, p.rows)),
    h('thead', {},
      h('tr', {}, h('th', { scope: 'col' }, I().line), p.titles.map((title, k) => h('th', { scope: 'col' }, title || I().untitled(k + 1)))),
      h('tr', {}, h('th', { scope: 'row' }, I().meaning), selects.map((s) => h('td', {}, s)))),
    h('tbody', {}, p.sample.map(([line, cells]) => h('tr', {}, h('th', { scope: 'row' }, String(line)),
      p.titles.map((_, k) => h('td', {}, cells[k] ?? '')))))));
}

function summaryLines(s, dry) {
  const lines = [
    h('p', { class: dry ? null : 'ok-box' }, dry ? I().wouldImport(s) : I().imported(s)),
  ];
  if (s.already_present) lines.push(h('p', {}, I().alreadyPresent(s.already_present)));
  if (s.look_like_existing.length) {
    lines.push(h('p', { class: 'warning-box' }, I().lookLikeExisting(s.look_like_existing.map(([line]) => line)),
      ' ', h('a', { href: '#/doublons' }, I().duplicatesLink)));
  }
  if (s.rejected.length) {
    const rows = new Set(s.rejected.map((r) => r.row));
    lines.push(h('p', { class: 'warning-box', id: 'import-rejected-count' }, I().rejected(rows.size)));
    lines.push(h('div', { class: 'table-scroll' }, table([
      { label: I().line, cell: (r) => String(r.row) },
      { label: I().column, cell: (r) => r.column },
      { label: I().problem, cell: (r) => r.message },
    ], s.rejected, I().rejectedCaption)));
    const save = h('button', { type: 'button', class: 'secondary', id: 'import-save-rejected' }, I().saveRejected);
    save.addEventListener('click', async () => {
      const path = await api.chooseExportDestination(I().saveRejected, I().rejectedFile(fileName(state.path)), 'CSV', 'csv').catch(() => null);
      if (!path) return;
      try {
        await api.saveImportRejections(path, s.rejected);
        announce(I().rejectedSaved(path));
      } catch (err) {
        announce(err?.message || t.errorUnexpected);
      }
    });
    lines.push(h('div', { class: 'actions' }, save));
  }
  return lines;
}

/** Runs `work` (check or import) with the progress bar and "Annuler" shown. */
async function withProgress(work) {
  const bar = document.getElementById('import-progress');
  const cancel = document.getElementById('import-cancel');
  const buttons = [...document.querySelectorAll('#import-actions button:not(#import-cancel)')];
  buttons.forEach((b) => { b.disabled = true; });
  bar.hidden = false;
  bar.value = 0;
  cancel.hidden = false;
  const stop = await api.onImportProgress(({ done, total }) => { bar.max = Math.max(total, 1); bar.value = done; });
  try {
    return await work();
  } finally {
    stop();
    bar.hidden = true;
    cancel.hidden = true;
    buttons.forEach((b) => { b.disabled = false; });
  }
}

async function check() {
  const out = document.getElementById('import-check-result');
  try {
    state.checked = await withProgress(() => api.checkImport(state.path, state.mapping));
    state.done = null;
  } catch (err) {
    out.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
    return;
  }
  await render();
  document.getElementById('import-check-result')?.scrollIntoView({ block: 'start' });
}

async function run() {
  const out = document.getElementById('import-check-result');
  try {
    state.done = await withProgress(() => api.runImport(state.path, state.mapping));
  } catch (err) {
    out.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
    return;
  }
  announce(I().importedShort(state.done.persons));
  await render();
  document.getElementById('import-check-result')?.scrollIntoView({ block: 'start' });
}

export async function render() {
  const chooseButton = h('button', { type: 'button', id: 'import-choose', class: state ? 'secondary' : null, onclick: choose },
    state ? I().chooseOther : I().choose);
  const head = [h('h1', {}, I().title), h('p', { class: 'hint' }, I().intro), h('p', { class: 'hint' }, I().columnsHint)];
  if (!state) {
    show(...head, h('div', { class: 'actions' }, chooseButton));
    return;
  }
  if (state.error) {
    show(...head, h('p', {}, I().file(fileName(state.path))),
      h('p', { class: 'field-error', role: 'alert', id: 'import-error' }, state.error),
      h('div', { class: 'actions' }, chooseButton));
    return;
  }
  const p = state.preview;
  const checkButton = h('button', { type: 'button', id: 'import-check', class: state.checked ? 'secondary' : null, onclick: check }, I().check);
  const valid = state.checked ? state.checked.persons + state.checked.encounters + state.checked.referrals + state.checked.outcomes : 0;
  const runButton = h('button', { type: 'button', id: 'import-run', hidden: !state.checked || state.done || valid === 0, onclick: run },
    state.checked ? I().run(state.checked) : '');
  const cancel = h('button', { type: 'button', id: 'import-cancel', class: 'secondary', hidden: true, onclick: () => api.cancelImport() }, t.cancel);
  const result = h('div', { id: 'import-check-result', 'aria-live': 'polite' },
    state.done ? summaryLines(state.done, false) : state.checked ? summaryLines(state.checked, true) : null,
    state.done ? h('p', { class: 'more' }, h('a', { href: '#/personnes', id: 'import-persons' }, I().seePersons)) : null);
  show(...head,
    h('section', { class: 'card', id: 'import-file' },
      h('h2', {}, I().file(fileName(state.path))),
      h('p', {}, I().sheetFacts(p.sheet, p.header_line, p.rows)),
      mappingTable(),
      h('div', { class: 'actions', id: 'import-actions' }, checkButton, runButton, cancel, chooseButton),
      h('progress', { id: 'import-progress', max: 1, value: 0, hidden: true }),
      result));
}
