// Relances: every open follow-up, overdue or coming, each marked done or put off in one key.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce } from '../dom.js';
import { formatNumeric } from '../format.js';

const PAGE = 50;
let windowName = 'overdue';
let offset = 0;

/** One follow-up line with its "Fait" and "Reporter" buttons; F and R act on the focused line. */
export function followUpItem(f, refresh) {
  const F = t.followUps;
  const who = f.person_id
    ? h('a', { href: `#/personnes/${f.person_id}` }, f.person_name ?? t.today.anonymous)
    : t.today.anonymous;
  const act = (call, message) => async () => {
    try {
      const undo = await call();
      announce(message, { undo, onUndone: refresh });
      await refresh();
    } catch (err) {
      announce(err?.message || t.errorUnexpected);
    }
  };
  const done = act(() => api.followUpDone(f.source, f.id), F.doneAnnounce);
  const postpone = act(() => api.postponeFollowUp(f.source, f.id, null), F.postponed(nextWeek()));
  const item = h('li', { tabindex: '0', 'data-follow-up': f.id, 'data-source': f.source },
    h('div', { class: 'entry-line' },
      h('span', {}, `${formatNumeric(f.due)} · `, who,
        h('span', { class: 'muted' }, ` · ${f.source === 'referral' ? F.referral : F.encounter}${f.about ? ` · ${f.about}` : ''}`)),
      h('span', { class: 'row-actions' },
        h('button', { type: 'button', class: 'small', 'data-action': 'done', 'aria-keyshortcuts': 'F', onclick: done }, F.done),
        h('button', { type: 'button', class: 'small secondary', 'data-action': 'postpone', 'aria-keyshortcuts': 'R', onclick: postpone }, F.postpone))));
  item.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey) return;
    if (e.key === 'f' || e.key === 'F') { e.preventDefault(); done(); }
    if (e.key === 'r' || e.key === 'R') { e.preventDefault(); postpone(); }
  });
  return item;
}

function nextWeek() {
  const d = new Date();
  d.setDate(d.getDate() + 7);
  return new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric' }).format(d);
}

export async function render() {
  const F = t.followUps;
  const page = await api.listFollowUps(windowName, offset, PAGE);
  const select = h('select', { id: 'follow-up-window' },
    F.windows.map(([code, text]) => h('option', { value: code, selected: code === windowName }, text)));
  select.addEventListener('change', () => { windowName = select.value; offset = 0; render(); });
  const pager = page.total > PAGE
    ? h('div', { class: 'pager' },
      h('button', { type: 'button', class: 'secondary small', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); render(); } }, F.previous),
      h('span', {}, `${offset + 1}–${Math.min(offset + PAGE, page.total)} / ${page.total}`),
      h('button', { type: 'button', class: 'secondary small', disabled: offset + PAGE >= page.total, onclick: () => { offset += PAGE; render(); } }, F.next))
    : null;
  show(
    h('h1', {}, F.title),
    h('div', { class: 'field narrow' }, h('label', { for: 'follow-up-window' }, F.window), select),
    h('p', { id: 'follow-up-count' }, F.count(page.total)),
    h('p', { class: 'hint' }, F.keys),
    page.items.length
      ? h('ul', { class: 'plain', id: 'follow-up-list' }, page.items.map((f) => followUpItem(f, render)))
      : h('p', { class: 'muted' }, F.none),
    pager,
  );
}
