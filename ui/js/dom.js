// Building the page safely: user text always goes through textContent, never innerHTML.
import { t } from './strings.js';
import { api } from './ipc.js';
import { frDate, isoFromFr } from './format.js';

/** Creates an element: h('p', { class: 'x' }, 'text', child). Strings become text nodes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main area's content and moves focus to its heading. */
export function show(...children) {
  const main = document.getElementById('contenu');
  main.replaceChildren();
  append(main, children);
  const heading = main.querySelector('h1');
  if (heading) {
    heading.setAttribute('tabindex', '-1');
    heading.focus({ preventScroll: true });
  }
}

/**
 * A short message in the corner, announced to screen readers. With `undo` (an engine undo
 * token), the message offers "Annuler" for a few seconds (Ctrl+Z does the same); once undone,
 * `onUndone()` refreshes the screen.
 */
export function announce(message, { undo = null, onUndone = null } = {}) {
  const box = document.getElementById('annonce');
  const text = h('span', {}, message);
  pendingUndo = undo && undo.steps?.length ? { undo, onUndone } : null;
  const button = pendingUndo
    ? h('button', { type: 'button', class: 'small secondary', id: 'annuler', onclick: () => undoLast() }, t.undo)
    : null;
  box.replaceChildren(...[text, button ? ' ' : null, button].filter(Boolean));
  box.classList.add('visible');
  box.classList.toggle('with-action', Boolean(button));
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => {
    box.classList.remove('visible', 'with-action');
    pendingUndo = null;
  }, button ? 10000 : 3500);
}

let pendingUndo = null;

/** Empties the corner message and forgets its undo (the window is being locked). */
export function clearAnnouncements() {
  const box = document.getElementById('annonce');
  clearTimeout(announce.timer);
  box.replaceChildren();
  box.classList.remove('visible', 'with-action');
  pendingUndo = null;
}

/** Whether a message still offers to undo the last action. */
export const hasPendingUndo = () => pendingUndo !== null;

/** Undoes the action the last message offered to undo, if it is still offered. */
export async function undoLast() {
  const pending = pendingUndo;
  if (!pending) return false;
  pendingUndo = null;
  try {
    await api.undo(pending.undo);
    announce(t.undone);
    await pending.onUndone?.();
  } catch (err) {
    announce(err?.message || t.errorUnexpected);
  }
  return true;
}

/** Asks once before deleting; on yes runs `remove()` (returning an undo token) and offers
 * to undo it. */
export async function confirmDelete({ title, text, done, remove, onDone }) {
  if (!(await confirmDialog(title, text, t.deleteYes, t.deleteNo))) return false;
  try {
    const undo = await remove();
    announce(done, { undo, onUndone: onDone });
    await onDone?.();
    return true;
  } catch (err) {
    announce(err?.message || t.errorUnexpected);
    return false;
  }
}

/** Asks a yes/no question in a modal dialog; resolves to true for yes. */
export function confirmDialog(title, text, yes, no) {
  const dialog = document.getElementById('confirmation');
  document.getElementById('confirmation-titre').textContent = title;
  document.getElementById('confirmation-texte').textContent = text;
  document.getElementById('confirmation-oui').textContent = yes;
  document.getElementById('confirmation-non').textContent = no;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'oui'), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    document.getElementById('confirmation-non').focus();
  });
}

// Forms with unsaved changes; the router asks before leaving them.
const dirtyForms = new Set();
export const hasUnsavedChanges = () => [...dirtyForms].some((f) => f.isConnected);
export const forgetUnsavedChanges = () => dirtyForms.clear();

let counter = 0;
const uid = (name) => `c${++counter}-${name}`;

/** Options for a <select>: [[code, label], …] with an optional empty first choice. */
function options(list, value, empty) {
  const out = [];
  if (empty !== false) out.push(h('option', { value: '' }, empty || '—'));
  for (const [code, text] of list) {
    out.push(h('option', { value: code, selected: code === value }, text));
  }
  return out;
}

