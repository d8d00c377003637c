// Personnes: search as you type, create and edit with every reporting field, the profile
// with its timeline, referrals and outcomes.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { h, show, form, announce, confirmDelete, confirmDialog, hitDetails } from '../dom.js';
import { formatDate, formatNumeric, isoToday } from '../format.js';
import { existingOrNew } from '../duplicates.js';

const F = (name) => fieldLabel('person', name);

export async function render([id, action]) {
  if (id === 'nouvelle') return editor(null);
  if (id && action === 'modifier') return editor(id);
  if (id) return profile(id);
  return list();
}

let lastQuery = '';
const PAGE = 50;

async function list() {
  const input = h('input', { id: 'person-search', type: 'search', autocomplete: 'off', 'aria-describedby': 'person-search-hint' });
  input.value = lastQuery;
  const results = h('div', { id: 'person-results', 'aria-live': 'polite' });
  let seq = 0;
  let offset = 0;
  async function refresh() {
    const mine = ++seq;
    lastQuery = input.value;
    const found = await api.searchPersons(input.value, { offset, limit: PAGE });
    if (mine !== seq) return;
    const pager = found.total > PAGE
      ? h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary small', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); refresh(); } }, t.persons.previous),
        h('span', {}, `${offset + 1}–${Math.min(offset + PAGE, found.total)} / ${found.total}`),
        h('button', { type: 'button', class: 'secondary small', id: 'person-next', disabled: offset + PAGE >= found.total, onclick: () => { offset += PAGE; refresh(); } }, t.persons.next))
      : null;
    results.replaceChildren(...[
      h('p', { id: 'person-count', class: 'muted' }, t.persons.results(found.total)),
      found.hits.length
        ? h('ul', { class: 'results' }, found.hits.map((p) => h('li', {},
          h('a', { href: `#/personnes/${p.id}` }, `${p.last_name} ${p.first_name}`),
          hitDetails(p) ? h('span', { class: 'muted' }, ` · ${hitDetails(p)}`) : null)))
        : h('p', { class: 'muted' }, t.persons.none),
      pager].filter(Boolean));
    results.dataset.query = input.value;
  }
  input.addEventListener('input', () => { offset = 0; refresh(); });
  show(
    h('div', { class: 'title-row' }, h('h1', {}, t.persons.title),
      h('span', { class: 'row-actions' },
        h('a', { class: 'button secondary', href: '#/doublons', id: 'duplicates-link' }, t.duplicates.link),
        h('a', { class: 'button', href: '#/personnes/nouvelle' }, t.persons.add))),
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
  const f = (name, extra = {}) => ({ name, label: F(name), value: p[name] ?? (extra.type === 'yesno' ? null : ''), ...extra });
  const el = form({
    id: 'person-form',
    sections: [
      { legend: t.persons.identity, fields: [f('first_name', { required: true, width: 'half' }), f('last_name', { required: true, width: 'half' }), f('gender', { type: 'select', options: v.gender }), f('birth_date', { type: 'date' })] },
      { legend: t.persons.contact, fields: [f('phone', { type: 'tel' }), f('email', { type: 'email' }), f('address', { width: 'wide' }), f('postcode'), f('city'), f('quartier_id', { type: 'combobox', options: quartiers, recent: settings.recent_quartiers }), f('lives_in_qpv', { type: 'yesno' })] },
      { legend: t.persons.situation, fields: [f('situation', { type: 'select', options: v.situation }), f('education', { type: 'select', options: v.education }), f('france_travail', { type: 'yesno' }), f('rsa', { type: 'yesno' })] },
      { legend: t.persons.consent, fields: [f('consent_date', { type: 'date' }), f('consent_contact', { type: 'yesno' }), f('consent_partners', { type: 'yesno' }), f('consent_stats', { type: 'yesno' }), { name: 'consent_how', label: t.persons.consentHow, hint: t.persons.consentHowHint, type: 'select', options: v.consent_how, value: '' }] },
      { legend: t.persons.project, fields: [f('project_title', { width: 'wide' }), f('project_sector', { type: 'select', options: v.sector }), f('project_stage', { type: 'select', options: v.project_stage }), f('note', { type: 'textarea', width: 'wide' })] },
    ],
    cancel: () => { location.hash = id ? `#/personnes/${id}` : '#/personnes'; },
    onSubmit: async (all, formEl) => {
      // How consents were given is not a field of the person: it goes to their history.
      const { consent_how: how, ...values } = all;
      if (id) {
        const undo = await api.updatePerson(id, values, how || null);
        formEl.markClean();
        announce(t.saved, { undo, onUndone: () => render([id]) });
        location.hash = `#/personnes/${id}`;
      } else {
        const choice = await existingOrNew(values);
        if (!choice) return;
        if (choice.existing) {
          formEl.markClean();
          announce(t.duplicates.usedExisting(`${choice.existing.first_name} ${choice.existing.last_name}`));
          location.hash = `#/personnes/${choice.existing.id}`;
          return;
        }
        const created = await api.createPerson(values, how || null);
        formEl.markClean();
        announce(t.saved, { undo: { steps: [{ action: 'delete', entity: 'person', id: created }] }, onUndone: () => { location.hash = '#/personnes'; } });
        location.hash = `#/personnes/${created}`;
      }
    },
  });
  // The quartier proposes QPV residence while the question is still unanswered.
  el.control('quartier_id').addEventListener('change', () => {
    const qpv = el.control('lives_in_qpv');
    const q = settings.quartiers.find((x) => x.id === el.control('quartier_id').dataset.value);
    if (qpv.value === '' && q && q.is_qpv !== null && q.is_qpv !== undefined) {
      qpv.value = q.is_qpv ? 'true' : 'false';
      qpv.dispatchEvent(new Event('change', { bubbles: true }));
    }
  });
  show(h('h1', {}, id ? `${p.first_name} ${p.last_name}` : t.persons.add), el);
  el.control('first_name').focus();
}

