/**
 * osr mandates repair (npm run mandates:repair)
 * After mandates were written around the mandate store (a fix by hand, a bulk load): gives
 * mandates without series keys their keys, brings what the read model in use derives from
 * each mandate in step and records a change that is not known exactly, so every running
 * mandates replica computes its kept aggregates again; then stores the yearly check's rows
 * where the read model keeps them, so a replica that starts need not compute them. Run it
 * while no mandate is being written (or run it again afterwards). Exit code 0 when done, 1
 * when nothing was done.
 */
import { messageOf, type CommandSpec } from '@osr/common/cli';
import { openRepositories } from '../open.js';
import { MandatesMaintenance } from '../repositories/maintenance.js';

const CHECK_ROWS = {
  true: 'mandate check rows stored',
  false: 'mandate check rows not stored (a mandate was written meanwhile: run it again)',
  null: 'no mandate check rows to store (the database read model keeps none)',
};

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
          `series keys ${result.seriesKeys} filled in; facts ${result.inserted} added, ${result.replaced} replaced, ${result.removed} removed (${seconds} s); ${CHECK_ROWS[String(result.checkRows) as keyof typeof CHECK_ROWS]}; kept aggregates will be computed again`,
          { ...result, seconds: Number(seconds) },
        );
      });
    } catch (err) {
      out.fail(messageOf(err));
    }
  },
};
