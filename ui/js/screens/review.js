// À vérifier: concurrent edits that sync set aside, for the officer to settle.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce } from '../dom.js';

const ENTITY = {
  person: 'Personne', encounter: 'Rencontre', permanence: 'Permanence', referral: 'Orientation',
  partner: 'Partenaire', meeting: 'Rencontre collective', outcome: 'Sortie', quartier: 'Quartier',
  place: 'Lieu', officer: 'Profil', territory: 'Territoire', attendance: 'Participation',
  referral_event: 'Étape d’orientation',
};
const FIELD = { ...t.persons.fields, ...t.partners.fields, deleted: 'Supprimé', date: 'Date', status: 'Statut', kind: 'Type', title: 'Titre' };

const shown = (value) => (value === null || value === undefined || value === '' ? t.review.empty : String(value));

export async function render() {
  const conflicts = await api.listConflicts();
  const settle = (id, keepOther) => async () => {
    await api.resolveConflict(id, keepOther);
    announce(t.saved);
    await render();
  };
  show(
    h('h1', {}, t.review.title),
    h('p', { class: 'hint' }, t.review.intro),
    conflicts.length
      ? h('ul', { class: 'plain', id: 'conflicts' }, conflicts.map((c) => h('li', { class: 'card', 'data-conflict': c.id },
        h('h2', {}, `${ENTITY[c.entity] ?? c.entity} — ${FIELD[c.field] ?? c.field}`),
        c.entity === 'person' ? h('p', {}, h('a', { href: `#/personnes/${c.row_id}` }, t.review.open)) : null,
        h('dl', { class: 'facts' },
          h('div', {}, h('dt', {}, t.review.kept), h('dd', {}, shown(c.kept_value))),
          h('div', {}, h('dt', {}, t.review.other), h('dd', {}, shown(c.lost_value)))),
        h('div', { class: 'actions' },
          h('button', { type: 'button', onclick: settle(c.id, false) }, t.review.keep),
          h('button', { type: 'button', class: 'secondary', onclick: settle(c.id, true) }, t.review.takeOther)))))
      : h('p', { class: 'muted' }, t.review.none),
  );
}