/** The outcome form's fields, for a new outcome or one being corrected. */
export function outcomeFields(v, o = {}) {
  const O = t.outcome;
  return [
    { name: 'kind', label: fieldLabel('outcome', 'kind'), type: 'select', options: v.outcome_kind, required: true, value: o.kind ?? '' },
    { name: 'date', label: fieldLabel('outcome', 'date'), type: 'date', value: o.date ?? isoToday(), required: true },
    { name: 'legal_form', label: fieldLabel('outcome', 'legal_form'), type: 'select', options: v.legal_form, value: o.legal_form ?? '' },
    { name: 'siret', label: fieldLabel('outcome', 'siret'), inputmode: 'numeric', value: o.siret ?? '' },
    { name: 'sector', label: fieldLabel('outcome', 'sector'), type: 'select', options: v.sector, value: o.sector ?? '' },
    { name: 'note', label: fieldLabel('outcome', 'note'), width: 'wide', value: o.note ?? '' },
  ];
}

/** Where a history line opens: the encounter, meeting, referral or outcome itself. */
function itemLink(item) {
  switch (item.kind) {
    case 'encounter': return `#/rencontres/${item.id}`;
    case 'meeting': return `#/collectives/${item.id}`;
    case 'outcome': return `#/sorties/${item.id}`;
    case 'letter': return `#/orientations/${item.referral_id}/lettre`;
    default: return `#/orientations/${item.referral_id ?? item.id}/etapes`;
  }
}

/** Her consents now, and how they came to be (given, withdrawn, when, how). */
function consentCard(c, id) {
  const P = t.persons;
  const answer = (given) => (given === true ? P.consentGiven : given === false ? P.consentRefusedShort : t.notAnswered);
  return h('section', { class: 'card', id: 'consents' }, h('h2', {}, P.consent),
    h('p', { id: 'consent-now' }, c.current.map(([, label, given], i) => [i ? ' · ' : '', `${label} : `, h('strong', {}, answer(given))])),
    c.events.length || c.recorded_before_history
      ? h('ol', { class: 'timeline', id: 'consent-history' },
        c.recorded_before_history ? h('li', {}, h('time', { datetime: c.recorded_before_history }, formatNumeric(c.recorded_before_history)), ' ', P.consentBefore) : null,
        c.events.map((e) => h('li', {}, h('time', { datetime: e.date }, formatNumeric(e.date)), ' ',
          P.consentEvent(e.kind_label, e.given), e.how_label ? h('span', { class: 'muted' }, ` · ${e.how_label}`) : null)))
      : h('p', { class: 'muted' }, P.consentNone),
    h('p', { class: 'more' }, h('a', { href: `#/personnes/${id}/modifier` }, P.consentEdit)));
}

