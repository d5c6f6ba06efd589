/**
 * npm run data:national -- [--boards 1100] [--schools 7500] [--mandates 60000] [--moves 75]
 *                          [--migrate all|N] [--seed N] [--json]
 *
 * Loads the generated national data set (docs/national-data.md) into the database the system
 * uses: MONGODB_URI when set, else the embedded database of a running `npm start`, else the
 * embedded database on the data folder (started for this run). The demo data stays; the set's
 * boards and schools do not clash with it. Loading again adds nothing twice. Progress bars on
 * a terminal, a line per 10% otherwise. Exit 0 when loaded, 1 when nothing could be done.
 */
import { parseArgs } from 'node:util';
import { loadBenchData, type LoadedData } from './bench/data.js';
import { commandOutput, messageOf, progressReporter } from '@osr/common/cli';
import { dbPrefix, withDatabaseServer } from './cli-support.js';

const out = commandOutput('data:national', process.argv.includes('--json'));
const USAGE =
  'usage: npm run data:national -- [--boards 1..5000] [--schools 1..50000] [--mandates 0..500000] [--moves 0..1000] [--migrate all|0..50000] [--seed N] [--json]';

function wholeNumber(name: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) out.fail(`--${name} ${JSON.stringify(text)}: a whole number from ${min} to ${max}\n${USAGE}`);
  return n;
}

let values!: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      boards: { type: 'string', default: '1100' },
      schools: { type: 'string', default: '7500' },
      mandates: { type: 'string', default: '60000' },
      moves: { type: 'string', default: '75' },
      migrate: { type: 'string', default: 'all' },
      seed: { type: 'string', default: '20261101' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  }));
} catch (err) {
  out.fail(`${messageOf(err)}\n${USAGE}`);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const boards = wholeNumber('boards', String(values['boards']), 1, 5000);
const schools = wholeNumber('schools', String(values['schools']), 1, 50_000);
if (schools < boards) out.fail(`--schools ${schools} is fewer than --boards ${boards}: every board has at least one school\n${USAGE}`);
const mandates = wholeNumber('mandates', String(values['mandates']), 0, 500_000);
const moves = wholeNumber('moves', String(values['moves']), 0, 1000);
const migrate = values['migrate'] === 'all' ? 'all' : wholeNumber('migrate', String(values['migrate']), 0, 50_000);
const seed = wholeNumber('seed', String(values['seed']), 1, 2 ** 31 - 1);

const started = performance.now();
let data!: LoadedData;
try {
  data = await withDatabaseServer(
    (uri) =>
      loadBenchData({
        uri,
        prefix: dbPrefix(),
        boards,
        schools,
        mandates,
        moves,
        migrate,
        seed,
        log: (line) => console.error(line),
        progress: (step) => progressReporter(`  ${step}`),
      }),
    (line) => console.error(line),
  );
} catch (err) {
  out.fail(`the national set was not (completely) loaded: ${messageOf(err)}; run the command again to finish (nothing is added twice)`);
}
const seconds = (performance.now() - started) / 1000;
const c = data.counts;
out.finish(
  0,
  `loaded in ${seconds.toFixed(0)} s: ${c.boards} boards, ${c.schools} schools, ${c.aanleverpunten} aanleverpunten, ${c.mandates} mandates (${c.flaggedMandates} flagged for review), ${c.agreements} agreements, ${c.reviewItems} review items`,
  { seconds, ...data },
  [
    ...data.steps.map((s) => `  ${s.step.padEnd(32)} ${s.seconds.toFixed(1).padStart(7)} s  ${s.detail}`),
    `The largest board is ${data.largestBoard.nummer} (${data.largestBoard.schools} schools); a typical one ${data.typicalBoard.nummer} (${data.typicalBoard.schools}). Its headline, with npm start running:`,
    `  TOKEN=$(npm run -s token -- --role BOARD --board ${data.largestBoard.nummer} --rights OSR_TOEGANG)`,
    `  (then the curl command of the README with "nummer": "${data.largestBoard.nummer}")`,
    '(counts are of the whole database, the demo data included)',
  ],
);
