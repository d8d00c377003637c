// Réglages: the officer's profile, territory and quartiers, synchronisation, this device.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, form, announce, table } from '../dom.js';
import { syncSection } from './sync.js';

const S = t.settings;

export async function render() {
  const s = await api.settings();
  const o = s.officer || {};
  const officer = form({
    id: 'officer-form',
    fields: ['name', 'title', 'structure', 'phone', 'email'].map((name) => ({
      name, label: S.fields[name], value: o[name] ?? '', required: name === 'name', type: name === 'email' ? 'email' : name === 'phone' ? 'tel' : 'text',
    })).concat([{ name: 'signature', label: S.fields.signature, type: 'textarea', value: o.signature ?? '', width: 'wide' }]),
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
    h('section', { class: 'card' }, h('h2', {}, S.territory),
      s.territories.length ? h('p', {}, s.territories.map((x) => x.name).join(', ')) : null,
      s.quartiers.length ? table([
        { label: S.quartierFields.name, cell: (q) => q.name },
        { label: S.quartierFields.commune, cell: (q) => q.commune ?? t.none },
        { label: 'QPV', cell: (q) => (q.is_qpv ? t.yes : t.no) },
      ], s.quartiers, S.quartiers) : null,
      h('details', {}, h('summary', {}, S.addTerritory), territory),
      quartier ? h('details', {}, h('summary', {}, S.addQuartier), quartier) : null),
    await syncSection(),
    h('section', { class: 'card' }, h('h2', {}, S.device),
      h('p', { class: 'muted' }, `${S.database} : `, h('code', {}, s.database))),
  );
}
