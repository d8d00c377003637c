// Doublons: the pairs of records that may be the same person, the surest first, each with
// its level, its reasons and a link to both records.
import { t } from '../strings.js';
import { api } from '../ipc.js';
import { h, show } from '../dom.js';

const D = () => t.duplicates;

const pairItem = (p) => h('li', { 'data-pair': `${p.a} ${p.b}` },
  h('div', { class: 'entry-line' },
    h('span', {},
      h('a', { href: `#/personnes/${p.a}` }, p.a_name), ' / ',
      h('a', { href: `#/personnes/${p.b}` }, p.b_name), ' ',
      h('span', { class: `badge ${p.level}` }, D().level[p.level]))),
  h('div', { class: 'muted' }, D().why(p.reasons.join(', '))));

export async function render() {
  const pairs = await api.listDuplicates();
  const sure = pairs.filter((p) => p.level === 'very_likely').length;
  show(
    h('h1', {}, D().listTitle),
    h('p', { class: 'hint' }, D().listIntro),
    h('p', { id: 'duplicates-count' }, D().count(pairs.length, sure)),
    pairs.length
      ? h('ul', { class: 'plain', id: 'duplicates-list' }, pairs.map(pairItem))
      : h('p', { class: 'muted' }, D().none),
  );
}
