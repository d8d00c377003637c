// Dates and numbers the French way, through Intl.
const dateFmt = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const shortFmt = new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
const numericFmt = new Intl.DateTimeFormat('fr-FR', { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: 'UTC' });
const numFmt = new Intl.NumberFormat('fr-FR');

function parse(iso) {
  const [y, m, d] = iso.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export const formatDate = (iso) => (iso ? dateFmt.format(parse(iso)) : '—');
export const formatShort = (iso) => (iso ? shortFmt.format(parse(iso)) : '—');
export const formatNumeric = (iso) => (iso ? numericFmt.format(parse(iso)) : '—');
export const formatNumber = (n) => numFmt.format(n);

export function isoToday() {
  const now = new Date();
  const local = new Date(now.getTime() - now.getTimezoneOffset() * 60000);
  return local.toISOString().slice(0, 10);
}

export function addDays(iso, days) {
  const d = parse(iso);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function mondayOf(iso) {
  const d = parse(iso);
  const offset = (d.getUTCDay() + 6) % 7;
  return addDays(iso, -offset);
}

/** ISO date → what the officer reads and types: 25/11/2026. */
export function frDate(iso) {
  if (!iso) return '';
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** What the officer typed (25/11/2026, 25-11-2026, 25.11.2026 or ISO) → ISO, or the text as
 * typed when it is not a date (the engine then refuses it with a message). */
export function isoFromFr(text) {
  const value = (text || '').trim();
  const fr = value.match(/^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/);
  if (fr) return `${fr[3]}-${fr[2].padStart(2, '0')}-${fr[1].padStart(2, '0')}`;
  return value;
}
