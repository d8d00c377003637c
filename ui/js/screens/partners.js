// Partenaires: the directory, editable.
import { t } from '../strings.js';
import { api, vocab, label, fieldLabel } from '../ipc.js';
import { h, show, form, announce } from '../dom.js';

const F = (name) => fieldLabel('partner', name);

export async function render([id]) {
  const [v, partners] = await Promise.all([vocab(), api.listPartners()]);
  const current = partners.find((p) => p.id === id);
  const p = current || {};
  const f = (name, extra = {}) => ({ name, label: F(name), value: p[name] ?? '', ...extra });
  const editor = form({
    id: 'partner-form',
    fields: [
      f('name', { required: true }), f('kind', { type: 'select', options: v.partner_kind, required: true }),
      f('description', { width: 'wide' }), f('contact_name'), f('phone', { type: 'tel' }), f('email', { type: 'email' }),
      f('address', { width: 'wide' }), f('postcode'), f('city'), f('note', { type: 'textarea', width: 'wide' }),
    ],
    cancel: current ? () => { location.hash = '#/partenaires'; } : null,
    onSubmit: async (values, el) => {
      if (current) await api.updatePartner(current.id, values); else await api.createPartner(values);
      el.markClean();
      announce(t.saved);
      if (location.hash === '#/partenaires') await render([]); else location.hash = '#/partenaires';
    },
  });
  show(
    h('h1', {}, t.partners.title),
    h('p', { class: 'hint' }, t.partners.addressHint),
    h('div', { class: 'columns' },
      h('section', { class: 'card' },
        h('ul', { class: 'directory' }, partners.map((x) => h('li', { 'aria-current': x.id === id ? 'true' : null },
          h('a', { href: `#/partenaires/${x.id}` }, x.name),
          h('span', { class: 'muted' }, ` · ${label(v.partner_kind, x.kind)}`),
          x.city ? h('span', { class: 'muted' }, ` · ${x.city}`) : null,
          x.address ? null : h('a', { class: 'missing-address', href: `#/partenaires/${x.id}` }, t.partners.noAddress))))),
      h('section', { class: 'card' }, h('h2', {}, current ? `${t.edit} : ${p.name}` : t.partners.add), editor)),
  );
}
