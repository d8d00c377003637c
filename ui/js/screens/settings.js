// Réglages: the officer's profile, territory and quartiers, security, personal data (retention),
// synchronisation, this device.
import { t } from '../strings.js';
import { api, vocab, fieldLabel } from '../ipc.js';
import { h, show, form, announce, table } from '../dom.js';
import { syncSection } from './sync.js';
import { securitySection } from './security.js';
import { retentionSection } from './retention.js';
import { journalSection } from './journal.js';
import { importSection } from './import.js';

const S = t.settings;

/** The letterhead logo: the current one, choose a PNG, or back to the default. */
function logoSection(o) {
  const message = h('p', { 'aria-live': 'polite' });
  const choose = h('button', { type: 'button', class: 'secondary', id: 'logo-choose' }, S.logoChoose);
  choose.addEventListener('click', async () => {
    message.textContent = '';
    try {
      const path = await api.choosePng(S.logoChoose);
      if (!path) return;
      await api.setLetterLogo(path);
      announce(S.logoSaved);
      await render();
    } catch (err) {
      message.className = 'field-error';
      message.textContent = err?.message || t.errorUnexpected;
    }
  });
  const reset = o.logo ? h('button', { type: 'button', class: 'link', id: 'logo-remove' }, S.logoRemove) : null;
  reset?.addEventListener('click', async () => { await api.setLetterLogo(null); announce(S.logoSaved); await render(); });
  const current = o.logo ? h('img', { class: 'logo-current', alt: S.logoCurrent, src: `data:image/png;base64,${o.logo}` }) : null;
  return h('section', { class: 'card' }, h('h2', {}, S.logo), h('p', { class: 'hint' }, S.logoHint),
    current, h('div', { class: 'actions' }, choose, reset), message);
}

/** The letter templates: pick one, edit it beside the list of placeholders. */
async function templatesSection() {
  const [{ templates, placeholders }, v] = await Promise.all([api.letterTemplates(), vocab()]);
  const box = h('div', { id: 'template-editor-box' });
  const picker = h('select', { id: 'template-choice' },
    templates.map((tpl) => h('option', { value: tpl.id }, tpl.name)),
    h('option', { value: 'new' }, S.templateNew));

  function editor(id) {
    const tpl = templates.find((x) => x.id === id) || { name: '', partner_kind: null, subject: S.newTemplateSubject, body: '' };
    const el = form({
      id: 'template-form',
      fields: [
        { name: 'name', label: fieldLabel('letter_template', 'name'), value: tpl.name, required: true },
        { name: 'partner_kind', label: fieldLabel('letter_template', 'partner_kind'), type: 'select', options: v.partner_kind, value: tpl.partner_kind ?? '', empty: S.templateAnyPartner },
        { name: 'subject', label: fieldLabel('letter_template', 'subject'), value: tpl.subject, required: true, width: 'wide' },
        { name: 'body', label: fieldLabel('letter_template', 'body'), type: 'textarea', rows: 22, value: tpl.body, required: true, width: 'wide' },
      ],
      onSubmit: async (values, f) => {
        const saved = await api.saveLetterTemplate(id === 'new' ? null : id, values);
        f.markClean();
        announce(t.saved);
        chosen = saved;
        await render();
      },
    });
    const body = el.control('body');
    const insert = (name) => {
      const text = `{${name}}`;
      const start = body.selectionStart ?? body.value.length;
      body.setRangeText(text, start, body.selectionEnd ?? start, 'end');
      body.dispatchEvent(new Event('input', { bubbles: true }));
      body.focus();
    };
    const list = h('aside', { class: 'placeholders', 'aria-label': S.placeholders },
      h('h3', {}, S.placeholders), h('p', { class: 'hint' }, S.placeholdersHint),
      h('dl', {}, placeholders.map((p) => [
        h('dt', {}, h('button', { type: 'button', class: 'link', onclick: () => insert(p.name) }, `{${p.name}}`)),
        h('dd', {}, p.description),
      ])));
    box.replaceChildren(h('div', { class: 'template-editor' }, el, list));
  }
  if (chosen && templates.some((x) => x.id === chosen)) picker.value = chosen;
  picker.addEventListener('change', () => { chosen = picker.value; editor(picker.value); });
  editor(picker.value);
  return h('section', { class: 'card', id: 'templates' }, h('h2', {}, S.templates), h('p', { class: 'hint' }, S.templatesIntro),
    h('div', { class: 'field narrow' }, h('label', { for: 'template-choice' }, S.templateChoice), picker), box);
}

let chosen = null;

export async function render() {
  const [s] = await Promise.all([api.settings(), vocab()]);
  const o = s.officer || {};
  const officer = form({
    id: 'officer-form',
    fields: ['name', 'title', 'structure', 'phone', 'email', 'address', 'postcode', 'city'].map((name) => ({
      name, label: fieldLabel('officer', name), value: o[name] ?? '', required: name === 'name', type: name === 'email' ? 'email' : name === 'phone' ? 'tel' : 'text',
      hint: name === 'city' ? S.cityHint : null,
    })).concat([{ name: 'signature', label: fieldLabel('officer', 'signature'), hint: S.signatureHint, type: 'textarea', value: o.signature ?? '', width: 'wide' }]),
    onSubmit: async (values, el) => { await api.saveOfficer(s.officer?.id ?? null, values); el.markClean(); announce(t.saved); await render(); },
  });
  const territory = form({
    id: 'territory-form',
    submit: S.addTerritory,
    fields: [{ name: 'name', label: S.territoryName, hint: S.territoryHint, required: true }],
    onSubmit: async (values, el) => { await api.createTerritory(values.name ?? ''); el.markClean(); announce(t.saved); await render(); },
  });
  const quartier = s.territories.length ? form({
    id: 'quartier-form',
    submit: S.addQuartier,
    fields: [
      { name: 'territory_id', label: S.quartierFields.territory_id, type: 'select', options: s.territories.map((x) => [x.id, x.name]), value: s.territories[0].id, empty: false },
      { name: 'name', label: S.quartierFields.name, required: true },
      { name: 'commune', label: S.quartierFields.commune },
      { name: 'qpv_code', label: S.quartierFields.qpv_code },
      { name: 'is_qpv', label: S.quartierFields.is_qpv, type: 'checkbox', value: true },
    ],
    onSubmit: async (values, el) => { await api.saveQuartier(null, values); el.markClean(); announce(t.saved); await render(); },
  }) : null;
  show(
    h('h1', {}, S.title),
    h('section', { class: 'card' }, h('h2', {}, S.officer), officer),
    s.officer ? logoSection(o) : null,
    await templatesSection(),
    importSection(),
    h('section', { class: 'card' }, h('h2', {}, S.territory),
      s.territories.length ? h('p', {}, s.territories.map((x) => x.name).join(', ')) : null,
      s.quartiers.length ? table([
        { label: S.quartierFields.name, cell: (q) => q.name },
        { label: S.quartierFields.commune, cell: (q) => q.commune ?? t.none },
        { label: 'QPV', cell: (q) => (q.is_qpv ? t.yes : t.no) },
      ], s.quartiers, S.quartiers) : null,
      h('details', {}, h('summary', {}, S.addTerritory), territory),
      quartier ? h('details', {}, h('summary', {}, S.addQuartier), quartier) : null),
    await securitySection(),
    await retentionSection(),
    journalSection(),
    await syncSection(),
    h('section', { class: 'card' }, h('h2', {}, S.device),
      h('p', { class: 'muted' }, `${S.database} : `, h('code', {}, s.database))),
  );
}
