// Every text the window reads from the catalogue (`t.section.key` in ui/js, directly or
// through a short alias such as `const S = t.settings` or `const W = () => t.welcome`) must
// exist in ui/js/strings.js: a missing key shows "undefined" in the officer's window and no
// test of the engine would see it. TypeScript cannot catch it (object literals in JavaScript
// files are open-ended), so this script does. Run by `cargo xtask test`.
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ui = fileURLToPath(new URL('../../ui/js/', import.meta.url));
const { t } = await import(join(ui, 'strings.js'));

const files = [];
(function walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path);
    else if (entry.name.endsWith('.js') && entry.name !== 'strings.js') files.push(path);
  }
})(ui);

const resolve = (path) => path.reduce((at, key) => (at == null ? undefined : at[key]), t);
const missing = [];
let checked = 0;
for (const file of files) {
  const source = readFileSync(file, 'utf8');
  // Aliases: `const S = t.settings;` and `const W = () => t.welcome;`.
  const aliases = new Map([['t', []]]);
  for (const m of source.matchAll(/const (\w+) = (?:\(\) => )?t((?:\.\w+)+);/g)) {
    aliases.set(m[1], m[2].slice(1).split('.'));
  }
  for (const [alias, base] of aliases) {
    const use = new RegExp(`(?<![\\w.$])${alias}(?:\\(\\))?((?:\\.\\w+)+)`, 'g');
    for (const m of source.matchAll(use)) {
      const path = [...base, ...m[1].slice(1).split('.')];
      checked += 1;
      // A chain may go on into a value's own members (`t.x.windows.map`): it is fine as
      // long as some prefix beyond the alias resolves to a string, function or array.
      let ok = false;
      for (let n = path.length; n > base.length; n -= 1) {
        const value = resolve(path.slice(0, n));
        if (value !== undefined) {
          ok = n === path.length || typeof value !== 'object' || Array.isArray(value);
          break;
        }
      }
      if (!ok) {
        const line = source.slice(0, m.index).split('\n').length;
        missing.push(`${relative(join(ui, '..'), file)}:${line}: ${alias}${m[1]} (t.${path.join('.')})`);
      }
    }
  }
}
if (missing.length > 0) {
  console.error(`Textes absents de ui/js/strings.js (${missing.length}) :\n${missing.join('\n')}`);
  process.exit(1);
}
console.log(`${checked} textes lus dans le catalogue, tous présents.`);
