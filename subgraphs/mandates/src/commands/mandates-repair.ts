/**
 * osr mandates repair (npm run mandates:repair)
 * After mandates were written around the mandate store (a fix by hand, a bulk load): gives
 * mandates without series keys their keys, brings `mandate_facts` (what the aggregates read)
 * in step with `mandates` and records a change that is not known exactly, so every running
 * mandates replica computes its kept aggregates again; then stores the yearly mandate check's
 * rows (check-rows.ts), so a replica that starts need not read every mandate's facts for them.
 * Run it while no mandate is being written (or run it again afterwards). Exit code 0 when
 * done, 1 when nothing was done.
 */
import { messageOf, type CommandSpec } from '@osr/common/cli';
import { openRepositories } from '../open.js';
import { MandatesMaintenance } from '../repositories/maintenance.js';

export const mandatesRepair: CommandSpec = {
  group: 'mandates',
  name: 'repair',
  alias: 'mandates:repair',
  summary: 'bring mandate_facts and the series keys in step with the mandates, and store the mandate check rows',
  async run(_args, _options, { out, withSubgraphDatabase }) {
    try {
      await withSubgraphDatabase('mandates', async (database) => {
        await openRepositories(database.db);
        const started = Date.now();
        const result = await new MandatesMaintenance(database.db).repairDerived();
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        out.finish(
          0,
          `series keys ${result.seriesKeys} filled in; facts ${result.inserted} added, ${result.replaced} replaced, ${result.removed} removed (${seconds} s); ${result.checkRows ? 'mandate check rows stored' : 'mandate check rows not stored (a mandate was written meanwhile: run it again)'}; kept aggregates will be computed again`,
          { ...result, seconds: Number(seconds) },
        );
      });
    } catch (err) {
      out.fail(messageOf(err));
    }
  },
};
