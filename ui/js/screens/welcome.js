// The welcome on the first start ("Premiers pas"), after the notebook's passphrase: either
// she starts her notebook (her profile, her territory picked from the known ones or typed,
// the local addresses of her partners) or she joins a team (the shared folder, the team's
// passphrase, the first sync with its progress, then her own profile). Every step writes what
// Réglages writes, so each can be changed there later; once done, it never shows again.
import { t } from '../strings.js';
import { api, vocab, fieldLabel } from '../ipc.js';
import { h, show, form, announce, strengthHint } from '../dom.js';
import { syncSummary, syncProgressView } from './sync.js';

const W = () => t.welcome;

/** Where the officer is in the welcome: { path: 'new' | 'join', step } or null (the choice). */
let at = null;

function go(path, step) {
  at = path ? { path, step } : null;
  return render();
}

function steps(path) {
  return path === 'join' ? ['folder', 'profile', 'done'] : ['profile', 'territory', 'partners', 'done'];
}

function heading(title) {
  const all = steps(at.path);
  const k = all.indexOf(at.step) + 1;
  return [h('h1', {}, W().title), h('p', { class: 'step-count', id: 'welcome-step' }, W().stepOf(k, all.length)), h('h2', {}, title)];
}

function next() {
  const all = steps(at.path);
  return go(at.path, all[all.indexOf(at.step) + 1]);
}

async function profileStep() {
  const [settings] = await Promise.all([api.settings(), vocab()]);
  const o = settings.officer ?? {};
  const field = (name, extra = {}) => ({ name, label: fieldLabel('officer', name), value: o[name] ?? '', ...extra });
  const profile = form({
    id: 'welcome-profile',
    submit: W().continue,
    fields: [
      field('name', { required: true }),
      field('title', { hint: W().titleHint }),
      field('structure', { hint: W().structureHint }),
      field('address', { width: 'wide', hint: W().addressHint }),
      field('postcode'),
      field('city'),
      field('phone'),
      field('email'),
    ],
    onSubmit: async (values, el) => {
      await api.saveOfficer(settings.officer?.id ?? null, values);
      el.markClean();
      await next();
    },
  });
  show(...heading(W().profileTitle), h('p', { class: 'hint' }, at.path === 'join' ? W().profileJoinIntro : W().profileIntro), profile);
}

async function territoryStep(welcome) {
  const settings = await api.settings();
  if (settings.territories.length) {
    const go_on = h('button', { type: 'button', id: 'welcome-territory-keep', onclick: next }, W().continue);
    show(...heading(W().territoryTitle),
      h('p', {}, W().territoryAlready(settings.territories.map((x) => x.name).join(', '), settings.quartiers.length)),
      h('div', { class: 'actions' }, go_on));
    return;
  }
  const choices = welcome.known_territories.map((k, i) => h('div', { class: 'field field-check territory-choice' },
    h('input', { type: 'radio', name: 'territory', id: `welcome-territory-${i}`, value: k.name, checked: i === 0 }),
    h('label', { for: `welcome-territory-${i}` }, h('strong', {}, k.name), ' — ',
      W().quartiersOf(k.quartiers.map(([q, c]) => `${q} (${c})`)))));
  const other = h('input', { type: 'radio', name: 'territory', id: 'welcome-territory-other', value: '' });
  const name = h('input', { type: 'text', id: 'welcome-territory-name', autocomplete: 'off' });
  const rows = h('div', { id: 'welcome-quartiers' });
  const addRow = () => {
    const k = rows.children.length;
    rows.append(h('div', { class: 'quartier-row' },
      h('div', { class: 'field' }, h('label', { for: `welcome-q-name-${k}` }, W().quartierName), h('input', { type: 'text', id: `welcome-q-name-${k}`, class: 'q-name', autocomplete: 'off' })),
      h('div', { class: 'field' }, h('label', { for: `welcome-q-commune-${k}` }, W().quartierCommune), h('input', { type: 'text', id: `welcome-q-commune-${k}`, class: 'q-commune', autocomplete: 'off' })),
      h('div', { class: 'field field-check' }, h('input', { type: 'checkbox', id: `welcome-q-qpv-${k}`, class: 'q-qpv', checked: true }), h('label', { for: `welcome-q-qpv-${k}` }, W().quartierQpv))));
  };
  addRow();
  const typed = h('fieldset', { id: 'welcome-other-territory', hidden: true },
    h('legend', {}, W().otherTerritory),
    h('div', { class: 'field' }, h('label', { for: 'welcome-territory-name' }, W().territoryName), name),
    rows,
    h('button', { type: 'button', class: 'secondary', id: 'welcome-add-quartier', onclick: addRow }, W().addQuartier));
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true, id: 'welcome-territory-error' });
  const choiceBox = h('div', { class: 'territory-choices' }, choices,
    h('div', { class: 'field field-check territory-choice' }, other, h('label', { for: 'welcome-territory-other' }, W().otherTerritory)));
  choiceBox.addEventListener('change', () => { typed.hidden = !other.checked; });
  const save = h('button', { type: 'button', id: 'welcome-territory-save' }, W().continue);
  save.addEventListener('click', async () => {
    error.hidden = true;
    save.disabled = true;
    try {
      if (other.checked) {
        const id = await api.createTerritory(name.value);
        for (const row of rows.children) {
          const qName = row.querySelector('.q-name').value.trim();
          if (!qName) continue;
          await api.saveQuartier(null, {
            territory_id: id, name: qName,
            commune: row.querySelector('.q-commune').value.trim() || null,
            is_qpv: row.querySelector('.q-qpv').checked,
          });
        }
      } else {
        await api.createTerritory(choiceBox.querySelector('input[name=territory]:checked').value);
      }
      await next();
    } catch (err) {
      error.textContent = err?.message || t.errorUnexpected;
      error.hidden = false;
      save.disabled = false;
    }
  });
  show(...heading(W().territoryTitle), h('p', { class: 'hint' }, W().territoryIntro), choiceBox, typed, error,
    h('div', { class: 'actions' }, save));
}

