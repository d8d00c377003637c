// À vérifier: what sync could not decide alone. Concurrent edits (keep one value or the other)
// and changes dated far in the future (accept or reject them), each naming the record, the
// devices and the dates.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce } from '../dom.js';

const R = t.review;
const shown = (value) => (value === null || value === undefined || value === '' ? R.empty : String(value));

function conflictCard(c, settle) {
  return h('li', { class: 'card', 'data-conflict': c.id },
    h('h2', {}, `${c.record} — ${c.field_label}`),
    c.entity === 'person' ? h('p', {}, h('a', { href: `#/personnes/${c.row_id}` }, R.open)) : null,
    h('dl', { class: 'facts' },
      h('div', {}, h('dt', {}, R.kept), h('dd', {}, shown(c.kept_value), h('br'), h('span', { class: 'muted' }, R.written(c.kept_by, c.kept_at_ms)))),
      h('div', {}, h('dt', {}, R.other), h('dd', {}, shown(c.lost_value), h('br'), h('span', { class: 'muted' }, R.written(c.lost_by, c.lost_at_ms))))),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: settle(c.id, false) }, R.keep),
      h('button', { type: 'button', class: 'secondary', onclick: settle(c.id, true) }, R.takeOther)));
}

function heldCard(segment, decide) {
  return h('li', { class: 'card', 'data-held': `${segment.device}/${segment.seq}` },
    h('h2', {}, R.heldCard(segment)),
    h('p', {}, R.heldFacts(segment)),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: decide(segment, true) }, R.accept),
      h('button', { type: 'button', class: 'secondary', onclick: decide(segment, false) }, R.reject)));
}

function crossedCard(c, confirm) {
  const D = t.duplicates;
  return h('li', { class: 'card', 'data-crossed': c.person_id },
    h('p', {}, D.crossedCard(c)),
    h('p', {}, h('a', { href: `#/personnes/${c.person_id}` }, D.openKept)),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: confirm(c.person_id) }, D.crossedOk)));
}

export async function render() {
  const [conflicts, held, crossed] = await Promise.all([api.listConflicts(), api.listHeld(), api.listCrossedMerges()]);
  const confirmCrossed = (id) => async () => {
    const undo = await api.confirmCrossedMerge(id);
    announce(t.duplicates.crossedDone, { undo, onUndone: render });
    await render();
  };
  const status = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const settle = (id, keepOther) => async () => {
    await api.resolveConflict(id, keepOther);
    announce(t.saved);
    await render();
  };
  const decide = (segment, accept) => async () => {
    try {
      await api.decideHeld(segment.device, segment.seq, accept);
    } catch (err) {
      status.textContent = err?.message || t.errorUnexpected;
      status.hidden = false;
      return;
    }
    announce(accept ? R.accepted : R.rejected);
    await render();
  };
  show(
    h('h1', {}, R.title),
    status,
    held.length
      ? h('section', { id: 'held' }, h('h2', {}, R.heldTitle), h('p', { class: 'hint' }, R.heldIntro),
        h('ul', { class: 'plain' }, held.map((segment) => heldCard(segment, decide))))
      : null,
    crossed.length
      ? h('section', { id: 'crossed' }, h('h2', {}, t.duplicates.crossedTitle), h('p', { class: 'hint' }, t.duplicates.crossedIntro),
        h('ul', { class: 'plain' }, crossed.map((c) => crossedCard(c, confirmCrossed))))
      : null,
    h('p', { class: 'hint' }, R.intro),
    conflicts.length
      ? h('ul', { class: 'plain', id: 'conflicts' }, conflicts.map((c) => conflictCard(c, settle)))
      : (held.length || crossed.length ? null : h('p', { class: 'muted' }, R.none)),
  );
}
