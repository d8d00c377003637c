// Bilan: the year's figures as cards and inline SVG charts, every indicator in a table, and
// the yearly file for funders. Every number comes from the engine's one computation
// (report::indicators), the same the exported files hold.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, table } from '../dom.js';
import { formatNumber } from '../format.js';

const B = t.bilan;
const SVG = 'http://www.w3.org/2000/svg';
const percent = new Intl.NumberFormat('fr-FR', { style: 'percent', maximumFractionDigits: 1 });
const share = (part, whole) => (whole ? part / whole : 0);
// Status colours, from "à envoyer" to "sans suite".
const STATUS_COLOURS = ['#c9c9c9', '#7fb3c2', '#2f7d95', '#16566b', '#a35a3a'];

let year = null;

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** Vertical bars, one per month. */
function monthChart(values) {
  const W = 720; const H = 220; const base = 190; const top = 24;
  const max = Math.max(1, ...values);
  const slot = W / 12;
  const months = B.shortMonths;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart chart-wide', role: 'img', 'aria-label': B.perMonth });
  root.append(svg('line', { x1: 0, y1: base, x2: W, y2: base, stroke: '#999' }));
  values.forEach((n, m) => {
    const height = ((base - top) * n) / max;
    const x = m * slot;
    root.append(svg('rect', { x: x + slot * 0.18, y: base - height, width: slot * 0.64, height, fill: '#2f7d95' }));
    root.append(svg('text', { x: x + slot / 2, y: base - height - 5, 'text-anchor': 'middle', class: 'chart-value' }, formatNumber(n)));
    root.append(svg('text', { x: x + slot / 2, y: base + 18, 'text-anchor': 'middle', class: 'chart-label' }, months[m]));
  });
  return root;
}

/** Horizontal bars; each item is { label, parts: [numbers] } stacked with `colours`. */
function barChart(items, colours, label) {
  if (!items.length) return h('p', { class: 'muted' }, B.none);
  const row = 26; const labelWidth = 230; const W = 720;
  const H = items.length * row + 8;
  const max = Math.max(1, ...items.map((i) => i.parts.reduce((a, b) => a + b, 0)));
  const barMax = W - labelWidth - 60;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': label });
  items.forEach((item, n) => {
    const y = n * row + 4;
    const name = item.label.length > 34 ? `${item.label.slice(0, 33)}…` : item.label;
    root.append(svg('text', { x: 0, y: y + 15, class: 'chart-label' }, name));
    let x = labelWidth;
    item.parts.forEach((part, p) => {
      const width = (barMax * part) / max;
      if (width > 0) root.append(svg('rect', { x, y, width, height: 18, fill: colours[p % colours.length] }));
      x += width;
    });
    const total = item.parts.reduce((a, b) => a + b, 0);
    root.append(svg('text', { x: x + 6, y: y + 15, class: 'chart-value' }, formatNumber(total)));
  });
  return root;
}

function card(value, label, detail) {
  return h('div', { class: 'figure' }, h('p', { class: 'figure-value' }, value), h('p', { class: 'figure-label' }, label),
    detail ? h('p', { class: 'figure-detail' }, detail) : null);
}