async function partnersStep() {
  const partners = await api.listPartners();
  const blocks = partners.map((p, k) => h('fieldset', { class: 'partner-address', 'data-partner': p.id },
    h('legend', {}, p.name),
    h('div', { class: 'grid' },
      h('div', { class: 'field w-wide' }, h('label', { for: `welcome-p-address-${k}` }, W().partnerAddress),
        h('input', { type: 'text', id: `welcome-p-address-${k}`, class: 'p-address', value: p.address ?? '', autocomplete: 'off' })),
      h('div', { class: 'field' }, h('label', { for: `welcome-p-postcode-${k}` }, fieldLabel('partner', 'postcode')),
        h('input', { type: 'text', id: `welcome-p-postcode-${k}`, class: 'p-postcode', value: p.postcode ?? '', autocomplete: 'off', inputmode: 'numeric' })),
      h('div', { class: 'field' }, h('label', { for: `welcome-p-city-${k}` }, fieldLabel('partner', 'city')),
        h('input', { type: 'text', id: `welcome-p-city-${k}`, class: 'p-city', value: p.city ?? '', autocomplete: 'off' })))));
  const error = h('p', { class: 'field-error', role: 'alert', hidden: true, id: 'welcome-partners-error' });
  const save = h('button', { type: 'button', id: 'welcome-partners-save' }, W().continue);
  save.addEventListener('click', async () => {
    error.hidden = true;
    save.disabled = true;
    try {
      for (const [k, p] of partners.entries()) {
        const block = blocks[k];
        const value = (css) => block.querySelector(css).value.trim() || null;
        const changed = { address: value('.p-address'), postcode: value('.p-postcode'), city: value('.p-city') };
        if (changed.address === (p.address ?? null) && changed.postcode === (p.postcode ?? null) && changed.city === (p.city ?? null)) continue;
        const { id, ...fields } = p;
        await api.updatePartner(id, { ...fields, ...changed });
      }
      await next();
    } catch (err) {
      error.textContent = err?.message || t.errorUnexpected;
      error.hidden = false;
      save.disabled = false;
    }
  });
  show(...heading(W().partnersTitle), h('p', { class: 'hint' }, W().partnersIntro), blocks, error,
    h('div', { class: 'actions' }, save, h('button', { type: 'button', class: 'secondary', id: 'welcome-partners-skip', onclick: next }, W().skipStep)));
}