async function profile(id) {
  const [p, items, v, settings, partners, merge, consents] = await Promise.all([api.openPerson(id), api.timeline(id), vocab(), api.settings(), api.listPartners(), api.getMergeState(id), api.getConsents(id)]);
  const P = t.persons;
  const D = t.duplicates;
  // "Séparer": the merged-away record is a person of her own again.
  const separate = (other, name) => async () => {
    if (!(await confirmDialog(D.separateTitle(name), D.separateText, D.separateYes, D.separateNo))) return;
    try {
      const undo = await api.separatePerson(other);
      announce(D.separated, { undo, onUndone: () => profile(id) });
      await profile(id);
    } catch (err) {
      announce(err?.message || t.errorUnexpected);
    }
  };
  let mergedInto = null;
  if (merge.merged_into) {
    const kept = await api.getPerson(merge.merged_into);
    const keptName = `${kept.first_name} ${kept.last_name}`;
    mergedInto = h('div', { class: 'warning-box', id: 'merged-into', role: 'note' },
      h('p', {}, D.mergedInto(keptName)),
      h('div', { class: 'actions' },
        h('a', { class: 'button', href: `#/personnes/${merge.merged_into}` }, D.openKept),
        h('button', { type: 'button', class: 'secondary', id: 'person-separate', onclick: separate(id, `${p.first_name} ${p.last_name}`) }, D.separate)));
  }
  const mergedFrom = merge.merged_from.length
    ? h('section', { class: 'card', id: 'merged-from' }, h('h2', {}, D.mergedFrom),
      h('ul', { class: 'plain' }, merge.merged_from.map((m) => h('li', { 'data-merged': m.id, class: 'entry-line' },
        h('span', {}, h('a', { href: `#/personnes/${m.id}` }, `${m.first_name} ${m.last_name}`),
          h('span', { class: 'muted' }, ' · ', m.birth_date ? D.born(formatNumeric(m.birth_date)) : D.noBirth,
            m.date ? [' · ', D.mergedOn(formatNumeric(m.date))] : null)),
        h('button', { type: 'button', class: 'small secondary', onclick: separate(m.id, `${m.first_name} ${m.last_name}`) }, D.separate)))))
    : null;
  const quartier = settings.quartiers.find((q) => q.id === p.quartier_id)?.name;
  const yesNo = (b) => (b === true ? t.yes : b === false ? t.no : t.notAnswered);
  const row = (name, value) => h('div', {}, h('dt', {}, F(name)), h('dd', {}, value ?? t.none));

  const referral = form({
    id: 'referral-form',
    submit: t.referrals.create,
    fields: [
      { name: 'partner_id', label: fieldLabel('referral', 'partner_id'), type: 'combobox', options: partners.map((x) => [x.id, x.name]), required: true },
      { name: 'need', label: fieldLabel('referral', 'need'), type: 'select', options: v.need, required: true },
      { name: 'date', label: fieldLabel('referral', 'date'), type: 'date', value: isoToday(), required: true },
      { name: 'follow_up', label: fieldLabel('referral', 'follow_up'), type: 'date' },
      { name: 'detail', label: fieldLabel('referral', 'detail'), type: 'textarea', width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      const created = await api.createReferral({ person_id: id, ...values });
      el.markClean();
      const warning = p.consent_partners === true ? '' : ` ${p.consent_partners === false ? P.consentRefused : P.consentMissing}`;
      announce(`${t.referrals.created}${warning}`, { undo: { steps: [{ action: 'delete', entity: 'referral', id: created }] }, onUndone: () => profile(id) });
      await profile(id);
    },
  });
  // Sharing with a partner needs the person's consent: say so before, not at the letter.
  if (p.consent_partners !== true) {
    referral.prepend(h('p', { class: 'warning-box', id: 'consent-warning', role: 'note' },
      p.consent_partners === false ? P.consentRefused : P.consentMissing, ' ',
      h('a', { href: `#/personnes/${id}/modifier` }, P.consentEdit)));
  }
  const meet = form({
    id: 'person-encounter-form',
    submit: t.today.record,
    fields: [
      { name: 'kind', label: fieldLabel('encounter', 'kind'), type: 'select', options: v.encounter_kind, value: 'interview', empty: false, required: true },
      { name: 'date', label: fieldLabel('encounter', 'date'), type: 'date', value: isoToday(), required: true },
      { name: 'quartier_id', label: fieldLabel('encounter', 'quartier_id'), type: 'combobox', options: settings.quartiers.map((q) => [q.id, q.name]), recent: settings.recent_quartiers, value: p.quartier_id ?? '' },
      { name: 'phase', label: fieldLabel('encounter', 'phase'), type: 'select', options: v.phase },
      { name: 'follow_up', label: fieldLabel('encounter', 'follow_up'), type: 'date' },
      { name: 'note', label: fieldLabel('encounter', 'note'), type: 'textarea', width: 'wide' },
    ],
    onSubmit: async (values, el) => {
      const recorded = await api.recordEncounter({ ...values, person_id: id, head_count: null, permanence_id: null, follow_up_done: null });
      el.markClean();
      announce(t.encounter.recorded + '.', { undo: recorded.undo, onUndone: () => profile(id) });
      await profile(id);
    },
  });
  const outcome = form({
    id: 'outcome-form',
    submit: P.outcome,
    fields: outcomeFields(v),
    onSubmit: async (values, el) => {
      const created = await api.createOutcome({ person_id: id, ...values });
      el.markClean();
      announce(t.saved, { undo: { steps: [{ action: 'delete', entity: 'outcome', id: created }] }, onUndone: () => profile(id) });
      await profile(id);
    },
  });
  const remove = h('button', { type: 'button', class: 'danger', id: 'person-delete' }, P.delete);
  remove.addEventListener('click', () => confirmDelete({
    title: P.deleteTitle(`${p.first_name} ${p.last_name}`),
    text: P.deleteText,
    done: P.deleted,
    remove: () => api.deletePerson(id),
    onDone: () => { location.hash = '#/personnes'; },
  }));
  const erase = h('button', { type: 'button', class: 'danger secondary', id: 'person-erase' }, P.erase);
  erase.addEventListener('click', async () => {
    try {
      const what = await api.erasurePreview(id);
      if (!(await confirmDialog(P.eraseTitle(`${p.first_name} ${p.last_name}`), P.eraseText(what), P.eraseYes, P.eraseNo))) return;
      // Erasing ends with a rewrite of the whole notebook file (a second or two on years of
      // data): the button says it is at work.
      erase.disabled = true;
      erase.textContent = P.erasing;
      erase.setAttribute('aria-busy', 'true');
      await api.erasePerson(id);
      announce(P.erased);
      location.hash = '#/personnes';
    } catch (err) {
      erase.disabled = false;
      erase.textContent = P.erase;
      erase.removeAttribute('aria-busy');
      announce(err?.message || t.errorUnexpected);
    }
  });
  // Right of access: everything held on her, in a ZIP she can read (letter, data, letters).
  const exportData = h('button', { type: 'button', class: 'secondary', id: 'person-export' }, P.exportData);
  exportData.addEventListener('click', async () => {
    try {
      const path = await api.chooseExportDestination(P.exportTitle, P.exportFileName(isoToday(), id), P.exportFilter, 'zip');
      if (!path) return;
      exportData.disabled = true;
      const bytes = await api.exportPersonData(id, path);
      announce(P.exported(path, bytes));
    } catch (err) {
      announce(err?.message || t.errorUnexpected);
    } finally {
      exportData.disabled = false;
    }
  });
  const open = (sectionId) => () => {
    const details = document.getElementById(sectionId);
    details.open = true;
    details.querySelector('select, input, textarea')?.focus();
  };
  const history = items.slice().reverse();
  const latestReferral = history.find((i) => i.kind === 'referral');

  show(
    mergedInto,
    h('div', { class: 'title-row' },
      h('h1', { id: 'person-name' }, `${p.first_name} ${p.last_name}`),
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', id: 'new-encounter', onclick: open('encounter-section') }, P.newEncounter),
        h('button', { type: 'button', class: 'secondary', onclick: open('referral-section') }, P.refer),
        latestReferral ? h('a', { class: 'button secondary', href: `#/orientations/${latestReferral.id}/lettre` }, P.letter) : null,
        h('a', { class: 'button secondary', href: `#/personnes/${id}/modifier` }, t.edit))),
    h('div', { class: 'columns' },
      h('section', { class: 'card' },
        h('dl', { class: 'facts' },
          row('phone', p.phone), row('email', p.email), row('quartier_id', quartier),
          row('lives_in_qpv', yesNo(p.lives_in_qpv)), row('birth_date', p.birth_date ? formatDate(p.birth_date) : null),
          row('situation', p.situation ? label(v.situation, p.situation) : null),
          row('project_title', p.project_title), row('consent_partners', yesNo(p.consent_partners))),
        p.note ? [h('h2', {}, F('note')), h('p', { class: 'person-note', id: 'person-note' }, p.note)] : null),
      h('section', { class: 'card' }, h('h2', {}, P.timeline),
        history.length
          ? h('ol', { class: 'timeline', id: 'timeline' }, history.map((i) => h('li', { class: i.kind },
            h('time', { datetime: i.date }, formatNumeric(i.date)), ' ',
            h('a', { href: itemLink(i) }, i.summary),
            i.detail ? h('span', { class: 'muted' }, ` · ${i.detail}`) : null)))
          : h('p', { class: 'muted' }, P.noTimeline))),
    mergedFrom,
    consentCard(consents, id),
    h('details', { class: 'card', id: 'encounter-section' }, h('summary', {}, P.newEncounter), meet),
    h('details', { class: 'card', id: 'referral-section' }, h('summary', {}, P.refer), referral),
    h('details', { class: 'card' }, h('summary', {}, P.outcome), outcome),
    h('div', { class: 'actions' }, exportData, remove, erase),
  );
}