function exportSection() {
  const format = h('select', { id: 'export-format' }, B.formats.map(([code, text]) => h('option', { value: code }, text)));
  const names = h('input', { type: 'checkbox', id: 'export-names' });
  const button = h('button', { type: 'button', id: 'export-button' }, B.export);
  const progress = h('progress', { id: 'export-progress', max: 1, value: 0, hidden: true });
  const result = h('div', { id: 'export-result', 'aria-live': 'polite' });
  button.addEventListener('click', async () => {
    result.replaceChildren();
    const ext = format.value;
    const chosen = await api.chooseExportDestination(B.exportTitle, B.fileName(year, ext),
      B.formats.find(([c]) => c === ext)[1], ext).catch(() => null);
    if (!chosen) return;
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    const stop = await api.onExportProgress(({ done, total }) => { progress.max = total; progress.value = done; });
    try {
      const exported = await api.exportReport(year, chosen, names.checked);
      const open = h('button', { type: 'button', class: 'secondary', id: 'export-open' }, B.open);
      open.addEventListener('click', () => api.openExported(exported.path).catch((err) => {
        result.append(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
      }));
      result.append(h('p', {}, B.exported(exported.path)), open);
    } catch (err) {
      result.append(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
    } finally {
      stop();
      button.disabled = false;
      progress.hidden = true;
    }
  });
  return h('section', { class: 'card', id: 'export' }, h('h2', {}, B.exportTitle), h('p', { class: 'hint' }, B.exportHint),
    h('div', { class: 'letter-controls' },
      h('div', { class: 'field' }, h('label', { for: 'export-format' }, B.format), format),
      h('div', { class: 'field field-check' }, names, h('label', { for: 'export-names' }, B.withNames)),
      h('div', { class: 'actions' }, button)),
    progress, result);
}

export async function render() {
  if (year === null) year = new Date().getFullYear();
  const report = await api.report(year);
  const i = report.indicators;
  const r = i.persons_received;

  const select = h('select', { id: 'bilan-year' }, report.years.map((y) => h('option', { value: y, selected: y === year }, String(y))));
  select.addEventListener('change', () => { year = Number(select.value); render(); });

  const figures = h('div', { class: 'figures' },
    card(formatNumber(r), B.received, B.newOnes(formatNumber(i.persons_new))),
    card(percent.format(share(i.women, r)), B.women),
    card(percent.format(share(i.under_26, r)), B.under26, B.under25(percent.format(share(i.under_25, r)))),
    card(percent.format(share(i.living_in_qpv, r)), B.qpv),
    card(formatNumber(i.people_reached), B.reached, B.anonymous(formatNumber(i.anonymous_people))),
    card(formatNumber(i.permanences_held), B.permanences, B.visitors(formatNumber(i.permanence_visitors))),
    card(formatNumber(i.meetings), B.meetings, B.attendees(formatNumber(i.meeting_attendees))),
    card(formatNumber(i.referrals), B.referrals),
    card(formatNumber(i.businesses_created), B.created, B.rate(percent.format(report.creation_rate))));

  const statuses = i.referrals_by_status.map((s) => s.label);
  const legend = h('ul', { class: 'legend' }, statuses.map((s, n) => {
    // Colours as SVG fills, not inline styles (strict CSP).
    const swatch = svg('svg', { width: 12, height: 12, 'aria-hidden': 'true' });
    swatch.append(svg('rect', { width: 12, height: 12, fill: STATUS_COLOURS[n] }));
    return h('li', {}, swatch, s);
  }));

  show(
    h('h1', {}, `${B.title} ${year}`),
    h('div', { class: 'field narrow' }, h('label', { for: 'bilan-year' }, B.year), select),
    figures,
    h('section', { class: 'card' }, h('h2', {}, B.perMonth), monthChart(i.contacts_per_month)),
    h('div', { class: 'charts' },
      h('section', { class: 'card' }, h('h2', {}, B.byQuartier),
        barChart(i.by_quartier.filter((q) => q.count > 0).map((q) => ({ label: q.label, parts: [q.count] })), ['#2f7d95'], B.byQuartier)),
      h('section', { class: 'card' }, h('h2', {}, B.byPartner), legend,
        barChart(i.referrals_by_partner.map((p) => ({ label: p.partner, parts: p.by_status })), STATUS_COLOURS, B.byPartner)),
      h('section', { class: 'card' }, h('h2', {}, B.outcomes),
        barChart(i.outcomes_by_kind.map((o) => ({ label: o.label, parts: [o.count] })), ['#16566b'], B.outcomes))),
    exportSection(),
    h('details', { class: 'card', id: 'bilan-rules' }, h('summary', {}, B.howCounted),
      h('dl', { class: 'rules' }, B.rules.map(([term, text]) => [h('dt', {}, term), h('dd', {}, text)])),
      h('p', { class: 'hint' }, B.definitions)),
    h('details', { class: 'card' }, h('summary', {}, B.synthesis),
      h('p', { class: 'hint' }, B.definitions),
      table([
        { label: B.columns.section, cell: (l) => l.section },
        { label: B.columns.indicator, cell: (l) => l.label },
        { label: B.columns.value, cell: (l) => (l.value.type === 'share' ? percent.format(l.value.value) : formatNumber(l.value.value)) },
      ], report.synthesis)),
  );
}