async function folderStep() {
  const progress = syncProgressView('welcome-sync-progress');
  const result = h('div', { id: 'welcome-sync-result', 'aria-live': 'polite' });
  const join = form({
    id: 'welcome-join',
    submit: W().join,
    fields: [
      { name: 'folder', label: t.sync.folder, hint: W().folderHint, required: true, width: 'wide' },
      { name: 'passphrase', label: W().teamPassphrase, hint: W().teamPassphraseHint, type: 'password', required: true },
      { name: 'device_name', label: t.sync.deviceName, hint: W().deviceNameHint },
    ],
    onSubmit: async (values, el) => {
      try {
        await api.configureSync(values.folder ?? '', values.passphrase ?? '', values.device_name, false);
      } catch (err) {
        if (['sync_wrong_passphrase', 'sync_passphrase_too_weak', 'sync_passphrase_changed'].includes(err?.kind)) err.field = 'passphrase';
        else if (err?.kind?.startsWith('sync_')) err.field = 'folder';
        throw err;
      }
      el.markClean();
      progress.start();
      result.replaceChildren(h('p', {}, W().firstSync));
      const stop = await api.onSyncProgress(progress.update).catch(() => null);
      try {
        const report = await api.syncNow();
        result.replaceChildren(...syncSummary(report),
          h('div', { class: 'actions' }, h('button', { type: 'button', id: 'welcome-join-continue', onclick: next }, W().continue)));
        document.getElementById('welcome-join-continue').focus();
      } catch (err) {
        result.replaceChildren(h('p', { class: 'field-error', role: 'alert' }, err?.message || t.errorUnexpected));
      } finally {
        stop?.();
        progress.stop();
      }
    },
  });
  const choose = h('button', { type: 'button', class: 'secondary', id: 'welcome-choose-folder' }, W().chooseFolder);
  choose.addEventListener('click', async () => {
    const picked = await api.chooseFolder(t.sync.folder).catch(() => null);
    if (picked) join.control('folder').value = picked;
  });
  join.querySelector('[data-field="folder"]').append(choose);
  const pass = join.control('passphrase');
  pass.closest('.field').append(strengthHint(pass));
  show(...heading(W().folderTitle), h('p', { class: 'hint' }, W().folderIntro), join, progress.element, result);
}

async function doneStep() {
  await api.finishWelcome();
  const settings = await api.settings();
  const head = heading(W().doneTitle);
  const path = at.path;
  // Done: coming back here leads to Aujourd'hui.
  at = null;
  show(...head,
    h('p', { class: 'ok-box', id: 'welcome-done' }, W().done(settings.officer?.name ?? '', settings.quartiers.length)),
    h('p', {}, W().doneLater),
    h('div', { class: 'actions' },
      h('a', { class: 'button', href: '#/aujourdhui', id: 'welcome-today' }, W().toToday),
      path === 'new' ? h('a', { class: 'button secondary', href: '#/importer', id: 'welcome-import' }, W().toImport) : null));
}

export async function render() {
  const welcome = await api.welcome();
  if (!at) {
    if (!welcome.due) {
      location.hash = '#/aujourdhui';
      return;
    }
    const skip = h('button', { type: 'button', class: 'link', id: 'welcome-skip' }, W().skip);
    skip.addEventListener('click', async () => {
      await api.finishWelcome();
      announce(W().skipped);
      location.hash = '#/aujourdhui';
    });
    show(h('h1', {}, W().title), h('p', {}, W().intro),
      h('div', { class: 'welcome-choices' },
        h('button', { type: 'button', id: 'welcome-new', onclick: () => go('new', 'profile') },
          h('strong', {}, W().newNotebook), h('span', {}, W().newNotebookHint)),
        h('button', { type: 'button', class: 'secondary', id: 'welcome-join-team', onclick: () => go('join', 'folder') },
          h('strong', {}, W().joinTeam), h('span', {}, W().joinTeamHint))),
      h('p', { class: 'more' }, skip));
    return;
  }
  if (at.step === 'profile') return profileStep();
  if (at.step === 'territory') return territoryStep(welcome);
  if (at.step === 'partners') return partnersStep();
  if (at.step === 'folder') return folderStep();
  return doneStep();
}