/**
 * A form built from field descriptors:
 *   { name, label, type: 'text'|'email'|'tel'|'date'|'time'|'number'|'textarea'|'select'|'checkbox',
 *     options: [[code, label]], hint, required, value, width }
 * `onSubmit(values)` returns a promise; an engine error `{ kind, message, field }` is shown next
 * to its field and in a summary at the top, and everything typed stays where it was.
 */
export function form({ fields, submit, onSubmit, sections, id, cancel }) {
  const controls = new Map();
  const errors = new Map();
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });

  function field(f) {
    const inputId = uid(f.name);
    const hintId = f.hint ? `${inputId}-hint` : null;
    const errorId = `${inputId}-error`;
    let control;
    if (f.type === 'textarea') {
      control = h('textarea', { id: inputId, name: f.name, rows: f.rows || 3 });
      control.value = f.value ?? '';
    } else if (f.type === 'select') {
      control = h('select', { id: inputId, name: f.name }, options(f.options || [], f.value ?? '', f.empty));
    } else if (f.type === 'combobox') {
      control = combobox(f, inputId);
    } else if (f.type === 'yesno') {
      // Three answers: a question never asked is "non renseigné", never a silent "Non".
      const current = f.value === true ? 'true' : f.value === false ? 'false' : '';
      control = h('select', { id: inputId, name: f.name },
        options([['true', t.yes], ['false', t.no]], current, t.notAnswered));
    } else if (f.type === 'checkbox') {
      control = h('input', { id: inputId, name: f.name, type: 'checkbox' });
      control.checked = f.value === true;
    } else if (f.type === 'date' || f.type === 'time') {
      // Plain text fields: typed as the officer writes them (25/11/2026, 9h30), the same on
      // every system whatever its locale, and Tab moves to the next field, not a sub-field.
      control = h('input', {
        id: inputId, name: f.name, type: 'text', autocomplete: 'off', inputmode: 'numeric',
        placeholder: f.type === 'date' ? 'jj/mm/aaaa' : 'hh:mm', class: `input-${f.type}`,
      });
      control.value = f.type === 'date' ? frDate(f.value) : (f.value ?? '');
    } else {
      // Numbers are typed in a text field: a number field hides what was typed when it is not
      // a number ("2,5" reads as empty), and the engine's message could not say why.
      control = h('input', {
        id: inputId, name: f.name, type: f.type === 'number' ? 'text' : (f.type || 'text'), autocomplete: 'off',
        min: f.min, max: f.max, step: f.step, inputmode: f.inputmode,
      });
      control.value = f.value ?? '';
    }
    if (f.required) control.setAttribute('aria-required', 'true');
    if (hintId) control.setAttribute('aria-describedby', hintId);
    controls.set(f.name, { control, f, errorId, hintId });
    const error = h('p', { class: 'field-error', id: errorId, hidden: true });
    errors.set(f.name, error);
    const labelEl = h('label', { for: inputId }, f.label, f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
    const hint = f.hint ? h('p', { class: 'hint', id: hintId }, f.hint) : null;
    const cls = `field ${f.type === 'checkbox' ? 'field-check' : ''} ${f.width ? `w-${f.width}` : ''}`;
    return f.type === 'checkbox'
      ? h('div', { class: cls, 'data-field': f.name }, control, labelEl, hint, error)
      : h('div', { class: `${cls} ${f.type === 'combobox' ? 'combo' : ''}`, 'data-field': f.name }, labelEl, hint, error, control, control.listbox ?? null);
  }

  const body = sections
    ? sections.map((s) => h('fieldset', {}, h('legend', {}, s.legend), h('div', { class: 'grid' }, s.fields.map(field))))
    : [h('div', { class: 'grid' }, fields.map(field))];
  const button = h('button', { type: 'submit' }, submit || t.save);
  const el = h('form', { class: 'form', id, novalidate: true }, summary, body,
    h('div', { class: 'actions' }, button, cancel ? h('button', { type: 'button', class: 'secondary', onclick: cancel }, t.cancel) : null));

  // Entrée saves from any field, a list included (a select does nothing with it otherwise);
  // Ctrl+Entrée saves from anywhere, a note included.
  el.addEventListener('keydown', (e) => {
    const onSelect = e.key === 'Enter' && e.target.tagName === 'SELECT' && !e.altKey && !e.shiftKey;
    const anywhere = e.key === 'Enter' && (e.ctrlKey || e.metaKey);
    if (onSelect || anywhere) {
      e.preventDefault();
      button.click();
    }
  });
  el.addEventListener('input', () => dirtyForms.add(el));
  el.addEventListener('change', () => dirtyForms.add(el));

  function values() {
    const out = {};
    for (const [name, { control, f }] of controls) {
      if (f.type === 'checkbox') out[name] = control.checked;
      else if (f.type === 'yesno') out[name] = control.value === '' ? null : control.value === 'true';
      else if (f.type === 'combobox') out[name] = control.chosenValue();
      // Only plain digits become a number; anything else ("3e2", "2,5") goes as typed, and the
      // engine says it wants a whole number (Number() would read "3e2" as 300).
      else if (f.type === 'number') out[name] = control.value.trim() === '' ? null : (/^\s*[-+]?\d+\s*$/.test(control.value) ? Number(control.value) : control.value);
      else if (f.type === 'date') out[name] = control.value.trim() === '' ? null : isoFromFr(control.value);
      else out[name] = control.value.trim() === '' ? null : control.value;
    }
    return out;
  }

  function clearErrors() {
    summary.hidden = true;
    summary.replaceChildren();
    for (const [name, error] of errors) {
      error.hidden = true;
      error.textContent = '';
      const { control, hintId } = controls.get(name);
      control.removeAttribute('aria-invalid');
      if (hintId) control.setAttribute('aria-describedby', hintId); else control.removeAttribute('aria-describedby');
      control.closest('.field')?.classList.remove('has-error');
    }
  }

  function showError(err) {
    const target = err?.field && controls.get(err.field);
    const message = err?.kind === 'invalid_date' && target?.f.type === 'date'
      ? `${target.f.label} : ${t.invalidDate}`
      : (err?.message || t.errorUnexpected);
    summary.replaceChildren(h('h2', {}, t.errorSummary));
    if (target) {
      const link = h('a', { href: `#${target.control.id}` }, message);
      link.addEventListener('click', (e) => { e.preventDefault(); target.control.focus(); });
      summary.append(h('ul', {}, h('li', {}, link)));
      const error = errors.get(err.field);
      error.textContent = message;
      error.hidden = false;
      target.control.setAttribute('aria-invalid', 'true');
      target.control.setAttribute('aria-describedby', [target.hintId, target.errorId].filter(Boolean).join(' '));
      target.control.closest('.field')?.classList.add('has-error');
    } else {
      summary.append(h('p', {}, message));
    }
    summary.hidden = false;
    summary.focus();
  }

  el.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    clearErrors();
    button.disabled = true;
    try {
      await onSubmit(values(), el);
      dirtyForms.delete(el);
    } catch (err) {
      showError(err);
    } finally {
      button.disabled = false;
    }
  });

  el.values = values;
  el.control = (name) => controls.get(name)?.control;
  el.showError = showError;
  el.markClean = () => dirtyForms.delete(el);
  return el;
}

