// Orientations: every referral by status, moved along its history in place.
import { t } from '../strings.js';
import { api, vocab, label } from '../ipc.js';
import { h, show, announce, table } from '../dom.js';
import { formatNumeric, isoToday, frDate, isoFromFr } from '../format.js';

let filter = '';

export async function render() {
  const [v, rows] = await Promise.all([vocab(), api.listReferrals(filter || null)]);
  const select = h('select', { id: 'referral-filter' },
    h('option', { value: '' }, t.referrals.all),
    v.referral_status.map(([code, text]) => h('option', { value: code, selected: code === filter }, text)));
  select.addEventListener('change', () => { filter = select.value; render(); });

  const mover = (r) => {
    // The next steps first (envoyée after à envoyer…), then going back.
    const at = v.referral_status.findIndex(([c]) => c === r.status);
    const order = [...v.referral_status.slice(at + 1), ...v.referral_status.slice(0, Math.max(at, 0))];
    const status = h('select', { 'aria-label': `${t.referrals.moveTo} — ${r.person_name}` },
      order.map(([code, text]) => h('option', { value: code }, text)));
    const date = h('input', { type: 'text', class: 'input-date', inputmode: 'numeric', placeholder: 'jj/mm/aaaa', value: frDate(isoToday()), 'aria-label': `${t.referrals.moveDate} — ${r.person_name}` });
    const error = h('span', { class: 'field-error', role: 'alert' });
    const button = h('button', { type: 'button', class: 'small' }, t.referrals.move);
    button.addEventListener('click', async () => {
      error.textContent = '';
      try {
        await api.moveReferral(r.id, status.value, isoFromFr(date.value));
        announce(t.referrals.moved);
        await render();
      } catch (err) {
        error.textContent = err?.message || t.errorUnexpected;
      }
    });
    return h('div', { class: 'inline', 'data-referral': r.id }, status, date, button, error);
  };

  show(
    h('h1', {}, t.referrals.title),
    h('div', { class: 'field narrow' }, h('label', { for: 'referral-filter' }, t.referrals.filter), select),
    rows.length
      ? table([
        { label: t.referrals.date, cell: (r) => formatNumeric(r.date) },
        { label: t.referrals.person, cell: (r) => h('a', { href: `#/personnes/${r.person_id}` }, r.person_name) },
        { label: t.referrals.partner, cell: (r) => r.partner_name },
        { label: t.referrals.need, cell: (r) => label(v.need, r.need) },
        { label: t.referrals.status, cell: (r) => h('span', { class: `badge ${r.status}` }, label(v.referral_status, r.status)) },
        { label: t.referrals.followUp, cell: (r) => formatNumeric(r.follow_up) },
        { label: t.referrals.move, cell: mover },
      ], rows)
      : h('p', { class: 'muted' }, t.referrals.none),
  );
}
