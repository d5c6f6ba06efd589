/**
 * osr rio generate <outdir> [--boards N] [--schools N] [--seed N] [--json]   (npm run rio:generate)
 *
 * Writes a deterministic national RIO data set in both import formats:
 * <outdir>/rio-national.json (RIO bundle) and <outdir>/rio-national.csv (DUO CSV, UTF-8).
 * It writes files, not the register's data, so it lives with the scripts.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { messageOf, wholeNumberOption, type CommandSpec } from '@osr/common/cli';

export const rioGenerate: CommandSpec = {
  group: 'rio',
  name: 'generate',
  alias: 'rio:generate',
  summary: 'write a generated national RIO data set (JSON bundle and DUO CSV) to a folder',
  arguments: [{ name: '<outdir>', description: 'the folder to write rio-national.json and rio-national.csv to (made if missing)' }],
  options: [
    { flags: '--boards <n>', description: 'boards (1..5000)', default: '1100' },
    { flags: '--schools <n>', description: 'schools (1..50000, at least one per board)', default: '7500' },
    { flags: '--seed <n>', description: 'the generator seed (the same seed, the same set)', default: '20261101' },
  ],
  async run(args, values, { out }) {
    const boards = wholeNumberOption(out, '--boards', values['boards'], 1, 5000);
    const schools = wholeNumberOption(out, '--schools', values['schools'], 1, 50_000);
    const seed = wholeNumberOption(out, '--seed', values['seed'], 1, 2 ** 31 - 1);
    if (schools < boards) out.fail(`--schools ${schools} is fewer than --boards ${boards}: every board needs a school`);
    const outdir = resolve(args[0]!);
    const { generateNationalSet } = await import('@osr/subgraph-organisations/rio/generate');
    const set = generateNationalSet({ boards, schools, seed });
    const files = [join(outdir, 'rio-national.json'), join(outdir, 'rio-national.csv')];
    try {
      mkdirSync(outdir, { recursive: true });
      writeFileSync(files[0]!, `${JSON.stringify(set.bundle)}\n`);
      writeFileSync(files[1]!, set.csv);
    } catch (err) {
      out.fail(`cannot write to ${outdir}: ${messageOf(err)}`);
    }
    const s = set.stats;
    out.finish(
      0,
      `wrote ${files.join(' and ')}: ${s.boards} boards, ${s.schools} schools, ${s.vestigingen} vestigingen, ${s.swvs} samenwerkingsverbanden`,
      { files, stats: s },
      [`  largest board ${s.largestBoard.bevoegdGezagNummer} with ${s.largestBoard.schools} schools`],
      { outcome: 'files written' },
    );
  },
};
