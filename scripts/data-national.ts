/**
 * osr data national [--boards 1100] [--schools 7500] [--mandates 60000] [--moves 75]
 *                   [--migrate all|N] [--seed N] [--json]                (npm run data:national)
 *
 * Loads the generated national data set (docs/national-data.md) into the database the system
 * uses (the one the command line names). The demo data stays; the set's boards and schools
 * do not clash with it. Loading again adds nothing twice. It writes every subgraph's data
 * through the importers, so it lives here rather than in one package. Progress bars on a
 * terminal, a line per 10% otherwise. Exit 0 when loaded, 1 when nothing could be done.
 */
import { formatTable, messageOf, wholeNumberOption, type CommandSpec } from '@osr/common/cli';
import type { LoadedData } from './bench/data.js';

export const dataNational: CommandSpec = {
  group: 'data',
  name: 'national',
  alias: 'data:national',
  summary: 'load the generated national data set (1,100 boards, 7,500 schools, 60,000 mandates) beside the demo data',
  help: 'What the set holds and how long it takes: docs/national-data.md.',
  options: [
    { flags: '--boards <n>', description: 'boards (1..5000)', default: '1100' },
    { flags: '--schools <n>', description: 'schools (1..50000, at least one per board)', default: '7500' },
    { flags: '--mandates <n>', description: 'mandates (0..500000)', default: '60000' },
    { flags: '--moves <n>', description: 'schools that move to another board in a RIO delta after the load (0..1000)', default: '75' },
    { flags: '--migrate <all|n>', description: 'aanleverpunten rows migrated through oso migrate (all, or 0..50000)', default: 'all' },
    { flags: '--seed <n>', description: 'the generator seed (the same seed, the same set)', default: '20261101' },
  ],
  async run(_args, values, { out, env, withDatabase, progress }) {
    const wholeNumber = (name: string, value: unknown, min: number, max: number): number => wholeNumberOption(out, `--${name}`, value, min, max);
    const boards = wholeNumber('boards', values['boards'], 1, 5000);
    const schools = wholeNumber('schools', values['schools'], 1, 50_000);
    if (schools < boards) out.fail(`--schools ${schools} is fewer than --boards ${boards}: every board has at least one school`);
    const mandates = wholeNumber('mandates', values['mandates'], 0, 500_000);
    const moves = wholeNumber('moves', values['moves'], 0, 1000);
    const migrate = values['migrate'] === 'all' ? 'all' : wholeNumber('migrate', values['migrate'], 0, 50_000);
    const seed = wholeNumber('seed', values['seed'], 1, 2 ** 31 - 1);

    // The generator and the importers load only when the set is loaded, not for --help.
    const { loadBenchData } = await import('./bench/data.js');
    const started = performance.now();
    let data!: LoadedData;
    try {
      data = await withDatabase((uri) =>
        loadBenchData({
          uri,
          prefix: env.prefix,
          boards,
          schools,
          mandates,
          moves,
          migrate,
          seed,
          log: (line) => console.error(line),
          progress: (step) => progress(`  ${step}`),
        }),
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
        formatTable(['step', 'seconds', 'what'], data.steps.map((s) => [s.step, s.seconds.toFixed(1), s.detail])),
        `The largest board is ${data.largestBoard.nummer} (${data.largestBoard.schools} schools); a typical one ${data.typicalBoard.nummer} (${data.typicalBoard.schools}). Its headline, with npx osr start running:`,
        `  TOKEN=$(npx osr token --role BOARD --board ${data.largestBoard.nummer} --rights OSR_TOEGANG)`,
        `  (then the curl command of the README with "nummer": "${data.largestBoard.nummer}")`,
        "(boards, schools, aanleverpunten and mandates are the set's; agreements and review items those of the whole database, the demo data included)",
      ],
    );
  },
};
