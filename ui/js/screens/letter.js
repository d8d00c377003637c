// Lettre d'orientation: choose the template and the date, see the first page as it will
// print, then save the PDF (native dialog) or open it in the system viewer to print it.
// The preview is drawn from the engine's own layout, so what is shown is what prints.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show, announce } from '../dom.js';
import { frDate, isoFromFr, isoToday } from '../format.js';

const L = t.letter;
const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, text = null) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** Draws one laid-out page: runs at their PDF positions, stretched to their PDF width. */
export function drawPage(preview, page) {
  const W = preview.page_width;
  const H = preview.page_height;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'letter-page', role: 'img', 'aria-label': L.preview });
  root.append(svg('rect', { x: 0, y: 0, width: W, height: H, fill: '#fff' }));
  if (page.logo && preview.logo_png) {
    const img = svg('image', {
      x: page.logo.x, y: H - page.logo.y - page.logo.height, width: page.logo.width, height: page.logo.height,
      preserveAspectRatio: 'none',
    });
    img.setAttribute('href', `data:image/png;base64,${preview.logo_png}`);
    root.append(img);
  }
  for (const [x1, y1, x2, y2] of page.rules) {
    root.append(svg('line', { x1, y1: H - y1, x2, y2: H - y2, stroke: '#b3b3b3', 'stroke-width': 0.5 }));
  }
  for (const run of page.runs) {
    root.append(svg('text', {
      x: run.x, y: H - run.y, 'font-size': run.size, 'font-weight': run.bold ? 700 : 400,
      fill: run.grey ? '#555' : '#000', textLength: run.width.toFixed(2), lengthAdjust: 'spacingAndGlyphs',
      'xml:space': 'preserve',
    }, run.text));
  }
  return root;
}

export async function render(referralId) {
  const [{ templates }, referral] = await Promise.all([api.letterTemplates(), api.getReferral(referralId)]);
  let template = null;
  let preview = null;

  const templateSelect = h('select', { id: 'letter-template' },
    h('option', { value: '' }, `${t.letter.template} du partenaire`),
    templates.map((tpl) => h('option', { value: tpl.id }, tpl.name)));
  const dateInput = h('input', { id: 'letter-date', type: 'text', class: 'input-date', inputmode: 'numeric', placeholder: 'jj/mm/aaaa', value: frDate(isoToday()) });
  const error = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const status = h('p', { class: 'muted', id: 'letter-status', 'aria-live': 'polite' });
  const pageBox = h('div', { class: 'letter-preview', id: 'letter-preview' });
  const saveButton = h('button', { type: 'button', id: 'letter-save' }, L.save);
  const openButton = h('button', { type: 'button', class: 'secondary', id: 'letter-open' }, L.open);

  const fail = (err) => {
    error.replaceChildren(h('p', {}, err?.message || t.errorUnexpected));
    error.hidden = false;
    error.focus();
  };
  const date = () => isoFromFr(dateInput.value);

  async function refresh() {
    error.hidden = true;
    status.textContent = L.working;
    try {
      preview = await api.previewLetter(referralId, templateSelect.value || null, date());
      template = preview.template_id;
      templateSelect.value = template;
      pageBox.replaceChildren(drawPage(preview, preview.pages[0]));
      status.textContent = L.pages(preview.pages.length);
    } catch (err) {
      pageBox.replaceChildren();
      status.textContent = '';
      fail(err);
    }
    saveButton.disabled = openButton.disabled = !preview;
  }

  const done = (saved) => {
    status.textContent = L.saved(saved.path) + (saved.sent ? L.sent : '');
    announce(L.saved(saved.path));
  };
  saveButton.addEventListener('click', async () => {
    error.hidden = true;
    try {
      const path = await api.choosePdfDestination(L.saveTitle, preview?.file_name);
      if (!path) return;
      done(await api.saveLetter(referralId, template, date(), path));
    } catch (err) { fail(err); }
  });
  openButton.addEventListener('click', async () => {
    error.hidden = true;
    try { done(await api.openLetter(referralId, template, date())); } catch (err) { fail(err); }
  });
  templateSelect.addEventListener('change', refresh);
  dateInput.addEventListener('change', refresh);

  show(
    h('p', {}, h('a', { href: '#/orientations' }, L.back)),
    h('h1', {}, L.title, referral ? ` — ${referral.person_name}, ${referral.partner_name}` : ''),
    error,
    h('div', { class: 'letter-controls' },
      h('div', { class: 'field' }, h('label', { for: 'letter-template' }, L.template), templateSelect),
      h('div', { class: 'field' }, h('label', { for: 'letter-date' }, L.date), dateInput),
      h('div', { class: 'actions' }, saveButton, openButton)),
    status,
    pageBox,
  );
  await refresh();
}
