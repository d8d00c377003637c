// Personnes: search as you type, create and edit with every reporting field, the profile
// with its timeline, referrals and outcomes.
import { t } from '../strings.js';
import { api, vocab, label } from '../ipc.js';
import { h, show, form, announce } from '../dom.js';
import { formatDate, isoToday } from '../format.js';

const F = t.persons.fields;

export async function render([id, action]) {
  if (id === 'nouvelle') return editor(null);
  if (id && action === 'modifier') return editor(id);
  if (id) return profile(id);
  return list();
}

let lastQuery = '';

async function list() {
  const input = h('input', { id: 'person-search', type: 'search', autocomplete: 'off', 'aria-describedby': 'person-search-hint' });
  input.value = lastQuery;
  const results = h('div', { id: 'person-results', 'aria-live': 'polite' });
  let seq = 0;
  async function refresh() {
    const mine = ++seq;
    lastQuery = input.value;
    const found = await api.searchPersons(input.value);
    if (mine !== seq) return;
    results.replaceChildren(found.length
      ? h('ul', { class: 'results' }, found.map((p) => h('li', {},
        h('a', { href: `#/personnes/${p.id}` }, `${p.last_name} ${p.first_name}`),
        p.project_title ? h('span', { class: 'muted' }, ` · ${p.project_title}`) : null)))
      : h('p', { class: 'muted' }, t.persons.none));
    results.dataset.query = input.value;
  }
  input.addEventListener('input', refresh);
  show(
    h('div', { class: 'title-row' }, h('h1', {}, t.persons.title), h('a', { class: 'button', href: '#/personnes/nouvelle' }, t.persons.add)),
    h('div', { class: 'field search' },
      h('label', { for: 'person-search' }, t.persons.search),
      h('p', { class: 'hint', id: 'person-search-hint' }, t.persons.searchHint),
      input),
    results,
  );
  input.focus();
  await refresh();
}

async function editor(id) {
  const [v, settings, person] = await Promise.all([vocab(), api.settings(), id ? api.getPerson(id) : null]);
  const p = person || {};
  const quartiers = settings.quartiers.map((q) => [q.id, q.name]);
  const f = (name, extra = {}) => ({ name, label: F[name], value: p[name] ?? (extra.type === 'checkbox' ? false : ''), ...extra });
  const el = form({
    id: 'person-form',
    sections: [
      { legend: t.persons.identity, fields: [f('first_name', { required: true, width: 'half' }), f('last_name', { required: true, width: 'half' }), f('gender', { type: 'select', options: v.gender }), f('birth_date', { type: 'date' })] },
      { legend: t.persons.contact, fields: [f('phone', { type: 'tel' }), f('email', { type: 'email' }), f('address', { width: 'wide' }), f('postcode'), f('city'), f('quartier_id', { type: 'select', options: quartiers }), f('lives_in_qpv', { type: 'checkbox' })] },
      { legend: t.persons.situation, fields: [f('situation', { type: 'select', options: v.situation }), f('education', { type: 'select', options: v.education }), f('france_travail', { type: 'checkbox' }), f('rsa', { type: 'checkbox' })] },
      { legend: t.persons.consent, fields: [f('consent_date', { type: 'date' }), f('consent_contact', { type: 'checkbox' }), f('consent_partners', { type: 'checkbox' }), f('consent_stats', { type: 'checkbox' })] },
      { legend: t.persons.project, fields: [f('project_title', { width: 'wide' }), f('project_sector', { type: 'select', options: v.sector }), f('project_stage', { type: 'select', options: v.project_stage }), f('note', { type: 'textarea', width: 'wide' })] },
    ],
    cancel: () => { location.hash = id ? `#/personnes/${id}` : '#/personnes'; },
    onSubmit: async (values, formEl) => {
      const saved = id ? (await api.updatePerson(id, values), id) : await api.createPerson(values);
      formEl.markClean();
      announce(t.saved);
      location.hash = `#/personnes/${saved}`;
    },
  });
  show(h('h1', {}, id ? `${p.first_name} ${p.last_name}` : t.persons.add), el);
  el.control('first_name').focus();
}

async function profile(id) {
  const [p, items, v, settings, partners] = await Promise.all([api.getPerson(id), api.timeline(id), vocab(), api.settings(), api.listPartners()]);
  const quartier = settings.quartiers.find((q) => q.id === p.quartier_id)?.name;
  const yesNo = (b) => (b === true ? t.yes : b === false ? t.no : t.none);
  const row = (name, value) => h('div', {}, h('dt', {}, F[name]), h('dd', {}, value ?? t.none));

  const referral = form({
    id: 'referral-form',
    submit: t.referrals.create,
    fields: [
      { name: 'partner_id', label: t.referrals.partner, type: 'select', options: partners.map((x) => [x.id, x.name]), required: true },
      { name: 'need', label: t.referrals.need, type: 'select', options: v.need, required: true },
      { name: 'date', label: t.referrals.date, type: 'date', value: isoToday(), required: true },
      { name: 'follow_up', label: t.referrals.followUp, type: 'date' },
      { name: 'detail', label: t.referrals.detail, type: 'textarea', width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      await api.createReferral({ person_id: id, ...values });
      el.markClean();
      announce(t.referrals.created);
      await profile(id);
    },
  });
  const outcome = form({
    id: 'outcome-form',
    submit: t.persons.outcome,
    fields: [
      { name: 'kind', label: 'Sortie', type: 'select', options: v.outcome_kind, required: true },
      { name: 'date', label: 'Date', type: 'date', value: isoToday(), required: true },
      { name: 'legal_form', label: 'Forme juridique (création)', type: 'select', options: v.legal_form },
      { name: 'siret', label: 'SIRET (création)', inputmode: 'numeric' },
      { name: 'sector', label: 'Secteur (création)', type: 'select', options: v.sector },
      { name: 'note', label: 'Note', width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      await api.createOutcome({ person_id: id, ...values });
      el.markClean();
      announce(t.saved);
      await profile(id);
    },
  });

  show(
    h('div', { class: 'title-row' },
      h('h1', { id: 'person-name' }, `${p.first_name} ${p.last_name}`),
      h('a', { class: 'button secondary', href: `#/personnes/${id}/modifier` }, t.edit)),
    h('div', { class: 'columns' },
      h('section', { class: 'card' },
        h('dl', { class: 'facts' },
          row('phone', p.phone), row('email', p.email), row('quartier_id', quartier),
          row('lives_in_qpv', yesNo(p.lives_in_qpv)), row('birth_date', p.birth_date ? formatDate(p.birth_date) : null),
          row('situation', p.situation ? label(v.situation, p.situation) : null),
          row('project_title', p.project_title), row('consent_partners', yesNo(p.consent_partners)))),
      h('section', { class: 'card' }, h('h2', {}, t.persons.timeline),
        items.length
          ? h('ol', { class: 'timeline', id: 'timeline' }, items.map((i) => h('li', { class: i.kind }, h('time', { datetime: i.date }, formatDate(i.date)), ' ', i.summary)))
          : h('p', { class: 'muted' }, t.persons.noTimeline))),
    h('details', { class: 'card' }, h('summary', {}, t.persons.refer), referral),
    h('details', { class: 'card' }, h('summary', {}, t.persons.outcome), outcome),
  );
}


