/**
 * npm run osr:manifest [-- --check]: writes scripts/osr-commands.json, the descriptions of the
 * osr commands from which `osr` builds its help and command tree without importing the
 * commands' modules (scripts/osr.ts). With --check, exit 1 when the file is stale (a command's
 * options, arguments or help changed since it was written).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { MANIFEST, loadManifest, manifestText } from './osr.js';

const check = process.argv.includes('--check');
const text = manifestText(await loadManifest());
let current = '';
try {
  current = readFileSync(MANIFEST, 'utf8');
} catch {
  // not written yet
}
if (current === text) console.error('scripts/osr-commands.json is current');
else if (check) {
  console.error('scripts/osr-commands.json is stale: run npm run osr:manifest');
  process.exitCode = 1;
} else {
  writeFileSync(MANIFEST, text);
  console.error('scripts/osr-commands.json written');
}
