/**
 * npm run rio:generate -- <outdir> [--boards N] [--schools N] [--seed N]
 * Writes a deterministic national RIO data set in both import formats:
 * <outdir>/rio-national.json (RIO bundle) and <outdir>/rio-national.csv (DUO CSV, UTF-8).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateNationalSet } from '@osr/subgraph-organisations/rio/generate';

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`--${name} ${JSON.stringify(value)} is invalid: a whole number of at least 1`);
    process.exit(1);
  }
  return n;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { boards: { type: 'string' }, schools: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean' } },
});
if (values.help || positionals.length !== 1) {
  console.error('usage: npm run rio:generate -- <outdir> [--boards 1100] [--schools 7500] [--seed 20261101]');
  process.exit(values.help ? 0 : 1);
}
const outdir = resolve(positionals[0]!);
const boards = positive('boards', values.boards);
const schools = positive('schools', values.schools);
const seed = positive('seed', values.seed);
if (boards !== undefined && schools !== undefined && schools < boards) {
  console.error(`--schools ${schools} is invalid: every board needs a school, so at least --boards (${boards})`);
  process.exit(1);
}
const set = generateNationalSet({
  ...(boards !== undefined ? { boards } : {}),
  ...(schools !== undefined ? { schools } : {}),
  ...(seed !== undefined ? { seed } : {}),
});
mkdirSync(outdir, { recursive: true });
writeFileSync(join(outdir, 'rio-national.json'), `${JSON.stringify(set.bundle)}\n`);
writeFileSync(join(outdir, 'rio-national.csv'), set.csv);
const s = set.stats;
console.log(`Wrote ${join(outdir, 'rio-national.json')} and ${join(outdir, 'rio-national.csv')}`);
console.log(`  ${s.boards} boards, ${s.schools} schools, ${s.vestigingen} vestigingen, ${s.swvs} samenwerkingsverbanden`);
console.log(`  largest board ${s.largestBoard.bevoegdGezagNummer} with ${s.largestBoard.schools} schools`);