/** Text folded for matching: no accents, lower case, one kind of apostrophe. */
export const fold = (text) => (text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[’‘]/g, "'").trim();
const ARTICLE = /^(les|la|le|l')\s*/;

/**
 * Options matching what was typed, best first: names starting with it (article included:
 * "Les B"), then starting with it once the article is set aside ("chiff" → La Chiffogne),
 * then a word starting with it, then anywhere; ties go to the recently used, then A to Z.
 */
export function rankOptions(optionsList, typed, recent = []) {
  const q = fold(typed);
  const recentRank = new Map(recent.map((id, i) => [id, i]));
  const scored = [];
  for (const [code, text] of optionsList) {
    const name = fold(text);
    const bare = name.replace(ARTICLE, '');
    let score;
    if (!q) score = 0;
    else if (name.startsWith(q)) score = 0;
    else if (bare.startsWith(q)) score = 1;
    else if (name.split(/[\s\-']+/).some((w) => w.startsWith(q))) score = 2;
    else if (name.includes(q)) score = 3;
    else continue;
    scored.push({ code, text, score, recent: recentRank.get(code) ?? Infinity, bare });
  }
  scored.sort((a, b) => a.score - b.score || a.recent - b.recent || a.bare.localeCompare(b.bare, 'fr'));
  return scored.map(({ code, text }) => [code, text]);
}

/**
 * A type-to-filter list (ARIA combobox with a listbox): typing filters and highlights the best
 * match, ↑/↓ move, Entrée or Tab chooses, Échap closes. The field's value is the chosen code;
 * text that matches nothing is refused on saving, never silently replaced.
 */
function combobox(f, inputId) {
  const listId = `${inputId}-list`;
  const names = new Map(f.options);
  const input = h('input', {
    id: inputId, name: f.name, type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': listId, class: 'combo-input',
    placeholder: f.placeholder,
  });
  const list = h('ul', { id: listId, role: 'listbox', class: 'combo-list', 'aria-label': f.label, hidden: true });
  let chosen = names.has(f.value) ? f.value : '';
  let shown = [];
  let active = -1;
  input.value = chosen ? names.get(chosen) : '';
  input.dataset.value = chosen;

  const highlight = () => {
    [...list.children].forEach((li, i) => li.setAttribute('aria-selected', String(i === active)));
    if (active >= 0) {
      input.setAttribute('aria-activedescendant', `${listId}-${active}`);
      list.children[active]?.scrollIntoView({ block: 'nearest' });
    } else input.removeAttribute('aria-activedescendant');
  };
  const open = (typed) => {
    shown = rankOptions(f.options, typed, f.recent);
    list.replaceChildren(...shown.map(([code, text], i) => {
      const li = h('li', { id: `${listId}-${i}`, role: 'option', 'data-value': code }, text);
      li.addEventListener('mousedown', (e) => e.preventDefault());
      li.addEventListener('click', () => commit(i));
      return li;
    }));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    active = shown.length ? 0 : -1;
    highlight();
  };
  const close = () => {
    list.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const commit = (i) => {
    const [code, text] = shown[i];
    chosen = code;
    input.value = text;
    input.dataset.value = code;
    close();
    input.dispatchEvent(new Event('change', { bubbles: true }));
  };
  input.addEventListener('focus', () => input.select());
  input.addEventListener('input', () => {
    chosen = '';
    input.dataset.value = '';
    if (input.value.trim() === '') { close(); return; }
    open(input.value);
  });
  input.addEventListener('keydown', (e) => {
    const isOpen = !list.hidden;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!isOpen) { open(''); active = Math.max(0, shown.findIndex(([c]) => c === chosen)); highlight(); return; }
      active = e.key === 'ArrowDown' ? Math.min(active + 1, shown.length - 1) : Math.max(active - 1, 0);
      highlight();
    } else if (e.key === 'Enter' && isOpen && active >= 0 && !(e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      e.stopPropagation();
      commit(active);
    } else if (e.key === 'Tab' && isOpen && active >= 0) {
      commit(active);
    } else if (e.key === 'Escape' && isOpen) {
      e.preventDefault();
      close();
      input.value = chosen ? names.get(chosen) : input.value;
    }
  });
  input.addEventListener('blur', () => { if (!list.hidden) { if (active >= 0 && input.value.trim()) commit(active); else close(); } });
  input.chosenValue = () => {
    if (input.value.trim() === '') return null;
    if (chosen && names.get(chosen) === input.value) return chosen;
    throw { kind: 'unknown_value', field: f.name, message: t.comboNoMatch(f.label, input.value.trim()) };
  };
  input.listbox = list;
  return input;
}

/** What tells namesakes apart: "née en 1987 · Les Buis · tél. …1234 · vu·e le 12/03/2026". */
export function hitDetails(hit) {
  return [
    hit.birth_year ? t.persons.born(hit.birth_year) : null,
    hit.quartier_name,
    hit.phone_end ? t.persons.phoneEnd(hit.phone_end) : null,
    hit.last_contact ? t.persons.lastContact(frDate(hit.last_contact)) : null,
  ].filter(Boolean).join(' · ');
}

/**
 * A person finder: a search box whose results can be picked with the keyboard
 * (↓ to reach the list, Entrée to choose). `onPick(entry)` receives the chosen person.
 */
export function personPicker({ label, hint, onPick }) {
  const inputId = uid('person');
  const listId = `${inputId}-list`;
  const input = h('input', { id: inputId, type: 'search', autocomplete: 'off', 'aria-controls': listId, 'aria-describedby': hint ? `${inputId}-hint` : null });
  const list = h('ul', { id: listId, class: 'picker-list', role: 'listbox', 'aria-label': label });
  let chosen = null;
  let seq = 0;
  const chip = h('p', { class: 'chip', hidden: true });

  function choose(entry) {
    chosen = entry;
    list.replaceChildren();
    input.value = '';
    if (entry) {
      chip.replaceChildren(
        `${entry.first_name} ${entry.last_name}`,
        h('button', { type: 'button', class: 'link', 'aria-label': t.removePerson, onclick: () => { choose(null); input.focus(); } }, '✕'),
      );
      chip.hidden = false;
    } else {
      chip.hidden = true;
      chip.replaceChildren();
    }
    onPick?.(entry);
  }

  input.addEventListener('input', async () => {
    const query = input.value.trim();
    const mine = ++seq;
    if (query.length < 2) { list.replaceChildren(); return; }
    const found = await api.searchPersons(query, { limit: 8 });
    if (mine !== seq) return; // a newer keystroke already answered
    list.replaceChildren(...found.hits.map((p) => {
      const details = hitDetails(p);
      const item = h('li', { role: 'option', tabindex: '-1', 'data-id': p.id },
        `${p.first_name} ${p.last_name}`, details ? h('span', { class: 'muted' }, ` · ${details}`) : null);
      item.addEventListener('click', () => choose(p));
      item.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') { e.preventDefault(); choose(p); input.focus(); }
        if (e.key === 'ArrowDown') { e.preventDefault(); item.nextElementSibling?.focus(); }
        if (e.key === 'ArrowUp') { e.preventDefault(); (item.previousElementSibling || input).focus(); }
      });
      return item;
    }));
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' && list.firstElementChild) { e.preventDefault(); list.firstElementChild.focus(); }
  });

  const el = h('div', { class: 'field picker' },
    h('label', { for: inputId }, label),
    hint ? h('p', { class: 'hint', id: `${inputId}-hint` }, hint) : null,
    input, list, chip);
  el.chosen = () => chosen;
  el.reset = () => choose(null);
  return el;
}

/** A simple table: columns [{ label, cell: (row) => node|string }]. */
export function table(columns, rows, caption) {
  return h('table', {},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', {}, c.cell(row)))))));
}

// The hint under a passphrase field follows what is typed (the engine's rule, not a copy).
export function strengthHint(input) {
  const hint = h('p', { class: 'hint strength', 'aria-live': 'polite' });
  let pending = 0;
  input.addEventListener('input', async () => {
    const asked = ++pending;
    if (!input.value) { hint.textContent = ''; hint.classList.remove('ok'); return; }
    const strength = await api.passphraseStrength(input.value).catch(() => null);
    if (asked !== pending || !strength) return;
    hint.textContent = strength.hint;
    hint.classList.toggle('ok', strength.ok);
  });
  return hint;
}

/** Refuses a new passphrase whose confirmation (the `confirm` field) differs. */
export function confirmed(values, name) {
  if ((values[name] ?? '') !== (values.confirm ?? '')) {
    throw { kind: 'mismatch', message: t.mismatch, field: 'confirm' };
  }
}

/** Empties the fields `names` of `form` once used (a passphrase never stays on screen). */
export function emptyFields(form, names) {
  for (const name of names) {
    form.control(name).value = '';
    form.control(name).dispatchEvent(new Event('input'));
  }
}
